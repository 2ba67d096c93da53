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

from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, User, actions, card_of, elements, texts
from bot.sandbox.teams_app import TeamsApp
from bot.teams.addresses import workspace_of
from storage.db import Database


def _last_reply(fake: FakeTeams) -> dict[str, Any]:
    return dict(fake.sent[-1].body)


async def _answer(
    people: TeamsSimulator, fake: FakeTeams, user: User, circle: str, value: str
) -> Any:
    pulse = fake.dm_of(user)[0]  # the pulse comes first (a reminder may follow)
    (button,) = [
        b
        for b in actions(card_of(pulse))
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
                card = card_of(pulse)
                titles = [b["title"] for b in actions(card) if b.get("verb") == "sdo.answer"]
                assert titles == ["Yes", "Partly", "No", "Not sure"] * 3

            # Four answer; one changes their mind; the card comes back with the choice.
            for member in members[:4]:
                await _answer(people, fake, member, "W", "yes")
                await _answer(people, fake, member, "H", "partly")
                await _answer(people, fake, member, "D", "no")
            changed = await _answer(people, fake, members[3], "W", "no")
            assert changed["type"] == "application/vnd.microsoft.card.adaptive"
            shown = " ".join(texts(changed["value"]))
            assert "Your answer: **No**" in shown
            assert "Your answer: **Yes**" not in shown
            chosen = [b["title"] for b in actions(changed["value"]) if b.get("style") == "positive"]
            assert chosen == ["No", "Partly", "No"]

            # A note, through the dialog (task/fetch, then task/submit).
            (pulse,) = fake.dm_of(members[0])
            round_id = next(b["data"]["round_id"] for b in actions(card_of(pulse)) if b.get("verb"))
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
            # The card in the chat now shows the note (updated in place, still one card).
            (updated,) = fake.dm_of(members[0])
            assert "Acme validated the new checkout idea" in " ".join(texts(card_of(updated)))
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
                e["url"] for e in elements(card_of(_last_reply(fake))) if e.get("type") == "Image"
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
            (digest,) = posted  # one digest card in the channel (the command's answer is a reply)
            assert digest.conversation_id.startswith(team.id)
            shown = " ".join(texts(card_of(digest.body)))
            assert "Round 1" in shown
            assert "4 of 5 answered" in shown
            assert "Acme validated" not in shown  # aggregates only
            assert "Digest of round 1" in json.dumps(_last_reply(fake))

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


async def test_a_scheduled_week_in_teams_reminds_once_and_posts_the_digest_once(
    db_url: str,
) -> None:
    """The schedule, not a command: the pulse at its time, one reminder to those who have not
    answered, the round closed (the cards say so in place) and the digest in the channel once."""
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=5, name="Checkout")
        members = [fake.users[i] for i in team.member_ids]
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(members[0], "setup", in_channel=team)
            services, scheduler = app.runtime.services, app.runtime.scheduler
            await scheduler.tick()
            sdo_team = await services.teams.for_channel(
                workspace_id=workspace_of(team.tenant_id), channel_id=team.id
            )
            assert sdo_team is not None
            runs = await services.rounds.next_runs(team=sdo_team)
            assert runs is not None
            assert runs.pulse_at is not None

            app.clock.travel_to(runs.pulse_at)
            assert (await scheduler.tick()).sent == 5
            for member in members[:2]:
                for circle in ("W", "H", "D"):
                    await _answer(people, fake, member, circle, "yes")

            runs = await services.rounds.next_runs(team=sdo_team)
            assert runs is not None
            assert runs.reminder_at is not None
            app.clock.travel_to(runs.reminder_at)
            first, again = await scheduler.tick(), await scheduler.tick()
            assert (first.reminded, again.reminded) == (3, 0)
            for member in members:
                expected = 1 if member in members[2:] else 0
                reminders = fake.dm_of(member)[1:]
                assert len(reminders) == expected, member.name

            runs = await services.rounds.next_runs(team=sdo_team)
            assert runs is not None
            assert runs.close_at is not None
            before = len(fake.sent)
            app.clock.travel_to(runs.close_at)
            reports = [await scheduler.tick() for _ in range(3)]
            assert sum(r.digests for r in reports) == 1
            to_channel = [s for s in fake.sent[before:] if s.conversation_id.startswith(team.id)]
            assert len(to_channel) == 1
            assert "Round 1" in json.dumps(to_channel[0].body)
            # A click on a closed round's card changes nothing and shows the card closed.
            closed = await _answer(people, fake, members[4], "W", "yes")
            assert not [b for b in actions(closed["value"]) if b.get("verb")]
        answers = await _rows(db_url, "SELECT count(*) FROM answer")
        assert answers == [(6,)]


async def test_status_in_the_personal_chat_shows_each_of_my_teams(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        checkout = fake.generate_team(members=3, name="Checkout")
        search = fake.generate_team(members=3, name="Search")
        other = fake.generate_team(members=3, name="Elsewhere")
        me = fake.users[checkout.member_ids[0]]
        fake.add_members(search.id, [me])
        async with TeamsSimulator(app.url, fake) as people:
            for team in (checkout, search, other):
                await people.install(team)
                await people.say(fake.users[team.member_ids[0]], "setup", in_channel=team)
            await people.say(me, "status")
        reply = _last_reply(fake)
        assert reply["conversation"]["id"] == fake.personal_conversation_id(me)
        cards = [a["content"] for a in reply["attachments"]]
        names = [" ".join(texts(card)) for card in cards]
        assert len(cards) == 2
        assert any("Checkout" in n for n in names)
        assert any("Search" in n for n in names)
        assert not any("Elsewhere" in n for n in names)


async def test_setup_reads_a_large_roster_page_by_page(db_url: str) -> None:
    async with FakeTeams(max_page_size=100) as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=250, name="Everyone")
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(fake.users[team.member_ids[0]], "setup", in_channel=team)
        assert "250 members" in json.dumps(_last_reply(fake))
        pages = [c for c in fake.roster_requests if "pagedmembers" in c.path.lower()]
        assert len(pages) == 3
    assert await _rows(db_url, "SELECT count(*) FROM team_member") == [(250,)]


async def test_membership_follows_the_teams_team(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=3, name="Checkout")
        owner, leaver, stayer = (fake.users[i] for i in team.member_ids)
        newcomer = fake.add_user(name="New Person", tenant_id=team.tenant_id)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)
            await people.add_members(team, [newcomer])
            await people.remove_members(team, [leaver])
            await people.say(owner, "pulse", in_channel=team)
            assert len(fake.dm_of(newcomer)) == 1
            assert fake.dm_of(leaver) == []
    active = await _rows(db_url, "SELECT user_id FROM team_member WHERE active ORDER BY user_id")
    assert sorted(u for (u,) in active) == sorted([owner.id, stayer.id, newcomer.id])


async def test_managers_are_named_added_by_mention_and_only_they_manage(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=3, name="Checkout")
        owner, ann, bob = (fake.users[i] for i in team.member_ids)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)

            await people.say(bob, "pulse", in_channel=team)
            assert "only this team's managers" in _last_reply_text(fake).lower()
            assert await _rows(db_url, "SELECT count(*) FROM round") == [(0,)]

            await people.say(
                owner, f"managers add <at>{ann.name}</at>", in_channel=team, mentions=[ann]
            )
            assert ann.name in _last_reply_text(fake)
            await people.say(owner, "managers", in_channel=team)
            listed = _last_reply_text(fake)
            assert owner.name in listed
            assert ann.name in listed
            assert "29:" not in listed  # names, never ids

            await people.say(ann, "pulse", in_channel=team)  # Ann manages now
            assert await _rows(db_url, "SELECT count(*) FROM round") == [(1,)]

            await people.say(owner, "pulse")  # in the personal chat: no team there
            assert "team's channel" in _last_reply_text(fake)
    managers = await _rows(db_url, "SELECT user_id FROM manager ORDER BY user_id")
    assert sorted(u for (u,) in managers) == sorted([owner.id, ann.id])


def _last_reply_text(fake: FakeTeams) -> str:
    return str(_last_reply(fake).get("text", ""))
