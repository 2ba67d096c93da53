"""``FakeSlackFleet``: many workspaces on one port, each call routed by its token, over HTTP."""

from __future__ import annotations

import tracemalloc
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.sandbox.fakeslack import FakeSlackFleet, Limit, TierTable
from tests.bot.sandbox.fakeslack.support import error_of

ONE_A_MINUTE = TierTable(methods={"users.info": Limit(per_minute=1, burst=1)})


@pytest.fixture
async def fleet() -> AsyncIterator[FakeSlackFleet]:
    async with FakeSlackFleet() as served:
        for n in (1, 2):
            workspace = served.add_workspace(
                workspace_id=f"T{n}", bot_token=f"xoxb-{n}", team_name=f"Team {n}"
            )
            workspace.add_user("U1", name=f"ada-of-{n}")
            workspace.add_channel("CTEAM", name="team", members=["U1", workspace.bot_user_id])
        yield served


def client_of(fleet: FakeSlackFleet, workspace_id: str) -> AsyncWebClient:
    return AsyncWebClient(token=fleet.workspaces[workspace_id].bot_token, base_url=fleet.base_url)


async def test_each_call_reaches_the_workspace_of_its_token(fleet: FakeSlackFleet) -> None:
    one, two = client_of(fleet, "T1"), client_of(fleet, "T2")

    auth = [(await one.auth_test())["team_id"], (await two.auth_test())["team_id"]]
    names = [(await c.users_info(user="U1"))["user"]["name"] for c in (one, two)]
    posted = await two.chat_postMessage(channel="CTEAM", text="only in T2")

    assert fleet.base_url == fleet.url + "api/"
    assert auth == ["T1", "T2"]
    assert names == ["ada-of-1", "ada-of-2"]
    assert fleet.workspaces["T1"].messages == {}
    assert fleet.workspaces["T2"].messages["CTEAM"][0]["ts"] == posted["ts"]
    assert [c.method for c in fleet.workspaces["T1"].calls] == ["auth.test", "users.info"]
    assert fleet.calls_per_method() == {"auth.test": 2, "users.info": 2, "chat.postMessage": 1}


async def test_unknown_or_missing_token_is_refused(fleet: FakeSlackFleet) -> None:
    stranger = AsyncWebClient(token="xoxb-stolen", base_url=fleet.base_url)
    anonymous = AsyncWebClient(base_url=fleet.base_url)

    invalid = await error_of(stranger.auth_test())
    missing = await error_of(anonymous.auth_test())
    token_arg = await AsyncWebClient(base_url=fleet.base_url).api_call(
        "auth.test", params={"token": "xoxb-2"}
    )

    assert invalid.response["error"] == "invalid_auth"
    assert missing.response["error"] == "not_authed"
    assert token_arg["team_id"] == "T2"
    assert sum(fleet.calls_per_method().values()) == 1


async def test_tier_buckets_are_per_token() -> None:
    now = [100.0]
    async with FakeSlackFleet() as fleet:
        for n in (1, 2):
            fleet.add_workspace(
                workspace_id=f"T{n}",
                bot_token=f"xoxb-{n}",
                tiers=ONE_A_MINUTE,
                monotonic=lambda: now[0],
            )
        one, two = client_of(fleet, "T1"), client_of(fleet, "T2")

        first = await one.users_info(user="USLACKBOT")
        limited = await error_of(one.users_info(user="USLACKBOT"))
        other = await two.users_info(user="USLACKBOT")
        now[0] += 60
        refilled = await one.users_info(user="USLACKBOT")

    assert first["ok"]
    assert limited.response.status_code == 429
    assert limited.response.headers["Retry-After"] == "60"
    assert other["ok"]
    assert refilled["ok"]
    assert [len(ws.rate_limited) for ws in fleet.workspaces.values()] == [1, 0]
    assert fleet.rate_limited_per_method() == {"users.info": 1}


async def test_urls_a_workspace_hands_out_are_served_by_the_fleet(fleet: FakeSlackFleet) -> None:
    workspace = fleet.workspaces["T2"]
    client = client_of(fleet, "T2")
    response_url = workspace.new_response_url(channel_id="CTEAM")

    await AsyncWebhookClient(response_url).send(text="for all", response_type="in_channel")
    upload = await client.files_upload_v2(channel="CTEAM", content=b"picture", filename="p.png")
    async with (
        aiohttp.ClientSession() as session,
        session.get(workspace.url + "_calls") as dump,
        session.get(fleet.url + "ws/TNOPE/_calls") as unknown,
    ):
        calls = (await dump.json())["calls"]
        missing = unknown.status

    assert workspace.url == fleet.url + "ws/T2/"
    assert response_url.startswith(workspace.url)
    assert workspace.messages["CTEAM"][0]["text"] == "for all"
    assert workspace.uploads[upload["file"]["id"]] == b"picture"
    assert [c["method"] for c in calls] == [
        "response_url",
        "files.getUploadURLExternal",
        "file_upload",
        "files.completeUploadExternal",
    ]
    assert missing == 404
    assert fleet.workspaces["T1"].calls == []


async def test_a_click_url_of_a_workspace_replaces_its_message_through_the_fleet(
    fleet: FakeSlackFleet,
) -> None:
    workspace = fleet.workspaces["T2"]
    posted = await client_of(fleet, "T2").chat_postMessage(channel="CTEAM", text="Pulse")
    url = workspace.new_response_url(channel_id="CTEAM", message_ts=posted["ts"])

    answer = await AsyncWebhookClient(url).send_dict({"replace_original": True, "text": "Yes"})

    assert url.startswith(fleet.url + "ws/T2/response/")
    assert answer.status_code == 200
    assert [(m["ts"], m["text"]) for m in workspace.messages["CTEAM"]] == [(posted["ts"], "Yes")]
    assert fleet.workspaces["T1"].calls == []


async def test_the_oauth_exchange_goes_to_the_workspace_of_its_code(
    fleet: FakeSlackFleet,
) -> None:
    code = fleet.workspaces["T2"].new_oauth_code()
    anonymous = AsyncWebClient(base_url=fleet.base_url)

    installed = await anonymous.oauth_v2_access(client_id="1.2", client_secret="x", code=code)
    unknown = await error_of(
        anonymous.oauth_v2_access(client_id="1.2", client_secret="x", code="no")
    )

    assert installed["team"]["id"] == "T2"
    assert installed["access_token"] == "xoxb-2"
    assert unknown.response["error"] == "not_authed"


async def test_a_workspace_added_while_serving_is_served(fleet: FakeSlackFleet) -> None:
    fleet.add_workspace(workspace_id="T3", bot_token="xoxb-3")

    auth = await client_of(fleet, "T3").auth_test()

    assert auth["team_id"] == "T3"
    assert auth["url"] == fleet.workspaces["T3"].url
    with pytest.raises(ValueError, match="already"):
        fleet.add_workspace(workspace_id="T9", bot_token="xoxb-3")


async def test_a_thousand_workspaces_of_twenty_are_cheap_to_host() -> None:
    tracemalloc.start()
    try:
        async with FakeSlackFleet() as fleet:
            for n in range(1000):
                workspace = fleet.add_workspace(workspace_id=f"T{n:04d}", bot_token=f"xoxb-{n}")
                workspace.add_generated_team(users=20)
            hosted, _ = tracemalloc.get_traced_memory()
            last = await client_of(fleet, "T0999").conversations_members(channel="CTEAM")
    finally:
        tracemalloc.stop()

    assert len(last["members"]) == 21
    assert hosted < 60_000_000  # about 30 MB: 1.3 KB a person, 8 KB a workspace
