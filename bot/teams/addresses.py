"""The Teams adapter's own records: where each tenant, channel and member's chat is reached,
and the pictures its cards show. Stored with everything else (``storage.teams_addresses``).

A member's one-to-one chat never changes once made, so each process also keeps the chats it
has read or made (a fan-out to 1,000 members then reads none of them again); a tenant's
address is kept for ``TENANT_TTL_SECONDS``, as Teams may move its service URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.clock import Clock
from storage import teams_addresses as sql
from storage.db import Database
from storage.teams_addresses import TeamsChannel, TeamsChat, TeamsTenant

WORKSPACE_PREFIX = "msteams:"
TENANT_TTL_SECONDS = 60.0
MAX_KEPT_CHATS = 200_000


def workspace_of(tenant_id: str) -> str:
    """SDO Pulse's workspace id for a Teams tenant (never equal to a Slack ``T…`` id)."""
    return WORKSPACE_PREFIX + tenant_id


def is_teams_workspace(workspace_id: str) -> bool:
    return workspace_id.startswith(WORKSPACE_PREFIX)


class TeamsAddresses:
    """Read and remember Teams addresses, one short transaction each.

    Args:
        db: the app's database.
        clock: "now" for ``updated_at``.
        monotonic: the clock of the tenant addresses' time to live.
    """

    def __init__(
        self, *, db: Database, clock: Clock, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self.db = db
        self.clock = clock
        self._monotonic = monotonic
        self._chats: dict[tuple[str, str], TeamsChat] = {}
        self._tenants: dict[str, tuple[float, TeamsTenant]] = {}

    async def remember(
        self,
        *,
        workspace_id: str,
        tenant_id: str,
        service_url: str,
        bot_id: str,
        channel: tuple[str, str, str] | None = None,
    ) -> None:
        """What an incoming activity tells: the tenant's address and (from a channel of a
        team) ``(channel id, Teams team id, channel name)``."""
        self._tenants.pop(workspace_id, None)
        async with self.db.write() as s:
            await sql.save_tenant(
                s,
                workspace_id=workspace_id,
                tenant_id=tenant_id,
                service_url=service_url,
                bot_id=bot_id,
                now=self.clock.now(),
            )
            if channel is not None:
                channel_id, team_id, name = channel
                await sql.save_channel(
                    s,
                    workspace_id=workspace_id,
                    channel_id=channel_id,
                    teams_team_id=team_id,
                    name=name,
                    service_url=service_url,
                    now=self.clock.now(),
                )

    async def tenant(self, *, workspace_id: str) -> TeamsTenant | None:
        kept = self._tenants.get(workspace_id)
        if kept is not None and self._monotonic() - kept[0] < TENANT_TTL_SECONDS:
            return kept[1]
        async with self.db.read() as s:
            found = await sql.tenant(s, workspace_id=workspace_id)
        if found is not None:
            self._tenants[workspace_id] = (self._monotonic(), found)
        return found

    async def channel(self, *, workspace_id: str, channel_id: str) -> TeamsChannel | None:
        async with self.db.read() as s:
            return await sql.channel(s, workspace_id=workspace_id, channel_id=channel_id)

    async def any_channel(self, *, workspace_id: str) -> TeamsChannel | None:
        async with self.db.read() as s:
            return await sql.any_channel(s, workspace_id=workspace_id)

    async def chat(self, *, workspace_id: str, user_id: str) -> TeamsChat | None:
        kept = self._chats.get((workspace_id, user_id))
        if kept is not None:
            return kept
        async with self.db.read() as s:
            found = (await sql.chats(s, workspace_id=workspace_id, user_ids=[user_id])).get(user_id)
        if found is not None:
            self._keep(found)
        return found

    def _keep(self, chat: TeamsChat) -> None:
        if len(self._chats) >= MAX_KEPT_CHATS:
            self._chats.clear()  # rare: start over rather than track recency
        self._chats[(chat.workspace_id, chat.user_id)] = chat

    async def save_chat(
        self, *, workspace_id: str, user_id: str, conversation_id: str, service_url: str
    ) -> None:
        async with self.db.write() as s:
            await sql.save_chat(
                s,
                workspace_id=workspace_id,
                user_id=user_id,
                conversation_id=conversation_id,
                service_url=service_url,
                now=self.clock.now(),
            )
        self._keep(TeamsChat(workspace_id, user_id, conversation_id, service_url))

    async def channels_of(self, *, workspace_id: str, teams_team_id: str) -> list[str]:
        async with self.db.read() as s:
            return await sql.channels_of(s, workspace_id=workspace_id, teams_team_id=teams_team_id)

    async def forget_teams_team(self, *, workspace_id: str, teams_team_id: str) -> int:
        """Forget a Teams team the bot was removed from; the channels the tenant has left."""
        self._tenants.pop(workspace_id, None)
        for key in [k for k in self._chats if k[0] == workspace_id]:
            del self._chats[key]
        async with self.db.write() as s:
            return await sql.forget_teams_team(
                s, workspace_id=workspace_id, teams_team_id=teams_team_id
            )

    async def save_picture(self, *, key: str, workspace_id: str, png: bytes) -> None:
        async with self.db.write() as s:
            await sql.save_picture(
                s, key=key, workspace_id=workspace_id, png=png, now=self.clock.now()
            )

    async def picture(self, *, key: str) -> bytes | None:
        async with self.db.read() as s:
            return await sql.picture(s, key=key)
