"""Fault injection: failures, server errors, rate limits and delays, seen by a real client."""

from __future__ import annotations

import asyncio
import time

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import error_of


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


async def test_faults_match_by_method_star_and_predicate(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    fake.fail("*", error="boom", when=lambda args: args.get("user") == "U2")
    fake.fail("users.info", error="never", when=lambda args: args["channel"] == "CTEAM")
    fake.fail("users.info", error="spent", times=0)

    ada = await client.users_info(user="U1")
    grace = await error_of(client.users_info(user="U2"))
    ephemeral = await error_of(client.chat_postEphemeral(channel="CTEAM", user="U2", text="x"))

    assert ada["ok"]  # a predicate that cannot read the args does not target the call
    assert grace.response["error"] == "boom"
    assert ephemeral.response["error"] == "boom"
    fake.reset_faults()
    assert (await client.users_info(user="U2"))["ok"]


def test_a_rate_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        FakeSlack().rate_limit("chat.postMessage", per_second=0)


async def test_latency_holds_every_answer_back_within_its_jitter(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    # A first call opens the connection: its set-up is no part of the latency measured below
    # (on a loaded machine it took 0.45 s once).
    await client.users_info(user="U1")
    warm = len(fake.requests)
    fake.latency(0.2, 0.05)
    fake.rate_limit("users.info", times=1)

    took = []
    for _ in range(3):
        started = time.monotonic()
        await asyncio.gather(client.users_info(user="U1"), return_exceptions=True)
        took.append(time.monotonic() - started)
    fake.reset_faults()  # keeps the latency
    started = time.monotonic()
    await client.users_info(user="U1")
    kept = time.monotonic() - started
    fake.latency(0)
    started = time.monotonic()
    await client.users_info(user="U1")
    removed = time.monotonic() - started

    assert [c.status for c in fake.requests[warm : warm + 3]] == [429, 200, 200]
    assert all(0.15 <= seconds < 0.4 for seconds in took), took  # the 429 too
    assert kept >= 0.15
    assert removed < 0.15


async def test_latency_is_set_over_http(fake: FakeSlack, client: AsyncWebClient) -> None:
    async with aiohttp.ClientSession() as session:
        spec = {"kind": "latency", "mean_seconds": 0.2, "jitter_seconds": 0.0}
        async with session.post(fake.url + "_faults", json=spec) as injected:
            assert injected.status == 200

    started = time.monotonic()
    await client.auth_test()

    assert time.monotonic() - started >= 0.2


def test_latency_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="negative"):
        FakeSlack().latency(0.1, -0.1)
