"""Events: membership follows the channel; redeliveries are processed once; App Home."""

from __future__ import annotations

from bot.blocks.home import SEND_PULSE_ACTION_ID
from bot.blocks.render import render_message
from storage import repository as repo
from tests.bot.conftest import ALICE, BOT, MANAGER, OUTSIDER, TEAM_CHANNEL
from tests.bot.slack_harness import WORKSPACE, SlackHarness, eventually, eventually_async


async def member_ids(slack: SlackHarness) -> list[str]:
    async with slack.runtime.db.read() as s:
        team = await repo.get_team_by_channel(s, workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
        assert team is not None
        return [
            m.user_id
            for m in await repo.list_team_members(s, workspace_id=WORKSPACE, team_id=team.id)
        ]


def membership(kind: str, user: str) -> dict[str, str]:
    return {
        "type": kind,
        "user": user,
        "channel": TEAM_CHANNEL,
        "channel_type": "C",
        "team": WORKSPACE,
        "event_ts": "1700000000.000100",
    }


async def test_joins_and_leaves_keep_membership_current(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    assert (await slack.event(membership("member_joined_channel", OUTSIDER))).status == 200
    await eventually_async(lambda: member_ids(slack), lambda ids: OUTSIDER in ids)
    # Bots joining do not become members.
    await slack.event(membership("member_joined_channel", BOT))
    await slack.event(membership("member_left_channel", ALICE))
    members = await eventually_async(lambda: member_ids(slack), lambda ids: ALICE not in ids)
    assert BOT not in members
    assert len(slack.fake.calls_to("users.info")) >= 2  # the joiners were looked up


async def test_a_redelivered_event_is_processed_once(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    event = {
        "type": "app_home_opened",
        "user": MANAGER,
        "channel": "DHOME",
        "tab": "home",
        "event_ts": "1700000000.000200",
    }
    first = await slack.event(event, event_id="EvSAME0001")
    retry = await slack.event(event, event_id="EvSAME0001", retry_num=1)
    assert (first.status, retry.status) == (200, 200)
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 1, what="home")
    third = await slack.event(event, event_id="EvOTHER001")
    assert third.status == 200
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 2, what="second home")
    assert len(slack.fake.calls_to("views.publish")) == 2


async def test_app_home_shows_teams_and_lets_managers_send_a_pulse(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.event(
        {"type": "app_home_opened", "user": MANAGER, "tab": "home", "event_ts": "1700000000.000300"}
    )
    await eventually(lambda: bool(slack.fake.calls_to("views.publish")), what="home")
    publish = slack.fake.calls_to("views.publish")[0].args
    assert publish["user_id"] == MANAGER
    home = render_message(publish["view"])
    assert "*#team* — :hourglass_flowing_sand: *Not enough answers*" in home
    assert "pulse Thursday 15:00 every week" in home
    assert "[Send pulse now]" in home

    button = next(
        b["accessory"]
        for b in publish["view"]["blocks"]
        if b.get("accessory", {}).get("action_id") == SEND_PULSE_ACTION_ID
    )
    reply, _ = await slack.click(
        action_id=SEND_PULSE_ACTION_ID,
        value=button["value"],
        user=MANAGER,
        channel="",
        ts="",
        view=publish["view"],
    )
    assert reply.status == 200
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 2, what="home refresh")
    refreshed = render_message(slack.fake.calls_to("views.publish")[1].args["view"])
    assert "Round 1 of #team sent to 4 members." in refreshed
    assert len(slack.fake.calls_to("chat.postMessage")) == 4

    # A member sees the team, without the manager's settings and button.
    await slack.event(
        {"type": "app_home_opened", "user": ALICE, "tab": "home", "event_ts": "1700000000.000400"}
    )
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 3, what="member home")
    member_home = render_message(slack.fake.calls_to("views.publish")[2].args["view"])
    assert "#team" in member_home
    assert "[Send pulse now]" not in member_home
