"""The Microsoft 365 Agents SDK host: one connection manager, adapter and agent application.

``CloudAdapter`` and ``AgentApplication`` share one ``MsalConnectionManager`` built from our
``Settings`` (``MICROSOFT_APP_ID``/``_PASSWORD``/``_TENANT_ID``). Incoming requests are
authenticated by the SDK's JWT check against ``agent_configuration``; anonymous access is
allowed only when ``SDO_TEAMS_ALLOW_ANONYMOUS_UNSAFE`` says so (local runs and tests).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import (
    AgentApplication,
    AgentAuthConfiguration,
    ClaimsIdentity,
    MemoryStorage,
    RestChannelServiceClientFactory,
    TurnState,
)
from microsoft_agents.hosting.core.authorization import AuthTypes

from bot.config import Settings

CHANNEL_ID = "msteams"
# The audience of the tokens the bot sends with (the Bot Connector's).
CONNECTOR_AUDIENCE = "https://api.botframework.com"


@dataclass(frozen=True)
class TeamsHost:
    """The SDK's parts, built once per server.

    Attributes:
        adapter: receives activities and sends them (its connector clients).
        app: routes activities to our listeners.
        clients: makes the connector clients (with the bot's token) for both: the adapter's
            replies and our proactive calls.
        auth: what the JWT check validates incoming tokens against.
        app_id: the bot's Microsoft App ID ("" in anonymous mode).
    """

    adapter: CloudAdapter
    app: AgentApplication[TurnState]
    clients: RestChannelServiceClientFactory
    auth: AgentAuthConfiguration
    app_id: str

    @property
    def anonymous(self) -> bool:
        return self.auth.ANONYMOUS_ALLOWED

    def outgoing_identity(self) -> ClaimsIdentity:
        """Who the bot is when it speaks first (proactive sends): no claims in anonymous mode,
        which makes the SDK send without a token; else the app id, whose token MSAL gets."""
        if self.anonymous:
            return ClaimsIdentity({}, authentication_type="anonymous")
        return self.adapter.create_claims_identity(self.app_id)


def teams_host(settings: Settings) -> TeamsHost:
    """The SDK host for ``settings`` (Teams must be enabled in them)."""
    auth = AgentAuthConfiguration(
        auth_type=AuthTypes.client_secret,
        client_id=settings.microsoft_app_id or None,
        client_secret=settings.microsoft_app_password or None,
        tenant_id=settings.microsoft_app_tenant_id or None,
        anonymous_allowed=settings.teams_allow_anonymous_unsafe,
    )
    if settings.teams_allow_anonymous_unsafe:
        # Anonymous turns have no app id: the SDK warns of it on every activity (local runs).
        logging.getLogger(
            "microsoft_agents.hosting.core.connector.client.user_token_client"
        ).setLevel(logging.ERROR)
    connections = MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": auth})
    clients = RestChannelServiceClientFactory(connections)
    adapter = CloudAdapter(connection_manager=connections, channel_service_client_factory=clients)
    options: dict[str, Any] = {
        "storage": MemoryStorage(),
        "bot_app_id": settings.microsoft_app_id,
        # No "typing…" activities: our answers come at once, and proactive chats stay quiet.
        "start_typing_timer": False,
        "remove_recipient_mention": True,
    }
    app: AgentApplication[TurnState] = AgentApplication[TurnState](
        connection_manager=connections, **options
    )
    return TeamsHost(
        adapter=adapter, app=app, clients=clients, auth=auth, app_id=settings.microsoft_app_id
    )
