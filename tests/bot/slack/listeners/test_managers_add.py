"""`/sdo managers add @user`: only an active person Slack knows becomes a manager.

Over signed HTTP with the fake Slack behind the app: its users.info answers for the bot user
(``is_bot``), Slackbot (by its id only), a deactivated account and an id that is no user.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from bot.slack.blocks.render import render_message
from tests.support.harness import SlackHarness
from tests.support.slack import ALICE, BOT, GONE, MANAGER, TEAM_CHANNEL

NOBODY = "UNOBODY42"


async def ask(slack: SlackHarness, words: str, *, user: str = MANAGER) -> str:
    answer = await slack.command_and_answer(words, user=user, channel=TEAM_CHANNEL)
    assert answer["response_type"] == "ephemeral"
    return render_message(answer)


async def manager_rows(slack: SlackHarness) -> list[str]:
    async with slack.runtime.db.read() as s:
        rows = await s.execute(text("SELECT user_id FROM manager ORDER BY user_id"))
        return [user_id for (user_id,) in rows]


@pytest.mark.parametrize(
    ("who", "reason"),
    [
        ("bot user", "<@{id}> is a bot, not a person: only people can manage #team."),
        ("Slackbot", "<@{id}> is a bot, not a person: only people can manage #team."),
        ("a bot", "<@{id}> is a bot, not a person: only people can manage #team."),
        (
            "deactivated",
            "<@{id}>'s account is deactivated: only active members of the workspace can "
            "manage #team.",
        ),
        (
            "unknown",
            "Slack knows no user `{id}` in this workspace, so nobody was made a manager of "
            "#team. Mention the person with `@` and pick them from Slack's list.",
        ),
    ],
)
async def test_managers_add_refuses_who_is_no_active_person(
    slack_any_db: SlackHarness, who: str, reason: str
) -> None:
    slack = slack_any_db
    user_id = {
        "bot user": slack.fake.bot_user_id,
        "Slackbot": "USLACKBOT",
        "a bot": BOT,
        "deactivated": GONE,
        "unknown": NOBODY,
    }[who]
    await ask(slack, "setup")

    answer = await ask(slack, f"managers add <@{user_id}>")

    assert answer == ":no_entry: " + reason.format(id=user_id)
    assert await manager_rows(slack) == [MANAGER]  # nothing stored
    assert [c.args["user"] for c in slack.fake.calls_to("users.info")].count(user_id) == 1


async def test_managers_add_makes_a_member_a_manager(slack_any_db: SlackHarness) -> None:
    slack = slack_any_db
    await ask(slack, "setup")

    assert await ask(slack, f"managers add <@{ALICE}|alice>") == (
        f"<@{ALICE}> is now a manager of #team."
    )
    assert await ask(slack, f"managers add <@{ALICE}>") == (
        f"<@{ALICE}> is already a manager of #team."
    )
    assert await manager_rows(slack) == sorted([ALICE, MANAGER])


async def test_a_bot_made_a_manager_before_the_check_can_still_be_removed(
    slack: SlackHarness,
) -> None:
    await ask(slack, "setup")
    await ask(slack, f"managers add <@{ALICE}>")
    async with slack.runtime.db.write() as s:  # what the old, unchecked `add` let in
        await s.execute(
            text(
                "INSERT INTO manager (workspace_id, team_id, user_id) "
                "SELECT workspace_id, id, :u FROM team"
            ),
            {"u": slack.fake.bot_user_id},
        )

    removed = await ask(slack, f"managers remove <@{slack.fake.bot_user_id}>")

    assert removed == f"<@{slack.fake.bot_user_id}> is no longer a manager of #team."
    assert await manager_rows(slack) == sorted([ALICE, MANAGER])
