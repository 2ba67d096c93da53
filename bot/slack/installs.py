"""Multi-workspace installs: the OAuth flow's settings and each workspace's bot token.

On when ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_SCOPES`` are set; otherwise the
app runs for one workspace with ``SLACK_BOT_TOKEN``. Tokens live in slack-sdk's installation
tables on our database, encrypted when ``SDO_ENCRYPTION_KEY`` is set.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.config import Settings
from storage.installations import InstallationStore, TokenCipher, state_store

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
TOKEN_CACHE_TTL = timedelta(minutes=1)


def installation_store(settings: Settings, engine: AsyncEngine) -> InstallationStore:
    cipher = TokenCipher(settings.encryption_key) if settings.encryption_key else None
    return InstallationStore(client_id=settings.slack_client_id, engine=engine, cipher=cipher)


def oauth_settings(
    settings: Settings, *, store: InstallationStore, engine: AsyncEngine
) -> AsyncOAuthSettings:
    """Bolt's OAuth flow on ``/slack/install`` and ``/slack/oauth_redirect``."""
    return AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=state_store(engine),
    )


class InstalledTokens:
    """Each workspace's bot token from the installation store, cached for a minute.

    Args:
        store: the installation store.
        clock: for the cache.
    """

    def __init__(self, *, store: InstallationStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._cache: dict[str, tuple[datetime, str | None]] = {}

    async def bot_token(self, workspace_id: str) -> str | None:
        now = self.clock.now()
        cached = self._cache.get(workspace_id)
        if cached and now - cached[0] < TOKEN_CACHE_TTL:
            return cached[1]
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=workspace_id)
        token = bot.bot_token if bot else None
        self._cache[workspace_id] = (now, token)
        return token

    def forget(self, workspace_id: str) -> None:
        self._cache.pop(workspace_id, None)
