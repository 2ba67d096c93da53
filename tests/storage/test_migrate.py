"""Migrations build exactly the schema ``storage.tables`` describes, and re-running is harmless."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import String, inspect, text

from bot.clock import FrozenClock
from bot.domain.circles import Circle
from storage import aggregates, due, questions, releases, retention, teams
from storage.db import Database
from storage.migrate import MIGRATIONS, current_revision, head_revision, upgrade
from storage.tables import metadata
from tests.support.databases import DatabaseFactory

MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


def _compare_type(
    context: Any, inspected: Any, metadata_column: Any, inspected_type: Any, metadata_type: Any
) -> bool | None:
    """Alembic's type comparison, except that on SQLite (which never enforces a VARCHAR's
    length, so migration 0005 widens ids on PostgreSQL only) a length alone is no difference."""
    if (
        context.dialect.name == "sqlite"
        and isinstance(inspected_type, String)
        # SQLModel's AutoString decorates a String.
        and isinstance(getattr(metadata_type, "impl", metadata_type), String)
    ):
        return False
    return None


async def _schema_differences(db: Database) -> list[Any]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(
            lambda c: compare_metadata(
                MigrationContext.configure(c, opts={"compare_type": _compare_type}), metadata
            )
        )


async def _table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return set(await conn.run_sync(lambda c: inspect(c).get_table_names()))


async def test_a_migrated_database_matches_the_table_definitions(db: Database) -> None:
    assert await _schema_differences(db) == []
    assert await current_revision(db) == head_revision()
    assert await _table_names(db) == set(metadata.tables) | {"alembic_version"}


async def test_a_fresh_database_has_no_revision_until_upgraded(
    dialect: str, databases: DatabaseFactory
) -> None:
    db = Database(await databases.create(dialect, migrated=False))
    try:
        assert await current_revision(db) is None
        assert await _table_names(db) == set()
        await upgrade(db)
        assert await current_revision(db) == head_revision()
    finally:
        await db.dispose()


async def test_upgrading_again_keeps_schema_and_data(db: Database, clock: FrozenClock) -> None:
    async with db.write() as s:
        team, _ = await teams.upsert_team(
            s, workspace_id="T1", channel_id="C1", name="alpha", tz="UTC", now=clock.now()
        )

    await upgrade(db)
    await upgrade(db)

    assert await current_revision(db) == head_revision()
    assert await _schema_differences(db) == []
    async with db.read() as s:
        assert await teams.list_teams(s, workspace_id="T1") == [team]


async def test_concurrent_upgrades_of_a_fresh_database_both_succeed(
    dialect: str, databases: DatabaseFactory
) -> None:
    # Separate Database objects stand for separate replicas starting together.
    url = await databases.create(dialect, migrated=False)
    replicas = [Database(url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(r) for r in replicas))

        assert await current_revision(replicas[0]) == head_revision()
        assert await _schema_differences(replicas[0]) == []
    finally:
        for replica in replicas:
            await replica.dispose()


async def test_migration_0002_keeps_existing_rows(
    dialect: str, databases: DatabaseFactory, clock: FrozenClock
) -> None:
    db = Database(await databases.create(dialect, migrated=False))
    try:
        await upgrade(db, "0001")
        now = _stored_time(dialect, clock.now())
        async with db.write() as s:
            team, _ = await teams.upsert_team(
                s, workspace_id="T1", channel_id="C1", name="a", tz="UTC", now=clock.now()
            )
            # The round as 0001 stored it (today's code reads today's columns).
            round_id = (
                await s.execute(
                    text(
                        "INSERT INTO round (workspace_id, team_id, period, number, opened_at) "
                        "VALUES ('T1', :team, 'p', 1, :t) RETURNING id"
                    ),
                    {"team": team.id, "t": now},
                )
            ).scalar_one()
            await s.execute(
                text(
                    "INSERT INTO delivery (workspace_id, round_id, user_id, status, attempts, "
                    "updated_at) VALUES ('T1', :r, 'U1', 'pending', 0, :t)"
                ),
                {"r": round_id, "t": now},
            )
        await upgrade(db)
        assert await current_revision(db) == head_revision()
        async with db.read() as s:
            waiting = await due.rounds_to_send(s, now=clock.now(), limit=10)
            runs = await due.next_runs(s, workspace_id="T1", team_id=team.id)
        assert [w.round.id for w in waiting] == [round_id]
        assert runs == due.NextRuns(pulse_at=None, reminder_at=None, close_at=None)
    finally:
        await db.dispose()


async def test_migration_0007_settles_the_digests_posted_or_refused_before_it(
    dialect: str, databases: DatabaseFactory, clock: FrozenClock
) -> None:
    db = Database(await databases.create(dialect, migrated=False))
    now = clock.now()
    try:
        await upgrade(db, "0006")
        async with db.write() as s:
            team, _ = await teams.upsert_team(
                s, workspace_id="T1", channel_id="C1", name="a", tz="UTC", now=now
            )
            # Four closed rounds: digest posted, refused, being posted (claimed now), none yet.
            for period in ("posted", "failed", "claimed", "none"):
                round_id = (
                    await s.execute(
                        text(
                            "INSERT INTO round (workspace_id, team_id, period, number, opened_at,"
                            " closed_at) VALUES ('T1', :team, :p, 1, :t, :t) RETURNING id"
                        ),
                        {"team": team.id, "p": period, "t": _stored_time(dialect, now)},
                    )
                ).scalar_one()
                if period != "none":
                    await s.execute(
                        text(
                            "INSERT INTO digest (workspace_id, round_id, channel_id, status,"
                            " claimed_at, posted_at) VALUES ('T1', :r, 'C1', :p, :claimed, :posted)"
                        ),
                        {
                            "r": round_id,
                            "p": period,
                            "claimed": _stored_time(dialect, now - MINUTE),
                            "posted": _stored_time(dialect, now) if period == "posted" else None,
                        },
                    )
        await upgrade(db)

        async with db.read() as s:
            stored = await s.execute(text("SELECT period, digest_settled_at FROM round"))
            settled = {period: at for period, at in stored}
            awaiting = await due.rounds_awaiting_digest(
                s, closed_since=now - timedelta(days=8), stale_before=now - MINUTE, limit=10
            )
        assert {period: at is not None for period, at in settled.items()} == {
            "posted": True,
            "failed": True,
            "claimed": False,
            "none": False,
        }
        # The claim from a minute ago is stale at this lease: it is awaiting again, as before.
        assert sorted(a.round.period for a in awaiting) == ["claimed", "none"]
    finally:
        await db.dispose()


async def _downgrade(db: Database, revision: str) -> None:
    """Alembic's downgrade on the database (the product only ever upgrades)."""

    def run(connection: Any) -> None:
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, revision)

    async with db.engine.begin() as conn:
        await conn.run_sync(run)


async def test_migration_0008_adds_the_round_summaries_and_downgrades_cleanly(
    dialect: str, databases: DatabaseFactory, clock: FrozenClock
) -> None:
    db = Database(await databases.create(dialect, migrated=False))
    now = clock.now()
    try:
        await upgrade(db, "0007")
        async with db.write() as s:
            team, _ = await teams.upsert_team(
                s, workspace_id="T1", channel_id="C1", name="a", tz="UTC", now=now
            )
            # 0007's rows, written raw (today's code reads today's columns): a round closed a
            # week ago with two answers, and the open round after it.
            ids = []
            for period, opened, closed in (("old", 9, 7), ("new", 7, None)):
                inserted = await s.execute(
                    text(
                        "INSERT INTO round (workspace_id, team_id, period, number, opened_at,"
                        " closed_at) VALUES ('T1', :team, :p, 1, :opened, :closed) RETURNING id"
                    ),
                    {
                        "team": team.id,
                        "p": period,
                        "opened": _stored_time(dialect, now - opened * DAY),
                        "closed": _stored_time(dialect, now - closed * DAY) if closed else None,
                    },
                )
                ids.append(inserted.scalar_one())
            old_id, current_id = ids
            for user in ("U1", "U2"):
                await s.execute(
                    text(
                        "INSERT INTO answer (workspace_id, round_id, user_id, question, value,"
                        " internal_customer, answered_at) VALUES ('T1', :r, :u, 'W', 'yes',"
                        " false, :t)"
                    ),
                    {"r": old_id, "u": user, "t": _stored_time(dialect, now - 8 * DAY)},
                )
        assert "round_summary" not in await _table_names(db)

        await upgrade(db)
        assert await _schema_differences(db) == []
        async with db.write() as s:
            assert (
                await retention.summarise_rounds(
                    s, workspace_id="T1", round_ids=[old_id, current_id], now=now
                )
                == 1
            )
            deleted = await retention.delete_answers_of_rounds(s, round_ids=[old_id], limit=10)
            assert await retention.mark_answers_deleted(s, round_ids=[old_id], now=now) == 1
        async with db.read() as s:
            kept = await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[old_id])
        assert deleted.rows == 2
        assert kept[old_id].respondents == 2

        await _downgrade(db, "0007")
        assert await current_revision(db) == "0007"
        # (0009's away marks, 0010's questions, 0011's releases and 0012's away rules go too.)
        later = {
            "round_summary",
            "away_mark",
            "team_away_rules",
            "team_question",
            "release_hook",
            "release",
            "release_delivery",
        }
        assert await _table_names(db) == set(metadata.tables) - later | {"alembic_version"}
        async with db.read() as s:
            kept_rows = await s.execute(text("SELECT id FROM round ORDER BY id"))
            assert [r for (r,) in kept_rows] == [old_id, current_id]
            columns = await s.run_sync(lambda c: inspect(c.connection()).get_columns("round"))
            assert "answers_deleted_at" not in {c["name"] for c in columns}

        await upgrade(db)
        assert await current_revision(db) == head_revision()
        assert await _schema_differences(db) == []
        async with db.read() as s:
            assert (await s.execute(text("SELECT count(*) FROM round_summary"))).scalar_one() == 0
    finally:
        await db.dispose()


def _stored_time(dialect: str, at: datetime) -> datetime | str:
    """A timestamp as a raw statement passes it: SQLite stores UTC text."""
    return at.strftime("%Y-%m-%d %H:%M:%S.%f") if dialect == "sqlite" else at


async def test_migration_0009_adds_away_marks_and_the_away_count_and_downgrades_cleanly(
    dialect: str, databases: DatabaseFactory, clock: FrozenClock
) -> None:
    db = Database(await databases.create(dialect, migrated=False))
    now = clock.now()
    try:
        await upgrade(db, "0008")
        async with db.write() as s:
            team, _ = await teams.upsert_team(
                s, workspace_id="T1", channel_id="C1", name="a", tz="UTC", now=now
            )
            inserted = await s.execute(
                text(
                    "INSERT INTO round (workspace_id, team_id, period, number, opened_at,"
                    " closed_at) VALUES ('T1', :team, 'old', 1, :opened, :closed) RETURNING id"
                ),
                {
                    "team": team.id,
                    "opened": _stored_time(dialect, now - 9 * DAY),
                    "closed": _stored_time(dialect, now - 7 * DAY),
                },
            )
            round_id = inserted.scalar_one()
            # A summary written by 0008 (no away column yet): it reads 0 away after 0009.
            await s.execute(
                text(
                    "INSERT INTO round_summary (round_id, workspace_id, w_yes, w_partly, w_no,"
                    " w_not_sure, h_yes, h_partly, h_no, h_not_sure, d_yes, d_partly, d_no,"
                    " d_not_sure, respondents, notes, internal_customer_notes, asked,"
                    " summarised_at) VALUES (:r, 'T1', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0,"
                    " 0, 3, :t)"
                ),
                {"r": round_id, "t": _stored_time(dialect, now)},
            )
        assert "away_mark" not in await _table_names(db)

        await upgrade(db)
        assert await current_revision(db) == head_revision()
        assert await _schema_differences(db) == []
        async with db.read() as s:
            kept = await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[round_id])
        assert (kept[round_id].asked, kept[round_id].away) == (3, 0)
        until = (now + DAY).date()
        async with db.write() as s:
            await s.execute(
                text(
                    "INSERT INTO away_mark (workspace_id, team_id, user_id, until, marked_at)"
                    " VALUES ('T1', :team, 'U1', :until, :t)"
                ),
                {
                    "team": team.id,
                    # SQLite stores a date as its ISO text.
                    "until": until.isoformat() if dialect == "sqlite" else until,
                    "t": _stored_time(dialect, now),
                },
            )

        await _downgrade(db, "0008")
        assert await current_revision(db) == "0008"
        assert "away_mark" not in await _table_names(db)
        async with db.read() as s:
            columns = await s.run_sync(
                lambda c: inspect(c.connection()).get_columns("round_summary")
            )
            assert "away" not in {c["name"] for c in columns}
            summaries = await s.execute(text("SELECT asked FROM round_summary"))
            assert [a for (a,) in summaries] == [3]  # the rebuilt table kept its rows

        await upgrade(db)
        assert await _schema_differences(db) == []
    finally:
        await db.dispose()


async def test_migration_0010_adds_team_questions_and_downgrades_cleanly(
    dialect: str, databases: DatabaseFactory, clock: FrozenClock
) -> None:
    db = Database(await databases.create(dialect, migrated=False))
    now = clock.now()
    try:
        await upgrade(db, "0009")
        assert "team_question" not in await _table_names(db)
        async with db.write() as s:
            team, _ = await teams.upsert_team(
                s, workspace_id="T1", channel_id="C1", name="a", tz="UTC", now=now
            )

        await upgrade(db, "0010")
        assert "team_question" in await _table_names(db)
        async with db.write() as s:
            await questions.set_wording(
                s,
                workspace_id="T1",
                team_id=team.id,
                texts={Circle.WHAT: "Did a customer say yes to an idea?"},
                by="U1",
                now=now,
            )
        async with db.read() as s:
            wording = await questions.get_wording(s, workspace_id="T1", team_id=team.id)
        assert wording.question(Circle.WHAT) == "Did a customer say yes to an idea?"

        await _downgrade(db, "0009")
        assert await current_revision(db) == "0009"
        assert "team_question" not in await _table_names(db)
        async with db.read() as s:
            assert (await s.execute(text("SELECT count(*) FROM team"))).scalar_one() == 1

        await upgrade(db)
        assert await current_revision(db) == head_revision()
        assert await _schema_differences(db) == []
        async with db.read() as s:
            wording = await questions.get_wording(s, workspace_id="T1", team_id=team.id)
        assert wording.custom == ()  # the downgrade took the wording with it
    finally:
        await db.dispose()


async def test_migration_0011_adds_release_hooks_releases_and_their_deliveries_and_downgrades(
    dialect: str, databases: DatabaseFactory, clock: FrozenClock
) -> None:
    release_tables = {"release_hook", "release", "release_delivery"}
    db = Database(await databases.create(dialect, migrated=False))
    now = clock.now()
    try:
        await upgrade(db, "0010")
        assert not release_tables & await _table_names(db)
        async with db.write() as s:
            team, _ = await teams.upsert_team(
                s, workspace_id="T1", channel_id="C1", name="a", tz="UTC", now=now
            )

        await upgrade(db, "0011")
        assert release_tables <= await _table_names(db)
        async with db.write() as s:
            await releases.set_hook(
                s, workspace_id="T1", team_id=team.id, key="k" * 32, secret="s", now=now
            )
            first = await releases.record_release(
                s,
                workspace_id="T1",
                team_id=team.id,
                delivery_id="d-1",
                name="v2.3",
                source="github",
                now=now,
                ask_at=now,
            )
            again = await releases.record_release(
                s,
                workspace_id="T1",
                team_id=team.id,
                delivery_id="d-1",
                name="v2.3",
                source="github",
                now=now,
                ask_at=now,
            )
        assert first is not None
        assert again is None  # one row per team and delivery id

        await _downgrade(db, "0010")
        assert await current_revision(db) == "0010"
        assert not release_tables & await _table_names(db)
        async with db.read() as s:
            assert (await s.execute(text("SELECT count(*) FROM team"))).scalar_one() == 1

        await upgrade(db)
        assert await current_revision(db) == head_revision()
        assert await _schema_differences(db) == []
        async with db.write() as s:  # deleting the team takes its hook and releases along
            await releases.set_hook(
                s, workspace_id="T1", team_id=team.id, key="k" * 32, secret="s", now=now
            )
            assert await teams.delete_teams_in_channels(s, workspace_id="T1", channel_ids=["C1"])
    finally:
        await db.dispose()
