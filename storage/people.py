"""People in a workspace as the platform describes them: names, time zones, admin rights.

Session first, keyword-only arguments after it; scoped by workspace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.sql import upsert_rows
from storage.tables import MemberRow


@dataclass(frozen=True, slots=True)
class PersonRow:
    """What the platform says about one person, as ``upsert_members`` stores it."""

    user_id: str
    name: str
    tz: str | None
    is_admin: bool = False
    active: bool = True


async def upsert_members(
    session: AsyncSession, *, workspace_id: str, people: Iterable[PersonRow], now: datetime
) -> None:
    """Store what the platform says about people, replacing what was stored before.

    One statement executed for all of them (a 5,000-member channel's setup was 5,000
    statements); a person named twice is stored as the last one says.
    """
    latest = {p.user_id: p for p in people}
    rows = [
        {
            "workspace_id": workspace_id,
            "user_id": p.user_id,
            "name": p.name,
            "tz": p.tz,
            "active": p.active,
            "is_admin": p.is_admin,
            "updated_at": now,
        }
        for p in latest.values()
    ]
    await upsert_rows(
        session,
        MemberRow,
        rows,
        keys=["workspace_id", "user_id"],
        replaced=["name", "tz", "active", "is_admin", "updated_at"],
    )


async def upsert_member(
    session: AsyncSession,
    *,
    workspace_id: str,
    user_id: str,
    name: str,
    tz: str | None,
    now: datetime,
    active: bool = True,
    is_admin: bool = False,
) -> None:
    """Store what the platform says about a person, replacing what was stored before."""
    person = PersonRow(user_id=user_id, name=name, tz=tz, is_admin=is_admin, active=active)
    await upsert_members(session, workspace_id=workspace_id, people=[person], now=now)


async def is_workspace_admin(session: AsyncSession, *, workspace_id: str, user_id: str) -> bool:
    """Whether the platform says ``user_id`` administers the workspace."""
    row = await session.execute(
        select(col(MemberRow.is_admin)).where(
            col(MemberRow.workspace_id) == workspace_id, col(MemberRow.user_id) == user_id
        )
    )
    return bool(row.scalar_one_or_none())
