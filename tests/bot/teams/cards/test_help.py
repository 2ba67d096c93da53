"""`@SDO Pulse help`: every command once, as Teams users type it; an unknown word named back."""

from __future__ import annotations

import re

import pytest

from bot.domain.grammar import Help, Invalid, Managers, parse_command
from bot.teams.activity import TEAMS_SYNTAX
from bot.teams.cards.help import USAGE, USAGE_LINES, help_card
from tests.bot.teams.cards.reading import card_errors, markdown_texts, read

LINES = (
    "SDO Pulse — is the customer in the middle of what we build?",
    "@SDO Pulse setup — register this channel as a team (you become its manager)",
    "@SDO Pulse pulse — send this team's pulse now (managers)",
    "@SDO Pulse status — where this team stands · @SDO Pulse status all — every team "
    "(managers, admins)",
    "@SDO Pulse digest — post the digest to this channel now (managers)",
    "@SDO Pulse schedule <day> <HH:MM> [weekly|biweekly] [Area/City] — when the pulse goes "
    "out, in the team's time zone; a zone such as America/New_York changes it (managers)",
    "@SDO Pulse managers · @SDO Pulse managers add @person · @SDO Pulse managers remove "
    "@person (managers)",
    "@SDO Pulse export — this team's rounds in your personal chat with me: aggregates only, "
    "never anyone's answers (managers)",
    "@SDO Pulse away · @SDO Pulse away @person until <YYYY-MM-DD> · @SDO Pulse away @person off"
    " — who is away: not asked, not counted (managers)",
    "@SDO Pulse pulse me — your own pulse now, when you were away as the round opened",
    "@SDO Pulse release-hook · @SDO Pulse release-hook rotate — this team's release webhook "
    "(URL and secret, in your personal chat) for GitHub, GitLab or any CI: each release asks "
    "who accepted it (managers)",
    "@SDO Pulse questions · @SDO Pulse questions W <new wording> · @SDO Pulse questions reset"
    " — this team's wording of the three questions, and a dialog to reword them: W, H or D each"
    " keeps its circle and answers; reset [W|H|D] brings back the default (managers)",
    "@SDO Pulse help — this message",
)


def test_help_lists_every_command_as_teams_users_type_it() -> None:
    card = help_card()
    assert read(card) == "\n".join(LINES) == USAGE
    assert card["fallbackText"] == "SDO Pulse commands"
    assert card_errors(card) == []


def test_commands_are_bold_and_never_read_as_markdown() -> None:
    card = help_card()
    # The schedule line: its <day> and [..|..] are text, not markup.
    (line,) = [b for b in card["body"] if "schedule <day>" in str(b.get("inlines"))]
    assert line["type"] == "RichTextBlock"
    assert line["inlines"][0] == {
        "type": "TextRun",
        "text": "@SDO Pulse schedule <day> <HH:MM> [weekly|biweekly] [Area/City]",
        "weight": "Bolder",
    }
    assert markdown_texts(card) == []


def test_every_command_is_one_the_grammar_knows() -> None:
    commands = [p for parts in USAGE_LINES for p in parts[::2]]
    assert len(commands) == 20
    for shown in commands:
        words = shown.removeprefix("@SDO Pulse ")
        assert words != shown
        example = words.replace(
            "<day> <HH:MM> [weekly|biweekly] [Area/City]", "thursday 15:00 biweekly Asia/Tokyo"
        )
        # A mention stands for a person: the Teams listener writes it <@29:…> before parsing.
        example = example.replace("@person", "<@29:1abc>").replace("<YYYY-MM-DD>", "2026-12-24")
        parsed = parse_command(example, syntax=TEAMS_SYNTAX)
        assert not isinstance(parsed, Help) or words == "help", words
        assert not isinstance(parsed, Invalid), words
        if isinstance(parsed, Managers) and parsed.action != "list":
            assert parsed.user_id == "29:1abc"


def test_teams_has_no_status_of_another_channel_and_no_slack_markup() -> None:
    text = read(help_card())
    for slack in ("#channel", "/sdo", "`", "<@", "<#"):
        assert slack not in text
    assert re.search(r":[a-z_]+:", text) is None  # no Slack emoji codes


def test_an_unknown_word_is_named_before_the_usage() -> None:
    shown = read(help_card("frobnicate"))
    assert shown == "Sorry, I don't know “frobnicate”. Here is what I can do:\n" + USAGE


@pytest.mark.parametrize(
    ("word", "named"),
    [
        ("**bold**", "**bold**"),
        ("[x](https://evil.example)", "[x](https://evil.example)"),
        ("<at>Ann</at>", "<at>Ann</at>"),
        ("x" * 100, "x" * 60),
    ],
)
def test_the_unknown_word_shows_as_typed_and_cut(word: str, named: str) -> None:
    card = help_card(word)
    first = card["body"][0]
    assert first["type"] == "RichTextBlock"
    assert read(card).splitlines()[0] == f"Sorry, I don't know “{named}”. Here is what I can do:"
    assert card_errors(card) == []
