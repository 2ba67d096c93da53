"""``python -m bot.sandbox.fakeslack``, run as a separate process."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
from typing import Any

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient


def test_runner_prints_its_url_and_serves_a_generated_team() -> None:
    runner = subprocess.Popen(
        [sys.executable, "-m", "bot.sandbox.fakeslack", "--port", "0", "--users", "7"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert runner.stdout is not None
        base_url = runner.stdout.readline().strip()

        async def check() -> tuple[Any, Any, Any]:
            client = AsyncWebClient(
                token="xoxb-fake-bot-token",
                base_url=base_url,
            )
            auth = await client.auth_test()
            members = await client.conversations_members(channel="CTEAM")
            async with (
                aiohttp.ClientSession() as session,
                session.get(base_url.removesuffix("api/") + "_calls") as got,
            ):
                return auth.data, members.data, await got.json()

        auth, members, dump = asyncio.run(check())
    finally:
        runner.terminate()
        exit_code = runner.wait(timeout=10)

    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/api/", base_url)
    assert auth["ok"]
    assert auth["user_id"] == "UBOTFAKE"
    assert len(members["members"]) == 8
    assert [c["method"] for c in dump["calls"]] == ["auth.test", "conversations.members"]
    assert exit_code == 0
