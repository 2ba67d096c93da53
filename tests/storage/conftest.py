"""Fixtures for the storage tests: reading raw rows back, seeding teams, rounds and deliveries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Round, Team
from bot.domain.scoring import ScoringRules
from storage import ledger, people, rounds, teams
from storage.db import Database
from storage.tables import metadata

RowReader = Callable[..., Awaitable[list[dict[str, Any]]]]
TeamMaker = Callable[..., Awaitable[Team]]
RoundMaker = Callable[..., Awaitable[Round]]
DeliveryMaker = Callable[[Round, Sequence[str]], Awaitable[int]]


@pytest.fixture
def rows(db: Database) -> RowReader:
    """``await rows("answer", round_id=1)``: the stored rows of a table, as dicts.

    A plain SELECT on the table, bypassing the storage modules, so tests see what was stored.
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
            team, _ = await teams.upsert_team(
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
            rnd, _ = await rounds.open_round(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                period=period,
                now=clock.now(),
            )
        return rnd

    return make


@pytest.fixture
def new_deliveries(db: Database, clock: FrozenClock) -> DeliveryMaker:
    """``await new_deliveries(rnd, ["U1", "U2"])``: the product's path to pending deliveries.

    The users become the round's team (active in the workspace and the team, nobody else), then
    ``create_team_deliveries`` records a delivery for each; returns how many it created.
    """

    async def make(rnd: Round, user_ids: Sequence[str]) -> int:
        ws, now = rnd.workspace_id, clock.now()
        async with db.write() as s:
            for user in user_ids:
                await people.upsert_member(
                    s, workspace_id=ws, user_id=user, name=user, tz=None, now=now
                )
            await teams.set_team_members(
                s, workspace_id=ws, team_id=rnd.team_id, user_ids=user_ids, now=now
            )
            return await ledger.create_team_deliveries(
                s, workspace_id=ws, team_id=rnd.team_id, round_id=rnd.id, now=now
            )

    return make


async def add_answer(
    db: Database,
    clock: FrozenClock,
    rnd: Round,
    user_id: str,
    circle: Circle,
    value: AnswerValue,
) -> None:
    """Store a member's answer in its own transaction."""
    async with db.write() as s:
        await rounds.upsert_answer(
            s,
            workspace_id=rnd.workspace_id,
            round_id=rnd.id,
            user_id=user_id,
            circle=circle,
            value=value,
            now=clock.now(),
        )


async def add_note(
    db: Database,
    clock: FrozenClock,
    rnd: Round,
    user_id: str,
    circle: Circle,
    note: str | None,
    internal_customer: bool = False,
) -> None:
    """Store a member's note in its own transaction."""
    async with db.write() as s:
        await rounds.upsert_note(
            s,
            workspace_id=rnd.workspace_id,
            round_id=rnd.id,
            user_id=user_id,
            circle=circle,
            note=note,
            internal_customer=internal_customer,
            now=clock.now(),
        )


async def insert_deliveries(
    session: AsyncSession, rnd: Round, user_ids: Sequence[str], *, now: datetime
) -> None:
    """Raw pending ``delivery`` rows for any users, members of the team or not.

    Test data only (the product records deliveries for active members alone): it stands for
    rows that outlived a membership, e.g. of a member who left after the round opened.
    """
    await session.execute(
        insert(metadata.tables["delivery"]),
        [
            {
                "workspace_id": rnd.workspace_id,
                "round_id": rnd.id,
                "user_id": user,
                "status": "pending",
                "attempts": 0,
                "updated_at": now,
            }
            for user in user_ids
        ],
    )


async def write_rules(db: Database, team: Team, rules: ScoringRules) -> None:
    """Store a team's scoring rules with a raw UPDATE (the product only ever reads them)."""
    table = metadata.tables["team"]
    async with db.write() as s:
        await s.execute(
            update(table)
            .where(table.c.workspace_id == team.workspace_id, table.c.id == team.id)
            .values(threshold=rules.threshold, min_respondents=rules.min_respondents)
        )
