"""The Teams adapter's own records: where each tenant, channel and member's chat is reached,
and the pictures its cards show. Stored with everything else (``storage.teams_addresses``)."""

from __future__ import annotations

from bot.clock import Clock
from storage import teams_addresses as sql
from storage.db import Database
from storage.teams_addresses import TeamsChannel, TeamsChat, TeamsTenant

WORKSPACE_PREFIX = "msteams:"


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
    """

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

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
        async with self.db.read() as s:
            return await sql.tenant(s, workspace_id=workspace_id)

    async def channel(self, *, workspace_id: str, channel_id: str) -> TeamsChannel | None:
        async with self.db.read() as s:
            return await sql.channel(s, workspace_id=workspace_id, channel_id=channel_id)

    async def any_channel(self, *, workspace_id: str) -> TeamsChannel | None:
        async with self.db.read() as s:
            return await sql.any_channel(s, workspace_id=workspace_id)

    async def chat(self, *, workspace_id: str, user_id: str) -> TeamsChat | None:
        async with self.db.read() as s:
            found = await sql.chats(s, workspace_id=workspace_id, user_ids=[user_id])
        return found.get(user_id)

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

    async def channels_of(self, *, workspace_id: str, teams_team_id: str) -> list[str]:
        async with self.db.read() as s:
            return await sql.channels_of(s, workspace_id=workspace_id, teams_team_id=teams_team_id)

    async def forget_teams_team(self, *, workspace_id: str, teams_team_id: str) -> int:
        """Forget a Teams team the bot was removed from; the channels the tenant has left."""
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
