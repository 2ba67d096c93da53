"""The app factory: one Bolt ``AsyncApp`` with every listener registered. No module globals."""

from __future__ import annotations

import logging

from slack_bolt.async_app import AsyncApp

from bot.slack.context import AppContext
from bot.slack.listeners import actions, commands, errors, events, releases, views


def create_app(ctx: AppContext) -> AsyncApp:
    """Build the Bolt app over the app's one Slack context.

    Request signatures are verified by the HTTP layer (``bot.slack.http``) before Bolt sees a
    request, with the app's injected clock; Socket Mode needs no signature.

    Args:
        ctx: the settings, use cases, gateway and platform (and, multi-workspace, the installs).
    """
    app = AsyncApp(
        # Single-workspace mode: the client carries the token. Multi-workspace: Bolt finds
        # each workspace's token in the installation store.
        client=ctx.gateway.client,
        signing_secret=ctx.settings.slack_signing_secret,
        request_verification_enabled=False,
        oauth_settings=ctx.oauth,
        logger=logging.getLogger("slack_bolt"),
    )
    commands.register(app, ctx)
    actions.register(app, ctx)
    releases.register(app, ctx)
    views.register(app, ctx)
    events.register(app, ctx)
    app.error(errors.on_error)
    return app
