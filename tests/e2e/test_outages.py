"""PostgreSQL goes down under a running app, and comes back: nothing is lost, nothing doubled.

Slack (one workspace and multi-workspace) and Teams.

The app runs on a PostgreSQL cluster of the test's own (``PrivatePostgres``), stopped and
started while a 500-member fan-out is half-way and while members click their answers. What a
person sees is asserted (the DMs Slack received, the replies to the clicks and the command, the
health endpoints), and what the database holds afterwards.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime

import aiohttp
import pytest
from sqlalchemy import text

from bot.domain.circles import AnswerValue, Circle
from bot.domain.views import PersonInfo
from bot.sandbox.fakeslack import FakeSlack
from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, actions, card_of
from bot.sandbox.postgres import PostgresNotInstalledError, PrivatePostgres
from bot.sandbox.simulator import TravelClock
from bot.sandbox.teams_app import TeamsApp
from bot.slack.blocks.pulse import ANSWER_ACTION_PREFIX, AnswerClick
from bot.slack.blocks.replies import DATABASE_UNAVAILABLE_TEXT
from bot.teams.cards import replies as teams_replies
from tests.support.harness import WORKSPACE, SlackHarness, eventually
from tests.support.slack import ALICE, MANAGER, TEAM_CHANNEL, install, populate

MEMBERS = 500
# Long enough that every part of the app meets the outage; the benchmark runs it for 20 s.
OUTAGE_SECONDS = 4.0


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    try:
        server = PrivatePostgres()
    except PostgresNotInstalledError as missing:
        pytest.skip(str(missing))
    server.init()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
async def slack(postgres: PrivatePostgres) -> AsyncIterator[SlackHarness]:
    fake = FakeSlack(workspace_id=WORKSPACE)
    await fake.start()
    # A fan-out of 500 takes a few seconds, so the database can go down in the middle of it.
    fake.latency(0.03, 0.01)
    harness = SlackHarness(fake=fake, db_url=postgres.url, workspace_id=WORKSPACE)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
        await fake.stop()


async def _open_round(slack: SlackHarness, members: int) -> list[str]:
    users = slack.fake.add_generated_team(users=members)
    people = [PersonInfo(user_id=u, name=u.lower(), tz="Europe/Berlin") for u in users]
    services = slack.runtime.services
    team, _, _ = await services.teams.setup(
        workspace_id=WORKSPACE,
        channel_id="CTEAM",
        channel_name="team",
        caller=people[0],
        people=people,
    )
    await services.rounds.open(team=team)
    return users


def _pulses_per_user(fake: FakeSlack) -> Counter[str]:
    return Counter(
        str(c.args["channel"]).removeprefix("D")
        for c in fake.calls_to("chat.postMessage", ok=True)
        if str(c.args["channel"]) != "CTEAM"
    )


class Click:
    """One member's click on "Yes" for W in their pulse DM, and what they saw of it."""

    def __init__(self, slack: SlackHarness, user: str) -> None:
        self.slack, self.user = slack, user
        self.channel, self.ts, self.button = slack.answer_button(user, Circle.WHAT, AnswerValue.YES)
        self.revision = slack.fake.message_revision(self.channel, self.ts)
        self.status = 0
        self.response_url = ""

    async def run(self) -> Click:
        reply, payload = await self.slack.click(
            action_id=self.button["action_id"],
            value=self.button["value"],
            user=self.user,
            channel=self.channel,
            ts=self.ts,
        )
        self.status, self.response_url = reply.status, payload["response_url"]
        return self

    @property
    def saved(self) -> bool:
        """The DM now shows the choice: the member was told it is recorded."""
        return self.slack.fake.message_revision(self.channel, self.ts) > self.revision

    @property
    def told_to_retry(self) -> bool:
        return any(
            r.get("text") == DATABASE_UNAVAILABLE_TEXT
            for r in self.slack.responses(self.response_url)
        )


async def _stored_answers(slack: SlackHarness) -> set[str]:
    async with slack.runtime.db.read() as session:
        rows = await session.execute(text("SELECT user_id FROM answer WHERE question = 'W'"))
        return {str(user) for (user,) in rows}


async def _sent_rows(slack: SlackHarness) -> dict[str, int]:
    async with slack.runtime.db.read() as session:
        rows = await session.execute(text("SELECT status, count(*) FROM delivery GROUP BY status"))
        return {str(status): int(n) for status, n in rows}


async def test_a_restart_mid_fanout_and_mid_clicks_loses_nothing_and_doubles_nothing(
    slack: SlackHarness, postgres: PrivatePostgres
) -> None:
    users = await _open_round(slack, MEMBERS)
    fanout = asyncio.create_task(slack.runtime.scheduler.tick())
    await eventually(lambda: sum(_pulses_per_user(slack.fake).values()) >= 100, what="100 DMs")
    early = [u for u in users if _pulses_per_user(slack.fake)[u]][:60]

    # Clicks in flight as the database stops: each is either saved or told to retry.
    during = asyncio.gather(*(Click(slack, u).run() for u in early[:30]))
    await postgres.astop()
    clicks_at_stop = await during
    sent_when_stopped = sum(_pulses_per_user(slack.fake).values())

    assert (await slack.get("/healthz")).status == 200  # alive: nothing to restart
    not_ready = await slack.get("/readyz")
    assert (not_ready.status, not_ready.json()["error"]) == (503, "database unreachable")
    clicks_down = await asyncio.gather(*(Click(slack, u).run() for u in early[30:]))
    status = await slack.command_and_answer("status", user=users[0], channel="CTEAM")
    outage = (*clicks_at_stop, *clicks_down)
    # No click went unanswered, and none was answered with a 500.
    await eventually(
        lambda: all(c.saved or c.told_to_retry for c in outage),
        what="every click during the outage to be answered",
    )
    assert all(c.status == 200 for c in outage)
    assert all(c.told_to_retry and not c.saved for c in clicks_down)
    saved_at_stop = {c.user for c in clicks_at_stop if c.saved}
    retry_at_stop = {c.user for c in clicks_at_stop if not c.saved}
    await asyncio.sleep(OUTAGE_SECONDS)
    # The fan-out waited for the database rather than send on blind or give up.
    assert not fanout.done()
    assert sum(_pulses_per_user(slack.fake).values()) - sent_when_stopped <= 32

    await postgres.astart()
    report = await asyncio.wait_for(fanout, timeout=120)
    clicks_after = await asyncio.gather(*(Click(slack, u).run() for u in early[30:]))

    # Every member got the pulse exactly once, and the ledger knows it.
    per_user = _pulses_per_user(slack.fake)
    assert sorted(per_user) == sorted(users)
    assert set(per_user.values()) == {1}
    assert (report.sent, report.failed) == (MEMBERS, 0)
    assert await _sent_rows(slack) == {"sent": MEMBERS}
    assert all(c.status == 200 for c in clicks_after)
    await eventually(lambda: all(c.saved for c in clicks_after), what="the clicks after it")
    # Every answer acknowledged as saved is stored; one told to retry is not (until retried).
    stored = await _stored_answers(slack)
    assert saved_at_stop <= stored
    assert retry_at_stop.isdisjoint(stored)
    assert {c.user for c in clicks_after} <= stored
    # The command was told to try again, in its own ephemeral answer.
    assert status["text"] == DATABASE_UNAVAILABLE_TEXT
    assert (await slack.get("/readyz")).status == 200


async def test_installed_workspaces_are_answered_while_their_tokens_are_out_of_reach(
    postgres: PrivatePostgres,
) -> None:
    # Multi-workspace: Bolt reads each request's token from the database before any listener.
    fake = FakeSlack(workspace_id=WORKSPACE)
    await fake.start()
    populate(fake)
    slack = SlackHarness(fake=fake, db_url=postgres.url, workspace_id=WORKSPACE, oauth=True)
    await slack.start()
    try:
        await install(slack)
        await slack.command_and_answer("setup", user=MANAGER, channel=TEAM_CHANNEL)
        await postgres.astop()

        command = await slack.command_and_answer("help", user=MANAGER, channel=TEAM_CHANNEL)
        click, payload = await slack.click(
            action_id=ANSWER_ACTION_PREFIX + "yes",
            value=AnswerClick(round_id=1, circle=Circle.WHAT, value=AnswerValue.YES).encode(),
            user=ALICE,
            channel=fake.dm_channel_id(ALICE),
            ts="1.000001",
        )
        event = await slack.event({"type": "member_left_channel", "user": ALICE, "channel": "C1"})

        assert command["text"] == DATABASE_UNAVAILABLE_TEXT
        assert click.status == 200
        assert slack.responses(payload["response_url"])[-1]["text"] == DATABASE_UNAVAILABLE_TEXT
        assert event.status == 503  # Slack delivers it again later
        await postgres.astart()
        answer = await slack.command_and_answer("help", user=MANAGER, channel=TEAM_CHANNEL)
        assert answer["text"] != DATABASE_UNAVAILABLE_TEXT
    finally:
        await slack.stop()
        await fake.stop()


async def test_a_release_hook_is_asked_to_deliver_again_while_the_database_is_down(
    slack: SlackHarness, postgres: PrivatePostgres
) -> None:
    people = [PersonInfo(user_id=u, name=u, tz="UTC") for u in ("UANN", "UBO")]
    team, _, _ = await slack.runtime.services.teams.setup(
        workspace_id=WORKSPACE,
        channel_id="CTEAM",
        channel_name="team",
        caller=people[0],
        people=people,
    )
    hook = await slack.runtime.services.releases.hook(team=team)
    body = json.dumps({"name": "v2.3", "id": "build-7"}).encode()
    digest = hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-SDO-Signature": f"sha256={digest}"}
    url = f"{slack.url}/hooks/release/{hook.key}"

    async with aiohttp.ClientSession() as http:
        await postgres.astop()
        async with http.post(url, data=body, headers=headers) as down:
            assert (down.status, down.headers["Retry-After"]) == (503, "30")
            assert await down.text() == "database unavailable: deliver it again in a moment"
        await postgres.astart()
        async with http.post(url, data=body, headers=headers) as again:
            assert again.status == 202
    async with slack.runtime.db.read() as s:
        assert (await s.execute(text("SELECT count(*) FROM release"))).scalar_one() == 1


async def test_teams_members_are_told_to_try_again_and_keep_their_note(
    postgres: PrivatePostgres,
) -> None:
    clock = TravelClock()
    clock.travel_to(datetime(2026, 3, 3, 12, 0, tzinfo=UTC))  # a Tuesday: no tick of its own
    async with (
        FakeTeams() as fake,
        TeamsApp(fake=fake, db_url=postgres.url, clock=clock) as app,
        TeamsSimulator(app.url, fake) as people,
    ):
        team = fake.generate_team(members=3, name="Alpha Squad")
        owner = fake.users[team.member_ids[0]]
        await people.install(team)
        await people.say(owner, "setup", in_channel=team)
        await people.say(owner, "pulse", in_channel=team)
        member = fake.roster_of_team(team)[1]
        (pulse,) = [
            a
            for a in fake.dm_of(member)
            if any(b.get("verb") == "sdo.answer" for b in actions(a.get("attachments") or []))
        ]
        yes = next(
            b["data"]
            for b in actions(card_of(pulse))
            if b.get("verb") == "sdo.answer" and b["data"]["value"] == "yes"
        )
        note = {"sdo": "note", "round_id": yes["round_id"], "circle": "W", "note": "Ana said so"}
        await people.say(owner, "questions", in_channel=team)
        questions = fake.sent[-1]
        (reword,) = [
            b
            for b in actions(card_of(dict(questions.body)))
            if b.get("title") == "Reword the questions"
        ]
        await postgres.astop()

        click_status, clicked = await people.click(member, pulse["id"], yes, verb="sdo.answer")
        note_status, dialog = await people.submit_note(
            member, {**note, "internal_customer": "false"}, card_id=pulse["id"]
        )
        await people.say(owner, "status", in_channel=team)

        told = teams_replies.database_unavailable()
        assert (click_status, clicked["value"]) == (200, told)
        assert note_status == 200
        form = json.dumps(dialog)
        assert dialog["task"]["type"] == "continue"  # the dialog stays open…
        assert "Ana said so" in form  # …with what was typed
        assert json.dumps(told)[1:-1] in form
        assert told in json.dumps(fake.sent[-1].body, ensure_ascii=False)
        # Opening a dialog is told too (a message in the dialog, not Teams' own error), and
        # the questions dialog's Save stays open with what the manager typed.
        opened_status, opened = await people.open_note(
            member, {"sdo": "note", "round_id": yes["round_id"]}, card_id=pulse["id"]
        )
        assert (opened_status, opened["task"]) == (200, {"type": "message", "value": told})
        fetch_status, fetched = await people.open_note(
            owner, reword["data"], card_id=questions.activity_id
        )
        assert (fetch_status, fetched["task"]) == (200, {"type": "message", "value": told})
        reworded = {
            "sdo": "questions",
            "team_id": reword["data"]["team_id"],
            "question_W": "Did a customer pick it?",
        }
        save_status, kept = await people.submit_note(owner, reworded, card_id=questions.activity_id)
        assert (save_status, kept["task"]["type"]) == (200, "continue")
        assert "Did a customer pick it?" in json.dumps(kept)
        assert json.dumps(told)[1:-1] in json.dumps(kept)

        await postgres.astart()
        click_status, clicked = await people.click(member, pulse["id"], yes, verb="sdo.answer")
        assert click_status == 200
        assert "Your answer: **Yes**" in json.dumps(clicked)
