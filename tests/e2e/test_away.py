"""Away members, as people live it over signed HTTP and the fake Slack: a vacation status, an
expired one, a manager's mark; no DM and no reminder for the away, not counted as asked, "2
away" in status, `/sdo pulse me` and "Pulse me now" for one who is back, `/sdo away … off`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.domain.away import MarkOutcome
from bot.domain.circles import AnswerValue, Circle
from bot.sandbox.fakeslack import FakeSlack
from bot.slack.blocks.home import PULSE_ME_ACTION_ID
from bot.slack.blocks.render import render_message
from tests.support.harness import SlackHarness, eventually
from tests.support.jobs import JobsHarness, pulse_dms, reminders
from tests.support.slack import (
    ALICE,
    BOB,
    BOT,
    CAROL,
    MANAGER,
    OUTSIDER,
    TEAM_CHANNEL,
    answer,
)

# A Thursday morning; the team's time zone is the manager's, Europe/Berlin.
NOW = datetime(2026, 12, 10, 9, tzinfo=UTC)
MARKED_UNTIL = date(2026, 12, 24)
TEAM = (MANAGER, ALICE, BOB, CAROL)


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def _statuses(fake: FakeSlack, now: datetime) -> None:
    """Alice is on holiday (for two more days), Bob's vacation status ran out yesterday."""
    fake.set_status(ALICE, emoji=":palm_tree:", text="", expiration=_epoch(now + timedelta(days=2)))
    fake.set_status(
        BOB, emoji=":sunny:", text="On vacation", expiration=_epoch(now - timedelta(days=1))
    )


def _directory_calls(fake: FakeSlack) -> int:
    return len(fake.calls_to("users.info")) + len(fake.calls_to("users.list"))


async def _ask(slack: SlackHarness, words: str, user: str = MANAGER) -> str:
    return render_message(await slack.command_and_answer(words, user=user, channel=TEAM_CHANNEL))


async def _deliveries(slack: SlackHarness) -> dict[str, str]:
    async with slack.runtime.db.read() as s:
        rows = await s.execute(
            text(
                "SELECT user_id, status FROM delivery WHERE round_id = (SELECT max(id) FROM round)"
            )
        )
        return {user: status for user, status in rows}


async def test_away_members_are_not_asked_and_one_back_answers_with_pulse_me(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    slack.clock.travel_to(NOW)
    _statuses(slack.fake, slack.clock.now())
    assert "is now a team: 4 members" in await _ask(slack, "setup")

    # Only managers mark people away, or see who is.
    for words in ("away", f"away <@{CAROL}> until 2026-12-24"):
        refused = await _ask(slack, words, user=ALICE)
        assert refused.startswith(":lock: Sorry — only this team's managers"), refused
    marked = await _ask(slack, f"away <@{CAROL}|carol> until 2026-12-24")
    assert "<@UCAROL01> is away from #team's pulses until Thursday 24 December 2026" in marked
    assert "has passed" in await _ask(slack, f"away <@{CAROL}> until 2026-12-01")
    listed = await _ask(slack, "away")
    assert "<@UCAROL01> until Thu 24 Dec 2026" in listed
    assert ALICE not in listed  # a status is read as a round opens, not listed

    before = _directory_calls(slack.fake)
    pulse = await _ask(slack, "pulse")
    assert "Round 1 is open: sent to 2 members." in pulse
    assert "2 away, not asked" in pulse
    # The statuses came from what setup had read: no users.info or users.list for the round.
    assert _directory_calls(slack.fake) == before
    assert {u: len(pulse_dms(slack.fake, u)) for u in TEAM} == {
        MANAGER: 1,
        ALICE: 0,  # :palm_tree:, expiring the day after tomorrow
        BOB: 1,  # "On vacation", expired yesterday
        CAROL: 0,  # marked away by a manager
    }
    assert await _deliveries(slack) == {
        MANAGER: "sent",
        ALICE: "away",
        BOB: "sent",
        CAROL: "away",
    }

    # Two asked: two answers place the team (the minimum of 3 is capped by who was asked).
    before_answers = await _ask(slack, "status", user=BOB)
    assert "0 of 2 answered · 2 away" in before_answers
    assert "Scores appear once at least 2 people have answered." in before_answers
    for user in (MANAGER, BOB):
        for circle in Circle:
            await answer(slack, user, circle, AnswerValue.YES)
    status = await _ask(slack, "status", user=BOB)
    assert "2 of 2 answered · 2 away" in status
    # A count, never who.
    for who in (ALICE, CAROL, "carol"):
        assert who not in status

    # Alice is back early: her pulse now, once, through her ledger row.
    welcome = await _ask(slack, "pulse me", user=ALICE)
    assert "Welcome back: round 1 of #team is in your DMs" in welcome
    assert len(pulse_dms(slack.fake, ALICE)) == 1
    assert "not away for any open round" in await _ask(slack, "pulse me", user=ALICE)
    assert len(pulse_dms(slack.fake, ALICE)) == 1
    assert (await _deliveries(slack))[ALICE] == "sent"
    await answer(slack, ALICE, Circle.WHAT, AnswerValue.NO)
    assert "3 of 3 answered · 1 away" in await _ask(slack, "status", user=MANAGER)

    # Carol's mark is taken off: the next round asks her (Alice's holiday status still holds).
    assert "is back: #team's next round asks them again" in await _ask(
        slack, f"away <@{CAROL}> off"
    )
    assert "was not marked away" in await _ask(slack, f"away <@{CAROL}> off")
    slack.clock.advance(timedelta(minutes=5))
    second = await _ask(slack, "pulse")
    assert "Round 2 is open: sent to 3 members." in second
    assert "1 away" in second
    assert len(pulse_dms(slack.fake, CAROL)) == 1
    assert len(pulse_dms(slack.fake, ALICE)) == 1  # round 1's, from `pulse me`
    assert (await _deliveries(slack))[CAROL] == "sent"
    # Round 1, closed, keeps its own count.
    assert "3 of 3 answered · 1 away" in await _ask(slack, "status", user=MANAGER)


async def test_a_team_changes_which_statuses_mean_away(slack_any_db: SlackHarness) -> None:
    slack = slack_any_db
    slack.clock.travel_to(NOW)
    until = _epoch(NOW + timedelta(days=3))
    slack.fake.set_status(ALICE, emoji=":baby:", text="", expiration=until)
    slack.fake.set_status(BOB, emoji="", text="PTO till Monday", expiration=until)
    slack.fake.set_status(CAROL, emoji=":airplane:", text="", expiration=until)
    await _ask(slack, "setup")

    refused = await _ask(slack, "away statuses add :baby:", user=ALICE)
    assert refused == (
        ":lock: Sorry — only this team's managers (or workspace admins) can change which "
        "statuses mean away."
    )
    shown = await _ask(slack, "away statuses")
    assert shown.startswith(
        ":palm_tree: In #team, a Slack status means away when its emoji is one of :palm_tree: "
        ":airplane: :face_with_thermometer: :house_with_garden: or its text has “vacation”, "
        "“holiday”, “OOO”, “out of office”, “sick”, “leave” (the defaults;"
    ), shown
    added = await _ask(slack, "away statuses add :Baby:, PTO, parental   leave")
    assert added.startswith(":white_check_mark: Saved. In #team, a Slack status means away"), added
    assert ":house_with_garden: :baby: or its text" in added
    assert "“leave”, “PTO”, “parental leave” (this team's own list;" in added
    removed = await _ask(slack, "away statuses remove :airplane:, HOLIDAY")
    assert ":palm_tree: :face_with_thermometer: :house_with_garden: :baby: or" in removed
    assert "“holiday”" not in removed
    # A typo is told, with the usage; nothing changes.
    odd = await _ask(slack, "away statuses add :no way:")
    assert odd.startswith("“:no way:” can hold letters, digits, spaces, hyphens, apost"), odd
    assert "Usage: `/sdo away statuses`" in odd
    assert (await _ask(slack, "away statuses add :Ünï:, PTO")).startswith(
        "`:Ünï:` is no emoji name: write it as Slack does, e.g. `:palm_tree:`. Usage:"
    )
    assert ":airplane:" not in await _ask(slack, "away statuses")

    pulse = await _ask(slack, "pulse")
    assert "Round 1 is open: sent to 2 members." in pulse
    assert await _deliveries(slack) == {
        MANAGER: "sent",
        ALICE: "away",  # :baby:, the team's own
        BOB: "away",  # "PTO", the team's own
        CAROL: "sent",  # :airplane: taken off the list
    }

    reset, _usage = (await _ask(slack, "away statuses reset")).split("\n")
    assert "(the defaults;" in reset
    assert ":airplane:" in reset
    assert ":baby:" not in reset
    slack.clock.advance(timedelta(minutes=5))
    assert "Round 2 is open: sent to 3 members." in await _ask(slack, "pulse")
    assert await _deliveries(slack) == {
        MANAGER: "sent",
        ALICE: "sent",
        BOB: "sent",
        CAROL: "away",
    }
    async with slack.runtime.db.read() as s:
        assert (await s.execute(text("SELECT count(*) FROM team_away_rules"))).scalar_one() == 0


async def test_only_a_member_of_the_team_can_be_marked_away(slack: SlackHarness) -> None:
    slack.clock.travel_to(NOW)
    await _ask(slack, "setup")
    for who in (BOT, OUTSIDER, "UNOBODY99"):
        reply = await _ask(slack, f"away <@{who}> until 2026-12-24")
        assert reply == (
            f"<@{who}> is not a member of #team, so its pulses never ask them: nothing marked. "
            "(Members are the people in the team's channel.)"
        )
    assert "Nobody is marked away" in await _ask(slack, "away")
    async with slack.runtime.db.read() as s:
        assert (await s.execute(text("SELECT count(*) FROM away_mark"))).scalar_one() == 0


async def test_the_app_home_offers_pulse_me_now_to_an_away_member(slack: SlackHarness) -> None:
    slack.clock.travel_to(NOW)
    _statuses(slack.fake, slack.clock.now())
    await _ask(slack, "setup")
    assert "sent to 3 members" in await _ask(slack, "pulse")

    await slack.event(
        {"type": "app_home_opened", "user": ALICE, "tab": "home", "event_ts": "1700000000.000400"}
    )
    await eventually(
        lambda: any(c.args.get("user_id") == ALICE for c in slack.fake.calls_to("views.publish")),
        what="Alice's App Home",
    )
    home = [c.args for c in slack.fake.calls_to("views.publish") if c.args["user_id"] == ALICE][-1]
    buttons = [
        e
        for b in home["view"]["blocks"]
        if b.get("type") == "actions"
        for e in b["elements"]
        if e["action_id"] == PULSE_ME_ACTION_ID
    ]
    assert [b["text"]["text"] for b in buttons] == ["Pulse me now"]
    # Bob was asked: no such button for him.
    reply, _ = await slack.click(
        action_id=PULSE_ME_ACTION_ID,
        value=buttons[0]["value"],
        user=ALICE,
        channel="",
        ts="",
        view=home["view"],
    )
    assert reply.status == 200
    await eventually(lambda: len(pulse_dms(slack.fake, ALICE)) == 1, what="Alice's pulse DM")
    # The Home tab says so (after the DM: wait for it, or the next click's Home may come first).
    await eventually(
        lambda: (
            "is in your DMs now"
            in render_message(slack.fake.calls_to("views.publish")[-1].args["view"])
        ),
        what="the Home tab's first notice",
    )
    # Clicked twice (an old Home tab): still one DM.
    await slack.click(
        action_id=PULSE_ME_ACTION_ID,
        value=buttons[0]["value"],
        user=ALICE,
        channel="",
        ts="",
        view=home["view"],
    )
    await eventually(
        lambda: (
            "not away for that round"
            in render_message(slack.fake.calls_to("views.publish")[-1].args["view"])
        ),
        what="the Home tab's notice",
    )
    assert len(pulse_dms(slack.fake, ALICE)) == 1
    await answer(slack, ALICE, Circle.HOW, AnswerValue.YES)
    # She counts as asked now: 1 of 4 (before: 3 asked, 1 away).
    assert "1 of 4 answered" in await _ask(slack, "status")


@pytest.fixture
async def jobs(fake_slack: FakeSlack, db_url: str) -> AsyncIterator[JobsHarness]:
    harness = JobsHarness(fake=fake_slack, db_url=db_url, start=datetime(2026, 10, 19, tzinfo=UTC))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def test_a_scheduled_round_skips_the_away_and_reminds_only_the_asked(
    jobs: JobsHarness,
) -> None:
    pulse_at = datetime(2026, 10, 22, 13, tzinfo=UTC)  # Thursday 15:00 in Berlin
    team = await jobs.setup_team(
        channel_id=TEAM_CHANNEL, name="team", tz="Europe/Berlin", user_ids=TEAM
    )
    _statuses(jobs.fake, pulse_at)
    assert (
        await jobs.services.away.mark(
            team=team, user_id=CAROL, until=date(2026, 10, 23), by=MANAGER
        )
        == MarkOutcome.MARKED
    )

    await jobs.run_until(pulse_at)
    assert {u: len(pulse_dms(jobs.fake, u)) for u in TEAM} == {
        MANAGER: 1,
        ALICE: 0,
        BOB: 1,
        CAROL: 0,
    }
    # Nobody was known to this process: one users.list page, no users.info per member.
    assert len(jobs.fake.calls_to("users.list")) == 1
    assert jobs.fake.calls_to("users.info") == []

    # Friday 11:00: the reminder goes to the asked who have not answered, not to the away.
    await jobs.run_until(datetime(2026, 10, 25, 12, tzinfo=UTC))
    assert {u: len(reminders(jobs.fake, u)) for u in TEAM} == {
        MANAGER: 1,
        ALICE: 0,
        BOB: 1,
        CAROL: 0,
    }
    status = await jobs.services.status.team(team=team)
    assert status.current is not None
    assert (status.current.score.asked, status.current.away) == (2, 2)
    (exported,) = await jobs.services.export.team(team=team)
    assert (exported.asked, exported.away) == (2, 2)

    # Carol's mark ended on Friday (inclusive) and Alice's status on Saturday: the next week's
    # round asks both.
    await jobs.run_until(datetime(2026, 10, 29, 14, tzinfo=UTC))  # 15:00 CET, after the DST end
    assert {u: len(pulse_dms(jobs.fake, u)) for u in TEAM} == dict.fromkeys(TEAM, 2) | {
        ALICE: 1,
        CAROL: 1,
    }
