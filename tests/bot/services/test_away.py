"""Away use cases: a mark's date in the team's time zone, the fan-out's set-aside (a status or a
mark, once, safe to retry), an away member refused an answer until they take their pulse back."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FrozenClock
from bot.domain.away import DEFAULT_AWAY_RULES, AwayItems, AwayRules, ChatStatus, MarkOutcome
from bot.domain.circles import AnswerValue, Circle
from bot.domain.views import PersonInfo
from bot.services import Services
from storage.db import Database

WS = "T1"
MEMBERS = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(4)]
LEASE = timedelta(seconds=15)


async def test_away_members_are_set_aside_once_and_answer_only_after_taking_it_back(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=MEMBERS[0], people=MEMBERS
    )
    today = services.away.today(team)
    yesterday = today - timedelta(days=1)
    assert (
        await services.away.mark(team=team, user_id="U3", until=yesterday, by="U0")
        == MarkOutcome.DATE_PASSED
    )
    for nobody in ("U9", "UBOT"):  # no member of the team
        assert (
            await services.away.mark(team=team, user_id=nobody, until=today, by="U0")
            == MarkOutcome.NOT_A_MEMBER
        )
    assert (
        await services.away.mark(team=team, user_id="U3", until=today, by="U0")
        == MarkOutcome.MARKED
    )
    rnd, _ = await services.rounds.open(team=team)
    claimed = await services.ledger.claim(
        team=team, round_id=rnd.id, owner="A", lease=LEASE, limit=10
    )
    statuses = {
        "U1": ChatStatus(emoji=":airplane:"),
        "U2": ChatStatus(text="Sick", expires_at=clock.now()),  # expired just now
    }
    users = [d.user_id for d in claimed]
    away = await services.away.set_aside(
        team=team, round_id=rnd.id, owner="A", user_ids=users, statuses=statuses
    )
    assert away == {"U1", "U3"}
    # A retry (the commit's answer lost): the same members, still set aside.
    again = await services.away.set_aside(
        team=team, round_id=rnd.id, owner="A", user_ids=users, statuses=statuses
    )
    assert again == {"U1", "U3"}
    status = await services.status.team(team=team)
    assert status.current is not None
    assert (status.current.score.asked, status.current.away) == (2, 2)

    refused = await services.answers.record(
        workspace_id=WS, round_id=rnd.id, user_id="U1", circle=Circle.WHAT, value=AnswerValue.YES
    )
    assert (refused.stored, refused.reason) == (False, "not_asked")
    found = await services.away.open_rounds(workspace_id=WS, user_id="U1")
    assert [(t.id, r.id) for t, r in found] == [(team.id, rnd.id)]
    assert await services.away.take_back(
        team=team, round_id=rnd.id, user_id="U1", owner="B", lease=LEASE
    )
    assert not await services.away.take_back(
        team=team, round_id=rnd.id, user_id="U1", owner="C", lease=LEASE
    )
    stored = await services.answers.record(
        workspace_id=WS, round_id=rnd.id, user_id="U1", circle=Circle.WHAT, value=AnswerValue.YES
    )
    assert stored.stored
    assert [m.user_id for m in await services.away.marks(team=team)] == ["U3"]
    assert await services.away.unmark(team=team, user_id="U3")
    assert await services.away.marks(team=team) == []


async def test_the_fan_out_reads_the_team_s_own_list_of_away_statuses(
    db: Database, clock: FrozenClock
) -> None:
    services = Services(db=db, clock=clock)
    team, _, _ = await services.teams.setup(
        workspace_id=WS, channel_id="C1", channel_name="alpha", caller=MEMBERS[0], people=MEMBERS
    )
    statuses = {
        "U1": ChatStatus(emoji=":baby:"),
        "U2": ChatStatus(text="Sick"),
        "U3": ChatStatus(text="pto"),
    }
    baby_and_pto = AwayItems(emoji=(":baby:",), words=("PTO",))
    rules, refused = await services.away.change_rules(
        team=team, action="add", items=baby_and_pto, by="U0"
    )
    assert refused is None
    assert rules == AwayRules(
        emoji=(*DEFAULT_AWAY_RULES.emoji, ":baby:"), words=(*DEFAULT_AWAY_RULES.words, "PTO")
    )
    rules, refused = await services.away.change_rules(
        team=team, action="remove", items=AwayItems(words=("sick",)), by="U0"
    )
    assert refused is None
    assert await services.away.rules(team=team) == rules
    assert "sick" not in rules.words

    async def away_in_a_new_round() -> set[str]:
        rnd, _ = await services.rounds.open(team=team)
        claimed = await services.ledger.claim(
            team=team, round_id=rnd.id, owner="A", lease=LEASE, limit=10
        )
        users = [d.user_id for d in claimed]
        return await services.away.set_aside(
            team=team, round_id=rnd.id, owner="A", user_ids=users, statuses=statuses
        )

    assert await away_in_a_new_round() == {"U1", "U3"}
    reset, refused = await services.away.change_rules(
        team=team, action="reset", items=AwayItems(), by="U0"
    )
    assert (reset, refused) == (DEFAULT_AWAY_RULES, None)
    clock.advance(timedelta(minutes=5))
    assert await away_in_a_new_round() == {"U2"}  # "Sick" is a default again; :baby: is not
