"""Events: channel membership keeps teams current; the App Home shows the user's teams.

Slack redelivers events (``X-Slack-Retry-Num``); each ``event_id`` is processed once. An event
is acknowledged before it is processed, so Slack will not send it again: one that finds the
database unavailable waits for it (``bot.delivery.patience``) rather than being dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.delivery.patience import patiently
from bot.slack.context import AppContext
from bot.slack.listeners.shared import publish_home, tolerate_slack_errors

log = logging.getLogger(__name__)


EventHandler = Callable[[AppContext, str, dict[str, Any]], Awaitable[None]]


def register(app: AsyncApp, ctx: AppContext) -> None:
    for event_type, handler in HANDLERS.items():
        app.event(event_type)(tolerate_slack_errors(_once_per_event(ctx, handler)))


def _once_per_event(ctx: AppContext, handler: EventHandler) -> Any:
    """Run ``handler`` once per ``event_id``, after Bolt has acknowledged the event.

    The id is recorded before the work starts, so a redelivery that arrives while the first
    delivery is still running is skipped too.
    """

    async def once(event: dict[str, Any], body: dict[str, Any]) -> None:
        workspace_id = str(body.get("team_id") or "")
        event_id = body.get("event_id")
        what = f"event {body.get('event', {}).get('type')}"
        if event_id and not await patiently(
            lambda: ctx.services.teams.first_event(
                workspace_id=workspace_id, event_id=str(event_id)
            ),
            what=what,
        ):
            log.info("event %s already processed: skipped", event_id)
            return
        # Each handler may run again whole: what it writes is an upsert or a delete.
        await patiently(lambda: handler(ctx, workspace_id, event), what=what)

    return once


async def member_joined(ctx: AppContext, workspace_id: str, event: dict[str, Any]) -> None:
    person = await ctx.gateway.person(workspace_id=workspace_id, user_id=str(event["user"]))
    await ctx.services.teams.member_joined(
        workspace_id=workspace_id, channel_id=str(event["channel"]), person=person
    )


async def member_left(ctx: AppContext, workspace_id: str, event: dict[str, Any]) -> None:
    await ctx.services.teams.member_left(
        workspace_id=workspace_id, channel_id=str(event["channel"]), user_id=str(event["user"])
    )


async def home_opened(ctx: AppContext, workspace_id: str, event: dict[str, Any]) -> None:
    if event.get("tab", "home") != "home":
        return
    await publish_home(ctx, workspace_id=workspace_id, user_id=str(event["user"]))


async def app_uninstalled(ctx: AppContext, workspace_id: str, event: dict[str, Any]) -> None:
    """The workspace removed the app: delete its data and tokens, and nothing else."""
    await ctx.services.teams.forget_workspace(workspace_id=workspace_id)
    if ctx.installations is not None:
        await ctx.installations.async_delete_all(enterprise_id=None, team_id=workspace_id)
    ctx.gateway.forget_workspace(workspace_id)
    log.info("app uninstalled from %s: its data and tokens are deleted", workspace_id)


async def tokens_revoked(ctx: AppContext, workspace_id: str, event: dict[str, Any]) -> None:
    """Revoked tokens can never be used again: forget them (the team data stays)."""
    raw = event.get("tokens")
    tokens: dict[str, Any] = raw if isinstance(raw, dict) else {}
    if ctx.installations is not None:
        for user_id in tokens.get("oauth") or []:
            await ctx.installations.async_delete_installation(
                enterprise_id=None, team_id=workspace_id, user_id=str(user_id)
            )
        if tokens.get("bot"):
            await ctx.installations.async_delete_bot(enterprise_id=None, team_id=workspace_id)
    else:
        log.warning(
            "the bot token of %s was revoked: reinstall the app and update SLACK_BOT_TOKEN",
            workspace_id,
        )
    ctx.gateway.forget_workspace(workspace_id)


HANDLERS: dict[str, EventHandler] = {
    "member_joined_channel": member_joined,
    "member_left_channel": member_left,
    "app_home_opened": home_opened,
    "app_uninstalled": app_uninstalled,
    "tokens_revoked": tokens_revoked,
}
