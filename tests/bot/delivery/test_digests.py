"""The one digest protocol (claim → post → mark) on the real ledger, Slack as the platform.

The runtime is the real one (SQLite file, Web API client over HTTP to the fake Slack); the
tests call ``post_digest`` as the scheduler and ``/sdo digest`` do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from bot.delivery.digests import DigestOutcome, post_digest
from bot.delivery.platform import PlatformError
from bot.domain.model import Team
from bot.domain.views import DigestView
from bot.sandbox.fakeslack import FakeSlack
from bot.slack import retries
from bot.slack.retries import ServerErrorBackoff
from tests.support.databases import DatabaseFactory
from tests.support.jobs import JobsHarness, channel_posts
from tests.support.slack import ALICE, BOB, MANAGER, TEAM_CHANNEL


@pytest.fixture
async def jobs(fake_slack: FakeSlack, databases: DatabaseFactory) -> AsyncIterator[JobsHarness]:
    harness = JobsHarness(
        fake=fake_slack,
        db_url=await databases.create("sqlite"),
        start=datetime(2026, 10, 19, 12, tzinfo=UTC),
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def _closed_round(jobs: JobsHarness) -> tuple[Team, DigestView]:
    """A team whose round 1 was closed by opening round 2; the digest of round 1."""
    team = await jobs.setup_team(
        channel_id=TEAM_CHANNEL, name="team", tz="UTC", user_ids=(MANAGER, ALICE, BOB)
    )
    first, _ = await jobs.services.rounds.open(team=team)
    jobs.clock.advance(timedelta(minutes=5))
    await jobs.services.rounds.open(team=team)
    view = await jobs.services.digests.view(team=team, round_id=first.id)
    assert view is not None
    assert not view.round.round.is_open
    return team, view


async def _post(jobs: JobsHarness, team: Team, view: DigestView, **kwargs: bool) -> DigestOutcome:
    return await post_digest(
        services=jobs.services,
        platform=jobs.runtime.slack.platform,
        team=team,
        view=view,
        **kwargs,
    )


async def test_a_closed_rounds_digest_is_posted_once_and_recorded(jobs: JobsHarness) -> None:
    team, view = await _closed_round(jobs)

    first = await _post(jobs, team, view)
    second = await _post(jobs, team, view)

    assert (first, second) == (DigestOutcome.POSTED, DigestOutcome.SKIPPED)
    [posted] = jobs.fake.messages[TEAM_CHANNEL]
    assert await jobs.all("SELECT round_id, status, message_ts FROM digest") == [
        (view.round.round.id, "posted", posted["ts"])
    ]


async def test_asked_again_it_is_posted_again_and_the_ledger_keeps_the_first(
    jobs: JobsHarness,
) -> None:
    team, view = await _closed_round(jobs)
    await _post(jobs, team, view)

    again = await _post(jobs, team, view, again=True)

    assert again is DigestOutcome.POSTED
    first, second = jobs.fake.messages[TEAM_CHANNEL]
    assert await jobs.all("SELECT status, message_ts FROM digest") == [("posted", first["ts"])]
    assert second["ts"] != first["ts"]


async def test_a_passing_failure_releases_the_claim_for_a_later_post(
    jobs: JobsHarness, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Slack's 5xx are waited out for up to 90 s; here the retries have run out at once.
    monkeypatch.setattr(retries, "SERVER_ERROR_BACKOFF", ServerErrorBackoff(max_wait_seconds=0))
    team, view = await _closed_round(jobs)
    jobs.fake.server_error(
        "chat.postMessage", status=502, when=lambda a: a.get("channel") == TEAM_CHANNEL
    )

    with pytest.raises(PlatformError) as failed:
        await _post(jobs, team, view)
    assert (failed.value.reason, failed.value.passing) == ("http_502", True)
    assert await jobs.all("SELECT status FROM digest") == []

    assert await _post(jobs, team, view) is DigestOutcome.POSTED
    assert len(channel_posts(jobs.fake, TEAM_CHANNEL)) == 1


async def test_a_refusal_is_recorded_and_the_schedule_does_not_retry_it(
    jobs: JobsHarness,
) -> None:
    team, view = await _closed_round(jobs)
    jobs.fake.fail(
        "chat.postMessage", error="not_in_channel", when=lambda a: a.get("channel") == TEAM_CHANNEL
    )

    with pytest.raises(PlatformError):
        await _post(jobs, team, view)
    jobs.fake.reset_faults()
    later = await _post(jobs, team, view)

    assert later is DigestOutcome.SKIPPED
    assert await jobs.all("SELECT status, error FROM digest") == [("failed", "not_in_channel")]
    assert channel_posts(jobs.fake, TEAM_CHANNEL) == []


async def test_an_open_rounds_digest_is_posted_without_taking_the_schedules_turn(
    jobs: JobsHarness,
) -> None:
    team = await jobs.setup_team(
        channel_id=TEAM_CHANNEL, name="team", tz="UTC", user_ids=(MANAGER, ALICE, BOB)
    )
    await jobs.services.rounds.open(team=team)
    view = await jobs.services.digests.view(team=team)
    assert view is not None
    assert view.round.round.is_open

    assert await _post(jobs, team, view) is DigestOutcome.POSTED
    assert len(channel_posts(jobs.fake, TEAM_CHANNEL)) == 1
    assert await jobs.all("SELECT status FROM digest") == []
