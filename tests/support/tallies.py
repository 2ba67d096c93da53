"""The reference tally: individual answers counted in Python, one by one.

The product counts answers in SQL (``storage.aggregates``) and scores the counts
(``bot.domain.scoring.score_round``); the domain tests build their tallies with this instead,
and the aggregate tests compare the SQL counts with it.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

from bot.domain.circles import CIRCLES, AnswerValue, Circle
from bot.domain.scoring import Tally


@dataclass(frozen=True, slots=True)
class MemberAnswer:
    """One member's answer to one circle's question (before aggregation)."""

    member: Hashable
    circle: Circle
    value: AnswerValue
    internal_customer: bool = False
    note: str | None = field(default=None, compare=False)


def tally_answers(answers: Iterable[MemberAnswer]) -> tuple[dict[Circle, Tally], int]:
    """Per-circle tallies and the respondent count of individual answers.

    A member who answered the same question twice counts once, with the last answer.
    """
    latest: dict[tuple[Hashable, Circle], AnswerValue] = {}
    for a in answers:
        latest[(a.member, a.circle)] = a.value
    counts = {c: dict.fromkeys(AnswerValue, 0) for c in CIRCLES}
    for (_, circle), value in latest.items():
        counts[circle][value] += 1
    tallies = {
        c: Tally(
            yes=n[AnswerValue.YES],
            partly=n[AnswerValue.PARTLY],
            no=n[AnswerValue.NO],
            not_sure=n[AnswerValue.NOT_SURE],
        )
        for c, n in counts.items()
    }
    return tallies, len({member for member, _ in latest})
