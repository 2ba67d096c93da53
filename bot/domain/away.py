"""Who is away for a round: their chat status says so, or a manager marked them. Pure.

A member is *away* for a round when, as its fan-out reaches them, their status (Slack's
``profile.status_emoji``/``status_text``, while ``status_expiration`` is still ahead) is one of
``AwayRules``, or a manager marked them away until a date (inclusive, in the team's time zone)
that is today or later. Away members get no DM and no reminder, and are not counted as asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

DEFAULT_AWAY_EMOJI: tuple[str, ...] = (
    ":palm_tree:",
    ":airplane:",
    ":face_with_thermometer:",
    ":house_with_garden:",
)
DEFAULT_AWAY_WORDS: tuple[str, ...] = (
    "vacation",
    "holiday",
    "OOO",
    "out of office",
    "sick",
    "leave",
)
# ":thumbsup::skin-tone-2:" is ":thumbsup:" for this purpose.
_FIRST_EMOJI = re.compile(r"^:[^:\s]+:")


@dataclass(frozen=True, slots=True)
class ChatStatus:
    """A person's chat status as the platform shows it.

    Attributes:
        emoji: e.g. ``":palm_tree:"`` ("" when none).
        text: e.g. ``"Vacationing"`` ("" when none).
        expires_at: when the platform clears it; None when it does not expire.
    """

    emoji: str = ""
    text: str = ""
    expires_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AwayRules:
    """Which statuses mean away: any of ``emoji``, or any of ``words`` as whole words in the
    status text (case-insensitive; a phrase's spaces match any run of spaces)."""

    emoji: tuple[str, ...] = DEFAULT_AWAY_EMOJI
    words: tuple[str, ...] = DEFAULT_AWAY_WORDS
    _pattern: re.Pattern[str] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        phrases = [r"\s+".join(map(re.escape, w.split())) for w in self.words if w.strip()]
        pattern = (
            re.compile(r"\b(?:" + "|".join(phrases) + r")\b", re.IGNORECASE) if phrases else None
        )
        object.__setattr__(self, "_pattern", pattern)

    def says_away(self, status: ChatStatus) -> bool:
        """Whether the status's emoji or text is one of these (its expiry aside)."""
        emoji = _FIRST_EMOJI.match(status.emoji.strip())
        if emoji is not None and emoji.group(0).lower() in {e.lower() for e in self.emoji}:
            return True
        return self._pattern is not None and self._pattern.search(status.text) is not None


DEFAULT_AWAY_RULES = AwayRules()


def away_by_status(
    status: ChatStatus | None, *, now: datetime, rules: AwayRules = DEFAULT_AWAY_RULES
) -> bool:
    """A status that says away and has not expired by ``now``."""
    if status is None:
        return False
    if status.expires_at is not None and status.expires_at <= now:
        return False
    return rules.says_away(status)


def away_by_mark(until: date | None, *, today: date) -> bool:
    """A manager's mark "away until ``until``" (inclusive) holds on ``today``."""
    return until is not None and today <= until


@dataclass(frozen=True, slots=True)
class AwayMark:
    """A manager marked ``user_id`` away until ``until`` (inclusive, the team's time zone)."""

    user_id: str
    until: date
    marked_by: str | None = None
