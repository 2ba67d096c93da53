"""Attacks and faults in numbers: many cases each, every one refused or absorbed.

Run with ``-s`` to see one summary line per attack (the figures of the hardening note).
"""

from __future__ import annotations

import asyncio
import random
import string
import time
from collections import Counter

from sqlalchemy import text

from bot.slack.blocks.pulse import ANSWER_ACTION_PREFIX
from tests.support.harness import (
    SIGNING_SECRET,
    SlackHarness,
    eventually,
    eventually_async,
    sign,
)
from tests.support.slack import ALICE, MANAGER, TEAM_CHANNEL, dm_of

FORM = "application/x-www-form-urlencoded"
TABLES = ("workspace", "team", "member", "round", "delivery", "answer", "processed_event")


async def total_rows(slack: SlackHarness) -> int:
    async with slack.runtime.db.read() as s:
        return sum(
            [(await s.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in TABLES]
        )


def report(name: str, cases: int, outcome: str) -> None:
    print(f"\nATTACK {name}: {cases} cases, {outcome}")


async def test_forged_stale_and_odd_signatures_are_all_refused(slack: SlackHarness) -> None:
    rng = random.Random(11)
    body = slack.command_body("setup", user=MANAGER, channel=TEAM_CHANNEL)
    now = int(time.time())
    statuses: dict[str, list[int]] = {"forged": [], "stale": [], "bad timestamp": []}
    for i in range(200):
        kind = i % 4
        if kind == 0:  # signed with a wrong secret
            headers = sign(
                body, secret="".join(rng.choices(string.ascii_letters, k=32)), timestamp=now
            )
        elif kind == 1:  # a random signature
            headers = {
                "X-Slack-Request-Timestamp": str(now),
                "X-Slack-Signature": "v0=" + "".join(rng.choices("0123456789abcdef", k=64)),
            }
        elif kind == 2:  # the right signature over another body
            headers = sign(body + b"&x=1", secret=SIGNING_SECRET, timestamp=now)
        else:  # the right signature, an altered body
            headers = sign(body, secret=SIGNING_SECRET, timestamp=now)
            body_sent = body.replace(b"setup", b"pulse")
            statuses["forged"].append(
                (await slack.post_raw(body_sent, {"Content-Type": FORM, **headers})).status
            )
            continue
        statuses["forged"].append(
            (await slack.post_raw(body, {"Content-Type": FORM, **headers})).status
        )
    for _ in range(100):
        offset = rng.choice([-1, 1]) * rng.randint(301, 10**6)
        statuses["stale"].append(
            (await slack.post_signed(body, FORM, timestamp=now + offset)).status
        )
    for signature in ("v0=é", "v0=" + "ü" * 64, "", "v1=" + "0" * 64):
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": str(now),
            "X-Slack-Signature": signature,
        }
        statuses["forged"].append((await slack.post_raw(body, headers)).status)
    odd = ["", " ", "abc", "1e9", "-1", "１２３", f"{now}.5", f"{now}x", "0x10", "NaN"]
    for i in range(50):
        headers = {
            "Content-Type": FORM,
            "X-Slack-Request-Timestamp": odd[i % len(odd)],
            "X-Slack-Signature": sign(body, secret=SIGNING_SECRET, timestamp=now)[
                "X-Slack-Signature"
            ],
        }
        statuses["bad timestamp"].append((await slack.post_raw(body, headers)).status)
    rows = await total_rows(slack)
    for name, seen in statuses.items():
        report(name, len(seen), f"{seen.count(401)} × 401, {rows} rows written")
        assert seen == [401] * len(seen)
    assert rows == 0


async def test_oversized_bodies_get_413(slack: SlackHarness) -> None:
    sizes = [1024 * 1024 + 1, 1024 * 1024 + 4096, 2 * 1024 * 1024, 5 * 1024 * 1024]
    seen = []
    for size in sizes:
        body = b"text=" + b"x" * size
        seen.append((await slack.post_signed(body, FORM)).status)
    report("oversized bodies", len(seen), f"{seen.count(413)} × 413")
    assert seen == [413] * len(sizes)
    assert await total_rows(slack) == 0


async def test_redelivered_events_are_processed_once(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    slack.fake.delay("views.publish", 0.3)  # the first delivery is still running
    # One person per event: a Home already published is not published again (the same view),
    # so each event's own publish is what shows it was processed, and a duplicate shows too.
    users = [f"UDUP{i:05d}" for i in range(25)]
    for user in users:
        slack.fake.add_user(user, name=user.lower())
    ids = {user: f"EvDUP{i:04d}" for i, user in enumerate(users)}
    replies = await asyncio.gather(
        *(
            slack.event(
                {"type": "app_home_opened", "user": user, "tab": "home", "event_ts": "1.0"},
                event_id=ids[user],
                retry_num=attempt,
            )
            for user in users
            for attempt in (None, 1, 2)
        )
    )
    assert {r.status for r in replies} == {200}

    def published() -> Counter[str]:
        return Counter(str(c.args["user_id"]) for c in slack.fake.calls_to("views.publish"))

    await eventually(lambda: set(published()) == set(users), what="every event processed")
    await asyncio.sleep(0.5)  # time for any duplicate to show up
    report(
        "redelivered events",
        len(replies),
        f"{len(ids)} distinct event ids, {sum(published().values())} processed",
    )
    assert published() == Counter(users)


async def test_concurrent_double_clicks_store_one_answer(slack: SlackHarness) -> None:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    dm = dm_of(slack, ALICE)
    buttons = [
        e
        for b in dm["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"].startswith(ANSWER_ACTION_PREFIX)
    ]
    clicks = [buttons[i % len(buttons)] for i in range(60)]
    replies = await asyncio.gather(
        *(
            slack.click(
                action_id=b["action_id"],
                value=b["value"],
                user=ALICE,
                channel=dm["channel"],
                ts=dm["ts"],
            )
            for b in clicks
        )
    )
    assert {reply.status for reply, _ in replies} == {200}

    async def answer_rows() -> int:
        async with slack.runtime.db.read() as s:
            return int(
                (
                    await s.execute(
                        text("SELECT count(*) FROM answer WHERE user_id = :u"), {"u": ALICE}
                    )
                ).scalar_one()
            )

    rows = await eventually_async(answer_rows, lambda n: n == 3)
    await asyncio.sleep(0.3)
    rows = await answer_rows()
    report("concurrent clicks", len(clicks), f"{rows} answer rows (one per question)")
    assert rows == 3
