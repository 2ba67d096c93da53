"""The workspace directory: its identity, its people and its channels, and who can see what."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.sandbox.fakeslack.protocol import JsonDict


class Directory:
    """Who is in the workspace and which channels it has.

    A part of ``FakeSlack``, whose docstring describes the attributes. The underscored lookups
    are for the method handlers of this package.
    """

    def __init__(
        self,
        *,
        workspace_id: str,
        bot_user_id: str,
        bot_token: str,
        bot_id: str,
        app_id: str,
        team_name: str,
    ) -> None:
        """An empty directory but for the bot user and Slackbot.

        Args: as ``FakeSlack``'s.
        """
        self.workspace_id = workspace_id
        self.bot_user_id = bot_user_id
        self.bot_token = bot_token
        self.bot_id = bot_id
        self.app_id = app_id
        self.team_name = team_name
        self.users: dict[str, JsonDict] = {}
        self.channels: dict[str, JsonDict] = {}
        self.channel_members: dict[str, list[str]] = {}
        self._channel_names: dict[str, str] = {}
        self.add_user(bot_user_id, name="sdo-pulse", real_name="SDO Pulse", is_bot=True)
        # Every workspace has Slackbot; it is not a bot by users.info (is_bot false), only by id.
        self.add_user("USLACKBOT", name="slackbot", real_name="Slackbot", tz="America/Los_Angeles")

    def add_user(
        self,
        user_id: str,
        *,
        name: str,
        real_name: str | None = None,
        tz: str = "Europe/Berlin",
        is_bot: bool = False,
        deleted: bool = False,
        is_admin: bool = False,
        is_owner: bool = False,
        status_emoji: str = "",
        status_text: str = "",
        status_expiration: int = 0,
    ) -> JsonDict:
        """Add (or replace) a workspace member.

        Args:
            user_id: Slack user id, e.g. ``"U012AB3CD"``.
            name: Handle (``name``, ``profile.display_name``).
            real_name: Full name; defaults to ``name``.
            tz: IANA time zone; ``tz_offset``/``tz_label`` are derived from it.
            is_bot: A bot user.
            deleted: A deactivated account.
            is_admin: Workspace admin.
            is_owner: Workspace owner.
            status_emoji: ``profile.status_emoji``, e.g. ``":palm_tree:"``.
            status_text: ``profile.status_text``, e.g. ``"Vacationing"``.
            status_expiration: ``profile.status_expiration``: epoch seconds, 0 = never.

        Returns:
            The ``users.info`` ``user`` object, live: changing it changes later answers.
        """
        full_name = real_name or name
        try:
            now = datetime.now(ZoneInfo(tz))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {tz!r}") from exc
        offset = now.utcoffset()
        user: JsonDict = {
            "id": user_id,
            "team_id": self.workspace_id,
            "name": name,
            "deleted": deleted,
            # A stable colour per user, as Slack gives; nothing secret hangs on the hash.
            "color": hashlib.sha1(user_id.encode(), usedforsecurity=False).hexdigest()[:6],
            "real_name": full_name,
            "tz": tz,
            "tz_label": now.tzname() or tz,
            "tz_offset": int(offset.total_seconds()) if offset is not None else 0,
            "profile": {
                "real_name": full_name,
                "real_name_normalized": full_name,
                "display_name": name,
                "display_name_normalized": name,
                "team": self.workspace_id,
                "status_emoji": status_emoji,
                "status_text": status_text,
                "status_expiration": status_expiration,
            },
            "is_admin": is_admin,
            "is_owner": is_owner,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "is_bot": is_bot,
            "is_app_user": False,
            "updated": int(time.time()),
        }
        if is_bot:
            user["profile"]["bot_id"] = (
                self.bot_id if user_id == self.bot_user_id else f"B{user_id}"
            )
        self.users[user_id] = user
        return user

    def set_status(
        self, user_id: str, *, emoji: str = "", text: str = "", expiration: int = 0
    ) -> None:
        """Set (or, with no arguments, clear) a member's status, as they would in Slack:
        ``users.info`` and ``users.list`` answer with it from now on."""
        profile = self.users[user_id]["profile"]
        profile.update(status_emoji=emoji, status_text=text, status_expiration=expiration)

    def add_channel(
        self, channel_id: str, *, name: str, members: Sequence[str], is_private: bool = False
    ) -> JsonDict:
        """Add (or replace) a channel.

        Args:
            channel_id: Channel id, e.g. ``"C012AB3CD"``.
            name: Channel name without ``#``.
            members: Member ids in the order ``conversations.members`` lists them. Include
                ``bot_user_id`` when the bot was invited (``conversations.info`` ``is_member``).
            is_private: A private channel.

        Returns:
            The ``conversations.info`` ``channel`` object, live.
        """
        channel: JsonDict = {
            "id": channel_id,
            "name": name,
            "name_normalized": name,
            "is_channel": not is_private,
            "is_group": is_private,
            "is_im": False,
            "is_mpim": False,
            "is_private": is_private,
            "is_archived": False,
            "is_general": False,
            "is_shared": False,
            "is_org_shared": False,
            "is_ext_shared": False,
            "context_team_id": self.workspace_id,
            "created": int(time.time()),
            "creator": members[0] if members else self.bot_user_id,
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
        }
        self.channels[channel_id] = channel
        self.channel_members[channel_id] = list(members)
        self._channel_names[name] = channel_id
        return channel

    def add_generated_team(
        self,
        *,
        users: int,
        channel_id: str = "CTEAM",
        channel_name: str = "team",
        tz: str = "Europe/Berlin",
    ) -> list[str]:
        """Add ``users`` generated humans (``U00000001``…) and a channel holding them and the bot.

        Args:
            users: How many people.
            channel_id: The channel's id.
            channel_name: The channel's name.
            tz: Everyone's time zone.

        Returns:
            The generated user ids, in channel order.
        """
        ids = [f"U{number:08d}" for number in range(1, users + 1)]
        for number, user_id in enumerate(ids, start=1):
            self.add_user(user_id, name=f"user{number}", real_name=f"User {number}", tz=tz)
        self.add_channel(channel_id, name=channel_name, members=[*ids, self.bot_user_id])
        return ids

    def dm_channel_id(self, user_id: str) -> str:
        """The DM channel id the fake uses for the bot's DM with ``user_id`` (``"D" + user_id``)."""
        return f"D{user_id}"

    # --- lookups for the method handlers

    def _dm_user(self, channel_id: str) -> str | None:
        """The user whose DM with the bot ``channel_id`` is, if it is one."""
        if channel_id.startswith("D") and channel_id[1:] in self.users:
            return channel_id[1:]
        return None

    def _visible_channel(self, channel_id: Any) -> bool:
        """A channel the bot can see: public, or private with the bot among its members."""
        if not isinstance(channel_id, str) or channel_id not in self.channels:
            return False
        private = self.channels[channel_id]["is_private"]
        return not private or self.bot_user_id in self.channel_members[channel_id]

    def _is_conversation(self, channel_id: Any) -> bool:
        """A channel the bot can see, or its DM with a user."""
        return self._visible_channel(channel_id) or (
            isinstance(channel_id, str) and self._dm_user(channel_id) is not None
        )

    def _members_of(self, channel_id: Any) -> list[str] | None:
        """Who is in a conversation the bot can see (a DM: the user and the bot), else None."""
        if not isinstance(channel_id, str):
            return None
        if self._visible_channel(channel_id):
            return self.channel_members[channel_id]
        user_id = self._dm_user(channel_id)
        return [user_id, self.bot_user_id] if user_id else None

    def _dm_error(self, user_id: str) -> str | None:
        """Why the bot cannot DM ``user_id``, as Slack's error code; None when it can."""
        user = self.users.get(user_id)
        if user is None:
            return "user_not_found"
        if user["is_bot"]:
            return "cannot_dm_bot"
        if user["deleted"]:
            return "user_disabled"
        return None

    def _resolve_post_target(self, channel: Any) -> tuple[str | None, str | None]:
        """(conversation id, error) for a chat.postMessage ``channel``: id, user id or name."""
        if not isinstance(channel, str) or not channel:
            return None, "channel_not_found"
        if self._visible_channel(channel):
            return (
                (None, "is_archived") if self.channels[channel]["is_archived"] else (channel, None)
            )
        user_id = self._dm_user(channel) or (channel if channel in self.users else None)
        if user_id is not None:
            error = self._dm_error(user_id)
            if error == "user_disabled":  # a DM with a deactivated account is archived
                return None, "is_archived"
            return (None, error) if error else (self.dm_channel_id(user_id), None)
        by_name = self._channel_names.get(channel.removeprefix("#"))
        if by_name is not None and self._visible_channel(by_name):
            return by_name, None
        return None, "channel_not_found"
