"""The baseline for command latency: a minimal Bolt AsyncApp on aiohttp.

It verifies the signature (Bolt's own middleware) and acks `/sdo` with a static text — the
least any Bolt app does. Run by bench/command_latency.py on $PORT.
"""

from __future__ import annotations

import os

import aiohttp
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.web.async_client import AsyncWebClient


def main() -> None:
    async def lifecycle(web_app: web.Application):  # type: ignore[no-untyped-def]
        session = aiohttp.ClientSession()
        client = AsyncWebClient(
            token=os.environ["SLACK_BOT_TOKEN"],
            base_url=os.environ["SDO_SLACK_API_URL"],
            session=session,
        )
        bolt = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

        @bolt.command("/sdo")
        async def sdo(ack: AsyncAck) -> None:
            await ack("SDO Pulse baseline: ok")

        web_app["bolt"] = bolt
        yield
        await session.close()

    async def events(request: web.Request) -> web.StreamResponse:
        response = await request.app["bolt"].async_dispatch(await to_bolt_request(request))
        return await to_aiohttp_response(response)

    async def healthz(_request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    app = web.Application()
    app.cleanup_ctx.append(lifecycle)
    app.router.add_post("/slack/events", events)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=int(os.environ["PORT"]), print=None, access_log=None)


if __name__ == "__main__":
    main()
