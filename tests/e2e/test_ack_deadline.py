"""Slack's 3-second rule: every request is acknowledged in time even when the database or
the Web API is slow, and the work completes afterwards."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Awaitable
from typing import Any

from sqlalchemy.engine import make_url

from bot.slack.blocks.pulse import ANSWER_ACTION_PREFIX
from bot.slack.blocks.render import render_message
from tests.support.harness import Reply, SlackHarness, eventually_async
from tests.support.slack import (
    ALICE,
    BOB,
    MANAGER,
    TEAM_CHANNEL,
    answers_of,
    dm_of,
    note_submission,
)

SLACK_DEADLINE = 3.0
STALL = 4.5  # longer than Slack waits


async def timed(request: Awaitable[Reply]) -> tuple[Reply, float]:
    started = time.monotonic()
    reply = await request
    return reply, time.monotonic() - started


async def test_requests_are_acknowledged_while_the_database_is_locked(
    slack: SlackHarness,
) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    alice_dm, bob_dm = dm_of(slack, ALICE), dm_of(slack, BOB)
    button = next(
        e
        for b in alice_dm["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == ANSWER_ACTION_PREFIX + "yes"
    )

    # Another process holds SQLite's write lock: every write of the app has to wait.
    path = make_url(slack.db_url).database
    assert path
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        click = slack.click(
            action_id=button["action_id"],
            value=button["value"],
            user=ALICE,
            channel=alice_dm["channel"],
            ts=alice_dm["ts"],
        )
        results: list[Any] = await asyncio.gather(
            click,
            timed(
                slack.interact(
                    note_submission(
                        1, "slow but saved", user=BOB, channel=bob_dm["channel"], ts=bob_dm["ts"]
                    )
                )
            ),
            timed(
                slack.event(
                    {"type": "member_left_channel", "user": MANAGER, "channel": TEAM_CHANNEL}
                )
            ),
            timed(slack.command("status", user=MANAGER, channel=TEAM_CHANNEL)),
            asyncio.sleep(STALL),
        )
    finally:
        blocker.execute("COMMIT")
        blocker.close()
    (click_reply, _), (note_reply, note_s), (event_reply, event_s), ((cmd_reply, _), cmd_s), _ = (
        results
    )
    assert note_reply.status == 200
    assert note_reply.text == ""
    assert note_s < SLACK_DEADLINE
    assert (event_reply.status, cmd_reply.status, click_reply.status) == (200, 200, 200)
    assert event_s < SLACK_DEADLINE
    assert cmd_s < SLACK_DEADLINE

    # Once the lock is gone, everything that was acknowledged has been done.
    assert await eventually_async(
        lambda: answers_of(slack, ALICE), lambda rows: rows == [("W", "yes")]
    )
    assert await eventually_async(
        lambda: answers_of(slack, BOB), lambda rows: rows == [("H", None)]
    )


async def test_commands_and_clicks_are_acknowledged_while_slack_is_slow(
    slack: SlackHarness,
) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    dm = dm_of(slack, ALICE)
    button = next(
        e
        for b in dm["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == ANSWER_ACTION_PREFIX + "no"
    )
    slack.fake.delay("users.info", STALL)
    slack.fake.delay("chat.update", STALL)
    slack.fake.delay("response_url", STALL)  # where a click's DM update goes first
    slack.runtime.slack.gateway.people.clear()  # make the next command ask Slack who it is
    (cmd_reply, response_url), cmd_s = await timed_pair(
        slack.command("status", user=ALICE, channel=TEAM_CHANNEL)
    )
    (click_reply, _), click_s = await timed_pair(
        slack.click(
            action_id=button["action_id"],
            value=button["value"],
            user=ALICE,
            channel=dm["channel"],
            ts=dm["ts"],
        )
    )
    assert (cmd_reply.status, click_reply.status) == (200, 200)
    assert cmd_s < SLACK_DEADLINE
    assert click_s < SLACK_DEADLINE
    answer = await slack.response_to(response_url, timeout=STALL + 5)
    assert "== #team —" in render_message(answer)
    assert await answers_of(slack, ALICE) == [("W", "no")]


async def timed_pair(request: Awaitable[tuple[Reply, Any]]) -> tuple[tuple[Reply, Any], float]:
    started = time.monotonic()
    result = await request
    return result, time.monotonic() - started
