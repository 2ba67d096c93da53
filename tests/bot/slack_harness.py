"""Drive the running app the way Slack does: correctly signed HTTP requests.

``SlackHarness`` owns a fake Slack Web API (``bot.fakeslack.FakeSlack``) and the real aiohttp
server of ``sdo serve`` on a free port, and sends slash commands, button clicks, modal
submissions and events to ``POST /slack/events`` exactly as Slack would.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from datetime import UTC, datetime, timedelta
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.fakeslack import FakeSlack
from bot.server import RUNTIME_KEY, Runtime, build_web_app

T = TypeVar("T")

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
WORKSPACE = "T0000FAKE"


def sign(body: bytes, *, secret: str = SIGNING_SECRET, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for ``body``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": "v0=" + digest.hexdigest()}


@dataclass
class Reply:
    status: int
    text: str

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


async def eventually(check: Callable[[], bool], *, timeout: float = 10.0,
                     what: str = "condition") -> None:
    """Wait until ``check()`` holds: the app works on after it acknowledges a request."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def eventually_async(
    read: Callable[[], Awaitable[T]], check: Callable[[T], bool], *, timeout: float = 10.0
) -> T:
    """Like ``eventually`` for a state that needs awaiting to read (e.g. database rows)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await read()
        if check(value):
            return value
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out; last value: {value!r}")
        await asyncio.sleep(0.02)


class TravelClock:
    """Real time plus an offset the test can move forward (time travel for round changes).

    The harness signs requests with this clock's time, so signatures stay fresh for the app.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


class SlackHarness:
    """The app under test, the fake Slack it talks to, and a signed-request client."""

    def __init__(self, *, fake: FakeSlack, db_url: str) -> None:
        self.fake = fake
        self.db_url = db_url
        self.clock = TravelClock()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._triggers = itertools.count(1)
        self._events = itertools.count(1)
        self.url = ""
        self.web_app: web.Application | None = None

    @property
    def settings(self) -> Settings:
        return Settings(
            slack_bot_token=self.fake.bot_token,
            slack_signing_secret=SIGNING_SECRET,
            database_url=self.db_url,
            slack_api_url=self.fake.base_url,
            send_concurrency=4,
        )

    @property
    def runtime(self) -> Runtime:
        assert self.web_app is not None
        return self.web_app[RUNTIME_KEY]

    async def start(self) -> None:
        self.web_app = build_web_app(self.settings, clock=self.clock)
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self._http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self._http:
            await self._http.close()
        if self._runner:
            await self._runner.cleanup()

    # -- raw requests ------------------------------------------------------------------------

    async def post_raw(self, body: bytes, headers: dict[str, str]) -> Reply:
        assert self._http is not None
        async with self._http.post(self.url + "/slack/events", data=body, headers=headers) as r:
            return Reply(r.status, await r.text())

    async def post_signed(self, body: bytes, content_type: str, **sign_args: Any) -> Reply:
        sign_args.setdefault("timestamp", int(self.clock.now().timestamp()))
        return await self.post_raw(body, {"Content-Type": content_type, **sign(body, **sign_args)})

    async def get(self, path: str) -> Reply:
        assert self._http is not None
        async with self._http.get(self.url + path) as r:
            return Reply(r.status, await r.text())

    # -- what Slack sends ----------------------------------------------------------------------

    def command_body(self, text: str, *, user: str, channel: str, channel_name: str = "team",
                     workspace: str = WORKSPACE, response_url: str | None = None) -> bytes:
        return urlencode({
            "token": "deprecated", "team_id": workspace, "team_domain": "fake",
            "channel_id": channel, "channel_name": channel_name, "user_id": user,
            "user_name": user.lower(), "command": "/sdo", "text": text,
            "api_app_id": "AFAKE", "is_enterprise_install": "false",
            "response_url": response_url or self.fake.new_response_url(),
            "trigger_id": f"trigger-{next(self._triggers)}",
        }).encode()

    async def command(self, text: str, *, user: str, channel: str, channel_name: str = "team",
                      workspace: str = WORKSPACE) -> Reply:
        """Send `/sdo <text>` and return the HTTP reply (the ack)."""
        body = self.command_body(text, user=user, channel=channel, channel_name=channel_name,
                                 workspace=workspace)
        return await self.post_signed(body, "application/x-www-form-urlencoded")

    async def command_and_answer(self, text: str, *, user: str, channel: str,
                                 channel_name: str = "team",
                                 workspace: str = WORKSPACE) -> dict[str, Any]:
        """Send a command and wait for the answer the app posts to its response_url."""
        response_url = self.fake.new_response_url()
        body = self.command_body(text, user=user, channel=channel, channel_name=channel_name,
                                 workspace=workspace, response_url=response_url)
        reply = await self.post_signed(body, "application/x-www-form-urlencoded")
        assert reply.status == 200, reply
        return await self.response_to(response_url)

    async def response_to(self, response_url: str) -> dict[str, Any]:
        """The last answer the app posted to ``response_url`` (waits for it)."""
        await eventually(lambda: bool(self._responses(response_url)),
                         what="an answer on the response_url")
        return self._responses(response_url)[-1]

    def _responses(self, response_url: str) -> list[dict[str, Any]]:
        return [c.args for c in self.fake.calls_to("response_url") if c.url == response_url]

    def interaction_body(self, payload: dict[str, Any]) -> bytes:
        return urlencode({"payload": json.dumps(payload)}).encode()

    async def interact(self, payload: dict[str, Any]) -> Reply:
        return await self.post_signed(self.interaction_body(payload),
                                      "application/x-www-form-urlencoded")

    def click_payload(self, *, action_id: str, value: str, user: str, channel: str, ts: str,
                      workspace: str = WORKSPACE, message: dict[str, Any] | None = None,
                      view: dict[str, Any] | None = None) -> dict[str, Any]:
        action = {"type": "button", "action_id": action_id, "block_id": "b", "value": value,
                  "action_ts": f"{time.time():.6f}"}
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": workspace, "domain": "fake"},
            "user": {"id": user, "team_id": workspace},
            "api_app_id": "AFAKE",
            "trigger_id": f"trigger-{next(self._triggers)}",
            "actions": [action],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        else:
            payload["container"] = {"type": "message", "message_ts": ts, "channel_id": channel,
                                    "is_ephemeral": False}
            payload["channel"] = {"id": channel}
            payload["message"] = message or {"ts": ts, "type": "message"}
            payload["response_url"] = self.fake.new_response_url()
        return payload

    async def click(self, **kwargs: Any) -> tuple[Reply, dict[str, Any]]:
        payload = self.click_payload(**kwargs)
        return await self.interact(payload), payload

    async def event(self, event: dict[str, Any], *, workspace: str = WORKSPACE,
                    event_id: str | None = None, retry_num: int | None = None) -> Reply:
        body = json.dumps({
            "token": "deprecated", "team_id": workspace, "api_app_id": "AFAKE",
            "type": "event_callback", "event": event,
            "event_id": event_id or f"Ev{next(self._events):08d}",
            "event_time": int(time.time()),
        }).encode()
        headers = {"Content-Type": "application/json",
                   **sign(body, timestamp=int(self.clock.now().timestamp()))}
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        return await self.post_raw(body, headers)
