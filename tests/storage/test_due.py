"""The scheduler's claims on both databases: due times, delivery leases, reminders, digests."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.circles import CIRCLES, AnswerValue, Circle
from bot.domain.model import DeliveryStatus, Round, Team
from storage import repository as repo
from storage import scheduling as sched
from storage.db import Database
from storage.migrate import current_revision, head_revision, upgrade
from tests.storage.conftest import RoundMaker, RowReader, TeamMaker
from tests.support.databases import DatabaseFactory

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
        await sched.set_next_pulse(
            s, workspace_id=team.workspace_id, team_id=team.id, pulse_at=pulse
        )
        await sched.set_round_times(
            s, workspace_id=team.workspace_id, team_id=team.id, reminder_at=reminder, close_at=close
        )


async def test_due_scans_find_teams_whose_time_has_come(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    now = clock.now()
    due = await new_team(channel_id="C1", name="due")
    later = await new_team(channel_id="C2", name="later")
    other_workspace = await new_team(workspace_id="T2", channel_id="C1", name="elsewhere")
    await _team_with_due_times(db, due, pulse=now, reminder=now - MINUTE, close=now)
    await _team_with_due_times(db, later, pulse=now + MINUTE, reminder=now + MINUTE)
    await _team_with_due_times(db, other_workspace, pulse=now - MINUTE)

    async with db.read() as s:
        pulses = await sched.teams_due_to_pulse(s, now=now, limit=10)
        reminders = await sched.teams_due_to_remind(s, now=now, limit=10)
        closes = await sched.teams_due_to_close(s, now=now, limit=10)

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
        assert await sched.teams_due_to_pulse(s, now=clock.now(), limit=10) == []
        assert await sched.teams_without_next_pulse(s, limit=10) == []


async def test_claiming_a_pulse_has_one_winner_among_concurrent_claimers(
    db_url: str, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    seen = clock.now() - MINUTE
    following = seen + timedelta(weeks=1)
    replicas = [Database(db_url) for _ in range(4)]
    try:
        async with replicas[0].write() as s:
            await sched.set_next_pulse(s, workspace_id="T1", team_id=team.id, pulse_at=seen)

        async def claim(replica: Database) -> bool:
            async with replica.write() as s:
                return await sched.claim_pulse(
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
        assert await sched.claim_reminder(s, workspace_id="T1", team_id=team.id, seen=now)
        assert not await sched.claim_reminder(s, workspace_id="T1", team_id=team.id, seen=now)
        # The wrong workspace never claims another's team.
        assert not await sched.claim_close(s, workspace_id="T2", team_id=team.id, seen=now)
        assert await sched.claim_close(s, workspace_id="T1", team_id=team.id, seen=now)
    stored = (await rows("team"))[0]
    assert (stored["next_reminder_at"], stored["next_close_at"]) == (None, None)


async def test_close_leaves_a_round_opened_after_the_close_time_open(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    due = clock.now()
    clock.advance(MINUTE)
    fresh = await new_round(team, "manual")
    async with db.write() as s:
        closed = await sched.close_rounds_opened_before(
            s, workspace_id="T1", team_id=team.id, before=due, now=clock.now()
        )
    assert closed == []

    clock.advance(timedelta(days=7))
    async with db.write() as s:
        closed = await sched.close_rounds_opened_before(
            s, workspace_id="T1", team_id=team.id, before=clock.now(), now=clock.now()
        )
    assert [(r.id, r.closed_at) for r in closed] == [(fresh.id, clock.now())]


async def _deliveries(db: Database, rnd: Round, users: list[str], now: datetime) -> None:
    async with db.write() as s:
        await repo.create_deliveries(
            s, workspace_id=rnd.workspace_id, round_id=rnd.id, user_ids=users, now=now
        )


async def _claim(
    db: Database,
    rnd: Round,
    *,
    owner: str,
    now: datetime,
    limit: int = 10,
    lease: timedelta = timedelta(minutes=2),
) -> list[str]:
    async with db.write() as s:
        held = await sched.claim_deliveries(
            s,
            workspace_id=rnd.workspace_id,
            round_id=rnd.id,
            owner=owner,
            now=now,
            until=now + lease,
            limit=limit,
        )
    return [d.user_id for d in held]


async def test_deliveries_are_leased_to_one_owner_until_the_lease_runs_out(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    await _deliveries(db, rnd, ["U1", "U2", "U3"], now)

    assert await _claim(db, rnd, owner="a", now=now, limit=2) == ["U1", "U2"]
    assert await _claim(db, rnd, owner="b", now=now) == ["U3"]
    assert await _claim(db, rnd, owner="c", now=now) == []
    async with db.read() as s:
        assert await sched.rounds_to_send(s, now=now, limit=10) == []

    # "a" sends U1; then "a" dies. Its lease on U2 runs out and U2 can be taken again.
    async with db.write() as s:
        await sched.mark_sent(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U1",
            channel_id="DU1",
            message_ts="1.1",
            now=now,
        )
    later = now + timedelta(minutes=2)
    async with db.read() as s:
        waiting = await sched.rounds_to_send(s, now=later, limit=10)
    assert [(w.team.name, w.round.id) for w in waiting] == [("alpha", rnd.id)]
    assert await _claim(db, rnd, owner="c", now=later) == ["U2", "U3"]

    stored = {r["user_id"]: r for r in await rows("delivery", round_id=rnd.id)}
    assert {u: (r["status"], r["lease_owner"], r["attempts"]) for u, r in stored.items()} == {
        "U1": ("sent", "a", 1),
        "U2": ("pending", "c", 2),
        "U3": ("pending", "c", 2),
    }


async def test_a_heartbeat_keeps_the_lease_and_a_release_waits_for_the_retry_time(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    await _deliveries(db, rnd, ["U1", "U2"], now)
    assert await _claim(db, rnd, owner="a", now=now, lease=MINUTE) == ["U1", "U2"]

    async with db.write() as s:
        renewed = await sched.renew_leases(s, owner="a", until=now + 5 * MINUTE)
        released = await sched.release_delivery(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U2",
            owner="a",
            error="ratelimited",
            retry_at=now + 3 * MINUTE,
            now=now,
        )
        # Somebody else's release never touches a row it does not hold.
        foreign = await sched.release_delivery(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U1",
            owner="b",
            error="x",
            retry_at=now,
            now=now,
        )
    assert (renewed, released, foreign) == (2, True, False)

    assert await _claim(db, rnd, owner="b", now=now + 2 * MINUTE) == []
    assert await _claim(db, rnd, owner="b", now=now + 3 * MINUTE, lease=10 * MINUTE) == ["U2"]
    assert await _claim(db, rnd, owner="c", now=now + 5 * MINUTE) == ["U1"]
    stored = {r["user_id"]: r for r in await rows("delivery", round_id=rnd.id)}
    assert stored["U2"]["error"] == "ratelimited"


async def test_concurrent_claimers_never_share_a_delivery(
    db_url: str, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    rnd = await new_round(await new_team(), "p1")
    users = [f"U{i:03d}" for i in range(120)]
    await _deliveries(Database(db_url), rnd, users, clock.now())
    replicas = [Database(db_url) for _ in range(3)]

    async def drain(replica: Database, owner: str) -> list[str]:
        got: list[str] = []
        while batch := await _claim(replica, rnd, owner=owner, now=clock.now(), limit=7):
            got += batch
            await asyncio.sleep(0)
        return got

    try:
        shares = await asyncio.gather(*(drain(r, f"o{i}") for i, r in enumerate(replicas)))
    finally:
        for replica in replicas:
            await replica.dispose()

    claimed = [u for share in shares for u in share]
    assert sorted(claimed) == users  # every row once, none twice


async def test_failed_never_overrides_sent_and_counts_add_up(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    await _deliveries(db, rnd, ["U1", "U2", "U3"], now)
    async with db.write() as s:
        await sched.mark_sent(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U1",
            channel_id="DU1",
            message_ts="1.1",
            now=now,
        )
        await sched.mark_failed(
            s, workspace_id="T1", round_id=rnd.id, user_id="U1", error="late", now=now
        )
        await sched.mark_failed(
            s, workspace_id="T1", round_id=rnd.id, user_id="U2", error="user_not_found", now=now
        )
    async with db.read() as s:
        counts = await sched.delivery_counts(s, workspace_id="T1", round_id=rnd.id)
        failed = await repo.list_deliveries(
            s, workspace_id="T1", round_id=rnd.id, status=DeliveryStatus.FAILED
        )
    assert counts == {DeliveryStatus.PENDING: 1, DeliveryStatus.SENT: 1, DeliveryStatus.FAILED: 1}
    assert [(d.user_id, d.error) for d in failed] == [("U2", "user_not_found")]


async def test_reminders_go_once_to_members_who_owe_answers(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    await _deliveries(db, rnd, ["UALL", "USOME", "UNONE", "UNOTSENT"], now)
    async with db.write() as s:
        for user in ("UALL", "USOME", "UNONE"):
            await sched.mark_sent(
                s,
                workspace_id="T1",
                round_id=rnd.id,
                user_id=user,
                channel_id=f"D{user}",
                message_ts="1.1",
                now=now,
            )
        for circle in CIRCLES:
            await repo.upsert_answer(
                s,
                workspace_id="T1",
                round_id=rnd.id,
                user_id="UALL",
                circle=circle,
                value=AnswerValue.NOT_SURE,
                now=now,
            )
        await repo.upsert_answer(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="USOME",
            circle=Circle.WHAT,
            value=AnswerValue.YES,
            now=now,
        )
        # A note without an answer is no answer.
        for circle in (Circle.HOW, Circle.DELIVER):
            await repo.upsert_note(
                s,
                workspace_id="T1",
                round_id=rnd.id,
                user_id="USOME",
                circle=circle,
                note="n",
                internal_customer=False,
                now=now,
            )

    async def claim() -> list[sched.ReminderTarget]:
        async with db.write() as s:
            return await sched.claim_reminders(
                s, workspace_id="T1", round_id=rnd.id, now=clock.now()
            )

    first, second = await claim(), await claim()

    assert first == [
        sched.ReminderTarget(user_id="UNONE", channel_id="DUNONE", message_ts="1.1"),
        sched.ReminderTarget(user_id="USOME", channel_id="DUSOME", message_ts="1.1"),
    ]
    assert second == []
    async with db.read() as s:
        assert await sched.round_reminded_at(s, workspace_id="T1", round_id=rnd.id) == now


async def test_digest_claim_is_taken_over_only_when_stale(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    team = await new_team()
    rnd = await new_round(team, "p1")
    lease = timedelta(minutes=10)
    async with db.write() as s:
        await repo.close_round(s, workspace_id="T1", round_id=rnd.id, now=clock.now())

    async def claim() -> bool:
        now = clock.now()
        async with db.write() as s:
            return await sched.claim_digest(
                s,
                workspace_id="T1",
                round_id=rnd.id,
                channel_id="C1",
                now=now,
                stale_before=now - lease,
            )

    async def awaiting() -> list[int]:
        now = clock.now()
        async with db.read() as s:
            found = await sched.rounds_awaiting_digest(
                s, closed_since=now - timedelta(days=8), stale_before=now - lease, limit=10
            )
        return [f.round.id for f in found]

    assert await awaiting() == [rnd.id]
    assert await claim() is True
    assert await awaiting() == []
    clock.advance(lease - MINUTE)
    assert await claim() is False
    clock.advance(MINUTE)
    # The poster died holding the claim: another takes it over, once.
    assert await awaiting() == [rnd.id]
    assert await asyncio.gather(claim(), claim()) in ([True, False], [False, True])

    async with db.write() as s:
        await sched.mark_digest_failed(
            s, workspace_id="T1", round_id=rnd.id, error="not_in_channel"
        )
    clock.advance(timedelta(hours=1))
    assert await awaiting() == []
    assert await claim() is False
    assert [(r["status"], r["error"]) for r in await rows("digest")] == [
        ("failed", "not_in_channel")
    ]
    clock.advance(timedelta(days=8))
    async with db.write() as s:
        await s.execute(text("DELETE FROM digest"))
    assert await awaiting() == []  # too old for an automatic digest


async def test_rounds_up_to_a_round_are_its_predecessors(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    made = []
    for week in range(5):
        made.append(await new_round(team, f"w{week}"))
        clock.advance(timedelta(days=7))
    async with db.read() as s:
        upto = await sched.rounds_up_to(
            s, workspace_id="T1", team_id=team.id, round_id=made[3].id, limit=3
        )
        assert await sched.last_opened_at(s, workspace_id="T1", team_id=team.id) == (
            made[4].opened_at
        )
    assert [r.period for r in upto] == ["w1", "w2", "w3"]


async def test_migration_0002_keeps_existing_rows(
    dialect: str, databases: DatabaseFactory, clock: FrozenClock
) -> None:
    db = Database(await databases.create(dialect, migrated=False))
    try:
        await upgrade(db, "0001")
        async with db.write() as s:
            team, _ = await repo.upsert_team(
                s, workspace_id="T1", channel_id="C1", name="a", tz="UTC", now=clock.now()
            )
            rnd, _ = await repo.open_round(
                s, workspace_id="T1", team_id=team.id, period="p", now=clock.now()
            )
            await s.execute(
                text(
                    "INSERT INTO delivery (workspace_id, round_id, user_id, status, attempts, "
                    "updated_at) VALUES ('T1', :r, 'U1', 'pending', 0, :t)"
                ),
                {
                    "r": rnd.id,
                    "t": clock.now().replace(tzinfo=None) if dialect == "sqlite" else clock.now(),
                },
            )
        await upgrade(db)
        assert await current_revision(db) == head_revision()
        async with db.read() as s:
            waiting = await sched.rounds_to_send(s, now=clock.now(), limit=10)
            runs = await sched.next_runs(s, workspace_id="T1", team_id=team.id)
        assert [w.round.id for w in waiting] == [rnd.id]
        assert runs == sched.NextRuns(pulse_at=None, reminder_at=None, close_at=None)
    finally:
        await db.dispose()
