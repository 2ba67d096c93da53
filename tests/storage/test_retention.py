"""Retention on both databases: old answers and notes go in batches, only once their round is
summarised; the summaries make the aggregates read as before; one person's rows go on request.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.clock import FrozenClock
from bot.domain.away import AwayRules
from bot.domain.circles import ANSWER_VALUES, CIRCLES, AnswerValue, Circle
from bot.domain.model import Round, Team
from bot.domain.scoring import Tally
from storage import aggregates, away, questions, retention, rounds, teams, teams_addresses
from storage.db import Database
from storage.retention import DeletedAnswers, DeletedPerson
from tests.storage.conftest import (
    DeliveryMaker,
    RowReader,
    TeamMaker,
    add_answer,
    add_note,
    insert_deliveries,
)
from tests.support.rows import close_round

W, H, D = Circle.WHAT, Circle.HOW, Circle.DELIVER
YES, PARTLY, NO, NOT_SURE = (
    AnswerValue.YES,
    AnswerValue.PARTLY,
    AnswerValue.NO,
    AnswerValue.NOT_SURE,
)
DAY = timedelta(days=1)


async def _round(
    db: Database, team: Team, period: str, *, opened: datetime, closed: datetime | None
) -> Round:
    """A round of ``team`` opened (and closed) at the given times."""
    async with db.write() as s:
        rnd, _ = await rounds.open_round(
            s, workspace_id=team.workspace_id, team_id=team.id, period=period, now=opened
        )
        if closed is not None:
            assert await close_round(s, workspace_id=team.workspace_id, round_id=rnd.id, now=closed)
    return rnd


async def _five_rows(db: Database, clock: FrozenClock, rnd: Round) -> None:
    """Five answer rows: four with an answer, two with a note (one of them a note alone)."""
    await add_answer(db, clock, rnd, "U1", W, YES)
    await add_note(db, clock, rnd, "U1", W, "Acme validated it")
    await add_answer(db, clock, rnd, "U1", H, NO)
    await add_answer(db, clock, rnd, "U2", W, PARTLY)
    await add_note(db, clock, rnd, "U2", D, "support reviewed it", internal_customer=True)
    await add_answer(db, clock, rnd, "U3", D, NOT_SURE)


async def _summarise(db: Database, *, closed_before: datetime, now: datetime) -> int:
    """Summarise every round ``rounds_to_purge`` finds; the summaries written."""
    async with db.write() as s:
        due = await retention.rounds_to_purge(s, closed_before=closed_before, limit=100)
        written = 0
        for workspace_id in sorted({w for w, _ in due}):
            written += await retention.summarise_rounds(
                s,
                workspace_id=workspace_id,
                round_ids=[r for w, r in due if w == workspace_id],
                now=now,
            )
    return written


async def _delete_batches(
    db: Database, *, closed_before: datetime, limit: int, now: datetime
) -> list[DeletedAnswers]:
    """The job's deletes: ``delete_answers_of_rounds`` of the rounds ``rounds_to_purge`` finds
    until a batch comes back short, then ``mark_answers_deleted``; every batch's counts."""
    async with db.read() as s:
        round_ids = [
            r for _, r in await retention.rounds_to_purge(s, closed_before=closed_before, limit=100)
        ]
    batches = []
    while True:
        async with db.write() as s:
            batch = await retention.delete_answers_of_rounds(s, round_ids=round_ids, limit=limit)
            if batch.rows < limit:
                await retention.mark_answers_deleted(s, round_ids=round_ids, now=now)
        batches.append(batch)
        if batch.rows < limit:
            return batches


async def _answer_rounds(rows: RowReader) -> list[int]:
    return sorted({a["round_id"] for a in await rows("answer")})


async def test_old_answers_and_notes_go_in_batches_once_their_round_is_summarised(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    now = clock.now()
    team = await new_team()
    old = await _round(db, team, "old", opened=now - 100 * DAY, closed=now - 93 * DAY)
    await new_deliveries(old, ["U1", "U2", "U3"])
    await _five_rows(db, clock, old)
    cutoff = now - 30 * DAY

    # Not summarised yet: nothing is deleted, and the round is not done with.
    async with db.write() as s:
        assert await retention.delete_answers_of_rounds(s, round_ids=[old.id], limit=2) == (
            DeletedAnswers()
        )
        assert await retention.mark_answers_deleted(s, round_ids=[old.id], now=now) == 0
    assert len(await rows("answer")) == 5

    assert await _summarise(db, closed_before=cutoff, now=now) == 1
    async with db.write() as s:  # answers left: not done yet either
        assert await retention.mark_answers_deleted(s, round_ids=[old.id], now=now) == 0
    batches = await _delete_batches(db, closed_before=cutoff, limit=2, now=now)

    # 2 + 2 + 1 rows: three statements; four rows held an answer, two a note.
    assert [b.rows for b in batches] == [2, 2, 1]
    assert sum(b.answers for b in batches) == 4
    assert sum(b.notes for b in batches) == 2
    assert await rows("answer") == []
    # The deliveries (who was asked) stay, and so does the round.
    assert len(await rows("delivery", round_id=old.id)) == 3
    (stored,) = await rows("round")
    assert (stored["id"], stored["answers_deleted_at"]) == (old.id, now)
    # Done with: the next run does not read it again.
    async with db.read() as s:
        assert await retention.rounds_to_purge(s, closed_before=cutoff, limit=10) == []


async def test_recent_and_open_rounds_keep_their_answers(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    now = clock.now()
    cutoff = now - 30 * DAY
    old_team, open_team = await new_team(channel_id="C1"), await new_team(channel_id="C2")
    old = await _round(db, old_team, "old", opened=now - 40 * DAY, closed=now - 31 * DAY)
    recent = await _round(db, old_team, "recent", opened=now - 31 * DAY, closed=now - 29 * DAY)
    # Open for 200 days: an open round's answers may still change; it is never purged.
    still_open = await _round(db, open_team, "open", opened=now - 200 * DAY, closed=None)
    for rnd in (old, recent, still_open):
        await add_answer(db, clock, rnd, "U1", W, YES)
        await add_note(db, clock, rnd, "U1", H, "evidence")

    async with db.read() as s:
        due = await retention.rounds_to_purge(s, closed_before=cutoff, limit=100)
    assert due == [("T1", old.id)]
    assert await _summarise(db, closed_before=cutoff, now=now) == 1
    async with db.write() as s:  # an open round is never summarised, even when named
        assert (
            await retention.summarise_rounds(
                s, workspace_id="T1", round_ids=[still_open.id, recent.id], now=now
            )
            == 1
        )
    batches = await _delete_batches(db, closed_before=cutoff, limit=100, now=now)

    assert [(b.rows, b.answers, b.notes) for b in batches] == [(2, 1, 1)]
    assert await _answer_rounds(rows) == sorted([recent.id, still_open.id])
    assert [s["round_id"] for s in await rows("round_summary")] == sorted([old.id, recent.id])


async def test_a_summary_holds_the_round_s_counts_and_is_written_once(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    now = clock.now()
    team = await new_team()
    rnd = await _round(db, team, "p", opened=now - 10 * DAY, closed=now - 9 * DAY)
    await new_deliveries(rnd, ["U1", "U2", "U3", "U4"])
    await _five_rows(db, clock, rnd)

    async with db.write() as s:
        first = await retention.summarise_rounds(s, workspace_id="T1", round_ids=[rnd.id], now=now)
    async with db.write() as s:  # again, later, and in another workspace's name
        again = await retention.summarise_rounds(
            s, workspace_id="T1", round_ids=[rnd.id], now=now + DAY
        )
        foreign = await retention.summarise_rounds(
            s, workspace_id="T2", round_ids=[rnd.id], now=now + DAY
        )

    assert (first, again, foreign) == (1, 0, 0)
    (summary,) = await rows("round_summary")
    assert summary == {
        "round_id": rnd.id,
        "workspace_id": "T1",
        **{"w_yes": 1, "w_partly": 1, "w_no": 0, "w_not_sure": 0},
        **{"h_yes": 0, "h_partly": 0, "h_no": 1, "h_not_sure": 0},
        **{"d_yes": 0, "d_partly": 0, "d_no": 0, "d_not_sure": 1},
        "respondents": 3,
        "notes": 2,
        "internal_customer_notes": 1,
        "asked": 4,
        "away": 0,
        "summarised_at": now,
    }


async def test_a_summarised_round_reads_from_its_summary(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    # The summary, not the rows, is what the readers use: rows changed behind its back (here
    # a raw delete of one member's delivery and answers) do not show.
    now = clock.now()
    team = await new_team()
    rnd = await _round(db, team, "p", opened=now - 10 * DAY, closed=now - 9 * DAY)
    await new_deliveries(rnd, ["U1", "U2", "U3"])
    await _five_rows(db, clock, rnd)
    async with db.read() as s:
        before = await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[rnd.id])
    async with db.write() as s:
        await retention.summarise_rounds(s, workspace_id="T1", round_ids=[rnd.id], now=now)
        await retention.delete_person(s, workspace_id="T1", user_id="U1")
        await retention.delete_person_answers(s, workspace_id="T1", user_id="U1", limit=10)
    async with db.read() as s:
        after = await aggregates.round_aggregates(s, workspace_id="T1", round_ids=[rnd.id])
        (figures,) = (await aggregates.team_figures(s, workspace_id="T1", limit=5)).values()

    assert len(await rows("answer")) == 3  # U1's two rows are gone
    assert before[rnd.id].tallies[W] == Tally(yes=1, partly=1)
    assert after == before
    assert figures.rounds[0].aggregate == before[rnd.id]


async def _history(db: Database, clock: FrozenClock, team: Team, rng: random.Random) -> None:
    """Eight weekly rounds of random answers and notes, the last one left open."""
    start = clock.now() - 60 * DAY
    users = [f"U{i}" for i in range(6)]
    for week in range(8):
        opened = start + week * 7 * DAY
        closed = opened + 6 * DAY if week < 7 else None
        rnd = await _round(db, team, f"w{week}", opened=opened, closed=None)
        async with db.write() as s:
            await insert_deliveries(s, rnd, users, now=opened)
            for user in users:
                for circle in CIRCLES:
                    if rng.random() < 0.7:
                        await rounds.upsert_answer(
                            s,
                            workspace_id=team.workspace_id,
                            round_id=rnd.id,
                            user_id=user,
                            circle=circle,
                            value=rng.choice(ANSWER_VALUES),
                            now=opened,
                        )
                    if rng.random() < 0.2:
                        await rounds.upsert_note(
                            s,
                            workspace_id=team.workspace_id,
                            round_id=rnd.id,
                            user_id=user,
                            circle=circle,
                            note="evidence",
                            internal_customer=rng.random() < 0.5,
                            now=opened,
                        )
            if closed is not None:
                await close_round(s, workspace_id=team.workspace_id, round_id=rnd.id, now=closed)


async def _all_figures(db: Database, round_ids: Sequence[int]) -> tuple[object, object]:
    async with db.read() as s:
        return (
            await aggregates.team_figures(s, workspace_id="T1", limit=20),
            await aggregates.round_aggregates(s, workspace_id="T1", round_ids=round_ids),
        )


async def test_the_aggregates_are_the_same_before_and_after_the_purge(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    rng = random.Random(15)
    alpha, beta = await new_team(channel_id="C1", name="a"), await new_team(channel_id="C2")
    await _history(db, clock, alpha, rng)
    await _history(db, clock, beta, rng)
    round_ids = [r["id"] for r in await rows("round")]
    before = await _all_figures(db, round_ids)
    # Closed more than 20 days ago: the first five weeks' rounds of each team.
    cutoff = clock.now() - 20 * DAY
    purged = [r["id"] for r in await rows("round") if r["closed_at"] and r["closed_at"] < cutoff]
    answers_before = len(await rows("answer"))

    assert await _summarise(db, closed_before=cutoff, now=clock.now()) == len(purged) == 10
    batches = await _delete_batches(db, closed_before=cutoff, limit=7, now=clock.now())

    assert await _all_figures(db, round_ids) == before
    assert not set(purged) & set(await _answer_rounds(rows))
    left = len(await rows("answer"))
    assert sum(b.rows for b in batches) == answers_before - left > 0
    assert left > 0  # the recent and open rounds' answers are still there
    # The comparison is not empty: the purged rounds had respondents and notes.
    team_figures, _ = before
    assert isinstance(team_figures, dict)
    old = [f for f in team_figures[alpha.id].rounds if f.round.id in purged]
    assert sum(f.aggregate.respondents for f in old) > 0
    assert sum(f.aggregate.notes for f in old) > 0


async def test_two_processes_purging_at_once_count_every_row_once(
    db: Database, db_url: str, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    rng = random.Random(7)
    await _history(db, clock, await new_team(), rng)
    cutoff = clock.now() - 20 * DAY
    purged = {r["id"] for r in await rows("round") if r["closed_at"] and r["closed_at"] < cutoff}
    old_rows = len([a for a in await rows("answer") if a["round_id"] in purged])
    other = Database(db_url)  # a second replica
    try:

        async def summarise(on: Database) -> int:
            return await _summarise(on, closed_before=cutoff, now=clock.now())

        async def purge(on: Database) -> int:
            batches = await _delete_batches(on, closed_before=cutoff, limit=3, now=clock.now())
            return sum(b.rows for b in batches)

        written = await asyncio.gather(summarise(db), summarise(other))
        deleted = await asyncio.gather(purge(db), purge(other))
    finally:
        await other.dispose()

    assert sum(written) == len(purged) == 5
    assert sum(deleted) == old_rows > 0
    assert not purged & set(await _answer_rounds(rows))


# ---------------------------------------------------------------------------------------------
# one person


async def test_forgetting_a_person_deletes_their_rows_and_no_one_else_s(
    db: Database,
    clock: FrozenClock,
    new_team: TeamMaker,
    new_deliveries: DeliveryMaker,
    rows: RowReader,
) -> None:
    now = clock.now()
    team = await new_team()
    foreign = await new_team(workspace_id="T2", channel_id="C9")  # the same user id elsewhere
    closed = await _round(db, team, "closed", opened=now - 9 * DAY, closed=now - 2 * DAY)
    await new_deliveries(closed, ["U1", "U2", "U3"])
    await _five_rows(db, clock, closed)
    current = await _round(db, team, "open", opened=now - DAY, closed=None)
    await new_deliveries(current, ["U1", "U2", "U3"])
    await add_answer(db, clock, current, "U1", W, YES)
    await add_answer(db, clock, current, "U2", W, NO)
    elsewhere = await _round(db, foreign, "x", opened=now - DAY, closed=None)
    await new_deliveries(elsewhere, ["U1"])
    await add_answer(db, clock, elsewhere, "U1", W, YES)
    async with db.write() as s:
        await teams.add_manager(s, workspace_id="T1", team_id=team.id, user_id="U1")
        for ws in ("T1", "T2"):
            await teams_addresses.save_chat(
                s, workspace_id=ws, user_id="U1", conversation_id="a:1", service_url="u", now=now
            )
        # What U1 changed for the team as its manager: kept, without U1's id.
        ids = {"workspace_id": "T1", "team_id": team.id}
        await away.set_mark(s, **ids, user_id="U2", until=now.date(), marked_by="U1", now=now)
        await away.set_mark(s, **ids, user_id="U1", until=now.date(), marked_by="U3", now=now)
        await away.set_rules(s, **ids, rules=AwayRules(words=("PTO",)), by="U1", now=now)
        await questions.set_wording(s, **ids, texts={W: "Did they pick it?"}, by="U1", now=now)
        await away.set_mark(
            s,
            workspace_id="T2",
            team_id=foreign.id,
            user_id="U2",
            until=now.date(),
            marked_by="U1",
            now=now,
        )

    async with db.read() as s:
        to_summarise = await retention.person_rounds_to_summarise(
            s, workspace_id="T1", user_id="U1"
        )
    async with db.write() as s:
        person = await retention.delete_person(s, workspace_id="T1", user_id="U1")
        first = await retention.delete_person_answers(s, workspace_id="T1", user_id="U1", limit=2)
        second = await retention.delete_person_answers(s, workspace_id="T1", user_id="U1", limit=2)

    # Their closed round (not the open one) is the one to summarise first.
    assert to_summarise == [closed.id]
    assert person == DeletedPerson(
        deliveries=2,
        memberships=1,
        manager_roles=1,
        profiles=1,
        teams_chats=1,
        away_marks=1,
        authorship=3,
    )
    assert [(m["user_id"], m["marked_by"]) for m in await rows("away_mark", workspace_id="T1")] == [
        ("U2", None)
    ]
    assert [r["updated_by"] for r in await rows("team_away_rules")] == [None]
    assert [(q["text"], q["updated_by"]) for q in await rows("team_question")] == [
        ("Did they pick it?", None)
    ]
    assert [m["marked_by"] for m in await rows("away_mark", workspace_id="T2")] == ["U1"]
    # U1's rows: W yes + note, H no (closed round), W yes (open round).
    assert (first.rows, second.rows) == (2, 1)
    assert (first.answers + second.answers, first.notes + second.notes) == (3, 1)
    answers = await rows("answer")
    assert {(a["workspace_id"], a["user_id"]) for a in answers} == {
        ("T1", "U2"),
        ("T1", "U3"),
        ("T2", "U1"),
    }
    assert {d["user_id"] for d in await rows("delivery", workspace_id="T1")} == {"U2", "U3"}
    assert [m["user_id"] for m in await rows("member", workspace_id="T1")] == ["U2", "U3"]
    assert [m["user_id"] for m in await rows("team_member", workspace_id="T1")] == ["U2", "U3"]
    assert await rows("manager", workspace_id="T1") == []
    assert [c["workspace_id"] for c in await rows("teams_chat")] == ["T2"]
    # The other workspace's U1 is another person: untouched.
    assert len(await rows("delivery", workspace_id="T2")) == 1
    assert len(await rows("member", workspace_id="T2")) == 1


async def test_uninstalling_deletes_the_workspace_s_summaries(
    db: Database, clock: FrozenClock, new_team: TeamMaker, rows: RowReader
) -> None:
    now = clock.now()
    mine, theirs = await new_team(), await new_team(workspace_id="T2")
    for team in (mine, theirs):
        rnd = await _round(db, team, "p", opened=now - 9 * DAY, closed=now - 8 * DAY)
        await add_answer(db, clock, rnd, "U1", W, YES)
    assert await _summarise(db, closed_before=now, now=now) == 2

    async with db.write() as s:
        await teams.delete_workspace(s, workspace_id="T1")
    assert [s["workspace_id"] for s in await rows("round_summary")] == ["T2"]

    async with db.write() as s:
        assert await teams.delete_teams_in_channels(s, workspace_id="T2", channel_ids=["C1"]) == 1
    assert await rows("round_summary") == []
