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
from bot.domain.circles import ANSWER_VALUES, CIRCLES
from bot.domain.model import DeliveryStatus, Team
from storage import aggregates
from storage import repository as repo
from storage import scheduling as sched
from storage.db import Database
from tests.storage.conftest import TeamMaker


async def _history(
    db: Database,
    clock: FrozenClock,
    team: Team,
    *,
    rounds: int,
    members: list[str],
    rng: random.Random,
    answered: bool = True,
) -> None:
    """``rounds`` rounds (the last one left open), a delivery per member, random answers."""
    ws = team.workspace_id
    for number in range(rounds):
        # Two rounds in one instant: the newest-first order falls back on the id.
        if number != 1:
            clock.advance(timedelta(days=7))
        async with db.write() as s:
            rnd, _ = await repo.open_round(
                s, workspace_id=ws, team_id=team.id, period=f"p{number}", now=clock.now()
            )
            await repo.create_deliveries(
                s, workspace_id=ws, round_id=rnd.id, user_ids=members, now=clock.now()
            )
            for user in members:
                if rng.random() < 0.2:
                    await repo.mark_delivery_failed(
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
                        await repo.upsert_answer(
                            s,
                            workspace_id=ws,
                            round_id=rnd.id,
                            user_id=user,
                            circle=circle,
                            value=rng.choice(ANSWER_VALUES),
                            now=clock.now(),
                        )
                    if rng.random() < 0.2:
                        await repo.upsert_note(
                            s,
                            workspace_id=ws,
                            round_id=rnd.id,
                            user_id=user,
                            circle=circle,
                            note="evidence",
                            internal_customer=rng.random() < 0.5,
                            now=clock.now(),
                        )
            if number < rounds - 1:
                await repo.close_round(s, workspace_id=ws, round_id=rnd.id, now=clock.now())


async def _members(db: Database, clock: FrozenClock, team: Team, users: list[str]) -> None:
    async with db.write() as s:
        for user in users:
            await repo.upsert_member(
                s, workspace_id=team.workspace_id, user_id=user, name=user, tz=None, now=clock.now()
            )
        await repo.set_team_members(
            s, workspace_id=team.workspace_id, team_id=team.id, user_ids=users, now=clock.now()
        )


async def _per_round(
    db: Database, team: Team, *, limit: int
) -> tuple[list[aggregates.RoundFigures], int]:
    """The reference: one query per round and per team, as status did before."""
    ws = team.workspace_id
    async with db.read() as s:
        rounds = await repo.recent_rounds(s, workspace_id=ws, team_id=team.id, limit=limit)
        figures = []
        for rnd in rounds:
            (aggregate,) = (
                await repo.round_aggregates(s, workspace_id=ws, round_ids=[rnd.id])
            ).values()
            failed = (await sched.delivery_counts(s, workspace_id=ws, round_id=rnd.id))[
                DeliveryStatus.FAILED
            ]
            figures.append(
                aggregates.RoundFigures(round=rnd, aggregate=aggregate, failed_deliveries=failed)
            )
        members = await repo.count_team_members(s, workspace_id=ws, team_id=team.id)
    return figures, members


async def test_team_figures_equal_the_per_round_aggregates(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    rng = random.Random(11)
    busy = await new_team(channel_id="C1", name="busy")
    quiet = await new_team(channel_id="C2", name="quiet")
    roundless = await new_team(channel_id="C3", name="roundless")
    foreign = await new_team(workspace_id="T2", channel_id="C1", name="foreign")
    people = [f"U{i}" for i in range(8)]
    await _members(db, clock, busy, people[:6])
    await _members(db, clock, quiet, people[4:])
    await _members(db, clock, roundless, people[:2])
    await _members(db, clock, foreign, people)
    async with db.write() as s:  # one member leaves the team, one leaves the workspace
        await repo.remove_team_member(s, workspace_id="T1", team_id=busy.id, user_id="U0")
        await repo.upsert_member(
            s, workspace_id="T1", user_id="U5", name="U5", tz=None, now=clock.now(), active=False
        )
    await _history(db, clock, busy, rounds=7, members=people[:6], rng=rng)
    await _history(db, clock, quiet, rounds=2, members=people[4:], rng=rng, answered=False)
    await _history(db, clock, foreign, rounds=3, members=people, rng=rng)

    for limit in (1, 5, 10):
        async with db.read() as s:
            workspace = await aggregates.team_figures(s, workspace_id="T1", limit=limit)
            some = await aggregates.team_figures(
                s, workspace_id="T1", limit=limit, team_ids=[busy.id, roundless.id]
            )
            counts = await aggregates.member_counts(s, workspace_id="T1")
        for team in (busy, quiet):
            rounds, members = await _per_round(db, team, limit=limit)
            assert workspace[team.id] == aggregates.TeamFigures(rounds=rounds, members=members)
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
