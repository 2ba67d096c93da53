"""Scoring a round: circle scores, respondents, region and disagreements (SPEC §2)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

from bot.domain.circles import CIRCLES, Circle
from bot.domain.regions import Region, region_for

DEFAULT_THRESHOLD = 0.5
DEFAULT_MIN_RESPONDENTS = 3


@dataclass(frozen=True, slots=True)
class Tally:
    """How many members gave each answer to one circle's question."""

    yes: int = 0
    partly: int = 0
    no: int = 0
    not_sure: int = 0

    @property
    def counted(self) -> int:
        """Answers that count toward the score (``Not sure`` is excluded)."""
        return self.yes + self.partly + self.no

    @property
    def score(self) -> float | None:
        """Mean of the counted answers in [0, 1], or ``None`` when nothing counted."""
        if self.counted == 0:
            return None
        return (self.yes + 0.5 * self.partly) / self.counted

    def reaches(self, threshold: float) -> bool:
        """Whether the score is at or above ``threshold``, compared exactly (no float drift)."""
        if self.counted == 0:
            return False
        if not math.isfinite(threshold):
            return threshold < 0  # -inf: always in; +inf and NaN: never
        # score = (2·yes + partly) / (2·counted) ≥ num / den, in integers.
        num, den = _as_written(float(threshold))
        return (2 * self.yes + self.partly) * den >= num * 2 * self.counted

    @property
    def split(self) -> bool:
        """Members disagree: both Yes and No make up at least a third of the counted answers."""
        n = self.counted
        return n >= 2 and 3 * self.yes >= n and 3 * self.no >= n


@lru_cache(maxsize=64)
def _as_written(threshold: float) -> tuple[int, int]:
    """The threshold as written in decimal (0.6 is 3/5), not its binary approximation, and not
    rounded to a nearby fraction (0.50000001 must not collapse to 1/2): numerator, denominator.

    Cached: a team's threshold is compared for every circle of every round it shows.
    """
    exact = Fraction(repr(threshold))
    return exact.numerator, exact.denominator


@dataclass(frozen=True, slots=True)
class ScoringRules:
    """A team's scoring settings."""

    threshold: float = DEFAULT_THRESHOLD
    min_respondents: int = DEFAULT_MIN_RESPONDENTS

    def required_respondents(self, asked: int) -> int:
        """Respondents needed for a region: ``min_respondents``, or the whole team if smaller."""
        if asked <= 0:
            return max(1, self.min_respondents)
        return max(1, min(self.min_respondents, asked))


@dataclass(frozen=True, slots=True)
class RoundScore:
    """The aggregate result of one round. Holds no individual answers."""

    tallies: Mapping[Circle, Tally]
    respondents: int
    asked: int
    region: Region | None
    circles_in: frozenset[Circle]
    disagreements: frozenset[Circle]
    internal_customer_notes: int = 0
    notes: int = 0

    @property
    def enough(self) -> bool:
        return self.region is not None

    def score(self, circle: Circle) -> float | None:
        return self.tallies[circle].score


def score_round(
    tallies: Mapping[Circle, Tally],
    *,
    respondents: int,
    asked: int,
    rules: ScoringRules = ScoringRules(),  # frozen, so safe as a default
    notes: int = 0,
    internal_customer_notes: int = 0,
) -> RoundScore:
    """Place a round from its per-circle tallies.

    Args:
        tallies: answers per circle (missing circles count as no answers).
        respondents: members who clicked any answer, ``Not sure`` included.
        asked: members the round was sent to.
        rules: threshold and minimum respondents.
        notes: evidence notes written this round (a count only).
        internal_customer_notes: answers marked "the customer was internal".
    """
    full = {c: tallies.get(c, Tally()) for c in CIRCLES}
    circles_in = frozenset(c for c in CIRCLES if full[c].reaches(rules.threshold))
    enough = respondents >= rules.required_respondents(asked)
    return RoundScore(
        tallies=full,
        respondents=respondents,
        asked=asked,
        region=region_for(circles_in) if enough else None,
        circles_in=circles_in if enough else frozenset(),
        disagreements=frozenset(c for c in CIRCLES if full[c].split) if enough else frozenset(),
        notes=notes,
        internal_customer_notes=internal_customer_notes,
    )
