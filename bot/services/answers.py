"""A member's own answers: a click, an evidence note, and reading them back (only to them)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Answer, DeliveryStatus, Round, Team
from bot.domain.views import AnswerOutcome
from bot.services.store import UseCases
from storage import ledger as ledger_sql
from storage import questions as questions_sql
from storage import rounds as rounds_sql
from storage import teams as teams_sql
from storage.db import Session

NOTE_MAX_CHARS = 500


class Answers(UseCases):
    """Use cases about one member's answers to one round."""

    async def record(
        self,
        *,
        workspace_id: str,
        round_id: int,
        user_id: str,
        circle: Circle,
        value: AnswerValue,
    ) -> AnswerOutcome:
        """Store a member's click, unless the round is closed or was not sent to them."""

        async def store(s: Session) -> None:
            await rounds_sql.upsert_answer(
                s,
                workspace_id=workspace_id,
                round_id=round_id,
                user_id=user_id,
                circle=circle,
                value=value,
                now=self.store.now(),
            )

        return await self._change(
            workspace_id=workspace_id, round_id=round_id, user_id=user_id, change=store
        )

    async def save_note(
        self,
        *,
        workspace_id: str,
        round_id: int,
        user_id: str,
        circle: Circle,
        note: str,
        internal_customer: bool,
    ) -> AnswerOutcome:
        """Store a member's evidence note (at most ``NOTE_MAX_CHARS`` characters)."""
        text = note.strip()
        if len(text) > NOTE_MAX_CHARS:
            return AnswerOutcome(stored=False, reason="too_long")

        async def store(s: Session) -> None:
            await rounds_sql.upsert_note(
                s,
                workspace_id=workspace_id,
                round_id=round_id,
                user_id=user_id,
                circle=circle,
                note=text or None,
                internal_customer=internal_customer,
                now=self.store.now(),
            )

        return await self._change(
            workspace_id=workspace_id, round_id=round_id, user_id=user_id, change=store
        )

    async def _change(
        self,
        *,
        workspace_id: str,
        round_id: int,
        user_id: str,
        change: Callable[[Session], Awaitable[None]],
    ) -> AnswerOutcome:
        """Apply ``change`` to the member's answers, unless the round refuses it; the outcome
        carries their answers as they now stand."""
        async with self.store.write() as s:
            refused = await _refusal(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
            if isinstance(refused, AnswerOutcome):
                return refused
            rnd, team = refused
            await change(s)
            answers = await rounds_sql.member_answers(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
            wording = await questions_sql.get_wording(s, workspace_id=workspace_id, team_id=team.id)
            members = await teams_sql.count_team_members(
                s, workspace_id=workspace_id, team_id=team.id
            )
        return AnswerOutcome(
            stored=True,
            reason=None,
            round=rnd,
            team=team,
            answers=answers,
            wording=wording,
            members=members,
        )

    async def mine(
        self, *, workspace_id: str, round_id: int, user_id: str
    ) -> tuple[Round | None, Team | None, dict[Circle, Answer]]:
        """The round, its team and the member's own answers to it (for that member only)."""
        async with self.store.read() as s:
            rnd = await rounds_sql.get_round(s, workspace_id=workspace_id, round_id=round_id)
            if rnd is None:
                return None, None, {}
            team = await teams_sql.get_team(s, workspace_id=workspace_id, team_id=rnd.team_id)
            answers = await rounds_sql.member_answers(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
        return rnd, team, answers


async def _refusal(
    s: Session, *, workspace_id: str, round_id: int, user_id: str
) -> AnswerOutcome | tuple[Round, Team]:
    """Why an answer to ``round_id`` cannot be stored, or the round and team when it can."""
    rnd = await rounds_sql.get_round(s, workspace_id=workspace_id, round_id=round_id)
    if rnd is None:
        return AnswerOutcome(stored=False, reason="unknown_round")
    team = await teams_sql.get_team(s, workspace_id=workspace_id, team_id=rnd.team_id)
    if team is None:
        return AnswerOutcome(stored=False, reason="unknown_round")
    if not rnd.is_open:
        wording = await questions_sql.get_wording(s, workspace_id=workspace_id, team_id=team.id)
        return AnswerOutcome(stored=False, reason="closed", round=rnd, team=team, wording=wording)
    delivery = await ledger_sql.get_delivery(
        s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
    )
    if delivery is None or delivery.status is DeliveryStatus.AWAY:
        return AnswerOutcome(stored=False, reason="not_asked", round=rnd, team=team)
    return rnd, team
