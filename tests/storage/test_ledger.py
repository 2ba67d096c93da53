"""The side-effect ledgers (deliveries, digests, processed events) and workspace deletion."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from sqlmodel import select

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Delivery, DeliveryStatus, Round, Team
from storage import repository as repo
from storage.db import Database
from storage.tables import DeliveryRow
from tests.storage.conftest import RoundMaker, RowReader, TeamMaker

SENT, FAILED, PENDING = DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.PENDING


async def test_create_deliveries_records_each_member_once(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    async with db.write() as s:
        first = await repo.create_deliveries(
            s, workspace_id="T1", round_id=rnd.id, user_ids=["U2", "U1", "U2"], now=clock.now()
        )
        none = await repo.create_deliveries(
            s, workspace_id="T1", round_id=rnd.id, user_ids=[], now=clock.now()
        )
    async with db.write() as s:
        second = await repo.create_deliveries(
            s, workspace_id="T1", round_id=rnd.id, user_ids=["U1", "U3"], now=clock.now()
        )

    assert (first, none, second) == (2, 0, 1)
    stored = await rows("delivery", round_id=rnd.id)
    assert sorted((r["user_id"], r["status"], r["attempts"]) for r in stored) == [
        ("U1", "pending", 0),
        ("U2", "pending", 0),
        ("U3", "pending", 0),
    ]
    async with db.read() as s:
        listed = await repo.list_deliveries(s, workspace_id="T1", round_id=rnd.id)
    assert listed == [
        Delivery(round_id=rnd.id, user_id=u, status=PENDING) for u in ("U1", "U2", "U3")
    ]


async def test_team_deliveries_go_to_active_members_of_that_team_once(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    team, other = await new_team(), await new_team(channel_id="C2", name="beta")
    now = clock.now()
    async with db.write() as s:
        for user in ("U1", "U2", "U3", "U4", "U5"):
            await repo.upsert_member(
                s, workspace_id="T1", user_id=user, name=user, tz=None, now=now, active=user != "U3"
            )  # U3 left the workspace
        await repo.set_team_members(
            s, workspace_id="T1", team_id=team.id, user_ids=["U1", "U2", "U3", "U4"], now=now
        )
        await repo.remove_team_member(s, workspace_id="T1", team_id=team.id, user_id="U4")
        await repo.set_team_members(
            s, workspace_id="T1", team_id=other.id, user_ids=["U5"], now=now
        )
    rnd = await new_round(team, "p1")
    ids: dict[str, Any] = {"workspace_id": "T1", "team_id": team.id, "round_id": rnd.id}
    async with db.write() as s:
        first = await repo.create_team_deliveries(s, **ids, now=now)
        await repo.mark_delivery_sent(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U1",
            channel_id="D1",
            message_ts="1.1",
            now=now,
        )
    async with db.write() as s:
        again = await repo.create_team_deliveries(s, **ids, now=now)

    assert (first, again) == (2, 0)
    stored = await rows("delivery", round_id=rnd.id)
    assert sorted((r["user_id"], r["status"], r["workspace_id"]) for r in stored) == [
        ("U1", "sent", "T1"),
        ("U2", "pending", "T1"),
    ]
    async with db.read() as s:
        stamped = (
            await s.execute(select(DeliveryRow.updated_at).where(DeliveryRow.user_id == "U2"))
        ).scalar_one()
    assert stamped == now


async def test_deliveries_are_marked_sent_and_failed_but_failed_never_overrides_sent(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    rnd = await new_round(await new_team(), "p1")
    ids: dict[str, Any] = {"workspace_id": "T1", "round_id": rnd.id}
    async with db.write() as s:
        await repo.create_deliveries(s, **ids, user_ids=["U1", "U2", "U3"], now=clock.now())
        await repo.mark_delivery_sent(
            s, **ids, user_id="U1", channel_id="D1", message_ts="1.1", now=clock.now()
        )
        await repo.mark_delivery_failed(s, **ids, user_id="U2", error="x" * 600, now=clock.now())
    clock.advance(timedelta(minutes=1))
    async with db.write() as s:
        # A late failure report for a message that went out changes nothing.
        await repo.mark_delivery_failed(
            s, **ids, user_id="U1", error="ratelimited", now=clock.now()
        )
        # A retry of the failed one succeeds.
        await repo.mark_delivery_sent(
            s, **ids, user_id="U2", channel_id="D2", message_ts="2.2", now=clock.now()
        )
        await repo.mark_delivery_failed(
            s, **ids, user_id="U3", error="user_not_found", now=clock.now()
        )

    async with db.read() as s:
        u1 = await repo.get_delivery(s, **ids, user_id="U1")
        u2 = await repo.get_delivery(s, **ids, user_id="U2")
        failed = await repo.list_deliveries(s, **ids, status=FAILED)
        sent = await repo.list_deliveries(s, **ids, status=SENT)
        absent = await repo.get_delivery(s, **ids, user_id="U9")
    assert u1 == Delivery(
        round_id=rnd.id,
        user_id="U1",
        status=SENT,
        channel_id="D1",
        message_ts="1.1",
        error=None,
        attempts=1,
    )
    assert u2 == Delivery(
        round_id=rnd.id,
        user_id="U2",
        status=SENT,
        channel_id="D2",
        message_ts="2.2",
        error=None,
        attempts=2,
    )
    assert failed == [
        Delivery(round_id=rnd.id, user_id="U3", status=FAILED, error="user_not_found", attempts=1)
    ]
    assert [d.user_id for d in sent] == ["U1", "U2"]
    assert absent is None


async def test_a_failure_error_is_cut_to_500_characters(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    async with db.write() as s:
        await repo.create_deliveries(
            s, workspace_id="T1", round_id=rnd.id, user_ids=["U1"], now=clock.now()
        )
        await repo.mark_delivery_failed(
            s, workspace_id="T1", round_id=rnd.id, user_id="U1", error="e" * 700, now=clock.now()
        )

    (stored,) = await rows("delivery", round_id=rnd.id)
    assert (stored["status"], stored["error"]) == ("failed", "e" * 500)


async def _claim(db: Database, clock: FrozenClock, rnd: Round) -> bool:
    async with db.write() as s:
        return await repo.claim_digest(
            s, workspace_id="T1", round_id=rnd.id, channel_id="C1", now=clock.now()
        )


async def test_claim_digest_succeeds_once_until_released(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")

    assert await _claim(db, clock, rnd) is True
    assert await _claim(db, clock, rnd) is False
    async with db.write() as s:
        await repo.release_digest(s, workspace_id="T1", round_id=rnd.id)
    assert await rows("digest") == []
    assert await _claim(db, clock, rnd) is True

    async with db.write() as s:
        await repo.mark_digest_posted(
            s, workspace_id="T1", round_id=rnd.id, message_ts="9.9", now=clock.now()
        )
        # A posted digest is never released, so it is never posted again.
        await repo.release_digest(s, workspace_id="T1", round_id=rnd.id)
    assert await _claim(db, clock, rnd) is False
    stored = await rows("digest")
    assert [(r["round_id"], r["status"], r["message_ts"], r["posted_at"]) for r in stored] == [
        (rnd.id, "posted", "9.9", clock.now())
    ]


async def test_concurrent_digest_claims_have_one_winner(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")

    claims = await asyncio.gather(*(_claim(db, clock, rnd) for _ in range(10)))

    assert sorted(claims) == [False] * 9 + [True]
    assert len(await rows("digest", round_id=rnd.id)) == 1


async def _record(db: Database, clock: FrozenClock, workspace_id: str, event_id: str) -> bool:
    async with db.write() as s:
        return await repo.record_event(
            s, workspace_id=workspace_id, event_id=event_id, now=clock.now()
        )


async def test_record_event_is_true_only_the_first_time(
    db: Database, clock: FrozenClock, rows: RowReader
) -> None:
    assert await _record(db, clock, "T1", "Ev1") is True
    assert await _record(db, clock, "T1", "Ev1") is False
    assert await _record(db, clock, "T2", "Ev1") is True
    assert await _record(db, clock, "T1", "Ev2") is True

    concurrent = await asyncio.gather(*(_record(db, clock, "T1", "Ev3") for _ in range(10)))

    assert sorted(concurrent) == [False] * 9 + [True]
    stored = await rows("processed_event")
    assert sorted((r["workspace_id"], r["event_id"]) for r in stored) == [
        ("T1", "Ev1"),
        ("T1", "Ev2"),
        ("T1", "Ev3"),
        ("T2", "Ev1"),
    ]


async def _populate(db: Database, clock: FrozenClock, team: Team) -> None:
    """Put a row in every table for the team's workspace."""
    ws, now = team.workspace_id, clock.now()
    async with db.write() as s:
        await repo.upsert_member(s, workspace_id=ws, user_id="U1", name="Ann", tz=None, now=now)
        await repo.add_team_member(s, workspace_id=ws, team_id=team.id, user_id="U1", now=now)
        await repo.add_manager(s, workspace_id=ws, team_id=team.id, user_id="U1")
        rnd, _ = await repo.open_round(s, workspace_id=ws, team_id=team.id, period="p1", now=now)
        await repo.create_deliveries(s, workspace_id=ws, round_id=rnd.id, user_ids=["U1"], now=now)
        await repo.upsert_answer(
            s,
            workspace_id=ws,
            round_id=rnd.id,
            user_id="U1",
            circle=Circle.WHAT,
            value=AnswerValue.YES,
            now=now,
        )
        await repo.claim_digest(s, workspace_id=ws, round_id=rnd.id, channel_id="C1", now=now)
        await repo.record_event(s, workspace_id=ws, event_id="Ev1", now=now)


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
        await repo.delete_workspace(s, workspace_id="T1")

    assert await rows("workspace") == [r for r in before["workspace"] if r["id"] == "T2"]
    for table in tables[1:]:
        assert await rows(table) == [r for r in before[table] if r["workspace_id"] == "T2"], table
        assert len(await rows(table, workspace_id="T2")) == 1, table
    async with db.read() as s:
        assert await repo.list_teams(s, workspace_id="T1") == []
        assert await repo.list_teams(s, workspace_id="T2") == [kept]
