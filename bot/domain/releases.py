"""Release pulses, pure: the question a published release asks, when it may be asked (the
team's working hours), and the aggregate line status and the digest show.

A release pulse asks each member of the team one question, "Did a customer accept *<release>*?",
with the pulse's four answers. It is asked at once within working hours (Monday to Friday,
09:00 to 18:00 in the team's time zone), else at the next working-hours start; one release per
team per hour asks anyone (a second within the hour is recorded and asks nobody).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.domain.circles import AnswerValue

WORK_START = time(9, 0)
WORK_END = time(18, 0)
WORK_DAYS = frozenset(range(5))  # Monday to Friday
# One release per team per hour asks anyone.
RELEASE_SPACING = timedelta(hours=1)
NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class ReleasePulseView:
    """One member's release pulse: the question and their own answer (only they see it)."""

    team_name: str
    release_id: int
    release_name: str
    answer: AnswerValue | None = None

    @property
    def question(self) -> str:
        return f"Did a customer accept *{self.release_name}*?"


@dataclass(frozen=True, slots=True)
class ReleaseLine:
    """The team's latest release pulse, as counts: never who answered what."""

    name: str
    accepted: int
    answered: int
    asked: int
    min_respondents: int

    @property
    def text(self) -> str:
        """``Release v2.3: 4 of 6 say accepted`` (of those who answered), or, below the
        minimum of respondents, how many answered so far."""
        needed = max(1, min(self.min_respondents, self.asked))
        if self.answered < needed:
            return (
                f"Release {self.name}: {self.answered} of {self.asked} answered "
                f"(results from {needed})"
            )
        return f"Release {self.name}: {self.accepted} of {self.answered} say accepted"


def hook_url(public_url: str, key: str) -> str:
    """A team's release webhook URL (``SDO_PUBLIC_URL`` unset: a placeholder to replace)."""
    base = public_url.rstrip("/") or "https://<SDO_PUBLIC_URL>"
    return f"{base}/hooks/release/{key}"


def in_working_hours(local: datetime) -> bool:
    return local.weekday() in WORK_DAYS and WORK_START <= local.time() < WORK_END


def ask_time(received: datetime, tz: str) -> datetime:
    """When a release received at ``received`` (aware) is asked: then, within the team's
    working hours, else at the next working-hours start (in the same zone, as UTC-aware)."""
    zone = ZoneInfo(tz)
    local = received.astimezone(zone)
    if in_working_hours(local):
        return received
    day = local.date()
    if local.time() >= WORK_START:
        day += timedelta(days=1)
    while day.weekday() not in WORK_DAYS:
        day += timedelta(days=1)
    return datetime.combine(day, WORK_START, tzinfo=zone).astimezone(received.tzinfo)


def clean_name(name: object) -> str | None:
    """A release's name as shown: stripped, one line, at most ``NAME_CHARS``; None if empty."""
    if not isinstance(name, str):
        return None
    shown = " ".join(name.split()).replace("*", "")[:NAME_CHARS]
    return shown or None
