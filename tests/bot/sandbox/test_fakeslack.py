"""The fake Slack Web API, exercised over real HTTP with slack_sdk's AsyncWebClient."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox.fakeslack import FakeSlack

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


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    async with FakeSlack() as server:
        server.add_user("U1", name="ada", real_name="Ada Lovelace", is_admin=True)
        server.add_user("U2", name="grace")
        server.add_user("UGONE", name="gone", deleted=True)
        server.add_user("UOTHERBOT", name="otherbot", is_bot=True)
        server.add_channel("CTEAM", name="team", members=["U1", "U2", server.bot_user_id])
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> AsyncWebClient:
    return AsyncWebClient(token=fake.bot_token, base_url=fake.base_url)


async def error_of(call: Awaitable[Any]) -> SlackApiError:
    """Await a client call that must fail and return its SlackApiError."""
    with pytest.raises(SlackApiError) as raised:
        await call
    return raised.value


async def test_auth_test_describes_the_bot_and_workspace(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    response = await client.auth_test()

    assert response["team_id"] == "T0000FAKE"
    assert response["user_id"] == "UBOTFAKE"
    assert response["bot_id"] == "B0000FAKE"
    assert response["url"] == fake.url
    assert fake.base_url == fake.url + "api/"


async def test_members_are_paginated_with_cursors(fake: FakeSlack, client: AsyncWebClient) -> None:
    people = fake.add_generated_team(users=250, channel_id="CBIG", channel_name="big")

    pages = []  # slack_sdk's iterator reuses one response object: copy each page's members
    async for page in await client.conversations_members(channel="CBIG", limit=100):
        pages.append((list(page["members"]), page["response_metadata"]["next_cursor"]))

    assert [len(members) for members, _ in pages] == [100, 100, 51]
    assert [m for members, _ in pages for m in members] == [*people, fake.bot_user_id]
    assert pages[-1][1] == ""
    cursors = [call.args.get("cursor") for call in fake.calls_to("conversations.members")]
    assert cursors == [None, pages[0][1], pages[1][1]]


async def test_members_of_unknown_channel_and_bad_cursor_are_errors(client: AsyncWebClient) -> None:
    unknown = await error_of(client.conversations_members(channel="CNOPE"))
    bad_cursor = await error_of(client.conversations_members(channel="CTEAM", cursor="bm9wZQ=="))

    assert unknown.response["error"] == "channel_not_found"
    assert bad_cursor.response["error"] == "invalid_cursor"


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


async def test_post_message_to_a_user_lands_in_their_dm_with_decoded_blocks(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.chat_postMessage(channel="U1", text="Pulse", blocks=BUTTONS)
    second = await client.chat_postMessage(channel="CTEAM", text="Digest")

    assert first["channel"] == "DU1"
    assert SLACK_TS.match(first["ts"])
    assert SLACK_TS.match(second["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == BUTTONS
    assert fake.messages["DU1"][0]["text"] == "Pulse"
    assert fake.messages["CTEAM"][0]["ts"] == second["ts"]
    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == BUTTONS


async def test_form_encoded_blocks_are_decoded_too(fake: FakeSlack, client: AsyncWebClient) -> None:
    await client.api_call(
        "chat.postMessage", data={"channel": "CTEAM", "text": "x", "blocks": json.dumps(BUTTONS)}
    )

    assert fake.calls_to("chat.postMessage")[0].args["blocks"] == BUTTONS
    assert fake.messages["CTEAM"][0]["blocks"] == BUTTONS


async def test_update_edits_the_stored_message_in_place(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    posted = await client.chat_postMessage(channel="U2", text="Pulse", blocks=BUTTONS)
    chosen = [{"type": "section", "text": {"type": "mrkdwn", "text": "*W*: you said Yes"}}]

    await client.chat_update(
        channel=posted["channel"], ts=posted["ts"], text="Pulse", blocks=chosen
    )
    await client.chat_update(channel=posted["channel"], ts=posted["ts"], text="Pulse (closed)")

    stored = fake.messages["DU2"]
    assert len(stored) == 1
    assert stored[0]["text"] == "Pulse (closed)"
    assert stored[0]["blocks"] == chosen  # an update without blocks keeps them, like Slack
    assert stored[0]["ts"] == posted["ts"]
    assert fake.calls_to("chat.update")[0].args["blocks"] == chosen


async def test_update_of_unknown_message_is_message_not_found(client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="CTEAM", text="hello")

    error = await error_of(client.chat_update(channel="CTEAM", ts="1000000000.000001", text="x"))
    wrong_channel = await error_of(client.chat_update(channel="U1", ts=posted["ts"], text="x"))

    assert error.response["error"] == "message_not_found"
    assert wrong_channel.response["error"] == "channel_not_found"


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


async def test_conversations_open_is_deterministic_and_refuses_bots_and_deactivated(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    first = await client.conversations_open(users="U1")
    again = await client.conversations_open(users=["U1"])
    bot = await error_of(client.conversations_open(users="UOTHERBOT"))
    gone = await error_of(client.conversations_open(users="UGONE"))
    unknown = await error_of(client.conversations_open(users="UWHO"))

    assert first["channel"] == {"id": "DU1"}
    assert "already_open" not in first
    assert again["channel"]["id"] == "DU1"
    assert again["already_open"] is True
    assert fake.opened_dms == {"U1": "DU1"}
    assert (bot.response["error"], gone.response["error"], unknown.response["error"]) == (
        "cannot_dm_bot",
        "user_disabled",
        "user_not_found",
    )


async def test_users_and_conversations_info(fake: FakeSlack, client: AsyncWebClient) -> None:
    ada = await client.users_info(user="U1")
    bot = await client.users_info(user=fake.bot_user_id)
    channel = await client.conversations_info(channel="CTEAM", include_num_members=True)
    missing = await error_of(client.users_info(user="UWHO"))

    assert ada["user"]["real_name"] == "Ada Lovelace"
    assert ada["user"]["is_admin"] is True
    assert ada["user"]["tz"] == "Europe/Berlin"
    assert ada["user"]["tz_offset"] in (3600, 7200)
    assert bot["user"]["is_bot"] is True
    assert channel["channel"]["name"] == "team"
    assert channel["channel"]["num_members"] == 3
    assert channel["channel"]["is_member"] is True
    assert missing.response["error"] == "user_not_found"


async def test_post_ephemeral_needs_a_channel_member(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_user("U3", name="outsider")

    shown = await client.chat_postEphemeral(channel="CTEAM", user="U1", text="status")
    refused = await error_of(client.chat_postEphemeral(channel="CTEAM", user="U3", text="status"))

    assert SLACK_TS.match(shown["message_ts"])
    assert fake.ephemerals == [
        {
            "channel": "CTEAM",
            "user": "U1",
            "text": "status",
            "blocks": None,
            "ts": shown["message_ts"],
        }
    ]
    assert refused.response["error"] == "user_not_in_channel"
    assert "CTEAM" not in fake.messages


async def test_unknown_method(fake: FakeSlack, client: AsyncWebClient) -> None:
    error = await error_of(client.api_call("chat.fly", json={"channel": "CTEAM"}))

    assert error.response["error"] == "unknown_method"
    assert fake.calls_to("chat.fly")[0].error == "unknown_method"


async def test_fail_targets_one_channel_a_number_of_times(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail(
        "chat.postMessage",
        error="channel_not_found",
        when=lambda args: args.get("channel") == "U1",
        times=1,
    )

    failed = await error_of(client.chat_postMessage(channel="U1", text="one"))
    other = await client.chat_postMessage(channel="U2", text="two")
    retried = await client.chat_postMessage(channel="U1", text="three")

    assert failed.response.status_code == 200
    assert failed.response["error"] == "channel_not_found"
    assert other["ok"]
    assert retried["ok"]
    assert [m["text"] for m in fake.messages["DU1"]] == ["three"]
    assert [c.ok for c in fake.calls_to("chat.postMessage")] == [False, True, True]
    assert len(fake.calls_to("chat.postMessage", ok=True)) == 2


async def test_server_error_is_a_5xx_kept_out_of_calls(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.server_error("chat.postMessage", status=503)

    error = await error_of(client.chat_postMessage(channel="U1", text="one"))
    await client.chat_postMessage(channel="U1", text="two")

    assert error.response.status_code == 503
    assert [c.status for c in fake.server_errors] == [503]
    assert [c.args["text"] for c in fake.calls_to("chat.postMessage")] == ["two"]
    assert [m["text"] for m in fake.messages["DU1"]] == ["two"]


async def test_rate_limit_answers_429_with_retry_after(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("chat.postMessage", retry_after=7, times=1)

    error = await error_of(client.chat_postMessage(channel="U1", text="one"))
    await client.chat_postMessage(channel="U1", text="two")

    assert error.response.status_code == 429
    assert error.response.headers["Retry-After"] == "7"
    assert error.response["error"] == "ratelimited"
    assert [c.args["text"] for c in fake.rate_limited] == ["one"]
    assert [c.args["text"] for c in fake.calls_to("chat.postMessage")] == ["two"]
    assert [c.method for c in fake.requests] == ["chat.postMessage", "chat.postMessage"]


async def test_slack_sdk_retry_handler_gets_through_a_rate_limit(fake: FakeSlack) -> None:
    fake.rate_limit("chat.postMessage", retry_after=0, times=2)
    client = AsyncWebClient(
        token=fake.bot_token,
        base_url=fake.base_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )

    response = await client.chat_postMessage(channel="U1", text="persistent")

    assert response["ok"]
    assert len(fake.rate_limited) == 2
    assert [m["text"] for m in fake.messages["DU1"]] == ["persistent"]


async def test_rate_limit_per_second_admits_only_that_rate(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("chat.postMessage", per_second=5, retry_after=1)

    results = await asyncio.gather(
        *(client.chat_postMessage(channel="CTEAM", text=str(n)) for n in range(20)),
        return_exceptions=True,
    )

    statuses = sorted(
        200 if not isinstance(r, SlackApiError) else r.response.status_code for r in results
    )
    assert statuses == [200] * 5 + [429] * 15
    assert len(fake.messages["CTEAM"]) == 5
    assert len(fake.rate_limited) == 15


async def test_delay_holds_the_answer_back(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.delay("users.info", 0.3)

    started = time.monotonic()
    await client.users_info(user="U1")
    slow = time.monotonic() - started
    fake.reset_faults()
    started = time.monotonic()
    await client.users_info(user="U1")
    fast = time.monotonic() - started

    assert slow >= 0.3
    assert fast < 0.3


async def test_views_open_update_and_publish(fake: FakeSlack, client: AsyncWebClient) -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Add a note"},
        "submit": {"type": "plain_text", "text": "Save"},
        "callback_id": "note",
        "blocks": [
            {
                "type": "input",
                "block_id": "evidence",
                "label": {"type": "plain_text", "text": "Evidence"},
                "element": {"type": "plain_text_input", "action_id": "text", "max_length": 500},
            }
        ],
    }
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*payments*"}}],
    }

    opened = await client.views_open(trigger_id="1.2.abc", view=modal)
    reused = await error_of(client.views_open(trigger_id="1.2.abc", view=modal))
    missing = await error_of(client.views_open(trigger_id="", view=modal))
    long_title = {**modal, "title": {"type": "plain_text", "text": "A title longer than 24 chars"}}
    too_long = await error_of(client.views_open(trigger_id="3.4.def", view=long_title))
    updated = await client.views_update(
        view_id=opened["view"]["id"], view={**modal, "callback_id": "note2"}
    )
    published = await client.views_publish(user_id="U1", view=home)

    assert opened["view"]["callback_id"] == "note"
    assert reused.response["error"] == "exchanged_trigger_id"
    assert missing.response["error"] == "invalid_arguments"
    assert too_long.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert updated["view"]["id"] == opened["view"]["id"]
    assert fake.views[opened["view"]["id"]]["callback_id"] == "note2"
    assert fake.home_views["U1"]["blocks"] == home["blocks"]
    assert published["view"]["type"] == "home"
    assert fake.calls_to("views.open")[0].args["view"] == modal


async def test_files_v2_upload_end_to_end(fake: FakeSlack, client: AsyncWebClient) -> None:
    picture = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4

    response = await client.files_upload_v2(
        content=picture,
        filename="venn.png",
        title="Payments: DevOps",
        channel="CTEAM",
        initial_comment="Weekly digest",
    )

    file = response["file"]
    assert fake.uploads[file["id"]] == picture
    assert file["title"] == "Payments: DevOps"
    assert file["size"] == len(picture)
    assert file["mimetype"] == "image/png"
    assert file["permalink"].startswith(fake.url)
    share = fake.messages["CTEAM"][-1]
    assert share["text"] == "Weekly digest"
    assert share["files"][0]["id"] == file["id"]
    assert [c.method for c in fake.requests] == [
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    async with (
        aiohttp.ClientSession() as session,
        session.get(
            file["url_private"], headers={"Authorization": f"Bearer {fake.bot_token}"}
        ) as download,
    ):
        assert await download.read() == picture


async def test_multipart_upload_and_unuploaded_file_not_found(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    ticket = await client.files_getUploadURLExternal(filename="a.txt", length=5)
    never = await client.files_getUploadURLExternal(filename="b.txt", length=5)
    form = aiohttp.FormData()
    form.add_field("file", b"hello", filename="a.txt")
    async with (
        aiohttp.ClientSession() as session,
        session.post(ticket["upload_url"], data=form) as upload,
    ):
        assert upload.status == 200

    error = await error_of(client.files_completeUploadExternal(files=[{"id": never["file_id"]}]))
    done = await client.files_completeUploadExternal(files=[{"id": ticket["file_id"]}])

    assert fake.uploads == {ticket["file_id"]: b"hello"}
    assert error.response["error"] == "file_not_found"
    assert done["files"][0]["title"] == "a.txt"


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


def test_runner_prints_its_url_and_serves_a_generated_team() -> None:
    runner = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox.fakeslack", "--port", "0", "--users", "7"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert runner.stdout is not None
        base_url = runner.stdout.readline().strip()

        async def check() -> tuple[Any, Any, Any]:
            client = AsyncWebClient(token="xoxb-fake-bot-token", base_url=base_url)
            auth = await client.auth_test()
            members = await client.conversations_members(channel="CTEAM")
            async with (
                aiohttp.ClientSession() as session,
                session.get(base_url.removesuffix("api/") + "_calls") as got,
            ):
                return auth.data, members.data, await got.json()

        auth, members, dump = asyncio.run(check())
    finally:
        runner.terminate()
        exit_code = runner.wait(timeout=10)

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", base_url)
    assert auth["ok"]
    assert auth["user_id"] == "UBOTFAKE"
    assert len(members["members"]) == 8
    assert [c["method"] for c in dump["calls"]] == ["auth.test", "conversations.members"]
    assert exit_code == 0
