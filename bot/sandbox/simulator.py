"""Play Slack's part against a running SDO Pulse: correctly signed HTTP requests.

``SlackSimulator`` starts the real aiohttp server of ``sdo serve`` on a free port, pointed at a
``FakeSlack`` Web API, and sends slash commands, button clicks, modal submissions and events
to ``POST /slack/events`` exactly as Slack would (v0 HMAC signature, timestamp). ``sdo demo``
drives the app with it, and the tests do too.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web

from bot.config import Settings
from bot.domain.circles import AnswerValue, Circle
from bot.sandbox.fakeslack import FakeSlack
from bot.server import RUNTIME_KEY, Runtime, build_web_app
from bot.slack.blocks.pulse import ANSWER_ACTION_PREFIX, AnswerClick
from bot.slack.signing import signed_headers

SIGNING_SECRET = "simulated-signing-secret-0123456789"
FORM = "application/x-www-form-urlencoded"


def sign(body: bytes, *, secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's v0 request signature headers for ``body`` (now, unless ``timestamp`` says)."""
    return signed_headers(
        body, secret=secret, timestamp=int(time.time()) if timestamp is None else timestamp
    )


class TravelClock:
    """Real time plus an offset that can move forward: weeks pass in seconds.

    The simulator signs with this clock, so the app (which checks signatures against the same
    clock) sees fresh requests whatever the offset.
    """

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta

    def travel_to(self, when: datetime) -> None:
        self.offset = when - datetime.now(UTC)


@dataclass
class Reply:
    """The HTTP answer the app gave."""

    status: int
    text: str
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.text) if self.text else None


def ack_message(reply: Reply) -> dict[str, Any] | None:
    """The message an acknowledgement carries (what Slack shows at once), if any."""
    body = reply.json() if reply.status == 200 else None
    if isinstance(body, dict) and ("text" in body or "blocks" in body):
        return body
    return None


async def eventually(
    check: Callable[[], bool], *, timeout: float = 10.0, what: str = "condition"
) -> None:
    """Wait until ``check()`` holds: the app keeps working after it acknowledges a request."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.005)


async def eventually_async[T](
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


class SlackSimulator:
    """The app under a simulated Slack: server, fake Web API, and a signed-request client.

    Args:
        fake: the fake Web API the app calls.
        db_url: the app's database.
        workspace_id: the workspace requests come from.
        send_concurrency: the app's ``SDO_SEND_CONCURRENCY``.
        oauth: run in multi-workspace mode (installs through the OAuth flow).
        encryption_key: the app's ``SDO_ENCRYPTION_KEY``.
        metrics_token: the app's ``SDO_METRICS_TOKEN`` (empty: no ``/metrics``).
    """

    def __init__(
        self,
        *,
        fake: FakeSlack,
        db_url: str,
        workspace_id: str | None = None,
        send_concurrency: int = 4,
        oauth: bool = False,
        encryption_key: str = "",
        metrics_token: str = "",
    ) -> None:
        self.fake = fake
        self.metrics_token = metrics_token
        self.oauth = oauth
        self.encryption_key = encryption_key
        self.db_url = db_url
        self.workspace_id = workspace_id or fake.workspace_id
        self.send_concurrency = send_concurrency
        self.clock = TravelClock()
        self.secret = SIGNING_SECRET
        self.url = ""
        self.web_app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._triggers = itertools.count(1)
        self._events = itertools.count(1)

    @property
    def settings(self) -> Settings:
        return Settings(
            slack_bot_token="" if self.oauth else self.fake.bot_token,
            slack_signing_secret=self.secret,
            database_url=self.db_url,
            slack_api_url=self.fake.base_url,
            send_concurrency=self.send_concurrency,
            # The simulation decides when time passes: no periodic tick behind its back.
            tick_seconds=0,
            slack_client_id="1111.2222" if self.oauth else "",
            slack_client_secret="simulated-client-secret" if self.oauth else "",
            slack_scopes=("commands", "chat:write") if self.oauth else (),
            encryption_key=self.encryption_key,
            metrics_token=self.metrics_token,
        )

    @property
    def runtime(self) -> Runtime:
        assert self.web_app is not None, "start() first"
        return self.web_app[RUNTIME_KEY]

    async def start(self) -> None:
        self.web_app = build_web_app(self.settings, clock=self.clock)
        self._runner = web.AppRunner(self.web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
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
            return Reply(r.status, await r.text(), dict(r.headers))

    async def post_signed(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        extra_headers: dict[str, str] | None = None,
    ) -> Reply:
        ts = int(self.clock.now().timestamp()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            **sign(body, secret=secret or self.secret, timestamp=ts),
            **(extra_headers or {}),
        }
        return await self.post_raw(body, headers)

    async def get(self, path: str, *, headers: dict[str, str] | None = None) -> Reply:
        """A GET as a browser sends it (redirects not followed; pass cookies in ``headers``)."""
        assert self._http is not None
        async with self._http.get(
            self.url + path, allow_redirects=False, headers=headers or {}
        ) as r:
            return Reply(r.status, await r.text(), dict(r.headers))

    # -- slash commands ------------------------------------------------------------------------

    def channel_name(self, channel_id: str) -> str:
        """The channel's name as the fake Slack knows it (Slack sends it with commands)."""
        return str(self.fake.channels.get(channel_id, {}).get("name", channel_id))

    def command_body(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        channel_name: str | None = None,
        response_url: str | None = None,
        workspace: str | None = None,
    ) -> bytes:
        channel_name = channel_name or self.channel_name(channel)
        return urlencode(
            {
                "token": "deprecated",
                "team_id": workspace or self.workspace_id,
                "team_domain": "fake",
                "channel_id": channel,
                "channel_name": channel_name,
                "user_id": user,
                "user_name": user.lower(),
                "command": "/sdo",
                "text": text,
                "api_app_id": "AFAKE",
                "is_enterprise_install": "false",
                "response_url": response_url or self.fake.new_response_url(),
                "trigger_id": f"trigger-{next(self._triggers)}",
            }
        ).encode()

    async def command(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        channel_name: str | None = None,
        workspace: str | None = None,
    ) -> tuple[Reply, str]:
        """Send `/sdo <text>`; returns the HTTP reply (the ack) and the response_url used."""
        response_url = self.fake.new_response_url()
        body = self.command_body(
            text,
            user=user,
            channel=channel,
            channel_name=channel_name,
            response_url=response_url,
            workspace=workspace,
        )
        return await self.post_signed(body, FORM), response_url

    async def command_and_answer(
        self,
        text: str,
        *,
        user: str,
        channel: str,
        channel_name: str | None = None,
        workspace: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        """Send a command and return its answer: the one in the acknowledgement, or else the
        last one the app posted to the command's response_url (waits for it)."""
        reply, response_url = await self.command(
            text, user=user, channel=channel, channel_name=channel_name, workspace=workspace
        )
        if reply.status != 200:
            raise AssertionError(f"/sdo {text} got HTTP {reply.status}: {reply.text}")
        in_ack = ack_message(reply)
        if in_ack is not None:
            return in_ack
        return await self.response_to(response_url, timeout=timeout)

    async def response_to(self, response_url: str, *, timeout: float = 10.0) -> dict[str, Any]:
        """The last answer the app posted to ``response_url`` (waits for it)."""
        await eventually(
            lambda: bool(self.responses(response_url)),
            timeout=timeout,
            what="an answer on the response_url",
        )
        return self.responses(response_url)[-1]

    def responses(self, response_url: str) -> list[dict[str, Any]]:
        return [c.args for c in self.fake.calls_to("response_url") if c.url == response_url]

    # -- interactivity ---------------------------------------------------------------------------

    async def interact(self, payload: dict[str, Any]) -> Reply:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post_signed(body, FORM)

    def click_payload(
        self,
        *,
        action_id: str,
        value: str,
        user: str,
        channel: str,
        ts: str,
        workspace: str | None = None,
        view: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        workspace = workspace or self.workspace_id
        payload: dict[str, Any] = {
            "type": "block_actions",
            "team": {"id": workspace, "domain": "fake"},
            "user": {"id": user, "team_id": workspace},
            "api_app_id": "AFAKE",
            "trigger_id": f"trigger-{next(self._triggers)}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b",
                    "value": value,
                    "action_ts": f"{time.time():.6f}",
                }
            ],
        }
        if view is not None:
            payload["container"] = {"type": "view", "view_id": view.get("id", "V1")}
            payload["view"] = view
        else:
            payload["container"] = {
                "type": "message",
                "message_ts": ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel}
            payload["message"] = {"ts": ts, "type": "message"}
            # Bound to the message the button is on, like Slack's: it can replace that message.
            payload["response_url"] = self.fake.new_response_url(
                channel_id=channel, user_id=user, message_ts=ts
            )
        return payload

    def answer_button(
        self, user: str, circle: Circle, value: AnswerValue
    ) -> tuple[str, str, dict[str, Any]]:
        """Where ``value``'s button for ``circle`` is in ``user``'s latest DM: its channel, its
        ts, and the button."""
        channel = self.fake.dm_channel_id(user)
        message = self.fake.messages[channel][-1]
        button = next(
            e
            for b in message["blocks"]
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["action_id"] == ANSWER_ACTION_PREFIX + value.value
            and AnswerClick.decode(e["value"]).circle is circle
        )
        return channel, str(message["ts"]), button

    async def click(self, **kwargs: Any) -> tuple[Reply, dict[str, Any]]:
        """Click a button; returns the reply and the payload sent (with its response_url)."""
        payload = self.click_payload(**kwargs)
        return await self.interact(payload), payload

    # -- events ------------------------------------------------------------------------------------

    async def event(
        self,
        event: dict[str, Any],
        *,
        workspace: str | None = None,
        event_id: str | None = None,
        retry_num: int | None = None,
    ) -> Reply:
        body = json.dumps(
            {
                "token": "deprecated",
                "team_id": workspace or self.workspace_id,
                "api_app_id": "AFAKE",
                "type": "event_callback",
                "event": event,
                "event_id": event_id or f"Ev{next(self._events):08d}",
                "event_time": int(self.clock.now().timestamp()),
            }
        ).encode()
        extra = (
            {"X-Slack-Retry-Num": str(retry_num), "X-Slack-Retry-Reason": "http_timeout"}
            if retry_num is not None
            else None
        )
        return await self.post_signed(body, "application/json", extra_headers=extra)
