"""Use cases: repository and domain in, domain results out.

Platform-neutral: nothing here sees a Slack payload. Listeners, jobs and the demo call these.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import (
    Answer,
    Delivery,
    DeliveryStatus,
    NextRuns,
    PendingWork,
    ReminderTarget,
    Round,
    Schedule,
    SentDM,
    Team,
    TeamRound,
)
from bot.domain.nudges import nudges_for
from bot.domain.scoring import RoundScore, score_round
from bot.domain.trends import trend_of
from bot.domain.views import (
    AnswerOutcome,
    ChannelStatus,
    DigestView,
    HomeTeam,
    PersonInfo,
    Role,
    RoundView,
    TeamStatus,
)
from bot.services.cache import DEFAULT_TTL_SECONDS, SingleFlightCache
from bot.services.schedule import next_pulse_at, round_times
from storage import aggregates
from storage import due as due_sql
from storage import ledger as ledger_sql
from storage import rounds as rounds_sql
from storage import teams as teams_sql
from storage.aggregates import RoundAggregate, round_aggregates
from storage.db import Database

NOTE_MAX_CHARS = 500
TREND_WINDOW = 4
# How many due teams (or rounds) one scheduler step takes on at a time.
SCHEDULER_BATCH = 100
# `status all`: teams per read, and reads at a time (the database counts one chunk while the
# process scores another).
ORG_STATUS_CHUNK = 100
ORG_STATUS_READS = 2


class Services:
    """The application's use cases over one database and one clock.

    Args:
        db: the database.
        clock: the source of "now".
        status_ttl: seconds a computed status is reused (0: never). This process's own writes
            drop them at once; other processes' writes show at most this late.
        monotonic: the cache's time source (seconds); tests pass their own.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        status_ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.db = db
        self.clock = clock
        self._team_statuses: SingleFlightCache[TeamStatus] = SingleFlightCache(
            ttl=status_ttl, monotonic=monotonic
        )
        self._channel_statuses: SingleFlightCache[ChannelStatus] = SingleFlightCache(
            ttl=status_ttl, monotonic=monotonic
        )

    @asynccontextmanager
    async def _write(self, *, affects_status: bool = True) -> AsyncIterator[AsyncSession]:
        """A write transaction; cached statuses are dropped when it ends (committed or not).

        Args:
            affects_status: False for writes no status shows (leases, claims, event ids).
        """
        try:
            async with self.db.write() as s:
                yield s
        finally:
            if affects_status:
                self._team_statuses.invalidate()
                self._channel_statuses.invalidate()

    # -- teams and people ----------------------------------------------------------------

    async def setup_team(
        self,
        *,
        workspace_id: str,
        channel_id: str,
        channel_name: str,
        caller: PersonInfo,
        people: Sequence[PersonInfo],
    ) -> tuple[Team, bool, int]:
        """Register a channel as a team with its human members; the caller becomes a manager.

        Returns:
            The team, whether it is new, and how many members it has.
        """
        now = self.clock.now()
        humans = [p for p in people if p.is_human]
        async with self._write() as s:
            team, created = await teams_sql.upsert_team(
                s,
                workspace_id=workspace_id,
                channel_id=channel_id,
                name=channel_name,
                tz=valid_tz(caller.tz),
                now=now,
            )
            for p in [caller, *humans]:
                await teams_sql.upsert_member(
                    s,
                    workspace_id=workspace_id,
                    user_id=p.user_id,
                    name=p.name,
                    tz=p.tz,
                    is_admin=p.is_admin,
                    now=now,
                )
            await teams_sql.set_team_members(
                s,
                workspace_id=workspace_id,
                team_id=team.id,
                user_ids=[p.user_id for p in humans],
                now=now,
            )
            await teams_sql.add_manager(
                s, workspace_id=workspace_id, team_id=team.id, user_id=caller.user_id
            )
            if team.schedule.enabled:
                # Stored now, so a tick after this moment can never miss the first pulse.
                await due_sql.set_next_pulse(
                    s,
                    workspace_id=workspace_id,
                    team_id=team.id,
                    pulse_at=next_pulse_at(team.schedule, valid_tz(team.tz), after=now),
                    only_if_unset=True,
                )
        return team, created, len(humans)

    async def team_for_channel(self, *, workspace_id: str, channel_id: str) -> Team | None:
        async with self.db.read() as s:
            return await teams_sql.get_team_by_channel(
                s, workspace_id=workspace_id, channel_id=channel_id
            )

    async def team(self, *, workspace_id: str, team_id: int) -> Team | None:
        async with self.db.read() as s:
            return await teams_sql.get_team(s, workspace_id=workspace_id, team_id=team_id)

    async def role(
        self, *, workspace_id: str, team: Team | None, user_id: str, platform_admin: bool = False
    ) -> Role:
        """The user's rights on ``team``.

        Args:
            platform_admin: the chat platform says the user is a workspace admin or owner;
                they manage every team.
        """
        if platform_admin:
            return Role.ADMIN
        if team is None:
            return Role.NONE
        async with self.db.read() as s:
            return await _role_in(s, team=team, user_id=user_id)

    async def channel_status(
        self, *, workspace_id: str, channel_id: str, user_id: str, platform_admin: bool = False
    ) -> tuple[Team | None, Role, TeamStatus | None]:
        """``/sdo status`` in one read: the channel's team, the user's role, and the status
        when the role may see it (``None`` otherwise).

        Served from the status cache when this process computed it less than ``status_ttl``
        seconds ago and has written nothing since.
        """

        async def compute() -> ChannelStatus:
            async with self.db.read() as s:
                team = await teams_sql.get_team_by_channel(
                    s, workspace_id=workspace_id, channel_id=channel_id
                )
                if team is None:
                    return ChannelStatus(None, Role.NONE, None)
                role = (
                    Role.ADMIN if platform_admin else await _role_in(s, team=team, user_id=user_id)
                )
                status = await self._status(s, team) if role.can_view else None
            return ChannelStatus(team, role, status)

        found = await self._channel_statuses.get_or_compute(
            (workspace_id, channel_id, user_id, platform_admin), compute
        )
        return found.team, found.role, found.status

    async def can_view_all(self, *, workspace_id: str, user_id: str) -> bool:
        async with self.db.read() as s:
            return await teams_sql.is_workspace_admin(
                s, workspace_id=workspace_id, user_id=user_id
            ) or await teams_sql.manages_any_team(s, workspace_id=workspace_id, user_id=user_id)

    async def member_joined(
        self, *, workspace_id: str, channel_id: str, person: PersonInfo
    ) -> bool:
        """Add a human who joined a team channel. Returns False when the channel is no team."""
        now = self.clock.now()
        async with self._write() as s:
            team = await teams_sql.get_team_by_channel(
                s, workspace_id=workspace_id, channel_id=channel_id
            )
            if team is None or not person.is_human:
                return False
            await teams_sql.upsert_member(
                s,
                workspace_id=workspace_id,
                user_id=person.user_id,
                name=person.name,
                tz=person.tz,
                is_admin=person.is_admin,
                now=now,
            )
            await teams_sql.add_team_member(
                s, workspace_id=workspace_id, team_id=team.id, user_id=person.user_id, now=now
            )
        return True

    async def member_left(self, *, workspace_id: str, channel_id: str, user_id: str) -> bool:
        async with self._write() as s:
            team = await teams_sql.get_team_by_channel(
                s, workspace_id=workspace_id, channel_id=channel_id
            )
            if team is None:
                return False
            return await teams_sql.remove_team_member(
                s, workspace_id=workspace_id, team_id=team.id, user_id=user_id
            )

    async def member_count(self, *, team: Team) -> int:
        """How many active members the team has (counted in SQL: a team may be 10,000)."""
        async with self.db.read() as s:
            return await teams_sql.count_team_members(
                s, workspace_id=team.workspace_id, team_id=team.id
            )

    async def managers(self, *, team: Team) -> list[str]:
        async with self.db.read() as s:
            return await teams_sql.list_managers(s, workspace_id=team.workspace_id, team_id=team.id)

    async def add_manager(self, *, team: Team, user_id: str) -> bool:
        async with self._write() as s:
            return await teams_sql.add_manager(
                s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
            )

    async def remove_manager(self, *, team: Team, user_id: str) -> bool:
        """Remove a manager, but never the last one (a team always keeps someone in charge)."""
        async with self._write() as s:
            current = await teams_sql.list_managers(
                s, workspace_id=team.workspace_id, team_id=team.id
            )
            if user_id not in current or len(current) <= 1:
                return False
            return await teams_sql.remove_manager(
                s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
            )

    async def set_schedule(self, *, team: Team, schedule: Schedule) -> Team:
        """Store a new schedule and the due times it implies, from this moment on.

        The next pulse is the first one after now (every other week: also at least two weeks,
        less a day, after the latest round). The open round, if any, gets its reminder and close
        recomputed from when it opened; a reminder already sent is not sent again.
        """
        now = self.clock.now()
        tz = valid_tz(team.tz)
        ws, team_id = team.workspace_id, team.id
        async with self._write() as s:
            await teams_sql.update_schedule(s, workspace_id=ws, team_id=team_id, schedule=schedule)
            last = await rounds_sql.last_opened_at(s, workspace_id=ws, team_id=team_id)
            upcoming = (
                next_pulse_at(schedule, tz, after=now, last_pulse=last)
                if schedule.enabled
                else None
            )
            await due_sql.set_next_pulse(s, workspace_id=ws, team_id=team_id, pulse_at=upcoming)
            current = await rounds_sql.get_open_round(s, workspace_id=ws, team_id=team_id)
            if current is not None:
                reminder_at, close_at = round_times(schedule, tz, pulse_at=current.opened_at)
                reminded = await rounds_sql.round_reminded_at(
                    s, workspace_id=ws, round_id=current.id
                )
                if reminded is not None or (reminder_at is not None and reminder_at <= now):
                    reminder_at = None
                await due_sql.set_round_times(
                    s, workspace_id=ws, team_id=team_id, reminder_at=reminder_at, close_at=close_at
                )
            updated = await teams_sql.get_team(s, workspace_id=ws, team_id=team_id)
        assert updated is not None
        return updated

    async def next_runs(self, *, team: Team) -> NextRuns | None:
        """The team's next pulse, reminder and close times (UTC) as stored."""
        async with self.db.read() as s:
            return await due_sql.next_runs(s, workspace_id=team.workspace_id, team_id=team.id)

    # -- rounds and answers --------------------------------------------------------------

    async def open_round(self, *, team: Team, period: str | None = None) -> tuple[Round, bool]:
        """Open a round (closing the open one) and record a pending delivery per member.

        Args:
            team: the team.
            period: the round's key; ``None`` means a manual round keyed by the local minute,
                so a command submitted twice within the minute opens one round.
        """
        now = self.clock.now()
        period = period or "manual:" + now.astimezone(ZoneInfo(team.tz)).strftime("%Y-%m-%dT%H:%M")
        async with self._write() as s:
            return await self._open_round(s, team=team, period=period, now=now)

    async def _open_round(
        self, s: AsyncSession, *, team: Team, period: str, now: datetime
    ) -> tuple[Round, bool]:
        """Open the round, record its deliveries and when it is reminded and closed."""
        rnd, created = await rounds_sql.open_round(
            s, workspace_id=team.workspace_id, team_id=team.id, period=period, now=now
        )
        if created:
            await ledger_sql.create_team_deliveries(
                s, workspace_id=team.workspace_id, team_id=team.id, round_id=rnd.id, now=now
            )
            reminder_at, close_at = round_times(team.schedule, valid_tz(team.tz), pulse_at=now)
            await due_sql.set_round_times(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                reminder_at=reminder_at,
                close_at=close_at,
            )
        return rnd, created

    async def close_round(self, *, team: Team, round_id: int) -> bool:
        async with self._write() as s:
            return await rounds_sql.close_round(
                s, workspace_id=team.workspace_id, round_id=round_id, now=self.clock.now()
            )

    async def deliveries_sent(self, *, team: Team, round_id: int, sent: Sequence[SentDM]) -> None:
        """Record several accepted DMs in one transaction."""
        async with self._write() as s:
            await ledger_sql.mark_sent_many(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                sent=sent,
                now=self.clock.now(),
            )

    async def delivery_failed(self, *, team: Team, round_id: int, user_id: str, error: str) -> None:
        async with self._write() as s:
            await ledger_sql.mark_failed(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                user_id=user_id,
                error=error,
                now=self.clock.now(),
            )

    async def claim_deliveries(
        self, *, team: Team, round_id: int, owner: str, lease: timedelta, limit: int
    ) -> list[Delivery]:
        """Lease up to ``limit`` of the round's unsent deliveries to ``owner`` for ``lease``."""
        now = self.clock.now()
        async with self._write(affects_status=False) as s:
            return await ledger_sql.claim_deliveries(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                owner=owner,
                now=now,
                until=now + lease,
                limit=limit,
            )

    async def renew_leases(self, *, owner: str, lease: timedelta) -> int:
        """Extend the leases ``owner`` holds (it is alive and still sending)."""
        async with self._write(affects_status=False) as s:
            return await ledger_sql.renew_leases(s, owner=owner, until=self.clock.now() + lease)

    async def release_delivery(
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
        now = self.clock.now()
        async with self._write() as s:
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

    async def delivery_counts(self, *, team: Team, round_id: int) -> dict[DeliveryStatus, int]:
        async with self.db.read() as s:
            return await ledger_sql.delivery_counts(
                s, workspace_id=team.workspace_id, round_id=round_id
            )

    async def answer(
        self,
        *,
        workspace_id: str,
        round_id: int,
        user_id: str,
        circle: Circle,
        value: AnswerValue,
    ) -> AnswerOutcome:
        """Store a member's click, unless the round is closed or was not sent to them."""
        async with self._write() as s:
            refused = await self._refusal(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
            if isinstance(refused, AnswerOutcome):
                return refused
            rnd, team = refused
            await rounds_sql.upsert_answer(
                s,
                workspace_id=workspace_id,
                round_id=round_id,
                user_id=user_id,
                circle=circle,
                value=value,
                now=self.clock.now(),
            )
            answers = await rounds_sql.member_answers(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
        return AnswerOutcome(stored=True, reason=None, round=rnd, team=team, answers=answers)

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
        async with self._write() as s:
            refused = await self._refusal(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
            if isinstance(refused, AnswerOutcome):
                return refused
            rnd, team = refused
            await rounds_sql.upsert_note(
                s,
                workspace_id=workspace_id,
                round_id=round_id,
                user_id=user_id,
                circle=circle,
                note=text or None,
                internal_customer=internal_customer,
                now=self.clock.now(),
            )
            answers = await rounds_sql.member_answers(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
        return AnswerOutcome(stored=True, reason=None, round=rnd, team=team, answers=answers)

    async def my_answers(
        self, *, workspace_id: str, round_id: int, user_id: str
    ) -> tuple[Round | None, Team | None, dict[Circle, Answer]]:
        async with self.db.read() as s:
            rnd = await rounds_sql.get_round(s, workspace_id=workspace_id, round_id=round_id)
            if rnd is None:
                return None, None, {}
            team = await teams_sql.get_team(s, workspace_id=workspace_id, team_id=rnd.team_id)
            answers = await rounds_sql.member_answers(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
        return rnd, team, answers

    async def _refusal(
        self, s: AsyncSession, *, workspace_id: str, round_id: int, user_id: str
    ) -> AnswerOutcome | tuple[Round, Team]:
        rnd = await rounds_sql.get_round(s, workspace_id=workspace_id, round_id=round_id)
        if rnd is None:
            return AnswerOutcome(stored=False, reason="unknown_round")
        team = await teams_sql.get_team(s, workspace_id=workspace_id, team_id=rnd.team_id)
        if team is None:
            return AnswerOutcome(stored=False, reason="unknown_round")
        if not rnd.is_open:
            return AnswerOutcome(stored=False, reason="closed", round=rnd, team=team)
        if (
            await ledger_sql.get_delivery(
                s, workspace_id=workspace_id, round_id=round_id, user_id=user_id
            )
            is None
        ):
            return AnswerOutcome(stored=False, reason="not_asked", round=rnd, team=team)
        return rnd, team

    # -- status, digest, home ------------------------------------------------------------

    async def team_status(self, *, team: Team) -> TeamStatus:
        """The team's open round so far, its last closed round, trend and nudges."""

        async def compute() -> TeamStatus:
            async with self.db.read() as s:
                return await self._status(s, team)

        # The team itself is part of the key: its rules (threshold…) decide the scores.
        return await self._team_statuses.get_or_compute(team, compute)

    async def _status(self, s: AsyncSession, team: Team) -> TeamStatus:
        (status,) = await self._statuses(s, [team])
        return status

    async def _statuses(self, s: AsyncSession, teams: Sequence[Team]) -> list[TeamStatus]:
        """The statuses of teams of one workspace: one statement however many teams (two when
        some have no round yet)."""
        if not teams:
            return []
        workspace_id = teams[0].workspace_id
        figures = await aggregates.team_figures(
            s, workspace_id=workspace_id, limit=TREND_WINDOW + 1, team_ids=[t.id for t in teams]
        )
        roundless = [t.id for t in teams if t.id not in figures]
        members = await aggregates.member_counts(s, workspace_id=workspace_id, team_ids=roundless)
        return [
            _team_status(t, figures[t.id].rounds, members=figures[t.id].members)
            if t.id in figures
            else _team_status(t, [], members=members.get(t.id, 0))
            for t in teams
        ]

    async def history(self, *, team: Team, limit: int) -> list[RoundView]:
        """The team's last ``limit`` rounds with their scores, oldest first."""
        async with self.db.read() as s:
            figures = await aggregates.team_figures(
                s, workspace_id=team.workspace_id, limit=limit, team_ids=[team.id]
            )
        rounds = figures[team.id].rounds if team.id in figures else []
        return [RoundView(f.round, _score(f.aggregate, team)) for f in rounds]

    async def org_status(self, *, workspace_id: str) -> list[TeamStatus]:
        """Every team of the workspace, sorted toward the center (Center first).

        Teams go in chunks, two reads at a time: the database counts one chunk while this
        process scores the previous one (each chunk is its own consistent snapshot).
        """
        async with self.db.read() as s:
            teams = await teams_sql.list_teams(s, workspace_id=workspace_id)
        gate = asyncio.Semaphore(ORG_STATUS_READS)

        async def statuses_of(chunk: Sequence[Team]) -> list[TeamStatus]:
            async with gate, self.db.read() as s:
                return await self._statuses(s, chunk)

        chunks = [teams[i : i + ORG_STATUS_CHUNK] for i in range(0, len(teams), ORG_STATUS_CHUNK)]
        parts = await asyncio.gather(*(statuses_of(chunk) for chunk in chunks))
        return sorted((status for part in parts for status in part), key=_center_first)

    async def digest(self, *, team: Team, round_id: int | None = None) -> DigestView | None:
        """The digest of a round: by default the last closed one (or the open one).

        Args:
            round_id: this round instead (the scheduler posts each closed round's digest).
        """
        if round_id is not None:
            return await self._round_digest(team=team, round_id=round_id)
        status = await self.team_status(team=team)
        shown = status.last_closed or status.current
        if shown is None:
            return None
        previous: RoundView | None = None
        async with self.db.read() as s:
            rounds = await rounds_sql.recent_rounds(
                s, workspace_id=team.workspace_id, team_id=team.id, limit=TREND_WINDOW + 1
            )
            earlier = [r for r in rounds if r.opened_at < shown.round.opened_at]
            if earlier:
                agg = await round_aggregates(
                    s, workspace_id=team.workspace_id, round_ids=[earlier[-1].id]
                )
                previous = RoundView(earlier[-1], _score(agg[earlier[-1].id], team))
        nudges = nudges_for(shown.region, rotation=shown.round.number + team.id)
        return DigestView(
            team=team, round=shown, previous=previous, trend=status.trend, nudges=nudges
        )

    async def _round_digest(self, *, team: Team, round_id: int) -> DigestView | None:
        async with self.db.read() as s:
            rounds = await rounds_sql.rounds_up_to(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                round_id=round_id,
                limit=TREND_WINDOW + 1,
            )
            aggregates = await round_aggregates(
                s, workspace_id=team.workspace_id, round_ids=[r.id for r in rounds]
            )
        if not rounds or rounds[-1].id != round_id:
            return None
        views = [RoundView(r, _score(aggregates[r.id], team)) for r in rounds]
        shown = views[-1]
        closed = [v for v in views if not v.round.is_open or v is shown]
        return DigestView(
            team=team,
            round=shown,
            previous=views[-2] if len(views) > 1 else None,
            trend=trend_of([v.region for v in closed[-TREND_WINDOW:]], window=TREND_WINDOW),
            nudges=nudges_for(shown.region, rotation=shown.round.number + team.id),
        )

    async def claim_digest(
        self, *, team: Team, round_id: int, lease: timedelta = timedelta(minutes=10)
    ) -> bool:
        """Claim the round's one digest post (or take over a claim older than ``lease``)."""
        now = self.clock.now()
        async with self._write(affects_status=False) as s:
            return await ledger_sql.claim_digest(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                channel_id=team.channel_id,
                now=now,
                stale_before=now - lease,
            )

    async def digest_posted(self, *, team: Team, round_id: int, message_ts: str) -> None:
        async with self._write(affects_status=False) as s:
            await ledger_sql.mark_digest_posted(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                message_ts=message_ts,
                now=self.clock.now(),
            )

    async def digest_failed(self, *, team: Team, round_id: int) -> None:
        """The post failed for now: release the claim so a later tick posts it."""
        async with self._write(affects_status=False) as s:
            await ledger_sql.release_digest(s, workspace_id=team.workspace_id, round_id=round_id)

    async def digest_refused(self, *, team: Team, round_id: int, error: str) -> None:
        """Slack refused the post for good: record why and never try again."""
        async with self._write(affects_status=False) as s:
            await ledger_sql.mark_digest_failed(
                s, workspace_id=team.workspace_id, round_id=round_id, error=error
            )

    async def home(
        self, *, workspace_id: str, user_id: str, platform_admin: bool = False
    ) -> list[HomeTeam]:
        """The user's teams with their status, and whether the user manages each."""
        async with self.db.read() as s:
            teams = await teams_sql.teams_of_user(s, workspace_id=workspace_id, user_id=user_id)
            statuses = await self._statuses(s, teams)
            result = []
            for t, status in zip(teams, statuses, strict=True):
                manages = platform_admin or await teams_sql.is_manager(
                    s, workspace_id=workspace_id, team_id=t.id, user_id=user_id
                )
                result.append(HomeTeam(team=t, status=status, manages=manages))
        return result

    # -- the scheduler's claims (see bot.delivery.scheduler) ------------------------

    async def pending_work(self, *, digest_within: timedelta, lease: timedelta) -> PendingWork:
        """Which scheduler steps have work now (one query: most ticks find nothing)."""
        now = self.clock.now()
        async with self.db.read() as s:
            return await due_sql.pending_work(
                s, now=now, closed_since=now - digest_within, stale_before=now - lease
            )

    async def arm_schedules(self) -> int:
        """Give each scheduled team that has no next pulse time one, computed from now."""
        now = self.clock.now()
        async with self.db.read() as s:
            if not await due_sql.teams_without_next_pulse(s, limit=1):
                return 0  # the usual case: no write transaction for nothing
        async with self._write(affects_status=False) as s:
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

    async def close_due_rounds(self) -> list[TeamRound]:
        """Close each round whose close time has come; only the claimer of that time closes."""
        now = self.clock.now()
        async with self.db.read() as s:
            due = await due_sql.teams_due_to_close(s, now=now, limit=SCHEDULER_BATCH)
        closed: list[TeamRound] = []
        for item in due:
            team, ws = item.team, item.team.workspace_id
            async with self._write() as s:
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

    async def open_due_pulses(self) -> list[TeamRound]:
        """Open the round of each team whose scheduled pulse has come, exactly once.

        The team's next pulse moves on (computed from now, so a long outage yields one pulse,
        not a backlog) in the same transaction that opens the round and records its
        deliveries: a crash leaves either both or neither.
        """
        now = self.clock.now()
        async with self.db.read() as s:
            due = await due_sql.teams_due_to_pulse(s, now=now, limit=SCHEDULER_BATCH)
        opened: list[TeamRound] = []
        for item in due:
            team, ws = item.team, item.team.workspace_id
            tz = valid_tz(team.tz)
            upcoming = next_pulse_at(team.schedule, tz, after=now, last_pulse=item.due_at)
            period = "sched:" + item.due_at.astimezone(ZoneInfo(tz)).date().isoformat()
            async with self._write() as s:
                if not await due_sql.claim_pulse(
                    s, workspace_id=ws, team_id=team.id, seen=item.due_at, next_pulse_at=upcoming
                ):
                    continue
                if not await teams_sql.count_team_members(s, workspace_id=ws, team_id=team.id):
                    continue  # nobody to ask this time
                rnd, created = await self._open_round(s, team=team, period=period, now=now)
            if created:
                opened.append(TeamRound(team=team, round=rnd))
        return opened

    async def claim_due_reminders(self) -> list[tuple[TeamRound, list[ReminderTarget]]]:
        """Claim each due reminder: the members of the open round still owing answers."""
        now = self.clock.now()
        async with self.db.read() as s:
            due = await due_sql.teams_due_to_remind(s, now=now, limit=SCHEDULER_BATCH)
        claimed: list[tuple[TeamRound, list[ReminderTarget]]] = []
        for item in due:
            team, ws = item.team, item.team.workspace_id
            async with self._write(affects_status=False) as s:
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

    async def rounds_to_send(self) -> list[TeamRound]:
        """Open rounds with pulse DMs nobody is sending (new, interrupted or to retry)."""
        async with self.db.read() as s:
            return await due_sql.rounds_to_send(s, now=self.clock.now(), limit=SCHEDULER_BATCH)

    async def rounds_awaiting_digest(
        self, *, within: timedelta, lease: timedelta
    ) -> list[TeamRound]:
        """Rounds closed in the last ``within`` whose digest is not posted (nor being posted)."""
        now = self.clock.now()
        async with self.db.read() as s:
            return await due_sql.rounds_awaiting_digest(
                s, closed_since=now - within, stale_before=now - lease, limit=SCHEDULER_BATCH
            )

    async def forget_workspace(self, *, workspace_id: str) -> None:
        """Delete everything stored for a workspace (the app was uninstalled there)."""
        async with self._write() as s:
            await teams_sql.delete_workspace(s, workspace_id=workspace_id)

    async def first_event(self, *, workspace_id: str, event_id: str) -> bool:
        """Record a platform event id; False when it was already processed."""
        async with self._write(affects_status=False) as s:
            return await ledger_sql.record_event(
                s, workspace_id=workspace_id, event_id=event_id, now=self.clock.now()
            )


async def _role_in(s: AsyncSession, *, team: Team, user_id: str) -> Role:
    if await teams_sql.is_manager(
        s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
    ):
        return Role.MANAGER
    if await teams_sql.is_team_member(
        s, workspace_id=team.workspace_id, team_id=team.id, user_id=user_id
    ):
        return Role.MEMBER
    return Role.NONE


def _team_status(
    team: Team, figures: Sequence[aggregates.RoundFigures], *, members: int
) -> TeamStatus:
    """A team's status from its recent rounds (oldest first) and member count."""
    views = [RoundView(f.round, _score(f.aggregate, team)) for f in figures]
    is_current = bool(figures) and figures[-1].round.is_open
    current = views[-1] if is_current else None
    closed = [v for v in views if not v.round.is_open]
    status = TeamStatus(
        team=team,
        current=current,
        last_closed=closed[-1] if closed else None,
        trend=trend_of([v.region for v in closed], window=TREND_WINDOW),
        nudges=[],
        members=members,
        failed_deliveries=figures[-1].failed_deliveries if is_current else 0,
    )
    head = status.headline
    nudges = nudges_for(
        head.region if head else None,
        rotation=(head.round.number if head else 0) + team.id,
    )
    return replace(status, nudges=nudges)


def _score(agg: RoundAggregate, team: Team) -> RoundScore:
    return score_round(
        agg.tallies,
        respondents=agg.respondents,
        asked=agg.asked,
        rules=team.rules,
        notes=agg.notes,
        internal_customer_notes=agg.internal_customer_notes,
    )


def _center_first(status: TeamStatus) -> tuple[int, str]:
    head = status.headline
    depth = head.region.depth if head and head.region is not None else -1
    return (-depth, status.team.name.lower())


def valid_tz(tz: str | None) -> str:
    """A known IANA zone name, or UTC."""
    if not tz:
        return "UTC"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return tz


def local_time(when: datetime, tz: str) -> datetime:
    return when.astimezone(ZoneInfo(valid_tz(tz)))
