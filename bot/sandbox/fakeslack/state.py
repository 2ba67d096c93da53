"""The workspace state: its directory plus what its conversations, views and files hold now."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from bot.sandbox.fakeslack.directory import Directory
from bot.sandbox.fakeslack.protocol import JsonDict

# How many posts a response URL takes, as on Slack (which also lets them expire after 30 min).
RESPONSE_URL_USES = 5
# How long a bot token lives when the app has token rotation turned on: 12 hours, like Slack's.
TOKEN_LIFETIME_SECONDS = 12 * 60 * 60


class Workspace(Directory):
    """A directory and everything the Web API has stored in it: the state the methods share.

    A part of ``FakeSlack``, whose docstring describes the public attributes. The underscored
    ones are the bookkeeping of the method handlers of this package (issued triggers, pending
    uploads, response URLs, the message index).
    """

    def __init__(self, **identity: str) -> None:
        """An empty workspace.

        Args:
            **identity: The keyword arguments of ``Directory``.
        """
        super().__init__(**identity)
        self.messages: dict[str, list[JsonDict]] = {}
        self.ephemerals: list[JsonDict] = []
        self.views: dict[str, JsonDict] = {}
        self.home_views: dict[str, JsonDict] = {}
        self.files: dict[str, JsonDict] = {}
        self.uploads: dict[str, bytes] = {}
        self.opened_dms: dict[str, str] = {}
        self.oauth_codes: set[str] = set()
        # Token rotation (off until ``rotate_tokens``): the refresh token, and when the bot
        # token expires on ``token_clock``.
        self.bot_refresh_token: str | None = None
        self.token_expires_at: float | None = None
        self.token_lifetime: float = TOKEN_LIFETIME_SECONDS
        self.token_clock: Callable[[], float] = time.monotonic
        # Set by the server once it listens; the methods put it in URLs they hand out.
        self._root_url: str | None = None
        self._message_index: dict[tuple[str, str], JsonDict] = {}
        self._mpims: dict[tuple[str, ...], str] = {}
        self._used_triggers: set[str] = set()
        self._pending_files: dict[str, JsonDict] = {}
        self._upload_keys: dict[str, str] = {}
        self._response_urls: dict[str, JsonDict] = {}
        self._revisions: dict[tuple[str, str], int] = {}
        self._serial = 0
        self._last_ts_micros = 0

    @property
    def url(self) -> str:
        """Server root, e.g. ``http://127.0.0.1:41234/``."""
        if self._root_url is None:
            raise RuntimeError("FakeSlack is not started")
        return self._root_url

    def new_response_url(
        self,
        *,
        channel_id: str | None = None,
        user_id: str | None = None,
        message_ts: str | None = None,
    ) -> str:
        """A response URL on this server, as Slack puts in slash command and action payloads.

        POSTs to it are recorded as ``Call(method="response_url", args=<JSON payload>)`` and
        answered ``{"ok": true}``; like Slack's, each URL takes ``RESPONSE_URL_USES`` posts, then
        answers HTTP 404 ``{"ok": false, "error": "used_url"}``. With ``channel_id``, an
        ``"response_type": "in_channel"`` payload is also stored in ``messages[channel_id]``.
        With ``message_ts`` too (the URL of a click on a message's button), ``"replace_original":
        true`` replaces that message in place (same ``ts``; Block Kit checked like
        ``chat.update``) and ``"delete_original": true`` deletes it.

        Args:
            channel_id: The channel the command or action came from.
            user_id: The user who triggered it.
            message_ts: The message the clicked button sits in (needs ``channel_id``).

        Returns:
            The absolute URL.
        """
        if message_ts is not None and channel_id is None:
            raise ValueError("a response URL for a message needs its channel_id")
        key = f"{self._next_serial()}-{secrets.token_hex(8)}"
        self._response_urls[key] = {
            "channel_id": channel_id,
            "user_id": user_id,
            "message_ts": message_ts,
            "uses": 0,
        }
        return f"{self.url}response/{key}"

    def message_revision(self, channel_id: str, ts: str) -> int:
        """How many times a message was changed in place: 0 as posted, then one more for each
        ``chat.update`` and each ``replace_original`` through a response URL.

        Args:
            channel_id: The conversation.
            ts: The message's ``ts``.

        Returns:
            The count (0 too for a message that is not there).
        """
        return self._revisions.get((channel_id, ts), 0)

    def new_oauth_code(self) -> str:
        """A one-time code, as Slack hands to the redirect URL after "Allow"."""
        code = f"code-{self._next_serial()}-{secrets.token_hex(4)}"
        self.oauth_codes.add(code)
        return code

    def rotate_tokens(
        self,
        *,
        expires_in: float = TOKEN_LIFETIME_SECONDS,
        current_expires_in: float | None = None,
    ) -> None:
        """Turn Slack's token rotation on, as an app's settings page does.

        The bot token now expires (calls with it are then answered ``token_expired``); the code
        exchange hands out a refresh token with it, and ``oauth.v2.access`` with
        ``grant_type=refresh_token`` trades that for a new token and refresh token. The token
        and refresh token traded in are revoked (``invalid_auth``, ``invalid_refresh_token``).

        Args:
            expires_in: Seconds each new token lives (Slack: 12 hours).
            current_expires_in: Seconds the current token has left; ``expires_in`` if None.
        """
        self.token_lifetime = expires_in
        self.bot_refresh_token = self._new_refresh_token()
        left = expires_in if current_expires_in is None else current_expires_in
        self.token_expires_at = self.token_clock() + left

    def expire_token(self) -> None:
        """Let the bot token expire now (token rotation is turned on if it was not)."""
        if self.bot_refresh_token is None:
            self.rotate_tokens()
        self.token_expires_at = self.token_clock()

    @property
    def token_expires_in(self) -> int | None:
        """Whole seconds the bot token has left (``expires_in``); None when it never expires."""
        if self.token_expires_at is None:
            return None
        return max(0, int(self.token_expires_at - self.token_clock()))

    # --- for the method handlers

    def _token_expired(self) -> bool:
        """Whether the bot token has expired (only ever with token rotation on)."""
        return self.token_expires_at is not None and self.token_clock() >= self.token_expires_at

    def _refresh_tokens(self) -> None:
        """Trade the refresh token in: a new bot token and refresh token; the old ones revoked."""
        self.bot_token = f"xoxe.xoxb-1-{self._next_serial()}-{secrets.token_hex(12)}"
        self.bot_refresh_token = self._new_refresh_token()
        self.token_expires_at = self.token_clock() + self.token_lifetime

    def _new_refresh_token(self) -> str:
        return f"xoxe-1-{self._next_serial()}-{secrets.token_hex(12)}"

    def _next_serial(self) -> int:
        """The next number for an id (views, files, response URLs, codes): unique per fake."""
        self._serial += 1
        return self._serial

    def _next_ts(self) -> str:
        """A Slack message timestamp: unique and increasing, ``"1700000000.000100"``-shaped."""
        micros = max(time.time_ns() // 1000, self._last_ts_micros + 1)
        self._last_ts_micros = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _new_message(self, args: JsonDict) -> JsonDict:
        """A message from the bot with the content of ``args``, and a new ``ts``."""
        message: JsonDict = {
            "type": "message",
            "user": self.bot_user_id,
            "bot_id": self.bot_id,
            "app_id": self.app_id,
            "team": self.workspace_id,
            "text": args.get("text") or "",
            "ts": self._next_ts(),
        }
        for name in ("blocks", "attachments", "thread_ts", "metadata"):
            if args.get(name) is not None:
                message[name] = args[name]
        return message

    def _store_message(self, channel_id: str, message: JsonDict) -> None:
        """Append ``message`` to a conversation, findable by ``_message_at``."""
        self.messages.setdefault(channel_id, []).append(message)
        self._message_index[(channel_id, message["ts"])] = message

    def _message_at(self, channel_id: str, ts: str) -> JsonDict | None:
        """The stored message (live) with this ``ts`` in this conversation, if any."""
        return self._message_index.get((channel_id, ts))

    def _edited(self, channel_id: str, ts: str) -> None:
        """Count one change in place of a stored message (see ``message_revision``)."""
        key = (channel_id, ts)
        self._revisions[key] = self._revisions.get(key, 0) + 1

    def _delete_message(self, channel_id: str, ts: str) -> bool:
        """Remove a stored message from its conversation; False when it is not there."""
        message = self._message_index.pop((channel_id, ts), None)
        if message is None:
            return False
        conversation = self.messages[channel_id]
        conversation[:] = [kept for kept in conversation if kept is not message]
        return True
