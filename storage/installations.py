"""Multi-workspace installs: slack-sdk's SQLAlchemy stores on our database, tokens encrypted.

When ``SDO_ENCRYPTION_KEY`` is set, every token is encrypted with Fernet (AES-128-CBC with an
HMAC-SHA256, from the ``cryptography`` package) before it is written and decrypted when read;
a row written before the key was set still reads (it has no ``enc:`` prefix).
"""

from __future__ import annotations

import copy
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.installation_store.models.installation import Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.tables import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE

ENCRYPTED_PREFIX = "enc:"
TOKEN_FIELDS = ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token")
OAUTH_STATE_SECONDS = 600


class TokenCipher:
    """Encrypts tokens at rest.

    Args:
        key: a Fernet key (32 url-safe base64-encoded bytes); ``sdo keygen`` prints a new one.

    Raises:
        ValueError: the key is not a valid Fernet key.
    """

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode())

    def encrypt(self, token: str) -> str:
        if token.startswith(ENCRYPTED_PREFIX):
            return token
        return ENCRYPTED_PREFIX + self._fernet.encrypt(token.encode()).decode()

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(ENCRYPTED_PREFIX):
            return stored  # written before encryption was turned on
        try:
            return self._fernet.decrypt(stored[len(ENCRYPTED_PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise ValueError("a stored token does not decrypt with SDO_ENCRYPTION_KEY") from exc


def _with_tokens[T: (Bot, Installation)](record: T, transform: Any) -> T:
    changed = copy.copy(record)
    for field in TOKEN_FIELDS:
        value = getattr(changed, field, None)
        if isinstance(value, str) and value:
            setattr(changed, field, transform(value))
    return changed


class InstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack-sdk's installation store on our tables, encrypting tokens when given a cipher.

    Args:
        client_id: the Slack app's client id.
        engine: our database's (write) engine.
        cipher: encrypts tokens at rest; ``None`` stores them as slack-sdk does.
    """

    def __init__(
        self, *, client_id: str, engine: AsyncEngine, cipher: TokenCipher | None = None
    ) -> None:
        super().__init__(
            client_id=client_id,
            engine=engine,
            bots_table_name=BOTS_TABLE.name,
            installations_table_name=INSTALLATIONS_TABLE.name,
        )
        self.cipher = cipher

    def _sealed[T: (Bot, Installation)](self, record: T) -> T:
        return _with_tokens(record, self.cipher.encrypt) if self.cipher else record

    def _opened[T: (Bot, Installation)](self, record: T | None) -> T | None:
        if record is None or self.cipher is None:
            return record
        return _with_tokens(record, self.cipher.decrypt)

    async def async_save(self, installation: Installation) -> None:
        await super().async_save(self._sealed(installation))

    async def async_save_bot(self, bot: Bot) -> None:
        await super().async_save_bot(self._sealed(bot))

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        found = await super().async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._opened(found)

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await super().async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        return self._opened(found)


def state_store(engine: AsyncEngine) -> AsyncSQLAlchemyOAuthStateStore:
    """slack-sdk's OAuth state store on our ``slack_oauth_states`` table."""
    return AsyncSQLAlchemyOAuthStateStore(
        expiration_seconds=OAUTH_STATE_SECONDS,
        engine=engine,
        table_name=OAUTH_STATES_TABLE.name,
    )
