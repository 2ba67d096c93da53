"""Schedule math: when a team's next pulse, reminder and close fall, as UTC instants.

APScheduler's cron triggers compute the fire times in the team's time zone, so a pulse set for
Thursday 15:00 stays at 15:00 local time on both sides of a daylight-saving change. Nothing
here keeps state or runs jobs: the database stores the results (``team.next_*_at``) and the
scheduler tick claims them.

Daylight-saving edge cases, on the day of the change:

* a local time that does not exist (spring forward, e.g. 02:30) fires just after the gap, at
  the same distance from midnight in the new offset (03:30);
* a local time that happens twice (fall back) fires once, at its first occurrence.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger

from bot.domain.model import Schedule

# A round stays open at least this long before the close time may end it.
MIN_ROUND_LENGTH = timedelta(days=1)
_TICK = timedelta(microseconds=1)


def _aware(when: datetime) -> datetime:
    if when.tzinfo is None:
        raise ValueError("schedule math needs aware datetimes")
    return when.astimezone(UTC)


def _is_repeated_wall_time(instant: datetime, zone: ZoneInfo) -> bool:
    """Whether ``instant`` is the second occurrence of a local time repeated at fall-back."""
    local = instant.astimezone(zone)
    return local.fold == 1 and local.replace(fold=0).astimezone(UTC) != instant


def next_fire(*, weekday: int, at: time, tz: str, after: datetime) -> datetime:
    """The first instant strictly after ``after`` that is ``weekday`` ``at`` local time in ``tz``.

    Args:
        weekday: 0 = Monday … 6 = Sunday.
        at: the local wall time (seconds are ignored).
        tz: an IANA zone name.
        after: an aware instant.

    Returns:
        An aware UTC datetime.
    """
    zone = ZoneInfo(tz)
    trigger = CronTrigger(
        day_of_week=weekday, hour=at.hour, minute=at.minute, second=0, timezone=zone
    )
    start = _aware(after)
    while True:
        # "Now" a tick after ``start``: fire times are whole seconds, so this is strictly after.
        # (Passing ``start`` as the previous fire time instead misbehaves at fall-back: aware
        # datetimes in a repeated hour never compare equal across zones.)
        found: datetime | None = trigger.get_next_fire_time(None, start + _TICK)
        if found is None:  # only with an end date, which this trigger has none of
            raise RuntimeError("cron trigger stopped firing")
        fire = found.astimezone(UTC)
        if fire <= start:  # never seen; guarantees progress should localisation slip
            start += timedelta(minutes=1)
        elif _is_repeated_wall_time(fire, zone):
            start = fire
        else:
            return fire


def next_pulse_at(
    schedule: Schedule, tz: str, *, after: datetime, last_pulse: datetime | None = None
) -> datetime:
    """The team's next pulse instant after ``after``.

    With ``every_weeks`` above 1, the next pulse also comes no earlier than
    ``every_weeks`` weeks after ``last_pulse`` (less a day of slack, so a pulse that ran a little
    late does not push the cadence back a whole period).

    Args:
        schedule: the team's schedule.
        tz: the team's time zone.
        after: the result is strictly later than this.
        last_pulse: when the previous pulse was due (or opened), if any.
    """
    fire = next_fire(weekday=schedule.pulse_weekday, at=schedule.pulse_time, tz=tz, after=after)
    if schedule.every_weeks > 1 and last_pulse is not None:
        earliest = _aware(last_pulse) + timedelta(weeks=schedule.every_weeks) - timedelta(days=1)
        while fire < earliest:
            fire = next_fire(
                weekday=schedule.pulse_weekday, at=schedule.pulse_time, tz=tz, after=fire
            )
    return fire


def round_times(
    schedule: Schedule, tz: str, *, pulse_at: datetime
) -> tuple[datetime | None, datetime]:
    """When a round opened at ``pulse_at`` gets its reminder and closes.

    The close is the first close time at least ``MIN_ROUND_LENGTH`` after the pulse. The
    reminder is the first reminder time after the pulse; there is none when the team turned
    reminders off or when it would not come before the close.

    Returns:
        ``(reminder_at or None, close_at)``, aware UTC datetimes.
    """
    close_at = next_fire(
        weekday=schedule.close_weekday,
        at=schedule.close_time,
        tz=tz,
        after=_aware(pulse_at) + MIN_ROUND_LENGTH - _TICK,
    )
    if not schedule.reminder_enabled:
        return None, close_at
    reminder_at = next_fire(
        weekday=schedule.reminder_weekday, at=schedule.reminder_time, tz=tz, after=pulse_at
    )
    return (reminder_at if reminder_at < close_at else None), close_at
