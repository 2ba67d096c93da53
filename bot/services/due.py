"""The scheduler's claims on due work: arm, close, pulse, remind, what to send and post.

The tick (``bot.delivery.scheduler``) asks these; each claims its work in the database with a
compare-and-set first, so a restarted process or a second replica never acts twice.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.model import DueTeam, PendingWork, ReminderTarget, Round, TeamRound, valid_tz
from bot.services.rounds import open_round_in
from bot.services.schedule import next_pulse_at
from bot.services.store import UseCases
from storage import due as due_sql
from storage import ledger as ledger_sql
from storage import rounds as rounds_sql
from storage import teams as teams_sql
from storage.db import DatabaseUnavailable, Session

log = logging.getLogger(__name__)

# How many due teams (or rounds) one scheduler step takes on at a time.
SCHEDULER_BATCH = 100
# Due pulses opened in one write transaction: a fan-out's writes (claims, marks) queue with the
# opening's, so one transaction per team would leave the opening behind the sending.
OPEN_BATCH = 20


class DueWork(UseCases):
    """Use cases the scheduler tick runs, each claiming what it acts on."""

    async def pending(self, *, digest_within: timedelta, lease: timedelta) -> PendingWork:
        """Which scheduler steps have work now (one query: most ticks find nothing)."""
        now = self.store.now()
        async with self.store.read() as s:
            return await due_sql.pending_work(
                s, now=now, closed_since=now - digest_within, stale_before=now - lease
            )

    async def arm(self) -> int:
        """Give each scheduled team that has no next pulse time one, computed from now."""
        now = self.store.now()
        async with self.store.read() as s:
            if not await due_sql.teams_without_next_pulse(s, limit=1):
                return 0  # the usual case: no write transaction for nothing
        async with self.store.write(affects_status=False) as s:
            teams = await due_sql.teams_without_next_pulse(s, limit=SCHEDULER_BATCH)
            armed = 0
            for team in teams:
                armed += await due_sql.set_next_pulse(
                    s,
                    workspace_id=team.workspace_id,
                    team_id=team.id,
                    pulse_at=next_pulse_at(team.schedule, valid_tz(team.tz), after=now),
                    only_if_unset=True,
                )
        return armed

    async def close_rounds(self) -> list[TeamRound]:
        """Close each round whose close time has come; only the claimer of that time closes."""
        now = self.store.now()
        async with self.store.read() as s:
            due = await due_sql.teams_due_to_close(s, now=now, limit=SCHEDULER_BATCH)
        closed: list[TeamRound] = []
        for item in due:
            team, ws = item.team, item.team.workspace_id
            async with self.store.write() as s:
                if not await due_sql.claim_close(
                    s, workspace_id=ws, team_id=team.id, seen=item.due_at
                ):
                    continue
                # A round opened after the close time came (a manual pulse) stays open.
                rounds = await rounds_sql.close_rounds_opened_before(
                    s, workspace_id=ws, team_id=team.id, before=item.due_at, now=now
                )
            closed += [TeamRound(team=team, round=r) for r in rounds]
        return closed

    async def open_pulses(self) -> list[TeamRound]:
        """Open the round of each team whose scheduled pulse has come (one batch), exactly once."""
        due = await self.pulses_due()
        opened: list[TeamRound] = []
        for start in range(0, len(due), OPEN_BATCH):
            opened += await self.open_pulses_of(due[start : start + OPEN_BATCH])
        return opened

    async def pulses_due(self) -> list[DueTeam]:
        """A batch of the teams whose scheduled pulse has come, the oldest first."""
        async with self.store.read() as s:
            return await due_sql.teams_due_to_pulse(s, now=self.store.now(), limit=SCHEDULER_BATCH)

    async def open_pulses_of(self, due: Sequence[DueTeam]) -> list[TeamRound]:
        """Open these teams' scheduled rounds, each once, in one write transaction.

        A team's next pulse moves on (computed from now, so a long outage yields one pulse, not
        a backlog) in the transaction that opens its round and records its deliveries: a crash
        leaves either both or neither. A team whose pulse time another claimer took, or that
        has nobody to ask (its next pulse moves on all the same), opens nothing. A team whose
        opening fails (a schedule row no one can read) would roll back its neighbours at every
        tick: then each is opened on its own, and that one is logged and left.

        Returns:
            The rounds opened, in the order of ``due``.
        """
        try:
            return await self._open_together(due)
        except DatabaseUnavailable:
            raise
        except Exception:
            if len(due) == 1:
                raise
        opened: list[TeamRound] = []
        for item in due:
            try:
                opened += await self._open_together([item])
            except DatabaseUnavailable:
                raise
            except Exception:
                log.exception("could not open team %s's scheduled round", item.team.id)
        return opened

    async def _open_together(self, due: Sequence[DueTeam]) -> list[TeamRound]:
        now = self.store.now()
        opened: list[TeamRound] = []
        async with self.store.write() as s:
            for item in due:
                rnd = await self._open_pulse_in(s, item, now=now)
                if rnd is not None:
                    opened.append(TeamRound(team=item.team, round=rnd))
        return opened

    async def _open_pulse_in(self, s: Session, item: DueTeam, *, now: datetime) -> Round | None:
        team, ws = item.team, item.team.workspace_id
        tz = valid_tz(team.tz)
        upcoming = next_pulse_at(team.schedule, tz, after=now, last_pulse=item.due_at)
        if not await due_sql.claim_pulse(
            s, workspace_id=ws, team_id=team.id, seen=item.due_at, next_pulse_at=upcoming
        ):
            return None
        if not await teams_sql.count_team_members(s, workspace_id=ws, team_id=team.id):
            return None  # nobody to ask this time
        period = "sched:" + item.due_at.astimezone(ZoneInfo(tz)).date().isoformat()
        rnd, created = await open_round_in(s, team=team, period=period, now=now)
        return rnd if created else None

    async def claim_reminders(self) -> list[tuple[TeamRound, list[ReminderTarget]]]:
        """Claim each due reminder: the members of the open round still owing answers."""
        now = self.store.now()
        async with self.store.read() as s:
            due = await due_sql.teams_due_to_remind(s, now=now, limit=SCHEDULER_BATCH)
        claimed: list[tuple[TeamRound, list[ReminderTarget]]] = []
        for item in due:
            team, ws = item.team, item.team.workspace_id
            async with self.store.write(affects_status=False) as s:
                if not await due_sql.claim_reminder(
                    s, workspace_id=ws, team_id=team.id, seen=item.due_at
                ):
                    continue
                rnd = await rounds_sql.open_round_before(
                    s, workspace_id=ws, team_id=team.id, before=item.due_at
                )
                if rnd is None:
                    continue
                targets = await ledger_sql.claim_reminders(
                    s, workspace_id=ws, round_id=rnd.id, now=now
                )
            if targets:
                claimed.append((TeamRound(team=team, round=rnd), targets))
        return claimed

    async def rounds_to_send(self, *, seed: int | None = None) -> list[TeamRound]:
        """Open rounds with pulse DMs nobody is sending (new, interrupted or to retry).

        Args:
            seed: None for the oldest round first; else an order of this seed's own, so that
                replicas (or concurrent senders) with different seeds start on different
                rounds. Any int; e.g. a random one per tick.
        """
        async with self.store.read() as s:
            return await due_sql.rounds_to_send(
                s, now=self.store.now(), limit=SCHEDULER_BATCH, seed=seed
            )

    async def rounds_awaiting_digest(
        self, *, within: timedelta, lease: timedelta, seed: int | None = None
    ) -> list[TeamRound]:
        """Rounds closed in the last ``within`` whose digest is not posted (nor being posted).

        Args:
            seed: None for the earliest closed first; else as ``rounds_to_send``.
        """
        now = self.store.now()
        async with self.store.read() as s:
            return await due_sql.rounds_awaiting_digest(
                s,
                closed_since=now - within,
                stale_before=now - lease,
                limit=SCHEDULER_BATCH,
                seed=seed,
            )
