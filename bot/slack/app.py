"""The app factory: one Bolt ``AsyncApp`` with every listener registered. No module globals."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings

from bot.config import Settings
from bot.services.core import Services
from bot.slack.context import AppContext
from bot.slack.gateway import SlackGateway
from bot.slack.listeners import actions, commands, events, views
from bot.slack.pictures import Pictures
from storage.installations import InstallationStore

log = logging.getLogger(__name__)


def create_app(
    settings: Settings,
    *,
    services: Services,
    gateway: SlackGateway,
    installations: InstallationStore | None = None,
    oauth: AsyncOAuthSettings | None = None,
) -> AsyncApp:
    """Build the Bolt app.

    Request signatures are verified by the HTTP layer (``bot.server``) before Bolt sees a
    request, with the app's injected clock; Socket Mode needs no signature.

    Args:
        settings: the loaded settings.
        services: the use cases over the database.
        gateway: the Slack Web API side (its client is the app's client).
        installations: multi-workspace mode: the installation store.
        oauth: multi-workspace mode: the OAuth flow's settings (install and redirect pages).
    """
    app = AsyncApp(
        # Single-workspace mode: the client carries the token. Multi-workspace: Bolt finds
        # each workspace's token in the installation store.
        client=gateway.client,
        signing_secret=settings.slack_signing_secret,
        request_verification_enabled=False,
        oauth_settings=oauth,
        logger=logging.getLogger("slack_bolt"),
    )
    ctx = AppContext(
        settings=settings,
        services=services,
        gateway=gateway,
        pictures=Pictures(gateway=gateway),
        installations=installations,
    )
    commands.register(app, ctx)
    actions.register(app, ctx)
    views.register(app, ctx)
    events.register(app, ctx)

    @app.error
    async def on_error(error: Exception) -> None:
        log.error("listener failed: %s", type(error).__name__, exc_info=error)

    return app
