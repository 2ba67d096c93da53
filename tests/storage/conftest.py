"""Fixtures for the storage tests: reading raw rows back, and seeding teams and rounds."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import select

from bot.clock import FrozenClock
from bot.domain.model import Round, Team
from storage import repository as repo
from storage.db import Database
from storage.tables import metadata

RowReader = Callable[..., Awaitable[list[dict[str, Any]]]]
TeamMaker = Callable[..., Awaitable[Team]]
RoundMaker = Callable[..., Awaitable[Round]]


@pytest.fixture
def rows(db: Database) -> RowReader:
    """``await rows("answer", round_id=1)``: the stored rows of a table, as dicts.

    A plain SELECT on the table, bypassing the repository, so tests see what was really stored.
    """

    async def read(table: str, **equals: Any) -> list[dict[str, Any]]:
        t = metadata.tables[table]
        query = select(t).where(*(t.c[k] == v for k, v in equals.items()))
        async with db.read() as session:
            result = await session.execute(query.order_by(*t.primary_key.columns))
            return [dict(r) for r in result.mappings()]

    return read


@pytest.fixture
def new_team(db: Database, clock: FrozenClock) -> TeamMaker:
    """``await new_team(workspace_id="T1", channel_id="C1")``: register a team."""

    async def make(
        *, workspace_id: str = "T1", channel_id: str = "C1", name: str = "alpha"
    ) -> Team:
        async with db.write() as s:
            team, _ = await repo.upsert_team(
                s,
                workspace_id=workspace_id,
                channel_id=channel_id,
                name=name,
                tz="UTC",
                now=clock.now(),
            )
        return team

    return make


@pytest.fixture
def new_round(db: Database, clock: FrozenClock) -> RoundMaker:
    """``await new_round(team, "2026-W10")``: open a round for a team."""

    async def make(team: Team, period: str) -> Round:
        async with db.write() as s:
            rnd, _ = await repo.open_round(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                period=period,
                now=clock.now(),
            )
        return rnd

    return make
