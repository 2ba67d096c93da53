"""``FakeSlack`` over HTTP: auth at dispatch, response URLs, and the internal endpoints."""

from __future__ import annotations

import json

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import BUTTONS, error_of

CHOSEN = [{"type": "section", "text": {"type": "mrkdwn", "text": "*W*: you said Yes"}}]


async def post_to(url: str, **payload: object) -> tuple[int, object]:
    """POST a JSON payload to a response URL; its HTTP status and JSON answer."""
    answer = await AsyncWebhookClient(url).send_dict(payload)
    return answer.status_code, json.loads(answer.body)


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


async def test_replace_original_replaces_the_message_of_a_click_in_place(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="U1", text="Pulse", blocks=BUTTONS)
    other = await client.chat_postMessage(channel="U1", text="Another")
    url = fake.new_response_url(channel_id="DU1", user_id="U1", message_ts=posted["ts"])

    answered = await post_to(url, replace_original=True, text="Pulse: Yes", blocks=CHOSEN)
    # A replacement is whole: what it leaves out (here: blocks) is gone, unlike chat.update.
    again = await post_to(url, replace_original=True, text="Pulse: closed")

    assert answered == again == (200, {"ok": True})
    assert [(m["ts"], m["text"]) for m in fake.messages["DU1"]] == [
        (posted["ts"], "Pulse: closed"),
        (other["ts"], "Another"),
    ]
    assert "blocks" not in fake.messages["DU1"][0]
    assert fake.message_revision("DU1", posted["ts"]) == 2
    assert fake.message_revision("DU1", other["ts"]) == 0
    assert [c.args["text"] for c in fake.calls_to("response_url", ok=True)] == [
        "Pulse: Yes",
        "Pulse: closed",
    ]


async def test_a_replacement_is_checked_like_chat_update(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="U1", text="Pulse", blocks=BUTTONS)
    url = fake.new_response_url(channel_id="DU1", message_ts=posted["ts"])
    unknown = fake.new_response_url(channel_id="DU1", message_ts="1000000000.000001")

    bad_blocks = await post_to(url, replace_original=True, blocks=[{"type": "nonsense"}])
    empty = await post_to(url, replace_original=True)
    missing = await post_to(unknown, replace_original=True, text="x")

    assert bad_blocks[0] == 200
    assert isinstance(bad_blocks[1], dict)
    assert bad_blocks[1]["error"] == "invalid_blocks"
    assert empty == (200, {"ok": False, "error": "no_text"})
    assert missing == (200, {"ok": False, "error": "message_not_found"})
    assert fake.messages["DU1"][0]["blocks"] == BUTTONS
    assert fake.message_revision("DU1", posted["ts"]) == 0


async def test_delete_original_deletes_the_message_of_a_click(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="CTEAM", text="Pulse", blocks=BUTTONS)
    kept = await client.chat_postMessage(channel="CTEAM", text="Digest")
    url = fake.new_response_url(channel_id="CTEAM", user_id="U1", message_ts=posted["ts"])

    deleted = await post_to(url, delete_original=True)
    twice = await post_to(url, delete_original=True)

    assert deleted == (200, {"ok": True})
    assert twice == (200, {"ok": False, "error": "message_not_found"})
    assert [m["ts"] for m in fake.messages["CTEAM"]] == [kept["ts"]]


async def test_without_replace_or_delete_a_click_url_answers_as_before(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="CTEAM", text="Pulse")
    url = fake.new_response_url(channel_id="CTEAM", user_id="U1", message_ts=posted["ts"])
    command = fake.new_response_url(channel_id="CTEAM", user_id="U1")

    told = await post_to(url, text="only you", response_type="ephemeral", replace_original=False)
    shared = await post_to(url, text="for all", response_type="in_channel")
    # A command's response URL has no message to replace: nothing changes.
    not_a_click = await post_to(command, text="x", replace_original=True)

    assert told == shared == not_a_click == (200, {"ok": True})
    assert [m["text"] for m in fake.messages["CTEAM"]] == ["Pulse", "for all"]
    assert fake.message_revision("CTEAM", posted["ts"]) == 0


async def test_a_response_url_takes_five_posts_then_answers_used_url(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="U1", text="Pulse")
    url = fake.new_response_url(channel_id="DU1", message_ts=posted["ts"])

    answers = [await post_to(url, replace_original=True, text=f"v{n}") for n in range(1, 7)]

    assert answers == [(200, {"ok": True})] * 5 + [(404, {"ok": False, "error": "used_url"})]
    assert fake.messages["DU1"][0]["text"] == "v5"
    assert len(fake.calls_to("response_url")) == 5
    assert [(c.status, c.error) for c in fake.server_errors] == [(404, "used_url")]


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
