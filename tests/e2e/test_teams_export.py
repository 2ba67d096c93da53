"""`@SDO Pulse export` in Microsoft Teams, over real HTTP both ways: a manager's export goes to
their personal chat as CSV rows (aggregates only), the channel reads only that it was sent; a
member is refused and gets nothing."""

from __future__ import annotations

import csv
import json
from typing import Any

from bot.domain.export import COLUMNS
from bot.sandbox.faketeams import FakeTeams, TeamsSimulator
from bot.sandbox.teams_app import TeamsApp
from bot.teams.addresses import workspace_of
from tests.support.history import EXPECTED, NOTES, three_closed_rounds


def _last_reply(fake: FakeTeams) -> dict[str, Any]:
    return dict(fake.sent[-1].body)


def _csv_in(text: str) -> str:
    """The rows in the message's code block."""
    _, fence, rest = text.partition("```\n")
    assert fence, text
    return rest.partition("```")[0]


async def test_a_manager_gets_the_rounds_in_their_personal_chat(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=4, name="Checkout")
        members = [fake.users[i] for i in team.member_ids]
        owner, member = members[0], members[1]
        async with TeamsSimulator(app.url, fake) as people:
            assert (await people.install(team))[0] in (200, 202)
            await people.say(owner, "setup", in_channel=team)
            services = app.runtime.services
            stored = await services.teams.for_channel(
                workspace_id=workspace_of(team.tenant_id), channel_id=team.id
            )
            assert stored is not None
            await three_closed_rounds(services, app.clock, stored, [m.id for m in members])

            await people.say(member, "export", in_channel=team)
            refused = json.dumps(_last_reply(fake), ensure_ascii=False)
            assert "only this team's managers (or admins) can export the team's history" in refused
            assert fake.dm_of(member) == []

            await people.say(owner, "export", in_channel=team)
            said = _last_reply(fake)["text"]
            assert said == (
                "📥 The export of **Checkout** (3 rounds, aggregates only) is in your personal "
                "chat with SDO Pulse."
            )
            (message,) = fake.dm_of(owner)
            assert message["textFormat"] == "markdown"
            assert message["text"].startswith("**Checkout**: 3 rounds, one row each")
            rows = list(csv.DictReader(_csv_in(message["text"]).splitlines()))
            assert list(rows[0]) == list(COLUMNS)
            assert [{k: v for k, v in r.items() if k in EXPECTED[0]} for r in rows] == EXPECTED
            for secret in (*NOTES, "SECRET-NOTE", *(m.id for m in members)):
                assert secret not in message["text"], secret
            for name in (m.name for m in members):
                assert name not in message["text"], name
