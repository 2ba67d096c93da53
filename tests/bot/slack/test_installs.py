"""Multi-workspace installs (OAuth, encrypted tokens) and what uninstalling deletes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from bot.slack.blocks.render import render_message
from storage.installations import TokenCipher
from tests.support.harness import WORKSPACE, SlackHarness, eventually_async
from tests.support.slack import (
    ALICE,
    ENCRYPTION_KEY,
    MANAGER,
    OTHER_CHANNEL,
    OUTSIDER,
    TEAM_CHANNEL,
    install,
)

OTHER_WORKSPACE = "T0000OTHR"


async def rows(slack: SlackHarness, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    async with slack.runtime.db.read() as s:
        return [tuple(r) for r in (await s.execute(text(sql), params)).all()]


async def test_an_oauth_install_stores_the_token_encrypted_and_serves_the_workspace(
    oauth_slack: SlackHarness,
) -> None:
    slack = oauth_slack
    # Before the install, the workspace is unknown: nothing is stored, nothing answers.
    assert await rows(slack, "SELECT * FROM slack_bots") == []
    await install(slack)
    [(stored,)] = await rows(
        slack, "SELECT bot_token FROM slack_bots WHERE team_id = :t", t=WORKSPACE
    )
    assert "xoxb-" not in stored
    assert stored.startswith("enc:")
    assert TokenCipher(ENCRYPTION_KEY).decrypt(stored) == slack.fake.bot_token
    [(installed,)] = await rows(slack, "SELECT bot_token FROM slack_installations")
    assert installed.startswith("enc:")
    # Commands from the installed workspace work, with the decrypted token.
    answer = await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    assert "#team is now a team: 4 members" in render_message(answer)
    assert all(c.ok for c in slack.fake.calls if c.method == "conversations.members")
    # A replayed install link does not install twice (the state is used up).
    page = await slack.get("/slack/install")
    assert page.status == 200


async def test_a_wrong_state_or_code_installs_nothing(oauth_slack: SlackHarness) -> None:
    slack = oauth_slack
    forged = await slack.get(
        f"/slack/oauth_redirect?code={slack.fake.new_oauth_code()}&state=not-a-state"
    )
    assert forged.status >= 400
    assert await rows(slack, "SELECT * FROM slack_bots") == []


async def test_revoked_tokens_are_forgotten_and_uninstall_deletes_the_rest(
    oauth_slack: SlackHarness,
) -> None:
    slack = oauth_slack
    await install(slack)
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    revoked = await slack.event({"type": "tokens_revoked", "tokens": {"bot": ["UBOTFAKE"]}})
    assert revoked.status == 200
    await eventually_async(lambda: rows(slack, "SELECT * FROM slack_bots"), lambda r: r == [])
    # The team data stays until the app is uninstalled.
    assert await rows(slack, "SELECT name FROM team") == [("team",)]
    assert (await slack.event({"type": "app_uninstalled"})).status == 200
    await eventually_async(lambda: rows(slack, "SELECT * FROM team"), lambda r: r == [])
    await eventually_async(
        lambda: rows(slack, "SELECT * FROM slack_installations"), lambda r: r == []
    )


async def table_rows(slack: SlackHarness, workspace: str) -> dict[str, int]:
    counts = {}
    for table in ("team", "manager", "member", "team_member", "round", "delivery", "answer"):
        [(n,)] = await rows(
            slack, f"SELECT count(*) FROM {table} WHERE workspace_id = :w", w=workspace
        )
        counts[table] = n
    return counts


@pytest.mark.parametrize(
    "order", [("app_uninstalled", "tokens_revoked"), ("tokens_revoked", "app_uninstalled")]
)
async def test_uninstall_deletes_that_workspace_only_in_either_order(
    slack: SlackHarness, order: tuple[str, str]
) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer(
        "setup", user=OUTSIDER, channel=OTHER_CHANNEL, workspace=OTHER_WORKSPACE
    )
    other_before = await table_rows(slack, OTHER_WORKSPACE)
    assert other_before["team"] == 1
    assert (await table_rows(slack, WORKSPACE))["delivery"] == 4

    payloads = {
        "app_uninstalled": {"type": "app_uninstalled"},
        "tokens_revoked": {"type": "tokens_revoked", "tokens": {"bot": ["UBOTFAKE"]}},
    }
    for kind in order:
        assert (await slack.event(payloads[kind], event_id=f"Ev-{kind}")).status == 200
    gone = dict.fromkeys(other_before, 0)
    await eventually_async(lambda: table_rows(slack, WORKSPACE), lambda c: c == gone)
    # Late and repeated events are harmless.
    for kind in order:
        assert (await slack.event(payloads[kind], event_id=f"Ev-{kind}")).status == 200
        assert (await slack.event(payloads[kind])).status == 200
    assert await table_rows(slack, WORKSPACE) == gone
    assert await table_rows(slack, OTHER_WORKSPACE) == other_before
    # The other workspace still works.
    status = await slack.command_and_answer(
        "status", user=OUTSIDER, channel=OTHER_CHANNEL, workspace=OTHER_WORKSPACE
    )
    assert "#other" in render_message(status)
    # A reinstalled workspace starts fresh.
    again = await slack.command_and_answer("status", user=ALICE, channel=TEAM_CHANNEL)
    assert "This channel is not a team yet" in render_message(again)
