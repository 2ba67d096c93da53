"""``sdo demo``: three simulated teams over eight weekly rounds, on a fresh SQLite file.

A thin script over the same service code the Slack app uses: teams are set up, rounds opened,
members answer, rounds close, and each team's status is read back and printed.
"""

from __future__ import annotations

import random
import tempfile
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TextIO

from bot.clock import FrozenClock
from bot.domain.circles import CIRCLES, AnswerValue, Circle
from bot.domain.regions import Region, region_label
from bot.services import PersonInfo, RoundView, Services, TeamStatus
from storage.db import Database
from storage.migrate import upgrade

WORKSPACE = "TDEMO0001"
WEEKS = 8
START = datetime(2026, 9, 3, 13, 0, tzinfo=UTC)  # a Thursday, 15:00 in Berlin


@dataclass(frozen=True)
class DemoTeam:
    channel_id: str
    name: str
    tz: str
    members: int
    path: Sequence[Region | None]  # the region each week's answers aim at (None: few answer)


DEMO_TEAMS = (
    DemoTeam("CPAYMENTS", "payments", "Europe/Berlin", 5,
             [Region.DEVOPS, Region.DEVOPS, Region.DEVOPS, None, Region.DEVOPS,
              Region.CENTER, Region.CENTER, Region.CENTER]),
    DemoTeam("CPLATFORM", "platform", "America/New_York", 4,
             [Region.FEASIBILITY, Region.FEASIBILITY, Region.RESEARCH_ONLY, Region.FEASIBILITY,
              Region.FEASIBILITY, Region.FEASIBILITY, Region.FEASIBILITY, Region.FEASIBILITY]),
    DemoTeam("CGROWTH", "growth", "Asia/Tokyo", 6,
             [Region.MARKETING, Region.MARKETING, Region.MARKETING, Region.DELIVERY_ONLY,
              Region.DELIVERY_ONLY, Region.OUTSIDE, Region.OUTSIDE, Region.OUTSIDE]),
)


def _answers_for(target: Region, rng: random.Random) -> dict[Circle, AnswerValue]:
    """One member's plausible answers for a team whose week lands in ``target``."""
    answers = {}
    for circle in CIRCLES:
        if circle in target.circles:
            pool = [AnswerValue.YES] * 5 + [AnswerValue.PARTLY] * 2 + [AnswerValue.NOT_SURE]
        else:
            pool = [AnswerValue.NO] * 5 + [AnswerValue.PARTLY] + [AnswerValue.NOT_SURE]
        answers[circle] = rng.choice(pool)
    return answers


async def run_demo(out: TextIO, folder: Path | None = None) -> Path:
    """Simulate the demo teams and print what a manager would read. Returns the database path."""
    folder = folder or Path(tempfile.mkdtemp(prefix="sdo-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "sdo-demo.db"
    db_path.unlink(missing_ok=True)
    db = Database(f"sqlite+aiosqlite:///{db_path}")
    try:
        await upgrade(db)
        clock = FrozenClock(START)
        services = Services(db=db, clock=clock)
        teams = {}
        for spec in DEMO_TEAMS:
            people = [
                PersonInfo(f"U{spec.name.upper()[:4]}{i:02d}", f"{spec.name}-member-{i}", spec.tz)
                for i in range(1, spec.members + 1)
            ]
            team, _, _ = await services.setup_team(
                workspace_id=WORKSPACE, channel_id=spec.channel_id, channel_name=spec.name,
                caller=people[0], people=people,
            )
            teams[spec.name] = (spec, team, people)

        rng = random.Random(7)
        for week in range(WEEKS):
            clock.set(START + timedelta(weeks=week))
            for spec, team, people in teams.values():
                rnd, _ = await services.open_round(team=team, period=f"demo-week-{week + 1}")
                target = spec.path[week]
                # A week aimed at "not enough answers" has only one respondent.
                answering = people[:1] if target is None else people
                clock.set(START + timedelta(weeks=week, hours=2))
                for person in answering:
                    aim = target or Region.CENTER
                    for circle, value in _answers_for(aim, rng).items():
                        await services.answer(
                            workspace_id=WORKSPACE, round_id=rnd.id, user_id=person.user_id,
                            circle=circle, value=value,
                        )
                    if rng.random() < 0.3:
                        await services.save_note(
                            workspace_id=WORKSPACE, round_id=rnd.id, user_id=person.user_id,
                            circle=rng.choice(CIRCLES), note="Demo with ACME's support lead",
                            internal_customer=rng.random() < 0.5,
                        )
        clock.set(START + timedelta(weeks=WEEKS - 1, days=4))
        for name, (_spec, team, _people) in teams.items():
            status = await services.team_status(team=team)
            assert status.current is not None
            await services.close_round(team=team, round_id=status.current.round.id)
            status = await services.team_status(team=team)
            rounds = await services.history(team=team, limit=WEEKS)
            _print_team(out, name, team.tz, len(_people), rounds, status)
    finally:
        await db.dispose()
    out.write(f"\nDatabase: {db_path}\n")
    return db_path


def _fmt(score: float | None) -> str:
    return "  –  " if score is None else f"{score:4.2f} "


def _print_team(out: TextIO, name: str, tz: str, size: int, rounds: list[RoundView],
                status: TeamStatus) -> None:
    out.write(f"\n#{name}  ({size} members, {tz})\n")
    out.write("  round  opened      region                 what  how   deliv answered\n")
    for view in rounds:
        score = view.score
        opened = view.round.opened_at.strftime("%Y-%m-%d")
        out.write(
            f"  {view.round.number:>5}  {opened}  {region_label(view.region):<22} "
            + "".join(_fmt(score.score(c)) + " " for c in CIRCLES)
            + f"{score.respondents}/{score.asked}"
            + ("  disagree: " + ",".join(c.info.short for c in sorted(score.disagreements))
               if score.disagreements else "")
            + "\n"
        )
    out.write(f"  trend: {status.trend.path}  ({status.trend.direction.label})\n")
    out.write("  nudges this week:\n")
    for nudge in status.nudges:
        wrapped = textwrap.fill(nudge.text, width=92, initial_indent="   • ",
                                subsequent_indent="     ")
        out.write(wrapped + "\n")
