"""The reminder: which round, until when in the reader's own time zone, and nobody else."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.views import ReminderView
from bot.sandbox.fakeslack import block_kit_errors
from bot.slack.blocks.reminder import reminder_message
from bot.slack.blocks.render import render_message

CLOSE = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
STAMP = 1793005200
TEXT = (
    ":wave: Round 4 of #alpha is open until "
    f"<!date^{STAMP}^{{date_long_pretty}} at {{time}}|Monday 26 October 09:00 UTC>, "
    "and your answers are not all in yet. The three questions in the pulse message above take "
    "about 30 seconds."
)


def test_the_reminder_names_the_round_and_its_close_in_slacks_date_format() -> None:
    assert int(CLOSE.timestamp()) == STAMP
    message = reminder_message(ReminderView(team_name="alpha", round_number=4, close_at=CLOSE))
    assert message["text"] == TEXT
    assert render_message(message) == TEXT
    assert block_kit_errors(message["blocks"], max_blocks=50) == []


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles"])
def test_the_close_time_is_the_same_instant_whatever_zone_it_was_given_in(zone: str) -> None:
    local = CLOSE.astimezone(ZoneInfo(zone))
    message = reminder_message(ReminderView(team_name="alpha", round_number=4, close_at=local))
    assert message["text"] == TEXT


def test_the_fallback_is_the_utc_date_when_the_local_day_differs() -> None:
    late = datetime(2026, 10, 26, 23, 30, tzinfo=UTC)  # already Tuesday in Tokyo
    tokyo = late.astimezone(ZoneInfo("Asia/Tokyo"))
    message = reminder_message(ReminderView(team_name="alpha", round_number=1, close_at=tokyo))
    until = "<!date^1793057400^{date_long_pretty} at {time}|Monday 26 October 23:30 UTC>"
    assert int(late.timestamp()) == 1793057400
    assert f"Round 1 of #alpha is open until {until}, and" in message["text"]


def test_the_reminder_names_nobody() -> None:
    message = reminder_message(ReminderView(team_name="alpha", round_number=4, close_at=CLOSE))
    assert "<@" not in message["text"]
    assert "<!channel>" not in message["text"]
    assert "<!here>" not in message["text"]


def test_the_team_name_is_escaped_like_in_every_other_message() -> None:
    message = reminder_message(ReminderView(team_name="<!here>", round_number=4, close_at=CLOSE))
    section = message["blocks"][0]["text"]["text"]
    assert section.startswith(":wave: Round 4 of #&lt;!here&gt; is open until")
