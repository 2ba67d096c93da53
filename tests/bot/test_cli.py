"""The ``sdo`` command as an operator runs it: a subprocess on a real SQLite file."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.views import PersonInfo
from bot.services import Services
from storage.db import Database
from tests.support.databases import DatabaseFactory
from tests.support.processes import ROOT

WORKSPACE = "T1"
PEOPLE = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(4)]


async def _sdo(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        env={**os.environ, **env},
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def _rows_by_user(db: Database, table: str) -> dict[str, int]:
    async with db.read() as s:
        rows = await s.execute(text(f"SELECT user_id, count(*) FROM {table} GROUP BY user_id"))
        return {user_id: count for user_id, count in rows}


async def test_forget_deletes_one_person_s_answers_and_notes_and_prints_the_counts(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("sqlite")
    clock = FrozenClock(datetime(2026, 3, 5, 14, tzinfo=UTC))
    db = Database(url)
    try:
        services = Services(db=db, clock=clock, status_ttl=0)
        team, _, _ = await services.teams.setup(
            workspace_id=WORKSPACE,
            channel_id="C1",
            channel_name="alpha",
            caller=PEOPLE[0],
            people=PEOPLE,
        )
        # Two rounds (the first closed by the second); U1 and U2 answer everything in both,
        # and each leaves a note in each.
        for period in ("w1", "w2"):
            rnd, _ = await services.rounds.open(team=team, period=period)
            for user in ("U1", "U2"):
                for circle in Circle:
                    await services.answers.record(
                        workspace_id=WORKSPACE,
                        round_id=rnd.id,
                        user_id=user,
                        circle=circle,
                        value=AnswerValue.PARTLY,
                    )
                await services.answers.save_note(
                    workspace_id=WORKSPACE,
                    round_id=rnd.id,
                    user_id=user,
                    circle=Circle.DELIVER,
                    note="accepted by Acme",
                    internal_customer=False,
                )
            clock.advance(timedelta(days=7))
        before = await services.status.history(team=team, limit=5)

        env = {"SDO_DATABASE_URL": url}
        code, out, err = await _sdo("forget", "--workspace", WORKSPACE, "--user", "U1", env=env)
        again = await _sdo("forget", "--workspace", WORKSPACE, "--user", "U1", env=env)

        assert code == 0
        # The log line says what was deleted, never whose.
        assert "deleted 6 answers" in err
        assert "U1" not in err
        assert out == (
            "U1 in T1: deleted 6 answers, 2 notes, 2 deliveries, 1 team memberships, "
            "0 manager roles, 1 profiles, 0 Teams chats, 0 away marks, 0 release pulses; their "
            "id taken off 0 team settings they changed (1 closed rounds summarised first)\n"
        )
        assert again[0] == 0
        assert again[1].startswith("U1 in T1: deleted 0 answers, 0 notes, 0 deliveries, ")
        assert await _rows_by_user(db, "answer") == {"U2": 6}
        assert await _rows_by_user(db, "delivery") == {"U0": 2, "U2": 2, "U3": 2}
        assert await _rows_by_user(db, "member") == {"U0": 1, "U2": 1, "U3": 1}
        after = await services.status.history(team=team, limit=5)
        # The closed round as it closed (2 respondents), the open one without U1.
        assert [v.score.respondents for v in before] == [2, 2]
        assert [v.score.respondents for v in after] == [2, 1]
        assert after[0] == before[0]
    finally:
        await db.dispose()


async def test_forget_needs_both_the_workspace_and_the_user(databases: DatabaseFactory) -> None:
    env = {"SDO_DATABASE_URL": await databases.create("sqlite")}
    code, out, err = await _sdo("forget", "--workspace", WORKSPACE, env=env)
    assert (code, out) == (2, "")
    assert "--user" in err
