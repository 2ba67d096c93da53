"""The delivery ledger as the fan-out uses it: lease rows, renew, release, mark, count."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from bot.domain.model import Delivery, SentDM, Team
from bot.services.store import UseCases
from storage import ledger as ledger_sql


class Ledger(UseCases):
    """Use cases over a round's delivery rows (``bot.delivery.fanout`` drives them)."""

    async def claim(
        self, *, team: Team, round_id: int, owner: str, lease: timedelta, limit: int
    ) -> list[Delivery]:
        """Lease up to ``limit`` of the round's unsent deliveries to ``owner`` for ``lease``."""
        now = self.store.now()
        async with self.store.write(affects_status=False) as s:
            return await ledger_sql.claim_deliveries(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                owner=owner,
                now=now,
                until=now + lease,
                limit=limit,
            )

    async def renew(self, *, owner: str, lease: timedelta) -> int:
        """Extend the leases ``owner`` holds (it is alive and still sending)."""
        async with self.store.write(affects_status=False) as s:
            return await ledger_sql.renew_leases(s, owner=owner, until=self.store.now() + lease)

    async def release(
        self,
        *,
        team: Team,
        round_id: int,
        user_id: str,
        owner: str,
        error: str,
        retry_in: timedelta,
    ) -> None:
        """Put a delivery back to pending after a passing failure; retried after ``retry_in``."""
        now = self.store.now()
        async with self.store.write() as s:
            await ledger_sql.release_delivery(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                user_id=user_id,
                owner=owner,
                error=error,
                retry_at=now + retry_in,
                now=now,
            )

    async def mark_sent(self, *, team: Team, round_id: int, sent: Sequence[SentDM]) -> None:
        """Record several DMs the platform accepted, in one transaction."""
        async with self.store.write() as s:
            await ledger_sql.mark_sent_many(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                sent=sent,
                now=self.store.now(),
            )

    async def mark_failed(self, *, team: Team, round_id: int, user_id: str, error: str) -> None:
        """Record that the platform refused a member's DM for good (``error`` says why)."""
        async with self.store.write() as s:
            await ledger_sql.mark_failed(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                user_id=user_id,
                error=error,
                now=self.store.now(),
            )

    async def pending(self) -> int:
        """Pulse DMs of open rounds not sent yet, every workspace together (the metrics)."""
        async with self.store.read() as s:
            return await ledger_sql.count_pending_deliveries(s)
