"""``FakeSlack``: the workspace and its Web API on a local port, over real HTTP (aiohttp).

The class puts the parts together (``Workspace`` state, ``Recorder``, ``FaultInjection``, a
``TierLimiter``) and serves them: it owns the lifecycle, the HTTP routes, and the dispatch of
every call through faults, auth, rate-limit tiers and a handler from ``methods.METHODS`` to a
recorded answer. ``serve_api`` answers one call read off the wire, so that ``FakeSlackFleet``
can hand each call to the workspace its token belongs to.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable
from dataclasses import replace

from aiohttp import web

from bot.sandbox.fakeslack.chat import content_error, replace_message
from bot.sandbox.fakeslack.faults import FaultInjection, total_delay
from bot.sandbox.fakeslack.methods import METHODS, NO_TOKEN_METHODS
from bot.sandbox.fakeslack.protocol import (
    Answer,
    ApiRequest,
    JsonDict,
    as_int,
    error_body,
    read_api_request,
    truthy,
    url_of,
)
from bot.sandbox.fakeslack.recording import Call, Recorder
from bot.sandbox.fakeslack.state import RESPONSE_URL_USES, Workspace
from bot.sandbox.fakeslack.tiers import SLACK_TIERS, TierLimiter, TierTable
from bot.sandbox.serving import LocalServer

# What a route hands to the dispatch: the call's args to a JSON body or a whole answer.
_CallHandler = Callable[[JsonDict], JsonDict | Answer]

# (HTTP method, path, name of the FakeSlack handler): what a workspace serves.
ROUTES = (
    ("*", "/api/{method}", "_handle_api"),
    ("POST", "/upload/v1/{key}", "_handle_upload"),
    ("POST", "/response/{key}", "_handle_response_url"),
    ("GET", "/files-pri/{team_file}/{name}", "_handle_file_download"),
    ("GET", "/_calls", "_handle_calls_dump"),
    ("GET", "/_messages", "_handle_messages_dump"),
    ("POST", "/_faults", "_handle_faults"),
)
# The largest body a workspace takes (file uploads).
MAX_BODY = 64 * 1024 * 1024


class FakeSlack(Workspace, Recorder, FaultInjection, LocalServer):
    """A Slack workspace and its Web API on a local port.

    All state (directory, messages, recordings, faults) lives on the instance. It is made of
    parts, each in its module: ``Workspace`` (``state``, over ``directory``), ``Recorder``
    (``recording``) and ``FaultInjection`` (``faults``); the Web API methods are functions over
    the workspace (``methods``, ``chat``, ``views``, ``files``).

    Attributes:
        workspace_id: ``team_id`` of the workspace.
        bot_user_id: User id of the app's bot user (in the directory, ``is_bot`` true).
        bot_id: ``bot_id`` that ``auth.test`` reports.
        bot_token: The only token accepted (with token rotation on, the latest: see
            ``rotate_tokens``; ``bot_refresh_token`` and ``token_expires_at`` go with it).
        users: User id -> the ``users.info`` ``user`` object (live: edits change answers).
        channels: Channel id -> the ``conversations.info`` ``channel`` object (live).
        channel_members: Channel id -> member ids in order (live; ``conversations.members``).
        calls: Requests answered with HTTP 200 (ok or not), in arrival order.
        rate_limited: Requests answered 429.
        server_errors: Requests answered with an injected 5xx, or another HTTP error (a
            used-up response URL's 404).
        requests: Every recorded request, in arrival order.
        messages: Conversation id (``C…``, ``D…`` for DMs) -> its messages as stored now;
            ``chat.update`` and a response URL's ``replace_original`` edit them in place
            (``message_revision`` counts how often); file shares appear as messages with
            ``files``.
        ephemerals: ``chat.postEphemeral`` messages: dicts of channel, user, text, blocks, ts.
        views: View id -> the view as last opened/updated/published.
        home_views: User id -> the Home tab view last published for them.
        files: File id -> the file object of a completed upload.
        uploads: File id -> the bytes posted to its upload URL.
        opened_dms: User id -> DM channel id of the DMs the bot opened: with
            ``conversations.open``, or by ``chat.postMessage`` to the user's id.
        tiers: The rate-limit tiers enforced (see ``enforce_tiers``); None: no limits.
    """

    def __init__(
        self,
        *,
        workspace_id: str = "T0000FAKE",
        bot_user_id: str = "UBOTFAKE",
        bot_token: str = "xoxb-fake-bot-token",
        bot_id: str = "B0000FAKE",
        app_id: str = "A0000FAKE",
        team_name: str = "Fake Workspace",
        host: str = "127.0.0.1",
        port: int = 0,
        tiers: TierTable | None = None,
        latency: tuple[float, float] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create the workspace (not serving yet: call ``start`` or use ``async with``).

        Args:
            workspace_id: ``team_id`` for every answer.
            bot_user_id: The bot user's id; added to the directory as a bot.
            bot_token: The bearer token the fake accepts.
            bot_id: ``bot_id`` of the bot user.
            app_id: ``app_id`` on posted messages and views.
            team_name: Workspace name in ``auth.test``.
            host: Interface to listen on.
            port: Port to listen on; 0 picks a free one.
            tiers: Rate limits to enforce (e.g. ``SLACK_TIERS``); None answers without limit.
            latency: ``(mean, jitter)`` seconds every answer is held back (see ``latency``).
            monotonic: The clock of the tiers' buckets and of when tokens expire.
        """
        Workspace.__init__(
            self,
            workspace_id=workspace_id,
            bot_user_id=bot_user_id,
            bot_token=bot_token,
            bot_id=bot_id,
            app_id=app_id,
            team_name=team_name,
        )
        Recorder.__init__(self)
        FaultInjection.__init__(self)
        self._host = host
        self._port = port
        self.token_clock = monotonic
        self._limiter: TierLimiter | None = None
        self.enforce_tiers(table=tiers, monotonic=monotonic)
        if latency is not None:
            self.latency(*latency)

    def enforce_tiers(
        self,
        *,
        table: TierTable | None = SLACK_TIERS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        """Rate-limit calls per token like Slack's tiers, with fresh (full) buckets.

        A call beyond its method's limit (or, for ``chat.postMessage``, its channel's) is
        answered HTTP 429 ``{"ok": false, "error": "ratelimited"}`` with ``Retry-After`` (whole
        seconds until it would be admitted), recorded in ``rate_limited``, and takes no token.
        Only calls whose token is valid are limited; injected faults come first.

        Args:
            table: The limits; None removes them.
            monotonic: The buckets' clock (a fake one lets tests move time).
        """
        self._limiter = None if table is None else TierLimiter(table, monotonic=monotonic)

    @property
    def tiers(self) -> TierTable | None:
        """The rate-limit tiers enforced; None when calls are not limited."""
        return None if self._limiter is None else self._limiter.table

    # --- lifecycle

    async def start(self) -> None:
        """Start serving; ``url`` and ``base_url`` are valid afterwards."""
        if self.serving:
            return
        app = web.Application(client_max_size=MAX_BODY)
        for verb, path, name in ROUTES:
            app.router.add_route(verb, path, getattr(self, name))
        self._root_url = await self.serve(app, host=self._host, port=self._port) + "/"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``, e.g. ``http://127.0.0.1:41234/api/``."""
        return f"{self.url}api/"

    # --- dispatch

    def _process(
        self,
        *,
        method: str,
        args: JsonDict,
        url: str,
        handler: _CallHandler,
        token: str | None,
        needs_auth: bool,
    ) -> Answer:
        """Apply faults, auth and the handler; record the call. Synchronous: keeps arrival order."""
        arrived = time.monotonic()
        faults = self._faults.matching(method, args)
        answer = self._faults.refusal(faults, arrived)
        if answer is None:
            refused: JsonDict | Answer | None = self._auth_error(token) if needs_auth else None
            if refused is None and needs_auth and token:
                refused = self._tier_refusal(method, args, token)
            # The first that answers: auth, the tiers, then an injected ``fail``, the handler.
            body = refused or self._faults.failure(faults) or handler(args)
            answer = body if isinstance(body, Answer) else Answer(200, body)
        self._record(Call(method, args, arrived, url, answer.status, answer.error))
        return replace(answer, delay=total_delay(faults) + self._next_latency())

    def _auth_error(self, token: str | None) -> JsonDict | None:
        if not token:
            return error_body("not_authed")
        if token != self.bot_token:
            return error_body("invalid_auth")  # never this workspace's, or rotated away
        return error_body("token_expired") if self._token_expired() else None

    def _tier_refusal(self, method: str, args: JsonDict, token: str) -> Answer | None:
        """The 429 of a call beyond the tiers, or None when they admit it (or there are none)."""
        if self._limiter is None:
            return None
        channel = None
        if method in self._limiter.table.per_channel:
            # One conversation, however it is named: "U1" and "DU1" share a bucket.
            resolved, _ = self._resolve_post_target(args.get("channel"))
            channel = resolved or str(args.get("channel"))
        retry_after = self._limiter.admit(token=token, method=method, channel=channel)
        if retry_after is None:
            return None
        headers = {"Retry-After": str(retry_after)}
        return Answer(429, error_body("ratelimited"), headers=headers)

    async def _serve(
        self,
        url: str,
        method: str,
        args: JsonDict,
        handler: _CallHandler,
        *,
        token: str | None = None,
        needs_auth: bool = False,
    ) -> web.Response:
        """Dispatch one call, then send its answer once any injected delay has passed."""
        answer = self._process(
            method=method,
            args=args,
            url=url,
            handler=handler,
            token=token,
            needs_auth=needs_auth,
        )
        if answer.delay > 0:
            await asyncio.sleep(answer.delay)
        return answer.to_response()

    # --- routes

    async def serve_api(self, call: ApiRequest) -> web.Response:
        """Answer one Web API call of this workspace: its faults, auth, tiers and handler.

        Args:
            call: The call as read off the wire.

        Returns:
            The response, once any delay and latency have passed.
        """
        method, args = call.method, call.args
        if args is None:
            # Refused before anything else looks at it, faults and tiers included.
            self._record(Call(method, {}, time.monotonic(), call.url, 200, "invalid_json"))
            await asyncio.sleep(self._next_latency())
            return web.json_response(error_body("invalid_json"))
        known = METHODS.get(method)
        if known is None:
            return await self._serve(call.url, method, args, _unknown_method)
        # The OAuth code exchange authenticates with the app's client id and secret.
        needs_auth = method not in NO_TOKEN_METHODS
        handler = functools.partial(known, self)
        return await self._serve(
            call.url, method, args, handler, token=call.token, needs_auth=needs_auth
        )

    async def _handle_api(self, request: web.Request) -> web.Response:
        return await self.serve_api(await read_api_request(request))

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = self._upload_keys.get(request.match_info["key"])
        if file_id is None:
            return web.Response(status=404, text="Not Found")
        data = await _upload_bytes(request)

        def store(_: JsonDict) -> Answer:
            self.uploads[file_id] = data
            return Answer(200, text=f"OK - {len(data)}")

        args: JsonDict = {"file_id": file_id, "length": len(data)}
        return await self._serve(url_of(request), "file_upload", args, store)

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        target = self._response_urls.get(request.match_info["key"])
        if target is None:
            return web.Response(status=404, text="no_service")
        try:
            payload = json.loads(await request.read() or b"{}")
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        if not isinstance(payload, dict):
            return web.Response(status=400, text="invalid_payload")

        def respond(body: JsonDict) -> JsonDict | Answer:
            target["uses"] += 1
            if target["uses"] > RESPONSE_URL_USES:
                return Answer(404, error_body("used_url"))
            channel_id, ts = target["channel_id"], target["message_ts"]
            if ts is not None and truthy(body.get("delete_original")):
                deleted = self._delete_message(channel_id, ts)
                return {"ok": True} if deleted else error_body("message_not_found")
            if ts is not None and truthy(body.get("replace_original")):
                return replace_message(self, channel_id, ts, body)
            invalid = content_error(body, require_content=False)
            if invalid:
                return invalid
            if channel_id and body.get("response_type") == "in_channel":
                self._store_message(channel_id, self._new_message(body))
            return {"ok": True}

        return await self._serve(url_of(request), "response_url", payload, respond)

    async def _handle_file_download(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization", "") != f"Bearer {self.bot_token}":
            return web.Response(status=403, text="Forbidden")
        _, _, file_id = request.match_info["team_file"].partition("-")
        file = self.files.get(file_id)
        if file is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=self.uploads[file_id], content_type=file["mimetype"])

    async def _handle_calls_dump(self, request: web.Request) -> web.Response:
        since = as_int(request.query.get("since")) or 0
        return web.json_response(self._dump(method=request.query.get("method"), since=since))

    async def _handle_messages_dump(self, request: web.Request) -> web.Response:
        return web.json_response({"messages": self.messages, "ephemerals": self.ephemerals})

    async def _handle_faults(self, request: web.Request) -> web.Response:
        """``POST /_faults`` JSON: ``{"kind": "fail"|"server_error"|"outage"|"rate_limit"|"delay"
        |"reset", "method": ..., "match": {arg: value, ...}, ...the keyword arguments of that
        method}``;
        ``{"kind": "latency", "mean_seconds": ..., "jitter_seconds": ...}``; or
        ``{"kind": "tiers", "table": "slack"|null, "factor": 1.0}`` (``SLACK_TIERS`` scaled)."""
        try:
            spec = json.loads(await request.read())
            if spec.get("kind") == "tiers":
                table = spec.get("table")
                if table not in ("slack", None):
                    raise ValueError(f"unknown table {table!r}")
                factor = float(spec.get("factor", 1.0))
                self.enforce_tiers(table=SLACK_TIERS.scaled(factor) if table else None)
            else:
                self._inject(spec)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            return web.json_response({"ok": False, "error": f"invalid_fault: {exc}"}, status=400)
        return web.json_response({"ok": True})


def _unknown_method(_: JsonDict) -> JsonDict:
    # Answered whatever the token, like Slack.
    return error_body("unknown_method")


async def _upload_bytes(request: web.Request) -> bytes:
    """The bytes posted to an upload URL: raw, or the ``file`` part of a multipart form."""
    if request.content_type != "multipart/form-data":
        return await request.read()
    form = await request.post()
    part = form.get("file") or form.get("filename")
    if isinstance(part, web.FileField):
        return part.file.read()
    if isinstance(part, str):
        return part.encode()
    return part if isinstance(part, bytes) else b""
