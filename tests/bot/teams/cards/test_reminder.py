"""The reminder: which round, until when in the reader's own time zone, and nobody else."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.domain.views import ReminderView
from bot.teams.cards.reminder import reminder_card
from tests.bot.teams.cards.reading import card_errors, read

CLOSE = datetime(2026, 10, 26, 9, 0, tzinfo=UTC)  # Monday 10:00 in Berlin
TEXT = (
    "👋 Round 4 of **alpha** is open until "
    "{{DATE(2026-10-26T09:00:00Z, LONG)}} at {{TIME(2026-10-26T09:00:00Z)}}, "
    "and your answers are not all in yet. The three questions in the pulse message above take "
    "about 30 seconds."
)


def reminder(team_name: str = "alpha", close_at: datetime = CLOSE) -> ReminderView:
    return ReminderView(team_name=team_name, round_number=4, close_at=close_at)


def test_the_reminder_names_the_round_and_its_close_in_the_readers_time() -> None:
    card = reminder_card(reminder())
    assert read(card) == TEXT
    assert card["fallbackText"] == (
        "👋 Round 4 of alpha is open until Monday 26 October 09:00 UTC, and your answers are "
        "not all in yet. The three questions in the pulse message above take about 30 seconds."
    )
    assert card_errors(card) == []


def test_the_close_time_follows_adaptive_cards_date_rules() -> None:
    # Upper case, no spaces inside the braces, strict RFC 3339: else Teams shows the raw text.
    text = reminder_card(reminder())["body"][0]["text"]
    stamps = re.findall(r"\{\{(DATE|TIME)\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)(, LONG)?\)\}\}", text)
    assert stamps == [
        ("DATE", "2026-10-26T09:00:00Z", ", LONG"),
        ("TIME", "2026-10-26T09:00:00Z", ""),
    ]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles"])
def test_the_close_time_is_the_same_instant_whatever_zone_it_was_given_in(zone: str) -> None:
    card = reminder_card(reminder(close_at=CLOSE.astimezone(ZoneInfo(zone))))
    assert read(card) == TEXT


def test_the_reminder_names_nobody_and_no_slack_markup() -> None:
    card = reminder_card(reminder())
    text = str(card)
    for markup in ("<at>", "<@", "<!", ":wave:", "<!date"):
        assert markup not in text


def test_the_team_name_is_escaped_in_the_markdown_text() -> None:
    card = reminder_card(reminder(team_name="[x](https://evil.example) *y*"))
    assert read(card).startswith(
        "👋 Round 4 of **\\[x\\](https://evil.example) \\*y\\*** is open until {{DATE("
    )
    assert "Round 4 of [x](https://evil.example) *y* is open" in card["fallbackText"]
