"""The team's own wording in Microsoft Teams, over real HTTP both ways: `questions` (managers;
others refused), `questions W <text>`, the pulse card asking it (shown as typed, never as
markdown), a click keeping it and recording W, and `questions reset`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text

from bot.domain.circles import CIRCLES, Circle
from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, actions, card_of
from bot.sandbox.teams_app import TeamsApp
from storage.db import Database

NEW_W = "Did a **customer** tell us an idea is worth [building](https://evil.example)?"


def _last_reply(fake: FakeTeams) -> str:
    return json.dumps(dict(fake.sent[-1].body), ensure_ascii=False)


def _question_runs(card: dict[str, Any]) -> list[str]:
    """The pulse card's question sentences: the plain runs of its question containers."""
    found = []
    for item in card["body"]:
        if str(item.get("id", "")).startswith("question_"):
            rich = item["items"][1]
            assert rich["type"] == "RichTextBlock"
            found.append("".join(r["text"] for r in rich["inlines"]))
    return found


async def test_a_manager_rewords_w_and_the_pulse_card_asks_it(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=3, name="Checkout")
        owner, ann, bo = (fake.users[i] for i in team.member_ids)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)

            await people.say(bo, "questions W Anything?", in_channel=team)
            assert "only this team's managers" in _last_reply(fake)
            await people.say(owner, "questions", in_channel=team)
            assert Circle.WHAT.info.question in _last_reply(fake)
            assert "Reword the questions" in _last_reply(fake)
            await people.say(owner, f"questions W {NEW_W}", in_channel=team)
            assert "Saved. The next pulse of **Checkout** asks" in _last_reply(fake)
            await people.say(owner, "questions D no", in_channel=team)
            assert "Not saved: Use at least 3 characters" in _last_reply(fake)

            await people.say(owner, "pulse", in_channel=team)
            (pulse,) = fake.dm_of(ann)
            card = card_of(pulse)
            assert _question_runs(card) == [
                NEW_W,
                Circle.HOW.info.question,
                Circle.DELIVER.info.question,
            ]
            titles = [b["title"] for b in actions(card) if b.get("verb") == "sdo.answer"]
            assert titles == ["Yes", "Partly", "No", "Not sure"] * 3
            (button,) = [
                b
                for b in actions(card)
                if b.get("verb") == "sdo.answer"
                and b["data"] == {**b["data"], "circle": "W", "value": "yes"}
            ]
            status, body = await people.click(ann, pulse["id"], button["data"])
            assert status == 200
            refreshed = json.dumps(body, ensure_ascii=False)
            assert "Your answer: **Yes**" in refreshed
            assert _question_runs(body["value"])[0] == NEW_W  # the refreshed card keeps it

            await people.say(owner, "questions reset", in_channel=team)
            assert "Saved." in _last_reply(fake)
            assert Circle.WHAT.info.question in _last_reply(fake)

    db = Database(db_url)
    try:
        async with db.read() as s:
            answers = (await s.execute(text("SELECT question, value FROM answer"))).all()
            wording = (await s.execute(text("SELECT count(*) FROM team_question"))).scalar_one()
    finally:
        await db.dispose()
    assert [tuple(a) for a in answers] == [("W", "yes")]
    assert wording == 0


async def test_the_questions_dialog_rewords_resets_and_shows_problems(db_url: str) -> None:
    async with FakeTeams() as fake, TeamsApp(fake=fake, db_url=db_url) as app:
        team = fake.generate_team(members=3, name="Checkout")
        owner, ann, _ = (fake.users[i] for i in team.member_ids)
        async with TeamsSimulator(app.url, fake) as people:
            await people.install(team)
            await people.say(owner, "setup", in_channel=team)
            await people.say(owner, "questions", in_channel=team)
            answer = fake.sent[-1]
            card = card_of(dict(answer.body))
            (reword,) = [b for b in actions(card) if b.get("title") == "Reword the questions"]
            request = reword["data"]

            # A member who opens it (the button's data is no secret) is refused.
            status, refused = await people.open_note(ann, request, card_id=answer.activity_id)
            assert (status, refused["task"]["type"]) == (200, "message")
            assert "managers" in refused["task"]["value"]

            status, dialog = await people.open_note(owner, request, card_id=answer.activity_id)
            assert (status, dialog["task"]["type"]) == (200, "continue")
            form = dialog["task"]["value"]["card"]["content"]
            values = {i["id"]: i.get("value") for i in form["body"] if i["type"] == "Input.Text"}
            assert values == {f"question_{c.value}": c.info.question for c in CIRCLES}

            save = {"sdo": "questions", "team_id": request["team_id"]}
            status, again = await people.submit_note(
                owner,
                {**save, "question_W": NEW_W, "question_H": "x" * 201, "question_D": ""},
                card_id=answer.activity_id,
            )
            assert (status, again["task"]["type"]) == (200, "continue")  # shown again
            shown = json.dumps(again, ensure_ascii=False)
            assert "H: Use at most 200 characters: this one has 201." in shown
            status, saved = await people.submit_note(
                owner,
                {**save, "question_W": NEW_W, "question_H": "", "reset_D": "true"},
                card_id=answer.activity_id,
            )
            assert (status, saved["task"]["type"]) == (200, "message")

            await people.say(owner, "pulse", in_channel=team)
            (pulse,) = fake.dm_of(ann)
            assert _question_runs(card_of(pulse)) == [
                NEW_W,
                Circle.HOW.info.question,
                Circle.DELIVER.info.question,
            ]
