"""The workspace state: its directory plus what its conversations, views and files hold now."""

from __future__ import annotations

import secrets
import time

from bot.sandbox.fakeslack.directory import Directory
from bot.sandbox.fakeslack.protocol import JsonDict

# How many posts a response URL takes, as on Slack (which also lets them expire after 30 min).
RESPONSE_URL_USES = 5


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

    # --- for the method handlers

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
