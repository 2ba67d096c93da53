"""The one reminder to a member whose answers are not all in."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from bot.domain.views import ReminderView
from bot.slack.blocks.text import escape


def reminder_message(view: ReminderView) -> dict[str, Any]:
    """Which round, until when (in the reader's own time zone), and that it is quick.

    Names nobody else.
    """
    stamp = int(view.close_at.timestamp())
    fallback = view.close_at.astimezone(UTC).strftime("%A %d %B %H:%M UTC")
    until = f"<!date^{stamp}^{{date_long_pretty}} at {{time}}|{fallback}>"
    text = (
        f":wave: Round {view.round_number} of #{escape(view.team_name)} is open until {until}, "
        "and your answers are not all in yet. The three questions in the pulse message above "
        "take about 30 seconds."
    )
    return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}]}
