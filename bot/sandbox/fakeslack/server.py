"""``FakeSlack``: the workspace and its Web API on a local port, over real HTTP (aiohttp).

The class puts the parts together (``Workspace`` state, ``Recorder``, ``FaultInjection``) and
serves them: it owns the lifecycle, the HTTP routes, and the dispatch of every call through
faults, auth and a handler from ``methods.METHODS`` to a recorded answer.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable
from dataclasses import replace

from aiohttp import web

from bot.sandbox.fakeslack.faults import FaultInjection, total_delay
from bot.sandbox.fakeslack.methods import METHODS, NO_TOKEN_METHODS
from bot.sandbox.fakeslack.protocol import (
    Answer,
    InvalidJsonError,
    JsonDict,
    as_int,
    error_body,
    read_args,
    url_of,
)
from bot.sandbox.fakeslack.recording import Call, Recorder
from bot.sandbox.fakeslack.state import Workspace
from bot.sandbox.serving import LocalServer

# What a route hands to the dispatch: the call's args to a JSON body or a whole answer.
_CallHandler = Callable[[JsonDict], JsonDict | Answer]


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
        bot_token: The only token accepted.
        users: User id -> the ``users.info`` ``user`` object (live: edits change answers).
        channels: Channel id -> the ``conversations.info`` ``channel`` object (live).
        channel_members: Channel id -> member ids in order (live; ``conversations.members``).
        calls: Requests answered with HTTP 200 (ok or not), in arrival order.
        rate_limited: Requests answered 429.
        server_errors: Requests answered with an injected 5xx.
        requests: Every recorded request, in arrival order.
        messages: Conversation id (``C…``, ``D…`` for DMs) -> its messages as stored now;
            ``chat.update`` edits them in place; file shares appear as messages with ``files``.
        ephemerals: ``chat.postEphemeral`` messages: dicts of channel, user, text, blocks, ts.
        views: View id -> the view as last opened/updated/published.
        home_views: User id -> the Home tab view last published for them.
        files: File id -> the file object of a completed upload.
        uploads: File id -> the bytes posted to its upload URL.
        opened_dms: User id -> DM channel id, for users ``conversations.open`` was called with.
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

    # --- lifecycle

    async def start(self) -> None:
        """Start serving; ``url`` and ``base_url`` are valid afterwards."""
        if self.serving:
            return
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_post("/upload/v1/{key}", self._handle_upload)
        app.router.add_post("/response/{key}", self._handle_response_url)
        app.router.add_get("/files-pri/{team_file}/{name}", self._handle_file_download)
        app.router.add_get("/_calls", self._handle_calls_dump)
        app.router.add_get("/_messages", self._handle_messages_dump)
        app.router.add_post("/_faults", self._handle_faults)
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
            refused = self._auth_error(token) if needs_auth else None
            # The first that answers: auth, then an injected ``fail``, then the handler.
            body = refused or self._faults.failure(faults) or handler(args)
            answer = body if isinstance(body, Answer) else Answer(200, body)
        self._record(Call(method, args, arrived, url, answer.status, answer.error))
        return replace(answer, delay=total_delay(faults))

    def _auth_error(self, token: str | None) -> JsonDict | None:
        if not token:
            return error_body("not_authed")
        return error_body("invalid_auth") if token != self.bot_token else None

    async def _serve(
        self,
        request: web.Request,
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
            url=url_of(request),
            handler=handler,
            token=token,
            needs_auth=needs_auth,
        )
        if answer.delay > 0:
            await asyncio.sleep(answer.delay)
        return answer.to_response()

    # --- routes

    async def _handle_api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            args = await read_args(request)
        except InvalidJsonError:
            self._record(Call(method, {}, time.monotonic(), url_of(request), 200, "invalid_json"))
            return web.json_response(error_body("invalid_json"))
        token = args.pop("token", None)
        authorization = request.headers.get("Authorization", "")
        if authorization.startswith("Bearer "):
            token = authorization.removeprefix("Bearer ").strip()
        known = METHODS.get(method)
        if known is None:
            return await self._serve(request, method, args, _unknown_method)
        # The OAuth code exchange authenticates with the app's client id and secret.
        needs_auth = method not in NO_TOKEN_METHODS
        handler = functools.partial(known, self)
        return await self._serve(request, method, args, handler, token=token, needs_auth=needs_auth)

    async def _handle_upload(self, request: web.Request) -> web.Response:
        file_id = self._upload_keys.get(request.match_info["key"])
        if file_id is None:
            return web.Response(status=404, text="Not Found")
        data = await _upload_bytes(request)

        def store(_: JsonDict) -> Answer:
            self.uploads[file_id] = data
            return Answer(200, text=f"OK - {len(data)}")

        args: JsonDict = {"file_id": file_id, "length": len(data)}
        return await self._serve(request, "file_upload", args, store)

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

        def respond(body: JsonDict) -> JsonDict:
            channel_id = target["channel_id"]
            if channel_id and body.get("response_type") == "in_channel":
                self._store_message(channel_id, self._new_message(body))
            return {"ok": True}

        return await self._serve(request, "response_url", payload, respond)

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
        """``POST /_faults`` JSON: ``{"kind": "fail"|"server_error"|"rate_limit"|"delay"|"reset",
        "method": ..., "match": {arg: value, ...}, ...the keyword arguments of that method}``."""
        try:
            self._inject(json.loads(await request.read()))
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
