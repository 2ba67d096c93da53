"""The app's Web API client: Slack's retry handlers, and the pacer told of 429s."""

from __future__ import annotations

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import Settings
from bot.delivery.pacing import SendPacer
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.retries import PatientRateLimitRetryHandler, token_of, waiting_on_slack, web_client
from tests.support.slack import ALICE


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
