"""What the fake records of each request, and where: ``calls``, ``rate_limited``, ``server_errors``,
``requests``, ``calls_to`` and ``GET /_calls``."""

from __future__ import annotations

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import Call, FakeSlack
from tests.bot.sandbox.fakeslack.support import error_of


async def test_calls_are_sorted_by_how_they_were_answered(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("users.info", times=1)
    fake.server_error("users.info", status=503, times=1)

    await error_of(client.users_info(user="U1"))
    await error_of(client.users_info(user="U1"))
    await client.users_info(user="U1")
    await error_of(client.users_info(user="UWHO"))

    assert [c.status for c in fake.requests] == [429, 503, 200, 200]
    assert [c.error for c in fake.rate_limited] == ["ratelimited"]
    assert [c.error for c in fake.server_errors] == ["http_503"]
    assert [(c.args["user"], c.error, c.ok) for c in fake.calls] == [
        ("U1", None, True),
        ("UWHO", "user_not_found", False),
    ]
    assert fake.calls_to("users.info", ok=True) == fake.calls[:1]
    assert fake.calls_to("users.info", ok=False) == fake.calls[1:]
    assert fake.calls_to("chat.postMessage") == []
    assert fake.calls[0].url == fake.base_url + "users.info"


async def test_calls_dump_pages_answered_calls_and_lists_every_refusal(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.rate_limit("users.info", times=1)
    await error_of(client.users_info(user="U1"))
    await client.users_info(user="U1")
    await client.users_info(user="U2")
    await client.auth_test()

    async with aiohttp.ClientSession() as session:
        params = {"method": "users.info", "since": "1"}
        async with session.get(fake.url + "_calls", params=params) as got:
            of_method = await got.json()
        async with session.get(fake.url + "_calls", params={"since": "2"}) as got:
            of_all = await got.json()

    assert [c["args"]["user"] for c in of_method["calls"]] == ["U2"]
    assert [(c["args"]["user"], c["status"]) for c in of_method["rate_limited"]] == [("U1", 429)]
    assert of_method["server_errors"] == []
    assert [c["method"] for c in of_all["calls"]] == ["auth.test"]
    assert of_all["calls"][0] == fake.calls[-1].to_json()


def test_a_call_is_ok_only_when_answered_200_without_error() -> None:
    assert Call("auth.test", {}, 0.0).ok
    assert not Call("auth.test", {}, 0.0, error="invalid_auth").ok
    assert not Call("auth.test", {}, 0.0, status=429, error="ratelimited").ok
