"""The workspace state: stored messages, the URLs and codes the fake hands out."""

from __future__ import annotations

import asyncio

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack


def test_urls_need_a_started_server() -> None:
    fake = FakeSlack()

    with pytest.raises(RuntimeError, match="not started"):
        _ = fake.url
    with pytest.raises(RuntimeError, match="not started"):
        fake.new_response_url()


async def test_message_timestamps_are_unique_and_increasing(
    fake: FakeSlack, client: AsyncWebClient
) -> None:
    await asyncio.gather(
        *(client.chat_postMessage(channel="CTEAM", text=str(n)) for n in range(30))
    )

    stamps = [message["ts"] for message in fake.messages["CTEAM"]]
    assert len(set(stamps)) == 30
    assert stamps == sorted(stamps, key=float)


async def test_response_urls_and_oauth_codes_are_each_new(fake: FakeSlack) -> None:
    first, second = fake.new_response_url(), fake.new_response_url(channel_id="CTEAM")
    codes = {fake.new_oauth_code() for _ in range(3)}

    assert first != second
    assert first.startswith(fake.url + "response/")
    assert len(codes) == 3
    assert fake.oauth_codes == codes


async def test_a_response_url_for_a_message_names_its_channel(fake: FakeSlack) -> None:
    with pytest.raises(ValueError, match="channel_id"):
        fake.new_response_url(message_ts="1700000000.000100")
