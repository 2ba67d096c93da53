"""Where a team stands: its status (open round so far, last closed, trend, nudges), its
history, and every team of a workspace — aggregates only, cached for a moment.

`/sdo status` is read far more often than answers change, so computed statuses are kept for
``status_ttl`` seconds (``SingleFlightCache``): this process's own writes drop them at once
(``Store.drop_on_write``), other processes' writes show at most that late.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from bot.domain.model import Round, Team
from bot.domain.nudges import nudges_for
from bot.domain.scoring import RoundScore, score_round
from bot.domain.trends import trend_of
from bot.domain.views import ChannelStatus, Role, RoundView, TeamStatus
from bot.services.cache import DEFAULT_TTL_SECONDS, SingleFlightCache
from bot.services.releases import release_line
from bot.services.store import Store, UseCases
from bot.services.teams import role_in
from storage import aggregates
from storage import teams as teams_sql
from storage.aggregates import RoundAggregate, RoundFigures
from storage.db import Session

TREND_WINDOW = 4
# `status all`: teams per read, and reads at a time (the database counts one chunk while the
# process scores another).
ORG_STATUS_CHUNK = 100
ORG_STATUS_READS = 2


class Status(UseCases):
    """Use cases that read a team's position.

    Args:
        store: the database and clock.
        ttl: seconds a computed status is reused (0: never).
        monotonic: the cache's time source (seconds); tests pass their own.
    """

    def __init__(
        self,
        store: Store,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(store)
        self._teams: SingleFlightCache[TeamStatus] = SingleFlightCache(ttl=ttl, monotonic=monotonic)
        self._channels: SingleFlightCache[ChannelStatus] = SingleFlightCache(
            ttl=ttl, monotonic=monotonic
        )
        store.drop_on_write(self._teams)
        store.drop_on_write(self._channels)

    async def team(self, *, team: Team) -> TeamStatus:
        """The team's open round so far, its last closed round, trend and nudges."""

        async def compute() -> TeamStatus:
            async with self.store.read() as s:
                (status,) = await statuses_in(s, [team])
                return await _with_release(s, status)

        # The team itself is part of the key: its rules (threshold…) decide the scores.
        return await self._teams.get_or_compute(team, compute)

    async def channel(
        self, *, workspace_id: str, channel_id: str, user_id: str, platform_admin: bool = False
    ) -> tuple[Team | None, Role, TeamStatus | None]:
        """``/sdo status`` in one read: the channel's team, the user's role, and the status
        when the role may see it (``None`` otherwise)."""

        async def compute() -> ChannelStatus:
            async with self.store.read() as s:
                team = await teams_sql.get_team_by_channel(
                    s, workspace_id=workspace_id, channel_id=channel_id
                )
                if team is None:
                    return ChannelStatus(None, Role.NONE, None)
                role = (
                    Role.ADMIN if platform_admin else await role_in(s, team=team, user_id=user_id)
                )
                status = (await statuses_in(s, [team]))[0] if role.can_view else None
                if status is not None:
                    status = await _with_release(s, status)
            return ChannelStatus(team, role, status)

        found = await self._channels.get_or_compute(
            (workspace_id, channel_id, user_id, platform_admin), compute
        )
        return found.team, found.role, found.status

    async def history(self, *, team: Team, limit: int) -> list[RoundView]:
        """The team's last ``limit`` rounds with their scores, oldest first."""
        async with self.store.read() as s:
            figures = await aggregates.team_figures(
                s, workspace_id=team.workspace_id, limit=limit, team_ids=[team.id]
            )
        rounds = figures[team.id].rounds if team.id in figures else []
        return [view_of(f.round, f.aggregate, team) for f in rounds]

    async def org(self, *, workspace_id: str) -> list[TeamStatus]:
        """Every team of the workspace, sorted toward the center (Center first).

        Teams go in chunks, two reads at a time: the database counts one chunk while this
        process scores the previous one (each chunk is its own consistent snapshot).
        """
        async with self.store.read() as s:
            teams = await teams_sql.list_teams(s, workspace_id=workspace_id)
        gate = asyncio.Semaphore(ORG_STATUS_READS)

        async def statuses_of(chunk: Sequence[Team]) -> list[TeamStatus]:
            async with gate, self.store.read() as s:
                return await statuses_in(s, chunk)

        chunks = [teams[i : i + ORG_STATUS_CHUNK] for i in range(0, len(teams), ORG_STATUS_CHUNK)]
        parts = await asyncio.gather(*(statuses_of(chunk) for chunk in chunks))
        return sorted((status for part in parts for status in part), key=_center_first)


async def statuses_in(s: Session, teams: Sequence[Team]) -> list[TeamStatus]:
    """The statuses of teams of one workspace, in a transaction: one statement however many
    teams (two when some have no round yet)."""
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


async def _with_release(s: Session, status: TeamStatus) -> TeamStatus:
    """The status with the team's latest release pulse since its headline round opened
    (any, before its first round): counts only (``bot.services.releases``)."""
    head = status.current or status.last_closed
    since = head.round.opened_at if head is not None else None
    line = await release_line(s, team=status.team, since=since)
    return replace(status, release=line) if line is not None else status


def score(agg: RoundAggregate, team: Team) -> RoundScore:
    """A round's scores and region from its counts, by the team's rules."""
    return score_round(
        agg.tallies,
        respondents=agg.respondents,
        asked=agg.asked,
        rules=team.rules,
        notes=agg.notes,
        internal_customer_notes=agg.internal_customer_notes,
    )


def view_of(rnd: Round, agg: RoundAggregate, team: Team) -> RoundView:
    """A round as shown: its scores by the team's rules, and how many members were away."""
    return RoundView(rnd, score(agg, team), away=agg.away)


def _team_status(team: Team, figures: Sequence[RoundFigures], *, members: int) -> TeamStatus:
    """A team's status from its recent rounds (oldest first) and member count."""
    views = [view_of(f.round, f.aggregate, team) for f in figures]
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


def _center_first(status: TeamStatus) -> tuple[int, str]:
    head = status.headline
    depth = head.region.depth if head and head.region is not None else -1
    return (-depth, status.team.name.lower())
