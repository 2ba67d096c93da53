"""Fuzzing the HTTP edge: random, truncated and mutated payloads, all correctly signed.

Whatever arrives, the app answers 200 (handled), 400 (malformed) or 404 (Bolt: no listener for
it) — never 500 — logs no unhandled exception, and a refused payload changes no row.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from bot.slack.blocks.home import SEND_PULSE_ACTION_ID
from bot.slack.blocks.modals import NOTE_CALLBACK_ID, NoteContext
from bot.slack.blocks.pulse import NOTE_ACTION_ID
from tests.support.harness import WORKSPACE, SlackHarness
from tests.support.rows import WORKSPACE_DATA_TABLES
from tests.support.slack import ALICE, MANAGER, TEAM_CHANNEL, dm_of

FORM = "application/x-www-form-urlencoded"
TABLES = ("workspace", *WORKSPACE_DATA_TABLES)
CASES = 200


def generate(strategy: st.SearchStrategy[Any], count: int = CASES) -> list[Any]:
    """Draw ``count`` cases with hypothesis (deterministic), to post from the async test.

    The app under test runs on the test's event loop, so the cases are generated first and
    sent afterwards; a failing case is reported with its body.
    """
    cases: list[Any] = []

    @settings(
        max_examples=count,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def gather(case: Any) -> None:
        cases.append(case)

    gather()
    return cases


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)


async def row_counts(slack: SlackHarness) -> dict[str, int]:
    async with slack.runtime.db.read() as s:
        return {
            t: (await s.execute(text(f"SELECT count(*) FROM {t}"))).scalar_one() for t in TABLES
        }


def mutate(data: Any, draw: st.DrawFn, depth: int = 0) -> Any:
    """Delete keys, replace values with random JSON, or recurse — Slack never sends this."""
    if isinstance(data, dict) and data:
        out = dict(data)
        key = draw(st.sampled_from(sorted(out)))
        action = draw(st.sampled_from(["delete", "replace", "recurse"]))
        if action == "delete":
            del out[key]
        elif action == "replace" or depth > 4:
            out[key] = draw(json_values)
        else:
            out[key] = mutate(out[key], draw, depth + 1)
        return out
    if isinstance(data, list) and data:
        i = draw(st.integers(0, len(data) - 1))
        return [*data[:i], mutate(data[i], draw, depth + 1), *data[i + 1 :]]
    return draw(json_values)


@st.composite
def mutated(draw: st.DrawFn, base: Any) -> Any:
    data = base
    for _ in range(draw(st.integers(1, 3))):
        data = mutate(data, draw)
    return data


@st.composite
def damaged_bytes(draw: st.DrawFn, body: bytes) -> bytes:
    """Truncated, or with a few bytes flipped."""
    if draw(st.booleans()):
        return body[: draw(st.integers(0, max(0, len(body) - 1)))]
    data = bytearray(body)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(data) - 1))
        data[i] = draw(st.integers(0, 255))
    return bytes(data)


class Fuzzer:
    """Posts cases, checks the answer and that refused cases changed nothing."""

    def __init__(self, slack: SlackHarness) -> None:
        self.slack = slack
        self.statuses: dict[int, int] = {}
        self._busy = False

    def report(self, name: str) -> None:
        """One line for the hardening note (shown with ``pytest -s``)."""
        total = sum(self.statuses.values())
        answers = ", ".join(f"{n} × {status}" for status, n in sorted(self.statuses.items()))
        print(f"\nFUZZ {name}: {total} cases, {answers}, 0 × 500, refused ones wrote 0 rows")

    async def settled_counts(self) -> dict[str, int]:
        """Row counts once the work of an accepted request (after its ack) has finished."""
        counts = await row_counts(self.slack)
        while self._busy:
            await asyncio.sleep(0.03)
            again = await row_counts(self.slack)
            self._busy = again != counts
            counts = again
        return counts

    async def post(self, body: bytes, content_type: str) -> None:
        before = await self.settled_counts()
        reply = await self.slack.post_signed(body, content_type)
        self._busy = reply.status == 200
        self.statuses[reply.status] = self.statuses.get(reply.status, 0) + 1
        assert reply.status in (200, 400, 404), (reply.status, body[:200])
        assert "Traceback" not in reply.text
        if reply.status != 200:
            assert await row_counts(self.slack) == before, body[:200]


@pytest.fixture
async def round_open(slack: SlackHarness) -> dict[str, Any]:
    """A team with an open round, and Alice's pulse DM."""
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    return dm_of(slack, ALICE)


def base_payloads(slack: SlackHarness, dm: dict[str, Any]) -> dict[str, Any]:
    button = next(e for b in dm["blocks"] if b.get("type") == "actions" for e in b["elements"])
    return {
        "click": slack.click_payload(
            action_id=button["action_id"],
            value=button["value"],
            user=ALICE,
            channel=dm["channel"],
            ts=dm["ts"],
        ),
        "add_note": slack.click_payload(
            action_id=NOTE_ACTION_ID, value="1", user=ALICE, channel=dm["channel"], ts=dm["ts"]
        ),
        "home_pulse": slack.click_payload(
            action_id=SEND_PULSE_ACTION_ID,
            value="1",
            user=MANAGER,
            channel="",
            ts="",
            view={"id": "VHOME", "type": "home"},
        ),
        "note": {
            "type": "view_submission",
            "team": {"id": WORKSPACE},
            "user": {"id": ALICE},
            "trigger_id": "t1",
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": NOTE_CALLBACK_ID,
                "private_metadata": NoteContext(1, dm["channel"], dm["ts"]).encode(),
                "state": {
                    "values": {
                        "note_circle": {"circle": {"selected_option": {"value": "W"}}},
                        "note_text": {"text": {"value": "evidence"}},
                        "note_internal": {"internal": {"selected_options": []}},
                    }
                },
            },
        },
        "event": {
            "token": "x",
            "team_id": WORKSPACE,
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "EvFUZZ",
            "event_time": 1,
            "event": {
                "type": "member_left_channel",
                "user": ALICE,
                "channel": TEAM_CHANNEL,
                "team": WORKSPACE,
            },
        },
    }


async def settle_and_check_log(caplog: pytest.LogCaptureFixture) -> None:
    await asyncio.sleep(0.3)  # listeners keep working after the ack
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors[:5]]


async def test_mutated_interaction_payloads(
    slack: SlackHarness, round_open: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    fuzzer = Fuzzer(slack)
    bases = base_payloads(slack, round_open)

    cases = generate(
        st.sampled_from(["click", "add_note", "home_pulse", "note"]).flatmap(
            lambda kind: mutated(bases[kind])
        )
    )
    with caplog.at_level(logging.WARNING):
        for payload in cases:
            await fuzzer.post(urlencode({"payload": json.dumps(payload)}).encode(), FORM)
        await settle_and_check_log(caplog)
    fuzzer.report("mutated interaction payloads")
    assert fuzzer.statuses.get(500, 0) == 0
    assert sum(fuzzer.statuses.values()) >= 100


async def test_mutated_events_and_commands(
    slack: SlackHarness, round_open: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    fuzzer = Fuzzer(slack)
    event = base_payloads(slack, round_open)["event"]
    command = {
        "team_id": WORKSPACE,
        "user_id": ALICE,
        "channel_id": TEAM_CHANNEL,
        "channel_name": "team",
        "command": "/sdo",
        "text": "status",
        "response_url": slack.fake.new_response_url(),
        "trigger_id": "t",
    }

    cases = generate(
        st.tuples(st.just("event"), mutated(event))
        | st.tuples(st.just("command"), mutated(command))
    )
    with caplog.at_level(logging.WARNING):
        for kind, data in cases:
            if kind == "event":
                await fuzzer.post(json.dumps(data).encode(), "application/json")
            else:
                fields = data if isinstance(data, dict) else {"x": data}
                await fuzzer.post(urlencode(fields, doseq=True).encode(), FORM)
        await settle_and_check_log(caplog)
    fuzzer.report("mutated events and commands")
    assert sum(fuzzer.statuses.values()) >= 100


async def test_truncated_and_corrupted_bodies(
    slack: SlackHarness, round_open: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    fuzzer = Fuzzer(slack)
    bases = base_payloads(slack, round_open)
    bodies = [
        (urlencode({"payload": json.dumps(bases["click"])}).encode(), FORM),
        (urlencode({"payload": json.dumps(bases["note"])}).encode(), FORM),
        (json.dumps(bases["event"]).encode(), "application/json"),
        (slack.command_body("status", user=ALICE, channel=TEAM_CHANNEL), FORM),
    ]

    cases = generate(
        st.sampled_from(bodies).flatmap(
            lambda pair: st.tuples(damaged_bytes(pair[0]), st.just(pair[1]))
        )
    )
    with caplog.at_level(logging.WARNING):
        for body, content_type in cases:
            await fuzzer.post(body, content_type)
        await settle_and_check_log(caplog)
    fuzzer.report("truncated and corrupted bodies")
    assert fuzzer.statuses.get(400, 0) > 0
