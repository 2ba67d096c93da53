"""Events: channel membership keeps teams current; the App Home shows the user's teams.

Slack redelivers events (``X-Slack-Retry-Num``); each ``event_id`` is processed once.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.response import BoltResponse

from bot.context import AppContext
from bot.listeners.shared import publish_home

log = logging.getLogger(__name__)


def register(app: AsyncApp, ctx: AppContext) -> None:
    app.middleware(_once_per_event(ctx))
    for event_type, handler in HANDLERS.items():
        app.event(event_type)(handler(ctx))


def _once_per_event(ctx: AppContext) -> Any:
    async def once_per_event(body: dict[str, Any], next: Callable[[], Awaitable[Any]]) -> Any:
        event_id = body.get("event_id") if body.get("type") == "event_callback" else None
        if event_id:
            first = await ctx.services.first_event(
                workspace_id=str(body.get("team_id", "")), event_id=str(event_id)
            )
            if not first:
                log.info("event %s already processed: skipped", event_id)
                return BoltResponse(status=200, body="")
        return await next()

    return once_per_event


def _joined(ctx: AppContext) -> Any:
    async def member_joined(event: dict[str, Any], body: dict[str, Any]) -> None:
        workspace_id = str(event.get("team") or body.get("team_id"))
        person = await ctx.gateway.person(workspace_id=workspace_id, user_id=str(event["user"]))
        await ctx.services.member_joined(
            workspace_id=workspace_id, channel_id=str(event["channel"]), person=person
        )

    return member_joined


def _left(ctx: AppContext) -> Any:
    async def member_left(event: dict[str, Any], body: dict[str, Any]) -> None:
        workspace_id = str(event.get("team") or body.get("team_id"))
        await ctx.services.member_left(
            workspace_id=workspace_id, channel_id=str(event["channel"]), user_id=str(event["user"])
        )

    return member_left


def _home_opened(ctx: AppContext) -> Any:
    async def home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("tab", "home") != "home":
            return
        workspace_id = str(body.get("team_id"))
        user_id = str(event["user"])
        await publish_home(ctx, workspace_id=workspace_id, user_id=user_id)

    return home_opened


HANDLERS: dict[str, Callable[[AppContext], Any]] = {
    "member_joined_channel": _joined,
    "member_left_channel": _left,
    "app_home_opened": _home_opened,
}
