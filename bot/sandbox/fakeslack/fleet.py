"""``FakeSlackFleet``: many fake Slack workspaces behind one local port.

Each workspace is a whole ``FakeSlack`` (its own directory, messages, recordings, faults,
latency and tier buckets) that is never started itself: the fleet serves them all from one
aiohttp app, handing every ``/api/{method}`` call to the workspace its bearer token belongs to
(``FakeSlack.serve_api``), so a thousand workspaces cost a thousand objects, not a thousand
servers. What a workspace hands out by URL (upload and response URLs, file downloads) and its
internal endpoints (``_calls``, ``_messages``, ``_faults``) are served under
``/ws/{workspace_id}/``, which is each workspace's ``url``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

from aiohttp import web

from bot.sandbox.fakeslack.methods import NO_TOKEN_METHODS
from bot.sandbox.fakeslack.protocol import ApiRequest, error_body, read_api_request
from bot.sandbox.fakeslack.server import MAX_BODY, ROUTES, FakeSlack
from bot.sandbox.serving import LocalServer

_Route = Callable[[web.Request], Awaitable[web.StreamResponse]]


class FakeSlackFleet(LocalServer):
    """Many ``FakeSlack`` workspaces on one local port, each call routed by its token.

    ``base_url`` is for every workspace's client alike: the token says which workspace a call
    is for. A call with a token no workspace has (or has any longer: rotated) is answered
    ``invalid_auth`` (``not_authed`` without one) and recorded nowhere; ``oauth.v2.access``,
    which has no token, goes to the workspace that issued its ``code`` or ``refresh_token``.
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0) -> None:
        """An empty fleet, not serving yet (call ``start`` or use ``async with``).

        Args:
            host: Interface to listen on.
            port: Port to listen on; 0 picks a free one.
        """
        self._host = host
        self._port = port
        self._root_url: str | None = None
        self._workspaces: dict[str, FakeSlack] = {}
        self._by_token: dict[str, FakeSlack] = {}

    def add_workspace(self, *, workspace_id: str, bot_token: str, **options: Any) -> FakeSlack:
        """Host a new workspace, also while serving.

        Args:
            workspace_id: Its ``team_id``; unique in the fleet.
            bot_token: The token of its bot; unique in the fleet.
            **options: Other keyword arguments of ``FakeSlack`` (``team_name``, ``tiers``,
                ``latency``, ``monotonic``…); ``host`` and ``port`` are the fleet's.

        Returns:
            The workspace, to fill and inspect like any ``FakeSlack``.

        Raises:
            ValueError: The id or the token is taken.
        """
        if workspace_id in self._workspaces or bot_token in self._by_token:
            raise ValueError(f"workspace {workspace_id!r} or its token is already in the fleet")
        workspace = FakeSlack(workspace_id=workspace_id, bot_token=bot_token, **options)
        self._workspaces[workspace_id] = workspace
        self._by_token[bot_token] = workspace
        if self._root_url is not None:
            workspace._root_url = self._workspace_url(workspace_id)
        return workspace

    @property
    def workspaces(self) -> Mapping[str, FakeSlack]:
        """Workspace id -> workspace, in the order they were added (read-only)."""
        return MappingProxyType(self._workspaces)

    @property
    def url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:41234/``."""
        if self._root_url is None:
            raise RuntimeError("FakeSlackFleet is not started")
        return self._root_url

    @property
    def base_url(self) -> str:
        """Web API base URL for every workspace's ``AsyncWebClient(base_url=...)``."""
        return f"{self.url}api/"

    def calls_per_method(self) -> Counter[str]:
        """How many calls of each method the workspaces answered with HTTP 200, together."""
        total: Counter[str] = Counter()
        for workspace in self._workspaces.values():
            total.update(call.method for call in workspace.calls)
        return total

    def rate_limited_per_method(self) -> Counter[str]:
        """How many calls of each method were answered 429, in all workspaces together."""
        total: Counter[str] = Counter()
        for workspace in self._workspaces.values():
            total.update(call.method for call in workspace.rate_limited)
        return total

    async def start(self) -> None:
        """Start serving; ``url``, ``base_url`` and each workspace's ``url`` are valid then."""
        if self.serving:
            return
        app = web.Application(client_max_size=MAX_BODY)
        app.router.add_route("*", "/api/{method}", self._handle_api)
        for verb, path, name in ROUTES:
            app.router.add_route(verb, "/ws/{workspace_id}" + path, _delegate(self, name))
        self._root_url = await self.serve(app, host=self._host, port=self._port) + "/"
        for workspace_id, workspace in self._workspaces.items():
            workspace._root_url = self._workspace_url(workspace_id)

    async def stop(self) -> None:
        """Stop serving."""
        await super().stop()
        self._root_url = None

    def _workspace_url(self, workspace_id: str) -> str:
        return f"{self.url}ws/{workspace_id}/"

    def _by_grant(self, call: ApiRequest) -> FakeSlack | None:
        """The workspace that issued the call's OAuth ``code``, or its ``refresh_token``."""
        args = call.args or {}
        code, refresh_token = args.get("code"), args.get("refresh_token")
        for ws in self._workspaces.values():
            if code in ws.oauth_codes or (refresh_token and refresh_token == ws.bot_refresh_token):
                return ws
        return None

    def _by_bot_token(self, token: str) -> FakeSlack | None:
        """The workspace whose bot token this is now (a refresh grant changes it)."""
        workspace = self._by_token.get(token)
        if workspace is not None and workspace.bot_token == token:
            return workspace
        current = next((ws for ws in self._workspaces.values() if ws.bot_token == token), None)
        if current is not None:
            self._by_token[token] = current
        return current

    async def _handle_api(self, request: web.Request) -> web.Response:
        call = await read_api_request(request)
        workspace = self._by_bot_token(call.token) if call.token else None
        if workspace is None and call.method in NO_TOKEN_METHODS:
            workspace = self._by_grant(call)
        if workspace is None:
            return web.json_response(error_body("invalid_auth" if call.token else "not_authed"))
        return await workspace.serve_api(call)


def _delegate(fleet: FakeSlackFleet, name: str) -> _Route:
    """A route of the fleet answering as the route ``name`` of the workspace in its path."""

    async def handle(request: web.Request) -> web.StreamResponse:
        workspace = fleet.workspaces.get(request.match_info["workspace_id"])
        if workspace is None:
            return web.Response(status=404, text="Not Found")
        route: _Route = getattr(workspace, name)
        return await route(request)

    return handle
