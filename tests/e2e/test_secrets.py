"""Nothing secret reaches the log: a full round at DEBUG level, every line scanned."""

from __future__ import annotations

import logging
import re

import pytest

from bot.domain.circles import AnswerValue, Circle
from tests.support.harness import SIGNING_SECRET, SlackHarness, eventually
from tests.support.slack import ALICE, BOB, MANAGER, TEAM_CHANNEL, answer, dm_of, note_submission

TOKEN = re.compile(r"xox[abpr]-[A-Za-z0-9-]+")
NOTE = "Call with Initech's CFO — she accepted the billing export (private detail 4711)"


async def test_a_full_round_at_debug_level_logs_no_token_secret_or_note(
    slack: SlackHarness, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
        await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
        for user in (MANAGER, ALICE, BOB):
            await answer(slack, user, Circle.WHAT, AnswerValue.YES)
        dm = dm_of(slack, ALICE)
        revision = slack.fake.message_revision(dm["channel"], dm["ts"])
        reply = await slack.interact(
            note_submission(1, NOTE, user=ALICE, circle="W", channel=dm["channel"], ts=dm["ts"])
        )
        assert reply.status == 200
        await eventually(
            lambda: slack.fake.message_revision(dm["channel"], dm["ts"]) > revision,
            what="the DM to show the note",
        )
        # The note really went through the app (to Alice's own DM only)...
        assert "private detail 4711" in str(dm_of(slack, ALICE)["blocks"])
        await slack.command_and_answer("status", user=MANAGER, channel=TEAM_CHANNEL)
        await slack.command_and_answer("digest", user=MANAGER, channel=TEAM_CHANNEL)
        # ...and a refused request is logged too.
        assert (await slack.post_raw(b"text=x", {"X-Slack-Signature": "v0=bad"})).status == 401

    logged = "\n".join(record.getMessage() for record in caplog.records) + caplog.text
    # Debug logging really was on: the app's own debug lines are there.
    assert (
        sum(r.levelno == logging.DEBUG and r.name.startswith("bot.") for r in caplog.records) > 10
    )
    assert TOKEN.findall(logged) == []
    assert slack.fake.bot_token not in logged
    assert SIGNING_SECRET not in logged
    leaks = {r.name for r in caplog.records if "4711" in r.getMessage()}
    assert leaks == set()
    assert "private detail 4711" not in logged
    assert "Initech" not in logged
