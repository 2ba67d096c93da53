"""The privacy rules, enforced in one place.

1. Individual answers and notes are shown only to their author: only the member's own pulse DM
   carries them, and nothing here ever exposes them.
2. Who did or did not answer is never shown to anyone else: only counts.
3. Aggregates — circle scores, disagreements, note counts — are shown only for a round with at
   least the required number of respondents. Below that, only participation counts are shared.

Every message that reaches more than one person (status, digest, App Home, pictures) reads a
round through ``shareable`` and gets only what these rules allow.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.circles import CIRCLES, Circle
from bot.domain.regions import Region
from bot.domain.scoring import RoundScore


@dataclass(frozen=True, slots=True)
class SharedRound:
    """What anyone on the team may see of a round."""

    respondents: int
    asked: int
    region: Region | None
    scores: dict[Circle, float | None] | None
    circles_in: frozenset[Circle]
    disagreements: frozenset[Circle]
    notes: int | None
    internal_customer_notes: int | None


def shareable(score: RoundScore) -> SharedRound:
    """The part of ``score`` that the privacy rules allow to be shown to the team."""
    if score.region is None:
        return SharedRound(
            respondents=score.respondents,
            asked=score.asked,
            region=None,
            scores=None,
            circles_in=frozenset(),
            disagreements=frozenset(),
            notes=None,
            internal_customer_notes=None,
        )
    return SharedRound(
        respondents=score.respondents,
        asked=score.asked,
        region=score.region,
        scores={c: score.score(c) for c in CIRCLES},
        circles_in=score.circles_in,
        disagreements=score.disagreements,
        notes=score.notes,
        internal_customer_notes=score.internal_customer_notes,
    )
