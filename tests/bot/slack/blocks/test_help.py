"""`/sdo help`: every command once, and the unknown word named back without markup."""

from __future__ import annotations

import pytest

from bot.domain.grammar import Help, parse_command
from bot.sandbox.fakeslack import block_kit_errors
from bot.slack.blocks.help import USAGE, help_message
from bot.slack.blocks.render import render_message


def test_help_lists_every_command() -> None:
    message = help_message()
    assert message["text"] == "SDO Pulse commands"
    assert render_message(message) == USAGE
    for usage in (
        "`/sdo setup` — register this channel as a team (you become its manager)",
        "`/sdo pulse` — send this team's pulse now (managers)",
        "`/sdo status` — where this team stands",
        "`/sdo status #channel` — another team",
        "`/sdo status all` — every team (managers, admins)",
        "`/sdo digest` — post the digest to this channel now (managers)",
        "`/sdo schedule <day> <HH:MM> [weekly|biweekly] [Area/City]` — when the pulse goes "
        "out, in the team's time zone; a zone such as `America/New_York` changes it (managers)",
        "`/sdo managers` · `/sdo managers add @user` · `/sdo managers remove @user` (managers)",
        "`/sdo export` — this team's rounds as a CSV file in your DM: aggregates only, never "
        "anyone's answers (managers)",
        "`/sdo release-hook` · `/sdo release-hook rotate` — this team's release webhook (URL "
        "and secret) for GitHub, GitLab or any CI: each release asks who accepted it (managers)",
        "`/sdo questions` — reword this team's three questions in a form (each keeps its "
        "circle and the answers Yes / Partly / No / Not sure) · `/sdo questions W|H|D <text>` · "
        "`/sdo questions reset [W|H|D]` (managers)",
        "`/sdo help` — this message",
    ):
        assert usage in USAGE
    assert block_kit_errors(message["blocks"], max_blocks=50) == []


def test_an_unknown_word_is_named_before_the_usage() -> None:
    shown = render_message(help_message("frobnicate"))
    assert shown == "Sorry, I don't know `frobnicate`. Here is what I can do:\n" + USAGE


@pytest.mark.parametrize(
    ("word", "named"),
    [
        ("<!channel>", "&lt;!channel&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("a&b", "a&amp;b"),
        ("x" * 100, "x" * 60),
    ],
)
def test_the_unknown_word_is_escaped_and_cut(word: str, named: str) -> None:
    first = help_message(word)["blocks"][0]["text"]["text"]
    assert first == f"Sorry, I don't know `{named}`. Here is what I can do:"


def test_over_long_text_is_named_by_its_beginning() -> None:
    command = parse_command("<!channel> " * 40)
    assert isinstance(command, Help)
    assert command.unknown is not None
    message = help_message(command.unknown)
    assert "<!channel>" not in str(message)
    assert render_message(message).startswith(
        "Sorry, I don't know `&lt;!channel&gt; &lt;!channel&gt; &lt;!channel&gt; &lt;!chann…`."
    )
    assert block_kit_errors(message["blocks"], max_blocks=50) == []
