"""Each member's DM channel with the bot, learnt from the first DM and remembered.

A person's DM channel with a bot never changes. A first DM is posted to the user id (Slack puts
it in that channel and answers with its id); later ones go to the channel. The ledger already
stores the channel of every DM it sent (``delivery.channel_id``): a workspace's channels are read
from there in one query the first time this process sends into it (a thousand members due at
once cost one read, not a thousand), then kept in memory. Not knowing a channel costs nothing
extra (the DM goes to the user id), so a channel another replica learnt since is simply learnt
again. A channel Slack no longer takes (``channel_not_found``…) is forgotten.
"""

from __future__ import annotations

import math

from bot.services.cache import SingleFlightCache
from bot.slack.installs import MAX_WORKSPACES
from storage import ledger as ledger_sql
from storage.db import Database

# Slack's answers to a post into a DM channel that is no longer the person's.
STALE_CHANNEL_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})


class DMChannels:
    """Remembered DM channels, per workspace and user.

    Args:
        db: the app's database (the delivery ledger).
    """

    def __init__(self, *, db: Database) -> None:
        self.db = db
        self._workspaces = SingleFlightCache[dict[str, str]](
            ttl=math.inf, max_entries=MAX_WORKSPACES
        )

    async def get(self, *, workspace_id: str, user_id: str) -> str | None:
        async def load() -> dict[str, str]:
            async with self.db.read() as s:
                return await ledger_sql.dm_channels(s, workspace_id=workspace_id)

        channels = await self._workspaces.get_or_compute(workspace_id, load)
        return channels.get(user_id)

    def remember(self, *, workspace_id: str, user_id: str, channel_id: str) -> None:
        """A channel Slack just named (the ledger stores it with the DM sent into it)."""
        channels = self._workspaces.get(workspace_id)
        if channels is not None:
            channels[user_id] = channel_id

    def forget(self, *, workspace_id: str, user_id: str) -> None:
        channels = self._workspaces.get(workspace_id)
        if channels is not None:
            channels.pop(user_id, None)

    def forget_workspace(self, workspace_id: str) -> None:
        """Drop what is kept about a workspace (it uninstalled the app)."""
        self._workspaces.forget(workspace_id)
