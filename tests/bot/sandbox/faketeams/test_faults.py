"""Fault injection and Teams' throttling, seen by the Agents SDK's client."""

from __future__ import annotations

import asyncio
import time

from microsoft_agents.activity import Activity
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.sandbox.faketeams import TEAMS_PER_THREAD, FakeTeams, Team, User
from tests.bot.sandbox.faketeams.conftest import OPS_CHANNEL
from tests.bot.sandbox.faketeams.support import open_chat, refusal


def _hello(text: str = "hello") -> Activity:
    return Activity(type="message", text=text)


async def test_a_rate_limit_answers_429_with_retry_after_and_the_sdk_raises(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    fake.rate_limit(times=1, retry_after=7, where=lambda op: op.operation == "send")

    error = await refusal(client.conversations.send_to_conversation(chat, _hello("one")))
    await client.conversations.send_to_conversation(chat, _hello("two"))

    assert error.status == 429
    assert error.headers is not None
    assert error.headers["Retry-After"] == "7"
    assert [(c.operation, c.retry_after) for c in fake.rate_limited] == [("send", "7")]
    assert [a["text"] for a in fake.dm_of(ann)] == ["two"]


async def test_a_predicate_targets_one_conversation(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User, bob: User
) -> None:
    ann_chat, bob_chat = await open_chat(client, ann), await open_chat(client, bob)
    fake.rate_limit(where=lambda op: op.conversation_id == ann_chat)

    for _ in range(2):
        await refusal(client.conversations.send_to_conversation(ann_chat, _hello()))
    await client.conversations.send_to_conversation(bob_chat, _hello())

    assert len(fake.rate_limited) == 2
    assert [s.conversation_id for s in fake.sent] == [bob_chat]


async def test_the_per_conversation_limit_refuses_beyond_its_rate_then_accepts_after_the_wait(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    fake.limits(per_conversation_per_second=2)
    send = client.conversations.send_to_conversation

    await send(chat, _hello("1"))
    await send(chat, _hello("2"))
    refused = await refusal(send(chat, _hello("3")))
    await send(OPS_CHANNEL, _hello("elsewhere"))  # another conversation has its own window
    assert refused.headers is not None
    wait = float(refused.headers["Retry-After"])
    await asyncio.sleep(wait)
    await send(chat, _hello("4"))

    assert refused.status == 429
    assert 0 < wait <= 1
    assert [a["text"] for a in fake.dm_of(ann)] == ["1", "2", "4"]
    assert [c.body.get("text") for c in fake.rate_limited] == ["3"]


async def test_the_per_bot_limit_counts_every_request(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    fake.limits(per_bot=[(60, 2)])

    await client.get_conversation_member(team.id, ann.id)
    await client.fetch_team_details(team.id)
    refused = await refusal(client.fetch_channel_list(team.id))

    assert refused.status == 429
    assert refused.headers is not None
    assert 59 <= int(refused.headers["Retry-After"]) <= 60


async def test_limits_are_off_by_default_and_teams_documented_windows_can_be_set(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    send = client.conversations.send_to_conversation

    await asyncio.gather(*(send(chat, _hello(str(n))) for n in range(20)))
    fake.limits(per_conversation=TEAMS_PER_THREAD)
    for n in range(7):
        await send(OPS_CHANNEL, _hello(str(n)))
    refused = await refusal(send(OPS_CHANNEL, _hello("8th")))

    assert len(fake.dm_of(ann)) == 20
    assert refused.status == 429
    assert TEAMS_PER_THREAD[0] == (1, 7)


async def test_a_server_error_is_recorded_and_nothing_is_stored(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    fake.server_error(status=502, times=2)

    first = await refusal(client.conversations.send_to_conversation(chat, _hello("one")))
    second = await refusal(client.conversations.send_to_conversation(chat, _hello("two")))
    await client.conversations.send_to_conversation(chat, _hello("three"))

    assert [first.status, second.status] == [502, 502]
    assert [c.status for c in fake.server_errors] == [502, 502]
    assert [a["text"] for a in fake.dm_of(ann)] == ["three"]


async def test_fail_answers_any_status_with_an_error_body(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    fake.fail(403, times=1, where=lambda op: op.operation == "member", code="BotDisabledByAdmin")

    error = await refusal(client.get_conversation_member(team.id, ann.id))
    member = await client.get_conversation_member(team.id, ann.id)

    assert error.status == 403
    assert fake.rejected[0].error == "BotDisabledByAdmin"
    assert member.id == ann.id


async def test_a_late_answer_is_for_a_request_that_took_effect_on_arrival(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    fake.latency(0.5)

    sending = asyncio.create_task(client.conversations.send_to_conversation(chat, _hello()))
    await asyncio.sleep(0.2)
    stored_before_the_answer = [a["text"] for a in fake.dm_of(ann)]
    done_before_the_answer = sending.done()
    await sending

    assert stored_before_the_answer == ["hello"]
    assert not done_before_the_answer


async def test_latency_holds_the_answer_back(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team
) -> None:
    fake.latency(0.2, jitter=0.1, where=lambda op: op.operation == "team_details")

    started = time.monotonic()
    await client.fetch_team_details(team.id)
    slow = time.monotonic() - started
    started = time.monotonic()
    await client.fetch_channel_list(team.id)
    fast = time.monotonic() - started

    assert 0.2 <= slow < 0.6
    assert fast < 0.2


async def test_reset_clears_faults_limits_and_records_but_keeps_the_directory(
    fake: FakeTeams, client: TeamsConnectorClient, team: Team, ann: User
) -> None:
    chat = await open_chat(client, ann)
    fake.rate_limit(where=lambda op: op.operation == "member")
    fake.limits(per_bot_per_second=1)
    await client.conversations.send_to_conversation(chat, _hello())

    fake.reset()
    member = await client.get_conversation_member(team.id, ann.id)
    again = await open_chat(client, ann)

    assert member.id == ann.id
    assert again == chat
    assert [c.operation for c in fake.requests] == ["member", "create_conversation"]
    assert fake.dm_of(ann) == []
    assert fake.rate_limited == []


async def test_require_auth_refuses_requests_without_a_bearer_token() -> None:
    async with FakeTeams(require_auth=True) as strict:
        strict.add_team(name="Solo", members=[strict.add_user(name="Zed")])
        anonymous = TeamsConnectorClient(endpoint=strict.service_url, token="")
        authorized = TeamsConnectorClient(endpoint=strict.service_url, token="a-token")
        try:
            denied = await refusal(anonymous.fetch_team_details(next(iter(strict.teams))))
            details = await authorized.fetch_team_details(next(iter(strict.teams)))
        finally:
            await anonymous.close()
            await authorized.close()

    assert denied.status == 401
    assert details.name == "Solo"
    assert [(c.status, c.authorized) for c in strict.requests] == [(401, False), (200, True)]
