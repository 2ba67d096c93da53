"""Teams gets the same two rules as Slack, through the same use cases: only a person in the
team's roster becomes a manager, and `@SDO Pulse schedule … Area/City` sets the team's time
zone. Over real HTTP both ways (``TeamsSimulator`` → ``/api/messages`` → the fake Bot
Connector), on SQLite and PostgreSQL; rows read back from the database.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.domain.model import NextRuns
from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, texts
from bot.sandbox.teams_app import TeamsApp
from storage import due
from storage.db import Database


def _reply_text(fake: FakeTeams) -> str:
    body = dict(fake.sent[-1].body)
    if body.get("text"):
        return str(body["text"])
    return " ".join(" ".join(texts(a["content"])) for a in body.get("attachments") or [])


async def _read(db_url: str) -> tuple[list[str], str, NextRuns | None]:
    """The managers, the team's zone and its next due times, as stored."""
    db = Database(db_url)
    try:
        async with db.read() as s:
            managers = [u for (u,) in await s.execute(text("SELECT user_id FROM manager"))]
            row = await s.execute(text("SELECT id, workspace_id, tz FROM team"))
            team_id, workspace_id, tz = row.one()
            runs = await due.next_runs(s, workspace_id=workspace_id, team_id=team_id)
        return sorted(managers), str(tz), runs
    finally:
        await db.dispose()


async def test_only_a_person_in_the_roster_becomes_a_manager(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=2, name="Checkout")
        owner, ann = (fake.users[i] for i in team.member_ids)
        # In the tenant, but not in this team: Teams does not know them in its roster.
        stranger = fake.add_user(name="Sam Stranger", tenant_id=team.tenant_id)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)

            await people.say(
                owner,
                f"managers add <at>{stranger.name}</at>",
                in_channel=team,
                mentions=[stranger],
            )
            refused = _reply_text(fake)
            assert refused == (
                "⛔ I cannot find that person in this team, so nobody was made a manager of "
                "**Checkout**. Mention someone from the team and pick them from Teams' list."
            )
            assert (await _read(db_url))[0] == [owner.id]

            await people.say(
                owner, f"managers add <at>{ann.name}</at>", in_channel=team, mentions=[ann]
            )
            assert _reply_text(fake) == f"**{ann.name}** is now a manager of **Checkout**."
    assert (await _read(db_url))[0] == sorted([owner.id, ann.id])


async def test_schedule_with_a_zone_sets_the_teams_zone(db_url: str) -> None:
    new_york = ZoneInfo("America/New_York")
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=3, name="Checkout")
        owner = fake.users[team.member_ids[0]]
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)
            assert (await _read(db_url))[1] == "Europe/Berlin"  # the caller's client zone

            await people.say(owner, "schedule thu 15:00 Mars/Olympus", in_channel=team)
            assert _reply_text(fake).startswith("I don't know the time zone `Mars/Olympus`")
            assert (await _read(db_url))[1] == "Europe/Berlin"

            now = datetime.now(UTC)
            await people.say(owner, "schedule thu 15:00 weekly America/New_York", in_channel=team)
            saved = _reply_text(fake)
            assert saved.startswith(
                "📅 Done: **Checkout** gets its pulse every Thursday at 15:00 (America/New_York)"
            )
            _, tz, runs = await _read(db_url)
            assert tz == "America/New_York"
            assert runs is not None
            assert runs.pulse_at is not None
            local = runs.pulse_at.astimezone(new_york)
            assert (local.weekday(), local.time()) == (3, time(15, 0))
            assert timedelta(0) < runs.pulse_at - now <= timedelta(days=7)

            await people.say(owner, "status", in_channel=team)
            assert "time zone America/New_York" in _reply_text(fake)


async def test_a_member_is_found_in_their_own_team_of_a_tenant_with_several(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        checkout = fake.generate_team(members=2, name="Checkout")
        search = fake.generate_team(members=2, name="Search")
        assert checkout.tenant_id == search.tenant_id
        owner, ann = (fake.users[i] for i in checkout.member_ids)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(checkout)
            await people.say(owner, "setup", in_channel=checkout)
            # Search was set up last; Ann is only in Checkout's roster, where she is named.
            await people.install(search)
            await people.say(fake.users[search.member_ids[0]], "setup", in_channel=search)

            await people.say(
                owner, f"managers add <at>{ann.name}</at>", in_channel=checkout, mentions=[ann]
            )
            assert _reply_text(fake) == f"**{ann.name}** is now a manager of **Checkout**."
