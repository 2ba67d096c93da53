"""Aggregates for status, history and `status all`, computed in SQL (no answer leaves the database).

A round whose answers were deleted (``storage.retention``: ``SDO_RETENTION_DAYS``, ``sdo
forget``) has a ``round_summary`` row, written before the first of them went: its counts stand
in for the round's answers and deliveries, so the round reads as it did at closing.

The set-based functions answer for many teams at once with a fixed number of statements,
however many teams there are: each team's last rounds come from an index (a ``LATERAL``
``ORDER BY … LIMIT`` on PostgreSQL, a correlated ``IN (… LIMIT)`` on SQLite, both served by
``ix_round_team_opened``), and one grouped statement counts their answers and deliveries.

Statements are built once per shape (their parameters are bound at execution), so a status
costs the database's time, not SQLAlchemy's statement construction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    and_,
    bindparam,
    case,
    func,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from bot.domain.circles import ANSWER_VALUES, CIRCLES, Circle
from bot.domain.model import DeliveryStatus, Round
from bot.domain.scoring import Tally
from storage.tables import (
    AnswerRow,
    DeliveryRow,
    MemberRow,
    RoundRow,
    RoundSummaryRow,
    TeamMemberRow,
    TeamRow,
)

_ANSWER = AnswerRow.__table__  # type: ignore[attr-defined]
_DELIVERY = DeliveryRow.__table__  # type: ignore[attr-defined]
_ROUND = RoundRow.__table__  # type: ignore[attr-defined]
_TEAM = TeamRow.__table__  # type: ignore[attr-defined]
_MEMBER = MemberRow.__table__  # type: ignore[attr-defined]
_TEAM_MEMBER = TeamMemberRow.__table__  # type: ignore[attr-defined]
_SUMMARY = RoundSummaryRow.__table__  # type: ignore[attr-defined]

# The order of the tally columns in every aggregate row: circle by circle, answer by answer,
# answers in ``Tally``'s field order (so a row slice builds a ``Tally`` positionally).
_TALLY_KEYS: tuple[tuple[Circle, str], ...] = tuple(
    (c, v.value) for c in CIRCLES for v in ANSWER_VALUES
)
# ``_aggregate`` reads the columns by position: refuse to import if either order ever changes.
if [v.value for v in ANSWER_VALUES] != [f.name for f in fields(Tally)]:
    raise RuntimeError("ANSWER_VALUES no longer follow Tally's field order")
if CIRCLES != (Circle.WHAT, Circle.HOW, Circle.DELIVER):
    raise RuntimeError("CIRCLES are no longer W, H, D")

# ``round_summary``'s columns in the order of the answer counts (``_answer_counts``), then the
# members asked and those away: ``w_yes`` … ``d_not_sure``, respondents, notes, internal-customer
# notes.
SUMMARY_ANSWER_COLUMNS: tuple[str, ...] = (
    *(f"{c.value.lower()}_{v}" for c, v in _TALLY_KEYS),
    "respondents",
    "notes",
    "internal_customer_notes",
)
SUMMARY_COLUMNS: tuple[str, ...] = (*SUMMARY_ANSWER_COLUMNS, "asked", "away")


@dataclass(frozen=True, slots=True)
class RoundAggregate:
    """Counts for one round, computed in SQL: the inputs of ``score_round``."""

    round_id: int
    tallies: dict[Circle, Tally]
    respondents: int
    asked: int
    notes: int
    internal_customer_notes: int
    # Members away when the round reached them: not in ``asked`` (migration 0009).
    away: int = 0


@dataclass(frozen=True, slots=True)
class RoundFigures:
    """One of a team's recent rounds, its aggregate, and its deliveries that failed."""

    round: Round
    aggregate: RoundAggregate
    failed_deliveries: int


@dataclass(frozen=True, slots=True)
class TeamFigures:
    """A team's recent rounds (oldest first) and how many active members it has."""

    rounds: list[RoundFigures]
    members: int


# ---------------------------------------------------------------------------------------------
# public functions


async def round_aggregates(
    session: AsyncSession, *, workspace_id: str, round_ids: Sequence[int]
) -> dict[int, RoundAggregate]:
    """Aggregate answers and deliveries of the given rounds (one statement)."""
    if not round_ids:
        return {}
    ids = list(dict.fromkeys(round_ids))
    rows = await session.execute(
        _by_ids_statement(), {"workspace_id": workspace_id, "round_ids": ids}
    )
    found = {row[0]: _aggregate(row[0], row[1:]) for row in rows}
    return {r: found.get(r) or _aggregate(r, ()) for r in ids}


async def team_figures(
    session: AsyncSession,
    *,
    workspace_id: str,
    limit: int,
    team_ids: Sequence[int] | None = None,
) -> dict[int, TeamFigures]:
    """Each team's last ``limit`` rounds with their aggregates, and its member count.

    One statement for the whole workspace (``team_ids=None``) or for the given teams. Teams
    without rounds are absent from the result (``member_counts`` counts their members).
    """
    if limit <= 0 or (team_ids is not None and not team_ids):
        return {}
    dialect = session.get_bind().dialect.name
    params: dict[str, Any] = {"workspace_id": workspace_id, "limit": limit}
    if team_ids is not None:
        params["team_ids"] = list(team_ids)
    rows = await session.execute(_recent_statement(dialect, team_ids is not None), params)
    rounds: dict[int, list[RoundFigures]] = {}
    members: dict[int, int] = {}
    for round_id, ws, team_id, period, number, opened_at, closed_at, *counts in rows:
        rnd = Round(
            id=round_id,
            workspace_id=ws,
            team_id=team_id,
            period=period,
            number=number,
            opened_at=opened_at,
            closed_at=closed_at,
        )
        *aggregate, failed, members[team_id] = counts
        rounds.setdefault(team_id, []).append(
            RoundFigures(
                round=rnd, aggregate=_aggregate(round_id, aggregate), failed_deliveries=failed
            )
        )
    result = {}
    for team_id, team_rounds in rounds.items():
        team_rounds.sort(key=lambda f: (f.round.opened_at, f.round.id))
        result[team_id] = TeamFigures(rounds=team_rounds, members=members[team_id])
    return result


async def member_counts(
    session: AsyncSession, *, workspace_id: str, team_ids: Sequence[int] | None = None
) -> dict[int, int]:
    """Active members (active in the workspace too) per team; teams without any are absent."""
    if team_ids is not None and not team_ids:
        return {}
    params: dict[str, Any] = {"workspace_id": workspace_id}
    if team_ids is not None:
        params["team_ids"] = list(team_ids)
    rows = await session.execute(_member_count_statement(team_ids is not None), params)
    return {team_id: members for team_id, members in rows}


# ---------------------------------------------------------------------------------------------
# statements (built once per shape)

# Columns of ``_recent_statement`` before the counts: the round's own.
_ROUND_COLUMNS = ("id", "workspace_id", "team_id", "period", "number", "opened_at", "closed_at")
_FIRST_COUNT = len(_ROUND_COLUMNS)


def _answer_counts() -> list[ColumnElement[Any]]:
    """Tallies per circle and answer, respondents, notes, internal-customer notes."""
    answer = _ANSWER.c
    tallies = [
        func.count(case((and_(answer.question == c.value, answer.value == v), 1)))
        for c, v in _TALLY_KEYS
    ]
    return [
        *tallies,
        # A respondent gave at least one answer (Not sure counts); a note alone does not.
        func.count(func.distinct(case((answer.value.is_not(None), answer.user_id)))),
        func.count(answer.note),
        func.count(case((and_(answer.internal_customer.is_(True), answer.note.is_not(None)), 1))),
    ]


def _delivery_counts() -> list[ColumnElement[Any]]:
    """Members asked (every delivery but the away ones), away, failed."""
    delivery = _DELIVERY.c
    away = delivery.status == DeliveryStatus.AWAY.value
    return [
        func.count(case((~away, 1))),
        func.count(case((away, 1))),
        func.count(case((delivery.status == DeliveryStatus.FAILED.value, 1))),
    ]


def _answers_of(round_ids: Any) -> Any:
    """Per round among ``round_ids`` (a subquery or expanding parameter): answer counts."""
    answer = _ANSWER.c
    return (
        select(answer.round_id.label("round_id"), *_answer_counts())
        .where(answer.workspace_id == bindparam("workspace_id"), answer.round_id.in_(round_ids))
        .group_by(answer.round_id)
        .subquery("answers")
    )


def _deliveries_of(round_ids: Any) -> Any:
    delivery = _DELIVERY.c
    return (
        select(delivery.round_id.label("round_id"), *_delivery_counts())
        .where(delivery.workspace_id == bindparam("workspace_id"), delivery.round_id.in_(round_ids))
        .group_by(delivery.round_id)
        .subquery("deliveries")
    )


def _counts_or_summary(answers: Any, deliveries: Any) -> list[ColumnElement[Any]]:
    """The answer counts, members asked and away of a round: its summary's when it has one
    (its answers may be gone), else those of its answer and delivery rows (0 when none)."""
    summary = _SUMMARY.c
    live = [*list(answers.c)[1:], deliveries.c[1], deliveries.c[2]]
    return [
        func.coalesce(summary[name], column, 0)
        for name, column in zip(SUMMARY_COLUMNS, live, strict=True)
    ]


@cache
def _by_ids_statement() -> Select[Any]:
    ids: BindParameter[list[int]] = bindparam("round_ids", expanding=True)
    answers, deliveries = _answers_of(ids), _deliveries_of(ids)
    # Rounds with deliveries but no answers (and the reverse) both count: join both to the ids
    # through the round table.
    round_ = _ROUND.c
    return (
        select(round_.id, *_counts_or_summary(answers, deliveries))
        .select_from(_ROUND)
        .outerjoin(answers, answers.c.round_id == round_.id)
        .outerjoin(deliveries, deliveries.c.round_id == round_.id)
        .outerjoin(_SUMMARY, _SUMMARY.c.round_id == round_.id)
        .where(round_.workspace_id == bindparam("workspace_id"), round_.id.in_(ids))
    )


def _recent_rounds(dialect: str, some_teams: bool) -> Any:
    """Each team's last ``:limit`` rounds, as a CTE of round columns."""
    team, round_ = _TEAM.c, _ROUND.c
    team_filter = [team.workspace_id == bindparam("workspace_id")]
    if some_teams:
        team_filter.append(team.id.in_(bindparam("team_ids", expanding=True)))
    newest_first = (round_.opened_at.desc(), round_.id.desc())
    if dialect == "postgresql":
        latest = (
            select(*[round_[c] for c in _ROUND_COLUMNS])
            .where(round_.team_id == team.id, round_.workspace_id == bindparam("workspace_id"))
            .order_by(*newest_first)
            .limit(bindparam("limit"))
            .lateral("latest")
        )
        return (
            select(*[latest.c[c] for c in _ROUND_COLUMNS])
            .select_from(_TEAM)
            .join(latest, true())
            .where(*team_filter)
            .cte("recent")
        )
    # SQLite has no LATERAL: a correlated IN (… LIMIT) per team, which it runs off the index.
    inner = aliased(_ROUND, name="older")
    latest_ids = (
        select(inner.c.id)
        .where(inner.c.team_id == team.id, inner.c.workspace_id == bindparam("workspace_id"))
        .order_by(inner.c.opened_at.desc(), inner.c.id.desc())
        .limit(bindparam("limit"))
        .correlate(_TEAM)
    )
    return (
        select(*[round_[c] for c in _ROUND_COLUMNS])
        .select_from(_TEAM)
        .join(_ROUND, round_.id.in_(latest_ids))
        .where(*team_filter)
        .cte("recent")
    )


@cache
def _recent_statement(dialect: str, some_teams: bool) -> Select[Any]:
    """Rows: the round's columns, answer counts, asked, away, failed, the team's member count."""
    recent = _recent_rounds(dialect, some_teams)
    ids: Select[Any] = select(recent.c.id)
    answers, deliveries = _answers_of(ids), _deliveries_of(ids)
    members = _member_count_statement(some_teams).subquery("members")
    return (
        select(
            *[recent.c[c] for c in _ROUND_COLUMNS],
            *_counts_or_summary(answers, deliveries),
            func.coalesce(deliveries.c[3], 0),
            func.coalesce(members.c.members, 0),
        )
        .select_from(recent)
        .outerjoin(answers, answers.c.round_id == recent.c.id)
        .outerjoin(deliveries, deliveries.c.round_id == recent.c.id)
        .outerjoin(_SUMMARY, _SUMMARY.c.round_id == recent.c.id)
        .outerjoin(members, members.c.team_id == recent.c.team_id)
    )


@cache
def _member_count_statement(some_teams: bool) -> Select[Any]:
    """Rows: team id, active members (active in the workspace too)."""
    tm, member = _TEAM_MEMBER.c, _MEMBER.c
    conditions = [
        tm.workspace_id == bindparam("workspace_id"),
        tm.active.is_(True),
        member.active.is_(True),
    ]
    if some_teams:
        conditions.append(tm.team_id.in_(bindparam("team_ids", expanding=True)))
    return (
        select(tm.team_id, func.count().label("members"))
        .select_from(_TEAM_MEMBER)
        .join(_MEMBER, and_(member.workspace_id == tm.workspace_id, member.user_id == tm.user_id))
        .where(*conditions)
        .group_by(tm.team_id)
    )


def _aggregate(round_id: int, counts: Sequence[int]) -> RoundAggregate:
    """A ``RoundAggregate`` from a row's counts (tallies…, respondents, notes, internal, asked,
    away).

    The statements coalesce every count to 0; an empty ``counts`` means nothing was found.
    """
    if not counts:
        counts = (0,) * (len(_TALLY_KEYS) + 5)
    # The tally columns go circle by circle (W, H, D), answers in Tally's field order.
    c = counts
    return RoundAggregate(
        round_id=round_id,
        tallies={
            Circle.WHAT: Tally(c[0], c[1], c[2], c[3]),
            Circle.HOW: Tally(c[4], c[5], c[6], c[7]),
            Circle.DELIVER: Tally(c[8], c[9], c[10], c[11]),
        },
        respondents=c[12],
        notes=c[13],
        internal_customer_notes=c[14],
        asked=c[15],
        away=c[16],
    )
