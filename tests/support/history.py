"""A team history for the export tests: three rounds, closed, one below the minimum
respondents, with evidence notes whose text must never leave the database.

Seeded through the real services (``Services.rounds``, ``Services.answers``,
``Services.due``); ``EXPECTED`` holds the figures each round's export row must show.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Protocol

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Round, Team
from bot.services import Services

WEEK = timedelta(days=7)
Y, P, N, S = AnswerValue.YES, AnswerValue.PARTLY, AnswerValue.NO, AnswerValue.NOT_SURE
# Round by round, member (by place in ``members``) -> answers to W, H, D; then who writes a
# note and what it says.
ROUNDS: list[tuple[dict[int, tuple[AnswerValue, ...]], int, str]] = [
    ({0: (Y, Y, Y), 1: (Y, Y, N), 2: (Y, P, Y)}, 1, "Acme signed off the beta SECRET-NOTE-ONE"),
    ({0: (N, N, N), 1: (Y, N, S)}, 0, "only two of us SECRET-NOTE-TWO"),
    ({0: (N, Y, Y), 1: (N, Y, Y), 2: (S, Y, P), 3: (N, Y, Y)}, 2, "shipped v2 SECRET-NOTE-THREE"),
]
NOTES = [note for _, _, note in ROUNDS]
# Each round's row (CSV cells), but for team, channel and the times.
EXPECTED: list[dict[str, str]] = [
    {
        "round": "1",
        "region": "Center",
        "w_score": "1.000",
        "h_score": "0.833",
        "d_score": "0.667",
        "respondents": "3",
        "asked": "4",
        "away": "0",
        "notes": "1",
        "w_disagreement": "no",
        "h_disagreement": "no",
        "d_disagreement": "yes",
    },
    {
        "round": "2",
        "region": "Not enough answers",
        "w_score": "",
        "h_score": "",
        "d_score": "",
        "respondents": "2",
        "asked": "4",
        "away": "0",
        "notes": "",
        "w_disagreement": "",
        "h_disagreement": "",
        "d_disagreement": "",
    },
    {
        "round": "3",
        "region": "DevOps",
        "w_score": "0.000",
        "h_score": "1.000",
        "d_score": "0.875",
        "respondents": "4",
        "asked": "4",
        "away": "0",
        "notes": "1",
        "w_disagreement": "no",
        "h_disagreement": "no",
        "d_disagreement": "no",
    },
]


class Advancing(Protocol):
    def advance(self, delta: timedelta) -> None: ...


async def three_closed_rounds(
    services: Services, clock: Advancing, team: Team, members: Sequence[str]
) -> list[Round]:
    """``ROUNDS`` a week apart, each closed by the next, the last by its scheduled close."""
    opened = []
    for number, (answers, writer, note) in enumerate(ROUNDS):
        rnd, created = await services.rounds.open(team=team, period=f"history-{number}")
        assert created
        opened.append(rnd)
        for member, values in answers.items():
            for circle, value in zip(Circle, values, strict=True):
                outcome = await services.answers.record(
                    workspace_id=team.workspace_id,
                    round_id=rnd.id,
                    user_id=members[member],
                    circle=circle,
                    value=value,
                )
                assert outcome.stored
        noted = await services.answers.save_note(
            workspace_id=team.workspace_id,
            round_id=rnd.id,
            user_id=members[writer],
            circle=Circle.DELIVER,
            note=note,
            internal_customer=False,
        )
        assert noted.stored
        clock.advance(WEEK)
    closed = await services.due.close_rounds()
    assert [c.round.id for c in closed] == [opened[-1].id]
    return opened
