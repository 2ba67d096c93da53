"""Multi-workspace installs: the OAuth flow's settings and each workspace's bot token.

On when ``SLACK_CLIENT_ID``, ``SLACK_CLIENT_SECRET`` and ``SLACK_SCOPES`` are set; otherwise the
app runs for one workspace with ``SLACK_BOT_TOKEN``. Tokens live in slack-sdk's installation
tables on our database, encrypted when ``SDO_ENCRYPTION_KEY`` is set.

Token rotation: a workspace installed while the Slack app has token rotation turned on gets a
bot token (``xoxe.xoxb-…``) that expires in 12 hours and a refresh token (``xoxe-1-…``) that
Slack revokes once used. A token in its last ``TOKEN_ROTATION_MINUTES`` is refreshed
(``oauth.v2.access``, ``grant_type=refresh_token``) before it is used, and the new pair saved
to the installation store: by Bolt's authorize for every request Slack sends (Bolt's built-in
rotation, given our rotator), and by ``InstalledTokens`` for what the app starts itself (the
scheduler's DMs, reminders and digests), which Bolt never sees. Both share one
``TokenRotation``: a token is refreshed once however many requests and DMs want it at once (a
second refresh would spend a revoked refresh token). Another replica's refresh is found in
the store when ours is refused. A cached token is never served past its expiry.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from slack_bolt.authorization.async_authorize import AsyncInstallationStoreAuthorize
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError, SlackTokenRotationError
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation.async_rotator import AsyncTokenRotator
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.clock import Clock
from bot.config import Settings
from bot.services.cache import SingleFlightCache
from storage.installations import InstallationStore, TokenCipher, state_store

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
TOKEN_CACHE_TTL = timedelta(minutes=1)
# The most workspaces a per-workspace cache holds (tokens here, DM channels in bot.slack.dms).
MAX_WORKSPACES = 100_000
# A rotating token is refreshed in its last two hours (Bolt's default; Slack's last 12).
TOKEN_ROTATION_MINUTES = 120
# How long a refresh is remembered for the callers that read the old token before it was saved.
REFRESH_KEPT = timedelta(minutes=10)


def installation_store(settings: Settings, engine: AsyncEngine) -> InstallationStore:
    cipher = TokenCipher(settings.encryption_key) if settings.encryption_key else None
    return InstallationStore(client_id=settings.slack_client_id, engine=engine, cipher=cipher)


def oauth_settings(
    settings: Settings,
    *,
    store: InstallationStore,
    engine: AsyncEngine,
    rotation: TokenRotation | None = None,
) -> AsyncOAuthSettings:
    """Bolt's OAuth flow on ``/slack/install`` and ``/slack/oauth_redirect``.

    Args:
        settings: the client id, secret and scopes.
        store: the installation store.
        engine: the OAuth state store's database.
        rotation: refreshes expiring tokens for Bolt's authorize (on the app's Web API client;
            Bolt's own would call slack.com with a client of its own).
    """
    oauth = AsyncOAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=list(settings.slack_scopes),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=store,
        state_store=state_store(engine),
        token_rotation_expiration_minutes=TOKEN_ROTATION_MINUTES,
    )
    if rotation is not None and isinstance(oauth.authorize, AsyncInstallationStoreAuthorize):
        oauth.authorize.token_rotator = rotation
    return oauth


def token_rotation(
    settings: Settings, *, client: AsyncWebClient, store: InstallationStore | None, clock: Clock
) -> TokenRotation | None:
    """The app's one ``TokenRotation`` (multi-workspace mode only: None without a store)."""
    if store is None:
        return None
    return TokenRotation(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        client=client,
        store=store,
        clock=clock,
    )


def expiring(expires_at: int | None, *, now: float, minutes: float) -> bool:
    """Whether a token expiring at ``expires_at`` (epoch seconds; None: never) is due a refresh."""
    return expires_at is not None and expires_at <= now + minutes * 60


class TokenRotation(AsyncTokenRotator):
    """slack-sdk's token rotator, refreshing each expiring bot token once.

    Callers that ask to rotate the same token at once (or within ``REFRESH_KEPT``, having read
    it before the new one was saved) share one ``oauth.v2.access`` refresh grant and its answer.

    Args:
        client_id: the Slack app's.
        client_secret: the Slack app's.
        client: the app's Web API client (its base URL, session and retries).
        store: where another replica's refresh is looked for when Slack refuses ours.
        clock: the app's clock (when tokens expire).

    Attributes:
        on_rotated: told of each new bot token (``InstalledTokens`` drops what it cached).
    """

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        client: AsyncWebClient,
        store: InstallationStore,
        clock: Clock,
    ) -> None:
        super().__init__(client_id=client_id, client_secret=client_secret, client=client)
        self.store = store
        self.clock = clock
        self.on_rotated: list[Callable[[Bot], None]] = []
        self._refreshes = SingleFlightCache[Bot | None](
            ttl=REFRESH_KEPT.total_seconds(),
            max_entries=MAX_WORKSPACES,
            monotonic=self._now,
        )

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def perform_bot_token_rotation(
        self, *, bot: Bot, minutes_before_expiration: int = TOKEN_ROTATION_MINUTES
    ) -> Bot | None:
        """The bot with a new token if its token is in its last ``minutes_before_expiration``.

        Returns:
            None when it is not due (or Slack answered with no bot token).

        Raises:
            SlackTokenRotationError: Slack refused the refresh and the store has no newer token.
        """
        if not bot.bot_refresh_token or not expiring(
            bot.bot_token_expires_at, now=self._now(), minutes=minutes_before_expiration
        ):
            return None
        # The key names the token replaced, not the token: whoever read it shares the refresh.
        key = hashlib.sha256(f"{bot.team_id}:{bot.bot_token}".encode()).hexdigest()
        return await self._refreshes.get_or_compute(
            key, lambda: self._refresh(bot, minutes_before_expiration)
        )

    async def _refresh(self, bot: Bot, minutes: int) -> Bot | None:
        try:
            answer = await self.client.oauth_v2_access(
                client_id=self.client_id,
                client_secret=self.client_secret,
                grant_type="refresh_token",
                refresh_token=bot.bot_refresh_token,
            )
        except SlackApiError as exc:
            newer = await self._refreshed_elsewhere(bot, minutes)
            if newer is None:
                log.error(
                    "could not refresh the bot token of %s: %s",
                    bot.team_id,
                    exc.response.get("error") or exc.response.status_code,
                )
                raise SlackTokenRotationError(exc) from exc
            return newer
        if answer.get("token_type") != "bot" or not answer.get("access_token"):
            return None
        refreshed = Bot(**bot.to_dict_for_copying())
        refreshed.bot_token = str(answer["access_token"])
        refreshed.bot_refresh_token = answer.get("refresh_token")
        refreshed.bot_token_expires_at = int(self._now()) + int(answer["expires_in"])
        log.info("refreshed the bot token of %s", bot.team_id)
        for listener in self.on_rotated:
            listener(refreshed)
        return refreshed

    async def _refreshed_elsewhere(self, bot: Bot, minutes: int) -> Bot | None:
        """The token another process refreshed and stored, if the store has a fresh one."""
        stored = await self.store.async_find_bot(
            enterprise_id=bot.enterprise_id, team_id=bot.team_id
        )
        if stored is None or stored.bot_token == bot.bot_token:
            return None
        if expiring(stored.bot_token_expires_at, now=self._now(), minutes=minutes):
            return None
        return stored


@dataclass(frozen=True, slots=True)
class _Token:
    value: str
    expires_at: int | None


class InstalledTokens:
    """Each workspace's bot token from the installation store, cached for a minute.

    A workspace's token is read once however many calls want it at once (a round's DMs). With
    ``rotation``, a token in its last ``TOKEN_ROTATION_MINUTES`` is refreshed when it is read,
    and the new one saved; a cached token is dropped once it expires (or is rotated).

    Args:
        store: the installation store.
        clock: for the cache, and when tokens expire.
        rotation: refreshes rotating tokens; None leaves them as stored.
    """

    def __init__(
        self, *, store: InstallationStore, clock: Clock, rotation: TokenRotation | None = None
    ) -> None:
        self.store = store
        self.clock = clock
        self.rotation = rotation
        self._cache = SingleFlightCache[_Token | None](
            ttl=TOKEN_CACHE_TTL.total_seconds(),
            max_entries=MAX_WORKSPACES,
            monotonic=lambda: clock.now().timestamp(),
        )
        if rotation is not None:
            rotation.on_rotated.append(lambda bot: self.forget(bot.team_id or ""))

    async def bot_token(self, workspace_id: str) -> str | None:
        token = await self._cache.get_or_compute(workspace_id, lambda: self._look_up(workspace_id))
        if token is not None and expiring(token.expires_at, now=self._now(), minutes=0):
            self.forget(workspace_id)  # expired while cached: read (and refresh) it again
            token = await self._cache.get_or_compute(
                workspace_id, lambda: self._look_up(workspace_id)
            )
        return token.value if token else None

    def forget(self, workspace_id: str) -> None:
        self._cache.forget(workspace_id)

    def _now(self) -> float:
        return self.clock.now().timestamp()

    async def _look_up(self, workspace_id: str) -> _Token | None:
        bot = await self.store.async_find_bot(enterprise_id=None, team_id=workspace_id)
        if bot is None or not bot.bot_token:
            return None
        if self.rotation is not None and bot.bot_refresh_token:
            bot = await self._rotated(bot)
        return _Token(value=bot.bot_token, expires_at=bot.bot_token_expires_at)

    async def _rotated(self, bot: Bot) -> Bot:
        """The bot with a fresh token, saved; the stored one while it lasts if Slack refuses."""
        assert self.rotation is not None
        try:
            refreshed = await self.rotation.perform_bot_token_rotation(
                bot=bot, minutes_before_expiration=TOKEN_ROTATION_MINUTES
            )
        except SlackTokenRotationError as exc:
            if expiring(bot.bot_token_expires_at, now=self._now(), minutes=0):
                raise exc.api_error from exc  # expired: the call fails (and is tried again)
            return bot  # still good for a while: refreshed at a later look-up
        if refreshed is None:
            return bot
        if refreshed.bot_token != bot.bot_token:
            await self._save(refreshed)
        return refreshed

    async def _save(self, bot: Bot) -> None:
        """Save a refreshed token where Bolt's authorize reads it (the installation) too."""
        assert bot.team_id is not None
        installation = await self.store.async_find_installation(
            enterprise_id=bot.enterprise_id, team_id=bot.team_id
        )
        if installation is None:
            await self.store.async_save_bot(bot)
            return
        installation.bot_token = bot.bot_token
        installation.bot_refresh_token = bot.bot_refresh_token
        installation.bot_token_expires_at = bot.bot_token_expires_at
        await self.store.async_save(installation)
