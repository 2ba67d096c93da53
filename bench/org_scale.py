"""Organisation scale: `/sdo status all` and one team's status over years of history.

Prints one JSON line. For each database (SQLite file, PostgreSQL scratch database) it seeds
``--teams`` teams x ``--rounds`` weekly rounds x ``--members`` members x 3 questions (by
default 1,000 x 52 x 10 x 3 = 1.56 M answers, plus a delivery row per member and round; each
team's newest round is still open), then times, after one warm-up call each:

* ``org_status``: ``Services.org_status`` — what `/sdo status all` computes;
* ``team_status``: ``Services.team_status`` for one team, trend included;
* ``raw_org`` / ``raw_team``: one hand-written SQL statement that computes the same numbers
  (each team's last rounds: tallies per circle and answer, respondents, notes, asked, failed,
  members), run on the same engine in a read transaction: the floor.

Figures are the median and p95 of ``--runs`` calls in milliseconds, and ratios of medians. The
bench also checks that the services and the raw statement agree on every number it compares.

Seeding goes straight to the driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL): it
is bench set-up, not product code. PostgreSQL comes from ``SDO_TEST_POSTGRES_URL`` (default
``postgresql+asyncpg://postgres@127.0.0.1:5432/test``); a scratch database is created and
dropped.

    python bench/org_scale.py                            # both databases, full size
    python bench/org_scale.py --teams 100 --databases sqlite
    python bench/org_scale.py --seeded sqlite+aiosqlite:///org.db   # re-measure, no seeding
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import percentile
from bot.clock import FrozenClock
from bot.domain.circles import ANSWER_VALUES, CIRCLES
from bot.domain.views import TeamStatus
from bot.services import Services
from bot.services.status import TREND_WINDOW
from storage.db import Database
from storage.migrate import upgrade

WORKSPACE = "TORG00001"
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
GOAL_MS = 1000
GOAL_RATIO = 2.0
START = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
BATCH_TEAMS = 50

# ---------------------------------------------------------------------------------------------
# the raw statement: every number a status shows, in one query


def _tally_columns() -> str:
    return ",\n".join(
        f"    COUNT(CASE WHEN a.question = '{c.value}' AND a.value = '{v.value}' THEN 1 END)"
        f" AS {c.name.lower()}_{v.name.lower()}"
        for c in CIRCLES
        for v in ANSWER_VALUES
    )


def raw_status_sql(dialect: str, *, one_team: bool) -> str:
    """The statement for every team of the workspace, or for the team ``:team``.

    Each team's last rounds come off an index: ``LATERAL … LIMIT`` on PostgreSQL, a correlated
    ``IN (… LIMIT)`` on SQLite (no LATERAL there).
    """
    team_filter = "AND t.id = :team" if one_team else ""
    member_filter = "AND tm.team_id = :team" if one_team else ""
    newest = "ORDER BY opened_at DESC, id DESC LIMIT :window"
    if dialect == "postgresql":
        recent = f"""SELECT last.id, last.team_id FROM team t CROSS JOIN LATERAL (
      SELECT id, team_id FROM round
      WHERE round.team_id = t.id AND round.workspace_id = :ws {newest}) last
    WHERE t.workspace_id = :ws {team_filter}"""
    else:
        recent = f"""SELECT r.id, r.team_id FROM team t JOIN round r ON r.id IN (
      SELECT id FROM round WHERE round.team_id = t.id AND round.workspace_id = :ws {newest})
    WHERE t.workspace_id = :ws {team_filter}"""
    return f"""
WITH recent AS (
    {recent}
), answers AS (
  SELECT a.round_id,
{_tally_columns()},
    COUNT(DISTINCT CASE WHEN a.value IS NOT NULL THEN a.user_id END) AS respondents,
    COUNT(a.note) AS notes,
    COUNT(CASE WHEN a.internal_customer AND a.note IS NOT NULL THEN 1 END) AS internal
  FROM answer a
  WHERE a.workspace_id = :ws AND a.round_id IN (SELECT id FROM recent)
  GROUP BY a.round_id
), deliveries AS (
  SELECT d.round_id, COUNT(*) AS asked,
    COUNT(CASE WHEN d.status = 'failed' THEN 1 END) AS failed
  FROM delivery d
  WHERE d.workspace_id = :ws AND d.round_id IN (SELECT id FROM recent)
  GROUP BY d.round_id
), members AS (
  SELECT tm.team_id, COUNT(*) AS members
  FROM team_member tm JOIN member m ON m.workspace_id = tm.workspace_id AND m.user_id = tm.user_id
  WHERE tm.workspace_id = :ws AND tm.active AND m.active {member_filter}
  GROUP BY tm.team_id
)
SELECT r.team_id, r.id AS round_id, answers.*, deliveries.asked, deliveries.failed,
  members.members
FROM recent r
LEFT JOIN answers ON answers.round_id = r.id
LEFT JOIN deliveries ON deliveries.round_id = r.id
LEFT JOIN members ON members.team_id = r.team_id
"""


# ---------------------------------------------------------------------------------------------
# seeding


def _rows(
    *, teams: int, rounds: int, members: int, stamp: Callable[[datetime], Any], seed: int = 7
) -> Iterator[dict[str, list[tuple[Any, ...]]]]:
    """Rows per table, ``BATCH_TEAMS`` teams at a time (ids assigned here).

    Args:
        stamp: how a timestamp is written for the driver (computed once per round).
    """
    rng = random.Random(seed)
    yes, partly, no, not_sure = (v.value for v in ANSWER_VALUES)
    questions = [c.value for c in CIRCLES]
    created = stamp(START)
    round_id = answer_id = delivery_id = 0
    for first in range(1, teams + 1, BATCH_TEAMS):
        batch: dict[str, list[tuple[Any, ...]]] = {
            "team": [],
            "member": [],
            "team_member": [],
            "manager": [],
            "round": [],
            "delivery": [],
            "answer": [],
        }
        for team_id in range(first, min(first + BATCH_TEAMS, teams + 1)):
            users = [f"U{team_id:05d}{m:03d}" for m in range(members)]
            batch["team"].append(
                (team_id, WORKSPACE, f"C{team_id:08d}", f"team-{team_id:04d}", created)
            )
            for user in users:
                batch["member"].append((WORKSPACE, user, user.lower(), created))
                batch["team_member"].append((WORKSPACE, team_id, user, created))
            batch["manager"].append((WORKSPACE, team_id, users[0]))
            # Each team leans its own way, so regions spread over the map.
            lean = list(
                zip(questions, [rng.choice((0.2, 0.5, 0.8)) for _ in questions], strict=True)
            )
            for week in range(rounds):
                round_id += 1
                opened = START + timedelta(weeks=week)
                is_open = week == rounds - 1
                opened_at, answered_at = stamp(opened), stamp(opened + timedelta(hours=2))
                closed_at = None if is_open else stamp(opened + timedelta(days=4))
                batch["round"].append(
                    (round_id, WORKSPACE, team_id, f"w{week:03d}", week + 1, opened_at, closed_at)
                )
                for user in users:
                    delivery_id += 1
                    failed = is_open and rng.random() < 0.05
                    batch["delivery"].append(
                        (
                            delivery_id,
                            WORKSPACE,
                            round_id,
                            user,
                            "failed" if failed else "sent",
                            opened_at,
                        )
                    )
                    for question, p in lean:
                        answer_id += 1
                        roll = rng.random()
                        value = (
                            yes
                            if roll < p
                            else no
                            if roll < 0.9
                            else partly
                            if roll < 0.95
                            else not_sure
                        )
                        note = "a customer said so" if rng.random() < 0.03 else None
                        batch["answer"].append(
                            (
                                answer_id,
                                WORKSPACE,
                                round_id,
                                user,
                                question,
                                value,
                                note,
                                note is not None and roll < 0.3,
                                answered_at,
                            )
                        )
        yield batch


COLUMNS = {
    "team": ("id", "workspace_id", "channel_id", "name", "created_at"),
    "member": ("workspace_id", "user_id", "name", "updated_at"),
    "team_member": ("workspace_id", "team_id", "user_id", "joined_at"),
    "manager": ("workspace_id", "team_id", "user_id"),
    "round": ("id", "workspace_id", "team_id", "period", "number", "opened_at", "closed_at"),
    "delivery": ("id", "workspace_id", "round_id", "user_id", "status", "updated_at"),
    "answer": (
        "id",
        "workspace_id",
        "round_id",
        "user_id",
        "question",
        "value",
        "note",
        "internal_customer",
        "answered_at",
    ),
}
# Columns the bulk load leaves to their defaults: set them too (COPY and plain INSERT skip
# SQLAlchemy's Python-side defaults).
DEFAULTS = {
    "team": {
        "tz": "UTC",
        "threshold": 0.5,
        "min_respondents": 3,
        "schedule_enabled": False,
        "pulse_weekday": 3,
        "pulse_time": "15:00",
        "reminder_enabled": True,
        "reminder_weekday": 4,
        "reminder_time": "11:00",
        "close_weekday": 0,
        "close_time": "10:00",
        "every_weeks": 1,
    },
    "member": {"active": True, "is_admin": False},
    "team_member": {"active": True},
    "delivery": {"attempts": 1},
}


def _with_defaults(
    table: str, rows: list[tuple[Any, ...]]
) -> tuple[list[str], list[tuple[Any, ...]]]:
    extra = DEFAULTS.get(table, {})
    columns = [*COLUMNS[table], *extra]
    tail = tuple(extra.values())
    return columns, [row + tail for row in rows]


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, datetime):  # SQLAlchemy's SQLite DATETIME text, in UTC
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return value


def _same(value: datetime) -> datetime:
    return value


def seed_sqlite(path: str, *, teams: int, rounds: int, members: int) -> None:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute("BEGIN")
        connection.execute(
            "INSERT INTO workspace (id, name, installed_at) VALUES (?, 'Org', ?)",
            (WORKSPACE, _sqlite_value(START)),
        )
        for batch in _rows(teams=teams, rounds=rounds, members=members, stamp=_sqlite_value):
            for table, rows in batch.items():
                columns, full = _with_defaults(table, rows)
                marks = ", ".join("?" for _ in columns)
                connection.executemany(
                    f'INSERT INTO "{table}" ({", ".join(columns)}) VALUES ({marks})', full
                )
        connection.execute("COMMIT")
        connection.execute("ANALYZE")
    finally:
        connection.close()


async def seed_postgres(url: str, *, teams: int, rounds: int, members: int) -> None:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text("INSERT INTO workspace (id, name, installed_at) VALUES (:id, 'Org', :at)"),
                {"id": WORKSPACE, "at": START},
            )
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None
            for batch in _rows(teams=teams, rounds=rounds, members=members, stamp=_same):
                for table, rows in batch.items():
                    columns, full = _with_defaults(table, rows)
                    await raw.copy_records_to_table(table, records=full, columns=columns)
            for table in ("team", "round", "delivery", "answer"):
                await conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f'(SELECT MAX(id) FROM "{table}"))'
                    )
                )
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    finally:
        await engine.dispose()


@asynccontextmanager
async def scratch_database(dialect: str, folder: Path) -> AsyncIterator[str]:
    """A URL of a new empty database, removed afterwards."""
    if dialect == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'org.db'}"
        return
    server = os.environ.get("SDO_TEST_POSTGRES_URL") or DEFAULT_POSTGRES
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"sdo_bench_{secrets.token_hex(4)}"
    try:
        async with admin.connect() as conn:
            await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        try:
            yield make_url(server).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


# ---------------------------------------------------------------------------------------------
# timing


async def _timed(
    calls: dict[str, Callable[[], Awaitable[Any]]], *, runs: int
) -> dict[str, tuple[list[float], Any]]:
    """Milliseconds of each call, ``runs`` times, interleaved (so a noisy moment on the
    machine hits every figure alike), after one warm-up call each."""
    results = {name: await call() for name, call in calls.items()}  # caches, the planner
    samples: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(runs):
        for name, call in calls.items():
            started = time.perf_counter()
            results[name] = await call()
            samples[name].append((time.perf_counter() - started) * 1000)
    return {name: (samples[name], results[name]) for name in calls}


def _figures(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples, 0.5), 1),
        "p95_ms": round(percentile(samples, 0.95), 1),
    }


async def _raw(db: Database, *, team_id: int | None) -> list[Any]:
    params: dict[str, Any] = {"ws": WORKSPACE, "window": TREND_WINDOW + 1}
    if team_id is not None:
        params["team"] = team_id
    sql = raw_status_sql(db.dialect, one_team=team_id is not None)
    async with db.read() as s:
        result = await s.execute(text(sql), params)
        return list(result.mappings())


def _disagreements(statuses: Sequence[TeamStatus], raw: Sequence[Any]) -> list[str]:
    """Where the services' numbers differ from the raw statement's (empty when they agree)."""
    by_round = {row["round_id"]: row for row in raw}
    problems = []
    for status in statuses:
        views = [v for v in (status.current, status.last_closed) if v is not None]
        for view in views:
            row = by_round.get(view.round.id)
            if row is None:
                problems.append(f"round {view.round.id} missing from the raw result")
                continue
            score = view.score
            mine = {
                f"{c.name.lower()}_{v.name.lower()}": getattr(score.tallies[c], v.name.lower())
                for c in CIRCLES
                for v in ANSWER_VALUES
            }
            mine |= {
                "respondents": score.respondents,
                "asked": score.asked,
                "members": status.members,
            }
            theirs = {k: int(row[k] or 0) for k in mine}
            if mine != theirs:
                problems.append(f"round {view.round.id}: {mine} != {theirs}")
            if status.current is view and status.failed_deliveries != row["failed"]:
                problems.append(f"round {view.round.id}: failed {status.failed_deliveries}")
    return problems


async def measure(url: str, *, runs: int) -> dict[str, Any]:
    db = Database(url)
    try:
        # The status cache off: every call computes (the cost a cache miss pays).
        services = Services(db=db, clock=FrozenClock(START + timedelta(weeks=60)), status_ttl=0)
        team = await services.teams.get(workspace_id=WORKSPACE, team_id=1)
        assert team is not None
        timed = await _timed(
            {
                "org": lambda: services.status.org(workspace_id=WORKSPACE),
                "raw_org": lambda: _raw(db, team_id=None),
                "team": lambda: services.status.team(team=team),
                "raw_team": lambda: _raw(db, team_id=team.id),
            },
            runs=runs,
        )
        (org_ms, org), (raw_org_ms, raw_org) = timed["org"], timed["raw_org"]
        (team_ms, one), (raw_team_ms, raw_team) = timed["team"], timed["raw_team"]
        problems = _disagreements(org, raw_org) + _disagreements([one], raw_team)
        figures: dict[str, Any] = {
            "org_status": _figures(org_ms),
            "raw_org": _figures(raw_org_ms),
            "team_status": _figures(team_ms),
            "raw_team": _figures(raw_team_ms),
            "teams_listed": len(org),
            "rounds_compared": len(raw_org),
            "agree": not problems,
        }
        if problems:
            figures["disagreements"] = problems[:5]
        figures["org_ratio"] = round(
            figures["org_status"]["p50_ms"] / figures["raw_org"]["p50_ms"], 2
        )
        figures["team_ratio"] = round(
            figures["team_status"]["p50_ms"] / figures["raw_team"]["p50_ms"], 2
        )
        return figures
    finally:
        await db.dispose()


async def run(dialect: str, options: argparse.Namespace) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="sdo-org-") as folder:
        async with scratch_database(dialect, Path(folder)) as url:
            db = Database(url)
            try:
                await upgrade(db)
            finally:
                await db.dispose()
            started = time.perf_counter()
            size = {"teams": options.teams, "rounds": options.rounds, "members": options.members}
            if dialect == "sqlite":
                path = make_url(url).database
                assert path is not None
                await asyncio.to_thread(seed_sqlite, path, **size)
            else:
                await seed_postgres(url, **size)
            seeded = time.perf_counter() - started
            figures = await measure(url, runs=options.runs)
            return {"seed_seconds": round(seeded, 1), **figures}


async def main(options: argparse.Namespace) -> dict[str, Any]:
    result: dict[str, Any] = {
        "bench": "org_scale",
        "teams": options.teams,
        "rounds": options.rounds,
        "members": options.members,
        "answers": options.teams * options.rounds * options.members * len(CIRCLES),
        "runs": options.runs,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "goal_ms": GOAL_MS,
        "goal_ratio": GOAL_RATIO,
    }
    if options.seeded:
        for url in options.seeded:
            db = Database(url)
            try:
                await upgrade(db)
            finally:
                await db.dispose()
            result[make_url(url).get_backend_name()] = await measure(url, runs=options.runs)
        return result
    for dialect in options.databases.split(","):
        result[dialect] = await run(dialect, options)
    return result


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=52)
    parser.add_argument("--members", type=int, default=10)
    parser.add_argument("--runs", type=int, default=10, help="timed calls of each figure")
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument(
        "--seeded",
        action="append",
        metavar="URL",
        help="measure this already seeded database instead (repeatable)",
    )
    return parser.parse_args()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(_options()))), flush=True)
