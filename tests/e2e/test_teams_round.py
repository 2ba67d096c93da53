"""A whole round in Microsoft Teams, over real HTTP both ways, on SQLite and PostgreSQL:
install → setup → pulse to 5 members → clicks → a changed answer → a note → status → digest.

Activities are posted to ``/api/messages`` as Teams posts them (``TeamsSimulator``); what the
bot sends is what reached the fake Bot Connector (``FakeTeams``); rows are read back from the
database.
"""

from __future__ import annotations

import json
from typing import Any

import aiohttp
from sqlalchemy import text

from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, User
from bot.sandbox.teams_app import TeamsApp
from storage.db import Database


def _texts(node: Any) -> list[str]:
    """Every text an Adaptive Card (or activity) shows, in order."""
    if isinstance(node, dict):
        found = [str(node["text"])] if isinstance(node.get("text"), str) else []
        return found + [t for v in node.values() for t in _texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in _texts(v)]
    return []


def _buttons(card: Any) -> list[dict[str, Any]]:
    if isinstance(card, dict):
        own = [card] if str(card.get("type", "")).startswith("Action.") else []
        return own + [b for v in card.values() for b in _buttons(v)]
    if isinstance(card, list):
        return [b for v in card for b in _buttons(v)]
    return []


def _card(activity: dict[str, Any]) -> dict[str, Any]:
    (attachment,) = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return dict(attachment["content"])


def _last_reply(fake: FakeTeams) -> dict[str, Any]:
    return dict(fake.sent[-1].body)


async def _answer(
    people: TeamsSimulator, fake: FakeTeams, user: User, circle: str, value: str
) -> Any:
    (pulse,) = fake.dm_of(user)
    (button,) = [
        b
        for b in _buttons(_card(pulse))
        if b.get("verb") == "sdo.answer"
        and b["data"]["circle"] == circle
        and b["data"]["value"] == value
    ]
    status, body = await people.click(user, pulse["id"], button["data"])
    assert status == 200
    return body


async def _rows(db_url: str, sql: str) -> list[tuple[Any, ...]]:
    db = Database(db_url)
    try:
        async with db.read() as s:
            return [tuple(r) for r in (await s.execute(text(sql))).all()]
    finally:
        await db.dispose()


async def test_a_full_round_in_teams(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=5, name="Checkout")
        members = [fake.users[i] for i in team.member_ids]
        owner = members[0]
        async with TeamsSimulator(app.url, fake) as people:
            # Installed: the bot says how to start, in the team's channel.
            assert (await people.install(team))[0] in (200, 202)
            assert "setup" in json.dumps(_last_reply(fake))

            await people.say(owner, "setup", in_channel=team)
            assert "5 members" in json.dumps(_last_reply(fake))

            await people.say(owner, "pulse", in_channel=team)
            for member in members:
                (pulse,) = fake.dm_of(member)
                card = _card(pulse)
                titles = [b["title"] for b in _buttons(card) if b.get("verb") == "sdo.answer"]
                assert titles == ["Yes", "Partly", "No", "Not sure"] * 3

            # Four answer; one changes their mind; the card comes back with the choice.
            for member in members[:4]:
                await _answer(people, fake, member, "W", "yes")
                await _answer(people, fake, member, "H", "partly")
                await _answer(people, fake, member, "D", "no")
            changed = await _answer(people, fake, members[3], "W", "no")
            assert changed["type"] == "application/vnd.microsoft.card.adaptive"
            shown = " ".join(_texts(changed["value"]))
            assert "Your answer: **No**" in shown
            assert "Your answer: **Yes**" not in shown
            chosen = [
                b["title"] for b in _buttons(changed["value"]) if b.get("style") == "positive"
            ]
            assert chosen == ["No", "Partly", "No"]

            # A note, through the dialog (task/fetch, then task/submit).
            (pulse,) = fake.dm_of(members[0])
            round_id = next(b["data"]["round_id"] for b in _buttons(_card(pulse)) if b.get("verb"))
            status, dialog = await people.open_note(
                members[0],
                {"msteams": {"type": "task/fetch"}, "sdo": "note", "round_id": round_id},
                card_id=pulse["id"],
            )
            assert status == 200
            assert dialog["task"]["type"] == "continue"
            status, saved = await people.submit_note(
                members[0],
                {
                    "sdo": "note",
                    "round_id": round_id,
                    "circle": "W",
                    "note": "Acme validated the new checkout idea",
                    "internal_customer": "false",
                },
                card_id=pulse["id"],
            )
            assert (status, saved["task"]["type"]) == (200, "message")
            status, refused = await people.submit_note(
                members[0],
                {"sdo": "note", "round_id": round_id, "circle": "W", "note": "x" * 501},
                card_id=pulse["id"],
            )
            assert "500" in refused["task"]["value"]

            # Status in the channel: aggregates only (the note's words never appear).
            await people.say(owner, "status", in_channel=team)
            status_card = json.dumps(_last_reply(fake))
            assert "Checkout" in status_card
            assert "Acme validated" not in status_card
            image_urls = [
                e["url"] for e in _elements(_card(_last_reply(fake))) if e.get("type") == "Image"
            ]
            assert image_urls, "the status card shows the Venn picture"
            path = image_urls[0].split("127.0.0.1", 1)[1]
            async with aiohttp.ClientSession() as http, http.get(app.url + path) as got:
                assert got.status == 200
                assert (await got.read())[:8] == b"\x89PNG\r\n\x1a\n"

            # The digest, posted once to the channel by a manager.
            before = len(fake.sent)
            await people.say(owner, "digest", in_channel=team)
            posted = [s for s in fake.sent[before:] if s.kind in ("send", "create")]
            assert any(
                "Digest" in json.dumps(s.body) or "digest" in json.dumps(s.body) for s in posted
            )

    answers = await _rows(
        db_url, "SELECT user_id, question, value FROM answer ORDER BY user_id, question"
    )
    assert len(answers) == 12
    assert (members[3].id, "W", "no") in answers
    notes = await _rows(db_url, "SELECT note FROM answer WHERE note IS NOT NULL")
    assert notes == [("Acme validated the new checkout idea",)]
    deliveries = await _rows(db_url, "SELECT status, count(*) FROM delivery GROUP BY status")
    assert deliveries == [("sent", 5)]
    chats = await _rows(db_url, "SELECT count(*) FROM teams_chat")
    assert chats == [(5,)]


def _elements(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        return [node] + [e for v in node.values() for e in _elements(v)]
    if isinstance(node, list):
        return [e for v in node for e in _elements(v)]
    return []
