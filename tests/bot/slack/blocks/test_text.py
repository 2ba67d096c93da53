"""The shared text helpers: member text never becomes markup, and Slack's limits hold."""

from __future__ import annotations

import pytest

from bot.delivery.platform import ImageRef
from bot.domain.circles import CIRCLES
from bot.sandbox.fakeslack import block_kit_errors
from bot.slack.blocks.text import (
    CIRCLE_EMOJI,
    MAX_SECTION_CHARS,
    bar,
    button,
    context,
    divider,
    escape,
    header,
    image,
    section,
    truncate,
)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain words", "plain words"),
        ("<!channel>", "&lt;!channel&gt;"),
        ("<!here> and <!everyone>", "&lt;!here&gt; and &lt;!everyone&gt;"),
        ("<@U123>", "&lt;@U123&gt;"),
        ("<#C123|general>", "&lt;#C123|general&gt;"),
        ("<https://evil.example|click me>", "&lt;https://evil.example|click me&gt;"),
        ("Q&A", "Q&amp;A"),
        # Already-escaped text is escaped again: it shows as typed, never as markup.
        ("&lt;!channel&gt;", "&amp;lt;!channel&amp;gt;"),
        ("*bold* _it_ `code`", "*bold* _it_ `code`"),
    ],
)
def test_escape_turns_mentions_and_links_into_text(text: str, escaped: str) -> None:
    assert escape(text) == escaped


@pytest.mark.parametrize(
    ("text", "limit", "result"),
    [
        ("short", 10, "short"),
        ("exactly10!", 10, "exactly10!"),
        ("eleven char", 10, "eleven ch…"),
        ("ab", 1, "…"),
        ("", 5, ""),
    ],
)
def test_truncate_keeps_text_within_the_limit_and_marks_the_cut(
    text: str, limit: int, result: str
) -> None:
    assert truncate(text, limit) == result
    assert len(truncate(text, limit)) <= limit


def test_truncate_defaults_to_a_sections_three_thousand_characters() -> None:
    assert truncate("x" * MAX_SECTION_CHARS) == "x" * MAX_SECTION_CHARS
    assert truncate("x" * 5000) == "x" * 2999 + "…"


@pytest.mark.parametrize(
    ("score", "width", "shown"),
    [
        (None, 10, "no counted answers"),
        (0.0, 10, "▱▱▱▱▱▱▱▱▱▱ 0%"),
        (0.6, 10, "▰▰▰▰▰▰▱▱▱▱ 60%"),
        (2 / 3, 10, "▰▰▰▰▰▰▰▱▱▱ 67%"),
        (1.0, 10, "▰▰▰▰▰▰▰▰▰▰ 100%"),
        (0.5, 4, "▰▰▱▱ 50%"),
    ],
)
def test_bar_draws_the_score_and_its_percentage(
    score: float | None, width: int, shown: str
) -> None:
    assert bar(score, width) == shown


def test_section_context_and_header_stay_within_slacks_limits() -> None:
    long = "<" * 4000
    blocks = [
        section(long),
        context(*[f"note {i}" for i in range(15)]),
        header("h" * 400),
        divider(),
    ]
    assert block_kit_errors(blocks, max_blocks=50) == []
    assert len(blocks[0]["text"]["text"]) == MAX_SECTION_CHARS
    assert [e["text"] for e in blocks[1]["elements"]] == [f"note {i}" for i in range(10)]
    assert blocks[2]["text"] == {"type": "plain_text", "text": "h" * 149 + "…", "emoji": True}


def test_a_button_carries_its_label_action_value_and_style() -> None:
    plain = button("Not sure", action_id="pulse_answer_not_sure", value="1:W:not_sure")
    chosen = button("Yes", action_id="pulse_answer_yes", value="1:W:yes", style="primary")
    assert plain == {
        "type": "button",
        "text": {"type": "plain_text", "text": "Not sure", "emoji": True},
        "action_id": "pulse_answer_not_sure",
        "value": "1:W:not_sure",
    }
    assert chosen["style"] == "primary"
    assert block_kit_errors([{"type": "actions", "elements": [plain, chosen]}], max_blocks=50) == []


def test_an_image_shows_the_uploaded_file_with_its_words() -> None:
    assert image(ImageRef("F1", "Venn diagram: alpha is in the Center")) == {
        "type": "image",
        "slack_file": {"id": "F1"},
        "alt_text": "Venn diagram: alpha is in the Center",
    }
    titled = image(ImageRef("F2", "a" * 2500, title="t" * 2500))
    assert titled["alt_text"] == "a" * 1999 + "…"
    assert titled["title"] == {"type": "plain_text", "text": "t" * 1999 + "…"}
    assert block_kit_errors([titled], max_blocks=50) == []


def test_every_circle_has_its_emoji() -> None:
    assert [CIRCLE_EMOJI[c] for c in CIRCLES] == [":bulb:", ":hammer_and_wrench:", ":package:"]
