"""Status, `status all` and the status cache, through ``Services`` on both databases.

The cache serves a status again for ``status_ttl`` seconds; this process's own writes (a click,
a note, a new round, a membership change) drop it at once, and writes by another process (a
second replica: a second ``Services`` on the same database) show once the TTL has passed.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FrozenClock
from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import Team
from bot.domain.regions import Region
from bot.domain.views import PersonInfo
from bot.services import Services
from bot.services import status as status_module
from storage.db import Database

WORKSPACE = "T1"
PEOPLE = [PersonInfo(f"U{i}", f"person {i}", "Europe/Berlin") for i in range(4)]


class FakeMonotonic:
    """Seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _team(services: Services, *, channel_id: str = "C1", name: str = "alpha") -> Team:
    team, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE,
        channel_id=channel_id,
        channel_name=name,
        caller=PEOPLE[0],
        people=PEOPLE,
    )
    return team


async def _answer_all(
    services: Services, *, round_id: int, user_id: str, value: AnswerValue
) -> None:
    for circle in Circle:
        outcome = await services.answers.record(
            workspace_id=WORKSPACE, round_id=round_id, user_id=user_id, circle=circle, value=value
        )
        assert outcome.stored


async def test_a_click_shows_in_the_next_status_at_once(db: Database, clock: FrozenClock) -> None:
    services = Services(db=db, clock=clock, monotonic=FakeMonotonic())
    team = await _team(services)
    rnd, _ = await services.rounds.open(team=team)
    await _answer_all(services, round_id=rnd.id, user_id="U1", value=AnswerValue.YES)
    await _answer_all(services, round_id=rnd.id, user_id="U2", value=AnswerValue.YES)

    before = await services.status.team(team=team)
    _, _, in_channel = await services.status.channel(
        workspace_id=WORKSPACE, channel_id="C1", user_id="U1"
    )
    await _answer_all(services, round_id=rnd.id, user_id="U3", value=AnswerValue.YES)
    after = await services.status.team(team=team)
    _, _, in_channel_after = await services.status.channel(
        workspace_id=WORKSPACE, channel_id="C1", user_id="U1"
    )

    assert before.current is not None
    assert after.current is not None
    assert in_channel is not None
    assert in_channel_after is not None
    assert (before.current.score.respondents, before.current.region) == (2, None)
    assert (in_channel.current and in_channel.current.score.respondents) == 2
    assert (after.current.score.respondents, after.current.region) == (3, Region.CENTER)
    assert (in_channel_after.current and in_channel_after.current.score.respondents) == 3


async def test_membership_and_new_rounds_show_at_once(db: Database, clock: FrozenClock) -> None:
    services = Services(db=db, clock=clock, monotonic=FakeMonotonic())
    team = await _team(services)
    assert (await services.status.team(team=team)).current is None
    assert (await services.status.team(team=team)).members == 4

    rnd, _ = await services.rounds.open(team=team)
    await services.teams.member_left(workspace_id=WORKSPACE, channel_id="C1", user_id="U3")
    status = await services.status.team(team=team)

    assert status.current is not None
    assert status.current.round.id == rnd.id
    assert status.members == 3
    assert status.current.score.asked == 4  # the round was sent before U3 left


async def test_another_replica_s_click_shows_once_the_ttl_has_passed(
    db: Database, clock: FrozenClock
) -> None:
    ticking = FakeMonotonic()
    reader = Services(db=db, clock=clock, status_ttl=2.0, monotonic=ticking)
    writer = Services(db=db, clock=clock)  # another process on the same database
    team = await _team(writer)
    rnd, _ = await writer.rounds.open(team=team)
    await _answer_all(writer, round_id=rnd.id, user_id="U1", value=AnswerValue.NO)

    first = await reader.status.team(team=team)
    await _answer_all(writer, round_id=rnd.id, user_id="U2", value=AnswerValue.NO)
    ticking.now += 1.9
    within_ttl = await reader.status.team(team=team)
    ticking.now += 0.2
    after_ttl = await reader.status.team(team=team)

    assert first.current is not None
    assert within_ttl.current is not None
    assert after_ttl.current is not None
    assert first.current.score.respondents == 1
    assert within_ttl.current.score.respondents == 1  # stale, within the bound
    assert after_ttl.current.score.respondents == 2


async def test_without_a_ttl_every_status_is_computed(db: Database, clock: FrozenClock) -> None:
    reader = Services(db=db, clock=clock, status_ttl=0, monotonic=FakeMonotonic())
    writer = Services(db=db, clock=clock)
    team = await _team(writer)
    rnd, _ = await writer.rounds.open(team=team)
    await reader.status.team(team=team)
    await _answer_all(writer, round_id=rnd.id, user_id="U1", value=AnswerValue.NO)

    status = await reader.status.team(team=team)

    assert status.current is not None
    assert status.current.score.respondents == 1


async def test_status_all_in_chunks_equals_each_team_s_status(
    db: Database, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two teams per read, so five teams take three reads (two at a time).
    monkeypatch.setattr(status_module, "ORG_STATUS_CHUNK", 2)
    services = Services(db=db, clock=clock, status_ttl=0)
    answers = {
        "a-center": AnswerValue.YES,
        "b-outside": AnswerValue.NO,
        "c-center": AnswerValue.YES,
        "d-unplaced": None,
        "e-no-round": None,
    }
    teams = []
    for index, (name, value) in enumerate(answers.items()):
        team = await _team(services, channel_id=f"C{index}", name=name)
        teams.append(team)
        if name == "e-no-round":
            continue
        for week in range(3):
            clock.advance(timedelta(days=7))
            rnd, _ = await services.rounds.open(team=team, period=f"w{week}")
            for user in ("U1", "U2", "U3"):
                if value is not None:
                    await _answer_all(services, round_id=rnd.id, user_id=user, value=value)

    everything = await services.status.org(workspace_id=WORKSPACE)

    assert [s.team.name for s in everything] == [
        "a-center",
        "c-center",
        "b-outside",
        "d-unplaced",
        "e-no-round",
    ]
    for status in everything:
        assert status == await services.status.team(team=status.team)
    by_name = {s.team.name: s for s in everything}
    assert by_name["a-center"].last_closed is not None
    assert by_name["a-center"].trend.regions == (Region.CENTER, Region.CENTER)
    assert by_name["e-no-round"].current is None
    assert by_name["e-no-round"].members == 4
