"""``python -m bot.sandbox.faketeams``, run as a separate process."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from typing import Any

import aiohttp
from microsoft_agents.activity import Activity, ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient


def test_runner_prints_its_service_url_and_serves_a_generated_team() -> None:
    runner = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox.faketeams", "--port", "0", "--members", "7"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert runner.stdout is not None
        service_url = runner.stdout.readline().strip()
        root = service_url.removesuffix("amer/")

        async def check() -> tuple[Any, Any, Any]:
            async with aiohttp.ClientSession() as session:
                async with session.get(root + "_directory") as got:
                    directory = await got.json()
                team = directory["teams"][0]
                client = TeamsConnectorClient(endpoint=service_url, token="")
                try:
                    members = await client.get_conversation_paged_member(team["id"], 100, "")
                    chat = await client.conversations.create_conversation(
                        ConversationParameters(
                            members=[ChannelAccount(id=team["member_ids"][0])],
                            tenant_id=team["tenant_id"],
                        )
                    )
                    assert chat.id is not None
                    await client.conversations.send_to_conversation(
                        chat.id, Activity(type="message", text="hi")
                    )
                finally:
                    await client.close()
                async with session.get(root + "_sent") as got:
                    sent = await got.json()
            return directory, members, sent

        directory, members, sent = asyncio.run(check())
    finally:
        runner.terminate()
        exit_code = runner.wait(timeout=10)

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/amer/", service_url)
    assert directory["bot"]["name"] == "SDO Pulse"
    assert len(members.members) == 7
    assert [s["body"]["text"] for s in sent["sent"]] == ["hi"]
    assert exit_code == 0
