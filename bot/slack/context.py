"""The Slack side of a running app, built once and handed to every ``register(app, ctx)``."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.clock import Clock
from bot.config import Settings
from bot.delivery.pacing import SendPacer
from bot.delivery.pictures import Pictures
from bot.metrics import Metrics
from bot.services import Services
from bot.slack import installs
from bot.slack.dms import DMChannels
from bot.slack.gateway import SlackGateway
from bot.slack.platform import SlackPlatform
from bot.slack.retries import web_client
from storage.db import Database
from storage.installations import InstallationStore


@dataclass(frozen=True, slots=True)
class AppContext:
    """Settings, the use cases, the Slack gateway and platform, and (OAuth mode) the installs."""

    settings: Settings
    services: Services
    gateway: SlackGateway
    platform: SlackPlatform
    # Multi-workspace mode only: where installs (and their tokens) are stored, and the flow.
    installations: InstallationStore | None = None
    oauth: AsyncOAuthSettings | None = None

    @property
    def pictures(self) -> Pictures:
        return self.platform.pictures


def slack_context(
    settings: Settings,
    *,
    db: Database,
    services: Services,
    session: aiohttp.ClientSession,
    clock: Clock,
    metrics: Metrics | None = None,
) -> AppContext:
    """Everything that speaks to Slack, on the app's one aiohttp session.

    Args:
        settings: the loaded settings.
        db: the database (multi-workspace installs are stored in it).
        services: the use cases.
        session: shared by every Web API call and response_url post.
        clock: the app's clock.
        metrics: counts 429s, pulse DMs and digests (a fresh, unscraped set when None).
    """
    metrics = metrics or Metrics()
    pacer = SendPacer(bursts=True)  # Slack's limits are token buckets
    client = web_client(settings, session, pacer=pacer, metrics=metrics)
    store = installs.installation_store(settings, db.engine) if settings.oauth_enabled else None
    # Expiring tokens (Slack's token rotation) refreshed once, for Bolt and for the scheduler.
    rotation = installs.token_rotation(settings, client=client, store=store, clock=clock)
    gateway = SlackGateway(
        client=client,
        session=session,
        clock=clock,
        concurrency=settings.send_concurrency,
        tokens=installs.InstalledTokens(store=store, clock=clock, rotation=rotation)
        if store
        else None,
        pacer=pacer,
        dms=DMChannels(db=db),
    )
    return AppContext(
        settings=settings,
        services=services,
        gateway=gateway,
        platform=SlackPlatform(gateway=gateway, metrics=metrics),
        installations=store,
        oauth=installs.oauth_settings(settings, store=store, engine=db.engine, rotation=rotation)
        if store
        else None,
    )
