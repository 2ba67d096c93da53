"""The one reminder to a member whose answers are not all in."""

from __future__ import annotations

from datetime import UTC

from bot.domain.views import ReminderView
from bot.teams.cards.common import Element, adaptive_card, escape_markdown, text_block


def reminder_card(reminder: ReminderView) -> Element:
    """Which round, until when (in the reader's own time zone), and that it is quick.

    Names nobody else. The close time uses Adaptive Cards' ``DATE()``/``TIME()``, which Teams
    shows in the reader's own zone and language; they work in a ``TextBlock`` only, so the
    team name is markdown-escaped there.

    Args:
        reminder: the round and when it closes.
    """
    close = reminder.close_at.astimezone(UTC)
    stamp = close.strftime("%Y-%m-%dT%H:%M:%SZ")
    until = f"{{{{DATE({stamp}, LONG)}}}} at {{{{TIME({stamp})}}}}"
    sentence = (
        "👋 Round {number} of {team} is open until {until}, and your answers are not all in "
        "yet. The three questions in the pulse message above take about 30 seconds."
    )
    text = sentence.format(
        number=reminder.round_number, team=f"**{escape_markdown(reminder.team_name)}**", until=until
    )
    fallback = sentence.format(
        number=reminder.round_number,
        team=reminder.team_name,
        until=close.strftime("%A %d %B %H:%M UTC"),
    )
    return adaptive_card([text_block(text)], fallback_text=fallback)
