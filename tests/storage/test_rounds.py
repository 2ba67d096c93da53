"""Rounds: numbering, one open round per team, and concurrent openers, on both databases."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.domain.model import Round, Team
from storage import repository as repo
from storage.db import Database
from tests.storage.conftest import RoundMaker, RowReader, TeamMaker


async def _open(
    db: Database, team: Team, period: str, clock: FrozenClock, *, after: float = 0
) -> tuple[Round, bool]:
    """Open a round in its own write transaction, starting ``after`` seconds from now."""
    await asyncio.sleep(after)
    async with db.write() as s:
        return await repo.open_round(
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
        assert await repo.get_open_round(s, workspace_id="T1", team_id=team.id) == second
        closed = await repo.get_round(s, workspace_id="T1", round_id=first.id)
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
        assert await repo.get_open_round(s, workspace_id="T1", team_id=alpha.id) == a2


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
        current = await repo.get_open_round(s, workspace_id="T1", team_id=team.id)
    assert current is not None
    assert current.id == open_rows[0]["id"]
    created_ids = {rnd.id for rnd, created in results if created}
    assert current.id in created_ids


async def test_close_round_only_once(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    team = await new_team()
    rnd = await new_round(team, "p1")
    clock.advance(timedelta(hours=3))
    closed_at = clock.now()

    async with db.write() as s:
        closed = await repo.close_round(s, workspace_id="T1", round_id=rnd.id, now=closed_at)
    clock.advance(timedelta(hours=1))
    async with db.write() as s:
        closed_again = await repo.close_round(
            s, workspace_id="T1", round_id=rnd.id, now=clock.now()
        )
        missing = await repo.close_round(
            s, workspace_id="T1", round_id=rnd.id + 1000, now=clock.now()
        )

    assert (closed, closed_again, missing) == (True, False, False)
    assert [r["closed_at"] for r in await rows("round")] == [closed_at]
    async with db.read() as s:
        assert await repo.get_open_round(s, workspace_id="T1", team_id=team.id) is None


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
        recent = await repo.recent_rounds(s, workspace_id="T1", team_id=team.id, limit=3)

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
        stored = await repo.get_round(s, workspace_id="T1", round_id=rnd.id)

    assert stored is not None
    assert stored.opened_at == clock.now()
    assert stored.opened_at.utcoffset() == timedelta(0)
