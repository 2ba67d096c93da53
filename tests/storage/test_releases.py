"""Release pulses in storage: a delivery id recorded once, deliveries leased to one sender,
answers only from a member it was sent to, a release answer filling only an empty D answer,
the tally, and retention blanking old answers."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from storage import releases, rounds
from storage.db import Database
from tests.storage.conftest import RoundMaker, TeamMaker

LEASE = timedelta(seconds=15)


async def _release(db: Database, team_id: int, now: datetime, delivery: str = "d-1") -> int:
    async with db.write() as s:
        release_id = await releases.record_release(
            s,
            workspace_id="T1",
            team_id=team_id,
            delivery_id=delivery,
            name="v2.3",
            source="generic",
            now=now,
            ask_at=now,
        )
    assert release_id is not None
    return release_id


async def _send_all(db: Database, release_id: int, users: list[str], now: datetime) -> None:
    async with db.write() as s:
        (claimed_release,) = await releases.claim_due_releases(s, now=now)
        assert claimed_release.id == release_id
        assert await releases.claim_due_releases(s, now=now) == []
        await releases.create_deliveries(
            s,
            workspace_id="T1",
            release_id=release_id,
            user_ids=users,
            now=now,
        )
        claimed = await releases.claim_deliveries(
            s,
            release_id=release_id,
            owner="a",
            now=now,
            until=now + LEASE,
            limit=10,
        )
        # Another sender gets none of them while the lease holds.
        assert (
            await releases.claim_deliveries(
                s,
                release_id=release_id,
                owner="b",
                now=now,
                until=now + LEASE,
                limit=10,
            )
            == []
        )
        assert [u for u, _ in claimed] == sorted(users)
        for user in users:
            assert await releases.settle(
                s,
                release_id=release_id,
                user_id=user,
                owner="a",
                status="sent",
                now=now,
                channel_id="D" + user,
                message_ts="1.0",
            )


async def test_answers_fill_an_empty_d_answer_count_and_expire(
    db: Database, clock: FrozenClock, new_team: TeamMaker, new_round: RoundMaker
) -> None:
    team = await new_team()
    rnd = await new_round(team, "2026-W50")
    now = clock.now()
    release_id = await _release(db, team.id, now)
    async with db.write() as s:
        assert (
            await releases.record_release(
                s,
                workspace_id="T1",
                team_id=team.id,
                delivery_id="d-1",
                name="v2.3",
                source="generic",
                now=now,
                ask_at=now,
            )
            is None
        )  # a replay inserts nothing
    await _send_all(db, release_id, ["U1", "U2", "U3"], now)
    async with db.write() as s:
        # Not sent to U9: refused.
        assert (
            await releases.record_answer(
                s, workspace_id="T1", release_id=release_id, user_id="U9", value="yes", now=now
            )
            is None
        )
        # U2 answered D in the pulse: the release does not replace it; U1 had none.
        await rounds.upsert_answer(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U2",
            circle=Circle.DELIVER,
            value=AnswerValue.NO,
            now=now - timedelta(minutes=1),
        )
        for user, value in (("U1", "yes"), ("U2", "yes")):
            previous = await releases.previous_answer_at(
                s, workspace_id="T1", release_id=release_id, user_id=user
            )
            assert await releases.record_answer(
                s, workspace_id="T1", release_id=release_id, user_id=user, value=value, now=now
            )
            filled = await releases.fill_d_answer(
                s,
                workspace_id="T1",
                round_id=rnd.id,
                user_id=user,
                value=value,
                now=now,
                previous=previous,
            )
            assert filled is (user == "U1")
        # U1 changes the release answer: D follows (it still holds what the release wrote).
        later = now + timedelta(minutes=2)
        previous = await releases.previous_answer_at(
            s, workspace_id="T1", release_id=release_id, user_id="U1"
        )
        await releases.record_answer(
            s, workspace_id="T1", release_id=release_id, user_id="U1", value="partly", now=later
        )
        assert await releases.fill_d_answer(
            s,
            workspace_id="T1",
            round_id=rnd.id,
            user_id="U1",
            value="partly",
            now=later,
            previous=previous,
        )
    async with db.read() as s:
        found = await s.execute(text("SELECT user_id, value FROM answer WHERE question = 'D'"))
        d: dict[str, str] = {user: value for user, value in found}
        tally = await releases.latest_tally(s, workspace_id="T1", team_id=team.id)
    assert d == {"U1": "partly", "U2": "no"}
    assert tally == releases.ReleaseTally(name="v2.3", accepted=1, answered=2, asked=3)

    async with db.write() as s:
        assert await releases.any_answered_before(s, cutoff=now) is False
        assert await releases.any_answered_before(s, cutoff=now + timedelta(seconds=1))
        assert await releases.forget_answers_before(s, cutoff=now + timedelta(seconds=1)) == 2
    async with db.read() as s:
        tally = await releases.latest_tally(s, workspace_id="T1", team_id=team.id)
    assert tally == releases.ReleaseTally(name="v2.3", accepted=0, answered=0, asked=3)
