"""Who is away: a status's emoji or words (whole words, any case) while it has not expired, a
manager's mark through its last day; and the grammar of `away` and `pulse me`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.domain import grammar
from bot.domain.away import (
    DEFAULT_AWAY_RULES,
    MAX_AWAY_ITEMS,
    AwayItems,
    AwayRules,
    ChatStatus,
    away_by_mark,
    away_by_status,
    change_rules,
    parse_away_items,
)
from bot.teams.activity import TEAMS_SYNTAX

NOW = datetime(2026, 12, 10, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("emoji", "text"),
    [
        (":palm_tree:", ""),
        (":airplane:", "Flying to Lisbon"),
        (":face_with_thermometer:", ""),
        (":house_with_garden:", ""),
        (":PALM_TREE:", ""),
        (":airplane::skin-tone-2:", ""),
        ("", "Vacation"),
        ("", "on HOLIDAY until Monday"),
        ("", "OOO"),
        ("", "ooo till the 4th"),
        ("", "Out of   office"),
        ("", "sick"),
        ("", "Parental leave"),
    ],
)
def test_these_statuses_say_away(emoji: str, text: str) -> None:
    assert away_by_status(ChatStatus(emoji=emoji, text=text), now=NOW)


@pytest.mark.parametrize(
    ("emoji", "text"),
    [
        ("", ""),
        (":spiral_calendar_pad:", "In a meeting"),
        (":house:", "Working remotely"),
        ("", "Vacations planning"),  # whole words only
        ("", "cleave"),
        ("", "homesickness"),
        ("", "holidays are coming"),
        ("", "Looking at OOOPS"),
    ],
)
def test_these_do_not(emoji: str, text: str) -> None:
    assert not away_by_status(ChatStatus(emoji=emoji, text=text), now=NOW)


def test_an_expired_status_says_nothing_and_none_expires_without_a_date() -> None:
    assert not away_by_status(None, now=NOW)
    past = ChatStatus(emoji=":palm_tree:", expires_at=NOW - timedelta(seconds=1))
    future = ChatStatus(text="Vacation", expires_at=NOW + timedelta(days=2))
    assert not away_by_status(past, now=NOW)
    assert not away_by_status(ChatStatus(emoji=":palm_tree:", expires_at=NOW), now=NOW)
    assert away_by_status(future, now=NOW)
    assert away_by_status(ChatStatus(emoji=":palm_tree:", expires_at=None), now=NOW)


def test_a_team_s_own_rules() -> None:
    rules = AwayRules(emoji=(":beach_with_umbrella:",), words=("parental leave", "PTO"))
    assert away_by_status(ChatStatus(emoji=":beach_with_umbrella:"), now=NOW, rules=rules)
    assert away_by_status(ChatStatus(text="pto"), now=NOW, rules=rules)
    assert not away_by_status(ChatStatus(emoji=":palm_tree:"), now=NOW, rules=rules)
    assert not away_by_status(ChatStatus(text="sick leave"), now=NOW, rules=rules)
    assert not away_by_status(ChatStatus(text="vacation"), now=NOW, rules=AwayRules(words=()))


def test_a_mark_holds_through_its_last_day() -> None:
    until = date(2026, 12, 24)
    assert away_by_mark(until, today=date(2026, 12, 10))
    assert away_by_mark(until, today=until)
    assert not away_by_mark(until, today=date(2026, 12, 25))
    assert not away_by_mark(None, today=until)


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("away", grammar.Away()),
        ("away list", grammar.Away()),
        (
            "away <@UALICE01|alice> until 2026-12-24",
            grammar.Away("until", "UALICE01", date(2026, 12, 24)),
        ),
        (
            "AWAY <@UALICE01> UNTIL 2026-12-24",
            grammar.Away("until", "UALICE01", date(2026, 12, 24)),
        ),
        ("away <@UALICE01> off", grammar.Away("off", "UALICE01")),
        ("pulse me", grammar.PulseMe()),
        ("pulse ME", grammar.PulseMe()),
        ("pulse", grammar.Pulse()),
    ],
)
def test_the_away_grammar(typed: str, parsed: grammar.Command) -> None:
    assert grammar.parse_command(typed) == parsed


@pytest.mark.parametrize(
    "typed",
    [
        "away alice until 2026-12-24",
        "away <@UALICE01> until 24.12.2026",
        "away <@UALICE01> until 2026-02-30",
        "away <@UALICE01>",
        "away <@UALICE01> until",
        "away <@UALICE01> on",
        "pulse you",
    ],
)
def test_a_wrong_away_is_told_how_to_write_it(typed: str) -> None:
    parsed = grammar.parse_command(typed)
    assert isinstance(parsed, grammar.Invalid), typed
    if typed.startswith("away"):
        assert "/sdo away @user until <YYYY-MM-DD>" in parsed.message


def test_teams_writes_the_same_words_with_its_mentions() -> None:
    parsed = grammar.parse_command("away <@29:1abc-def> until 2026-12-24", syntax=TEAMS_SYNTAX)
    assert parsed == grammar.Away("until", "29:1abc-def", date(2026, 12, 24))
    assert grammar.parse_command("away <@29:1abc-def> off", syntax=TEAMS_SYNTAX) == grammar.Away(
        "off", "29:1abc-def"
    )
    assert grammar.parse_command("pulse me", syntax=TEAMS_SYNTAX) == grammar.PulseMe()
    assert "/sdo" not in grammar.away_usage(TEAMS_SYNTAX)


@pytest.mark.parametrize(
    ("typed", "items"),
    [
        (":baby:", AwayItems(emoji=(":baby:",))),
        (":Baby: :baby:", AwayItems(emoji=(":baby:",))),
        ("PTO", AwayItems(words=("PTO",))),
        (
            ":baby:, parental   leave, PTO, pto",
            AwayItems(emoji=(":baby:",), words=("parental leave", "PTO")),
        ),
        (
            ":sunny: day off, o.o.o, kid's-day",
            AwayItems(emoji=(":sunny:",), words=("day off", "o.o.o", "kid's-day")),
        ),
        (":+1: , :beach_with_umbrella:", AwayItems(emoji=(":+1:", ":beach_with_umbrella:"))),
        ("Urlaub, congé", AwayItems(words=("Urlaub", "congé"))),
    ],
)
def test_away_items_are_read_as_typed(typed: str, items: AwayItems) -> None:
    assert parse_away_items(typed) == items


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("", "Name at least one emoji"),
        (" , ,", "Name at least one emoji"),
        (":Ünï:", "`:Ünï:` is no emoji name"),
        ("<script>", "“<script>” can hold letters, digits"),
        ("a" * 41, "“" + "a" * 40 + "…” is too long: at most 40 characters"),
        ("---", "“---” can hold letters"),
    ],
)
def test_odd_away_items_are_refused_with_a_reason(typed: str, why: str) -> None:
    refused = parse_away_items(typed)
    assert isinstance(refused, str)
    assert refused.startswith(why), refused


def test_changing_the_rules_adds_once_removes_in_any_case_and_caps_the_list() -> None:
    added = change_rules(
        DEFAULT_AWAY_RULES, add=AwayItems(emoji=(":baby:", ":airplane:"), words=("ooo", "PTO"))
    )
    assert isinstance(added, AwayRules)
    assert added.emoji == (*DEFAULT_AWAY_RULES.emoji, ":baby:")
    assert added.words == (*DEFAULT_AWAY_RULES.words, "PTO")
    removed = change_rules(added, remove=AwayItems(emoji=(":AIRPLANE:",), words=("Sick", "nope")))
    assert isinstance(removed, AwayRules)
    assert ":airplane:" not in removed.emoji
    assert "sick" not in removed.words
    assert away_by_status(ChatStatus(text="PTO"), now=NOW, rules=removed)
    assert not away_by_status(ChatStatus(text="sick"), now=NOW, rules=removed)
    emptied = change_rules(removed, remove=AwayItems(emoji=removed.emoji, words=removed.words))
    assert emptied == AwayRules(emoji=(), words=())
    assert not away_by_status(ChatStatus(emoji=":palm_tree:", text="OOO"), now=NOW, rules=emptied)

    full = AwayRules(emoji=tuple(f":e{i}:" for i in range(MAX_AWAY_ITEMS)), words=())
    refused = change_rules(full, add=AwayItems(emoji=(":one_more:",)))
    assert refused == ("A team's list holds at most 30 emoji and 30 words: remove some first.")
    assert change_rules(full, add=AwayItems(emoji=(":e0:",))) == full  # already there


@pytest.mark.parametrize(
    ("typed", "parsed"),
    [
        ("away statuses", grammar.AwayStatuses()),
        ("away STATUS show", grammar.AwayStatuses()),
        ("away statuses reset", grammar.AwayStatuses("reset")),
        (
            "away statuses add :baby:, PTO",
            grammar.AwayStatuses("add", AwayItems(emoji=(":baby:",), words=("PTO",))),
        ),
        (
            "away statuses remove leave",
            grammar.AwayStatuses("remove", AwayItems(words=("leave",))),
        ),
    ],
)
def test_the_away_statuses_grammar(typed: str, parsed: grammar.Command) -> None:
    assert grammar.parse_command(typed) == parsed


@pytest.mark.parametrize(
    "typed",
    ["away statuses add", "away statuses reset now", "away statuses clear", "away statuses add ::"],
)
def test_a_wrong_away_statuses_is_told_how_to_write_it(typed: str) -> None:
    parsed = grammar.parse_command(typed)
    assert isinstance(parsed, grammar.Invalid), typed
    assert "Usage: `/sdo away statuses`" in parsed.message
