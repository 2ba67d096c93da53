"""A real ``sdo serve`` serving Teams, killed with SIGKILL in the middle of a fan-out.

The fake Bot Connector runs in the test process and stores each card at once but answers it
late (as a slow Teams would); the app runs as ``python -m bot serve`` subprocesses configured by
environment variables only (Teams in its local anonymous mode), on one SQLite file.
"""

from __future__ import annotations

import asyncio
import signal
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bot.clock import FrozenClock, SystemClock
from bot.delivery.fanout import UNMARKED_PER_SENDER
from bot.domain.views import PersonInfo
from bot.sandbox.faketeams import FakeTeams
from bot.services import Services
from bot.teams.addresses import TeamsAddresses, workspace_of
from storage.db import Database
from tests.support.databases import DatabaseFactory
from tests.support.processes import Serve, until


async def _sql(db: Database, query: str) -> list[tuple[Any, ...]]:
    async with db.read() as session:
        return [tuple(row) for row in await session.execute(text(query))]


async def test_a_killed_teams_fan_out_resumes_after_restart_with_few_duplicates(
    databases: DatabaseFactory, tmp_path: Path
) -> None:
    members, concurrency = 200, 8
    async with FakeTeams() as fake:
        team = fake.generate_team(members=members, name="Big Team")
        roster = fake.roster_of_team(team)
        workspace = workspace_of(team.tenant_id)
        db_url = await databases.create("sqlite")
        db = Database(db_url)
        # Installed and set up a week ago: the Thursday 15:00 pulse that followed is due now.
        week_ago = FrozenClock(SystemClock().now() - timedelta(days=7))
        await TeamsAddresses(db=db, clock=week_ago).remember(
            workspace_id=workspace,
            tenant_id=team.tenant_id,
            service_url=fake.service_url,
            bot_id=str(fake.bot["id"]),
            channel=(team.id, team.id, team.name),
        )
        people = [PersonInfo(user_id=u.id, name=u.name, tz="Europe/Berlin") for u in roster]
        await Services(db=db, clock=week_ago).teams.setup(
            workspace_id=workspace,
            channel_id=team.id,
            channel_name=team.name,
            caller=people[0],
            people=people,
        )
        fake.latency(0.05)  # Teams stores the card at once, answers late
        env = {
            "SDO_TEAMS_ALLOW_ANONYMOUS_UNSAFE": "1",
            "SDO_PUBLIC_URL": "http://127.0.0.1",
            "SDO_DATABASE_URL": db_url,
            "SDO_LOG_LEVEL": "WARNING",
            "SDO_TICK_SECONDS": "0.2",
            "SDO_SEND_LEASE_SECONDS": "1",
            "SDO_SEND_CONCURRENCY": str(concurrency),
        }

        def carded() -> list[str]:
            return [
                fake.personal_chats[s.conversation_id]
                for s in fake.sent
                if s.kind == "send" and s.conversation_id in fake.personal_chats
            ]

        logs = [tmp_path / "first.log", tmp_path / "second.log"]
        first = await Serve.start(env=env, log=logs[0])
        try:
            await until(
                lambda: len(carded()) >= 60, timeout=60, what="the fan-out to start", logs=logs
            )
        finally:
            await first.kill()
        before_restart = len(carded())
        stopped_at = await _sql(db, "SELECT status, count(*) FROM delivery GROUP BY status")

        second = await Serve.start(env=env, log=logs[1])
        try:
            await until(
                lambda: set(carded()) == {u.id for u in roster},
                timeout=60,
                what="every member to get the pulse",
                logs=logs,
            )
            for _ in range(100):  # and the ledger to record the last sends
                sent = await _sql(db, "SELECT count(*) FROM delivery WHERE status = 'sent'")
                if sent == [(members,)]:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.6)  # a few more ticks: nothing else may be sent
        finally:
            await second.stop()
            after = await _sql(db, "SELECT status, count(*) FROM delivery GROUP BY status")
            chats = await _sql(db, "SELECT count(*) FROM teams_chat")
            await db.dispose()

    counts = Counter(carded())
    duplicates = sum(n - 1 for n in counts.values())
    print(
        f"\nTeams crash mid-fan-out: {before_restart} cards sent before SIGKILL "
        f"(ledger then: {dict(stopped_at)}), {len(counts)}/{members} members reached after "
        f"restart, {duplicates} duplicates (send concurrency {concurrency})"
    )
    assert len(counts) == members
    assert after == [("sent", members)]
    assert chats == [(members,)]
    # Only cards Teams accepted before the kill whose marks were not yet committed go twice.
    assert duplicates <= UNMARKED_PER_SENDER * concurrency
    assert first.process.returncode == -signal.SIGKILL
