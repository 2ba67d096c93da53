"""SlackPlatform: the core's views in Block Kit over the real Web API client, and every Slack
refusal or outage reported as a PlatformError (the core never sees a SlackApiError)."""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import aiohttp
import pytest
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import FrozenClock
from bot.delivery.platform import PlatformError, SentMessage
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer
from bot.domain.views import PulseView, ReminderView
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.blocks.render import render_message
from bot.slack.gateway import SlackGateway
from bot.slack.platform import SlackPlatform
from tests.support.harness import WORKSPACE
from tests.support.slack import ALICE, BOB

PULSE = PulseView(team_name="team", round_id=7, round_number=3, min_respondents=3)


class NoTokens:
    """Multi-workspace mode for a workspace that has no bot token stored."""

    async def bot_token(self, workspace_id: str) -> str | None:
        return None

    def forget(self, workspace_id: str) -> None:
        pass


async def _platform(
    fake: FakeSlack, session: aiohttp.ClientSession, **kwargs: object
) -> SlackPlatform:
    client = AsyncWebClient(
        token=fake.bot_token,
        base_url=fake.base_url,
        session=session,
        # One retry: enough to prove retries happen, short enough to run out in a test.
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)],
    )
    gateway = SlackGateway(
        client=client,
        session=session,
        clock=FrozenClock(datetime(2026, 3, 5, tzinfo=UTC)),
        **kwargs,  # type: ignore[arg-type]
    )
    return SlackPlatform(gateway=gateway)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as http:
        yield http


async def test_a_pulse_goes_to_the_members_dm_and_is_updated_in_place(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    platform = await _platform(fake_slack, session)

    sent = await platform.send_pulse(workspace_id=WORKSPACE, user_id=ALICE, pulse=PULSE)
    answered = PulseView(
        team_name="team",
        round_id=7,
        round_number=3,
        min_respondents=3,
        answers=(Answer(7, ALICE, Circle.HOW, AnswerValue.PARTLY),),
    )
    await platform.update_pulse(workspace_id=WORKSPACE, sent=sent, pulse=answered)

    assert sent == SentMessage(channel_id=fake_slack.dm_channel_id(ALICE), ts=sent.ts)
    [message] = fake_slack.messages[sent.channel_id]
    text = render_message(message)
    assert "Round 3 for *#team*" in text
    assert "Your answer: *Partly*" in text
    assert "1 of 3 answered" in text


ANSWERED = PulseView(
    team_name="team",
    round_id=7,
    round_number=3,
    min_respondents=3,
    answers=(Answer(7, BOB, Circle.WHAT, AnswerValue.YES),),
)


async def test_a_pulse_is_replaced_through_a_response_url_else_updated(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    platform = await _platform(fake_slack, session)
    sent = await platform.send_pulse(workspace_id=WORKSPACE, user_id=BOB, pulse=PULSE)
    url = fake_slack.new_response_url(channel_id=sent.channel_id, message_ts=sent.ts)
    expired = fake_slack.new_response_url(channel_id=sent.channel_id, message_ts=sent.ts)

    await platform.replace_pulse(
        workspace_id=WORKSPACE, sent=sent, pulse=ANSWERED, response_url=url
    )
    through_url = (
        len(fake_slack.calls_to("response_url", ok=True)),
        fake_slack.calls_to("chat.update"),
    )
    await platform.replace_pulse(workspace_id=WORKSPACE, sent=sent, pulse=PULSE, response_url=None)
    fake_slack.fail("response_url", error="expired_url")
    await platform.replace_pulse(
        workspace_id=WORKSPACE, sent=sent, pulse=ANSWERED, response_url=expired
    )

    assert through_url == (1, [])
    assert len(fake_slack.calls_to("chat.update", ok=True)) == 2
    [message] = fake_slack.messages[sent.channel_id]
    assert "Your answer: *Yes*" in render_message(message)
    assert fake_slack.message_revision(sent.channel_id, sent.ts) == 3


async def test_a_response_url_answer_tells_whether_slack_took_it(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, quick_short_backoff: None
) -> None:
    gateway = (await _platform(fake_slack, session)).gateway
    url = fake_slack.new_response_url()

    taken = await gateway.respond(response_url=url, message={"text": "hi"})
    fake_slack.fail("response_url", error="expired_url", times=1)
    refused = await gateway.respond(response_url=url, message={"text": "hi"})
    fake_slack.server_error("response_url", status=503, times=1)
    waited_out = await gateway.replace_message(response_url=url, message={"text": "hi"})
    fake_slack.server_error("response_url", status=500, times=None)
    failed = await gateway.replace_message(response_url=url, message={"text": "hi"})
    fake_slack.reset_faults()
    unknown = await gateway.respond(response_url=fake_slack.url + "response/nope", message={})
    await fake_slack.stop()
    dropped = await gateway.replace_message(response_url=url, message={"text": "hi"})

    assert (taken, refused, waited_out, failed, unknown, dropped) == (
        True,
        False,
        True,
        False,
        False,
        False,
    )


async def test_an_upload_waits_out_passing_5xx_and_says_when_slack_keeps_failing(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, quick_short_backoff: None
) -> None:
    platform = await _platform(fake_slack, session)
    picture = functools.partial(
        platform.upload_picture,
        workspace_id=WORKSPACE,
        png=b"\x89PNG",
        filename="sdo.png",
        title="t",
        alt_text="a",
    )

    fake_slack.server_error("file_upload", status=(502, 504), times=2)
    ref = await picture()
    assert fake_slack.uploads[ref.file_id] == b"\x89PNG"
    assert len(fake_slack.server_errors) == 2

    fake_slack.server_error("file_upload", status=503, times=None)
    with pytest.raises(PlatformError) as failing:
        await picture()
    assert (failing.value.reason, failing.value.passing) == ("upload_http_503", True)
    fake_slack.reset_faults()
    fake_slack.server_error("file_upload", status=413, times=1)  # a refusal: not tried again
    with pytest.raises(PlatformError) as refused:
        await picture()
    assert refused.value.reason == "upload_http_413"
    assert len(fake_slack.calls_to("files.completeUploadExternal", ok=True)) == 1


async def test_a_reminder_is_posted_where_the_pulse_went(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    platform = await _platform(fake_slack, session)
    sent = await platform.send_pulse(workspace_id=WORKSPACE, user_id=BOB, pulse=PULSE)
    close_at = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)

    await platform.remind(
        workspace_id=WORKSPACE,
        channel_id=sent.channel_id,
        reminder=ReminderView(team_name="team", round_number=3, close_at=close_at),
    )

    reminder = fake_slack.messages[sent.channel_id][-1]
    assert reminder["text"].startswith(":wave: Round 3 of #team is open until <!date^")
    assert "|Monday 09 March 09:00 UTC>" in reminder["text"]


async def test_a_slack_refusal_is_final_and_names_slacks_reason(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    platform = await _platform(fake_slack, session)
    fake_slack.fail("chat.postMessage", error="channel_not_found")

    with pytest.raises(PlatformError) as refused:
        await platform.send_pulse(workspace_id=WORKSPACE, user_id=ALICE, pulse=PULSE)

    assert (refused.value.reason, refused.value.passing) == ("channel_not_found", False)


async def test_rate_limits_outages_and_dropped_connections_are_passing(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    platform = await _platform(fake_slack, session)
    fake_slack.rate_limit("chat.postMessage", retry_after=0)  # every call: retries run out

    with pytest.raises(PlatformError) as limited:
        await platform.send_pulse(workspace_id=WORKSPACE, user_id=ALICE, pulse=PULSE)
    fake_slack.reset_faults()
    fake_slack.server_error("chat.postMessage", status=502)
    with pytest.raises(PlatformError) as outage:
        await platform.send_pulse(workspace_id=WORKSPACE, user_id=ALICE, pulse=PULSE)
    await fake_slack.stop()
    with pytest.raises(PlatformError) as dropped:
        await platform.send_pulse(workspace_id=WORKSPACE, user_id=ALICE, pulse=PULSE)

    assert (limited.value.reason, limited.value.passing) == ("ratelimited", True)
    assert len(fake_slack.rate_limited) == 2  # the first try and the client's one retry
    assert (outage.value.reason, outage.value.passing) == ("http_502", True)
    assert dropped.value.passing is True
    assert issubclass(getattr(aiohttp, dropped.value.reason), aiohttp.ClientError)


async def test_a_workspace_without_a_stored_token_is_refused_without_a_call(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    platform = await _platform(fake_slack, session, tokens=NoTokens())

    with pytest.raises(PlatformError) as refused:
        await platform.send_pulse(workspace_id="TGONE0001", user_id=ALICE, pulse=PULSE)

    assert (refused.value.reason, refused.value.passing) == ("not_installed", False)
    assert fake_slack.requests == []


async def test_a_picture_is_uploaded_with_the_files_v2_flow(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    platform = await _platform(fake_slack, session)

    ref = await platform.upload_picture(
        workspace_id=WORKSPACE,
        png=b"\x89PNG fake bytes",
        filename="sdo-team.png",
        title="#team: DevOps",
        alt_text="The team is in DevOps",
    )

    [completed] = fake_slack.calls_to("files.completeUploadExternal")
    assert ref.file_id == completed.args["files"][0]["id"]
    assert (ref.title, ref.alt_text) == ("#team: DevOps", "The team is in DevOps")
    assert fake_slack.uploads[ref.file_id] == b"\x89PNG fake bytes"
