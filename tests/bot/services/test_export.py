"""Export through ``Services`` on both databases: one row per round with status's figures, the
same after retention deleted the answers, nothing of a round below the minimum respondents."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from bot.clock import FrozenClock
from bot.domain.export import to_csv
from bot.domain.views import PersonInfo
from bot.services import Services
from storage.db import Database
from tests.support.history import EXPECTED, NOTES, three_closed_rounds

WORKSPACE = "T1"
PEOPLE = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(4)]


def _cells(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_one_row_per_round_with_the_figures_status_shows(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock, status_ttl=0)
    team, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE, channel_id="C1", channel_name="alpha", caller=PEOPLE[0],
        people=PEOPLE,
    )  # fmt: skip
    rounds = await three_closed_rounds(services, clock, team, [p.user_id for p in PEOPLE])

    rows = await services.export.team(team=team)

    history = await services.status.history(team=team, limit=10)
    assert [r.round for r in rows] == [v.round.number for v in history] == [1, 2, 3]
    assert [r.region for r in rows] == ["Center", "Not enough answers", "DevOps"]
    assert [r.opened for r in rows] == [r.opened_at for r in rounds]
    assert [r.closed for r in rows] == [v.round.closed_at for v in history]
    assert None not in [r.closed for r in rows]
    cells = _cells(to_csv(rows))
    assert [{k: v for k, v in c.items() if k in EXPECTED[0]} for c in cells] == EXPECTED
    assert {(c["team"], c["channel"]) for c in cells} == {("alpha", "C1")}
    text = to_csv(rows)
    for secret in (*NOTES, *(p.user_id for p in PEOPLE), *(p.name for p in PEOPLE)):
        assert secret not in text


async def test_a_round_whose_answers_were_deleted_exports_as_it_closed(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock, status_ttl=0)
    team, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE, channel_id="C1", channel_name="alpha", caller=PEOPLE[0],
        people=PEOPLE,
    )  # fmt: skip
    await three_closed_rounds(services, clock, team, [p.user_id for p in PEOPLE])
    before = await services.export.team(team=team)

    clock.advance(timedelta(seconds=1))  # the last round closed a moment ago
    purged = await services.retention.purge(days=0)

    assert purged.summarised == 3
    assert purged.rows > 0
    assert await services.export.team(team=team) == before


async def test_a_workspace_exports_every_team_or_the_one_asked_for(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock, status_ttl=0)
    beta, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE, channel_id="C2", channel_name="beta", caller=PEOPLE[0],
        people=PEOPLE,
    )  # fmt: skip
    alpha, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE, channel_id="C1", channel_name="alpha", caller=PEOPLE[0],
        people=PEOPLE,
    )  # fmt: skip
    await three_closed_rounds(services, clock, alpha, [p.user_id for p in PEOPLE])
    await services.rounds.open(team=beta, period="beta-1")

    every = await services.export.workspace(workspace_id=WORKSPACE)
    one = await services.export.workspace(workspace_id=WORKSPACE, channel_id="C2")

    assert every is not None
    assert one is not None
    assert [(r.team, r.round) for r in every] == [
        ("alpha", 1), ("alpha", 2), ("alpha", 3), ("beta", 1)
    ]  # fmt: skip
    # Beta's open round, so far: no close time, no one answered yet.
    assert [(r.team, r.closed, r.region, r.asked) for r in one] == [
        ("beta", None, "Not enough answers", 4)
    ]
    assert await services.export.workspace(workspace_id=WORKSPACE, channel_id="C9") is None
    assert await services.export.workspace(workspace_id="T-other") == []
