"""A pulse on every release, over real HTTP: `/sdo release-hook` (managers), the signed hook
(GitHub, GitLab, generic) at `POST /hooks/release/<key>`, nothing for anything unsigned, forged
or unknown, a replay once, the release DM to each member in working hours (never at night), one
release per hour, the answer stored and counted in status, rotate."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from sqlalchemy import text

from bot.domain.circles import AnswerValue, Circle
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.blocks.release import RELEASE_ACTION_PREFIX
from bot.slack.blocks.render import render_message
from tests.support.harness import SlackHarness, eventually
from tests.support.jobs import landed_in
from tests.support.slack import ALICE, BOB, CAROL, MANAGER, TEAM_CHANNEL, answer, answers_of

# A Thursday, 10:00 in the team's zone (the manager's, Europe/Berlin).
NOW = datetime(2026, 12, 10, 9, tzinfo=UTC)
TEAM = (MANAGER, ALICE, BOB, CAROL)


async def _ask(slack: SlackHarness, words: str, user: str = MANAGER) -> str:
    return render_message(await slack.command_and_answer(words, user=user, channel=TEAM_CHANNEL))


async def _hook(slack: SlackHarness, words: str = "release-hook") -> tuple[str, str, str]:
    """The hook's URL path, key and secret, as `/sdo release-hook` gives them."""
    shown = await _ask(slack, words)
    url = re.search(r"\*URL:\* `([^`]+)`", shown)
    secret = re.search(r"\*Secret:\* `([^`]+)`", shown)
    assert url, shown
    assert secret, shown
    path = "/" + url.group(1).split("/", 3)[3]
    assert path.startswith("/hooks/release/")
    key = path.rsplit("/", 1)[1]
    assert TEAM_CHANNEL not in key
    assert len(key) >= 24
    return path, key, secret.group(1)


def _sig(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _github(name: str = "v2.3", action: str = "published") -> bytes:
    return json.dumps(
        {"action": action, "release": {"id": 1, "name": name, "tag_name": name}}
    ).encode()


def _github_headers(
    body: bytes, secret: str | None, delivery: str = "d-1", event: str = "release"
) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
    }
    if secret is not None:
        headers["X-Hub-Signature-256"] = _sig(secret, body)
    return headers


async def _post(
    slack: SlackHarness, path: str, body: bytes, headers: dict[str, str]
) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(slack.url + path, data=body, headers=headers) as reply,
    ):
        return reply.status, await reply.text()


async def _releases(slack: SlackHarness) -> int:
    async with slack.runtime.db.read() as s:
        return int((await s.execute(text("SELECT count(*) FROM release"))).scalar_one())


def _release_dms(fake: FakeSlack, user: str, name: str = "v2.3") -> list[dict[str, Any]]:
    """The release DMs ``user`` got about ``name`` (one chat.postMessage each)."""
    return [
        c.args
        for c in fake.calls_to("chat.postMessage", ok=True)
        if landed_in(fake, c.args["channel"]) == fake.dm_channel_id(user)
        and c.args.get("text") == f"Did a customer accept {name}?"
    ]


def _counts(fake: FakeSlack, name: str = "v2.3") -> dict[str, int]:
    return {u: len(_release_dms(fake, u, name)) for u in TEAM}


async def _click(slack: SlackHarness, user: str, value: AnswerValue) -> None:
    channel = slack.fake.dm_channel_id(user)
    message = next(
        m
        for m in reversed(slack.fake.messages[channel])
        if any(
            e.get("action_id", "").startswith(RELEASE_ACTION_PREFIX)
            for b in m.get("blocks", [])
            if b.get("type") == "actions"
            for e in b["elements"]
        )
    )
    button = next(
        e
        for b in message["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == RELEASE_ACTION_PREFIX + value.value
    )
    revision = slack.fake.message_revision(channel, str(message["ts"]))
    reply, _ = await slack.click(
        action_id=button["action_id"],
        value=button["value"],
        user=user,
        channel=channel,
        ts=str(message["ts"]),
    )
    assert reply.status == 200
    await eventually(
        lambda: slack.fake.message_revision(channel, str(message["ts"])) > revision,
        what=f"{user}'s release DM to update",
    )


async def _stored(slack: SlackHarness) -> dict[str, str | None]:
    async with slack.runtime.db.read() as s:
        rows = await s.execute(text("SELECT user_id, answer FROM release_delivery"))
        return {u: a for u, a in rows}


async def test_a_signed_release_asks_every_member_once_and_nothing_else_does(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    slack.clock.travel_to(NOW)
    assert "is now a team: 4 members" in await _ask(slack, "setup")
    refused = await _ask(slack, "release-hook", user=ALICE)
    assert refused.startswith(":lock: Sorry — only this team's managers"), refused
    path, key, secret = await _hook(slack)
    # Asked again: the same hook.
    assert await _hook(slack) == (path, key, secret)
    # A round is open (Bob answers D himself; the manager does not).
    assert "Round 1 is open" in await _ask(slack, "pulse")
    await answer(slack, BOB, Circle.DELIVER, AnswerValue.NO)

    body = _github()
    refusals = {
        "forged": _github_headers(body, "not-the-secret"),
        "unsigned": _github_headers(body, None),
        "gitlab token": {
            "Content-Type": "application/json",
            "X-Gitlab-Event": "Release Hook",
            "X-Gitlab-Token": "not-the-secret",
        },
        "generic unsigned": {"Content-Type": "application/json"},
    }
    for what, headers in refusals.items():
        status, _ = await _post(slack, path, body, headers)
        assert status == 401, what
    status, _ = await _post(
        slack, "/hooks/release/" + "x" * 32, body, _github_headers(body, secret)
    )
    assert status == 401, "unknown key"
    # The body signed, then changed: refused too.
    headers = _github_headers(body, secret)
    status, _ = await _post(slack, path, _github("v9.9"), headers)
    assert status == 401
    assert await _releases(slack) == 0
    await slack.runtime.scheduler.tick()
    assert _counts(slack.fake) == dict.fromkeys(TEAM, 0)
    assert _counts(slack.fake, "v9.9") == dict.fromkeys(TEAM, 0)

    # Malformed (but signed): 400; another action or event: acknowledged, ignored.
    assert (await _post(slack, path, b"{not json", _github_headers(b"{not json", secret)))[0] == 400
    edited = _github(action="edited")
    assert (await _post(slack, path, edited, _github_headers(edited, secret)))[0] == 202
    push = b'{"ref": "main"}'
    assert (await _post(slack, path, push, _github_headers(push, secret, event="push")))[0] == 202
    assert await _releases(slack) == 0

    # Signed: recorded once, however often GitHub delivers it.
    status, reply = await _post(slack, path, body, _github_headers(body, secret))
    assert status == 202, reply
    status, reply = await _post(slack, path, body, _github_headers(body, secret))
    assert (status, json.loads(reply)["release"]) == (200, "replay")
    assert await _releases(slack) == 1

    await slack.runtime.scheduler.tick()
    await slack.runtime.scheduler.tick()
    assert _counts(slack.fake) == dict.fromkeys(TEAM, 1)
    dm = render_message(_release_dms(slack.fake, ALICE)[0])
    assert "Did a customer accept *v2.3*?" in dm
    for label in ("Yes", "Partly", "No", "Not sure"):
        assert label in dm

    # A second release within the hour: recorded, asks nobody.
    second = _github("v2.4")
    status, reply = await _post(slack, path, second, _github_headers(second, secret, "d-2"))
    assert (status, json.loads(reply)["release"]) == (202, "spaced")
    assert await _releases(slack) == 2
    slack.clock.advance(timedelta(minutes=5))
    await slack.runtime.scheduler.tick()
    assert _counts(slack.fake, "v2.4") == dict.fromkeys(TEAM, 0)

    # Answers: stored as each member's own; the manager's D answer was empty, Bob's was his.
    await _click(slack, MANAGER, AnswerValue.YES)
    await _click(slack, ALICE, AnswerValue.YES)
    assert "Release v2.3: 2 of 4 answered (results from 3)" in await _ask(slack, "status")
    await _click(slack, BOB, AnswerValue.YES)
    await _click(slack, ALICE, AnswerValue.NO)  # changed her mind
    assert await _stored(slack) == {MANAGER: "yes", ALICE: "no", BOB: "yes", CAROL: None}
    assert ("D", "yes") in await answers_of(slack, MANAGER)
    assert ("D", "no") in await answers_of(slack, BOB)  # his own pulse answer wins
    status_text = await _ask(slack, "status", user=CAROL)
    assert "Release v2.3: 2 of 3 say accepted" in status_text
    for who in (MANAGER, ALICE, BOB):
        assert who not in status_text
    # The digest shows the same line.
    before = len(slack.fake.calls_to("chat.postMessage", ok=True))
    await _ask(slack, "digest")
    posts = slack.fake.calls_to("chat.postMessage", ok=True)[before:]
    digest = [render_message(c.args) for c in posts if c.args["channel"] == TEAM_CHANNEL]
    assert len(digest) == 1
    assert "Release v2.3: 2 of 3 say accepted" in digest[0]
    # Answers change nothing that was sent: still one DM each.
    assert _counts(slack.fake) == dict.fromkeys(TEAM, 1)

    # Rotate: the old secret stops working, the new one works; the URL stays.
    new_path, new_key, new_secret = await _hook(slack, "release-hook rotate")
    assert (new_path, new_key) == (path, key)
    assert new_secret != secret
    third = _github("v3.0")
    assert (await _post(slack, path, third, _github_headers(third, secret, "d-3")))[0] == 401
    assert (await _post(slack, path, third, _github_headers(third, new_secret, "d-3")))[0] == 202
    assert await _releases(slack) == 3


async def test_a_release_at_night_is_asked_at_the_next_working_hours_start(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    slack.clock.travel_to(NOW)
    await _ask(slack, "setup")
    path, _, secret = await _hook(slack)
    slack.clock.travel_to(datetime(2026, 12, 10, 21, tzinfo=UTC))  # 22:00 in Berlin
    # GitLab's release hook, with its token.
    body = json.dumps({"object_kind": "release", "action": "create", "name": "v2.3"}).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Gitlab-Event": "Release Hook",
        "X-Gitlab-Token": secret,
        "X-Gitlab-Event-UUID": "gl-1",
    }
    status, reply = await _post(slack, path, body, headers)
    assert status == 202, reply
    assert json.loads(reply)["ask_at"] == "2026-12-11T08:00:00+00:00"  # Friday 09:00 Berlin
    for late in (timedelta(0), timedelta(hours=5), timedelta(hours=10, minutes=59)):
        slack.clock.travel_to(datetime(2026, 12, 10, 21, tzinfo=UTC) + late)
        await slack.runtime.scheduler.tick()
        assert _counts(slack.fake) == dict.fromkeys(TEAM, 0), late
    slack.clock.travel_to(datetime(2026, 12, 11, 8, 0, 30, tzinfo=UTC))
    await slack.runtime.scheduler.tick()
    assert _counts(slack.fake) == dict.fromkeys(TEAM, 1)


async def test_a_generic_signed_body_asks_too_and_a_replay_once(slack: SlackHarness) -> None:
    slack.clock.travel_to(NOW)
    await _ask(slack, "setup")
    path, _, secret = await _hook(slack)
    body = json.dumps({"name": "v2.3", "id": "build-77"}).encode()
    assert (await _post(slack, path, body, {"X-SDO-Signature": "sha256=" + "0" * 64}))[0] == 401
    for _ in range(2):
        status, _ = await _post(slack, path, body, {"X-SDO-Signature": _sig(secret, body)})
        assert status in (200, 202)
    assert await _releases(slack) == 1
    await slack.runtime.scheduler.tick()
    assert _counts(slack.fake) == dict.fromkeys(TEAM, 1)
    # Over 1 MiB: 413, whatever it says.
    huge = b'{"name": "v9", "id": "x", "pad": "' + b"x" * (1024 * 1024) + b'"}'
    assert (await _post(slack, path, huge, {"X-SDO-Signature": _sig(secret, huge)}))[0] == 413
    # A body without an id cannot be deduplicated: 400.
    bare = b'{"name": "v2.4"}'
    assert (await _post(slack, path, bare, {"X-SDO-Signature": _sig(secret, bare)}))[0] == 400
    # Long release notes (half a MiB, many network chunks): the signature covers all of it.
    notes = json.dumps({"name": "v2.5", "id": "build-78", "notes": "n" * 500_000}).encode()
    status, _ = await _post(slack, path, notes, {"X-SDO-Signature": _sig(secret, notes)})
    assert status == 202
    assert await _releases(slack) == 2
