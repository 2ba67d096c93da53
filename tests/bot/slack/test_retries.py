"""The app's Web API client: 429s and 5xx waited out, and the pacer told of 429s."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.pacing import SendPacer
from bot.sandbox.fakeslack import FakeSlack
from bot.slack import retries
from bot.slack.blocks.render import render_message
from bot.slack.retries import (
    PatientRateLimitRetryHandler,
    PatientServerErrorRetryHandler,
    ServerErrorBackoff,
    token_of,
    waiting_on_slack,
    web_client,
)
from tests.support.harness import SlackHarness
from tests.support.slack import ALICE, MANAGER, TEAM_CHANNEL


def test_the_pacing_key_is_the_requests_token() -> None:
    request = HttpRequest(
        method="POST",
        url="https://slack.com/api/chat.postMessage",
        headers={"Authorization": "Bearer xoxb-123"},
    )

    assert token_of(request) == "xoxb-123"


async def test_a_429_on_chat_postmessage_is_waited_out_and_paces_that_token(
    fake_slack: FakeSlack,
) -> None:
    pacer = SendPacer()
    settings = Settings(slack_bot_token=fake_slack.bot_token, slack_api_url=fake_slack.base_url)
    fake_slack.rate_limit("chat.postMessage", times=1, retry_after=0)
    fake_slack.rate_limit("conversations.open", times=1, retry_after=0)
    async with aiohttp.ClientSession() as session:
        client = web_client(settings, session, pacer=pacer)
        opened = await client.conversations_open(users=ALICE)
        assert pacer.rate(fake_slack.bot_token) is None  # a 429 elsewhere paces nothing
        posted = await client.chat_postMessage(channel=opened["channel"]["id"], text="hi")

    assert posted["ok"] is True
    assert [c.method for c in fake_slack.rate_limited] == ["conversations.open", "chat.postMessage"]
    assert len(fake_slack.calls_to("chat.postMessage", ok=True)) == 1
    assert pacer.rate(fake_slack.bot_token) is not None


async def test_429s_are_waited_out_for_as_long_as_slack_asks_not_a_count_of_retries(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.rate_limit("users.info", times=12, retry_after=0)  # more than any retry count
    settings = Settings(slack_bot_token=fake_slack.bot_token, slack_api_url=fake_slack.base_url)
    waits: list[float] = []
    async with aiohttp.ClientSession() as session:
        client = web_client(settings, session)
        with waiting_on_slack(waits.append):
            found = await client.users_info(user=ALICE)

    assert found["user"]["id"] == ALICE
    assert (len(fake_slack.rate_limited), waits) == (12, [0.0] * 12)


async def test_a_429_that_outlasts_the_longest_wait_is_raised(fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit("users.info", retry_after=1)  # for ever
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(
            token=fake_slack.bot_token,
            base_url=fake_slack.base_url,
            session=session,
            retry_handlers=[PatientRateLimitRetryHandler(max_wait_seconds=2)],
        )
        with pytest.raises(SlackApiError) as refused:
            await client.users_info(user=ALICE)

    assert refused.value.response.status_code == 429
    assert len(fake_slack.rate_limited) == 3  # waited 1 s twice, then gave up


class Sleeps:
    """A sleep that only writes down how long it was asked to wait."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def _patient_client(
    fake: FakeSlack, session: aiohttp.ClientSession, handler: PatientServerErrorRetryHandler
) -> AsyncWebClient:
    return AsyncWebClient(
        token=fake.bot_token, base_url=fake.base_url, session=session, retry_handlers=[handler]
    )


def test_the_backoff_doubles_from_half_a_second_to_ten_and_jitter_only_shortens_it() -> None:
    backoff = ServerErrorBackoff()

    nominal = [backoff.delay(n, rand=lambda: 0.0) for n in range(8)]
    shortest = [backoff.delay(n, rand=lambda: 0.999999) for n in range(8)]

    assert nominal == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 10.0]
    assert all(0.5 * n <= s <= n for n, s in zip(nominal, shortest, strict=True))
    assert backoff.delay(10_000, rand=lambda: 0.0) == 10.0  # no overflow, however long


async def test_a_minute_of_502_and_504_is_waited_out_and_the_message_posted_once(
    fake_slack: FakeSlack,
) -> None:
    # Twelve answers 502/504 in turn: 85.5 s of backoff, more than a minute.
    fake_slack.server_error("chat.postMessage", status=(502, 504), times=12)
    sleeps = Sleeps()
    handler = PatientServerErrorRetryHandler(sleep=sleeps, rand=lambda: 0.0)
    async with aiohttp.ClientSession() as session:
        posted = await _patient_client(fake_slack, session, handler).chat_postMessage(
            channel=ALICE, text="hi"
        )

    assert posted["ok"] is True
    assert [c.status for c in fake_slack.server_errors] == [502, 504] * 6
    assert sleeps.seconds == [0.5, 1.0, 2.0, 4.0, 8.0] + [10.0] * 7
    assert sum(sleeps.seconds) >= 60
    # Once: the refused tries stored nothing, the one accepted stored one message.
    assert len(fake_slack.calls_to("chat.postMessage", ok=True)) == 1
    assert [m["text"] for m in fake_slack.messages[fake_slack.dm_channel_id(ALICE)]] == ["hi"]


@pytest.mark.parametrize("jitter", [0.0, 0.999999], ids=["longest-waits", "shortest-waits"])
async def test_an_outage_longer_than_the_budget_is_raised_after_more_than_a_minute(
    fake_slack: FakeSlack, jitter: float
) -> None:
    fake_slack.server_error("users.info", status=503, times=None)
    sleeps = Sleeps()
    handler = PatientServerErrorRetryHandler(sleep=sleeps, rand=lambda: jitter)
    async with aiohttp.ClientSession() as session:
        with pytest.raises(SlackApiError) as refused:
            await _patient_client(fake_slack, session, handler).users_info(user=ALICE)

    assert refused.value.response.status_code == 503
    # Whatever the jitter, the call rode out more than a minute and gave up within 90 s.
    assert 80 <= sum(sleeps.seconds) <= 90
    assert len(fake_slack.server_errors) == len(sleeps.seconds) + 1


async def _can_retry(
    handler: PatientServerErrorRetryHandler,
    *,
    status: int | None = None,
    error: Exception | None = None,
) -> bool:
    request = HttpRequest(method="POST", url="https://slack.com/api/chat.postMessage", headers={})
    response = HttpResponse(status_code=status, headers={}) if status is not None else None
    return await handler.can_retry_async(
        state=RetryState(), request=request, response=response, error=error
    )


async def test_server_errors_and_dropped_connections_are_retried_nothing_else() -> None:
    handler = PatientServerErrorRetryHandler()

    retried = {s: await _can_retry(handler, status=s) for s in (500, 502, 503, 504, 501, 429, 404)}
    dropped = await _can_retry(handler, error=aiohttp.ServerDisconnectedError())
    reset = await _can_retry(handler, error=aiohttp.ClientOSError(104, "reset by peer"))
    # A timeout may still be running at Slack: the fan-out leaves that DM pending instead.
    timed_out = await _can_retry(handler, error=TimeoutError())

    assert retried == {
        500: True,
        502: True,
        503: True,
        504: True,
        501: False,
        429: False,
        404: False,
    }
    assert (dropped, reset, timed_out) == (True, True, False)


async def test_the_apps_client_rides_out_a_stretch_of_502_504_on_the_fakes_clock(
    fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The app's own client, its minute scaled down to 0.3 s.
    monkeypatch.setattr(
        retries,
        "SERVER_ERROR_BACKOFF",
        ServerErrorBackoff(first_seconds=0.01, max_seconds=0.05, max_wait_seconds=1.0),
    )
    settings = Settings(slack_bot_token=fake_slack.bot_token, slack_api_url=fake_slack.base_url)
    fake_slack.outage("chat.postMessage", seconds=0.3)
    async with aiohttp.ClientSession() as session:
        posted = await web_client(settings, session).chat_postMessage(channel=ALICE, text="hi")

    assert posted["ok"] is True
    assert {c.status for c in fake_slack.server_errors} == {502, 504}
    assert fake_slack.server_errors[-1].at - fake_slack.server_errors[0].at >= 0.2
    assert len(fake_slack.calls_to("chat.postMessage", ok=True)) == 1


async def test_a_command_whose_web_api_call_gets_a_502_once_answers_normally(
    slack: SlackHarness,
) -> None:
    slack.fake.server_error("conversations.members", status=502, times=1)

    answer = await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)

    assert "#team is now a team: 4 members" in render_message(answer)
    assert [c.status for c in slack.fake.server_errors] == [502]
    assert len(slack.fake.calls_to("conversations.members", ok=True)) == 1
