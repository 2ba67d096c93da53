"""The Teams app factory: our listeners on the SDK's ``AgentApplication``. No module globals."""

from __future__ import annotations

import logging

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core import AgentApplication, TurnContext, TurnState

from bot.teams.cards import replies
from bot.teams.context import TeamsContext
from bot.teams.listeners import cards, members, messages
from storage.db import is_unavailable

log = logging.getLogger(__name__)

SORRY_TEXT = "Sorry — something went wrong on my side. Please try again in a moment."


def create_teams_app(ctx: TeamsContext) -> AgentApplication[TurnState]:
    """Register every listener on the host's agent application (once per server)."""
    app = ctx.host.app
    members.register(app, ctx)
    messages.register(app, ctx)
    cards.register(app, ctx)

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        # The SDK's default posts the exception's text into the chat: ours logs its type and
        # says sorry (never a stack, a token or a payload); a database outage is no bug, and
        # says so.
        if is_unavailable(error):
            log.warning("a Teams turn found the database unavailable: asked to try again")
            text = replies.database_unavailable()
        else:
            log.error("Teams turn failed: %s", type(error).__name__, exc_info=error)
            text = SORRY_TEXT
        if context.activity is not None and context.activity.type == "message":
            try:
                await context.send_activity(Activity(type="message", text=text))
            except Exception as exc:  # Teams refused the apology too: the log line stays
                log.warning("could not say sorry: %s", type(exc).__name__)

    ctx.host.adapter.on_turn_error = on_turn_error
    return app
