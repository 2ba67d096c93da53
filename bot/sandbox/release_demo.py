"""`sdo demo`'s release: a team's CI posts a signed release to its hook, and its members answer
the release pulse DM (``bot.sandbox.demo`` plays it in the last week)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

import aiohttp

from bot.domain.circles import AnswerValue
from bot.sandbox.simulator import eventually
from bot.slack.blocks.release import RELEASE_ACTION_PREFIX
from bot.slack.blocks.render import render_message

if TYPE_CHECKING:
    from bot.sandbox.demo import _Demo


async def play_release(demo: _Demo, *, channel_id: str, team: str, people: list[str]) -> None:
    """The team's CI publishes v2.3: `/sdo release-hook`, the signed POST, a tick, one DM per
    member who is not away, and their clicks (the status and digest then show it)."""
    shown = await demo.ask("release-hook", user=people[0], channel=channel_id)
    url = re.search(r"\*URL:\* `([^`]+)`", shown)
    secret = re.search(r"\*Secret:\* `([^`]+)`", shown)
    assert url is not None, shown
    assert secret is not None, shown
    path = "/hooks/release/" + url.group(1).rsplit("/", 1)[1]
    body = json.dumps({"name": "v2.3", "id": "demo-build-231"}).encode()
    signature = hmac.new(secret.group(1).encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-SDO-Signature": "sha256=" + signature}
    async with (
        aiohttp.ClientSession() as http,
        http.post(demo.sim.url + path, data=body, headers=headers) as reply,
    ):
        status, answer = reply.status, await reply.json()
    demo.print(
        f"\n/sdo release-hook in #{team} → its URL (…/hooks/release/<key>) and secret, "
        f"ephemeral.\nCI posts {body.decode()} signed with it → {status} {answer}"
    )
    ask_at = datetime.fromisoformat(answer["ask_at"])
    if ask_at > demo.sim.clock.now():
        demo.sim.clock.travel_to(ask_at)
    await demo.sim.runtime.scheduler.tick()
    asked = [p for p in people if _release_button(demo.dm(p), AnswerValue.YES) is not None]
    demo.print(
        f"The next tick asks {len(asked)} of {len(people)} members (the one on vacation is not "
        "asked)."
    )
    demo.block(f"The release DM {people[1]} gets", render_message(demo.dm(people[1])))
    for i, person in enumerate(asked):
        await _click_release(
            demo, person, AnswerValue.NO if i == len(asked) - 1 else AnswerValue.YES
        )


async def _click_release(demo: _Demo, person: str, value: AnswerValue) -> None:
    message = demo.dm(person)
    button = _release_button(message, value)
    assert button is not None
    target = (message["channel"], message["ts"])
    revision = demo.fake.message_revision(*target)
    clicked, _ = await demo.sim.click(
        action_id=button["action_id"],
        value=button["value"],
        user=person,
        channel=message["channel"],
        ts=message["ts"],
    )
    assert clicked.status == 200, clicked
    await eventually(
        lambda: demo.fake.message_revision(*target) > revision, what="the DM to update"
    )


def _release_button(message: dict[str, Any], value: AnswerValue) -> dict[str, Any] | None:
    return next(
        (
            e
            for b in message.get("blocks") or []
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["action_id"] == RELEASE_ACTION_PREFIX + value.value
        ),
        None,
    )
