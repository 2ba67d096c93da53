"""Workspaces are isolated: requests from T2 naming T1's channels and users see and change
nothing of T1."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from bot.domain.circles import AnswerValue, Circle
from bot.slack.blocks.render import render_message
from tests.support.harness import WORKSPACE, SlackHarness
from tests.support.rows import WORKSPACE_DATA_TABLES
from tests.support.slack import ALICE, BOB, MANAGER, TEAM_CHANNEL, answer, dm_of, note_submission

OTHER_WORKSPACE = "T0000EVIL"
TABLES = WORKSPACE_DATA_TABLES


async def rows_of(slack: SlackHarness, workspace: str) -> dict[str, list[Any]]:
    """Every row a workspace owns, table by table."""
    async with slack.runtime.db.read() as s:
        return {
            t: [
                tuple(r)
                for r in (
                    await s.execute(
                        text(f"SELECT * FROM {t} WHERE workspace_id = :w ORDER BY 1, 2"),
                        {"w": workspace},
                    )
                ).all()
            ]
            for t in TABLES
        }


async def test_another_workspace_cannot_read_or_change_a_team(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    for user in (MANAGER, ALICE, BOB):
        await answer(slack, user, Circle.HOW, AnswerValue.YES)
    before = await rows_of(slack, WORKSPACE)
    assert before["answer"]

    async def ask_from_t2(command: str, user: str = MANAGER) -> str:
        return render_message(
            await slack.command_and_answer(
                command, user=user, channel=TEAM_CHANNEL, workspace=OTHER_WORKSPACE
            )
        )

    # Same channel id and the same user ids, but from another workspace.
    for command in (
        "status",
        f"status <#{TEAM_CHANNEL}|team>",
        "pulse",
        "digest",
        "schedule monday 08:00",
        f"managers add <@{ALICE}>",
        f"managers remove <@{MANAGER}>",
        "managers",
    ):
        answered = await ask_from_t2(command)
        assert "not a team yet" in answered, (command, answered)
    # T1's manager is nobody in T2: the overview is refused (and would list no T1 team).
    assert await ask_from_t2("status all") == (
        ":lock: Sorry — `/sdo status all` is for team managers and workspace admins."
    )
    # Clicking T1's buttons and submitting T1's round from T2 stores nothing.
    dm = dm_of(slack, ALICE)
    button = dm["blocks"][3]["elements"][0]
    payload = slack.click_payload(
        action_id=button["action_id"],
        value=button["value"],
        user=ALICE,
        channel=dm["channel"],
        ts=dm["ts"],
        workspace=OTHER_WORKSPACE,
    )
    assert (await slack.interact(payload)).status == 200
    told = await slack.response_to(payload["response_url"])
    assert "not sent to you" in told["text"]
    note = note_submission(1, "from the other side", user=ALICE)
    note["team"] = {"id": OTHER_WORKSPACE}
    assert (await slack.interact(note)).status == 200
    # Membership events from T2 about T1's channel change nothing of T1.
    await slack.event(
        {"type": "member_left_channel", "user": ALICE, "channel": TEAM_CHANNEL},
        workspace=OTHER_WORKSPACE,
    )
    await slack.event(
        {"type": "member_joined_channel", "user": "UINTRUDER", "channel": TEAM_CHANNEL},
        workspace=OTHER_WORKSPACE,
    )

    assert await rows_of(slack, WORKSPACE) == before
    # T1 still works as before for its own people.
    status = render_message(
        await slack.command_and_answer("status", user=ALICE, channel=TEAM_CHANNEL)
    )
    assert "3 of 4 answered" in status
