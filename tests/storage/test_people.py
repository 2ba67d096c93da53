"""People in a workspace: stored as the platform describes them, many at once."""

from __future__ import annotations

from bot.clock import FrozenClock
from storage import people, teams
from storage.db import Database
from tests.storage.conftest import RowReader, TeamMaker


async def test_upsert_member_updates_in_place(
    db: Database, clock: FrozenClock, rows: RowReader
) -> None:
    async with db.write() as s:
        await teams.ensure_workspace(s, workspace_id="T1", now=clock.now())
        await people.upsert_member(
            s, workspace_id="T1", user_id="U1", name="Ann", tz="UTC", now=clock.now()
        )
        await people.upsert_member(
            s,
            workspace_id="T1",
            user_id="U1",
            name="Ann B",
            tz="Asia/Tokyo",
            now=clock.now(),
            is_admin=True,
        )
    async with db.read() as s:
        assert await people.is_workspace_admin(s, workspace_id="T1", user_id="U1")
        assert not await people.is_workspace_admin(s, workspace_id="T1", user_id="U9")

    stored = await rows("member")
    assert [(r["user_id"], r["name"], r["tz"], r["is_admin"], r["active"]) for r in stored] == [
        ("U1", "Ann B", "Asia/Tokyo", True, True)
    ]


async def test_many_people_are_stored_at_once_the_last_word_winning(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    crowd = [people.PersonRow(user_id=f"U{i:05d}", name=f"p{i}", tz="UTC") for i in range(1_200)]
    async with db.write() as s:
        await people.upsert_member(
            s, workspace_id="T1", user_id="U00001", name="old", tz=None, now=clock.now()
        )
        # More rows than one statement takes; U00002 named twice: the second one counts.
        again = people.PersonRow(user_id="U00002", name="Bo", tz="Asia/Tokyo", is_admin=True)
        await people.upsert_members(s, workspace_id="T1", people=[*crowd, again], now=clock.now())
        await teams.set_team_members(
            s,
            workspace_id="T1",
            team_id=team.id,
            user_ids=[p.user_id for p in crowd],
            now=clock.now(),
        )

    stored = {r["user_id"]: r for r in await rows("member", workspace_id="T1")}
    assert len(stored) == 1_200
    assert (stored["U00001"]["name"], stored["U00001"]["tz"]) == ("p1", "UTC")
    assert (stored["U00002"]["name"], stored["U00002"]["is_admin"]) == ("Bo", True)
    members = await rows("team_member", team_id=team.id)
    assert len([m for m in members if m["active"]]) == 1_200
