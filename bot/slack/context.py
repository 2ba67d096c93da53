"""What listeners need, handed to every ``register(app, ctx)``."""

from __future__ import annotations

from dataclasses import dataclass

from bot.config import Settings
from bot.services.core import Services
from bot.slack.gateway import SlackGateway
from bot.slack.pictures import Pictures
from storage.installations import InstallationStore


@dataclass(frozen=True, slots=True)
class AppContext:
    """Settings, the use cases, the Slack gateway and the pictures."""

    settings: Settings
    services: Services
    gateway: SlackGateway
    pictures: Pictures
    # Multi-workspace mode only: where installs (and their tokens) are stored.
    installations: InstallationStore | None = None
