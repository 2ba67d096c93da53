"""Who is away for a round: their chat status says so, or a manager marked them. Pure.

A member is *away* for a round when, as its fan-out reaches them, their status (Slack's
``profile.status_emoji``/``status_text``, while ``status_expiration`` is still ahead) is one of
``AwayRules``, or a manager marked them away until a date (inclusive, in the team's time zone)
that is today or later. Away members get no DM and no reminder, and are not counted as asked.

A team may change which statuses mean away (``/sdo away statuses add|remove|reset``): its
``AwayRules`` are the defaults changed by ``change_rules``, within ``MAX_AWAY_ITEMS``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

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
# How many emoji, and how many words, a team's list may hold, and how long a word may be:
# enough for any team's habits, small enough for one reply and one status check per member.
MAX_AWAY_ITEMS = 30
MAX_AWAY_WORD_CHARS = 40
# An emoji as Slack writes it in a message or command (``:beach_with_umbrella:``).
_EMOJI = re.compile(r"^:[a-z0-9_+'-]+:$")
# A word or phrase: letters, digits, spaces, hyphens, apostrophes and dots ("Out of office",
# "PTO", "parental-leave", "o.o.o"), with at least one letter or digit.
_WORD = re.compile(r"^[\w' .-]*\w[\w' .-]*$")


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


@dataclass(frozen=True, slots=True)
class AwayItems:
    """Emoji and words typed in ``/sdo away statuses add|remove …``, as a list holds them
    (emoji in lower case, a word's runs of spaces as one)."""

    emoji: tuple[str, ...] = ()
    words: tuple[str, ...] = ()


def parse_away_items(text: str) -> AwayItems | str:
    """Read ``":baby:, parental leave, PTO"``: items separated by commas; in an item, each
    ``:emoji:`` is an emoji and the other words together one word or phrase. A string: why
    the text is refused (nothing in it, an odd character, a word too long)."""
    emoji: list[str] = []
    words: list[str] = []
    for item in text.split(","):
        rest = []
        for token in item.split():
            if token.startswith(":") and token.endswith(":") and len(token) > 2:
                if not _EMOJI.match(token.lower()):
                    return (
                        f"`{token}` is no emoji name: write it as Slack does, e.g. `:palm_tree:`."
                    )
                _add_once(emoji, token.lower())
            else:
                rest.append(token)
        if not rest:
            continue
        word = " ".join(rest)
        if len(word) > MAX_AWAY_WORD_CHARS:
            return (
                f"“{word[:MAX_AWAY_WORD_CHARS]}…” is too long: at most "
                f"{MAX_AWAY_WORD_CHARS} characters a word or phrase."
            )
        if not _WORD.match(word):
            return f"“{word}” can hold letters, digits, spaces, hyphens, apostrophes and dots only."
        _add_once(words, word)
    if not emoji and not words:
        return (
            "Name at least one emoji (e.g. `:palm_tree:`) or word (e.g. `PTO`), "
            "separated by commas."
        )
    return AwayItems(emoji=tuple(emoji), words=tuple(words))


def _add_once(items: list[str], item: str) -> None:
    if item.casefold() not in {i.casefold() for i in items}:
        items.append(item)


def change_rules(
    rules: AwayRules, *, add: AwayItems | None = None, remove: AwayItems | None = None
) -> AwayRules | str:
    """``rules`` with ``add``'s items added (those there already kept once) and ``remove``'s
    taken out (any case); a string when the list would outgrow ``MAX_AWAY_ITEMS``."""
    emoji, words = list(rules.emoji), list(rules.words)
    for items, new in ((emoji, add.emoji if add else ()), (words, add.words if add else ())):
        for item in new:
            _add_once(items, item)
    if remove is not None:
        gone_emoji = {e.casefold() for e in remove.emoji}
        gone_words = {w.casefold() for w in remove.words}
        emoji = [e for e in emoji if e.casefold() not in gone_emoji]
        words = [w for w in words if w.casefold() not in gone_words]
    if len(emoji) > MAX_AWAY_ITEMS or len(words) > MAX_AWAY_ITEMS:
        return (
            f"A team's list holds at most {MAX_AWAY_ITEMS} emoji and {MAX_AWAY_ITEMS} words: "
            "remove some first."
        )
    return AwayRules(emoji=tuple(emoji), words=tuple(words))


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


class MarkOutcome(StrEnum):
    """What ``/sdo away @user until <date>`` did."""

    MARKED = "marked"
    DATE_PASSED = "date passed"  # the last day away is before the team's today
    NOT_A_MEMBER = "not a member"  # the person is no member of the team
