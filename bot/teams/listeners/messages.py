"""Messages: ``@SDO Pulse <command>`` in a team channel, or the command alone in the bot's
personal chat. Parse (the platform-neutral grammar, Teams syntax), one service call, a card or
a line back in the same conversation.

Teams has no ephemeral messages: what is answered in a channel is seen by the channel (its
members are the team), so a channel gets aggregates only; ``status all`` and delivery failures
are answered in the personal chat alone.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.delivery.platform import PlatformError
from bot.domain import grammar
from bot.teams.activity import TEAMS_SYNTAX, Origin, command_text, origin_of, wire
from bot.teams.cards import replies
from bot.teams.cards.common import attachment
from bot.teams.connector import MAX_ATTEMPTS, retry_after
from bot.teams.context import TeamsContext
from bot.teams.listeners.members import remember
from bot.teams.listeners.team_commands import Reply, run_team_command

log = logging.getLogger(__name__)


def register(app: AgentApplication[TurnState], ctx: TeamsContext) -> None:
    @app.activity("message")
    async def on_message(context: TurnContext, state: TurnState) -> None:
        data = wire(context.activity)
        origin = origin_of(data)
        if origin is None:
            return
        await remember(ctx, origin)
        parsed = grammar.parse_command(command_text(data), syntax=TEAMS_SYNTAX)
        try:
            reply = await run_team_command(ctx, parsed, origin)
        except PlatformError as exc:
            log.warning("@SDO Pulse %s: Teams said %s", type(parsed).__name__, exc.reason)
            reply = replies.platform_refused(exc.reason)
        await send_reply(context, as_activity(reply))


async def send_reply(context: TurnContext, activity: Activity) -> None:
    """Answer in the conversation, waiting out Teams' 429s (a fan-out may just have spent the
    bot's budget) as the connector does for proactive sends."""
    for attempt in range(MAX_ATTEMPTS):
        try:
            await context.send_activity(activity)
            return
        except aiohttp.ClientResponseError as exc:
            if exc.status != 429 or attempt + 1 == MAX_ATTEMPTS:
                raise
            await asyncio.sleep(retry_after(exc, attempt))


def as_activity(reply: Reply) -> Activity:
    if isinstance(reply, str):
        return Activity.model_validate({"type": "message", "text": reply, "textFormat": "markdown"})
    cards = reply if isinstance(reply, list) else [reply]
    return Activity.model_validate(
        {
            "type": "message",
            "attachmentLayout": "list",
            "attachments": [attachment(card) for card in cards],
        }
    )


__all__ = ["Origin", "Reply", "as_activity", "register"]
