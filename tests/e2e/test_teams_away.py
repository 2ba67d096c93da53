"""Away members in Microsoft Teams, over real HTTP both ways: the same grammar (`away … until`,
`away … off`, `away`, `pulse me`); Teams' statuses are not read, so a manager's mark is what
makes someone away."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, User
from bot.sandbox.teams_app import TeamsApp


def _cards(fake: FakeTeams, user: User) -> list[dict[str, Any]]:
    """The cards in the user's personal chat (the pulse), not the bot's text replies there."""
    return [a for a in fake.dm_of(user) if a.get("attachments")]


def _last_reply(fake: FakeTeams) -> str:
    return json.dumps(dict(fake.sent[-1].body), ensure_ascii=False)


async def test_a_marked_member_gets_no_card_until_they_ask(db_url: str) -> None:
    until = (datetime.now(UTC) + timedelta(days=10)).date()
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=3, name="Checkout")
        owner, ann, bo = (fake.users[i] for i in team.member_ids)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)

            await people.say(bo, "away", in_channel=team)
            assert "only this team's managers" in _last_reply(fake)
            await people.say(
                owner, f"away <at>{ann.name}</at> until {until}", in_channel=team, mentions=[ann]
            )
            assert "is away from **Checkout**" in _last_reply(fake)
            assert ann.name in _last_reply(fake)
            await people.say(owner, "away", in_channel=team)
            assert "Marked away from **Checkout**" in _last_reply(fake)
            assert ann.name in _last_reply(fake)

            await people.say(owner, "pulse", in_channel=team)
            assert "sent to 2 members" in _last_reply(fake)
            assert "1 away, not asked" in _last_reply(fake)
            assert _cards(fake, ann) == []
            assert len(_cards(fake, bo)) == 1
            await people.say(owner, "status", in_channel=team)
            assert "0 of 2 answered · 1 away" in _last_reply(fake)

            # Back early: `pulse me` in the personal chat sends the round's card, once.
            await people.say(ann, "pulse me")
            assert "Welcome back" in _last_reply(fake)
            assert len(_cards(fake, ann)) == 1
            await people.say(ann, "pulse me")
            assert "not away for any open round" in _last_reply(fake)
            assert len(_cards(fake, ann)) == 1
            await people.say(owner, "status", in_channel=team)
            assert "0 of 3 answered" in _last_reply(fake)

            await people.say(
                owner, f"away <at>{ann.name}</at> off", in_channel=team, mentions=[ann]
            )
            assert "next round asks them again" in _last_reply(fake)


async def test_teams_marks_only_members_and_reads_no_statuses(db_url: str) -> None:
    until = (datetime.now(UTC) + timedelta(days=10)).date()
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=2, name="Checkout")
        other = fake.generate_team(members=1, name="Design")
        owner = fake.users[team.member_ids[0]]
        stranger = fake.users[other.member_ids[0]]
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)

            await people.say(
                owner,
                f"away <at>{stranger.name}</at> until {until}",
                in_channel=team,
                mentions=[stranger],
            )
            assert "is not a member of **Checkout**, so its pulses never ask them" in (
                _last_reply(fake)
            )
            await people.say(owner, "away", in_channel=team)
            assert "Nobody is marked away from **Checkout**" in _last_reply(fake)

            await people.say(owner, "away statuses add :baby:, PTO", in_channel=team)
            assert "SDO Pulse does not read Teams presence or status" in _last_reply(fake)
            await people.say(owner, "pulse", in_channel=team)
            assert "sent to 2 members" in _last_reply(fake)
