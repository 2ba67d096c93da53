"""Block Kit and view checks: through ``chat.postMessage``, and ``block_kit_errors`` and
``view_errors`` directly."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack, block_kit_errors, view_errors
from bot.sandbox.fakeslack.blockkit import MAX_MESSAGE_BLOCKS
from tests.bot.sandbox.fakeslack.support import error_of


async def test_block_kit_limits_are_enforced(fake: FakeSlack, client: AsyncWebClient) -> None:
    too_many = [{"type": "divider"}] * 51
    long_button = [
        {
            "type": "actions",
            "elements": [
                {
                    "type": "button",
                    "action_id": "a",
                    "text": {"type": "plain_text", "text": "x" * 76},
                }
            ],
        }
    ]

    many = await error_of(client.chat_postMessage(channel="CTEAM", text="x", blocks=too_many))
    long = await error_of(client.chat_postMessage(channel="CTEAM", text="x", blocks=long_button))
    with pytest.warns(UserWarning, match="top-level `text` argument is missing"):
        empty = await error_of(client.chat_postMessage(channel="CTEAM"))

    assert many.response["error"] == "invalid_blocks"
    assert long.response["error"] == "invalid_blocks"
    assert long.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"
    ]
    assert empty.response["error"] == "no_text"
    assert "CTEAM" not in fake.messages


PLAIN = {"type": "plain_text", "text": "x"}


def options(count: int) -> list[dict[str, Any]]:
    return [
        {"text": {"type": "plain_text", "text": f"o{n}"}, "value": str(n)} for n in range(count)
    ]


def actions(*elements: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "actions", "elements": list(elements)}]


def element_error(what: str, where: str) -> str:
    return f"[ERROR] {what} [json-pointer:/blocks/0/elements/0{where}]"


@pytest.mark.parametrize(
    ("blocks", "expected"),
    [
        pytest.param(
            actions({"type": "static_select", "action_id": "s", "options": options(101)}),
            [element_error("no more than 100 items allowed", "/options")],
            id="select-options",
        ),
        pytest.param(
            actions({"type": "multi_static_select", "action_id": "s", "option_groups": []}),
            [],
            id="select-option-groups-unchecked",
        ),
        pytest.param(
            actions({"type": "overflow", "action_id": "o", "options": options(6)}),
            [element_error("no more than 5 items allowed", "/options")],
            id="overflow-options",
        ),
        pytest.param(
            actions({"type": "checkboxes", "action_id": "c", "options": []}),
            [element_error("must provide at least 1 option", "/options")],
            id="checkboxes-empty",
        ),
        pytest.param(
            actions(
                {
                    "type": "radio_buttons",
                    "action_id": "r",
                    "options": [{"text": PLAIN, "value": "v" * 151}],
                }
            ),
            [element_error("must be less than 151 characters", "/options/0/value")],
            id="radio-option-value",
        ),
        pytest.param(
            actions({"type": "button", "action_id": "b", "text": PLAIN, "style": "loud"}),
            [element_error("must be one of primary, danger", "/style")],
            id="button-style",
        ),
        pytest.param(
            actions(
                {"type": "button", "action_id": "b", "text": PLAIN},
                {"type": "button", "action_id": "b", "text": PLAIN},
            ),
            ["[ERROR] duplicate action_id [json-pointer:/blocks/0/elements/1/action_id]"],
            id="duplicate-action-id",
        ),
        pytest.param(
            actions(
                {
                    "type": "static_select",
                    "action_id": "s",
                    "options": options(1),
                    "placeholder": {"type": "mrkdwn", "text": "p"},
                }
            ),
            [element_error("must be a text object of type plain_text", "/placeholder")],
            id="placeholder-plain-only",
        ),
        pytest.param(
            [
                {
                    "type": "input",
                    "label": PLAIN,
                    "element": {"type": "plain_text_input", "action_id": "t", "max_length": 3001},
                }
            ],
            ["[ERROR] must be between 1 and 3000 [json-pointer:/blocks/0/element/max_length]"],
            id="text-input-max-length",
        ),
        pytest.param(
            [
                {
                    "type": "context",
                    "elements": [
                        {"type": "mrkdwn", "text": ""},
                        {"type": "image", "image_url": "https://example.com/a.png"},
                    ],
                }
            ],
            [
                element_error("must be more than 0 characters", "/text"),
                "[ERROR] missing required field: alt_text [json-pointer:/blocks/0/elements/1]",
            ],
            id="context-text-and-image",
        ),
        pytest.param(
            [{"type": "carousel"}],
            ["[ERROR] unsupported type: carousel [json-pointer:/blocks/0/type]"],
            id="unsupported-type",
        ),
        pytest.param(
            [{"type": "header", "text": {"type": "mrkdwn", "text": "h"}}],
            ["[ERROR] must be a text object of type plain_text [json-pointer:/blocks/0/text]"],
            id="header-plain-only",
        ),
        pytest.param(
            [
                {"type": "section", "block_id": "a"},
                {"type": "section", "block_id": "a", "fields": [PLAIN] * 11},
            ],
            [
                "[ERROR] must provide either text or fields [json-pointer:/blocks/0]",
                "[ERROR] duplicate block_id [json-pointer:/blocks/1/block_id]",
                "[ERROR] no more than 10 items allowed [json-pointer:/blocks/1/fields]",
            ],
            id="sections",
        ),
        pytest.param(
            [{"type": "image", "alt_text": "a" * 2001}],
            [
                "[ERROR] must provide either image_url or slack_file [json-pointer:/blocks/0]",
                "[ERROR] must be less than 2001 characters [json-pointer:/blocks/0/alt_text]",
            ],
            id="image-block",
        ),
        pytest.param(
            [
                {"type": "divider"},
                {"type": "rich_text", "elements": []},
                {
                    "type": "section",
                    "text": {"type": "mrkdwn", "text": "*hi*"},
                    "accessory": {"type": "button", "action_id": "b", "text": PLAIN},
                },
            ],
            [],
            id="accepted",
        ),
    ],
)
def test_each_block_and_element_type_has_its_checks(
    blocks: list[dict[str, Any]], expected: list[str]
) -> None:
    assert block_kit_errors(blocks, max_blocks=MAX_MESSAGE_BLOCKS) == expected


def test_view_checks_add_up_blocks_modal_fields_and_metadata() -> None:
    text_input = {"type": "plain_text_input", "action_id": "t", "max_length": 3001}
    modal = {
        "type": "modal",
        "title": PLAIN,
        "close": {"type": "plain_text", "text": "c" * 25},
        "blocks": [{"type": "input", "label": PLAIN, "element": text_input}],
    }

    assert view_errors(modal) == [
        "[ERROR] must be between 1 and 3000 [json-pointer:/view/blocks/0/element/max_length]",
        "[ERROR] must be less than 25 characters [json-pointer:/view/close/text]",
        "[ERROR] must provide a submit property when using input blocks [json-pointer:/view]",
    ]
    assert view_errors({"type": "home", "blocks": [], "private_metadata": "m" * 3001}) == [
        "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]"
    ]
    assert view_errors({"type": "workflow_step", "blocks": []}) == [
        "[ERROR] must be one of modal, home [json-pointer:/view/type]"
    ]
