"""Digests: the view of a round a channel is shown, and the ledger row that makes it once.

The one claim → post → mark protocol that uses these is ``bot.delivery.digests.post_digest``.
"""

from __future__ import annotations

from datetime import timedelta

from bot.domain.model import Team
from bot.domain.nudges import nudges_for
from bot.domain.trends import trend_of
from bot.domain.views import DigestView, RoundView
from bot.services.releases import release_line
from bot.services.status import TREND_WINDOW, Status, view_of
from bot.services.store import Store, UseCases
from storage import ledger as ledger_sql
from storage import rounds as rounds_sql
from storage.aggregates import round_aggregates

DEFAULT_CLAIM_LEASE = timedelta(minutes=10)


class Digests(UseCases):
    """Use cases about a round's digest.

    Args:
        store: the database and clock.
        status: the team statuses (a digest of "the last round" starts from one).
    """

    def __init__(self, store: Store, *, status: Status) -> None:
        super().__init__(store)
        self.status = status

    async def view(self, *, team: Team, round_id: int | None = None) -> DigestView | None:
        """The digest of a round: by default the last closed one (or the open one).

        Args:
            team: the team.
            round_id: this round instead (the scheduler posts each closed round's digest).
        """
        if round_id is not None:
            return await self._of_round(team=team, round_id=round_id)
        status = await self.status.team(team=team)
        shown = status.last_closed or status.current
        if shown is None:
            return None
        previous: RoundView | None = None
        async with self.store.read() as s:
            rounds = await rounds_sql.recent_rounds(
                s, workspace_id=team.workspace_id, team_id=team.id, limit=TREND_WINDOW + 1
            )
            earlier = [r for r in rounds if r.opened_at < shown.round.opened_at]
            if earlier:
                agg = await round_aggregates(
                    s, workspace_id=team.workspace_id, round_ids=[earlier[-1].id]
                )
                previous = view_of(earlier[-1], agg[earlier[-1].id], team)
            release = await release_line(s, team=team, since=shown.round.opened_at)
        nudges = nudges_for(shown.region, rotation=shown.round.number + team.id)
        return DigestView(
            team=team,
            round=shown,
            previous=previous,
            trend=status.trend,
            nudges=nudges,
            release=release,
        )

    async def _of_round(self, *, team: Team, round_id: int) -> DigestView | None:
        async with self.store.read() as s:
            rounds = await rounds_sql.rounds_up_to(
                s,
                workspace_id=team.workspace_id,
                team_id=team.id,
                round_id=round_id,
                limit=TREND_WINDOW + 1,
            )
            counts = await round_aggregates(
                s, workspace_id=team.workspace_id, round_ids=[r.id for r in rounds]
            )
            release = (
                await release_line(s, team=team, since=rounds[-1].opened_at) if rounds else None
            )
        if not rounds or rounds[-1].id != round_id:
            return None
        views = [view_of(r, counts[r.id], team) for r in rounds]
        shown = views[-1]
        closed = [v for v in views if not v.round.is_open or v is shown]
        return DigestView(
            team=team,
            round=shown,
            previous=views[-2] if len(views) > 1 else None,
            trend=trend_of([v.region for v in closed[-TREND_WINDOW:]], window=TREND_WINDOW),
            nudges=nudges_for(shown.region, rotation=shown.round.number + team.id),
            release=release,
        )

    async def claim(
        self, *, team: Team, round_id: int, lease: timedelta = DEFAULT_CLAIM_LEASE
    ) -> bool:
        """Claim the round's one digest post (or take over a claim older than ``lease``)."""
        now = self.store.now()
        async with self.store.write(affects_status=False) as s:
            return await ledger_sql.claim_digest(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                channel_id=team.channel_id,
                now=now,
                stale_before=now - lease,
            )

    async def posted(self, *, team: Team, round_id: int, message_ts: str) -> None:
        """The claimed digest is in the channel: record where."""
        async with self.store.write(affects_status=False) as s:
            await ledger_sql.mark_digest_posted(
                s,
                workspace_id=team.workspace_id,
                round_id=round_id,
                message_ts=message_ts,
                now=self.store.now(),
            )

    async def release(self, *, team: Team, round_id: int) -> None:
        """The post failed for now: release the claim so a later tick posts it."""
        async with self.store.write(affects_status=False) as s:
            await ledger_sql.release_digest(s, workspace_id=team.workspace_id, round_id=round_id)

    async def refused(self, *, team: Team, round_id: int, error: str) -> None:
        """The platform refused the post for good: record why and never try again."""
        async with self.store.write(affects_status=False) as s:
            await ledger_sql.mark_digest_failed(
                s, workspace_id=team.workspace_id, round_id=round_id, error=error
            )
