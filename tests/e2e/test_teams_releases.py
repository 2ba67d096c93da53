"""A release pulse in Microsoft Teams, over real HTTP both ways: `release-hook` (managers; the
URL and secret go to the caller's personal chat, never the channel), a signed GitHub release,
one release card per member after a tick, a click stored as that member's answer."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import text

from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, actions, card_of
from bot.sandbox.teams_app import TeamsApp
from storage.db import Database

# A Wednesday at noon (UTC): working hours in the team's zone.
NOW = datetime(2026, 12, 9, 12, tzinfo=UTC)


def _last_reply(fake: FakeTeams) -> str:
    return json.dumps(dict(fake.sent[-1].body), ensure_ascii=False)


def _release_cards(fake: FakeTeams, user: object) -> list[dict[str, object]]:
    return [
        a
        for a in fake.dm_of(user)  # type: ignore[arg-type]
        if a.get("attachments") and "Did a customer accept v2.3?" in json.dumps(a)
    ]


async def test_a_signed_release_sends_each_teams_member_one_card(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        app.clock.travel_to(NOW)
        team = fake.generate_team(members=3, name="Checkout")
        owner, ann, bo = (fake.users[i] for i in team.member_ids)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)
            await people.say(bo, "release-hook", in_channel=team)
            assert "only this team's managers" in _last_reply(fake)
            await people.say(owner, "release-hook", in_channel=team)
            in_channel = _last_reply(fake)
            assert "is in your personal chat" in in_channel
            private = json.dumps(fake.dm_of(owner), ensure_ascii=False)
            url = re.search(r"URL: `([^`]+)`", private)
            secret = re.search(r"Secret: `([^`]+)`", private)
            assert url, private
            assert secret, private
            assert secret.group(1) not in in_channel
            path = "/hooks/release/" + url.group(1).rsplit("/", 1)[1]

            body = json.dumps({"action": "published", "release": {"name": "v2.3"}}).encode()
            signature = hmac.new(secret.group(1).encode(), body, hashlib.sha256).hexdigest()
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "release",
                "X-GitHub-Delivery": "gh-1",
                "X-Hub-Signature-256": "sha256=" + signature,
            }
            async with (
                aiohttp.ClientSession() as http,
                http.post(app.url + path, data=body, headers=headers) as reply,
            ):
                assert reply.status == 202, await reply.text()
            await app.runtime.scheduler.tick()
            await app.runtime.scheduler.tick()
            assert [len(_release_cards(fake, u)) for u in (owner, ann, bo)] == [1, 1, 1]

            (card,) = _release_cards(fake, ann)
            buttons = [b for b in actions(card_of(card)) if b.get("verb") == "sdo.release"]
            assert [b["title"] for b in buttons] == ["Yes", "Partly", "No", "Not sure"]
            status, answered = await people.click(ann, str(card["id"]), buttons[0]["data"])
            assert status == 200
            assert "Your answer: **Yes**" in json.dumps(answered, ensure_ascii=False)

    db = Database(db_url)
    try:
        async with db.read() as s:
            rows = (await s.execute(text("SELECT answer FROM release_delivery"))).all()
    finally:
        await db.dispose()
    assert sorted(str(a) for (a,) in rows) == ["None", "None", "yes"]
