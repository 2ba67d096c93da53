"""The `/sdo` grammar: every command, its wrong uses, and text that is no command at all."""

from __future__ import annotations

import re
from datetime import time

import pytest

from bot.domain.grammar import (
    MANAGERS_USAGE,
    MAX_COMMAND_CHARS,
    SCHEDULE_USAGE,
    STATUS_USAGE,
    Command,
    Digest,
    Help,
    Invalid,
    Managers,
    Pulse,
    Schedule,
    Setup,
    Status,
    Syntax,
    parse_command,
    time_zone,
)

CHANNEL_HINT = (
    "I could not read that channel: pick it from the list Slack suggests after typing `#`. "
)
MENTION_HINT = "Mention the person with `@` and pick them from Slack's list. "


@pytest.mark.parametrize("text", [None, "", "   ", "\n\t", "help", "HELP", "?", "usage", "help me"])
def test_nothing_or_help_answers_with_plain_usage(text: str | None) -> None:
    assert parse_command(text) == Help()


@pytest.mark.parametrize(
    ("text", "unknown"),
    [
        ("frobnicate", "frobnicate"),
        ("Frobnicate now please", "Frobnicate"),  # the word as typed, not lowercased
        ("<!channel> hi", "<!channel>"),
        ("  statuses ", "statuses"),
        ("setups", "setups"),
    ],
)
def test_an_unknown_first_word_is_named_back_in_the_help(text: str, unknown: str) -> None:
    assert parse_command(text) == Help(unknown=unknown)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("setup", Setup()),
        ("pulse", Pulse()),
        ("digest", Digest()),
        ("  SETUP  ", Setup()),
        ("Pulse", Pulse()),
        ("DiGeSt", Digest()),
    ],
)
def test_commands_without_arguments(text: str, command: Command) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("setup #team", "`/sdo setup` takes no arguments: run it in the team's channel."),
        ("pulse now", "`/sdo pulse` takes no arguments."),
        ("digest please", "`/sdo digest` takes no arguments."),
    ],
)
def test_commands_without_arguments_refuse_any(text: str, message: str) -> None:
    assert parse_command(text) == Invalid(message)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("status", Status()),
        ("status all", Status(all_teams=True)),
        ("STATUS ALL", Status(all_teams=True)),
        ("status <#C123ABC|team-alpha>", Status(channel_id="C123ABC")),
        ("status <#C123ABC>", Status(channel_id="C123ABC")),
        ("status <#G0PRIVATE|secret-team>", Status(channel_id="G0PRIVATE")),
    ],
)
def test_status_of_this_team_another_channel_or_all(text: str, command: Status) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # A bare name (Slack's escaping off, or typed without picking): how to pick it instead.
        ("status #team-alpha", CHANNEL_HINT + STATUS_USAGE),
        ("status #", CHANNEL_HINT + STATUS_USAGE),
        ("status team-alpha", STATUS_USAGE),
        ("status <#c123|lowercase-id>", STATUS_USAGE),
        ("status <#D123|a-dm>", STATUS_USAGE),
        ("status <@U123|ada>", STATUS_USAGE),
        ("status all teams", STATUS_USAGE),
        ("status <#C1|a> <#C2|b>", STATUS_USAGE),
    ],
)
def test_status_refuses_what_is_no_channel(text: str, message: str) -> None:
    assert parse_command(text) == Invalid(message)


def test_status_usage_names_all_three_forms() -> None:
    assert STATUS_USAGE == "Usage: `/sdo status`, `/sdo status #channel` or `/sdo status all`."


DAY_ALIASES = [
    (0, ("mon", "monday", "mondays")),
    (1, ("tue", "tues", "tuesday", "tuesdays")),
    (2, ("wed", "wednesday", "wednesdays")),
    (3, ("thu", "thur", "thurs", "thursday", "thursdays")),
    (4, ("fri", "friday", "fridays")),
    (5, ("sat", "saturday", "saturdays")),
    (6, ("sun", "sunday", "sundays")),
]


@pytest.mark.parametrize(
    ("alias", "weekday"),
    [(alias, weekday) for weekday, aliases in DAY_ALIASES for alias in aliases],
)
def test_schedule_reads_every_day_alias(alias: str, weekday: int) -> None:
    assert parse_command(f"schedule {alias} 15:00") == Schedule(weekday=weekday, at=time(15, 0))
    assert parse_command(f"schedule {alias.upper()} 15:00") == Schedule(
        weekday=weekday, at=time(15, 0)
    )


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("schedule", Schedule()),
        ("schedule thursday 15:00", Schedule(weekday=3, at=time(15, 0))),
        ("schedule thursday, 15:00", Schedule(weekday=3, at=time(15, 0))),
        ("Schedule Monday 9:05", Schedule(weekday=0, at=time(9, 5))),
        ("schedule fri 09:30", Schedule(weekday=4, at=time(9, 30))),
        ("schedule sun 0:00", Schedule(weekday=6, at=time(0, 0))),
        ("schedule sat 23:59", Schedule(weekday=5, at=time(23, 59))),
        ("schedule tue 10:00 weekly", Schedule(weekday=1, at=time(10, 0), every_weeks=1)),
        ("schedule tue 10:00 every-week", Schedule(weekday=1, at=time(10, 0), every_weeks=1)),
        ("schedule wed 10:00 biweekly", Schedule(weekday=2, at=time(10, 0), every_weeks=2)),
        ("schedule wed 10:00 BIWEEKLY", Schedule(weekday=2, at=time(10, 0), every_weeks=2)),
        ("schedule wed 10:00 fortnightly", Schedule(weekday=2, at=time(10, 0), every_weeks=2)),
        ("schedule wed 10:00 every-2-weeks", Schedule(weekday=2, at=time(10, 0), every_weeks=2)),
    ],
)
def test_schedule_shows_or_sets_day_time_and_cadence(text: str, command: Schedule) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "schedule thursday",
        "schedule 15:00",
        "schedule 15:00 thursday",
        "schedule someday 15:00",
        "schedule thursday 24:00",
        "schedule thursday 9:5",
        "schedule thursday 15:60",
        "schedule thursday 15",
        "schedule thursday 15.00",
        "schedule thursday 3pm",
        "schedule thursday 3:00pm",
        "schedule thursday 015:00",
        "schedule thursday -1:00",
        "schedule thursday 15:00 monthly",
        "schedule thursday 15:00 weekly please",
    ],
)
def test_schedule_refuses_a_bad_day_time_or_cadence_with_its_usage(text: str) -> None:
    assert parse_command(text) == Invalid(SCHEDULE_USAGE)


def test_schedule_usage_gives_an_example_and_the_time_zone() -> None:
    assert SCHEDULE_USAGE == (
        "Usage: `/sdo schedule <day> <HH:MM> [weekly|biweekly] [Area/City]`, e.g. "
        "`/sdo schedule thursday 15:00` (24-hour time, in the team's time zone); a tz database "
        "zone such as `America/New_York` becomes the team's time zone."
    )


@pytest.mark.parametrize(
    ("text", "command"),
    [
        (
            "schedule thu 15:00 weekly America/New_York",
            Schedule(weekday=3, at=time(15, 0), every_weeks=1, tz="America/New_York"),
        ),
        (
            "schedule thu 15:00 America/New_York",
            Schedule(weekday=3, at=time(15, 0), tz="America/New_York"),
        ),
        # Typed in any case, stored as the tz database spells it.
        (
            "schedule fri 09:30 biweekly asia/tokyo",
            Schedule(weekday=4, at=time(9, 30), every_weeks=2, tz="Asia/Tokyo"),
        ),
        (
            "schedule mon 8:00 America/Argentina/Salta",
            Schedule(weekday=0, at=time(8, 0), tz="America/Argentina/Salta"),
        ),
        ("schedule mon 8:00 UTC", Schedule(weekday=0, at=time(8, 0), tz="UTC")),
        ("schedule mon 8:00 weekly Etc/GMT+5", Schedule(0, time(8, 0), 1, tz="Etc/GMT+5")),
    ],
)
def test_schedule_reads_an_optional_time_zone(text: str, command: Schedule) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    "zone",
    ["Mars/Olympus", "Europe/Atlantis", "America/New_Yorkk", "Etc/GMT+99", "posix/Europe/Berlin"],
)
def test_an_unknown_time_zone_is_refused_by_name(zone: str) -> None:
    refused = parse_command(f"schedule thu 15:00 weekly {zone}")
    assert refused == Invalid(
        f"I don't know the time zone `{zone}`: use a tz database name such as "
        "`Europe/Berlin`, `America/New_York` or `Asia/Tokyo`. " + SCHEDULE_USAGE
    )
    assert parse_command(f"schedule thu 15:00 {zone}") == refused


@pytest.mark.parametrize(
    "text",
    [
        "schedule thu 15:00 weekly daily",  # a word that is no zone: the usage
        "schedule thu 15:00 America/New_York weekly",  # the zone goes last
        "schedule thu 15:00 weekly America/New_York Europe/Berlin",
        "schedule thu 15:00 ../../etc/passwd",
        "schedule thu 15:00 localtime",  # the server's zone file, not a zone name
        "schedule thu 15:00 <!here>/x",
    ],
)
def test_schedule_refuses_what_is_no_zone_with_its_usage(text: str) -> None:
    assert parse_command(text) == Invalid(SCHEDULE_USAGE)


def test_unknown_zones_are_named_in_teams_syntax_too() -> None:
    syntax = Syntax(command="@SDO Pulse", user=re.compile(r"^x$"), channel=None, mention_hint="")
    refused = parse_command("schedule thu 15:00 Mars/Olympus", syntax=syntax)
    assert isinstance(refused, Invalid)
    assert refused.message.startswith("I don't know the time zone `Mars/Olympus`")
    assert "`@SDO Pulse schedule <day> <HH:MM> [weekly|biweekly] [Area/City]`" in refused.message


def test_time_zone_names_the_zone_or_nothing() -> None:
    assert time_zone("europe/berlin") == "Europe/Berlin"
    assert time_zone(" Asia/Tokyo ") == "Asia/Tokyo"
    assert time_zone("Mars/Olympus") is None
    assert time_zone("") is None
    assert time_zone(None) is None
    assert time_zone("localtime") is None


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("managers", Managers()),
        ("manager", Managers()),
        ("managers list", Managers()),
        ("MANAGERS LIST", Managers()),
        ("managers add <@U123ABC|ada>", Managers(action="add", user_id="U123ABC")),
        ("managers add <@U123ABC>", Managers(action="add", user_id="U123ABC")),
        ("manager ADD <@W0ENTERPRISE|grace>", Managers(action="add", user_id="W0ENTERPRISE")),
        ("managers remove <@U9|bob>", Managers(action="remove", user_id="U9")),
        ("Managers Remove <@U9>", Managers(action="remove", user_id="U9")),
    ],
)
def test_managers_list_add_and_remove(text: str, command: Managers) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    "text",
    [
        "managers add @ada",
        "managers add ada",
        "managers remove <@u123|lowercase-id>",
        "managers add <#C123|a-channel>",
        "managers add <!channel>",
        "managers add <@U123|ada",
    ],
)
def test_managers_refuse_someone_not_picked_from_slacks_list(text: str) -> None:
    assert parse_command(text) == Invalid(MENTION_HINT + MANAGERS_USAGE)


@pytest.mark.parametrize(
    "text",
    [
        "managers add",
        "managers remove",
        "managers promote <@U1>",
        "managers add <@U1> <@U2>",
        "managers <@U1>",
        "managers list all",
    ],
)
def test_managers_wrong_uses_answer_with_usage(text: str) -> None:
    assert parse_command(text) == Invalid(MANAGERS_USAGE)


def test_text_at_the_limit_is_still_read_as_a_command() -> None:
    text = "status" + " " * (MAX_COMMAND_CHARS - len("statusall")) + "all"
    assert len(text) == MAX_COMMAND_CHARS
    assert parse_command(text) == Status(all_teams=True)
    assert parse_command(text + "!") == Help(unknown="status" + " " * 34 + "…")


def test_over_long_text_is_cut_to_forty_characters_in_the_help() -> None:
    text = "status " + "x" * MAX_COMMAND_CHARS
    assert parse_command(text) == Help(unknown=text[:40] + "…")


def test_surrounding_whitespace_does_not_count_toward_the_limit() -> None:
    assert parse_command(" " * 500 + "pulse" + " " * 500) == Pulse()
