"""Tick cost: what the scheduler's tick reads with 100,000 teams and nothing due.

Prints one JSON line per database. Each database (a SQLite file; a scratch database on a
PostgreSQL server given with ``--db-url``) is seeded with ``--teams`` teams in workspaces of
``--per-workspace``, every one as a quiet moment of a live install leaves it:

* schedules on (one team in ten off) with the next pulse in the coming week;
* per team a round closed two weeks ago and one closed in the last days, both with their
  digest posted (a few refused for good, a few being posted right now);
* every other team has an open round, its reminder and close ahead, all DMs sent;
* here and there a DM leased to a live sender, one waiting for its retry time, one left
  pending in a closed round: none of it is due.

Then it times what ``Scheduler.tick`` calls: ``pending`` (``services.due.pending``, the one
query of an idle tick: the headline figure) and each step's scan (arm, close, pulse, remind,
send, digest), which a tick with work runs. The baseline is the same measurement in the same
run on a database of ``--baseline-teams`` (1,000) teams of the same shape: an index lookup
costs the same at both sizes, a scan grows with the teams.

Seeding goes straight to the driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL) at
schema revision ``SEEDED_REVISION``; the later migrations then carry the rows forward, as they
would a production database's (their time is ``migrate_seconds``). PostgreSQL is analysed (as
autovacuum would); SQLite is not (the product never runs ANALYZE).

    python bench/tick_cost.py                                        # SQLite
    python bench/tick_cost.py --db-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
    python bench/tick_cost.py --teams 10000 --explain                # plus each query's plan
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import random
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentile
from bot.clock import FrozenClock
from bot.delivery.scheduler import DIGEST_WINDOW
from bot.services import Services
from storage.db import Database
from storage.migrate import upgrade

GOAL_MS = 50.0
# The schema the seed writes; later migrations carry the rows forward.
SEEDED_REVISION = "0006"
# A Thursday afternoon.
NOW = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)
# ``Settings.send_lease_seconds``' default.
LEASE = timedelta(seconds=120)
COLUMNS = {
    table: tuple(names.split())
    for table, names in {
        "workspace": "id name installed_at",
        "team": "id workspace_id channel_id name tz threshold min_respondents schedule_enabled"
        " pulse_weekday pulse_time reminder_enabled reminder_weekday reminder_time"
        " close_weekday close_time every_weeks next_pulse_at next_reminder_at next_close_at"
        " created_at",
        "round": "id workspace_id team_id period number opened_at closed_at reminded_at",
        "delivery": "workspace_id round_id user_id status channel_id message_ts error attempts"
        " lease_owner lease_until updated_at",
        "digest": "workspace_id round_id channel_id status message_ts claimed_at posted_at",
    }.items()
}
Rows = dict[str, list[dict[str, Any]]]
CREATED = NOW - timedelta(days=400)

# ---------------------------------------------------------------------------------------------
# seeding


def _rows(*, teams: int, per_workspace: int, members: int, batch: int = 2000) -> Iterator[Rows]:
    """Rows per table (column: value), ``batch`` teams at a time, ids assigned here."""
    rng = random.Random(13)

    def minutes(low: int, high: int) -> timedelta:
        return timedelta(minutes=rng.randint(low, high))

    round_id = 0
    for first in range(0, teams, batch):
        out: Rows = {table: [] for table in COLUMNS}
        for i in range(first, min(first + batch, teams)):
            team_id, ws, channel = i + 1, f"TW{i // per_workspace:07d}", f"C{i + 1:08d}"
            if i % per_workspace == 0:
                out["workspace"].append({"id": ws, "name": ws.lower(), "installed_at": CREATED})
            scheduled, has_open = i % 10 != 9, i % 2 == 0
            out["team"].append(
                _team(team_id, ws, channel, scheduled=scheduled)
                | {
                    "next_pulse_at": NOW + minutes(60, 7 * 24 * 60) if scheduled else None,
                    "next_reminder_at": NOW + minutes(60, 1200) if i % 4 == 0 else None,
                    "next_close_at": NOW + minutes(21 * 60, 90 * 60) if has_open else None,
                }
            )
            spans: list[tuple[datetime, datetime | None]] = [
                (NOW - timedelta(days=15), NOW - timedelta(days=11)),
                (NOW - timedelta(days=8), NOW - minutes(60, 6 * 24 * 60)),
            ]
            if has_open:
                spans.append((NOW - minutes(60, 23 * 60), None))
            for number, (opened, closed) in enumerate(spans, start=1):
                round_id += 1
                out["round"].append(
                    {
                        "id": round_id,
                        "workspace_id": ws,
                        "team_id": team_id,
                        "period": f"p{number}",
                        "number": number,
                        "opened_at": opened,
                        "closed_at": closed,
                        "reminded_at": None,
                    }
                )
                base = {"workspace_id": ws, "round_id": round_id, "attempts": 1}
                for m in range(members):
                    user = f"U{team_id:07d}{m:02d}"
                    out["delivery"].append(
                        base
                        | _delivery(user, "sent", opened + timedelta(minutes=1))
                        | {"channel_id": f"D{user}", "message_ts": "1.1", "lease_owner": "bench"}
                    )
                if i % 997 == 0:
                    out["delivery"] += [base | d for d in _not_due(round_id, open_=not closed)]
                if closed is not None:
                    out["digest"].append(_digest(ws, round_id, channel, i, number, closed))
        yield out


def _team(team_id: int, ws: str, channel: str, *, scheduled: bool) -> dict[str, Any]:
    return {
        "id": team_id,
        "workspace_id": ws,
        "channel_id": channel,
        "name": f"team-{team_id}",
        "tz": "UTC",
        "threshold": 0.5,
        "min_respondents": 3,
        "schedule_enabled": scheduled,
        "pulse_weekday": 3,
        "pulse_time": "15:00",
        "reminder_enabled": True,
        "reminder_weekday": 4,
        "reminder_time": "11:00",
        "close_weekday": 0,
        "close_time": "10:00",
        "every_weeks": 1,
        "created_at": CREATED,
    }


def _delivery(user: str, status: str, at: datetime, **values: Any) -> dict[str, Any]:
    return {
        "user_id": user,
        "status": status,
        "channel_id": None,
        "message_ts": None,
        "error": None,
        "lease_owner": None,
        "lease_until": None,
        "updated_at": at,
    } | values


def _not_due(round_id: int, *, open_: bool) -> list[dict[str, Any]]:
    """Pending DMs that are not due: leased to a live sender or waiting for their retry time
    (in open rounds), or left pending when their round closed; and one refused for good."""
    user = f"UX{round_id:08d}"
    if not open_:
        return [_delivery(user, "pending", NOW, attempts=0)]
    return [
        _delivery(user + "a", "pending", NOW, lease_owner="live", lease_until=NOW + LEASE),
        _delivery(user + "b", "pending", NOW, error="ratelimited", lease_until=NOW + LEASE),
        _delivery(user + "c", "failed", NOW, error="not_in_channel"),
    ]


def _digest(
    ws: str, round_id: int, channel: str, i: int, number: int, closed: datetime
) -> dict[str, Any]:
    posted = closed + timedelta(minutes=1)
    row = {"workspace_id": ws, "round_id": round_id, "channel_id": channel}
    if number == 2 and i % 1009 == 0:  # being posted right now
        return row | {"status": "claimed", "message_ts": None, "claimed_at": NOW, "posted_at": None}
    if i % 101 == 0:  # refused for good (e.g. the bot left the channel)
        return row | {
            "status": "failed",
            "message_ts": None,
            "claimed_at": posted,
            "posted_at": None,
        }
    return row | {
        "status": "posted",
        "message_ts": "2.2",
        "claimed_at": posted,
        "posted_at": posted,
    }


def _tuples(table: str, rows: list[dict[str, Any]], value: Callable[[Any], Any]) -> list[Any]:
    return [tuple(value(row[c]) for c in COLUMNS[table]) for row in rows]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLAlchemy's SQLite DATETIME text, in UTC
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def seed_sqlite(path: str, **shape: int) -> dict[str, int]:
    counts = dict.fromkeys(COLUMNS, 0)
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        for batch in _rows(**shape):
            for table, rows in batch.items():
                columns, marks = ", ".join(COLUMNS[table]), ", ".join("?" for _ in COLUMNS[table])
                connection.executemany(
                    f'INSERT INTO "{table}" ({columns}) VALUES ({marks})',
                    _tuples(table, rows, _sqlite_value),
                )
                counts[table] += len(rows)
        connection.execute("COMMIT")
    finally:
        connection.close()
    return counts


async def seed_postgres(url: str, **shape: int) -> dict[str, int]:
    counts = dict.fromkeys(COLUMNS, 0)
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            for batch in _rows(**shape):
                for table, rows in batch.items():
                    if rows:
                        await raw.copy_records_to_table(
                            table,
                            records=_tuples(table, rows, lambda v: v),
                            columns=list(COLUMNS[table]),
                        )
                    counts[table] += len(rows)
    finally:
        await engine.dispose()
    return counts


async def analyze_postgres(url: str) -> None:
    engine = create_async_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


@asynccontextmanager
async def scratch_database(url: str, folder: Path, name: str) -> AsyncIterator[str]:
    """A new empty database: a file in ``folder`` for ``sqlite``, else one on the PostgreSQL
    server of ``url`` (the database ``url`` names is never touched), dropped afterwards."""
    if url == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / (name + '.db')}"
        return
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    scratch = f"sdo_bench_{name}_{secrets.token_hex(4)}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{scratch}" TEMPLATE template0'))
        try:
            yield make_url(url).set(database=scratch).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)'))
    finally:
        await admin.dispose()


# ---------------------------------------------------------------------------------------------
# timing and plans


def _tick_calls(services: Services) -> dict[str, Callable[[], Awaitable[Any]]]:
    """What ``Scheduler.tick`` calls: the idle check, then each step's scan."""
    due = services.due
    return {
        "pending": lambda: due.pending(digest_within=DIGEST_WINDOW, lease=LEASE),
        "arm": due.arm,
        "close": due.close_rounds,
        "pulse": due.open_pulses,
        "remind": due.claim_reminders,
        "send": due.rounds_to_send,
        "digest": lambda: due.rounds_awaiting_digest(within=DIGEST_WINDOW, lease=LEASE),
    }


async def measure(url: str, *, runs: int) -> dict[str, list[float]]:
    """Milliseconds of each tick call, ``runs`` times, interleaved, after warm-up calls."""
    db = Database(url)
    try:
        calls = _tick_calls(Services(db=db, clock=FrozenClock(NOW)))
        for name, call in calls.items():
            for _ in range(3):  # the planner, prepared statements
                if result := await call():
                    raise RuntimeError(f"the seed left work due: {name} -> {result!r}"[:300])
        samples: dict[str, list[float]] = {name: [] for name in calls}
        for _ in range(runs):
            for name, call in calls.items():
                started = time.perf_counter()
                await call()
                samples[name].append((time.perf_counter() - started) * 1000)
        return samples
    finally:
        await db.dispose()


async def plans(url: str) -> list[dict[str, Any]]:
    """The plan of every SELECT the tick calls run (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE)."""
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append((statement, params))

    db = Database(url)
    out: list[dict[str, Any]] = []
    try:
        for name, call in _tick_calls(Services(db=db, clock=FrozenClock(NOW))).items():
            seen.clear()
            event.listen(Engine, "before_cursor_execute", capture)
            try:
                await call()
            finally:
                event.remove(Engine, "before_cursor_execute", capture)
            explain = (
                "EXPLAIN QUERY PLAN " if db.dialect == "sqlite" else "EXPLAIN (ANALYZE, COSTS OFF) "
            )
            for statement, params in list(seen):
                async with db.read() as s:
                    conn = await s.connection()
                    result = await conn.exec_driver_sql(explain + statement, params)
                    lines = [" ".join(str(v) for v in row[-1:]) for row in result]
                out.append({"step": name, "sql": " ".join(statement.split()), "plan": lines})
    finally:
        await db.dispose()
    return out


def _figures(samples: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5), 2),
        "p95_ms": round(percentile(samples, 0.95), 2),
    }


async def seeded(url: str, *, teams: int, options: argparse.Namespace) -> dict[str, Any]:
    """Seed a new database of ``teams`` teams, bring it to the head revision; the counts."""
    db = Database(url)
    try:
        await upgrade(db, SEEDED_REVISION)
        shape = {"teams": teams, "per_workspace": options.per_workspace}
        shape["members"] = options.members
        started = time.perf_counter()
        if db.dialect == "sqlite":
            counts = seed_sqlite(make_url(url).database or "", **shape)
        else:
            counts = await seed_postgres(url, **shape)
        seed_seconds = time.perf_counter() - started
        started = time.perf_counter()
        await upgrade(db)
        migrate_seconds = time.perf_counter() - started
        if db.dialect == "postgresql":
            await analyze_postgres(url)
    finally:
        await db.dispose()
    return {
        "rows": counts,
        "seed_seconds": round(seed_seconds, 1),
        "migrate_seconds": round(migrate_seconds, 2),
    }


async def run(server: str, options: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as folder:
        async with (
            scratch_database(server, Path(folder), "tick") as url,
            scratch_database(server, Path(folder), "tick_base") as base_url,
        ):
            setup = await seeded(url, teams=options.teams, options=options)
            await seeded(base_url, teams=options.baseline_teams, options=options)
            dialect = make_url(url).get_backend_name()
            if options.explain:
                for plan in await plans(url):
                    print(json.dumps({"bench": "tick_cost_plan", "db": dialect, **plan}))
            samples = await measure(url, runs=options.runs)
            baseline = await measure(base_url, runs=options.runs)
    head = _figures(samples["pending"])
    base = _figures(baseline["pending"])
    result = {
        "bench": "tick_cost",
        "db": dialect,
        "teams": options.teams,
        "workspaces": -(-options.teams // options.per_workspace),
        **head,
        "baseline": f"the same calls, same run, {options.baseline_teams} teams",
        "baseline_p50_ms": base["p50_ms"],
        "baseline_p95_ms": base["p95_ms"],
        "goal_ms": GOAL_MS,
        "steps_p50_ms": {k: _figures(v)["p50_ms"] for k, v in samples.items() if k != "pending"},
        "baseline_steps_p50_ms": {
            k: _figures(v)["p50_ms"] for k, v in baseline.items() if k != "pending"
        },
        "runs": options.runs,
        **setup,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
    }
    print(json.dumps(result), flush=True)


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db-url",
        action="append",
        metavar="URL",
        help="'sqlite' (a scratch file, the default) or a PostgreSQL server URL (a scratch "
        "database is created on it and dropped); repeatable",
    )
    parser.add_argument("--teams", type=int, default=100_000)
    parser.add_argument("--baseline-teams", type=int, default=1_000)
    parser.add_argument("--per-workspace", type=int, default=20, help="teams per workspace")
    parser.add_argument("--members", type=int, default=3, help="DMs per round")
    parser.add_argument("--runs", type=int, default=200, help="timed calls of each figure")
    parser.add_argument("--explain", action="store_true", help="print each query's plan too")
    return parser.parse_args()


async def main(options: argparse.Namespace) -> None:
    for server in options.db_url or ["sqlite"]:
        await run(server, options)


if __name__ == "__main__":
    asyncio.run(main(_options()))
