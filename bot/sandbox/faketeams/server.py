"""``FakeTeams``: the directory and the Bot Connector API on a local port, over real HTTP.

The class puts the parts together (``Conversations`` state, ``Recorder``, ``FaultInjection``) and
serves them: it owns the lifecycle, the routes, and the dispatch of every request through
faults, throttling, auth and a handler from ``operations.OPERATIONS`` to a recorded answer.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import json
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from bot.sandbox.faketeams.conversations import Conversations
from bot.sandbox.faketeams.faults import FaultInjection, retry_after_header
from bot.sandbox.faketeams.operations import OPERATIONS, Handler
from bot.sandbox.faketeams.protocol import Answer, JsonDict, Op
from bot.sandbox.faketeams.recording import Call, Recorder
from bot.sandbox.faketeams.validation import MAX_MESSAGE_BYTES
from bot.sandbox.serving import LocalServer

DEFAULT_APP_ID = "00000000-0000-4000-8000-0000005d0b07"
DEFAULT_TENANT_ID = "72f988bf-0000-4000-8000-00000000cafe"

_CONVERSATION = "v3/conversations/{conversation}"
_ACTIVITY = _CONVERSATION + "/activities/{activity}"
# (HTTP method, path below the service URL, operation), as the Agents SDK's clients call them.
_ROUTES = (
    ("POST", "v3/conversations", "create_conversation"),
    ("POST", _CONVERSATION + "/activities", "send"),
    ("POST", _ACTIVITY, "reply"),
    ("PUT", _ACTIVITY, "update"),
    ("DELETE", _ACTIVITY, "delete"),
    ("GET", _CONVERSATION + "/members", "members"),
    ("GET", _CONVERSATION + "/members/{member}", "member"),
    # ConnectorClient asks for pagedmembers, TeamsConnectorClient for pagedMembers.
    ("GET", _CONVERSATION + "/pagedmembers", "paged_members"),
    ("GET", _CONVERSATION + "/pagedMembers", "paged_members"),
    ("GET", "v3/teams/{conversation}", "team_details"),
    ("GET", "v3/teams/{conversation}/conversations", "team_channels"),
)
_DENIED = {"message": "Authorization has been denied for this request."}


class FakeTeams(Conversations, Recorder, FaultInjection, LocalServer):
    """Tenants, teams and the Bot Connector API (a Teams ``serviceUrl``) on a local port.

    The package docstring describes what it serves and records. Parts, each in its module:
    ``Directory`` (``directory``) under ``Conversations`` (``conversations``), ``Recorder``
    (``recording``), ``FaultInjection`` (``faults``, with ``throttling``); the operations are
    functions over the state (``operations``, ``roster``).

    Attributes:
        bot: ``{"id": "28:<app id>", "name": ...}``, the bot's account in conversations.
        tenant_id: The default tenant, which ``add_user``/``add_team`` use unless told.
        tenants: Tenant id -> name.
        teams: Team id -> ``Team`` (live).
        users: ``29:`` id -> ``User`` (live).
        activities: Conversation id (a channel's, without ``;messageid=``) -> the bot's
            activities there as stored now: updates replace in place, deletes remove, typing
            indicators are not kept.
        sent: Every accepted send, reply and new conversation's activity (``Sent``), in order.
        updates: Every accepted update (``Sent``, kind ``"update"``).
        deleted: Every accepted delete (``Sent``, kind ``"delete"``).
        conversations_created: Every accepted ``POST v3/conversations`` (``Created``).
        personal_chats: 1:1 chat id -> user id, for each chat opened.
        requests: Every request (``Call``), refused or not, in arrival order.
        rate_limited: Those answered 429 (injected or by ``limits``).
        server_errors: Those answered 5xx.
        rejected: Those answered another 4xx (invalid card, unknown member, 401…).
        roster_requests: Every members, member and paged members request.
    """

    def __init__(
        self,
        *,
        app_id: str = DEFAULT_APP_ID,
        bot_name: str = "SDO Pulse",
        tenant_id: str = DEFAULT_TENANT_ID,
        region: str = "amer",
        host: str = "127.0.0.1",
        port: int = 0,
        max_page_size: int = 500,
        max_message_bytes: int = MAX_MESSAGE_BYTES,
        require_auth: bool = False,
        seed: int = 0,
    ) -> None:
        """Create the fake (not serving yet: call ``start`` or use ``async with``).

        Args:
            app_id: The bot's Entra app id; its account id is ``28:<app_id>``.
            bot_name: The bot's display name.
            tenant_id: The default tenant's id.
            region: The service URL's path, as Teams' regional ones have (``/amer/``); ``""``
                serves at the root.
            host: Interface to listen on.
            port: Port to listen on; 0 picks a free one.
            max_page_size: The most members a paged members answer holds.
            max_message_bytes: The message size limit (413 beyond it).
            require_auth: Answer 401 to requests without ``Authorization: Bearer …``.
            seed: Seed of the latency jitter.
        """
        Conversations.__init__(
            self,
            app_id=app_id,
            bot_name=bot_name,
            tenant_id=tenant_id,
            max_page_size=max_page_size,
            max_message_bytes=max_message_bytes,
        )
        Recorder.__init__(self)
        FaultInjection.__init__(self, seed=seed)
        self.require_auth = require_auth
        self._prefix = f"/{region.strip('/')}/" if region.strip("/") else "/"
        self._host = host
        self._port = port
        self._root_url: str | None = None

    # --- lifecycle

    async def start(self) -> None:
        """Start serving; ``url`` and ``service_url`` are valid afterwards."""
        if self.serving:
            return
        app = web.Application(client_max_size=16 * 1024 * 1024)
        app.router.add_get("/_sent", self._handle_sent_dump)
        app.router.add_get("/_activities", self._handle_activities_dump)
        app.router.add_get("/_requests", self._handle_requests_dump)
        app.router.add_get("/_directory", self._handle_directory_dump)
        app.router.add_post("/_reset", self._handle_reset)
        for method, path, operation in _ROUTES:
            app.router.add_route(method, self._prefix + path, self._route(operation))
        app.router.add_route("*", self._prefix + "{tail:.*}", self._route("unknown"))
        self._root_url = await self.serve(app, host=self._host, port=self._port) + "/"

    @property
    def url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:41234/`` (where ``/_sent`` and the like are)."""
        if self._root_url is None:
            raise RuntimeError("FakeTeams is not started")
        return self._root_url

    @property
    def service_url(self) -> str:
        """The ``serviceUrl`` of activities, e.g. ``http://127.0.0.1:41234/amer/``."""
        return self.url + self._prefix.lstrip("/")

    def reset(self) -> None:
        """Between tests: no faults or limits, nothing recorded or stored; the directory stays."""
        self.reset_faults()
        self.clear_recordings()
        self.clear_conversations()

    # --- dispatch

    def _process(self, op: Op, handler: Handler) -> Answer:
        """Apply faults, limits, auth and the handler; record. Synchronous: keeps arrival order."""
        faults = self._faults.matching(op)
        answer = self._faults.first(faults, "rate_limit")
        if answer is None:
            wait = self._throttle.refusal(op, op.at)
            if wait is not None:
                answer = Answer.error(
                    429,
                    "TooManyRequests",
                    "Too many requests: slow down.",
                    headers={"Retry-After": retry_after_header(wait)},
                )
        answer = answer or self._faults.first(faults, "server_error")
        if answer is None and self.require_auth and not op.authorized:
            answer = Answer(401, _DENIED)
        answer = answer or self._faults.first(faults, "fail") or handler(self, op)
        fields = {field.name: getattr(op, field.name) for field in dataclasses.fields(Op)}
        self._record(
            Call(
                **fields,
                status=answer.status,
                error=answer.error_code,
                message=answer.error_message,
                retry_after=answer.headers.get("Retry-After"),
            )
        )
        return dataclasses.replace(answer, delay=self._faults.latency(faults, self._rng))

    def _route(self, operation: str) -> Callable[[web.Request], Awaitable[web.Response]]:
        return functools.partial(self._handle, operation)

    async def _handle(self, operation: str, request: web.Request) -> web.Response:
        raw = await request.read()
        handler = OPERATIONS[operation]
        body: JsonDict = {}
        if raw.strip():
            try:
                decoded = json.loads(raw)
            except ValueError:
                decoded = None
            if isinstance(decoded, dict):
                body = decoded
            else:
                handler = _bad_syntax
        info = request.match_info
        authorization = request.headers.get("Authorization", "")
        op = Op(
            operation=operation,
            method=request.method,
            path=request.path.removeprefix(self._prefix),
            at=time.monotonic(),
            conversation_id=info.get("conversation"),
            activity_id=info.get("activity"),
            member_id=info.get("member"),
            query=dict(request.query),
            body=body,
            authorized=authorization.startswith("Bearer ") and bool(authorization[7:].strip()),
        )
        answer = self._process(op, handler)
        if answer.delay > 0:
            await asyncio.sleep(answer.delay)
        return answer.to_response()

    # --- for another process

    async def _handle_sent_dump(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "sent": [sent.to_json() for sent in self.sent],
                "updates": [sent.to_json() for sent in self.updates],
                "deleted": [sent.to_json() for sent in self.deleted],
                "conversations_created": [
                    dataclasses.asdict(created) for created in self.conversations_created
                ],
            }
        )

    async def _handle_activities_dump(self, request: web.Request) -> web.Response:
        return web.json_response({"activities": self.activities})

    async def _handle_requests_dump(self, request: web.Request) -> web.Response:
        since = request.query.get("since", "0")
        return web.json_response(self._dump_requests(since=int(since) if since.isdigit() else 0))

    async def _handle_directory_dump(self, request: web.Request) -> web.Response:
        teams = [
            {**dataclasses.asdict(team), "channels": list(team.channels)}
            for team in self.teams.values()
        ]
        users = [dataclasses.asdict(user) for user in self.users.values()]
        return web.json_response(
            {
                "service_url": self.service_url,
                "bot": self.bot,
                "tenants": self.tenants,
                "teams": teams,
                "users": users,
            }
        )

    async def _handle_reset(self, request: web.Request) -> web.Response:
        self.reset()
        return web.json_response({"ok": True})


def _bad_syntax(state: Conversations, op: Op) -> Answer:
    return Answer.error(400, "BadSyntax", "The request body is not a JSON object.")
