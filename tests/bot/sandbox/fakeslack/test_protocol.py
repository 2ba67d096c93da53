"""How arguments arrive and answers are recorded: ``protocol``."""

from __future__ import annotations

import json

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack
from bot.sandbox.fakeslack.protocol import Answer, as_int, error_body, split_ids, truthy
from tests.bot.sandbox.fakeslack.support import BUTTONS


async def test_form_encoded_blocks_are_decoded_too(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.api_call(
        "chat.postMessage", data={"channel": "CTEAM", "text": "x", "blocks": json.dumps(BUTTONS)}
    )

    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == BUTTONS
    assert fake.messages["CTEAM"][0]["blocks"] == BUTTONS


async def test_a_body_that_is_not_a_json_object_is_invalid_json(fake: FakeSlack) -> None:
    headers = {"Authorization": f"Bearer {fake.bot_token}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as session:
        for body in (b"{not json", b"[1, 2]"):
            async with session.post(
                fake.base_url + "chat.postMessage", data=body, headers=headers
            ) as answer:
                assert answer.status == 200
                assert await answer.json() == {"ok": False, "error": "invalid_json"}

    assert [(c.method, c.args, c.error) for c in fake.calls] == [
        ("chat.postMessage", {}, "invalid_json"),
        ("chat.postMessage", {}, "invalid_json"),
    ]
    assert fake.messages == {}


def test_loosely_typed_arguments_are_read_like_slack() -> None:
    assert [as_int(value) for value in (7, "7", "x", True, None)] == [7, 7, None, None, None]
    assert split_ids(" U1, ,U2") == ["U1", "U2"]
    assert split_ids(["U1", " ", 3]) == ["U1", "3"]
    assert split_ids(None) == []
    assert [truthy(value) for value in (True, "1", "TRUE", "yes", 1, False)] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]


@pytest.mark.parametrize(
    ("answer", "recorded"),
    [
        (Answer(200, {"ok": True}), None),
        (Answer(200, error_body("channel_not_found", "why")), "channel_not_found"),
        (Answer(429, error_body("ratelimited")), "ratelimited"),
        (Answer(503, text="<html></html>", content_type="text/html"), "http_503"),
        (Answer(200, text="OK - 5"), None),
    ],
)
def test_the_error_a_call_records_follows_from_its_answer(
    answer: Answer, recorded: str | None
) -> None:
    assert answer.error == recorded


def test_error_bodies_carry_messages_like_slack() -> None:
    assert error_body("no_text") == {"ok": False, "error": "no_text"}
    assert error_body("invalid_blocks", "a", "b") == {
        "ok": False,
        "error": "invalid_blocks",
        "response_metadata": {"messages": ["a", "b"]},
    }
