"""Answers, notes and the per-round aggregates computed in SQL, on both databases."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer, Round
from bot.domain.scoring import Tally
from storage import repository as repo
from storage.db import Database
from tests.storage.conftest import RoundMaker, RowReader, TeamMaker

W, H, D = Circle.WHAT, Circle.HOW, Circle.DELIVER
YES, PARTLY, NO = AnswerValue.YES, AnswerValue.PARTLY, AnswerValue.NO
NOT_SURE = AnswerValue.NOT_SURE


async def _answer(
    db: Database,
    clock: FrozenClock,
    rnd: Round,
    user_id: str,
    circle: Circle,
    value: AnswerValue,
) -> None:
    async with db.write() as s:
        await repo.upsert_answer(
            s,
            workspace_id=rnd.workspace_id,
            round_id=rnd.id,
            user_id=user_id,
            circle=circle,
            value=value,
            now=clock.now(),
        )


async def _note(
    db: Database,
    clock: FrozenClock,
    rnd: Round,
    user_id: str,
    circle: Circle,
    note: str | None,
    internal_customer: bool = False,
) -> None:
    async with db.write() as s:
        await repo.upsert_note(
            s,
            workspace_id=rnd.workspace_id,
            round_id=rnd.id,
            user_id=user_id,
            circle=circle,
            note=note,
            internal_customer=internal_customer,
            now=clock.now(),
        )


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
    await _answer(db, clock, rnd, "U1", W, YES)
    clock.advance(timedelta(minutes=10))
    await _answer(db, clock, rnd, "U1", W, NO)

    assert await _count_answers(db, round_id=rnd.id, user_id="U1", question="W") == 1
    stored = await rows("answer", round_id=rnd.id)
    assert [(r["user_id"], r["question"], r["value"], r["answered_at"]) for r in stored] == [
        ("U1", "W", "no", clock.now())
    ]
    async with db.read() as s:
        answers = await repo.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
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
    await _answer(db, clock, rnd, "U1", W, YES)
    await _note(db, clock, rnd, "U1", W, "Acme signed off the mock-ups", internal_customer=True)
    # Note first, then the answer (changed twice).
    await _note(db, clock, rnd, "U1", H, "beta feedback from Initech")
    await _answer(db, clock, rnd, "U1", H, PARTLY)
    await _answer(db, clock, rnd, "U1", H, NOT_SURE)

    stored = await rows("answer", round_id=rnd.id)
    assert sorted(
        (r["question"], r["value"], r["note"], r["internal_customer"]) for r in stored
    ) == [
        ("H", "not_sure", "beta feedback from Initech", False),
        ("W", "yes", "Acme signed off the mock-ups", True),
    ]
    async with db.read() as s:
        answers = await repo.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
    assert answers[W].value is YES
    assert answers[W].note == "Acme signed off the mock-ups"
    assert answers[W].internal_customer is True
    assert answers[H].value is NOT_SURE
    assert answers[H].note == "beta feedback from Initech"


async def test_a_note_alone_is_stored_without_a_value(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    rnd = await new_round(await new_team(), "p1")
    await _note(db, clock, rnd, "U1", D, "shipped to Globex")

    async with db.read() as s:
        answers = await repo.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
    assert list(answers) == [D]
    assert (answers[D].value, answers[D].note) == (None, "shipped to Globex")


async def test_member_answers_are_only_that_members(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    rnd = await new_round(team, "p1")
    await _answer(db, clock, rnd, "U1", W, YES)
    await _answer(db, clock, rnd, "U2", W, NO)
    await _answer(db, clock, rnd, "U2", D, YES)

    async with db.read() as s:
        mine = await repo.member_answers(s, workspace_id="T1", round_id=rnd.id, user_id="U1")
        other_workspace = await repo.member_answers(
            s, workspace_id="T2", round_id=rnd.id, user_id="U2"
        )
    assert {c: a.value for c, a in mine.items()} == {W: YES}
    assert other_workspace == {}


async def test_round_aggregates_count_answers_respondents_and_notes(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    rnd = await new_round(team, "p1")
    async with db.write() as s:
        await repo.create_deliveries(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_ids=["U1", "U2", "U3", "U4", "U5"],
            now=clock.now(),
        )
        await repo.mark_delivery_failed(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U5",
            error="channel_not_found",
            now=clock.now(),
        )
    # U1 answers all three, one of them Not sure.
    await _answer(db, clock, rnd, "U1", W, YES)
    await _answer(db, clock, rnd, "U1", H, NO)
    await _answer(db, clock, rnd, "U1", D, NOT_SURE)
    # U2 answers W with an external customer's note, changing the answer once.
    await _answer(db, clock, rnd, "U2", W, NO)
    await _answer(db, clock, rnd, "U2", W, PARTLY)
    await _note(db, clock, rnd, "U2", W, "Acme liked it")
    # U3 only says Not sure: still a respondent.
    await _answer(db, clock, rnd, "U3", W, NOT_SURE)
    # U4 only leaves an internal-customer note: not a respondent, but a note.
    await _note(db, clock, rnd, "U4", H, "our sales team reviewed it", internal_customer=True)
    # U1 adds an internal flag without a note text: not counted as a note.
    await _note(db, clock, rnd, "U1", D, None, internal_customer=True)

    async with db.read() as s:
        aggregates = await repo.round_aggregates(s, workspace_id="T1", round_ids=[rnd.id])

    assert aggregates == {
        rnd.id: repo.RoundAggregate(
            round_id=rnd.id,
            tallies={
                W: Tally(yes=1, partly=1, no=0, not_sure=1),
                H: Tally(yes=0, partly=0, no=1, not_sure=0),
                D: Tally(yes=0, partly=0, no=0, not_sure=1),
            },
            respondents=3,
            asked=5,
            notes=2,
            internal_customer_notes=1,
        )
    }


async def test_round_aggregates_keep_rounds_and_workspaces_apart(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    first = await new_round(team, "p1")
    await _answer(db, clock, first, "U1", W, YES)
    await _answer(db, clock, first, "U2", W, YES)
    second = await new_round(team, "p2")
    await _answer(db, clock, second, "U1", W, NO)
    empty = await new_round(team, "p3")
    foreign = await new_round(await new_team(workspace_id="T2", channel_id="C9"), "p1")
    await _answer(db, clock, foreign, "U7", W, YES)

    async with db.read() as s:
        aggregates = await repo.round_aggregates(
            s, workspace_id="T1", round_ids=[first.id, second.id, empty.id, foreign.id]
        )
        nothing = await repo.round_aggregates(s, workspace_id="T1", round_ids=[])

    assert nothing == {}
    assert aggregates[first.id].tallies[W] == Tally(yes=2)
    assert aggregates[first.id].respondents == 2
    assert aggregates[second.id].tallies[W] == Tally(no=1)
    assert aggregates[second.id].respondents == 1
    # No answers (or another workspace's answers): zero everywhere, every circle present.
    for round_id in (empty.id, foreign.id):
        assert aggregates[round_id] == repo.RoundAggregate(
            round_id=round_id,
            tallies={c: Tally() for c in (W, H, D)},
            respondents=0,
            asked=0,
            notes=0,
            internal_customer_notes=0,
        )
