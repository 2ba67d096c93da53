"""The ledger (``storage.ledger``) on both databases: deliveries and their leases, reminders,
digests and processed events, each claimed by one caller only."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.domain.circles import CIRCLES, AnswerValue, Circle
from bot.domain.model import Delivery, DeliveryStatus, Round
from storage import due, ledger, people, rounds, teams
from storage.db import Database
from storage.tables import DeliveryRow
from tests.storage.conftest import DeliveryMaker, RoundMaker, RowReader, TeamMaker
from tests.support.rows import close_round, delivery_counts

SENT, FAILED, PENDING = DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.PENDING
MINUTE = timedelta(minutes=1)
DIGEST_LEASE = timedelta(minutes=10)


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
        held = await ledger.claim_deliveries(
            s,
            workspace_id=rnd.workspace_id,
            round_id=rnd.id,
            owner=owner,
            now=now,
            until=now + lease,
            limit=limit,
        )
    return [d.user_id for d in held]


async def _sent(s: AsyncSession, rnd: Round, *users: str, now: datetime, ts: str = "1.1") -> None:
    """Slack accepted the DMs to ``users``: each in channel ``D<user>``, at ``ts``."""
    await ledger.mark_sent_many(
        s,
        workspace_id=rnd.workspace_id,
        round_id=rnd.id,
        sent=[ledger.SentDM(user_id=u, channel_id=f"D{u}", message_ts=ts) for u in users],
        now=now,
    )


# ---------------------------------------------------------------------------------------------
# deliveries


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
            await people.upsert_member(
                s, workspace_id="T1", user_id=user, name=user, tz=None, now=now, active=user != "U3"
            )  # U3 left the workspace
        await teams.set_team_members(
            s, workspace_id="T1", team_id=team.id, user_ids=["U1", "U2", "U3", "U4"], now=now
        )
        await teams.remove_team_member(s, workspace_id="T1", team_id=team.id, user_id="U4")
        await teams.set_team_members(
            s, workspace_id="T1", team_id=other.id, user_ids=["U5"], now=now
        )
    rnd = await new_round(team, "p1")
    ids: dict[str, Any] = {"workspace_id": "T1", "team_id": team.id, "round_id": rnd.id}
    async with db.write() as s:
        first = await ledger.create_team_deliveries(s, **ids, now=now)
        await _sent(s, rnd, "U1", now=now)
    async with db.write() as s:
        again = await ledger.create_team_deliveries(s, **ids, now=now)

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
        pending = await ledger.get_delivery(s, workspace_id="T1", round_id=rnd.id, user_id="U2")
    assert stamped == now
    assert pending == Delivery(round_id=rnd.id, user_id="U2", status=PENDING, attempts=0)


async def test_deliveries_are_leased_to_one_owner_until_the_lease_runs_out(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    await new_deliveries(rnd, ["U1", "U2", "U3"])

    assert await _claim(db, rnd, owner="a", now=now, limit=2) == ["U1", "U2"]
    assert await _claim(db, rnd, owner="b", now=now) == ["U3"]
    assert await _claim(db, rnd, owner="c", now=now) == []
    async with db.read() as s:
        assert await due.rounds_to_send(s, now=now, limit=10) == []

    # "a" sends U1; then "a" dies. Its lease on U2 runs out and U2 can be taken again.
    async with db.write() as s:
        await _sent(s, rnd, "U1", now=now)
    later = now + timedelta(minutes=2)
    async with db.read() as s:
        waiting = await due.rounds_to_send(s, now=later, limit=10)
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
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    await new_deliveries(rnd, ["U1", "U2"])
    assert await _claim(db, rnd, owner="a", now=now, lease=MINUTE) == ["U1", "U2"]
    ids: dict[str, Any] = {"workspace_id": "T1", "round_id": rnd.id, "now": now}

    async with db.write() as s:
        renewed = await ledger.renew_leases(s, owner="a", until=now + 5 * MINUTE)
        released = await ledger.release_delivery(
            s, **ids, user_id="U2", owner="a", error="ratelimited", retry_at=now + 3 * MINUTE
        )
        # Somebody else's release never touches a row it does not hold.
        foreign = await ledger.release_delivery(
            s, **ids, user_id="U1", owner="b", error="x", retry_at=now
        )
    assert (renewed, released, foreign) == (2, True, False)

    assert await _claim(db, rnd, owner="b", now=now + 2 * MINUTE) == []
    assert await _claim(db, rnd, owner="b", now=now + 3 * MINUTE, lease=10 * MINUTE) == ["U2"]
    assert await _claim(db, rnd, owner="c", now=now + 5 * MINUTE) == ["U1"]
    stored = {r["user_id"]: r for r in await rows("delivery", round_id=rnd.id)}
    assert stored["U2"]["error"] == "ratelimited"


async def test_concurrent_claimers_never_share_a_delivery(
    db_url: str,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    users = [f"U{i:03d}" for i in range(120)]
    assert await new_deliveries(rnd, users) == len(users)
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


async def test_on_postgresql_a_claimer_takes_other_rows_than_an_open_claim_without_waiting(
    dialect: str,
    db_url: str,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    if dialect == "sqlite":
        pytest.skip("SQLite serialises writers: a second claimer waits its turn by design")
    rnd = await new_round(await new_team(), "p1")
    users = [f"U{i:02d}" for i in range(20)]
    await new_deliveries(rnd, users)
    now = clock.now()
    first, second = Database(db_url), Database(db_url)
    try:
        async with first.write() as s:
            held = await ledger.claim_deliveries(
                s,
                workspace_id="T1",
                round_id=rnd.id,
                owner="a",
                now=now,
                until=now + MINUTE,
                limit=10,
            )
            # "a" has not committed: "b" passes over its rows at once instead of waiting.
            others = await asyncio.wait_for(
                _claim(second, rnd, owner="b", now=now, limit=20), timeout=5
            )
    finally:
        await first.dispose()
        await second.dispose()

    assert ([d.user_id for d in held], others) == (users[:10], users[10:])
    stored = {r["user_id"]: r["lease_owner"] for r in await rows("delivery", round_id=rnd.id)}
    assert stored == {u: "a" if u < "U10" else "b" for u in users}


async def test_failed_never_overrides_sent_and_counts_add_up(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    ids: dict[str, Any] = {"workspace_id": "T1", "round_id": rnd.id}
    await new_deliveries(rnd, ["U1", "U2", "U3", "U4"])
    claimed_at = clock.now()
    assert await _claim(db, rnd, owner="a", now=claimed_at) == ["U1", "U2", "U3", "U4"]
    async with db.write() as s:
        await _sent(s, rnd, "U1", now=clock.now())
        await ledger.mark_failed(s, **ids, user_id="U2", error="channel_not_found", now=clock.now())
        await ledger.mark_sent_many(s, **ids, sent=[], now=clock.now())  # nothing to record
    clock.advance(MINUTE)
    async with db.write() as s:
        # A late failure report for a message that went out changes nothing.
        await ledger.mark_failed(s, **ids, user_id="U1", error="ratelimited", now=clock.now())
        # Slack accepted the failed one after all: the message exists, so it is sent.
        await _sent(s, rnd, "U2", now=clock.now(), ts="2.2")
        await ledger.mark_failed(s, **ids, user_id="U3", error="user_not_found", now=clock.now())

    async with db.read() as s:
        found = {u: await ledger.get_delivery(s, **ids, user_id=u) for u in ("U1", "U2", "U3")}
        absent = await ledger.get_delivery(s, **ids, user_id="U9")
        counts = await delivery_counts(s, **ids)
    # Marking is no attempt: each row counts the one claim that leased it.
    assert found == {
        "U1": Delivery(rnd.id, "U1", SENT, channel_id="DU1", message_ts="1.1", attempts=1),
        "U2": Delivery(rnd.id, "U2", SENT, channel_id="DU2", message_ts="2.2", attempts=1),
        "U3": Delivery(rnd.id, "U3", FAILED, error="user_not_found", attempts=1),
    }
    assert absent is None
    assert counts == {PENDING: 1, SENT: 2, FAILED: 1, DeliveryStatus.AWAY: 0}
    # A settled row holds no lease; a sent one keeps naming its sender.
    stored = {r["user_id"]: r for r in await rows("delivery", round_id=rnd.id)}
    assert {u: (r["lease_owner"], r["lease_until"]) for u, r in stored.items()} == {
        "U1": ("a", None),
        "U2": (None, None),
        "U3": (None, None),
        "U4": ("a", claimed_at + 2 * MINUTE),
    }


async def test_a_workspaces_dm_channels_are_each_members_latest(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    team = await new_team()
    first, second = await new_round(team, "p1"), await new_round(team, "p2")
    for rnd in (first, second):
        await new_deliveries(rnd, ["U1", "U2", "U3"])
        await _claim(db, rnd, owner="a", now=clock.now())
    async with db.write() as s:
        await _sent(s, first, "U1", "U2", now=clock.now())
        # U1's DM channel changed (e.g. Slack refused the old one); U3 was never reached.
        await ledger.mark_sent_many(
            s,
            workspace_id=second.workspace_id,
            round_id=second.id,
            sent=[ledger.SentDM(user_id="U1", channel_id="DNEW1", message_ts="2.1")],
            now=clock.now(),
        )
    other = await new_round(await new_team(workspace_id="T2", channel_id="C1"), "p1")
    await new_deliveries(other, ["U1"])
    await _claim(db, other, owner="a", now=clock.now())
    async with db.write() as s:
        await _sent(s, other, "U1", now=clock.now(), ts="9.9")

    async with db.read() as s:
        assert await ledger.dm_channels(s, workspace_id=team.workspace_id) == {
            "U1": "DNEW1",
            "U2": "DU2",
        }
        assert await ledger.dm_channels(s, workspace_id="T9") == {}


async def test_an_error_is_cut_to_500_characters(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    ids: dict[str, Any] = {"workspace_id": "T1", "round_id": rnd.id}
    await new_deliveries(rnd, ["U1", "U2"])
    assert await _claim(db, rnd, owner="a", now=now) == ["U1", "U2"]
    async with db.write() as s:
        await ledger.mark_failed(s, **ids, user_id="U1", error="e" * 700, now=now)
        await ledger.release_delivery(
            s, **ids, user_id="U2", owner="a", error="r" * 700, retry_at=now, now=now
        )
        await ledger.claim_digest(s, **ids, channel_id="C1", now=now, stale_before=now)
        await ledger.mark_digest_failed(s, **ids, error="d" * 700)

    stored = {r["user_id"]: r for r in await rows("delivery", round_id=rnd.id)}
    assert (stored["U1"]["status"], stored["U1"]["error"]) == ("failed", "e" * 500)
    assert (stored["U2"]["status"], stored["U2"]["error"]) == ("pending", "r" * 500)
    assert [(r["status"], r["error"]) for r in await rows("digest")] == [("failed", "d" * 500)]


# ---------------------------------------------------------------------------------------------
# reminders


async def test_reminders_go_once_to_members_who_owe_answers(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    now = clock.now()
    await new_deliveries(rnd, ["UALL", "USOME", "UNONE", "UNOTSENT"])
    answer: dict[str, Any] = {"workspace_id": "T1", "round_id": rnd.id, "now": now}
    async with db.write() as s:
        await _sent(s, rnd, "UALL", "USOME", "UNONE", now=now)
        for circle in CIRCLES:
            await rounds.upsert_answer(
                s, **answer, user_id="UALL", circle=circle, value=AnswerValue.NOT_SURE
            )
        await rounds.upsert_answer(
            s, **answer, user_id="USOME", circle=Circle.WHAT, value=AnswerValue.YES
        )
        # A note without an answer is no answer.
        for circle in (Circle.HOW, Circle.DELIVER):
            await rounds.upsert_note(
                s, **answer, user_id="USOME", circle=circle, note="n", internal_customer=False
            )

    async def claim() -> list[ledger.ReminderTarget]:
        async with db.write() as s:
            return await ledger.claim_reminders(
                s, workspace_id="T1", round_id=rnd.id, now=clock.now()
            )

    first, second = await claim(), await claim()

    assert first == [
        ledger.ReminderTarget(user_id="UNONE", channel_id="DUNONE", message_ts="1.1"),
        ledger.ReminderTarget(user_id="USOME", channel_id="DUSOME", message_ts="1.1"),
    ]
    assert second == []
    async with db.read() as s:
        assert await rounds.round_reminded_at(s, workspace_id="T1", round_id=rnd.id) == now


# ---------------------------------------------------------------------------------------------
# digests


async def _claim_digest(db: Database, clock: FrozenClock, rnd: Round) -> bool:
    now = clock.now()
    async with db.write() as s:
        return await ledger.claim_digest(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            channel_id="C1",
            now=now,
            stale_before=now - DIGEST_LEASE,
        )


async def test_claim_digest_succeeds_once_until_released(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")

    assert await _claim_digest(db, clock, rnd) is True
    assert await _claim_digest(db, clock, rnd) is False
    async with db.write() as s:
        await ledger.release_digest(s, workspace_id="T1", round_id=rnd.id)
    assert await rows("digest") == []
    assert await _claim_digest(db, clock, rnd) is True

    async with db.write() as s:
        await ledger.mark_digest_posted(
            s, workspace_id="T1", round_id=rnd.id, message_ts="9.9", now=clock.now()
        )
        # A posted digest is never released, so it is never posted again.
        await ledger.release_digest(s, workspace_id="T1", round_id=rnd.id)
    assert await _claim_digest(db, clock, rnd) is False
    posted_at = clock.now()
    clock.advance(DIGEST_LEASE + MINUTE)  # nor taken over, however old
    assert await _claim_digest(db, clock, rnd) is False
    stored = await rows("digest")
    assert [(r["round_id"], r["status"], r["message_ts"], r["posted_at"]) for r in stored] == [
        (rnd.id, "posted", "9.9", posted_at)
    ]
    # The round's digest is settled: the tick's scans pass the round over from now on.
    assert [r["digest_settled_at"] for r in await rows("round")] == [posted_at]


async def test_concurrent_digest_claims_have_one_winner(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")

    claims = await asyncio.gather(*(_claim_digest(db, clock, rnd) for _ in range(10)))

    assert sorted(claims) == [False] * 9 + [True]
    assert len(await rows("digest", round_id=rnd.id)) == 1


async def test_digest_claim_is_taken_over_only_when_stale(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    rows: RowReader,
) -> None:
    rnd = await new_round(await new_team(), "p1")
    async with db.write() as s:
        await close_round(s, workspace_id="T1", round_id=rnd.id, now=clock.now())

    async def claim() -> bool:
        return await _claim_digest(db, clock, rnd)

    async def awaiting() -> list[int]:
        now = clock.now()
        async with db.read() as s:
            found = await due.rounds_awaiting_digest(
                s, closed_since=now - timedelta(days=8), stale_before=now - DIGEST_LEASE, limit=10
            )
        return [f.round.id for f in found]

    assert await awaiting() == [rnd.id]
    assert await claim() is True
    assert await awaiting() == []
    clock.advance(DIGEST_LEASE - MINUTE)
    assert await claim() is False
    clock.advance(MINUTE)
    # The poster died holding the claim: another takes it over, once.
    assert await awaiting() == [rnd.id]
    assert await asyncio.gather(claim(), claim()) in ([True, False], [False, True])

    async with db.write() as s:
        await ledger.mark_digest_failed(
            s, workspace_id="T1", round_id=rnd.id, error="not_in_channel"
        )
    clock.advance(timedelta(hours=1))
    assert await awaiting() == []
    assert await claim() is False
    stored = await rows("digest")
    assert [(r["status"], r["error"]) for r in stored] == [("failed", "not_in_channel")]
    # Settled when it was last claimed (a refusal has no time of its own).
    assert [r["digest_settled_at"] for r in await rows("round")] == [stored[0]["claimed_at"]]
    clock.advance(timedelta(days=8))
    async with db.write() as s:
        await s.execute(text("DELETE FROM digest"))
    assert await awaiting() == []  # too old for an automatic digest


# ---------------------------------------------------------------------------------------------
# processed events


async def _record(db: Database, clock: FrozenClock, workspace_id: str, event_id: str) -> bool:
    async with db.write() as s:
        return await ledger.record_event(
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


# ---------------------------------------------------------------------------------------------
# the pending count (the metrics' gauge)


async def test_pending_deliveries_count_the_unsent_dms_of_open_rounds_only(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    now = clock.now()
    open_round = await new_round(await new_team(), "2026-W10")
    await new_deliveries(open_round, ["U1", "U2", "U3", "U4"])
    elsewhere = await new_round(await new_team(workspace_id="T2", channel_id="C9"), "2026-W10")
    await new_deliveries(elsewhere, ["U7", "U8"])
    closed = await new_round(await new_team(channel_id="C2", name="beta"), "2026-W10")
    await new_deliveries(closed, ["U5", "U6"])
    async with db.write() as s:
        await _sent(s, open_round, "U1", now=now)
        await ledger.mark_failed(
            s,
            workspace_id="T1",
            round_id=open_round.id,
            user_id="U2",
            error="user_not_found",
            now=now,
        )
        await close_round(s, workspace_id="T1", round_id=closed.id, now=now)
    # Leased to a sender but not sent yet: still pending.
    assert await _claim(db, open_round, owner="sender", now=now, limit=1) == ["U3"]

    async with db.read() as s:
        # U3 and U4 of the open round, both of the other workspace's; none of the closed round's.
        assert await ledger.count_pending_deliveries(s) == 4
