"""Helpers the fake Slack's tests share: awaiting a refused call, a Slack ts, a button block."""

from __future__ import annotations

import re
from collections.abc import Awaitable
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError

SLACK_TS = re.compile(r"^\d{10}\.\d{6}$")
BUTTONS = [
    {
        "type": "actions",
        "block_id": "circle-w",
        "elements": [
            {
                "type": "button",
                "action_id": f"answer-{label}",
                "text": {"type": "plain_text", "text": label},
            }
            for label in ("Yes", "Partly", "No", "Not sure")
        ],
    }
]


async def error_of(call: Awaitable[Any]) -> SlackApiError:
    """Await a client call that must fail and return its SlackApiError."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value
