"""The Teams HTTP edge: ``POST /api/messages`` (authenticated by the SDK's JWT check) and the
pictures Teams cards load (``GET /teams/pictures/<key>.png``). Each activity posted is counted
by its type and the HTTP status it got (``bot.metrics``)."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable

import jwt
from aiohttp import web
from microsoft_agents.hosting.aiohttp import jwt_authorization_decorator, start_agent_process

from bot.metrics import TEAMS, UNKNOWN, Metrics
from bot.teams.context import TeamsContext
from bot.teams.platform import PICTURE_ROUTE

MESSAGES_PATH = "/api/messages"
_KEY = re.compile(r"^[0-9a-f]{40}$")
_REFUSED = {"error": "Invalid token or authentication failed."}

# The activity types counted by name; any other is counted as "other".
ACTIVITY_KINDS = frozenset(
    {
        "message",
        "invoke",
        "conversationUpdate",
        "installationUpdate",
        "messageReaction",
        "typing",
        "event",
    }
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def activity_kind(body: bytes) -> str:
    """An activity's type for the metrics: one of ``ACTIVITY_KINDS``, ``other``, or
    ``unknown`` when the body is not an activity. Never raises."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return UNKNOWN
    kind = data.get("type") if isinstance(data, dict) else None
    if not isinstance(kind, str):
        return UNKNOWN
    return kind if kind in ACTIVITY_KINDS else "other"


def counted(handler: Handler, *, metrics: Metrics) -> Handler:
    """``handler``, each request counted (and timed) by its activity's type and its status."""

    async def counting(request: web.Request) -> web.StreamResponse:
        with metrics.timed_request(platform=TEAMS) as seen:
            try:
                # Read once here: aiohttp keeps the body for the SDK.
                seen.kind = activity_kind(await request.read())
                response = await handler(request)
            except web.HTTPException as exc:
                seen.status = exc.status
                raise
            seen.status = response.status
            return response

    return counting


def refuse_tokens_without_key_id(handler: Handler) -> Handler:
    """401 for a bearer token that names no signing key.

    Microsoft's tokens always name theirs (``kid``); the SDK 1.9 check fails on one that does
    not with a ``KeyError`` (a 500 and a traceback per request) instead of refusing it. A token
    that does not even decode is left to the SDK, which refuses it with 401.
    """

    async def checked(request: web.Request) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            try:
                header = jwt.get_unverified_header(token.strip())
            except jwt.PyJWTError:
                return await handler(request)
            if not isinstance(header.get("kid"), str):
                return web.json_response(_REFUSED, status=401)
        return await handler(request)

    return checked


def teams_routes(*, teams: Callable[[], TeamsContext], metrics: Metrics) -> list[web.RouteDef]:
    """The routes, each reading the running app's Teams context when called.

    Args:
        teams: the running app's Teams context.
        metrics: counts each activity posted (refused ones too) by type and status.
    """

    async def messages(request: web.Request) -> web.StreamResponse:
        ctx = teams()
        if request.content_type != "application/json":
            return web.json_response({"error": "expected application/json"}, status=415)
        response = await start_agent_process(request, ctx.host.app, ctx.host.adapter)
        return response if response is not None else web.Response(status=202)

    async def picture(request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        png = await teams().addresses.picture(key=key) if _KEY.match(key) else None
        if png is None:
            raise web.HTTPNotFound()
        return web.Response(
            body=png,
            content_type="image/png",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    # The SDK's JWT check first: no valid token (unless anonymous is allowed), 401.
    authenticated = refuse_tokens_without_key_id(
        jwt_authorization_decorator(messages)  # type: ignore[no-untyped-call]
    )
    return [
        web.post(MESSAGES_PATH, counted(authenticated, metrics=metrics)),
        web.get(PICTURE_ROUTE, picture),
    ]
