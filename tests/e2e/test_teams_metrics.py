"""``GET /metrics`` of a server that speaks Teams: a scheduled round in Teams, with Teams
throttling the bot, moves the Teams series (and leaves Slack's absent)."""

from __future__ import annotations

from dataclasses import replace

import aiohttp

from bot.config import Settings
from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, actions, card_of
from bot.sandbox.teams_app import TeamsApp
from bot.teams.addresses import workspace_of
from tests.support.metrics import BEARER, TOKEN, Scrape

TEAMS = {"platform": "teams"}


async def scrape(app: TeamsApp) -> Scrape:
    async with (
        aiohttp.ClientSession() as session,
        session.get(app.url + "/metrics", headers=BEARER) as reply,
    ):
        assert reply.status == 200
        return Scrape.parse(await reply.text())


async def test_a_scheduled_round_in_teams_is_counted_under_teams(db_url: str) -> None:
    settings = replace(Settings(tick_seconds=0), metrics_token=TOKEN)
    async with (
        FakeTeams() as fake,
        TeamsApp(fake=fake, db_url=db_url, settings=settings) as app,
        TeamsSimulator(app.url, fake) as people,
    ):
        team = fake.generate_team(members=5, name="Checkout")
        members = [fake.users[i] for i in team.member_ids]
        await people.install(team)
        await people.say(members[0], "setup", in_channel=team)
        services, scheduler = app.runtime.services, app.runtime.scheduler
        await scheduler.tick()
        sdo_team = await services.teams.for_channel(
            workspace_id=workspace_of(team.tenant_id), channel_id=team.id
        )
        assert sdo_team is not None
        before = await scrape(app)

        runs = await services.rounds.next_runs(team=sdo_team)
        assert runs is not None
        assert runs.pulse_at is not None
        app.clock.travel_to(runs.pulse_at)
        fake.rate_limit(times=2, retry_after=0)  # Teams throttles the bot twice
        assert (await scheduler.tick()).sent == 5
        clicks = 0
        for member in members[:2]:
            for circle in ("W", "H", "D"):
                pulse = fake.dm_of(member)[0]
                (button,) = [
                    b
                    for b in actions(card_of(pulse))
                    if b.get("verb") == "sdo.answer"
                    and b["data"]["circle"] == circle
                    and b["data"]["value"] == "yes"
                ]
                status, _ = await people.click(member, pulse["id"], button["data"])
                assert status == 200
                clicks += 1
        runs = await services.rounds.next_runs(team=sdo_team)
        assert runs is not None
        assert runs.close_at is not None
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                app.url + "/api/messages",
                data=b"not an activity",
                headers={"Content-Type": "text/plain"},
            ) as refused,
        ):
            assert refused.status == 415
        app.clock.travel_to(runs.close_at)
        assert sum([(await scheduler.tick()).digests for _ in range(2)]) == 1
        after = await scrape(app)

    assert len(fake.rate_limited) == 2
    assert after.moved(before, "sdo_rate_limited_total", **TEAMS) == 2
    assert after.moved(before, "sdo_dms_sent_total", **TEAMS) == 5
    assert after.moved(before, "sdo_dms_failed_total", **TEAMS) == 0
    assert after.moved(before, "sdo_digests_posted_total", **TEAMS) == 1
    assert after.moved(before, "sdo_rounds_opened_total") == 1
    assert after.moved(before, "sdo_rounds_closed_total") == 1
    requests = "sdo_http_requests_total"
    assert after.moved(before, requests, kind="invoke", status="200", **TEAMS) == clicks
    assert after.moved(before, requests, kind="unknown", status="415", **TEAMS) == 1
    # The install and the setup message, before the first scrape (the SDK answers 202).
    assert before.value(requests, kind="conversationUpdate", status="202", **TEAMS) == 1
    assert before.value(requests, kind="message", status="202", **TEAMS) == 1
    assert not after.has("sdo_dms_sent_total", platform="slack")
