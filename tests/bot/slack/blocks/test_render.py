"""Block Kit read as text: what the demo prints and the tests read."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bot.slack.blocks.render import render_blocks, render_message
from bot.slack.blocks.text import button, context, divider, header, section

BLOCKS: list[dict[str, Any]] = [
    header("Customer pulse — #alpha"),
    section("Round *3* for #alpha"),
    {
        "type": "actions",
        "elements": [
            button("Yes", action_id="yes", value="1", style="primary"),
            button("No", action_id="no", value="2"),
        ],
    },
    context("3 of 4 answered", ":lock: only you see this"),
    divider(),
    {"type": "image", "slack_file": {"id": "F1"}, "alt_text": "a Venn diagram"},
]
SHOWN = "\n".join(
    (
        "== Customer pulse — #alpha ==",
        "Round *3* for #alpha",
        "  [Yes]* [No]",
        "  3 of 4 answered  :lock: only you see this",
        "—" * 20,
        "(image: a Venn diagram)",
    )
)


def test_each_block_reads_as_a_line_and_the_chosen_button_is_starred() -> None:
    assert render_blocks(BLOCKS) == SHOWN


def test_a_section_shows_its_fields_and_its_accessory() -> None:
    block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": "*Team*"},
        "fields": [{"type": "mrkdwn", "text": "a"}, {"type": "plain_text", "text": "b"}],
        "accessory": {"type": "image", "slack_file": {"id": "F1"}, "alt_text": "map"},
    }
    assert render_blocks([block]) == "*Team*\na\nb\n  (image: map)"
    fields_only = {"type": "section", "fields": [{"type": "mrkdwn", "text": "only"}]}
    assert render_blocks([fields_only]) == "only"


@pytest.mark.parametrize(
    ("element", "shown"),
    [
        (
            {
                "type": "static_select",
                "options": [
                    {"text": {"type": "plain_text", "text": "What to build"}, "value": "W"},
                    {"text": {"type": "plain_text", "text": "How to build"}, "value": "H"},
                ],
            },
            "Question: <select: What to build / How to build>",
        ),
        (
            {"type": "checkboxes", "options": [{"text": {"type": "mrkdwn", "text": "internal"}}]},
            "Question: [ ] internal",
        ),
        ({"type": "plain_text_input", "action_id": "text"}, "Question: <text input>"),
        ({"type": "something_new"}, "Question: "),
    ],
)
def test_an_input_shows_its_label_and_its_control(element: dict[str, Any], shown: str) -> None:
    block = {
        "type": "input",
        "label": {"type": "plain_text", "text": "Question"},
        "element": element,
    }
    assert render_blocks([block]) == shown


def test_block_types_it_does_not_know_are_left_out() -> None:
    assert render_blocks([{"type": "rich_text", "elements": []}, section("kept")]) == "kept"


def test_a_message_reads_as_its_blocks() -> None:
    assert render_message({"text": "fallback", "blocks": BLOCKS}) == SHOWN


def test_json_encoded_blocks_of_a_form_encoded_call_read_the_same() -> None:
    assert render_message({"text": "fallback", "blocks": json.dumps(BLOCKS)}) == SHOWN


@pytest.mark.parametrize(
    "message",
    [
        {"text": "Customer pulse for #alpha: 0 of 3 answered"},
        {"text": "Customer pulse for #alpha: 0 of 3 answered", "blocks": []},
        {"text": "Customer pulse for #alpha: 0 of 3 answered", "blocks": "[]"},
        {"text": "Customer pulse for #alpha: 0 of 3 answered", "blocks": None},
    ],
)
def test_a_message_without_blocks_reads_as_its_text(message: dict[str, Any]) -> None:
    assert render_message(message) == "Customer pulse for #alpha: 0 of 3 answered"


def test_a_view_reads_as_its_blocks_and_an_empty_message_as_nothing() -> None:
    assert render_message({"type": "home", "blocks": [header("SDO Pulse")]}) == "== SDO Pulse =="
    assert render_message({}) == ""
