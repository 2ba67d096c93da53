"""The scheduler's due work (``storage.due``) on both databases: next due times, the scans
for what is due, the compare-and-set claims and the idle check."""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from itertools import combinations
from typing import Any

import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.domain.model import Team
from storage import due, ledger, rounds, teams
from storage.db import Database
from storage.tables import metadata
from tests.storage.conftest import DeliveryMaker, RoundMaker, RowReader, TeamMaker
from tests.support.rows import close_round

MINUTE = timedelta(minutes=1)


async def _team_with_due_times(
    db: Database,
    team: Team,
    *,
    pulse: datetime | None = None,
    reminder: datetime | None = None,
    close: datetime | None = None,
) -> None:
    async with db.write() as s:
        await due.set_next_pulse(s, workspace_id=team.workspace_id, team_id=team.id, pulse_at=pulse)
        await due.set_round_times(
            s, workspace_id=team.workspace_id, team_id=team.id, reminder_at=reminder, close_at=close
        )


async def test_due_scans_find_teams_whose_time_has_come(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    now = clock.now()
    ready = await new_team(channel_id="C1", name="due")
    later = await new_team(channel_id="C2", name="later")
    other_workspace = await new_team(workspace_id="T2", channel_id="C1", name="elsewhere")
    await _team_with_due_times(db, ready, pulse=now, reminder=now - MINUTE, close=now)
    await _team_with_due_times(db, later, pulse=now + MINUTE, reminder=now + MINUTE)
    await _team_with_due_times(db, other_workspace, pulse=now - MINUTE)

    async with db.read() as s:
        pulses = await due.teams_due_to_pulse(s, now=now, limit=10)
        reminders = await due.teams_due_to_remind(s, now=now, limit=10)
        closes = await due.teams_due_to_close(s, now=now, limit=10)

    # Oldest first, across workspaces: the tick serves every workspace.
    assert [(d.team.name, d.due_at) for d in pulses] == [("elsewhere", now - MINUTE), ("due", now)]
    assert [(d.team.name, d.due_at) for d in reminders] == [("due", now - MINUTE)]
    assert [(d.team.name, d.due_at) for d in closes] == [("due", now)]


async def test_a_disabled_schedule_is_never_due_to_pulse(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    team = await new_team()
    await _team_with_due_times(db, team, pulse=clock.now() - MINUTE)
    async with db.write() as s:
        await s.execute(text("UPDATE team SET schedule_enabled = false"))
    async with db.read() as s:
        assert await due.teams_due_to_pulse(s, now=clock.now(), limit=10) == []
        assert await due.teams_without_next_pulse(s, limit=10) == []


async def test_claiming_a_pulse_has_one_winner_among_concurrent_claimers(
    db_url: str, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    seen = clock.now() - MINUTE
    following = seen + timedelta(weeks=1)
    replicas = [Database(db_url) for _ in range(4)]
    try:
        async with replicas[0].write() as s:
            await due.set_next_pulse(s, workspace_id="T1", team_id=team.id, pulse_at=seen)

        async def claim(replica: Database) -> bool:
            async with replica.write() as s:
                return await due.claim_pulse(
                    s, workspace_id="T1", team_id=team.id, seen=seen, next_pulse_at=following
                )

        outcomes = await asyncio.gather(*(claim(r) for r in replicas))
    finally:
        for replica in replicas:
            await replica.dispose()

    assert sorted(outcomes) == [False, False, False, True]
    assert [r["next_pulse_at"] for r in await rows("team")] == [following]


async def test_a_claimed_close_or_reminder_is_cleared_once(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    now = clock.now()
    await _team_with_due_times(db, team, reminder=now, close=now)
    async with db.write() as s:
        assert await due.claim_reminder(s, workspace_id="T1", team_id=team.id, seen=now)
        assert not await due.claim_reminder(s, workspace_id="T1", team_id=team.id, seen=now)
        # The wrong workspace never claims another's team.
        assert not await due.claim_close(s, workspace_id="T2", team_id=team.id, seen=now)
        assert await due.claim_close(s, workspace_id="T1", team_id=team.id, seen=now)
    stored = (await rows("team"))[0]
    assert (stored["next_reminder_at"], stored["next_close_at"]) == (None, None)


async def test_arming_gives_a_next_pulse_only_to_a_team_without_one(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    team = await new_team()
    now = clock.now()
    async with db.read() as s:
        assert await due.teams_without_next_pulse(s, limit=10) == [team]
    async with db.write() as s:
        armed = await due.set_next_pulse(
            s, workspace_id="T1", team_id=team.id, pulse_at=now, only_if_unset=True
        )
        again = await due.set_next_pulse(
            s, workspace_id="T1", team_id=team.id, pulse_at=now + MINUTE, only_if_unset=True
        )
    assert (armed, again) == (True, False)
    async with db.read() as s:
        assert await due.teams_without_next_pulse(s, limit=10) == []
        runs = await due.next_runs(s, workspace_id="T1", team_id=team.id)
        assert await due.next_runs(s, workspace_id="T2", team_id=team.id) is None
    assert runs == due.NextRuns(pulse_at=now, reminder_at=None, close_at=None)


async def test_pending_work_says_which_steps_have_something_to_do(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    now = clock.now()
    window: dict[str, Any] = {
        "now": now,
        "closed_since": now - timedelta(days=8),
        "stale_before": now - timedelta(minutes=10),
    }
    idle = due.PendingWork(
        arm=False, close=False, pulse=False, remind=False, send=False, digest=False
    )

    async def pending() -> due.PendingWork:
        async with db.read() as s:
            return await due.pending_work(s, **window)

    assert await pending() == idle
    assert not idle
    team = await new_team()  # scheduled, with no next pulse yet
    assert await pending() == due.PendingWork(
        arm=True, close=False, pulse=False, remind=False, send=False, digest=False
    )
    await _team_with_due_times(db, team, pulse=now)
    assert await pending() == due.PendingWork(
        arm=False, close=False, pulse=True, remind=False, send=False, digest=False
    )
    await _team_with_due_times(db, team, pulse=now + MINUTE, reminder=now, close=now)
    assert await pending() == due.PendingWork(
        arm=False, close=True, pulse=False, remind=True, send=False, digest=False
    )
    await _team_with_due_times(db, team, pulse=now + MINUTE)
    rnd = await new_round(team, "p1")
    await new_deliveries(rnd, ["U1"])
    assert await pending() == due.PendingWork(
        arm=False, close=False, pulse=False, remind=False, send=True, digest=False
    )
    async with db.write() as s:
        await close_round(s, workspace_id="T1", round_id=rnd.id, now=now)
    # A closed round sends nothing more; its digest is due.
    assert await pending() == due.PendingWork(
        arm=False, close=False, pulse=False, remind=False, send=False, digest=True
    )
    async with db.write() as s:
        await ledger.claim_digest(
            s, workspace_id="T1", round_id=rnd.id, channel_id="C1", now=now, stale_before=now
        )
    assert await pending() == idle


# ---------------------------------------------------------------------------------------------
# replicas: concurrent claims, an order of their own each


class _DiedError(Exception):
    """The claimer's process died before it committed."""


Claim = Callable[[AsyncSession, Team, datetime], Awaitable[bool]]
CLAIMS: dict[str, Claim] = {
    "pulse": lambda s, team, seen: due.claim_pulse(
        s, workspace_id="T1", team_id=team.id, seen=seen, next_pulse_at=seen + timedelta(weeks=1)
    ),
    "reminder": lambda s, team, seen: due.claim_reminder(
        s, workspace_id="T1", team_id=team.id, seen=seen
    ),
    "close": lambda s, team, seen: due.claim_close(
        s, workspace_id="T1", team_id=team.id, seen=seen
    ),
    "arm": lambda s, team, seen: due.set_next_pulse(
        s, workspace_id="T1", team_id=team.id, pulse_at=seen, only_if_unset=True
    ),
}


@pytest.mark.parametrize("kind", list(CLAIMS))
async def test_on_postgresql_a_due_time_being_claimed_is_passed_over_not_waited_for(
    kind: str, dialect: str, db_url: str, clock: FrozenClock, new_team: TeamMaker
) -> None:
    if dialect == "sqlite":
        pytest.skip("SQLite serialises writers: a second claimer waits its turn by design")
    claim, now = CLAIMS[kind], clock.now()
    team = await new_team()
    first, second = Database(db_url), Database(db_url)

    async def claimed_by_second() -> bool:
        async with second.write() as s:
            return await asyncio.wait_for(claim(s, team, now), timeout=5)

    try:
        if kind != "arm":
            await _team_with_due_times(first, team, pulse=now, reminder=now, close=now)
        # A transaction that only refers to the team (a new round) holds no claim on it.
        with contextlib.suppress(_DiedError):
            async with first.write() as s:
                await rounds.open_round(s, workspace_id="T1", team_id=team.id, period="p", now=now)
                assert await claimed_by_second() is True
                raise _DiedError
        if kind != "arm":
            await _team_with_due_times(first, team, pulse=now, reminder=now, close=now)
        else:
            await _team_with_due_times(first, team)
        # A claimer that has not committed: the other passes over the team at once...
        with contextlib.suppress(_DiedError):
            async with first.write() as s:
                assert await claim(s, team, now) is True
                assert await claimed_by_second() is False
                raise _DiedError  # ... and the claimer dies before it commits
        # The due time stayed: the next tick claims it.
        assert await claimed_by_second() is True
    finally:
        await first.dispose()
        await second.dispose()


async def _open_rounds_waiting(db: Database, clock: FrozenClock, count: int) -> list[int]:
    """``count`` teams, each with an open round (the later the id, the older) and a DM to send.

    Raw rows in bulk: a thousand rounds through the product's path take too long for a test.
    """
    now, t = clock.now(), metadata.tables
    async with db.write() as s:
        await teams.ensure_workspace(s, workspace_id="T1", now=now)
        await s.execute(
            insert(t["team"]),
            [
                {
                    "workspace_id": "T1",
                    "channel_id": f"C{i:04d}",
                    "name": f"t{i}",
                    "created_at": now,
                }
                for i in range(count)
            ],
        )
        team_ids = (await s.execute(select(t["team"].c.id).order_by("id"))).scalars().all()
        await s.execute(
            insert(t["round"]),
            [
                {"workspace_id": "T1", "team_id": team_id, "period": "p", "number": 1}
                | {"opened_at": now - timedelta(seconds=i)}
                for i, team_id in enumerate(team_ids)
            ],
        )
        round_ids = list((await s.execute(select(t["round"].c.id).order_by("id"))).scalars())
        await s.execute(
            insert(t["delivery"]),
            [
                {"workspace_id": "T1", "round_id": r, "user_id": "U1", "status": "pending"}
                | {"attempts": 0, "updated_at": now}
                for r in round_ids
            ],
        )
    return round_ids


async def test_replicas_with_different_seeds_start_on_different_rounds(
    db: Database, clock: FrozenClock
) -> None:
    waiting = await _open_rounds_waiting(db, clock, 1000)

    async def to_send(seed: int | None, limit: int = 100) -> list[int]:
        async with db.read() as s:
            found = await due.rounds_to_send(s, now=clock.now(), limit=limit, seed=seed)
        return [f.round.id for f in found]

    # No seed: the oldest round first, as before.
    assert await to_send(None) == waiting[::-1][:100]
    # Three replicas (seeds 0, 1, 2) each take a first batch of 100: no round in two of them.
    batches = [await to_send(seed) for seed in (0, 1, 2)]
    assert all(not set(a) & set(b) for a, b in combinations(batches, 2))
    # A seed's order is the same each time, and holds every waiting round once.
    assert await to_send(1) == batches[1]
    assert sorted(await to_send(1, limit=2000)) == waiting


async def test_a_seed_orders_the_rounds_awaiting_a_digest_too(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    closed: list[int] = []
    for week in range(30):
        rnd = await new_round(team, f"p{week}")
        clock.advance(timedelta(minutes=1))
        async with db.write() as s:
            await close_round(s, workspace_id="T1", round_id=rnd.id, now=clock.now())
        closed.append(rnd.id)

    async def awaiting(seed: int | None, limit: int = 5) -> list[int]:
        now = clock.now()
        async with db.read() as s:
            found = await due.rounds_awaiting_digest(
                s, closed_since=now - timedelta(days=8), stale_before=now, limit=limit, seed=seed
            )
        return [f.round.id for f in found]

    assert await awaiting(None) == closed[:5]  # the earliest closed first
    assert await awaiting(0) != await awaiting(1)
    assert sorted(await awaiting(1, limit=50)) == closed


# ---------------------------------------------------------------------------------------------
# the plans: every tick query reads an index (SQLite's planner needs no statistics to choose)

# Indexes a tick query may read whole: partial ones, holding only what may be due.
PARTIAL_INDEXES = {"ix_team_unarmed", "ix_delivery_pending"}


async def test_on_sqlite_every_tick_query_reads_an_index(
    dialect: str, db: Database, clock: FrozenClock
) -> None:
    if dialect != "sqlite":
        pytest.skip("PostgreSQL plans small tables as table scans; bench/tick_cost.py --explain")
    now = clock.now()
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, params: Any, *_: Any) -> None:
        if sql.lstrip().startswith("SELECT"):
            statements.append((sql, params))

    event.listen(Engine, "before_cursor_execute", capture)
    try:
        async with db.read() as s:
            window: dict[str, Any] = {"closed_since": now - timedelta(days=8), "stale_before": now}
            await due.pending_work(s, now=now, **window)
            await due.teams_without_next_pulse(s, limit=100)
            for scan in (due.teams_due_to_pulse, due.teams_due_to_remind, due.teams_due_to_close):
                await scan(s, now=now, limit=100)
            await due.rounds_to_send(s, now=now, limit=100)
            await due.rounds_to_send(s, now=now, limit=100, seed=7)
            await due.rounds_awaiting_digest(s, **window, limit=100)
    finally:
        event.remove(Engine, "before_cursor_execute", capture)

    assert len(statements) == 8
    whole_reads: list[str] = []
    async with db.read() as s:
        conn = await s.connection()
        for sql, params in statements:
            for *_, detail in await conn.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, params):
                read = re.match(r"SCAN (\w+)(?: USING (?:COVERING )?INDEX (\w+))?", detail)
                if read and read[1] != "CONSTANT" and read[2] not in PARTIAL_INDEXES:
                    whole_reads.append(f"{detail} in {sql[:60]}")
    assert whole_reads == []
