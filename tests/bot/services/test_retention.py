"""Retention through ``Services`` on both databases: after the purge the answers are gone and
status, trend, history, digests and `status all` read exactly as before; ``forget`` deletes one
person and leaves the closed rounds' aggregates as they were at closing.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Round, Team
from bot.domain.regions import Region
from bot.domain.views import PersonInfo
from bot.services import Services
from bot.services.retention import Forgotten, Retention
from storage.db import Database
from tests.support.rows import close_round

WORKSPACE = "T1"
PEOPLE = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(5)]
WEEK = timedelta(days=7)
Y, P, N, S = AnswerValue.YES, AnswerValue.PARTLY, AnswerValue.NO, AnswerValue.NOT_SURE
# Week by week, each member's answers to W, H, D (None: no answer); regions move about.
WEEKS: list[dict[str, tuple[AnswerValue | None, ...]]] = [
    {"U0": (N, N, N), "U1": (N, N, P), "U2": (N, S, N), "U3": (N, N, N)},  # Outside
    {"U0": (Y, Y, N), "U1": (Y, P, N), "U2": (P, Y, N)},  # Feasibility practice
    {"U0": (Y, Y, Y), "U1": (Y, Y, Y), "U2": (Y, Y, Y), "U3": (Y, P, Y)},  # Center
    {"U0": (Y, N, Y), "U1": (N, Y, Y), "U2": (Y, N, Y), "U3": (N, Y, Y)},  # disagreements
    {"U0": (Y, Y, Y), "U1": (Y, None, None)},  # Not enough answers
    {"U0": (N, Y, Y), "U1": (N, Y, Y), "U2": (S, Y, P), "U4": (N, Y, Y)},  # DevOps
    {"U0": (Y, Y, Y), "U1": (Y, Y, N), "U2": (Y, P, Y)},  # the open round, so far
]


async def _team(services: Services, *, channel_id: str, name: str) -> Team:
    team, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE,
        channel_id=channel_id,
        channel_name=name,
        caller=PEOPLE[0],
        people=PEOPLE,
    )
    return team


async def _weeks(
    services: Services, clock: FrozenClock, team: Team, weeks: list[dict[str, Any]]
) -> list[Round]:
    """One round a week with the given answers (and a note from the first member who answers
    W), each round closed by the next; the clock ends a week after the last one opened."""
    opened = []
    for number, answers in enumerate(weeks):
        rnd, _ = await services.rounds.open(team=team, period=f"w{number}")
        opened.append(rnd)
        for user_id, values in answers.items():
            for circle, value in zip(Circle, values, strict=True):
                if value is not None:
                    outcome = await services.answers.record(
                        workspace_id=WORKSPACE,
                        round_id=rnd.id,
                        user_id=user_id,
                        circle=circle,
                        value=value,
                    )
                    assert outcome.stored
        noted = await services.answers.save_note(
            workspace_id=WORKSPACE,
            round_id=rnd.id,
            user_id=next(iter(answers)),
            circle=Circle.WHAT,
            note=f"customer call, week {number}",
            internal_customer=number % 2 == 0,
        )
        assert noted.stored
        clock.advance(WEEK)
    return opened


async def _views(services: Services, teams: list[Team], rounds: list[Round]) -> dict[str, Any]:
    """Everything a person can be shown of the teams: statuses, histories, digests, org map."""
    return {
        "status": [await services.status.team(team=t) for t in teams],
        "history": [await services.status.history(team=t, limit=20) for t in teams],
        "digest": [await services.digests.view(team=t) for t in teams],
        "digests": [
            await services.digests.view(team=t, round_id=r.id)
            for t in teams
            for r in rounds
            if r.team_id == t.id
        ],
        "org": await services.status.org(workspace_id=WORKSPACE),
    }


async def _answer_rows(db: Database) -> dict[int, int]:
    """Answer rows per round (raw: what is stored, whatever the product shows)."""
    async with db.read() as s:
        rows = await s.execute(text("SELECT round_id, count(*) FROM answer GROUP BY round_id"))
        return {round_id: count for round_id, count in rows}


async def _people_rows(db: Database, user_id: str) -> dict[str, int]:
    counts = {}
    async with db.read() as s:
        for table in ("answer", "delivery", "team_member", "manager", "member"):
            found = await s.execute(
                text(f"SELECT count(*) FROM {table} WHERE user_id = :u"), {"u": user_id}
            )
            counts[table] = found.scalar_one()
    return counts


async def test_status_trends_digests_and_the_org_map_survive_the_purge(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock, status_ttl=0)
    alpha = await _team(services, channel_id="C1", name="alpha")
    beta = await _team(services, channel_id="C2", name="beta")
    alpha_rounds = await _weeks(services, clock, alpha, WEEKS)
    clock.set(clock.now() - len(WEEKS) * WEEK)  # beta's weeks alongside alpha's
    beta_rounds = await _weeks(services, clock, beta, WEEKS[:4])
    async with db.write() as s:  # beta stopped after four weeks: its last round closed then
        await close_round(s, workspace_id=WORKSPACE, round_id=beta_rounds[-1].id, now=clock.now())
    clock.set(clock.now() + 3 * WEEK)  # a week after alpha's last round opened
    rounds = alpha_rounds + beta_rounds
    before = await _views(services, [alpha, beta], rounds)
    stored = await _answer_rows(db)

    # Closed more than 20 days ago: alpha's weeks 0-3 (closed 6, 5, 4, 3 weeks ago), all of
    # beta's (its last closed 3 weeks ago).
    purged = await services.retention.purge(days=20)

    gone = [r.id for r in alpha_rounds[:4] + beta_rounds]
    assert purged.finished
    assert purged.summarised == len(gone) == 8
    assert purged.rows == sum(stored[r] for r in gone)
    assert purged.notes == len(gone)
    assert await _answer_rows(db) == {r.id: stored[r.id] for r in alpha_rounds[4:]}
    assert await _views(services, [alpha, beta], rounds) == before
    # What was compared is what the weeks set up: regions, a disagreement, a trend.
    alpha_status, beta_status = before["status"]
    assert [v.region for v in before["history"][0]] == [
        Region.OUTSIDE,
        Region.FEASIBILITY,
        Region.CENTER,
        Region.CENTER,
        None,
        Region.DEVOPS,
        Region.CENTER,
    ]
    assert before["history"][0][3].score.disagreements == {Circle.WHAT, Circle.HOW}
    assert alpha_status.trend.regions == (Region.CENTER, Region.CENTER, None, Region.DEVOPS)
    assert beta_status.last_closed is not None
    assert beta_status.last_closed.round.id == beta_rounds[-1].id
    assert beta_status.trend.regions == (
        Region.OUTSIDE,
        Region.FEASIBILITY,
        Region.CENTER,
        Region.CENTER,
    )
    assert before["digests"][3].round.score.notes == 1

    # A second run, the same day or another replica's, finds nothing more to do: one look at
    # the rounds not done with yet.
    again = await services.retention.purge(days=20)
    assert (again.summarised, again.rows, again.finished) == (0, 0, True)
    assert (again.round_batches, again.batches, purged.rounds) == (1, 0, 8)


async def test_forget_deletes_one_person_and_keeps_the_closed_rounds_as_they_closed(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock, status_ttl=0)
    team = await _team(services, channel_id="C1", name="alpha")
    rounds = await _weeks(services, clock, team, WEEKS)
    before = await services.status.history(team=team, limit=20)
    other_rows = await _people_rows(db, "U2")

    forgotten = await services.retention.forget(workspace_id=WORKSPACE, user_id="U0")

    after = await services.status.history(team=team, limit=20)
    # U0 answered every week (21 answers, week 4's 3 included) and left the weeks' W notes.
    assert forgotten == Forgotten(
        answers=21,
        notes=len(WEEKS),
        deliveries=len(WEEKS),
        memberships=1,
        manager_roles=1,
        profiles=1,
        teams_chats=0,
        summarised=len(WEEKS) - 1,
    )
    assert forgotten.describe().startswith("deleted 21 answers, 7 notes, 7 deliveries, ")
    assert await _people_rows(db, "U0") == dict.fromkeys(other_rows, 0)
    assert await _people_rows(db, "U2") == other_rows
    # Closed rounds: as they closed. The open round: without U0.
    assert after[:-1] == before[:-1]
    assert before[-1].round.id == after[-1].round.id == rounds[-1].id
    assert (before[-1].score.respondents, after[-1].score.respondents) == (3, 2)
    assert (before[-1].score.asked, after[-1].score.asked) == (5, 4)
    refused = await services.answers.record(
        workspace_id=WORKSPACE,
        round_id=rounds[-1].id,
        user_id="U0",
        circle=Circle.HOW,
        value=Y,
    )
    assert (refused.stored, refused.reason) == (False, "not_asked")
    # Forgetting again finds nothing.
    assert await services.retention.forget(workspace_id=WORKSPACE, user_id="U0") == Forgotten(
        0, 0, 0, 0, 0, 0, 0, 0
    )


async def test_a_long_daily_run_goes_on_over_several_ticks_and_is_logged_once(
    db: Database, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="bot.services.retention")
    services = Services(db=db, clock=clock, status_ttl=0)
    team = await _team(services, channel_id="C1", name="alpha")
    # Weeks 0 and 1 closed (12 and 9 answer rows), week 2 open (12 rows); then 40 days pass.
    *_, week2 = await _weeks(services, clock, team, WEEKS[:3])
    clock.advance(timedelta(days=40))
    retention = Retention(services.store, batch=2, batches_per_tick=2)

    calls = [await retention.daily(days=30) for _ in range(8)]

    # Statements: the 2 rounds fetched and summarised (a full batch: more may wait), 11
    # deletes (21 rows, 2 at a time, the last one short, which marks both rounds done), a
    # fetch that finds no more: 13, two a call. The 7th call finishes; the 8th, the same day,
    # does nothing.
    assert [c is not None for c in calls] == [False] * 6 + [True, False]
    run = calls[6]
    assert run is not None
    assert (run.summarised, run.rounds, run.round_batches) == (2, 2, 2)
    assert (run.rows, run.answers, run.notes, run.batches) == (21, 21, 2, 11)
    logged = [r.getMessage() for r in caplog.records if r.name == "bot.services.retention"]
    assert [line[:42] for line in logged] == ["retention: deleted 21 answers and 2 notes "]
    assert await _answer_rows(db) == {week2.id: 12}

    # A day later: the next run, which finds nothing more.
    clock.advance(timedelta(days=1))
    again = await retention.daily(days=30)
    assert again is not None
    assert (again.summarised, again.rows, again.finished) == (0, 0, True)
