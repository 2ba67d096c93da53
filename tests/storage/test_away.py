"""Away in storage: managers' marks, the ledger's ``away`` rows (never claimed, reminded or
counted as pending or asked), taking one back, and the away count kept by the round summary."""

from __future__ import annotations

from datetime import date, timedelta

from bot.clock import FrozenClock
from bot.domain.away import DEFAULT_AWAY_RULES, AwayRules
from bot.domain.model import SentDM
from storage import aggregates, away, ledger, retention, teams
from storage.db import Database
from tests.storage.conftest import DeliveryMaker, RoundMaker, RowReader, TeamMaker
from tests.support.rows import close_round

LEASE = timedelta(seconds=15)


async def test_marks_hold_until_their_last_day_and_are_scoped_to_their_team(
    db: Database, clock: FrozenClock, new_team: TeamMaker
) -> None:
    team = await new_team()
    other = await new_team(channel_id="C2", name="beta")
    now, today = clock.now(), date(2026, 12, 10)
    ids = {"workspace_id": "T1", "team_id": team.id}
    async with db.write() as s:
        await away.set_mark(s, **ids, user_id="U1", until=today, marked_by="UM", now=now)
        await away.set_mark(
            s, **ids, user_id="U2", until=date(2026, 12, 1), marked_by=None, now=now
        )
        # A second mark replaces the first.
        await away.set_mark(
            s, **ids, user_id="U3", until=date(2026, 12, 11), marked_by="UM", now=now
        )
        await away.set_mark(
            s, **ids, user_id="U3", until=date(2026, 12, 24), marked_by="UX", now=now
        )
    async with db.read() as s:
        held = await away.marks(s, **ids, today=today)
        among = await away.marked_among(s, **ids, user_ids=["U1", "U2", "U3", "U4"], today=today)
        tomorrow = await away.marked_among(
            s, **ids, user_ids=["U1", "U3"], today=today + timedelta(days=1)
        )
        elsewhere = await away.marked_among(
            s, workspace_id="T1", team_id=other.id, user_ids=["U1", "U3"], today=today
        )
    assert [(m.user_id, m.until, m.marked_by) for m in held] == [
        ("U1", today, "UM"),
        ("U3", date(2026, 12, 24), "UX"),
    ]
    assert among == {"U1", "U3"}  # U2's last day has passed
    assert tomorrow == {"U3"}  # "until" is inclusive: U1 is back the day after
    assert elsewhere == set()
    async with db.write() as s:
        assert await away.clear_mark(s, **ids, user_id="U3")
        assert not await away.clear_mark(s, **ids, user_id="U3")


async def test_away_rows_are_never_claimed_reminded_pending_or_asked(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    team = await new_team()
    rnd = await new_round(team, "2026-W50")
    await new_deliveries(rnd, ["U1", "U2", "U3", "U4"])
    now, ws = clock.now(), {"workspace_id": "T1", "round_id": rnd.id}
    async with db.write() as s:
        claimed = await ledger.claim_deliveries(
            s, **ws, owner="A", now=now, until=now + LEASE, limit=2
        )
        assert [d.user_id for d in claimed] == ["U1", "U2"]
        # Only the owner's leased pending rows are set aside: U3 is not A's.
        assert await away.set_aside(s, **ws, user_ids=["U1", "U3"], owner="A", now=now) == {"U1"}
        assert await away.set_aside(s, **ws, user_ids=["U2"], owner="B", now=now) == set()
    later = now + 2 * LEASE  # every lease has run out
    async with db.write() as s:
        again = await ledger.claim_deliveries(
            s, **ws, owner="C", now=later, until=later + LEASE, limit=10
        )
        assert sorted(d.user_id for d in again) == ["U2", "U3", "U4"]
        assert await ledger.count_pending_deliveries(s) == 3
    async with db.write() as s:
        await ledger.mark_sent_many(
            s,
            **ws,
            sent=[SentDM(u, f"D{u}", "1.1") for u in ("U2", "U3", "U4")],
            now=later,
        )
        assert await ledger.count_pending_deliveries(s) == 0
        reminded = await ledger.claim_reminders(s, **ws, now=later)
    assert [t.user_id for t in reminded] == ["U2", "U3", "U4"]  # not U1, who is away
    async with db.read() as s:
        (agg,) = (
            await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[rnd.id])
        ).values()
        opened = await away.open_rounds_away(s, workspace_id="T1", user_id="U1")
        none = await away.open_rounds_away(s, workspace_id="T1", user_id="U2")
    assert (agg.asked, agg.away) == (3, 1)
    assert {t: r.id for t, r in opened.items()} == {team.id: rnd.id}
    assert none == {}

    # U1 asks for their pulse: away → pending, leased to the asker; only once.
    async with db.write() as s:
        assert await away.take_back(
            s, **ws, user_id="U1", owner="D", until=later + LEASE, now=later
        )
        assert not await away.take_back(
            s, **ws, user_id="U1", owner="E", until=later + LEASE, now=later
        )
        # Leased to D: no fan-out takes it meanwhile.
        assert (
            await ledger.claim_deliveries(
                s, **ws, owner="F", now=later, until=later + LEASE, limit=10
            )
            == []
        )
    async with db.read() as s:
        (agg,) = (
            await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[rnd.id])
        ).values()
    assert (agg.asked, agg.away) == (4, 0)


async def test_the_away_count_survives_retention(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_round: RoundMaker,
    new_deliveries: DeliveryMaker,
) -> None:
    team = await new_team()
    rnd = await new_round(team, "2026-W50")
    await new_deliveries(rnd, ["U1", "U2", "U3"])
    now, ws = clock.now(), {"workspace_id": "T1", "round_id": rnd.id}
    async with db.write() as s:
        await ledger.claim_deliveries(s, **ws, owner="A", now=now, until=now + LEASE, limit=10)
        await away.set_aside(s, **ws, user_ids=["U1", "U2"], owner="A", now=now)
        await close_round(s, workspace_id="T1", round_id=rnd.id, now=now)
        assert await retention.summarise_rounds(s, workspace_id="T1", round_ids=[rnd.id], now=now)
        # What a later `sdo forget` of U1 deletes: their ledger rows go, the summary stays.
        await retention.delete_person(s, workspace_id="T1", user_id="U1")
    async with db.read() as s:
        (agg,) = (
            await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[rnd.id])
        ).values()
        figures = await aggregates.team_figures(s, workspace_id="T1", limit=5)
    assert (agg.asked, agg.away) == (1, 2)
    assert figures[team.id].rounds[-1].aggregate.away == 2


async def test_a_team_s_away_rules_are_its_own_whole_list_and_reset_deletes_them(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    team = await new_team()
    other = await new_team(channel_id="C2", name="beta")
    elsewhere = await new_team(workspace_id="T2")
    now, ids = clock.now(), {"workspace_id": "T1", "team_id": team.id}
    own = AwayRules(emoji=(":baby:", ":palm_tree:"), words=("parental leave", "PTO"))
    async with db.read() as s:
        assert await away.get_rules(s, **ids) == DEFAULT_AWAY_RULES
    async with db.write() as s:
        await away.set_rules(s, **ids, rules=AwayRules(emoji=(":x:",)), by="UM", now=now)
        await away.set_rules(s, **ids, rules=own, by="UX", now=now)  # replaces the first
        await away.set_rules(
            s, workspace_id="T2", team_id=elsewhere.id, rules=AwayRules(words=()), by=None, now=now
        )
    async with db.read() as s:
        assert await away.get_rules(s, **ids) == own
        assert await away.get_rules(s, workspace_id="T1", team_id=other.id) == DEFAULT_AWAY_RULES
        # Another workspace's team with the same id sees only its own.
        assert await away.get_rules(s, workspace_id="T2", team_id=team.id) != own
        # An empty list is a list: nothing means away.
        assert await away.get_rules(s, workspace_id="T2", team_id=elsewhere.id) == AwayRules(
            emoji=DEFAULT_AWAY_RULES.emoji, words=()
        )
    (stored,) = await rows("team_away_rules", workspace_id="T1")
    assert (stored["emoji"], stored["words"], stored["updated_by"]) == (
        ":baby:\n:palm_tree:",
        "parental leave\nPTO",
        "UX",
    )
    async with db.write() as s:
        await away.set_rules(s, **ids, rules=None, by="UM", now=now)
    assert await rows("team_away_rules", workspace_id="T1") == []
    async with db.read() as s:
        assert await away.get_rules(s, **ids) == DEFAULT_AWAY_RULES

    # Deleting the team, or the workspace, deletes its list.
    async with db.write() as s:
        await away.set_rules(s, **ids, rules=own, by="UM", now=now)
        assert await teams.delete_teams_in_channels(s, workspace_id="T1", channel_ids=["C1"]) == 1
        await teams.delete_workspace(s, workspace_id="T2")
    assert await rows("team_away_rules") == []
