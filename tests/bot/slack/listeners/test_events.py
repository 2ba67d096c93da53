"""Events: membership follows the channel; redeliveries are processed once; App Home."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from bot.slack.blocks.home import SEND_PULSE_ACTION_ID
from bot.slack.blocks.modals import SCHEDULE_CALLBACK_ID
from bot.slack.blocks.render import render_message
from storage import teams
from tests.support.harness import WORKSPACE, SlackHarness, eventually, eventually_async
from tests.support.slack import (
    ALICE,
    BOT,
    MANAGER,
    OUTSIDER,
    TEAM_CHANNEL,
    TEAM_HUMANS,
    open_settings,
)


async def member_ids(slack: SlackHarness) -> list[str]:
    async with slack.runtime.db.read() as s:
        team = await teams.get_team_by_channel(s, workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
        assert team is not None
        return [
            m.user_id
            for m in await teams.list_team_members(s, workspace_id=WORKSPACE, team_id=team.id)
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
    third = await slack.event({**event, "user": ALICE}, event_id="EvOTHER001")
    assert third.status == 200
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 2, what="second home")
    assert [c.args["user_id"] for c in slack.fake.calls_to("views.publish")] == [MANAGER, ALICE]


async def test_an_app_home_is_published_again_only_when_it_changed(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    event = {"type": "app_home_opened", "user": MANAGER, "tab": "home", "event_ts": "1.2"}

    async def open_home(event_id: str) -> None:
        assert (await slack.event(event, event_id=event_id)).status == 200

    await open_home("EvHOME0001")
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) == 1, what="home")
    await open_home("EvHOME0002")  # nothing changed: Slack still shows it
    await slack.command_and_answer("schedule monday 09:30", user=MANAGER, channel=TEAM_CHANNEL)
    await open_home("EvHOME0003")  # the schedule it shows changed
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) == 2, what="new home")
    assert "09:30" in json.dumps(slack.fake.home_views[MANAGER])
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
        e
        for b in publish["view"]["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == SEND_PULSE_ACTION_ID
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


async def test_the_app_home_opens_no_round_for_a_team_without_members(
    slack: SlackHarness,
) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    for user in TEAM_HUMANS:  # everyone left the channel; the manager still manages
        await slack.runtime.services.teams.member_left(
            workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL, user_id=user
        )
    team = await slack.runtime.services.teams.for_channel(
        workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL
    )
    assert team is not None

    reply, _ = await slack.click(
        action_id=SEND_PULSE_ACTION_ID, value=str(team.id), user=MANAGER, channel="", ts=""
    )

    assert reply.status == 200
    await eventually(lambda: bool(slack.fake.calls_to("views.publish")), what="home refresh")
    home = render_message(slack.fake.calls_to("views.publish")[-1].args["view"])
    assert "#team has no members to ask: invite people to its channel first." in home
    assert slack.fake.calls_to("chat.postMessage") == []
    assert await slack.runtime.services.status.history(team=team, limit=5) == []


def schedule_submission(view: dict[str, object], *, user: str) -> dict[str, object]:
    """The manager picks Friday 09:30, every two weeks, no reminder, close Tuesday 08:00."""

    def pick(value: str) -> dict[str, object]:
        return {"value": {"selected_option": {"value": value}}}

    def at(value: str) -> dict[str, object]:
        return {"value": {"type": "timepicker", "selected_time": value}}

    return {
        "type": "view_submission",
        "team": {"id": WORKSPACE},
        "user": {"id": user},
        "view": {
            **view,
            "id": "VSCHEDULE",
            "state": {
                "values": {
                    "pulse_day": pick("4"),
                    "pulse_time": at("09:30"),
                    "cadence": pick("2"),
                    "reminder": {"value": {"selected_options": []}},
                    "reminder_day": pick("0"),
                    "reminder_time": at("11:00"),
                    "close_day": pick("1"),
                    "close_time": at("08:00"),
                }
            },
        },
    }


async def test_managers_change_the_schedule_from_the_app_home(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    modal = await open_settings(slack)
    assert modal["callback_id"] == SCHEDULE_CALLBACK_ID
    shown = render_message(modal)
    assert "Pulse day: <select: Monday / Tuesday" in shown
    assert "Remind those who have not answered, once" in shown

    # A member cannot save a schedule, even with a forged form.
    refused = await slack.interact(schedule_submission(modal, user=ALICE))
    assert (refused.status, refused.text) == (200, "")
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 2, what="refusal")
    assert "Only this team's managers can change its schedule" in render_message(
        slack.fake.calls_to("views.publish")[1].args["view"]
    )

    saved = await slack.interact(schedule_submission(modal, user=MANAGER))
    assert (saved.status, saved.text) == (200, "")
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 3, what="saved")
    notice = render_message(slack.fake.calls_to("views.publish")[2].args["view"])
    assert (
        "#team: pulse Friday 09:30 every 2 weeks, no reminder, digest Tuesday 08:00 "
        "(Europe/Berlin) — saved."
    ) in notice
    async with slack.runtime.db.read() as s:
        team = await teams.get_team_by_channel(s, workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
    assert team is not None
    schedule = team.schedule
    assert (
        schedule.pulse_weekday,
        f"{schedule.pulse_time:%H:%M}",
        schedule.every_weeks,
        schedule.reminder_enabled,
        schedule.close_weekday,
    ) == (4, "09:30", 2, False, 1)
    runs = await slack.runtime.services.rounds.next_runs(team=team)
    assert runs is not None
    assert runs.pulse_at is not None
    local = runs.pulse_at.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.weekday(), f"{local:%H:%M}") == (4, "09:30")
