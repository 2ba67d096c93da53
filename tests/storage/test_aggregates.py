"""The set-based status aggregates equal the per-round ones, on both databases.

``team_figures`` answers for a whole workspace in one statement (each team's last rounds off an
index, their answers and deliveries grouped in SQL). Here it is compared, number by number,
with the per-round path: ``recent_rounds`` per team, ``round_aggregates`` per round,
``delivery_counts`` per round and ``count_team_members`` per team.
"""

from __future__ import annotations

import random
from datetime import timedelta

from bot.clock import FrozenClock
from bot.domain.circles import ANSWER_VALUES, CIRCLES, AnswerValue, Circle
from bot.domain.model import DeliveryStatus, Team
from bot.domain.scoring import Tally
from storage import aggregates, ledger, people, rounds, teams
from storage.db import Database
from tests.storage.conftest import (
    DeliveryMaker,
    RoundMaker,
    TeamMaker,
    add_answer,
    add_note,
    insert_deliveries,
)
from tests.support.rows import close_round, delivery_counts

W, H, D = Circle.WHAT, Circle.HOW, Circle.DELIVER
YES, PARTLY, NO = AnswerValue.YES, AnswerValue.PARTLY, AnswerValue.NO
NOT_SURE = AnswerValue.NOT_SURE


async def _history(
    db: Database,
    clock: FrozenClock,
    team: Team,
    *,
    periods: int,
    members: list[str],
    rng: random.Random,
    answered: bool = True,
) -> None:
    """``periods`` rounds (the last one left open), a delivery per member, random answers.

    The deliveries are raw rows for every one of ``members``, in the team or not any more: the
    aggregates count what the ledger holds, whoever it was for.
    """
    ws = team.workspace_id
    for number in range(periods):
        # Two rounds in one instant: the newest-first order falls back on the id.
        if number != 1:
            clock.advance(timedelta(days=7))
        async with db.write() as s:
            rnd, _ = await rounds.open_round(
                s, workspace_id=ws, team_id=team.id, period=f"p{number}", now=clock.now()
            )
            await insert_deliveries(s, rnd, members, now=clock.now())
            for user in members:
                if rng.random() < 0.2:
                    await ledger.mark_failed(
                        s,
                        workspace_id=ws,
                        round_id=rnd.id,
                        user_id=user,
                        error="x",
                        now=clock.now(),
                    )
                if not answered or rng.random() < 0.2:
                    continue  # this member did not answer
                for circle in CIRCLES:
                    if rng.random() < 0.8:
                        await rounds.upsert_answer(
                            s,
                            workspace_id=ws,
                            round_id=rnd.id,
                            user_id=user,
                            circle=circle,
                            value=rng.choice(ANSWER_VALUES),
                            now=clock.now(),
                        )
                    if rng.random() < 0.2:
                        await rounds.upsert_note(
                            s,
                            workspace_id=ws,
                            round_id=rnd.id,
                            user_id=user,
                            circle=circle,
                            note="evidence",
                            internal_customer=rng.random() < 0.5,
                            now=clock.now(),
                        )
            if number < periods - 1:
                await close_round(s, workspace_id=ws, round_id=rnd.id, now=clock.now())


async def _members(db: Database, clock: FrozenClock, team: Team, users: list[str]) -> None:
    async with db.write() as s:
        for user in users:
            await people.upsert_member(
                s, workspace_id=team.workspace_id, user_id=user, name=user, tz=None, now=clock.now()
            )
        await teams.set_team_members(
            s, workspace_id=team.workspace_id, team_id=team.id, user_ids=users, now=clock.now()
        )


async def _per_round(
    db: Database, team: Team, *, limit: int
) -> tuple[list[aggregates.RoundFigures], int]:
    """The reference: one query per round and per team, as status did before."""
    ws = team.workspace_id
    async with db.read() as s:
        recent = await rounds.recent_rounds(s, workspace_id=ws, team_id=team.id, limit=limit)
        figures = []
        for rnd in recent:
            (aggregate,) = (
                await aggregates.round_aggregates(s, workspace_id=ws, round_ids=[rnd.id])
            ).values()
            failed = (await delivery_counts(s, workspace_id=ws, round_id=rnd.id))[
                DeliveryStatus.FAILED
            ]
            figures.append(
                aggregates.RoundFigures(round=rnd, aggregate=aggregate, failed_deliveries=failed)
            )
        members = await teams.count_team_members(s, workspace_id=ws, team_id=team.id)
    return figures, members


async def test_team_figures_equal_the_per_round_aggregates(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    rng = random.Random(11)  # noqa: S311, RUF100 (seeded test data, no secret; S is opt-in)
    busy = await new_team(channel_id="C1", name="busy")
    quiet = await new_team(channel_id="C2", name="quiet")
    roundless = await new_team(channel_id="C3", name="roundless")
    foreign = await new_team(workspace_id="T2", channel_id="C1", name="foreign")
    users = [f"U{i}" for i in range(8)]
    await _members(db, clock, busy, users[:6])
    await _members(db, clock, quiet, users[4:])
    await _members(db, clock, roundless, users[:2])
    await _members(db, clock, foreign, users)
    async with db.write() as s:  # one member leaves the team, one leaves the workspace
        await teams.remove_team_member(s, workspace_id="T1", team_id=busy.id, user_id="U0")
        await people.upsert_member(
            s, workspace_id="T1", user_id="U5", name="U5", tz=None, now=clock.now(), active=False
        )
    await _history(db, clock, busy, periods=7, members=users[:6], rng=rng)
    await _history(db, clock, quiet, periods=2, members=users[4:], rng=rng, answered=False)
    await _history(db, clock, foreign, periods=3, members=users, rng=rng)

    for limit in (1, 5, 10):
        async with db.read() as s:
            workspace = await aggregates.team_figures(s, workspace_id="T1", limit=limit)
            some = await aggregates.team_figures(
                s, workspace_id="T1", limit=limit, team_ids=[busy.id, roundless.id]
            )
            counts = await aggregates.member_counts(s, workspace_id="T1")
        for team in (busy, quiet):
            figures, members = await _per_round(db, team, limit=limit)
            assert workspace[team.id] == aggregates.TeamFigures(rounds=figures, members=members)
        assert some == {busy.id: workspace[busy.id]}
        # A team without rounds has no figures; its members are counted on their own.
        assert roundless.id not in workspace
        assert counts == {busy.id: 4, quiet.id: 3, roundless.id: 2}

    # The reference itself saw what the test set up (so the comparison above is not empty).
    busy_rounds, busy_members = await _per_round(db, busy, limit=10)
    assert [f.round.period for f in busy_rounds] == [f"p{n}" for n in range(7)]
    assert busy_members == 4
    assert sum(f.aggregate.respondents for f in busy_rounds) > 0
    assert sum(f.failed_deliveries for f in busy_rounds) > 0
    assert sum(f.aggregate.notes for f in busy_rounds) > 0


async def test_team_figures_of_nothing_are_empty(db: Database, new_team: TeamMaker) -> None:
    team = await new_team()
    async with db.read() as s:
        assert await aggregates.team_figures(s, workspace_id="T1", limit=5) == {}
        assert await aggregates.team_figures(s, workspace_id="T1", limit=5, team_ids=[]) == {}
        assert (
            await aggregates.team_figures(s, workspace_id="T1", limit=0, team_ids=[team.id]) == {}
        )
        assert await aggregates.member_counts(s, workspace_id="T1", team_ids=[]) == {}
        assert await aggregates.member_counts(s, workspace_id="T1") == {}


# ---------------------------------------------------------------------------------------------
# per-round aggregates


async def test_round_aggregates_count_answers_respondents_and_notes(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    team = await new_team()
    rnd = await new_round(team, "p1")
    await new_deliveries(rnd, ["U1", "U2", "U3", "U4", "U5"])
    async with db.write() as s:
        await ledger.mark_failed(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U5",
            error="channel_not_found",
            now=clock.now(),
        )
    # U1 answers all three, one of them Not sure.
    await add_answer(db, clock, rnd, "U1", W, YES)
    await add_answer(db, clock, rnd, "U1", H, NO)
    await add_answer(db, clock, rnd, "U1", D, NOT_SURE)
    # U2 answers W with an external customer's note, changing the answer once.
    await add_answer(db, clock, rnd, "U2", W, NO)
    await add_answer(db, clock, rnd, "U2", W, PARTLY)
    await add_note(db, clock, rnd, "U2", W, "Acme liked it")
    # U3 only says Not sure: still a respondent.
    await add_answer(db, clock, rnd, "U3", W, NOT_SURE)
    # U4 only leaves an internal-customer note: not a respondent, but a note.
    await add_note(db, clock, rnd, "U4", H, "our sales team reviewed it", internal_customer=True)
    # U1 adds an internal flag without a note text: not counted as a note.
    await add_note(db, clock, rnd, "U1", D, None, internal_customer=True)

    async with db.read() as s:
        found = await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[rnd.id])

    assert found == {
        rnd.id: aggregates.RoundAggregate(
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
    await add_answer(db, clock, first, "U1", W, YES)
    await add_answer(db, clock, first, "U2", W, YES)
    second = await new_round(team, "p2")
    await add_answer(db, clock, second, "U1", W, NO)
    empty = await new_round(team, "p3")
    foreign = await new_round(await new_team(workspace_id="T2", channel_id="C9"), "p1")
    await add_answer(db, clock, foreign, "U7", W, YES)

    async with db.read() as s:
        found = await aggregates.round_aggregates(
            s, workspace_id="T1", round_ids=[first.id, second.id, empty.id, foreign.id]
        )
        nothing = await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[])

    assert nothing == {}
    assert found[first.id].tallies[W] == Tally(yes=2)
    assert found[first.id].respondents == 2
    assert found[second.id].tallies[W] == Tally(no=1)
    assert found[second.id].respondents == 1
    # No answers (or another workspace's answers): zero everywhere, every circle present.
    for round_id in (empty.id, foreign.id):
        assert found[round_id] == aggregates.RoundAggregate(
            round_id=round_id,
            tallies={c: Tally() for c in (W, H, D)},
            respondents=0,
            asked=0,
            notes=0,
            internal_customer_notes=0,
        )
