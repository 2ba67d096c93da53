"""Workspaces installed with Slack's token rotation on: expiring tokens refreshed once, and saved.

The app runs in multi-workspace mode over real HTTP (``SlackHarness``) against a fake Slack whose
bot token expires and whose ``oauth.v2.access`` takes the refresh grant; an old token is
refused there (``invalid_auth``), so a DM sent with it would show.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from slack_sdk.oauth.installation_store.models.bot import Bot
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.config import Settings
from bot.delivery.platform import PlatformError
from bot.domain.views import PersonInfo, PulseView
from bot.sandbox.fakeslack import Call, FakeSlack
from bot.sandbox.installs import install_workspaces
from bot.slack.blocks.render import render_message
from bot.slack.gateway import SlackGateway
from bot.slack.installs import InstalledTokens, TokenRotation
from bot.slack.platform import SlackPlatform
from bot.slack.retries import web_client
from storage.db import Database
from storage.installations import InstallationStore, TokenCipher
from tests.support.databases import DatabaseFactory
from tests.support.harness import WORKSPACE, SlackHarness
from tests.support.slack import ALICE, BOB, ENCRYPTION_KEY, MANAGER, TEAM_CHANNEL, TEAM_HUMANS

# Inside the app's rotation window (its last two hours): due a refresh at its next use.
EXPIRING_IN = 30 * 60


async def installed_with_an_expiring_token(slack: SlackHarness) -> str:
    """Token rotation on, the workspace installed with a token that expires in 30 minutes."""
    slack.fake.rotate_tokens(current_expires_in=EXPIRING_IN)
    assert await install_workspaces(slack.settings, [slack.fake]) == 1
    return slack.fake.bot_token


def refresh_grants(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls_to("oauth.v2.access") if c.args["grant_type"] == "refresh_token"]


def refused_auth(fake: FakeSlack) -> list[Call]:
    return [c for c in fake.calls if c.error in ("invalid_auth", "token_expired")]


async def stored(slack: SlackHarness) -> dict[str, Any]:
    """The bot token as the installation store holds it: in both tables, decrypted."""
    cipher = TokenCipher(ENCRYPTION_KEY)
    async with slack.runtime.db.read() as s:
        bots = (
            await s.execute(
                text("SELECT bot_token, bot_refresh_token FROM slack_bots WHERE team_id = :t"),
                {"t": WORKSPACE},
            )
        ).all()
        installed = (
            await s.execute(text("SELECT bot_token, bot_refresh_token FROM slack_installations"))
        ).all()
    ((token, refresh),) = bots
    assert token.startswith("enc:")
    assert refresh.startswith("enc:")
    ((installation_token, installation_refresh),) = installed
    return {
        "token": cipher.decrypt(token),
        "refresh_token": cipher.decrypt(refresh),
        "installation": (cipher.decrypt(installation_token), cipher.decrypt(installation_refresh)),
    }


async def test_a_command_with_an_expiring_token_refreshes_it_once_and_stores_the_new_one(
    oauth_slack: SlackHarness,
) -> None:
    slack = oauth_slack
    old = await installed_with_an_expiring_token(slack)

    answer = await slack.command_and_answer("status", user=MANAGER, channel=TEAM_CHANNEL)
    setup = await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)

    assert "This channel is not a team yet" in render_message(answer)
    assert "#team is now a team: 4 members" in render_message(setup)
    assert len(refresh_grants(slack.fake)) == 1
    now = await stored(slack)
    assert now["token"] == slack.fake.bot_token != old
    assert now["token"].startswith("xoxe.xoxb-")
    assert now["refresh_token"] == slack.fake.bot_refresh_token
    assert now["installation"] == (now["token"], now["refresh_token"])
    # Good for Slack's 12 hours from now (more than the rotation window: no second refresh).
    store = slack.runtime.slack.installations
    assert store is not None
    bot = await store.async_find_bot(enterprise_id=None, team_id=WORKSPACE)
    assert bot is not None
    assert bot.bot_token == now["token"]
    assert bot.bot_token_expires_at is not None
    expires_in = bot.bot_token_expires_at - time.time()
    assert 11.9 * 3600 < expires_in <= 12 * 3600 + 5
    assert refused_auth(slack.fake) == []


async def test_two_people_at_once_trigger_one_refresh(oauth_slack: SlackHarness) -> None:
    slack = oauth_slack
    await installed_with_an_expiring_token(slack)

    answers = await asyncio.gather(
        *(
            slack.command_and_answer("status", user=user, channel=TEAM_CHANNEL)
            for user in (MANAGER, ALICE, BOB)
        )
    )

    assert all("This channel is not a team yet" in render_message(a) for a in answers)
    assert len(refresh_grants(slack.fake)) == 1
    assert (await stored(slack))["token"] == slack.fake.bot_token
    assert refused_auth(slack.fake) == []


async def test_the_schedulers_pulse_dms_go_out_with_the_refreshed_token(
    oauth_slack: SlackHarness,
) -> None:
    slack = oauth_slack
    old = await installed_with_an_expiring_token(slack)
    services = slack.runtime.services
    people = [PersonInfo(user_id=u, name=u.lower(), tz="Europe/Berlin") for u in TEAM_HUMANS]
    team, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE,
        channel_id=TEAM_CHANNEL,
        channel_name="team",
        caller=people[0],
        people=people,
    )
    await services.rounds.open(team=team)  # its DMs pending, for the scheduler

    report = await slack.runtime.scheduler.tick()

    assert (report.sent, report.failed, report.errors) == (len(TEAM_HUMANS), 0, [])
    # Four DMs side by side wanted the token at once: one refresh, before any of them.
    (grant,) = refresh_grants(slack.fake)
    dms = slack.fake.calls_to("chat.postMessage", ok=True)
    assert len(dms) == len(TEAM_HUMANS)
    assert all(dm.at > grant.at for dm in dms)
    assert refused_auth(slack.fake) == []  # none went out with the old token
    assert (await stored(slack))["token"] == slack.fake.bot_token != old


# --- InstalledTokens and TokenRotation on their own, over one installation store


@pytest.fixture
async def store(databases: DatabaseFactory) -> AsyncIterator[InstallationStore]:
    db = Database(await databases.create("sqlite"))
    try:
        yield InstallationStore(
            client_id="1111.2222", engine=db.engine, cipher=TokenCipher(ENCRYPTION_KEY)
        )
    finally:
        await db.dispose()


def rotation_for(
    fake: FakeSlack, store: InstallationStore, clock: FrozenClock, session: aiohttp.ClientSession
) -> TokenRotation:
    settings = Settings(slack_api_url=fake.base_url)
    return TokenRotation(
        client_id="1111.2222",
        client_secret="simulated-client-secret",
        client=web_client(settings, session),
        store=store,
        clock=clock,
    )


async def save_bot(fake: FakeSlack, store: InstallationStore, *, expires_at: float) -> Bot:
    bot = Bot(
        app_id=fake.app_id,
        team_id=fake.workspace_id,
        bot_token=fake.bot_token,
        bot_refresh_token=fake.bot_refresh_token,
        bot_token_expires_at=int(expires_at),
        bot_id=fake.bot_id,
        bot_user_id=fake.bot_user_id,
        installed_at=time.time(),
    )
    await store.async_save_bot(bot)
    return bot


async def test_a_refused_refresh_keeps_the_token_while_it_lasts_and_an_expired_one_is_dropped(
    fake_slack: FakeSlack, store: InstallationStore
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    fake_slack.rotate_tokens(current_expires_in=30)
    old = fake_slack.bot_token
    await save_bot(fake_slack, store, expires_at=clock.now().timestamp() + 30)
    fake_slack.fail("oauth.v2.access", error="internal_error", times=1)
    async with aiohttp.ClientSession() as session:
        tokens = InstalledTokens(
            store=store, clock=clock, rotation=rotation_for(fake_slack, store, clock, session)
        )
        kept = await tokens.bot_token(WORKSPACE)  # the refresh is refused: still 30 s left
        clock.advance(timedelta(seconds=31))  # cached for a minute, but expired now
        fresh = await tokens.bot_token(WORKSPACE)

    assert kept == old
    assert fresh == fake_slack.bot_token != old
    assert [c.error for c in fake_slack.calls_to("oauth.v2.access")] == ["internal_error", None]
    found = await store.async_find_bot(enterprise_id=None, team_id=WORKSPACE)
    assert found is not None
    assert found.bot_token == fresh


async def test_a_refresh_another_replica_made_first_is_found_in_the_store(
    fake_slack: FakeSlack, store: InstallationStore
) -> None:
    clock = FrozenClock(datetime.now(UTC))
    fake_slack.rotate_tokens(current_expires_in=600)
    stale = await save_bot(fake_slack, store, expires_at=clock.now().timestamp() + 600)
    async with aiohttp.ClientSession() as session:
        one = InstalledTokens(
            store=store, clock=clock, rotation=rotation_for(fake_slack, store, clock, session)
        )
        other = rotation_for(fake_slack, store, clock, session)
        first = await one.bot_token(WORKSPACE)  # refreshes, saves
        # The other replica had read the old token: Slack refuses its spent refresh token.
        second = await other.perform_bot_token_rotation(bot=stale)

    assert second is not None
    assert second.bot_token == first == fake_slack.bot_token
    assert [c.error for c in fake_slack.calls_to("oauth.v2.access")] == [
        None,
        "invalid_refresh_token",
    ]


async def test_a_dm_refused_token_expired_is_left_for_later_not_failed(
    fake_slack: FakeSlack,
) -> None:
    fake_slack.expire_token()  # rotation on, and the token already expired
    async with aiohttp.ClientSession() as session:
        settings = Settings(slack_bot_token=fake_slack.bot_token, slack_api_url=fake_slack.base_url)
        gateway = SlackGateway(
            client=web_client(settings, session),
            session=session,
            clock=FrozenClock(datetime.now(UTC)),
        )
        with pytest.raises(PlatformError) as refused:
            await SlackPlatform(gateway=gateway).send_pulse(
                workspace_id=WORKSPACE,
                user_id=ALICE,
                pulse=PulseView(team_name="team", round_id=1, round_number=1, min_respondents=3),
            )

    assert (refused.value.reason, refused.value.passing) == ("token_expired", True)
