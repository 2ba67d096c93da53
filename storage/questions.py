"""A team's own wording of the pulse questions (``team_question``): one row per reworded circle.

Session first, keyword-only arguments after it, scoped by workspace, domain records out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.domain.circles import CIRCLES, Circle
from bot.domain.questions import Wording
from storage.sql import dialect_insert
from storage.tables import TeamQuestionRow

_QUESTION = TeamQuestionRow.__table__  # type: ignore[attr-defined]
_BY_VALUE = {c.value: c for c in CIRCLES}


async def get_wording(session: AsyncSession, *, workspace_id: str, team_id: int) -> Wording:
    """The team's wording (the default for every circle it did not reword)."""
    q = _QUESTION.c
    rows = await session.execute(
        select(q.circle, q.text).where(q.workspace_id == workspace_id, q.team_id == team_id)
    )
    return Wording.of({_BY_VALUE[c]: text for c, text in rows if c in _BY_VALUE})


async def set_wording(
    session: AsyncSession,
    *,
    workspace_id: str,
    team_id: int,
    texts: Mapping[Circle, str | None],
    by: str | None,
    now: datetime,
) -> None:
    """Store a text per circle in ``texts`` (None: back to the default); others unchanged."""
    q = _QUESTION.c
    for circle, text in texts.items():
        if text is None:
            await session.execute(
                delete(_QUESTION).where(
                    q.workspace_id == workspace_id,
                    q.team_id == team_id,
                    q.circle == circle.value,
                )
            )
            continue
        values = {"text": text, "updated_by": by, "updated_at": now}
        stmt = dialect_insert(session, TeamQuestionRow).values(
            workspace_id=workspace_id, team_id=team_id, circle=circle.value, **values
        )
        await session.execute(
            stmt.on_conflict_do_update(
                index_elements=["workspace_id", "team_id", "circle"], set_=values
            )
        )
