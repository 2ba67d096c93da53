"""``TeamsConnector`` against the fake Bot Connector over HTTP: a 401 is tried once more with a
fresh client, 429s are waited out, a refusal is final, and nothing is sent twice."""

from __future__ import annotations

import pytest
from microsoft_agents.activity import Activity

from bot.config import Settings
from bot.delivery.platform import PlatformError
from bot.sandbox.faketeams import FakeTeams
from bot.teams.connector import TeamsConnector
from bot.teams.host import teams_host


def _connector() -> TeamsConnector:
    host = teams_host(Settings(teams_allow_anonymous_unsafe=True, public_url="http://x"))

    async def no_wait(seconds: float) -> None:
        return None

    return TeamsConnector(host=host, sleep=no_wait)


async def _chat(fake: FakeTeams, connector: TeamsConnector) -> str:
    team = fake.generate_team(members=1)
    return await connector.create_chat(
        service_url=fake.service_url,
        tenant_id=team.tenant_id,
        bot_id=str(fake.bot["id"]),
        user_id=team.member_ids[0],
    )


def _hello() -> Activity:
    return Activity.model_validate({"type": "message", "text": "hello"})


async def test_a_401_is_tried_once_more_with_a_fresh_client_then_sent_once() -> None:
    async with FakeTeams() as fake:
        connector = _connector()
        try:
            chat = await _chat(fake, connector)
            fake.fail(401, times=1, where=lambda op: op.operation == "send")
            sent = await connector.send(
                service_url=fake.service_url, conversation_id=chat, activity=_hello()
            )
        finally:
            await connector.aclose()
        assert [s.body["text"] for s in fake.sent if s.kind == "send"] == ["hello"]
        assert sent
        assert [c.status for c in fake.requests if c.operation == "send"] == [401, 201]


async def test_429s_are_waited_out_and_a_refusal_is_final() -> None:
    async with FakeTeams() as fake:
        connector = _connector()
        try:
            chat = await _chat(fake, connector)
            fake.rate_limit(times=3, retry_after=1, where=lambda op: op.operation == "send")
            await connector.send(
                service_url=fake.service_url, conversation_id=chat, activity=_hello()
            )
            assert connector.throttled == 3
            fake.fail(403, where=lambda op: op.operation == "send")
            with pytest.raises(PlatformError) as refused:
                await connector.send(
                    service_url=fake.service_url, conversation_id=chat, activity=_hello()
                )
        finally:
            await connector.aclose()
        assert (refused.value.reason, refused.value.passing) == ("http_403", False)
        assert len([s for s in fake.sent if s.kind == "send"]) == 1
