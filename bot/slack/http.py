"""The HTTP edge: signature check, body sanity, then hand the request to Bolt.

Slack signs every request with HMAC-SHA256 over ``v0:{timestamp}:{body}``. A missing, forged or
stale signature (more than five minutes off), or a timestamp that is not a number, gets 401
before anything is parsed; a signed body that is not what Slack sends gets 400.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest

from bot.slack.installs import INSTALL_PATH, REDIRECT_PATH
from bot.slack.payloads import well_formed
from bot.slack.signing import RequestVerifier
from storage.db import Database

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024


def slack_route(*, bolt: Callable[[], AsyncApp], verifier: RequestVerifier) -> web.RouteDef:
    """``POST /slack/events``: commands, interactivity and events.

    Args:
        bolt: returns the Bolt app (created at start-up, after the routes).
        verifier: checks each request's signature (with the app's clock).
    """

    async def slack_events(request: web.Request) -> web.StreamResponse:
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413, text="request body too large")
        if not verifier.is_signed(body=body, headers=request.headers):
            log.warning("rejected a request with a missing, invalid or stale signature")
            return web.Response(status=401, text="invalid signature")
        if not well_formed(body, request.content_type):
            log.info("refused a signed request of an unexpected shape (%d bytes)", len(body))
            return web.Response(status=400, text="malformed request")
        log.debug("accepted a signed %s request (%d bytes)", request.content_type, len(body))
        bolt_request = AsyncBoltRequest(
            body=body.decode("utf-8"),
            query=request.query_string,
            headers=dict(request.headers),
        )
        try:
            response = await bolt().async_dispatch(bolt_request)
        except Exception as exc:  # a signed payload of a shape Bolt cannot route
            log.warning("could not dispatch a signed request: %s", type(exc).__name__)
            return web.Response(status=400, text="unexpected payload")
        return await to_aiohttp_response(response)

    return web.post("/slack/events", slack_events)


def oauth_routes(*, bolt: Callable[[], AsyncApp]) -> list[web.RouteDef]:
    """``GET /slack/install`` and ``GET /slack/oauth_redirect``: Bolt's OAuth flow."""

    async def install(request: web.Request) -> web.StreamResponse:
        flow = bolt().oauth_flow
        assert flow is not None
        return await to_aiohttp_response(
            await flow.handle_installation(await to_bolt_request(request))
        )

    async def redirect(request: web.Request) -> web.StreamResponse:
        flow = bolt().oauth_flow
        assert flow is not None
        return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))

    return [web.get(INSTALL_PATH, install), web.get(REDIRECT_PATH, redirect)]


def health_route(*, db: Callable[[], Database]) -> web.RouteDef:
    """``GET /healthz``: 200 when the database answers, 503 when it does not."""

    async def healthz(_request: web.Request) -> web.Response:
        if await db().ping():
            return web.json_response({"ok": True})
        return web.json_response({"ok": False, "error": "database unreachable"}, status=503)

    return web.get("/healthz", healthz)
