"""Workspaces, teams, managers and members (``storage.teams``), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import time, timedelta

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import DeliveryStatus, Member, Schedule, Team
from bot.domain.scoring import ScoringRules
from storage import ledger, people, rounds, teams
from storage.db import Database
from tests.storage.conftest import RowReader, TeamMaker, write_rules
from tests.support.rows import delivery_counts

NO_DELIVERIES = dict.fromkeys(DeliveryStatus, 0)


async def test_upsert_team_creates_then_renames_one_row(
    db: Database, clock: FrozenClock, rows: RowReader
) -> None:
    async with db.write() as s:
        created_team, created = await teams.upsert_team(
            s,
            workspace_id="T1",
            channel_id="C1",
            name="alpha",
            tz="Europe/Paris",
            now=clock.now(),
        )
    clock.advance(timedelta(hours=1))
    async with db.write() as s:
        renamed_team, created_again = await teams.upsert_team(
            s,
            workspace_id="T1",
            channel_id="C1",
            name="alpha-renamed",
            tz="UTC",
            now=clock.now(),
        )

    assert created is True
    assert created_again is False
    assert renamed_team.id == created_team.id
    assert (created_team.name, renamed_team.name) == ("alpha", "alpha-renamed")
    # Only the name changes on a rename; the team keeps its time zone and defaults.
    assert renamed_team.tz == "Europe/Paris"
    assert renamed_team.schedule == Schedule()
    assert renamed_team.rules == ScoringRules()
    stored = await rows("team")
    assert [(r["workspace_id"], r["channel_id"], r["name"]) for r in stored] == [
        ("T1", "C1", "alpha-renamed")
    ]
    assert stored[0]["created_at"] == clock.now() - timedelta(hours=1)
    assert [r["id"] for r in await rows("workspace")] == ["T1"]


async def test_same_channel_id_in_two_workspaces_is_two_teams(
    db: Database, new_team: TeamMaker, rows: RowReader
) -> None:
    one = await new_team(workspace_id="T1", channel_id="C1", name="one")
    two = await new_team(workspace_id="T2", channel_id="C1", name="two")

    assert one.id != two.id
    async with db.read() as s:
        assert await teams.get_team_by_channel(s, workspace_id="T1", channel_id="C1") == one
        assert await teams.get_team_by_channel(s, workspace_id="T2", channel_id="C1") == two
    assert len(await rows("team")) == 2


async def test_queries_of_one_workspace_never_see_another(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    team = await new_team(workspace_id="T1", channel_id="C1")
    now = clock.now()
    async with db.write() as s:
        await teams.add_manager(s, workspace_id="T1", team_id=team.id, user_id="U1")
        await people.upsert_member(
            s, workspace_id="T1", user_id="U1", name="Ann", tz=None, now=now, is_admin=True
        )
        await teams.add_team_member(s, workspace_id="T1", team_id=team.id, user_id="U1", now=now)
        rnd, _ = await rounds.open_round(
            s, workspace_id="T1", team_id=team.id, period="p1", now=now
        )
        await ledger.create_team_deliveries(
            s, workspace_id="T1", team_id=team.id, round_id=rnd.id, now=now
        )

    async with db.read() as s:
        assert await teams.get_team(s, workspace_id="T2", team_id=team.id) is None
        assert await teams.get_team_by_channel(s, workspace_id="T2", channel_id="C1") is None
        assert await teams.list_teams(s, workspace_id="T2") == []
        assert await teams.teams_of_user(s, workspace_id="T2", user_id="U1") == []
        assert await teams.list_managers(s, workspace_id="T2", team_id=team.id) == []
        assert not await teams.is_manager(s, workspace_id="T2", team_id=team.id, user_id="U1")
        assert not await teams.manages_any_team(s, workspace_id="T2", user_id="U1")
        assert not await people.is_workspace_admin(s, workspace_id="T2", user_id="U1")
        assert await teams.list_team_members(s, workspace_id="T2", team_id=team.id) == []
        assert not await teams.is_team_member(s, workspace_id="T2", team_id=team.id, user_id="U1")
        assert await rounds.get_round(s, workspace_id="T2", round_id=rnd.id) is None
        assert await rounds.get_open_round(s, workspace_id="T2", team_id=team.id) is None
        assert await rounds.recent_rounds(s, workspace_id="T2", team_id=team.id, limit=5) == []
        assert (
            await ledger.get_delivery(s, workspace_id="T2", round_id=rnd.id, user_id="U1") is None
        )
        # The same questions asked in the right workspace do find the data.
        assert await teams.list_teams(s, workspace_id="T1") == [team]
        assert await teams.list_managers(s, workspace_id="T1", team_id=team.id) == ["U1"]
        assert await rounds.get_round(s, workspace_id="T1", round_id=rnd.id) == rnd
        assert await delivery_counts(s, workspace_id="T1", round_id=rnd.id) == {
            **NO_DELIVERIES,
            DeliveryStatus.PENDING: 1,
        }

    async with db.write() as s:
        # Writes aimed at the wrong workspace change nothing.
        assert not await teams.remove_manager(s, workspace_id="T2", team_id=team.id, user_id="U1")
        assert (
            await rounds.close_rounds_opened_before(
                s, workspace_id="T2", team_id=team.id, before=now + timedelta(minutes=1), now=now
            )
            == []
        )
        await teams.update_schedule(
            s, workspace_id="T2", team_id=team.id, schedule=Schedule(pulse_weekday=0, enabled=False)
        )
    async with db.read() as s:
        assert await teams.list_managers(s, workspace_id="T1", team_id=team.id) == ["U1"]
        assert await rounds.get_open_round(s, workspace_id="T1", team_id=team.id) == rnd
        assert await teams.get_team(s, workspace_id="T1", team_id=team.id) == team


async def test_list_teams_is_sorted_by_name(db: Database, new_team: TeamMaker) -> None:
    await new_team(channel_id="C1", name="zulu")
    await new_team(channel_id="C2", name="alpha")
    await new_team(channel_id="C3", name="mike")

    async with db.read() as s:
        names = [t.name for t in await teams.list_teams(s, workspace_id="T1")]
    assert names == ["alpha", "mike", "zulu"]


async def test_update_schedule_is_read_back_with_the_rules(
    db: Database, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    other = await new_team(channel_id="C2", name="other")
    schedule = Schedule(
        pulse_weekday=1,
        pulse_time=time(9, 30),
        reminder_enabled=False,
        reminder_weekday=2,
        reminder_time=time(8, 5),
        close_weekday=4,
        close_time=time(17, 45),
        every_weeks=2,
        enabled=False,
    )
    rules = ScoringRules(threshold=0.75, min_respondents=5)

    async with db.write() as s:
        await teams.update_schedule(s, workspace_id="T1", team_id=team.id, schedule=schedule)
    await write_rules(db, team, rules)  # nothing in the product writes rules; it reads them
    async with db.read() as s:
        updated = await teams.get_team(s, workspace_id="T1", team_id=team.id)
        untouched = await teams.get_team(s, workspace_id="T1", team_id=other.id)

    assert updated is not None
    assert (updated.schedule, updated.rules) == (schedule, rules)
    assert untouched == other
    stored = (await rows("team", id=team.id))[0]
    assert (stored["pulse_time"], stored["reminder_time"], stored["close_time"]) == (
        "09:30",
        "08:05",
        "17:45",
    )


async def test_managers_add_remove_list(db: Database, new_team: TeamMaker, rows: RowReader) -> None:
    team = await new_team()
    other = await new_team(channel_id="C2", name="other")

    async with db.write() as s:
        added = [
            await teams.add_manager(s, workspace_id="T1", team_id=team.id, user_id=u)
            for u in ("U2", "U1", "U2")
        ]
    assert added == [True, True, False]
    async with db.read() as s:
        assert await teams.list_managers(s, workspace_id="T1", team_id=team.id) == ["U1", "U2"]
        assert await teams.list_managers(s, workspace_id="T1", team_id=other.id) == []
        assert await teams.is_manager(s, workspace_id="T1", team_id=team.id, user_id="U1")
        assert not await teams.is_manager(s, workspace_id="T1", team_id=other.id, user_id="U1")
        assert await teams.manages_any_team(s, workspace_id="T1", user_id="U2")
        assert not await teams.manages_any_team(s, workspace_id="T1", user_id="U3")
    assert len(await rows("manager", team_id=team.id)) == 2

    async with db.write() as s:
        removed = await teams.remove_manager(s, workspace_id="T1", team_id=team.id, user_id="U2")
        removed_again = await teams.remove_manager(
            s, workspace_id="T1", team_id=team.id, user_id="U2"
        )
    assert (removed, removed_again) == (True, False)
    assert [r["user_id"] for r in await rows("manager")] == ["U1"]


async def test_team_members_join_leave_and_rejoin(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    now = clock.now()
    async with db.write() as s:
        for user_id, name in (("U1", "Ann"), ("U2", "Bob"), ("U3", "Cid")):
            await people.upsert_member(
                s, workspace_id="T1", user_id=user_id, name=name, tz=None, now=now
            )
            await teams.add_team_member(
                s, workspace_id="T1", team_id=team.id, user_id=user_id, now=now
            )
        # U3 is deactivated in the workspace: still in the team, but not listed.
        await people.upsert_member(
            s, workspace_id="T1", user_id="U3", name="Cid", tz=None, now=now, active=False
        )
        left = await teams.remove_team_member(s, workspace_id="T1", team_id=team.id, user_id="U2")
        left_again = await teams.remove_team_member(
            s, workspace_id="T1", team_id=team.id, user_id="U2"
        )

    assert (left, left_again) == (True, False)
    async with db.read() as s:
        members = await teams.list_team_members(s, workspace_id="T1", team_id=team.id)
        assert members == [Member(workspace_id="T1", user_id="U1", name="Ann")]
        assert not await teams.is_team_member(s, workspace_id="T1", team_id=team.id, user_id="U2")
        assert await teams.is_team_member(s, workspace_id="T1", team_id=team.id, user_id="U3")

    async with db.write() as s:
        await teams.add_team_member(s, workspace_id="T1", team_id=team.id, user_id="U2", now=now)
    stored = await rows("team_member", team_id=team.id)
    assert [(r["user_id"], r["active"]) for r in stored] == [
        ("U1", True),
        ("U2", True),
        ("U3", True),
    ]


async def test_set_team_members_deactivates_the_others(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    other = await new_team(channel_id="C2", name="other")
    now = clock.now()
    async with db.write() as s:
        for user_id in ("U1", "U2", "U3", "U4"):
            await people.upsert_member(
                s, workspace_id="T1", user_id=user_id, name=user_id, tz=None, now=now
            )
        await teams.set_team_members(
            s, workspace_id="T1", team_id=team.id, user_ids=["U1", "U2", "U3"], now=now
        )
        await teams.set_team_members(
            s, workspace_id="T1", team_id=other.id, user_ids=["U1"], now=now
        )
    async with db.write() as s:
        await teams.set_team_members(
            s, workspace_id="T1", team_id=team.id, user_ids=["U2", "U4", "U4"], now=now
        )

    stored = await rows("team_member", team_id=team.id)
    assert [(r["user_id"], r["active"]) for r in stored] == [
        ("U1", False),
        ("U2", True),
        ("U3", False),
        ("U4", True),
    ]
    async with db.read() as s:
        listed = await teams.list_team_members(s, workspace_id="T1", team_id=team.id)
        other_listed = await teams.list_team_members(s, workspace_id="T1", team_id=other.id)
    assert [m.user_id for m in listed] == ["U2", "U4"]
    # Another team's membership is not touched.
    assert [m.user_id for m in other_listed] == ["U1"]

    async with db.write() as s:
        await teams.set_team_members(s, workspace_id="T1", team_id=team.id, user_ids=[], now=now)
    stored = await rows("team_member", team_id=team.id)
    assert [r["active"] for r in stored] == [False, False, False, False]
    assert [r["active"] for r in await rows("team_member", team_id=other.id)] == [True]


async def test_teams_of_user_lists_member_and_manager_teams(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    member_team = await new_team(channel_id="C1", name="beta")
    managed_team = await new_team(channel_id="C2", name="alpha")
    left_team = await new_team(channel_id="C3", name="gamma")
    await new_team(channel_id="C4", name="delta")
    now = clock.now()
    async with db.write() as s:
        await teams.add_team_member(
            s, workspace_id="T1", team_id=member_team.id, user_id="U1", now=now
        )
        await teams.add_manager(s, workspace_id="T1", team_id=managed_team.id, user_id="U1")
        await teams.add_team_member(
            s, workspace_id="T1", team_id=left_team.id, user_id="U1", now=now
        )
        await teams.remove_team_member(s, workspace_id="T1", team_id=left_team.id, user_id="U1")

    async with db.read() as s:
        found = await teams.teams_of_user(s, workspace_id="T1", user_id="U1")
    assert [t.name for t in found] == ["alpha", "beta"]


async def _populate(db: Database, clock: FrozenClock, team: Team) -> None:
    """Put a row in every table for the team's workspace."""
    ws, now = team.workspace_id, clock.now()
    async with db.write() as s:
        await people.upsert_member(s, workspace_id=ws, user_id="U1", name="Ann", tz=None, now=now)
        await teams.add_team_member(s, workspace_id=ws, team_id=team.id, user_id="U1", now=now)
        await teams.add_manager(s, workspace_id=ws, team_id=team.id, user_id="U1")
        rnd, _ = await rounds.open_round(s, workspace_id=ws, team_id=team.id, period="p1", now=now)
        await ledger.create_team_deliveries(
            s, workspace_id=ws, team_id=team.id, round_id=rnd.id, now=now
        )
        await rounds.upsert_answer(
            s,
            workspace_id=ws,
            round_id=rnd.id,
            user_id="U1",
            circle=Circle.WHAT,
            value=AnswerValue.YES,
            now=now,
        )
        await ledger.claim_digest(
            s, workspace_id=ws, round_id=rnd.id, channel_id="C1", now=now, stale_before=now
        )
        await ledger.record_event(s, workspace_id=ws, event_id="Ev1", now=now)


async def test_delete_workspace_removes_that_workspace_only(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    doomed = await new_team(workspace_id="T1", channel_id="C1")
    kept = await new_team(workspace_id="T2", channel_id="C1")
    await _populate(db, clock, doomed)
    await _populate(db, clock, kept)
    tables = (
        "workspace",
        "team",
        "member",
        "team_member",
        "manager",
        "round",
        "delivery",
        "answer",
        "digest",
        "processed_event",
    )
    for table in tables[1:]:
        assert len(await rows(table, workspace_id="T1")) == 1, table
    before = {table: await rows(table) for table in tables}

    async with db.write() as s:
        await teams.delete_workspace(s, workspace_id="T1")

    assert await rows("workspace") == [r for r in before["workspace"] if r["id"] == "T2"]
    for table in tables[1:]:
        assert await rows(table) == [r for r in before[table] if r["workspace_id"] == "T2"], table
        assert len(await rows(table, workspace_id="T2")) == 1, table
    async with db.read() as s:
        assert await teams.list_teams(s, workspace_id="T1") == []
        assert await teams.list_teams(s, workspace_id="T2") == [kept]
