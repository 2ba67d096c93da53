"""The card pieces: the card and its attachment, text that is never markup, images, bars.

Also checks the checker: ``card_errors`` refuses what is not Adaptive Cards 1.5.
"""

from __future__ import annotations

import json

import pytest

from bot.delivery.platform import ImageRef
from bot.domain.circles import CIRCLES
from bot.teams.cards.common import (
    CIRCLE_EMOJI,
    action_set,
    adaptive_card,
    attachment,
    bar,
    command,
    container,
    escape_markdown,
    fact_set,
    heading,
    image,
    plural,
    rich,
    round_id_of,
    run,
    text_block,
    truncate,
)
from tests.bot.teams.cards.reading import card_errors, read


def test_a_card_is_adaptive_cards_1_5_with_its_schema() -> None:
    card = adaptive_card([text_block("hi")])
    assert card == {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "hi", "wrap": True}],
    }
    assert card_errors(card) == []


def test_a_card_with_actions_and_fallback_text() -> None:
    button = {"type": "Action.Submit", "title": "Go", "data": {"x": 1}}
    card = adaptive_card([text_block("hi")], [button], fallback_text="hi there")
    assert card["actions"] == [button]
    assert card["fallbackText"] == "hi there"
    assert "actions" not in adaptive_card([], [])
    assert card_errors(card) == []


def test_the_attachment_names_the_adaptive_card_content_type() -> None:
    card = adaptive_card([])
    assert attachment(card) == {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "content": card,
    }


def test_an_image_shows_the_pictures_url_with_its_words() -> None:
    ref = ImageRef("https://files.example/venn.png", "alpha is in DevOps", title="#alpha: DevOps")
    assert image(ref) == {
        "type": "Image",
        "url": "https://files.example/venn.png",
        "altText": "alpha is in DevOps",
    }


def test_runs_and_rich_text_carry_text_as_given() -> None:
    block = rich("plain **not bold** ", run("bold", bold=True), run("it", italic=True), subtle=True)
    assert block == {
        "type": "RichTextBlock",
        "inlines": [
            {"type": "TextRun", "text": "plain **not bold** ", "isSubtle": True},
            {"type": "TextRun", "text": "bold", "weight": "Bolder", "isSubtle": True},
            {"type": "TextRun", "text": "it", "italic": True, "isSubtle": True},
        ],
    }
    assert heading("Title")["inlines"] == [
        {"type": "TextRun", "text": "Title", "weight": "Bolder", "size": "Large"}
    ]


def test_text_blocks_facts_containers_and_action_sets_are_valid() -> None:
    card = adaptive_card(
        [
            container(
                [text_block("a", subtle=True, weight="Bolder", size="Small", color="Good")],
                element_id="c",
            ),
            fact_set([("W", "▰ 10%")]),
            action_set([{"type": "Action.Execute", "title": "Yes", "verb": "v"}], element_id="row"),
        ]
    )
    assert card_errors(card) == []
    assert read(card) == "a\nW: ▰ 10%\n  [Yes]"


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain words", "plain words"),
        ("team-alpha v2.0 (EU)", "team-alpha v2.0 (EU)"),
        ("**bold** _it_", "\\*\\*bold\\*\\* \\_it\\_"),
        ("[click](https://evil.example)", "\\[click\\](https://evil.example)"),
        ("<at>Ann</at>", "\\<at\\>Ann\\</at\\>"),
        ("`code` ~~gone~~ a|b", "\\`code\\` \\~\\~gone\\~\\~ a\\|b"),
        ("{{DATE(2026-01-01T00:00:00Z)}}", "\\{\\{DATE(2026-01-01T00:00:00Z)\\}\\}"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines\r\n- and a list", "two lines - and a list"),
    ],
)
def test_escape_markdown_keeps_someone_elses_text_from_becoming_markup(
    text: str, escaped: str
) -> None:
    assert escape_markdown(text) == escaped


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


def test_small_words() -> None:
    assert command("status all") == "@SDO Pulse status all"
    assert [plural(n, "member") for n in (0, 1, 2)] == ["0 members", "1 member", "2 members"]
    assert truncate("eleven char", 10) == "eleven ch…"
    assert truncate("short", 10) == "short"
    assert set(CIRCLE_EMOJI) == set(CIRCLES)
    assert not any(e.startswith(":") for e in CIRCLE_EMOJI.values())


@pytest.mark.parametrize(
    ("value", "round_id"),
    [
        (42, 42),
        (1, 1),
        (0, None),
        (-5, None),
        (True, None),
        ("42", None),
        (4.0, None),
        (None, None),
    ],
)
def test_a_round_id_is_a_positive_int(value: object, round_id: int | None) -> None:
    assert round_id_of(value) == round_id


@pytest.mark.parametrize(
    ("card", "error"),
    [
        ({"type": "message"}, "not an AdaptiveCard"),
        ({"type": "AdaptiveCard", "version": "1.2", "body": []}, "not version 1.5"),
        (adaptive_card([{"type": "section", "text": "slack"}]), "unknown element type 'section'"),
        (adaptive_card([{"type": "Input.Rating", "id": "r"}]), "unknown element type"),
        (adaptive_card([], [{"type": "Action.Http", "title": "x"}]), "unknown action type"),
        (adaptive_card([action_set([{"type": "Action.Execute", "title": "x"}])]), "without a verb"),
        (adaptive_card([container([{"type": "Badge"}])]), "unknown element type 'Badge'"),
        (adaptive_card([{"type": "RichTextBlock", "inlines": [{"type": "x"}]}]), "unknown inline"),
        (adaptive_card([{"type": "Column", "items": []}]), "unknown element type 'Column'"),
        (adaptive_card([{"type": "Input.Text"}]), "input without an id"),
        (adaptive_card([{"type": "Image", "url": "u"}]), "Image without what it needs"),
        (adaptive_card([text_block("x" * 30_000)]), "too large for a Teams message"),
        (adaptive_card([{"type": "TextBlock", "text": {1, 2}}]), "not JSON-serialisable"),
    ],
)
def test_the_checker_refuses_what_is_not_adaptive_cards_1_5(card: object, error: str) -> None:
    errors = card_errors(card)
    assert any(error in e for e in errors), errors


def test_the_checker_walks_columns_and_accepts_them_inside_a_column_set() -> None:
    card = adaptive_card(
        [
            {
                "type": "ColumnSet",
                "columns": [{"type": "Column", "items": [{"type": "Video"}]}],
            }
        ]
    )
    assert card_errors(card) == ["body[0]/ColumnSet[0]/Column[0]: unknown element type 'Video'"]
    json.dumps(card)
