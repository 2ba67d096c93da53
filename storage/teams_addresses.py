"""Where Microsoft Teams is reached: tenants, channels, members' one-to-one chats, pictures.

Teams has no "open a DM" call that is cheap to repeat and no file host for card images, so the
Teams adapter keeps these addresses (its *conversation references*) here, in the same database
as everything else, per workspace (``msteams:<tenant id>``). ``teams.delete_workspace`` deletes
them with the rest of a workspace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.sql import dialect_insert, rowcount
from storage.tables import PictureRow, TeamsChannelRow, TeamsChatRow, TeamsTenantRow


@dataclass(frozen=True, slots=True)
class TeamsTenant:
    workspace_id: str
    tenant_id: str
    service_url: str
    bot_id: str


@dataclass(frozen=True, slots=True)
class TeamsChannel:
    workspace_id: str
    channel_id: str
    teams_team_id: str
    name: str
    service_url: str


@dataclass(frozen=True, slots=True)
class TeamsChat:
    workspace_id: str
    user_id: str
    conversation_id: str
    service_url: str


async def save_tenant(
    s: AsyncSession,
    *,
    workspace_id: str,
    tenant_id: str,
    service_url: str,
    bot_id: str,
    now: datetime,
) -> None:
    """Remember (or refresh) where a tenant is reached; Teams may move its service URL."""
    values = {"tenant_id": tenant_id, "service_url": service_url, "bot_id": bot_id}
    insert = dialect_insert(s, TeamsTenantRow).values(
        workspace_id=workspace_id, updated_at=now, **values
    )
    await s.execute(
        insert.on_conflict_do_update(
            index_elements=["workspace_id"], set_={**values, "updated_at": now}
        )
    )


async def tenant(s: AsyncSession, *, workspace_id: str) -> TeamsTenant | None:
    row = (
        await s.execute(
            select(TeamsTenantRow).where(col(TeamsTenantRow.workspace_id) == workspace_id)
        )
    ).scalar_one_or_none()
    if row is None:
        return None
    return TeamsTenant(row.workspace_id, row.tenant_id, row.service_url, row.bot_id)


async def save_channel(
    s: AsyncSession,
    *,
    workspace_id: str,
    channel_id: str,
    teams_team_id: str,
    name: str,
    service_url: str,
    now: datetime,
) -> None:
    """Remember a channel and its Teams team (a name already known is kept when none is given)."""
    values: dict[str, object] = {"teams_team_id": teams_team_id, "service_url": service_url}
    if name:
        values["name"] = name
    insert = dialect_insert(s, TeamsChannelRow).values(
        workspace_id=workspace_id, channel_id=channel_id, updated_at=now, **{"name": name, **values}
    )
    await s.execute(
        insert.on_conflict_do_update(
            index_elements=["workspace_id", "channel_id"], set_={**values, "updated_at": now}
        )
    )


def _channel(row: TeamsChannelRow) -> TeamsChannel:
    return TeamsChannel(
        row.workspace_id, row.channel_id, row.teams_team_id, row.name, row.service_url
    )


async def channel(s: AsyncSession, *, workspace_id: str, channel_id: str) -> TeamsChannel | None:
    row = (
        await s.execute(
            select(TeamsChannelRow).where(
                col(TeamsChannelRow.workspace_id) == workspace_id,
                col(TeamsChannelRow.channel_id) == channel_id,
            )
        )
    ).scalar_one_or_none()
    return _channel(row) if row is not None else None


async def any_channel(s: AsyncSession, *, workspace_id: str) -> TeamsChannel | None:
    """One channel of the tenant (to look a person up in its team's roster)."""
    row = (
        await s.execute(
            select(TeamsChannelRow)
            .where(col(TeamsChannelRow.workspace_id) == workspace_id)
            .order_by(col(TeamsChannelRow.updated_at).desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    return _channel(row) if row is not None else None


async def forget_teams_team(s: AsyncSession, *, workspace_id: str, teams_team_id: str) -> int:
    """Forget a Teams team's channels (the bot was removed from it); the channels still known
    in the tenant afterwards."""
    await s.execute(
        delete(TeamsChannelRow).where(
            col(TeamsChannelRow.workspace_id) == workspace_id,
            col(TeamsChannelRow.teams_team_id) == teams_team_id,
        )
    )
    left = await s.execute(
        select(func.count())
        .select_from(TeamsChannelRow)
        .where(col(TeamsChannelRow.workspace_id) == workspace_id)
    )
    return int(left.scalar_one())


async def chats(s: AsyncSession, *, workspace_id: str, user_ids: list[str]) -> dict[str, TeamsChat]:
    """The stored one-to-one chats of these members (those never messaged are missing)."""
    if not user_ids:
        return {}
    rows = (
        await s.execute(
            select(TeamsChatRow).where(
                col(TeamsChatRow.workspace_id) == workspace_id,
                col(TeamsChatRow.user_id).in_(user_ids),
            )
        )
    ).scalars()
    return {
        r.user_id: TeamsChat(r.workspace_id, r.user_id, r.conversation_id, r.service_url)
        for r in rows
    }


async def save_chat(
    s: AsyncSession,
    *,
    workspace_id: str,
    user_id: str,
    conversation_id: str,
    service_url: str,
    now: datetime,
) -> None:
    values = {"conversation_id": conversation_id, "service_url": service_url}
    insert = dialect_insert(s, TeamsChatRow).values(
        workspace_id=workspace_id, user_id=user_id, updated_at=now, **values
    )
    await s.execute(
        insert.on_conflict_do_update(
            index_elements=["workspace_id", "user_id"], set_={**values, "updated_at": now}
        )
    )


async def save_picture(
    s: AsyncSession, *, key: str, workspace_id: str, png: bytes, now: datetime
) -> bool:
    """Store a picture under its key once; False when it was stored already."""
    insert = dialect_insert(s, PictureRow).values(
        key=key, workspace_id=workspace_id, png=png, created_at=now
    )
    return rowcount(await s.execute(insert.on_conflict_do_nothing(index_elements=["key"]))) > 0


async def picture(s: AsyncSession, *, key: str) -> bytes | None:
    png = (
        await s.execute(select(col(PictureRow.png)).where(col(PictureRow.key) == key))
    ).scalar_one_or_none()
    return bytes(png) if png is not None else None


async def channels_of(s: AsyncSession, *, workspace_id: str, teams_team_id: str) -> list[str]:
    """The known channel ids of one Teams team."""
    rows = await s.execute(
        select(col(TeamsChannelRow.channel_id)).where(
            col(TeamsChannelRow.workspace_id) == workspace_id,
            col(TeamsChannelRow.teams_team_id) == teams_team_id,
        )
    )
    return [str(r) for r in rows.scalars()]
