"""Rounds and answers (``storage.rounds``) on both databases: numbering, one open round per
team, concurrent openers, the look-ups around rounds, and answers with their notes."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer, Round, Team
from storage import rounds
from storage.db import Database
from tests.storage.conftest import RoundMaker, RowReader, TeamMaker, add_answer, add_note

W, H, D = Circle.WHAT, Circle.HOW, Circle.DELIVER
YES, PARTLY, NO = AnswerValue.YES, AnswerValue.PARTLY, AnswerValue.NO
NOT_SURE = AnswerValue.NOT_SURE
MINUTE = timedelta(minutes=1)


async def _open(
    db: Database, team: Team, period: str, clock: FrozenClock, *, after: float = 0
) -> tuple[Round, bool]:
    """Open a round in its own write transaction, starting ``after`` seconds from now."""
    await asyncio.sleep(after)
    async with db.write() as s:
        return await rounds.open_round(
            s, workspace_id=team.workspace_id, team_id=team.id, period=period, now=clock.now()
        )


async def test_open_round_numbers_rounds_and_closes_the_previous_one(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    first_opened = clock.now()
    first, first_created = await _open(db, team, "2026-W10", clock)
    clock.advance(timedelta(days=7))
    second, second_created = await _open(db, team, "2026-W11", clock)

    assert (first_created, second_created) == (True, True)
    assert (first.number, second.number) == (1, 2)
    assert first.is_open
    assert second == Round(
        id=second.id,
        workspace_id="T1",
        team_id=team.id,
        period="2026-W11",
        number=2,
        opened_at=clock.now(),
        closed_at=None,
    )
    stored = await rows("round", team_id=team.id)
    assert [(r["period"], r["number"], r["opened_at"], r["closed_at"]) for r in stored] == [
        ("2026-W10", 1, first_opened, clock.now()),
        ("2026-W11", 2, clock.now(), None),
    ]
    async with db.read() as s:
        assert await rounds.get_open_round(s, workspace_id="T1", team_id=team.id) == second
        closed = await rounds.get_round(s, workspace_id="T1", round_id=first.id)
    assert closed is not None
    assert closed.closed_at == clock.now()
    assert not closed.is_open


async def test_open_round_again_for_the_same_period_returns_it(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    first, _ = await _open(db, team, "2026-W10", clock)
    clock.advance(timedelta(minutes=5))
    again, created = await _open(db, team, "2026-W10", clock)

    assert created is False
    assert again == first
    assert len(await rows("round")) == 1


async def test_rounds_of_teams_are_numbered_separately(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    alpha = await new_team(channel_id="C1", name="alpha")
    beta = await new_team(channel_id="C2", name="beta")

    a1, _ = await _open(db, alpha, "p1", clock)
    a2, _ = await _open(db, alpha, "p2", clock)
    b1, _ = await _open(db, beta, "p1", clock)

    assert [a1.number, a2.number, b1.number] == [1, 2, 1]
    async with db.read() as s:
        # Opening beta's round left alpha's open round alone.
        assert await rounds.get_open_round(s, workspace_id="T1", team_id=alpha.id) == a2


@pytest.mark.parametrize("openers", [2, 10])
async def test_concurrent_open_round_for_one_period_creates_one_round(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader, openers: int
) -> None:
    team = await new_team()
    previous, _ = await _open(db, team, "2026-W09", clock)
    # Staggered starts make late openers look the round up before the first one commits and
    # write after it did; several weeks in a row give every interleaving its chance.
    for week in range(10, 20):
        period = f"2026-W{week}"
        clock.advance(timedelta(days=7))

        results = await asyncio.gather(
            *(_open(db, team, period, clock, after=i * 0.002) for i in range(openers))
        )

        assert sum(created for _, created in results) == 1, period
        assert {rnd for rnd, _ in results} == {results[0][0]}, period
        opened = results[0][0]
        assert (opened.period, opened.number, opened.closed_at) == (period, week - 8, None)
        stored = await rows("round", team_id=team.id)
        assert [(r["id"], r["period"], r["closed_at"]) for r in stored[-2:]] == [
            (previous.id, previous.period, clock.now()),
            (opened.id, period, None),
        ]
        previous = opened
    assert len(await rows("round", team_id=team.id)) == 11


async def test_concurrent_open_round_for_different_periods_keeps_one_open(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()

    results = await asyncio.gather(
        *(_open(db, team, f"p{i}", clock, after=i * 0.002) for i in range(6))
    )

    open_rows = [r for r in await rows("round", team_id=team.id) if r["closed_at"] is None]
    assert len(open_rows) == 1
    # The newest round is the open one, and each caller learns which round is current.
    async with db.read() as s:
        current = await rounds.get_open_round(s, workspace_id="T1", team_id=team.id)
    assert current is not None
    assert current.id == open_rows[0]["id"]
    created_ids = {rnd.id for rnd, created in results if created}
    assert current.id in created_ids


async def test_recent_rounds_are_the_last_ones_oldest_first(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    other = await new_team(channel_id="C2", name="other")
    for week in range(1, 6):
        await new_round(team, f"2026-W{week:02}")
        await new_round(other, f"2026-W{week:02}")
        clock.advance(timedelta(days=7))

    async with db.read() as s:
        recent = await rounds.recent_rounds(s, workspace_id="T1", team_id=team.id, limit=3)

    assert [(r.period, r.number, r.team_id) for r in recent] == [
        ("2026-W03", 3, team.id),
        ("2026-W04", 4, team.id),
        ("2026-W05", 5, team.id),
    ]
    assert [r.is_open for r in recent] == [False, False, True]


async def test_timestamps_read_back_as_aware_utc(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    rnd = await new_round(team, "p1")

    async with db.read() as s:
        stored = await rounds.get_round(s, workspace_id="T1", round_id=rnd.id)

    assert stored is not None
    assert stored.opened_at == clock.now()
    assert stored.opened_at.utcoffset() == timedelta(0)


async def test_close_leaves_a_round_opened_after_the_close_time_open(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    due = clock.now()
    clock.advance(MINUTE)
    fresh = await new_round(team, "manual")
    async with db.write() as s:
        closed = await rounds.close_rounds_opened_before(
            s, workspace_id="T1", team_id=team.id, before=due, now=clock.now()
        )
    assert closed == []

    clock.advance(timedelta(days=7))
    async with db.write() as s:
        closed = await rounds.close_rounds_opened_before(
            s, workspace_id="T1", team_id=team.id, before=clock.now(), now=clock.now()
        )
    assert [(r.id, r.closed_at) for r in closed] == [(fresh.id, clock.now())]


async def test_rounds_up_to_a_round_are_its_predecessors(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    made = []
    for week in range(5):
        made.append(await new_round(team, f"w{week}"))
        clock.advance(timedelta(days=7))
    async with db.read() as s:
        upto = await rounds.rounds_up_to(
            s, workspace_id="T1", team_id=team.id, round_id=made[3].id, limit=3
        )
        assert await rounds.last_opened_at(s, workspace_id="T1", team_id=team.id) == (
            made[4].opened_at
        )
    assert [r.period for r in upto] == ["w1", "w2", "w3"]


# ---------------------------------------------------------------------------------------------
# answers


async def _count_answers(db: Database, *, round_id: int, user_id: str, question: str) -> int:
    async with db.read() as s:
        result = await s.execute(
            text(
                "SELECT count(*) FROM answer WHERE round_id = :r AND user_id = :u AND question = :q"
            ),
            {"r": round_id, "u": user_id, "q": question},
        )
        return int(result.scalar_one())


async def test_answering_twice_keeps_one_row_with_the_latest_value(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    await add_answer(db, clock, rnd, "U1", W, YES)
    clock.advance(timedelta(minutes=10))
    await add_answer(db, clock, rnd, "U1", W, NO)

    assert await _count_answers(db, round_id=rnd.id, user_id="U1", question="W") == 1
    stored = await rows("answer", round_id=rnd.id)
    assert [(r["user_id"], r["question"], r["value"], r["answered_at"]) for r in stored] == [
        ("U1", "W", "no", clock.now())
    ]
    async with db.read() as s:
        answers = await rounds.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
    assert answers == {
        W: Answer(
            round_id=rnd.id,
            user_id="U1",
            circle=W,
            value=NO,
            note=None,
            internal_customer=False,
            answered_at=clock.now(),
        )
    }


async def test_a_note_keeps_the_answer_and_an_answer_keeps_the_note(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    # Answer first, then the note.
    await add_answer(db, clock, rnd, "U1", W, YES)
    await add_note(db, clock, rnd, "U1", W, "Acme signed off the mock-ups", internal_customer=True)
    # Note first, then the answer (changed twice).
    await add_note(db, clock, rnd, "U1", H, "beta feedback from Initech")
    await add_answer(db, clock, rnd, "U1", H, PARTLY)
    await add_answer(db, clock, rnd, "U1", H, NOT_SURE)

    stored = await rows("answer", round_id=rnd.id)
    assert sorted(
        (r["question"], r["value"], r["note"], r["internal_customer"]) for r in stored
    ) == [
        ("H", "not_sure", "beta feedback from Initech", False),
        ("W", "yes", "Acme signed off the mock-ups", True),
    ]
    async with db.read() as s:
        answers = await rounds.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
    assert answers[W].value is YES
    assert answers[W].note == "Acme signed off the mock-ups"
    assert answers[W].internal_customer is True
    assert answers[H].value is NOT_SURE
    assert answers[H].note == "beta feedback from Initech"


async def test_a_note_alone_is_stored_without_a_value(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    rnd = await new_round(await new_team(), "p1")
    await add_note(db, clock, rnd, "U1", D, "shipped to Globex")

    async with db.read() as s:
        answers = await rounds.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
    assert list(answers) == [D]
    assert (answers[D].value, answers[D].note) == (None, "shipped to Globex")


async def test_member_answers_are_only_that_members(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    rnd = await new_round(team, "p1")
    await add_answer(db, clock, rnd, "U1", W, YES)
    await add_answer(db, clock, rnd, "U2", W, NO)
    await add_answer(db, clock, rnd, "U2", D, YES)

    async with db.read() as s:
        mine = await rounds.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
        other_workspace = await rounds.member_answers(
            s, workspace_id="T2", round_id=rnd.id, user_id="U2"
        )
    assert {c: a.value for c, a in mine.items()} == {W: YES}
    assert other_workspace == {}
