"""A full round as users live it: setup → pulse → clicks → status → digest, over real HTTP."""

from __future__ import annotations

from sqlalchemy import text

from bot.domain.circles import AnswerValue, Circle
from bot.slack.blocks.render import render_message
from tests.support.harness import SlackHarness
from tests.support.slack import ALICE, BOB, CAROL, MANAGER, TEAM_CHANNEL, TEAM_HUMANS, answer, dm_of


async def test_full_round_places_the_team_where_its_answers_say(slack_any_db: SlackHarness) -> None:
    slack = slack_any_db
    setup = await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    assert "#team is now a team: 4 members" in render_message(setup)

    pulse = await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    assert "Round 1 is open: sent to 4 members." in render_message(pulse)
    # One DM per human: not to the bot, the deactivated user or Slackbot.
    assert sorted(c.args["channel"] for c in slack.fake.calls_to("chat.postMessage")) == sorted(
        TEAM_HUMANS
    )
    assert slack.fake.calls_to("conversations.open") == []
    first = render_message(dm_of(slack, ALICE))
    assert "did a customer validate an idea we are working on?" in first
    assert "[Yes] [Partly] [No] [Not sure]" in first
    assert "[:memo: Add a note]" in first

    # Customers critique and accept, but nobody validates ideas: DevOps.
    for user in (MANAGER, ALICE, BOB):
        await answer(slack, user, Circle.WHAT, AnswerValue.NO)
        await answer(slack, user, Circle.HOW, AnswerValue.YES)
        await answer(slack, user, Circle.DELIVER, AnswerValue.PARTLY)
    await answer(slack, CAROL, Circle.WHAT, AnswerValue.NOT_SURE)

    # The click updates the DM in place and shows the member's own choice.
    alice_dm = render_message(dm_of(slack, ALICE))
    assert "Your answer: *No*" in alice_dm
    assert "Your answer: *Yes*" in alice_dm
    assert "All three answered" in alice_dm

    status = render_message(
        await slack.command_and_answer("status", user=ALICE, channel=TEAM_CHANNEL)
    )
    assert "== #team — DevOps ==" in status
    assert "Builds and delivers really fast, but does not know what to build." in status
    assert "4 of 4 answered" in status
    assert "What to build: `▱▱▱▱▱▱▱▱▱▱ 0%`" in status
    assert "How to build: `▰▰▰▰▰▰▰▰▰▰ 100%`" in status
    assert "How to deliver: `▰▰▰▰▰▱▱▱▱▱ 50%`" in status
    assert "Toward the center" in status
    # Individual answers never appear in an aggregate.
    for user in TEAM_HUMANS:
        assert user not in status

    digest_reply = await slack.command_and_answer("digest", user=MANAGER, channel=TEAM_CHANNEL)
    assert "Digest of round 1 posted to #team." in render_message(digest_reply)
    posted = [
        c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == TEAM_CHANNEL
    ]
    assert len(posted) == 1
    digest = render_message(posted[0].args)
    assert ":rocket: *DevOps*" in digest
    assert "4 of 4 answered" in digest
    assert "First round for this team." in digest

    async with slack.runtime.db.read() as session:
        count = (await session.execute(text("SELECT count(*) FROM answer"))).scalar_one()
    assert count == 10
