"""``FakeSlack`` over HTTP: auth at dispatch, response URLs, and the internal endpoints."""

from __future__ import annotations

import json

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import error_of


async def test_wrong_or_missing_token_is_refused_and_recorded(fake: FakeSlack) -> None:
    wrong = AsyncWebClient(token="xoxb-stolen", base_url=fake.base_url)
    anonymous = AsyncWebClient(base_url=fake.base_url)

    invalid = await error_of(wrong.chat_postMessage(channel="CTEAM", text="hi"))
    missing = await error_of(anonymous.auth_test())

    assert invalid.response["error"] == "invalid_auth"
    assert missing.response["error"] == "not_authed"
    assert fake.messages == {}
    assert [(c.method, c.error, c.ok) for c in fake.calls] == [
        ("chat.postMessage", "invalid_auth", False),
        ("auth.test", "not_authed", False),
    ]


async def test_response_url_posts_are_recorded(fake: FakeSlack) -> None:
    private = fake.new_response_url()
    public = fake.new_response_url(channel_id="CTEAM", user_id="U1")

    answer = await AsyncWebhookClient(private).send(text="only you", response_type="ephemeral")
    await AsyncWebhookClient(public).send(text="for all", response_type="in_channel")

    assert answer.status_code == 200
    assert json.loads(answer.body) == {"ok": True}
    calls = fake.calls_to("response_url")
    assert [c.args["text"] for c in calls] == ["only you", "for all"]
    assert calls[0].url == private
    assert [m["text"] for m in fake.messages["CTEAM"]] == ["for all"]


async def test_internal_endpoints_expose_calls_and_accept_faults(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.post(
            fake.url + "_faults",
            json={
                "kind": "fail",
                "method": "chat.postMessage",
                "error": "is_archived",
                "match": {"channel": "U2"},
                "times": 1,
            },
        ) as injected:
            assert injected.status == 200
        blocked = await error_of(client.chat_postMessage(channel="U2", text="x"))
        await client.chat_postMessage(channel="U1", text="y")
        async with session.get(fake.url + "_calls", params={"method": "chat.postMessage"}) as got:
            dump = await got.json()

    assert blocked.response["error"] == "is_archived"
    assert [(c["args"]["channel"], c["error"]) for c in dump["calls"]] == [
        ("U2", "is_archived"),
        ("U1", None),
    ]
