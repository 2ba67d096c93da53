"""The Teams side of a running app, built once and handed to every ``register(app, ctx)``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.clock import Clock
from bot.config import Settings
from bot.metrics import TEAMS, Metrics
from bot.services import Services
from bot.teams.addresses import TeamsAddresses
from bot.teams.connector import TeamsConnector
from bot.teams.host import TeamsHost
from bot.teams.platform import TeamsPlatform
from storage.db import Database


@dataclass(frozen=True, slots=True)
class TeamsContext:
    """Settings, the use cases, the SDK host, the connector, the addresses and the platform."""

    settings: Settings
    services: Services
    host: TeamsHost
    connector: TeamsConnector
    addresses: TeamsAddresses
    platform: TeamsPlatform


def teams_context(
    settings: Settings,
    *,
    host: TeamsHost,
    db: Database,
    services: Services,
    clock: Clock,
    metrics: Metrics | None = None,
) -> TeamsContext:
    """Everything that speaks to Teams, around the SDK ``host`` (built with the web app);
    ``metrics`` counts its 429s, pulse DMs and digests."""
    metrics = metrics or Metrics(platforms=(TEAMS,))
    connector = TeamsConnector(host=host, concurrency=settings.send_concurrency, metrics=metrics)
    addresses = TeamsAddresses(db=db, clock=clock)
    return TeamsContext(
        settings=settings,
        services=services,
        host=host,
        connector=connector,
        addresses=addresses,
        platform=TeamsPlatform(
            connector=connector, addresses=addresses, public_url=settings.public_url
        ),
    )
