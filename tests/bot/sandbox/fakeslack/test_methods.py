"""The methods in ``methods`` (``auth.test``, ``users.info``, ``conversations.*``) and its table of
names."""

from __future__ import annotations

from collections.abc import Awaitable

from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import error_of


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


async def test_unknown_method(fake: FakeSlack, client: AsyncWebClient) -> None:
    error = await error_of(client.api_call("chat.fly", json={"channel": "CTEAM"}))

    assert error.response["error"] == "unknown_method"
    assert fake.calls_to("chat.fly")[0].error == "unknown_method"


async def test_oauth_code_exchange_needs_no_token_and_works_once(fake: FakeSlack) -> None:
    anonymous = AsyncWebClient(base_url=fake.base_url)
    code = fake.new_oauth_code()

    def exchange() -> Awaitable[AsyncSlackResponse]:
        return anonymous.oauth_v2_access(
            client_id="A0000FAKE.1",
            client_secret="unchecked",
            code=code,
        )

    installed = await exchange()
    again = await error_of(exchange())

    assert installed["access_token"] == fake.bot_token
    assert installed["team"] == {"id": fake.workspace_id, "name": fake.team_name}
    assert again.response["error"] == "invalid_code"
    assert fake.oauth_codes == set()


async def test_users_list_gives_everyone_as_users_info_does(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    response = await client.users_list()
    ada = await client.users_info(user="U1")

    members = response["members"]
    assert [m["id"] for m in members] == [
        fake.bot_user_id,
        "USLACKBOT",
        "U1",
        "U2",
        "UGONE",
        "UOTHERBOT",
    ]
    assert members[2] == ada["user"]
    assert [m["id"] for m in members if m["deleted"]] == ["UGONE"]
    assert [m["id"] for m in members if m["is_bot"]] == [fake.bot_user_id, "UOTHERBOT"]
    assert response["response_metadata"]["next_cursor"] == ""
    assert isinstance(response["cache_ts"], int)


async def test_users_list_pages_with_cursors_and_at_most_1000_a_page(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.add_generated_team(users=1500, channel_id="CBIG", channel_name="big")

    small = []  # slack_sdk's iterator reuses one response object: copy each page's ids
    async for page in await client.users_list(limit=4):
        small.append([m["id"] for m in page["members"]])
        if len(small) == 2:
            break
    pages = [len(page["members"]) async for page in await client.users_list()]
    capped = await client.users_list(limit=5000)
    bad = await error_of(client.users_list(cursor="bm9wZQ=="))

    assert small == [
        [fake.bot_user_id, "USLACKBOT", "U1", "U2"],
        ["UGONE", "UOTHERBOT", "U00000001", "U00000002"],
    ]
    assert pages == [1000, 506]
    assert len(capped["members"]) == 1000
    assert bad.response["error"] == "invalid_cursor"
