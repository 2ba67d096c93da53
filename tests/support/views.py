"""Domain views for the builders' tests: real teams, rounds and scores (``score_round``).

A round is described the way a team lives it: how many members answered Yes, Partly, No or
Not sure to each question; ``score_round`` places it, as the services do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

from bot.domain.circles import CIRCLES, Circle
from bot.domain.model import Round, Schedule, Team
from bot.domain.nudges import Nudge
from bot.domain.regions import Region
from bot.domain.scoring import ScoringRules, Tally, score_round
from bot.domain.trends import trend_of
from bot.domain.views import DigestView, RoundView, TeamStatus

OPENED = datetime(2026, 10, 22, 13, tzinfo=UTC)  # a Thursday, 15:00 in Berlin


def team(
    name: str = "alpha",
    *,
    team_id: int = 1,
    tz: str = "Europe/Berlin",
    schedule: Schedule | None = None,
    rules: ScoringRules | None = None,
) -> Team:
    return Team(
        id=team_id,
        workspace_id="T1",
        channel_id=f"C{team_id}",
        name=name,
        tz=tz,
        schedule=schedule or Schedule(),
        rules=rules or ScoringRules(),
    )


def a_round(number: int = 1, *, team_id: int = 1, closed: bool = True) -> Round:
    opened = OPENED + timedelta(weeks=number - 1)
    return Round(
        id=100 * team_id + number,
        workspace_id="T1",
        team_id=team_id,
        period=f"{opened:%Y-%m-%d}",
        number=number,
        opened_at=opened,
        closed_at=opened + timedelta(days=4) if closed else None,
    )


def round_view(
    tallies: Mapping[Circle, Tally],
    *,
    respondents: int,
    asked: int = 4,
    number: int = 1,
    team_id: int = 1,
    closed: bool = True,
    notes: int = 0,
    internal_customer_notes: int = 0,
) -> RoundView:
    score = score_round(
        tallies,
        respondents=respondents,
        asked=asked,
        notes=notes,
        internal_customer_notes=internal_customer_notes,
    )
    return RoundView(a_round(number, team_id=team_id, closed=closed), score)


def placed(
    region: Region,
    *,
    respondents: int = 3,
    asked: int = 4,
    number: int = 1,
    team_id: int = 1,
    closed: bool = True,
    notes: int = 0,
    internal_customer_notes: int = 0,
) -> RoundView:
    """A round everyone answered alike: Yes to the region's circles, No to the others."""
    tallies = {
        c: Tally(yes=respondents) if c in region.circles else Tally(no=respondents) for c in CIRCLES
    }
    view = round_view(
        tallies,
        respondents=respondents,
        asked=asked,
        number=number,
        team_id=team_id,
        closed=closed,
        notes=notes,
        internal_customer_notes=internal_customer_notes,
    )
    assert view.region is region
    return view


def unplaced(
    *, respondents: int = 1, asked: int = 4, number: int = 1, closed: bool = True
) -> RoundView:
    """A round too few answered: no region."""
    view = round_view(
        {c: Tally(yes=respondents) for c in CIRCLES},
        respondents=respondents,
        asked=asked,
        number=number,
        closed=closed,
    )
    assert view.region is None
    return view


def team_status(
    the_team: Team | None = None,
    *,
    current: RoundView | None = None,
    last_closed: RoundView | None = None,
    history: Sequence[Region | None] = (),
    nudges: Sequence[Nudge] = (),
    members: int = 4,
) -> TeamStatus:
    return TeamStatus(
        team=the_team or team(),
        current=current,
        last_closed=last_closed,
        trend=trend_of(list(history)),
        nudges=list(nudges),
        members=members,
    )


def digest_view(
    now: RoundView,
    previous: RoundView | None = None,
    *,
    name: str = "alpha",
    nudges: Sequence[Nudge] = (),
) -> DigestView:
    """A round's digest: ``now`` after ``previous`` (None: the team's first round)."""
    history = [r.region for r in (previous, now) if r is not None]
    return DigestView(
        team=team(name),
        round=now,
        previous=previous,
        trend=trend_of(history),
        nudges=list(nudges),
    )
