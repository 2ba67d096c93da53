"""`/sdo questions` over signed HTTP and the fake Slack: a manager's form (prefilled, Block Kit
checked by the fake), the team's wording in the next pulse DM and after a click, reset, field
errors that store nothing, and the refusal of anyone else."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import text

from bot.domain.circles import CIRCLES, AnswerValue, Circle
from bot.slack.blocks.questions import QUESTIONS_CALLBACK_ID
from bot.slack.blocks.render import render_message
from tests.support.harness import WORKSPACE, SlackHarness, eventually
from tests.support.slack import ALICE, BOB, MANAGER, TEAM_CHANNEL, answer, answers_of, dm_of

NEW_W = "Did a customer <!channel> tell us an idea is worth building?"
SHOWN_W = "Did a customer &lt;!channel&gt; tell us an idea is worth building?"


async def open_form(slack: SlackHarness, user: str = MANAGER) -> dict[str, Any]:
    """`/sdo questions`: the modal the fake Slack accepted for this command."""
    before = len(slack.fake.calls_to("views.open", ok=True))
    reply, _ = await slack.command("questions", user=user, channel=TEAM_CHANNEL)
    assert (reply.status, reply.text) == (200, "")  # nothing to say: the form opens
    await eventually(
        lambda: len(slack.fake.calls_to("views.open", ok=True)) > before, what="the form"
    )
    view: dict[str, Any] = slack.fake.calls_to("views.open", ok=True)[-1].args["view"]
    return view


def prefilled(view: dict[str, Any]) -> dict[str, str]:
    return {
        b["block_id"]: b["element"]["initial_value"]
        for b in view["blocks"]
        if b.get("block_id", "").startswith("question_")
    }


def submission(
    view: dict[str, Any], texts: dict[Circle, str | None], *, user: str = MANAGER, reset=()
) -> dict[str, object]:
    values: dict[str, Any] = {
        f"question_{c.value}": {"text": {"type": "plain_text_input", "value": texts.get(c)}}
        for c in CIRCLES
    }
    values["questions_reset"] = {
        "reset": {"type": "checkboxes", "selected_options": [{"value": c.value} for c in reset]}
    }
    return {
        "type": "view_submission",
        "team": {"id": WORKSPACE, "domain": "fake"},
        "user": {"id": user, "team_id": WORKSPACE},
        "api_app_id": "AFAKE",
        "trigger_id": "trigger-questions",
        "view": {
            "id": "VQUESTIONS",
            "type": "modal",
            "callback_id": view["callback_id"],
            "private_metadata": view["private_metadata"],
            "state": {"values": values},
        },
    }


async def stored(slack: SlackHarness) -> list[tuple[str, str]]:
    async with slack.runtime.db.read() as s:
        rows = await s.execute(text("SELECT circle, text FROM team_question ORDER BY circle"))
        return [(c, t) for c, t in rows]


def question_texts(message: dict[str, Any]) -> dict[str, str]:
    return {
        b["block_id"]: b["text"]["text"]
        for b in message["blocks"]
        if b.get("block_id", "").startswith("question_")
    }


async def test_a_manager_rewords_w_and_the_pulse_asks_it_until_reset(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    form = await open_form(slack)
    assert form["callback_id"] == QUESTIONS_CALLBACK_ID
    assert prefilled(form) == {f"question_{c.value}": c.info.question for c in CIRCLES}

    # W reworded; H sent back as prefilled (the default); D emptied (the default too).
    done = await slack.interact(
        submission(form, {Circle.WHAT: NEW_W, Circle.HOW: Circle.HOW.info.question})
    )
    assert (done.status, done.text) == (200, "")  # the form closes
    assert await stored(slack) == [("W", NEW_W)]

    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    shown = question_texts(dm_of(slack, ALICE))
    # Shown escaped: the wording never pings the channel.
    assert shown["question_W"] == f":bulb: *What to build*\n{SHOWN_W}"
    assert "<!channel>" not in str(dm_of(slack, ALICE)["blocks"])
    assert shown["question_H"].endswith("\n" + Circle.HOW.info.question)
    assert shown["question_D"].endswith("\n" + Circle.DELIVER.info.question)
    # The circle and the answers stay: a click on W still records W.
    await answer(slack, ALICE, Circle.WHAT, AnswerValue.PARTLY)
    assert await answers_of(slack, ALICE) == [("W", "partly")]
    refreshed = dm_of(slack, ALICE)
    assert "Your answer: *Partly*" in render_message(refreshed)
    assert (
        f"*What to build*\n{SHOWN_W}\n:white_check_mark:" in question_texts(refreshed)["question_W"]
    )

    # The form opens with the team's wording; ticking W's reset brings the default back.
    again = await open_form(slack)
    assert prefilled(again)["question_W"] == NEW_W
    reset = await slack.interact(submission(again, {Circle.WHAT: NEW_W}, reset=[Circle.WHAT]))
    assert (reset.status, reset.text) == (200, "")
    assert await stored(slack) == []
    assert prefilled(await open_form(slack))["question_W"] == Circle.WHAT.info.question
    slack.clock.advance(timedelta(minutes=1))
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    channel = slack.fake.dm_channel_id(BOB)
    await eventually(lambda: len(slack.fake.messages[channel]) == 2, what="round 2's DM")
    assert question_texts(slack.fake.messages[channel][-1])["question_W"].endswith(
        "\n" + Circle.WHAT.info.question
    )


async def test_a_wording_out_of_bounds_is_a_field_error_and_stores_nothing(
    slack: SlackHarness,
) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    form = await open_form(slack)
    too_long = await slack.interact(
        submission(form, {Circle.WHAT: "fine wording", Circle.DELIVER: "x" * 201})
    )
    assert too_long.status == 200
    assert too_long.json() == {
        "response_action": "errors",
        "errors": {"question_D": "Use at most 200 characters: this one has 201."},
    }
    too_short = await slack.interact(submission(form, {Circle.HOW: " ok "}))
    assert too_short.json()["errors"] == {
        "question_H": "Use at least 3 characters (or leave it empty for the default)."
    }
    assert await stored(slack) == []


async def test_only_managers_reword_the_questions(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    refused = await slack.command_and_answer("questions", user=ALICE, channel=TEAM_CHANNEL)
    assert "managers" in render_message(refused)
    assert "reword its questions" in render_message(refused)
    assert slack.fake.calls_to("views.open") == []
    # A form posted by a member (its metadata is no secret) is refused too.
    form = await open_form(slack)
    posted = await slack.interact(submission(form, {Circle.WHAT: NEW_W}, user=ALICE))
    assert posted.json() == {
        "response_action": "errors",
        "errors": {"question_W": "Only this team's managers can reword its questions."},
    }
    assert await stored(slack) == []


async def test_the_command_line_rewords_and_resets(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    saved = render_message(
        await slack.command_and_answer(
            "questions H Did a customer critique a demo?", user=MANAGER, channel=TEAM_CHANNEL
        )
    )
    assert "Saved. The next pulse of *#team* asks:" in saved
    assert "*H — How to build* _(the team's wording)_: Did a customer critique a demo?" in saved
    assert await stored(slack) == [("H", "Did a customer critique a demo?")]
    refused = render_message(
        await slack.command_and_answer("questions D no", user=MANAGER, channel=TEAM_CHANNEL)
    )
    assert "Not saved: Use at least 3 characters" in refused
    await slack.command_and_answer("questions reset", user=MANAGER, channel=TEAM_CHANNEL)
    assert await stored(slack) == []
