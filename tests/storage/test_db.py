"""SQLite under concurrent writers: transactions queue for the lock instead of failing.

Each writer holds its transaction open across an ``await`` so that the others really contend
for the write lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from storage import aggregates, ledger, rounds, teams
from storage.db import Database
from tests.support.databases import DatabaseFactory

WRITERS = 20


async def _write(db: Database, clock: FrozenClock, *, team_id: int, round_id: int, n: int) -> None:
    """One write transaction that reads, pauses, then writes twice."""
    async with db.write() as s:
        await teams.get_team(s, workspace_id="T1", team_id=team_id)
        await asyncio.sleep(0.005)
        await ledger.record_event(s, workspace_id="T1", event_id=f"Ev{n}", now=clock.now())
        await rounds.upsert_answer(
            s,
            workspace_id="T1",
            round_id=round_id,
            user_id=f"U{n}",
            circle=Circle.WHAT,
            value=AnswerValue.YES,
            now=clock.now(),
        )


async def _read(db: Database, *, round_id: int) -> int:
    async with db.read() as s:
        found = await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[round_id])
    return found[round_id].respondents


async def _seed(db: Database, clock: FrozenClock) -> tuple[int, int]:
    async with db.write() as s:
        team, _ = await teams.upsert_team(
            s, workspace_id="T1", channel_id="C1", name="alpha", tz="UTC", now=clock.now()
        )
        rnd, _ = await rounds.open_round(
            s, workspace_id="T1", team_id=team.id, period="p1", now=clock.now()
        )
    return team.id, rnd.id


async def _stored_counts(db: Database) -> tuple[int, int]:
    async with db.read() as s:
        events = (await s.execute(text("SELECT count(*) FROM processed_event"))).scalar_one()
        answers = (await s.execute(text("SELECT count(*) FROM answer"))).scalar_one()
    return int(events), int(answers)


async def test_concurrent_writes_through_one_database(
    databases: DatabaseFactory, clock: FrozenClock
) -> None:
    db = Database(await databases.create("sqlite"))
    try:
        team_id, round_id = await _seed(db, clock)

        await asyncio.gather(
            *(_write(db, clock, team_id=team_id, round_id=round_id, n=n) for n in range(WRITERS)),
            *(_read(db, round_id=round_id) for _ in range(5)),
        )

        assert await _stored_counts(db) == (WRITERS, WRITERS)
        assert await _read(db, round_id=round_id) == WRITERS
    finally:
        await db.dispose()


async def test_concurrent_writes_through_two_databases_on_one_file(
    databases: DatabaseFactory, clock: FrozenClock
) -> None:
    # Two Database objects on one file stand for two processes sharing it.
    url = await databases.create("sqlite")
    first, second = Database(url), Database(url)
    try:
        team_id, round_id = await _seed(first, clock)

        await asyncio.gather(
            *(
                _write(first if n % 2 else second, clock, team_id=team_id, round_id=round_id, n=n)
                for n in range(WRITERS)
            ),
            *(_read(second, round_id=round_id) for _ in range(5)),
        )

        assert await _stored_counts(first) == (WRITERS, WRITERS)
        assert await _stored_counts(second) == (WRITERS, WRITERS)
    finally:
        await first.dispose()
        await second.dispose()


async def test_a_new_file_switches_to_wal_while_another_process_is_writing(
    tmp_path: Path,
) -> None:
    # A replica starting while another one migrates the fresh file: SQLite refuses the switch
    # to WAL at once (no busy timeout) while the other holds the write lock.
    path = tmp_path / "fresh.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("CREATE TABLE t (x INTEGER)")
    other.execute("BEGIN IMMEDIATE")
    other.execute("INSERT INTO t VALUES (1)")
    asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
    db = Database(f"sqlite+aiosqlite:///{path}")
    try:
        async with db.write() as s:
            await s.execute(text("INSERT INTO t VALUES (2)"))
        async with db.read() as s:
            mode = (await s.execute(text("PRAGMA journal_mode"))).scalar_one()
            rows = (await s.execute(text("SELECT x FROM t ORDER BY x"))).scalars().all()
    finally:
        await db.dispose()
        other.close()

    assert (mode, rows) == ("wal", [1, 2])
