"""Plain records the storage layer returns: teams, members, rounds, deliveries, answers, and
the ledger's and the scheduler's work items."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.circles import AnswerValue, Circle
from bot.domain.scoring import ScoringRules

MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True, slots=True)
class Schedule:
    """When a team is asked, reminded and summarised, in the team's own time zone."""

    pulse_weekday: int = THURSDAY
    pulse_time: time = time(15, 0)
    reminder_enabled: bool = True
    reminder_weekday: int = FRIDAY
    reminder_time: time = time(11, 0)
    close_weekday: int = MONDAY
    close_time: time = time(10, 0)
    every_weeks: int = 1
    enabled: bool = True

    def describe(self) -> str:
        every = "every week" if self.every_weeks == 1 else f"every {self.every_weeks} weeks"
        reminder = (
            f"reminder {WEEKDAY_NAMES[self.reminder_weekday]} {self.reminder_time:%H:%M}"
            if self.reminder_enabled
            else "no reminder"
        )
        return (
            f"pulse {WEEKDAY_NAMES[self.pulse_weekday]} {self.pulse_time:%H:%M} {every}, "
            f"{reminder}, digest {WEEKDAY_NAMES[self.close_weekday]} {self.close_time:%H:%M}"
        )


def valid_tz(tz: str | None) -> str:
    """A known IANA zone name, or UTC (a person's or team's zone may be missing or unknown)."""
    if not tz:
        return "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return tz


@dataclass(frozen=True, slots=True)
class Team:
    id: int
    workspace_id: str
    channel_id: str
    name: str
    tz: str
    schedule: Schedule = field(default_factory=Schedule)
    rules: ScoringRules = field(default_factory=ScoringRules)


@dataclass(frozen=True, slots=True)
class Member:
    workspace_id: str
    user_id: str
    name: str
    tz: str | None = None
    active: bool = True


@dataclass(frozen=True, slots=True)
class Round:
    id: int
    workspace_id: str
    team_id: int
    period: str
    number: int
    opened_at: datetime
    closed_at: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.closed_at is None


class DeliveryStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    # Away when the round reached them (``bot.domain.away``): no DM, no reminder, not asked.
    AWAY = "away"


@dataclass(frozen=True, slots=True)
class Delivery:
    round_id: int
    user_id: str
    status: DeliveryStatus
    channel_id: str | None = None
    message_ts: str | None = None
    error: str | None = None
    attempts: int = 0


@dataclass(frozen=True, slots=True)
class Answer:
    """One member's own answer: only ever shown to that member."""

    round_id: int
    user_id: str
    circle: Circle
    value: AnswerValue | None
    note: str | None = None
    internal_customer: bool = False
    answered_at: datetime | None = None


# The ledger and the scheduler's due work, as the storage layer reports them.


@dataclass(frozen=True, slots=True)
class DueTeam:
    """A team whose next pulse, reminder or close time has come; ``due_at`` is that time."""

    team: Team
    due_at: datetime


@dataclass(frozen=True, slots=True)
class TeamRound:
    """A round with its team: a round the scheduler has work for."""

    team: Team
    round: Round


@dataclass(frozen=True, slots=True)
class NextRuns:
    """A team's stored next due times (UTC), as the tick will see them."""

    pulse_at: datetime | None
    reminder_at: datetime | None
    close_at: datetime | None


@dataclass(frozen=True, slots=True)
class PendingWork:
    """Which scheduler steps have anything to do right now."""

    arm: bool
    close: bool
    pulse: bool
    remind: bool
    send: bool
    digest: bool

    def __bool__(self) -> bool:
        return any((self.arm, self.close, self.pulse, self.remind, self.send, self.digest))


@dataclass(frozen=True, slots=True)
class ReminderTarget:
    """A member to remind: the DM their pulse went to."""

    user_id: str
    channel_id: str
    message_ts: str | None


@dataclass(frozen=True, slots=True)
class SentDM:
    """A pulse DM the platform accepted: whose, and where it is."""

    user_id: str
    channel_id: str
    message_ts: str
