"""Multi-workspace installs: the OAuth flow's settings and each workspace's bot token.

On when ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_SCOPES`` are set; otherwise the
app runs for one workspace with ``SLACK_BOT_TOKEN``. Tokens live in slack-sdk's installation
tables on our database, encrypted when ``SDO_ENCRYPTION_KEY`` is set.
"""

from __future__ import annotations

from datetime import timedelta

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.config import Settings
from bot.services.cache import SingleFlightCache
from storage.installations import InstallationStore, TokenCipher, state_store

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
TOKEN_CACHE_TTL = timedelta(minutes=1)
MAX_WORKSPACES = 100_000


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

    A workspace's token is read once however many calls want it at once (a round's DMs).

    Args:
        store: the installation store.
        clock: for the cache.
    """

    def __init__(self, *, store: InstallationStore, clock: Clock) -> None:
        self.store = store
        self._cache = SingleFlightCache[str | None](
            ttl=TOKEN_CACHE_TTL.total_seconds(),
            max_entries=MAX_WORKSPACES,
            monotonic=lambda: clock.now().timestamp(),
        )

    async def bot_token(self, workspace_id: str) -> str | None:
        async def look_up() -> str | None:
            bot = await self.store.async_find_bot(enterprise_id=None, team_id=workspace_id)
            return bot.bot_token if bot else None

        return await self._cache.get_or_compute(workspace_id, look_up)

    def forget(self, workspace_id: str) -> None:
        self._cache.forget(workspace_id)
