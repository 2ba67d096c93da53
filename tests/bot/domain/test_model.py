"""The plain records: a zone we can use, a schedule described in words, an open round."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.domain.model import (
    FRIDAY,
    MONDAY,
    SUNDAY,
    THURSDAY,
    WEDNESDAY,
    Round,
    Schedule,
    valid_tz,
)


@pytest.mark.parametrize(
    "tz", ["Europe/Berlin", "Asia/Tokyo", "America/Argentina/Buenos_Aires", "UTC", "Etc/GMT+5"]
)
def test_a_known_zone_is_kept(tz: str) -> None:
    assert valid_tz(tz) == tz


@pytest.mark.parametrize(
    "tz",
    [
        None,
        "",
        "Mars/Olympus_Mons",
        "Europe",  # a folder of zones, not a zone
        "Europe/Berlin ",
        "Europe//Berlin",
        "../../etc/passwd",
        "/etc/localtime",
        ".",
        "Europe/\x00Berlin",
        "x" * 5000,
    ],
)
def test_a_missing_unknown_or_odd_zone_becomes_utc(tz: str | None) -> None:
    assert valid_tz(tz) == "UTC"


@pytest.mark.parametrize(
    ("schedule", "described"),
    [
        (
            Schedule(),
            "pulse Thursday 15:00 every week, reminder Friday 11:00, digest Monday 10:00",
        ),
        (
            Schedule(every_weeks=2),
            "pulse Thursday 15:00 every 2 weeks, reminder Friday 11:00, digest Monday 10:00",
        ),
        (
            Schedule(reminder_enabled=False),
            "pulse Thursday 15:00 every week, no reminder, digest Monday 10:00",
        ),
        (
            Schedule(
                pulse_weekday=MONDAY,
                pulse_time=time(9, 5),
                reminder_weekday=WEDNESDAY,
                reminder_time=time(0, 0),
                close_weekday=SUNDAY,
                close_time=time(23, 59),
                every_weeks=3,
            ),
            "pulse Monday 09:05 every 3 weeks, reminder Wednesday 00:00, digest Sunday 23:59",
        ),
    ],
)
def test_a_schedule_describes_itself_in_words(schedule: Schedule, described: str) -> None:
    assert schedule.describe() == described


def test_the_default_schedule_is_thursday_friday_monday() -> None:
    schedule = Schedule()
    assert (schedule.pulse_weekday, schedule.reminder_weekday, schedule.close_weekday) == (
        THURSDAY,
        FRIDAY,
        MONDAY,
    )
    assert schedule.enabled


def test_a_round_is_open_until_it_is_closed() -> None:
    opened = datetime(2026, 10, 22, 13, tzinfo=UTC)
    open_round = Round(1, "T1", 1, "2026-10-22", 1, opened)
    assert open_round.is_open
    closed = Round(1, "T1", 1, "2026-10-22", 1, opened, closed_at=opened)
    assert not closed.is_open
