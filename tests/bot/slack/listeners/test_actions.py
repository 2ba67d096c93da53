"""Clicks and the note modal, as the member sees them."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.domain.circles import AnswerValue, Circle
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.blocks.modals import NOTE_CALLBACK_ID, NoteContext
from bot.slack.blocks.pulse import NOTE_ACTION_ID
from bot.slack.blocks.render import render_message
from tests.support.harness import SlackHarness, eventually
from tests.support.slack import (
    ALICE,
    BOB,
    MANAGER,
    OUTSIDER,
    TEAM_CHANNEL,
    answer,
    answers_of,
    dm_of,
    note_submission,
)

HOSTILE_NOTE = (
    "Demo to ACME <!channel> <!here> <@UALICE01> <https://evil.example|trusted.example> & co"
)


async def start_round(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)


async def test_a_click_replaces_the_dm_through_its_response_url_without_chat_update(
    slack: SlackHarness,
) -> None:
    await start_round(slack)
    posted = dm_of(slack, ALICE)
    await answer(slack, ALICE, Circle.HOW, AnswerValue.PARTLY)

    # The same message, changed in place: what Alice sees is her choice.
    assert [m["ts"] for m in slack.fake.messages[posted["channel"]]] == [posted["ts"]]
    dm = render_message(dm_of(slack, ALICE))
    assert "Your answer: *Partly*" in dm
    assert "[Partly]*" in dm
    assert "1 of 3 answered." in dm
    # Through the click's response_url, which has no rate-limit tier: no chat.update at all.
    assert slack.fake.calls_to("chat.update") == []
    (replaced,) = slack.fake.calls_to("response_url", ok=True)
    assert replaced.args["replace_original"] is True
    assert "response_type" not in replaced.args
    assert replaced.args["blocks"] == dm_of(slack, ALICE)["blocks"]


def _expired(fake: FakeSlack) -> None:
    fake.fail("response_url", error="expired_url")


def _not_found(fake: FakeSlack) -> None:
    fake.server_error("response_url", status=404)


def _down(fake: FakeSlack) -> None:
    fake.server_error("response_url", status=(500, 502, 503, 504), times=None)


@pytest.mark.parametrize("refuse", [_expired, _not_found, _down])
async def test_a_click_whose_response_url_fails_falls_back_to_chat_update(
    slack: SlackHarness, refuse: Callable[[FakeSlack], None], quick_short_backoff: None
) -> None:
    await start_round(slack)
    refuse(slack.fake)
    await answer(slack, ALICE, Circle.WHAT, AnswerValue.NO)

    dm = render_message(dm_of(slack, ALICE))
    assert "Your answer: *No*" in dm
    assert "[No]*" in dm
    (updated,) = slack.fake.calls_to("chat.update", ok=True)
    assert updated.args["ts"] == dm_of(slack, ALICE)["ts"]
    assert slack.fake.calls_to("response_url", ok=True) == []


async def test_a_response_url_s_passing_5xx_are_waited_out(
    slack: SlackHarness, quick_short_backoff: None, caplog: pytest.LogCaptureFixture
) -> None:
    await start_round(slack)
    slack.fake.server_error("response_url", status=(502, 504), times=2)
    with caplog.at_level(logging.INFO):
        await answer(slack, ALICE, Circle.WHAT, AnswerValue.YES)
    waits = [r.getMessage() for r in caplog.records if r.name == "bot.slack.retries"]
    assert [w.split(";")[0] for w in waits] == [
        "response_url: Slack answered HTTP 502",
        "response_url: Slack answered HTTP 504",
    ]
    # The response URL itself is a capability: in no log line.
    assert "/response/" not in caplog.text

    assert "Your answer: *Yes*" in render_message(dm_of(slack, ALICE))
    assert len(slack.fake.server_errors) == 2
    (replaced,) = slack.fake.calls_to("response_url", ok=True)
    assert replaced.args["replace_original"] is True
    assert slack.fake.calls_to("chat.update") == []  # no fallback needed


async def test_a_small_team_s_dm_names_the_same_respondents_needed_before_and_after_a_click(
    slack: SlackHarness,
) -> None:
    # Two people, fewer than the minimum of 3: their two answers are enough to show totals.
    first, second = slack.fake.add_generated_team(users=2, channel_id="CDUO", channel_name="duo")
    await slack.command_and_answer("setup", user=first, channel="CDUO")
    await slack.command_and_answer("pulse", user=first, channel="CDUO")
    needed = "The team sees totals, and only when at least 2 people answered."
    assert needed in render_message(dm_of(slack, second))
    await answer(slack, second, Circle.WHAT, AnswerValue.YES)
    refreshed = render_message(dm_of(slack, second))
    assert "Your answer: *Yes*" in refreshed
    assert needed in refreshed  # said "3" after the click before


async def test_a_second_click_changes_the_answer_and_keeps_one_row(slack: SlackHarness) -> None:
    await start_round(slack)
    await answer(slack, ALICE, Circle.HOW, AnswerValue.YES)
    await answer(slack, ALICE, Circle.HOW, AnswerValue.YES)
    assert await answers_of(slack, ALICE) == [("H", "yes")]
    await answer(slack, ALICE, Circle.HOW, AnswerValue.NO)
    assert await answers_of(slack, ALICE) == [("H", "no")]
    dm = render_message(dm_of(slack, ALICE))
    assert "Your answer: *No*" in dm
    assert "[No]*" in dm  # the chosen button is highlighted
    assert "1 of 3 answered." in dm


async def test_clicks_on_a_closed_round_say_it_is_closed(slack: SlackHarness) -> None:
    await start_round(slack)
    await answer(slack, ALICE, Circle.WHAT, AnswerValue.YES)
    old_dm = dm_of(slack, ALICE)
    # A new pulse (a pulse within the same minute is taken as a double submit) closes round 1.
    slack.clock.advance(timedelta(minutes=1))
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    stale_button = next(
        e
        for b in old_dm["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == "pulse_answer_no"
    )
    reply, payload = await slack.click(
        action_id="pulse_answer_no",
        value=stale_button["value"],
        user=ALICE,
        channel=old_dm["channel"],
        ts=old_dm["ts"],
    )
    assert reply.status == 200
    closed = ":lock: This round is closed — answers can no longer change. Thank you!"
    await eventually(
        lambda: any(r.get("text") == closed for r in slack.responses(payload["response_url"])),
        what="the closed notice",
    )
    assert await answers_of(slack, ALICE) == [("W", "yes")]
    # The old DM itself now says so, replaced through the same response_url first.
    replaced, told = slack.responses(payload["response_url"])
    assert replaced["replace_original"] is True
    assert (told["replace_original"], told["response_type"]) == (False, "ephemeral")
    (old,) = (m for m in slack.fake.messages[old_dm["channel"]] if m["ts"] == old_dm["ts"])
    shown = render_message(old)
    assert "This round is closed: answers can no longer change." in shown
    assert "Your answer: *Yes*" in shown


async def test_someone_who_was_not_asked_cannot_answer(slack: SlackHarness) -> None:
    await start_round(slack)
    dm = dm_of(slack, ALICE)
    button = dm["blocks"][3]["elements"][0]
    reply, payload = await slack.click(
        action_id=button["action_id"],
        value=button["value"],
        user=OUTSIDER,
        channel=dm["channel"],
        ts=dm["ts"],
    )
    assert reply.status == 200
    told = await slack.response_to(payload["response_url"])
    assert "not sent to you" in told["text"]
    assert await answers_of(slack, OUTSIDER) == []


async def test_add_note_opens_the_modal_and_saves_evidence(slack: SlackHarness) -> None:
    await start_round(slack)
    dm = dm_of(slack, BOB)
    reply, _ = await slack.click(
        action_id=NOTE_ACTION_ID, value="1", user=BOB, channel=dm["channel"], ts=dm["ts"]
    )
    assert reply.status == 200
    await eventually(lambda: bool(slack.fake.calls_to("views.open")), what="the note modal")
    modal = slack.fake.calls_to("views.open")[0].args["view"]
    assert modal["callback_id"] == NOTE_CALLBACK_ID
    assert "The customer was *internal* (support, finance, …)" in render_message(modal)

    submitted = await slack.interact(
        note_submission(
            1,
            HOSTILE_NOTE,
            user=BOB,
            internal=True,
            channel=dm["channel"],
            ts=dm["ts"],
        )
    )
    assert (submitted.status, submitted.text) == (200, "")
    async with slack.runtime.db.read() as s:
        row = (
            await s.execute(
                text(
                    "SELECT question, value, note, internal_customer FROM answer WHERE user_id = :u"
                ),
                {"u": BOB},
            )
        ).one()
    assert tuple(row) == ("H", None, HOSTILE_NOTE, True)
    await eventually(
        lambda: "Your note (internal customer)" in render_message(dm_of(slack, BOB)),
        what="the DM to show the note",
    )
    # Member text is escaped wherever it is shown: it never pings, mentions or links.
    shown = render_message(dm_of(slack, BOB))
    assert (
        "Demo to ACME &lt;!channel&gt; &lt;!here&gt; &lt;@UALICE01&gt; "
        "&lt;https://evil.example|trusted.example&gt; &amp; co"
    ) in shown
    for live in ("<!channel>", "<!here>", "<@UALICE01>", "<https://evil"):
        assert live not in str(dm_of(slack, BOB)["blocks"])
    # No response_url came with this form: the DM was refreshed with chat.update.
    assert len(slack.fake.calls_to("chat.update", ok=True)) == 1


async def test_a_note_refreshes_the_dm_through_the_add_a_note_clicks_response_url(
    slack: SlackHarness,
) -> None:
    await start_round(slack)
    dm = dm_of(slack, BOB)
    _, click = await slack.click(
        action_id=NOTE_ACTION_ID, value="1", user=BOB, channel=dm["channel"], ts=dm["ts"]
    )
    await eventually(lambda: bool(slack.fake.calls_to("views.open")), what="the note modal")
    # Slack hands the modal's private_metadata back with the submission.
    carried = NoteContext.decode(
        slack.fake.calls_to("views.open")[0].args["view"]["private_metadata"]
    )
    assert carried == NoteContext(1, dm["channel"], dm["ts"], click["response_url"])

    submitted = await slack.interact(
        note_submission(
            1,
            "Asked ACME's ops lead",
            user=BOB,
            channel=carried.channel_id,
            ts=carried.message_ts,
            response_url=carried.response_url,
        )
    )
    assert submitted.status == 200
    await eventually(
        lambda: "Asked ACME's ops lead" in render_message(dm_of(slack, BOB)),
        what="the DM to show the note",
    )
    assert slack.fake.calls_to("chat.update") == []
    (replaced,) = slack.responses(click["response_url"])
    assert replaced["replace_original"] is True


async def test_an_oversized_note_gets_a_field_error_not_a_crash(slack: SlackHarness) -> None:
    await start_round(slack)
    reply = await slack.interact(note_submission(1, "x" * 501, user=BOB))
    assert reply.status == 200
    assert reply.json() == {
        "response_action": "errors",
        "errors": {"note_text": "Please keep the note to 500 characters (it has 501)."},
    }
    assert await answers_of(slack, BOB) == []
    ok = await slack.interact(note_submission(1, "y" * 500, user=BOB))
    assert (ok.status, ok.text) == (200, "")
    assert await answers_of(slack, BOB) == [("H", None)]
