"""Schedule math: local wall times across daylight-saving changes, biweekly, reminder and close."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.model import FRIDAY, MONDAY, SUNDAY, THURSDAY, TUESDAY, WEDNESDAY, Schedule
from bot.services.schedule import next_fire, next_pulse_at, round_times

BERLIN, NEW_YORK = "Europe/Berlin", "America/New_York"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(when: datetime, tz: str) -> str:
    return when.astimezone(ZoneInfo(tz)).strftime("%a %Y-%m-%d %H:%M %Z")


def pulses(schedule: Schedule, tz: str, *, start: datetime, count: int) -> list[datetime]:
    """The next ``count`` pulses the way the tick chains them (each from the previous one)."""
    found: list[datetime] = []
    after, last = start, None
    for _ in range(count):
        fire = next_pulse_at(schedule, tz, after=after, last_pulse=last)
        found.append(fire)
        after, last = fire, fire
    return found


def test_weekly_thursday_pulse_keeps_15_00_in_berlin_across_both_changes() -> None:
    autumn = pulses(Schedule(), BERLIN, start=utc(2026, 10, 12), count=3)
    assert [local(p, BERLIN) for p in autumn] == [
        "Thu 2026-10-15 15:00 CEST",
        "Thu 2026-10-22 15:00 CEST",
        "Thu 2026-10-29 15:00 CET",
    ]
    # The UTC instant moves by the hour the clocks moved.
    assert autumn == [utc(2026, 10, 15, 13), utc(2026, 10, 22, 13), utc(2026, 10, 29, 14)]

    spring = pulses(Schedule(), BERLIN, start=utc(2027, 3, 15), count=3)
    assert spring == [utc(2027, 3, 18, 14), utc(2027, 3, 25, 14), utc(2027, 4, 1, 13)]


def test_weekly_pulse_keeps_its_local_time_in_new_york() -> None:
    schedule = Schedule(pulse_weekday=TUESDAY, pulse_time=time(9, 30))
    autumn = pulses(schedule, NEW_YORK, start=utc(2026, 10, 26), count=2)
    assert autumn == [utc(2026, 10, 27, 13, 30), utc(2026, 11, 3, 14, 30)]
    spring = pulses(schedule, NEW_YORK, start=utc(2027, 3, 8), count=2)
    assert spring == [utc(2027, 3, 9, 14, 30), utc(2027, 3, 16, 13, 30)]
    assert {local(p, NEW_YORK)[-9:-4] for p in autumn + spring} == {"09:30"}


def test_next_fire_is_strictly_after_the_given_instant() -> None:
    due = utc(2026, 10, 22, 13)  # Thursday 15:00 in Berlin
    just_before = due - timedelta(microseconds=1)
    assert next_fire(weekday=THURSDAY, at=time(15), tz=BERLIN, after=just_before) == due
    assert next_fire(weekday=THURSDAY, at=time(15), tz=BERLIN, after=due) == utc(2026, 10, 29, 14)


def test_a_repeated_local_time_at_fall_back_fires_once() -> None:
    # Sunday 2026-10-25 02:30 happens twice in Berlin (CEST, then CET).
    first = next_fire(weekday=SUNDAY, at=time(2, 30), tz=BERLIN, after=utc(2026, 10, 24))
    second = next_fire(weekday=SUNDAY, at=time(2, 30), tz=BERLIN, after=first)
    assert first == utc(2026, 10, 25, 0, 30)
    assert second == utc(2026, 11, 1, 1, 30)
    # From inside the repeated hour, too.
    inside = next_fire(weekday=SUNDAY, at=time(2, 30), tz=BERLIN, after=utc(2026, 10, 25, 1))
    assert inside == utc(2026, 11, 1, 1, 30)


def test_a_missing_local_time_at_spring_forward_fires_just_after_the_gap() -> None:
    # Sunday 2027-03-28 02:30 does not exist in Berlin: clocks jump from 02:00 to 03:00.
    fire = next_fire(weekday=SUNDAY, at=time(2, 30), tz=BERLIN, after=utc(2027, 3, 27))
    assert local(fire, BERLIN) == "Sun 2027-03-28 03:30 CEST"


def test_every_two_weeks_skips_the_week_in_between() -> None:
    schedule = Schedule(every_weeks=2)
    chained = pulses(schedule, BERLIN, start=utc(2026, 10, 12), count=3)
    assert chained == [utc(2026, 10, 15, 13), utc(2026, 10, 29, 14), utc(2026, 11, 12, 14)]


def test_every_two_weeks_counts_from_the_last_pulse_when_the_schedule_changes() -> None:
    last = utc(2026, 10, 15, 13)  # Thursday
    moved = Schedule(pulse_weekday=TUESDAY, pulse_time=time(10), every_weeks=2)
    # Tuesdays 20 and 27 October come 5 and 12 days after the last pulse: too soon.
    fire = next_pulse_at(moved, BERLIN, after=utc(2026, 10, 16), last_pulse=last)
    assert local(fire, BERLIN) == "Tue 2026-11-03 10:00 CET"
    # Weekly: the very next Tuesday.
    weekly = next_pulse_at(
        replace(moved, every_weeks=1), BERLIN, after=utc(2026, 10, 16), last_pulse=last
    )
    assert local(weekly, BERLIN) == "Tue 2026-10-20 10:00 CEST"


def test_a_late_pulse_does_not_shift_the_biweekly_cadence() -> None:
    # Due Thursday 15 October, sent Saturday after an outage: the next is still the 29th.
    fire = next_pulse_at(
        Schedule(every_weeks=2),
        BERLIN,
        after=utc(2026, 10, 17, 9),
        last_pulse=utc(2026, 10, 15, 13),
    )
    assert fire == utc(2026, 10, 29, 14)


def test_default_round_gets_friday_reminder_and_monday_close() -> None:
    reminder, close = round_times(Schedule(), BERLIN, pulse_at=utc(2026, 10, 22, 13))
    assert reminder is not None
    assert local(reminder, BERLIN) == "Fri 2026-10-23 11:00 CEST"
    assert local(close, BERLIN) == "Mon 2026-10-26 10:00 CET"


def test_close_is_at_least_a_day_after_the_pulse() -> None:
    # A manual pulse on Sunday evening does not close the next morning but a week later.
    _, close = round_times(Schedule(), BERLIN, pulse_at=utc(2026, 10, 25, 19))
    assert local(close, BERLIN) == "Mon 2026-11-02 10:00 CET"
    # Exactly one day before a close time: that close time counts.
    _, close = round_times(Schedule(), BERLIN, pulse_at=utc(2026, 11, 1, 9))
    assert local(close, BERLIN) == "Mon 2026-11-02 10:00 CET"


def test_a_reminder_that_would_come_after_the_close_is_dropped() -> None:
    schedule = Schedule(pulse_weekday=MONDAY, reminder_weekday=FRIDAY, close_weekday=WEDNESDAY)
    reminder, close = round_times(schedule, BERLIN, pulse_at=utc(2026, 10, 19, 13))
    assert reminder is None
    assert local(close, BERLIN) == "Wed 2026-10-21 10:00 CEST"


def test_a_disabled_reminder_is_never_scheduled() -> None:
    reminder, close = round_times(
        Schedule(reminder_enabled=False), BERLIN, pulse_at=utc(2026, 10, 22, 13)
    )
    assert reminder is None
    assert close == utc(2026, 10, 26, 9)


def test_weekday_and_time_changes_move_the_next_pulse() -> None:
    now = utc(2026, 10, 20, 8)  # Tuesday 10:00 in Berlin
    assert local(next_pulse_at(Schedule(), BERLIN, after=now), BERLIN) == (
        "Thu 2026-10-22 15:00 CEST"
    )
    later_today = Schedule(pulse_weekday=TUESDAY, pulse_time=time(16, 45))
    assert local(next_pulse_at(later_today, BERLIN, after=now), BERLIN) == (
        "Tue 2026-10-20 16:45 CEST"
    )
    earlier_today = Schedule(pulse_weekday=TUESDAY, pulse_time=time(9))
    assert local(next_pulse_at(earlier_today, BERLIN, after=now), BERLIN) == (
        "Tue 2026-10-27 09:00 CET"
    )


def test_naive_instants_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        next_pulse_at(Schedule(), BERLIN, after=datetime(2026, 10, 20))
