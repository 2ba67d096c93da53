"""``GET /metrics`` as an operator's Prometheus scrapes it, over real HTTP, after real work:
a scheduled round (setup → the tick's pulse → clicks → the tick's close and digest), a forged
request, Slack answering 429, the release hook, and the bearer token guarding it all."""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Team
from bot.sandbox.fakeslack import FakeSlack
from bot.sandbox.simulator import FORM
from bot.slack.blocks.render import render_message
from tests.support.harness import WORKSPACE, SlackHarness
from tests.support.metrics import BEARER, TOKEN, Scrape
from tests.support.slack import ALICE, BOB, CAROL, MANAGER, TEAM_CHANNEL, TEAM_HUMANS, answer

SLACK = {"platform": "slack"}


@pytest.fixture
async def metered(fake_slack: FakeSlack, db_url: str) -> AsyncIterator[SlackHarness]:
    """The app with ``SDO_METRICS_TOKEN`` set, on SQLite and on PostgreSQL (when configured)."""
    harness = SlackHarness(
        fake=fake_slack, db_url=db_url, workspace_id=WORKSPACE, metrics_token=TOKEN
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def scrape(slack: SlackHarness) -> Scrape:
    reply = await slack.get("/metrics", headers=BEARER)
    assert reply.status == 200, reply.text
    assert reply.headers["Content-Type"].startswith("text/plain")
    return Scrape.parse(reply.text)


async def set_up_team(slack: SlackHarness) -> Team:
    await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
    team = await slack.runtime.services.teams.for_channel(
        workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL
    )
    assert team is not None
    await slack.runtime.scheduler.tick()  # arms the schedule: the next pulse time
    return team


async def test_a_scheduled_round_moves_each_counter_by_what_happened(
    metered: SlackHarness,
) -> None:
    slack = metered
    services, scheduler = slack.runtime.services, slack.runtime.scheduler
    team = await set_up_team(slack)
    before = await scrape(slack)
    ticks_before = before.value("sdo_tick_duration_seconds_count")

    # The pulse, at its time: one round opened, a DM to each of the 4 humans.
    runs = await services.rounds.next_runs(team=team)
    assert runs is not None
    assert runs.pulse_at is not None
    slack.clock.travel_to(runs.pulse_at)
    assert (await scheduler.tick()).sent == len(TEAM_HUMANS)
    # Three members answer all three questions, one answers one: 10 clicks.
    clicks = 0
    for user in (MANAGER, ALICE, BOB):
        for circle in Circle:
            await answer(slack, user, circle, AnswerValue.YES)
            clicks += 1
    await answer(slack, CAROL, Circle.WHAT, AnswerValue.NO)
    clicks += 1
    # Someone without the signing secret: refused, and counted as refused.
    forged = await slack.post_signed(
        slack.command_body("status", user=ALICE, channel=TEAM_CHANNEL), FORM, secret="forged"
    )
    assert forged.status == 401
    garbage = await slack.post_raw(b"\xff\xfe not a payload", {"Content-Type": FORM})
    assert garbage.status == 401
    # The close, at its time: the round closed and its digest posted, once.
    runs = await services.rounds.next_runs(team=team)
    assert runs is not None
    assert runs.close_at is not None
    slack.clock.travel_to(runs.close_at)
    reports = [await scheduler.tick() for _ in range(2)]
    assert sum(r.closed for r in reports) == 1
    after = await scrape(slack)

    assert after.moved(before, "sdo_rounds_opened_total") == 1
    assert after.moved(before, "sdo_rounds_closed_total") == 1
    assert after.moved(before, "sdo_dms_sent_total", **SLACK) == len(TEAM_HUMANS)
    assert after.moved(before, "sdo_dms_failed_total", **SLACK) == 0
    assert after.moved(before, "sdo_rate_limited_total", **SLACK) == 0
    assert after.moved(before, "sdo_digests_posted_total", **SLACK) == 1
    requests = "sdo_http_requests_total"
    assert after.moved(before, requests, kind="action", status="200", **SLACK) == clicks
    assert after.moved(before, requests, kind="command", status="401", **SLACK) == 1
    assert after.moved(before, requests, kind="unknown", status="401", **SLACK) == 1
    assert after.moved(before, requests, kind="command", status="200", **SLACK) == 0
    latency = "sdo_http_request_duration_seconds_count"
    assert after.moved(before, latency, kind="action", **SLACK) == clicks
    # The setup command before the first scrape, counted then.
    assert before.value(requests, kind="command", status="200", **SLACK) == 1
    # One tick to pulse, two after the close; each successful, the last just now.
    assert after.value("sdo_tick_duration_seconds_count") - ticks_before == 3
    last_tick = after.value("sdo_last_successful_tick_timestamp_seconds")
    assert time.time() - 60 < last_tick <= time.time()
    assert after.value("sdo_pending_deliveries") == 0
    # Teams is not served by this app: no series of its own.
    assert not after.has("sdo_dms_sent_total", platform="teams")


async def test_pending_deliveries_are_what_the_ledger_holds_at_the_scrape(
    metered: SlackHarness,
) -> None:
    slack = metered
    team = await set_up_team(slack)
    assert (await scrape(slack)).value("sdo_pending_deliveries") == 0

    # A round opened, its DMs not sent yet (the tick sends them).
    await slack.runtime.services.rounds.open(team=team)
    assert (await scrape(slack)).value("sdo_pending_deliveries") == len(TEAM_HUMANS)

    assert (await slack.runtime.scheduler.tick()).sent == len(TEAM_HUMANS)
    assert (await scrape(slack)).value("sdo_pending_deliveries") == 0


async def test_slacks_429s_are_counted_and_every_dm_still_goes_out_once(
    metered: SlackHarness,
) -> None:
    slack = metered
    await set_up_team(slack)
    before = await scrape(slack)
    slack.fake.rate_limit("chat.postMessage", retry_after=0, times=3)

    pulse = await slack.command_and_answer("pulse", user=MANAGER, channel=TEAM_CHANNEL)
    assert "sent to 4 members" in render_message(pulse)
    after = await scrape(slack)

    assert len(slack.fake.rate_limited) == 3
    assert after.moved(before, "sdo_rate_limited_total", **SLACK) == 3
    assert after.moved(before, "sdo_dms_sent_total", **SLACK) == len(TEAM_HUMANS)
    assert len(slack.fake.calls_to("chat.postMessage", ok=True)) == len(TEAM_HUMANS)


async def test_metrics_answer_only_the_bearer_of_the_token(metered: SlackHarness) -> None:
    slack = metered
    for headers in (
        {},
        {"Authorization": "Bearer wrong-token"},
        {"Authorization": f"Bearer {TOKEN}x"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": TOKEN},
    ):
        refused = await slack.get("/metrics", headers=headers)
        assert refused.status == 401, headers
        assert "sdo_" not in refused.text
    assert (await slack.get("/metrics", headers=BEARER)).status == 200


async def test_no_metrics_without_a_token(slack: SlackHarness) -> None:
    assert not slack.settings.metrics_token
    assert (await slack.get("/metrics")).status == 404
    assert (await slack.get("/metrics", headers=BEARER)).status == 404
    assert (await slack.get("/healthz")).status == 200


async def test_release_hook_requests_are_counted_by_status(metered: SlackHarness) -> None:
    slack = metered
    team = await set_up_team(slack)
    hook = await slack.runtime.services.releases.hook(team=team)
    path = f"/hooks/release/{hook.key}"
    body = json.dumps({"name": "v2.3", "id": "build-7"}).encode()
    signed = {
        "Content-Type": "application/json",
        "X-SDO-Signature": "sha256=" + hmac.new(hook.secret.encode(), body, "sha256").hexdigest(),
    }
    before = await scrape(slack)
    forged = signed | {"X-SDO-Signature": "sha256=00"}
    async with aiohttp.ClientSession() as http:
        # Forged, new, then the same delivery again.
        for headers, expected in ((forged, 401), (signed, 202), (signed, 200)):
            async with http.post(slack.url + path, data=body, headers=headers) as reply:
                assert reply.status == expected, await reply.text()
    after = await scrape(slack)

    hooks = {"platform": "hooks", "kind": "release"}
    assert after.moved(before, "sdo_http_requests_total", status="401", **hooks) == 1
    assert after.moved(before, "sdo_http_requests_total", status="202", **hooks) == 1
    assert after.moved(before, "sdo_http_requests_total", status="200", **hooks) == 1
    assert after.moved(before, "sdo_http_request_duration_seconds_count", **hooks) == 3
