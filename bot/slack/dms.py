"""Each member's DM channel with the bot, opened once and remembered.

A person's DM channel with a bot never changes, yet ``conversations.open`` (Tier 3, about 50
calls a minute) before every pulse DM made it the limit of every round. The ledger already
stores the channel of every DM it sent (``delivery.channel_id``): a member's latest one is read
from there (and kept in this process's memory once opened or read), so a team's second and
later rounds open nothing, at no extra write. A channel Slack no longer takes
(``channel_not_found``…) is forgotten and opened anew once.
"""

from __future__ import annotations

from storage import ledger as ledger_sql
from storage.db import Database

MAX_KEPT = 200_000
# Slack's answers to a post into a DM channel that is no longer the person's.
STALE_CHANNEL_ERRORS = frozenset({"channel_not_found", "is_archived", "not_in_channel"})


class DMChannels:
    """Remembered DM channels, per workspace and user.

    Args:
        db: the app's database (the delivery ledger).
    """

    def __init__(self, *, db: Database) -> None:
        self.db = db
        self._kept: dict[tuple[str, str], str] = {}

    async def get(self, *, workspace_id: str, user_id: str) -> str | None:
        kept = self._kept.get((workspace_id, user_id))
        if kept is not None:
            return kept
        async with self.db.read() as s:
            found = await ledger_sql.last_dm_channel(s, workspace_id=workspace_id, user_id=user_id)
        if found is not None:
            self._keep(workspace_id, user_id, found)
        return found

    def remember(self, *, workspace_id: str, user_id: str, channel_id: str) -> None:
        """A channel just opened (the ledger stores it with the DM sent into it)."""
        self._keep(workspace_id, user_id, channel_id)

    def forget(self, *, workspace_id: str, user_id: str) -> None:
        self._kept.pop((workspace_id, user_id), None)

    def _keep(self, workspace_id: str, user_id: str, channel_id: str) -> None:
        if len(self._kept) >= MAX_KEPT:
            self._kept.clear()  # rare: start over rather than track recency
        self._kept[(workspace_id, user_id)] = channel_id
