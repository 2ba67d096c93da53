"""The conversations: 1:1 chats, what each conversation holds now, and who is in it.

A 1:1 chat's id is derived from the tenant, the user and the bot (``a:1…``), so asking for
the same user's chat again, even from another fake, gives the same id, as Teams does.
Activity ids are Teams message ids: milliseconds since the epoch, unique and increasing
(``protocol.next_message_id``, shared with the simulator's messages).
"""

from __future__ import annotations

import base64
import hashlib

from bot.sandbox.faketeams.directory import Directory, User
from bot.sandbox.faketeams.protocol import (
    Answer,
    JsonDict,
    base_conversation_id,
    next_message_id,
)
from bot.sandbox.faketeams.recording import Created, Sent


class Conversations(Directory):
    """The directory and everything sent into it: a part of ``FakeTeams``."""

    def __init__(
        self,
        *,
        app_id: str,
        bot_name: str,
        tenant_id: str,
        max_page_size: int,
        max_message_bytes: int,
    ) -> None:
        """No conversations yet.

        Args: as ``FakeTeams``'s.
        """
        super().__init__(app_id=app_id, bot_name=bot_name, tenant_id=tenant_id)
        self.max_page_size = max_page_size
        self.max_message_bytes = max_message_bytes
        self.activities: dict[str, list[JsonDict]] = {}
        self.sent: list[Sent] = []
        self.updates: list[Sent] = []
        self.deleted: list[Sent] = []
        self.conversations_created: list[Created] = []
        # 1:1 chat id -> the user in it; and the way back.
        self.personal_chats: dict[str, str] = {}
        self._chat_of_user: dict[str, str] = {}

    def personal_conversation_id(self, user: str | User) -> str:
        """The id of the bot's 1:1 chat with ``user`` (a ``User`` or its id), opening it.

        The simulator uses this for a person writing to the bot first; the bot gets the same id
        from ``POST v3/conversations``.
        """
        user_id = user if isinstance(user, str) else user.id
        known = self.users.get(user_id)
        if known is None:
            raise ValueError(f"unknown user {user_id!r}")
        seed = f"{known.tenant_id}|{known.id}|{self.bot_id}".encode()
        digest = base64.urlsafe_b64encode(hashlib.sha256(seed).digest()).decode().rstrip("=")
        conversation_id = f"a:1{digest}"
        self.personal_chats[conversation_id] = known.id
        self._chat_of_user[known.id] = conversation_id
        return conversation_id

    def dm_of(self, user: str | User) -> list[JsonDict]:
        """The activities stored now in the bot's 1:1 chat with ``user`` (``[]`` if none)."""
        user_id = user if isinstance(user, str) else user.id
        conversation_id = self._chat_of_user.get(user_id)
        return list(self.activities.get(conversation_id, [])) if conversation_id else []

    def find_activity(self, activity_id: str) -> tuple[str, JsonDict] | None:
        """(conversation id, stored activity) of a bot activity the fake holds, if any."""
        for conversation_id, activities in self.activities.items():
            for activity in activities:
                if activity.get("id") == activity_id:
                    return conversation_id, activity
        return None

    def clear_conversations(self) -> None:
        """Forget every activity, record and opened chat (the directory stays)."""
        self.activities.clear()
        for records in (self.sent, self.updates, self.deleted, self.conversations_created):
            records.clear()
        self.personal_chats.clear()
        self._chat_of_user.clear()

    # --- for the operation handlers

    def _roster(self, conversation_id: str) -> list[User] | None:
        """Who is in a conversation the fake knows (a 1:1 chat: the user), else None."""
        user_id = self.personal_chats.get(conversation_id)
        if user_id is not None:
            return [self.users[user_id]]
        team = self.team_of(conversation_id)
        return self.roster_of_team(team) if team else None

    def _conversation_error(self, conversation_id: str | None) -> Answer | None:
        """Why the bot cannot use this conversation (404, or 403 as Teams says), else None."""
        if conversation_id is None:
            return Answer.error(400, "BadArgument", "A conversation id is required.")
        user_id = self.personal_chats.get(conversation_id)
        if user_id is not None:
            if self.users[user_id].blocked_bot:
                return Answer.error(
                    403, "ConversationBlockedByUser", "User blocked the conversation with the bot."
                )
            return None
        team = self.team_of(conversation_id)
        if team is None:
            return Answer.error(404, "ConversationNotFound", "Conversation not found.")
        if not team.bot_installed:
            return Answer.error(
                403, "BotNotInConversationRoster", "The bot is not part of the conversation roster."
            )
        return None

    def _can_reach(self, user: User) -> bool:
        """Whether the bot may open a 1:1 chat with ``user``: it shares an installed team, or
        the person already has a chat with it."""
        if user.id in self._chat_of_user:
            return True
        return any(
            team.bot_installed and user.id in team.member_ids for team in self.teams.values()
        )

    def _store(
        self, conversation_id: str, body: JsonDict, *, kind: str, at: float, reply_to: str | None
    ) -> str:
        """Store an activity the bot sent; record it in ``sent``; return its new id.

        A typing indicator is recorded but not stored: a conversation does not keep it.
        """
        activity_id = next_message_id()
        activity = {**body, "id": activity_id}
        if reply_to is not None:
            activity.setdefault("replyToId", reply_to)
        if body.get("type") != "typing":
            self.activities.setdefault(base_conversation_id(conversation_id), []).append(activity)
        self.sent.append(Sent(kind, conversation_id, activity_id, body, at, reply_to))
        return activity_id

    def _stored(self, conversation_id: str, activity_id: str) -> tuple[list[JsonDict], int] | None:
        """The list holding a stored activity and its index there, if it is stored."""
        activities = self.activities.get(base_conversation_id(conversation_id), [])
        for index, activity in enumerate(activities):
            if activity.get("id") == activity_id:
                return activities, index
        return None
