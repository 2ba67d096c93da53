"""A team's time zone, set by its managers: `/sdo schedule … Area/City` and the App Home's
schedule settings, over signed HTTP with the fake Slack; due times read back from the database.

The app's clock is moved to Tuesday 2 March 2027, 12:00 UTC (New York is on EST, UTC-5, until
14 March; Berlin on CET, UTC+1), so every next time is a known instant.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.domain.model import NextRuns, Team
from bot.slack.blocks.render import render_message
from storage import teams
from tests.support.harness import WORKSPACE, SlackHarness, eventually
from tests.support.slack import ALICE, MANAGER, TEAM_CHANNEL, open_settings

NOW = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)  # a Tuesday


async def ask(slack: SlackHarness, words: str, *, user: str = MANAGER) -> str:
    answer = await slack.command_and_answer(words, user=user, channel=TEAM_CHANNEL)
    assert answer["response_type"] == "ephemeral"
    return render_message(answer)


async def stored(slack: SlackHarness) -> tuple[Team, NextRuns]:
    async with slack.runtime.db.read() as s:
        team = await teams.get_team_by_channel(s, workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
    assert team is not None
    runs = await slack.runtime.services.rounds.next_runs(team=team)
    assert runs is not None
    return team, runs


async def set_up(slack: SlackHarness) -> None:
    slack.clock.travel_to(NOW)
    await ask(slack, "setup")  # the caller's profile zone: Europe/Berlin


async def test_schedule_with_a_zone_stores_it_and_the_next_pulse_is_in_it(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    await set_up(slack)
    _, before = await stored(slack)
    assert before.pulse_at == datetime(2027, 3, 4, 14, 0, tzinfo=UTC)  # 15:00 in Berlin

    answer = await ask(slack, "schedule thu 15:00 weekly America/New_York")

    assert answer.startswith(
        ":calendar: Done: #team gets its pulse every Thursday at 15:00 (America/New_York) — "
    )
    assert answer.endswith(" Next pulse: Thursday 04 March 15:00.")
    team, runs = await stored(slack)
    assert team.tz == "America/New_York"
    assert runs.pulse_at == datetime(2027, 3, 4, 20, 0, tzinfo=UTC)  # 15:00 EST
    assert "(America/New_York)" in await ask(slack, "schedule")
    status = await ask(slack, "status", user=ALICE)
    assert (
        ":calendar: Schedule: pulse Thursday 15:00 every week, reminder Friday 11:00, digest "
        "Monday 10:00 · time zone America/New_York"
    ) in status


async def test_a_zone_typed_in_lower_case_is_stored_as_the_tz_database_names_it(
    slack: SlackHarness,
) -> None:
    await set_up(slack)
    answer = await ask(slack, "schedule mon 09:00 asia/tokyo")
    assert "every Monday at 09:00 (Asia/Tokyo)" in answer
    team, runs = await stored(slack)
    assert team.tz == "Asia/Tokyo"
    assert runs.pulse_at == datetime(2027, 3, 8, 0, 0, tzinfo=UTC)  # 09:00 JST


async def test_an_unknown_zone_is_refused_by_name_and_nothing_changes(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    await set_up(slack)
    team_before, runs_before = await stored(slack)

    answer = await ask(slack, "schedule fri 09:00 biweekly Mars/Olympus")

    assert answer.startswith(
        "I don't know the time zone `Mars/Olympus`: use a tz database name such as "
    )
    assert "Usage: `/sdo schedule <day> <HH:MM> [weekly|biweekly] [Area/City]`" in answer
    assert await stored(slack) == (team_before, runs_before)
    assert team_before.tz == "Europe/Berlin"


async def test_a_new_zone_moves_the_open_rounds_reminder_and_close(slack: SlackHarness) -> None:
    await set_up(slack)
    await ask(slack, "pulse")  # round 1 opens at NOW
    _, berlin = await stored(slack)
    assert (berlin.reminder_at, berlin.close_at) == (
        datetime(2027, 3, 5, 10, 0, tzinfo=UTC),  # Friday 11:00 CET
        datetime(2027, 3, 8, 9, 0, tzinfo=UTC),  # Monday 10:00 CET
    )

    await ask(slack, "schedule thu 15:00 America/New_York")

    _, new_york = await stored(slack)
    assert (new_york.reminder_at, new_york.close_at) == (
        datetime(2027, 3, 5, 16, 0, tzinfo=UTC),  # Friday 11:00 EST
        datetime(2027, 3, 8, 15, 0, tzinfo=UTC),  # Monday 10:00 EST
    )
    status = await ask(slack, "status")  # a round's status, not "no pulse yet"
    assert "This round so far" in status
    assert "· time zone America/New_York" in status


async def test_members_cannot_change_the_zone(slack: SlackHarness) -> None:
    await set_up(slack)
    refused = await ask(slack, "schedule thu 15:00 America/New_York", user=ALICE)
    assert refused.startswith(":lock: Sorry — only this team's managers")
    team, _ = await stored(slack)
    assert team.tz == "Europe/Berlin"


# -- the App Home's schedule settings


def with_zone(modal: dict[str, Any], zone: str) -> dict[str, Any]:
    """The manager saves Friday 09:30, every two weeks, no reminder, close Tuesday 08:00,
    with ``zone`` typed in the zone field."""

    def pick(value: str) -> dict[str, Any]:
        return {"value": {"type": "static_select", "selected_option": {"value": value}}}

    def at(value: str) -> dict[str, Any]:
        return {"value": {"type": "timepicker", "selected_time": value}}

    values = {
        "pulse_day": pick("4"),
        "pulse_time": at("09:30"),
        "cadence": pick("2"),
        "reminder": {"value": {"type": "checkboxes", "selected_options": []}},
        "reminder_day": pick("0"),
        "reminder_time": at("11:00"),
        "close_day": pick("1"),
        "close_time": at("08:00"),
        "tz": {"value": {"type": "plain_text_input", "value": zone}},
    }
    return {
        "type": "view_submission",
        "team": {"id": WORKSPACE},
        "user": {"id": MANAGER},
        "view": {**modal, "id": "VSCHEDULE", "state": {"values": values}},
    }


async def test_the_settings_set_the_zone_and_the_next_pulse_follows_it(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    await set_up(slack)
    modal = await open_settings(slack)
    field = next(b for b in modal["blocks"] if b.get("block_id") == "tz")
    assert field["element"]["initial_value"] == "Europe/Berlin"  # the zone now, prefilled

    saved = await slack.interact(with_zone(modal, "America/New_York"))

    assert (saved.status, saved.text) == (200, "")  # the modal closes
    await eventually(lambda: len(slack.fake.calls_to("views.publish")) >= 2, what="saved")
    notice = render_message(slack.fake.calls_to("views.publish")[-1].args["view"])
    assert (
        "#team: pulse Friday 09:30 every 2 weeks, no reminder, digest Tuesday 08:00 "
        "(America/New_York) — saved."
    ) in notice
    team, runs = await stored(slack)
    assert team.tz == "America/New_York"
    assert runs.pulse_at == datetime(2027, 3, 5, 14, 30, tzinfo=UTC)  # Friday 09:30 EST


async def test_the_settings_refuse_an_unknown_zone_with_a_field_error(
    slack: SlackHarness,
) -> None:
    await set_up(slack)
    team_before, runs_before = await stored(slack)
    modal = await open_settings(slack)

    refused = await slack.interact(with_zone(modal, "Mars/Olympus"))

    assert refused.status == 200
    assert refused.json() == {
        "response_action": "errors",
        "errors": {
            "tz": 'I don\'t know the time zone "Mars/Olympus": use a tz database name such as '
            "Europe/Berlin, America/New_York or Asia/Tokyo."
        },
    }
    assert await stored(slack) == (team_before, runs_before)  # nothing saved, not even the day
