"""A team's wording in storage: set per circle, replaced, reset, scoped to its team, and
deleted with the team or the workspace."""

from __future__ import annotations

from bot.clock import FrozenClock
from bot.domain.circles import Circle
from storage import questions, teams
from storage.db import Database
from tests.storage.conftest import TeamMaker

NEW_W = "Did a customer tell us an idea is worth building?"


async def test_a_wording_is_set_replaced_and_reset_per_circle_and_team(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    team = await new_team()
    other = await new_team(channel_id="C2", name="beta")
    ids = {"workspace_id": "T1", "team_id": team.id}
    async with db.write() as s:
        await questions.set_wording(
            s, **ids, texts={Circle.WHAT: "first", Circle.DELIVER: "D?"}, by="U1", now=clock.now()
        )
        await questions.set_wording(
            s, **ids, texts={Circle.WHAT: NEW_W, Circle.DELIVER: None}, by="U2", now=clock.now()
        )
    async with db.read() as s:
        wording = await questions.get_wording(s, **ids)
        others = await questions.get_wording(s, workspace_id="T1", team_id=other.id)
    assert wording.custom == ((Circle.WHAT, NEW_W),)
    assert wording.question(Circle.HOW) == Circle.HOW.info.question
    assert wording.question(Circle.DELIVER) == Circle.DELIVER.info.question
    assert others.custom == ()


async def test_the_wording_goes_with_its_team_and_its_workspace(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    team = await new_team()
    kept = await new_team(channel_id="C2", name="beta")
    async with db.write() as s:
        for t in (team, kept):
            await questions.set_wording(
                s,
                workspace_id="T1",
                team_id=t.id,
                texts={Circle.HOW: NEW_W},
                by=None,
                now=clock.now(),
            )
        assert await teams.delete_teams_in_channels(s, workspace_id="T1", channel_ids=["C1"]) == 1
    async with db.read() as s:
        assert (await questions.get_wording(s, workspace_id="T1", team_id=team.id)).custom == ()
        assert (await questions.get_wording(s, workspace_id="T1", team_id=kept.id)).custom != ()
    async with db.write() as s:
        await teams.delete_workspace(s, workspace_id="T1")
    async with db.read() as s:
        assert (await questions.get_wording(s, workspace_id="T1", team_id=kept.id)).custom == ()
