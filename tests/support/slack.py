"""The Slack side of the tests: the fake workspace's directory, the app on a free port talking
to a fake Slack over HTTP (fixtures), and what a member does (open the DM, click, write a note)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from bot.domain.circles import AnswerValue, Circle
from bot.sandbox.fakeslack import FakeSlack
from bot.slack import retries
from bot.slack.blocks.home import EDIT_SCHEDULE_ACTION_ID
from bot.slack.blocks.modals import NOTE_CALLBACK_ID, NoteContext
from bot.slack.retries import ServerErrorBackoff
from tests.support.databases import DatabaseFactory
from tests.support.harness import WORKSPACE, SlackHarness, eventually

# The directory of the fake workspace: who is in the team channel and who is not.
MANAGER, ALICE, BOB, CAROL = "UMANAGER1", "UALICE01", "UBOB0001", "UCAROL01"
OUTSIDER, ADMIN, BOT, GONE = "UOUTSIDE1", "UADMIN01", "UBOTHELP1", "UGONE001"
TEAM_CHANNEL, OTHER_CHANNEL = "CTEAM0001", "COTHER001"
TEAM_HUMANS = (MANAGER, ALICE, BOB, CAROL)
# What multi-workspace tests encrypt the stored tokens with.
ENCRYPTION_KEY = Fernet.generate_key().decode()


def populate(fake: FakeSlack) -> None:
    fake.add_user(MANAGER, name="mia", real_name="Mia Manager", tz="Europe/Berlin")
    fake.add_user(ALICE, name="alice", real_name="Alice", tz="Europe/Berlin")
    fake.add_user(BOB, name="bob", real_name="Bob", tz="America/New_York")
    fake.add_user(CAROL, name="carol", real_name="Carol", tz="Asia/Tokyo")
    fake.add_user(OUTSIDER, name="oscar", real_name="Oscar Outsider")
    fake.add_user(ADMIN, name="ada", real_name="Ada Admin", is_admin=True)
    fake.add_user(BOT, name="helper", real_name="Helper Bot", is_bot=True)
    fake.add_user(GONE, name="gone", real_name="Gone Person", deleted=True)
    fake.add_channel(
        TEAM_CHANNEL, name="team", members=[MANAGER, ALICE, BOB, CAROL, BOT, GONE, "USLACKBOT"]
    )
    fake.add_channel(OTHER_CHANNEL, name="other", members=[OUTSIDER, ADMIN])


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack(workspace_id=WORKSPACE)
    await fake.start()
    populate(fake)
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def slack(fake_slack: FakeSlack, databases: DatabaseFactory) -> AsyncIterator[SlackHarness]:
    """The app on SQLite, serving signed requests, with the fake Slack behind it."""
    harness = SlackHarness(
        fake=fake_slack, db_url=await databases.create("sqlite"), workspace_id=WORKSPACE
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def oauth_slack(
    fake_slack: FakeSlack, databases: DatabaseFactory
) -> AsyncIterator[SlackHarness]:
    """The app in multi-workspace mode (OAuth installs, tokens encrypted with
    ``ENCRYPTION_KEY``), on SQLite; nothing is installed yet (``install``)."""
    harness = SlackHarness(
        fake=fake_slack,
        db_url=await databases.create("sqlite"),
        workspace_id=WORKSPACE,
        oauth=True,
        encryption_key=ENCRYPTION_KEY,
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def slack_any_db(fake_slack: FakeSlack, db_url: str) -> AsyncIterator[SlackHarness]:
    """The same, once on SQLite and once on PostgreSQL (when configured)."""
    harness = SlackHarness(fake=fake_slack, db_url=db_url, workspace_id=WORKSPACE)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


def dm_of(slack: SlackHarness, user: str) -> dict[str, Any]:
    """The pulse DM the fake Slack received for ``user`` (channel, ts, blocks)."""
    channel = slack.fake.dm_channel_id(user)
    # A first DM is posted to the user id; later ones to the DM channel it answered with.
    posts = [
        c
        for c in slack.fake.calls_to("chat.postMessage", ok=True)
        if c.args.get("channel") in (user, channel)
    ]
    assert len(posts) == 1, f"{user} got {len(posts)} pulse DMs"
    return {**slack.fake.messages[channel][-1], "channel": channel}


async def answer(slack: SlackHarness, user: str, circle: Circle, value: AnswerValue) -> None:
    dm_of(slack, user)  # exactly one pulse DM
    channel, ts, button = slack.answer_button(user, circle, value)
    revision = slack.fake.message_revision(channel, ts)
    reply, _ = await slack.click(
        action_id=button["action_id"],
        value=button["value"],
        user=user,
        channel=channel,
        ts=ts,
    )
    assert reply.status == 200
    # Changed in place, whichever way: the click's response_url or chat.update.
    await eventually(
        lambda: slack.fake.message_revision(channel, ts) > revision,
        what=f"{user}'s DM to update",
    )


async def answers_of(slack: SlackHarness, user: str) -> list[tuple[str, str | None]]:
    async with slack.runtime.db.read() as s:
        rows = await s.execute(
            text("SELECT question, value FROM answer WHERE user_id = :u ORDER BY question"),
            {"u": user},
        )
        return [(q, v) for q, v in rows]


def note_submission(
    round_id: int,
    note: str,
    *,
    user: str,
    circle: str = "H",
    internal: bool = False,
    channel: str | None = None,
    ts: str | None = None,
    response_url: str | None = None,
) -> dict[str, object]:
    return {
        "type": "view_submission",
        "team": {"id": WORKSPACE, "domain": "fake"},
        "user": {"id": user, "team_id": WORKSPACE},
        "api_app_id": "AFAKE",
        "trigger_id": "trigger-note",
        "view": {
            "id": "VNOTE",
            "type": "modal",
            "callback_id": NOTE_CALLBACK_ID,
            "private_metadata": NoteContext(round_id, channel, ts, response_url).encode(),
            "state": {
                "values": {
                    "note_circle": {
                        "circle": {"type": "static_select", "selected_option": {"value": circle}}
                    },
                    "note_text": {"text": {"type": "plain_text_input", "value": note}},
                    "note_internal": {
                        "internal": {
                            "type": "checkboxes",
                            "selected_options": ([{"value": "internal"}] if internal else []),
                        }
                    },
                }
            },
        },
    }


async def install(slack: SlackHarness) -> None:
    """The browser side of the OAuth flow: install page, then Slack's redirect back."""
    page = await slack.get("/slack/install")
    assert page.status == 200
    state = re.search(r"state=([\w-]+)", page.text)
    assert state, page.text[:500]
    # The browser brings back the state cookie the install page set (a Secure cookie,
    # which is why it is passed by hand over plain HTTP here).
    cookie = page.headers["Set-Cookie"].split(";")[0]
    done = await slack.get(
        f"/slack/oauth_redirect?code={slack.fake.new_oauth_code()}&state={state.group(1)}",
        headers={"Cookie": cookie},
    )
    assert done.status == 200, done.text[:500]


async def open_settings(slack: SlackHarness) -> dict[str, Any]:
    """The manager opens the App Home and clicks to edit the team's schedule: the modal."""
    await slack.event(
        {"type": "app_home_opened", "user": MANAGER, "tab": "home", "event_ts": "1.0"}
    )
    await eventually(lambda: bool(slack.fake.calls_to("views.publish")), what="home")
    home = slack.fake.calls_to("views.publish")[-1].args["view"]
    edit = next(
        e
        for b in home["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == EDIT_SCHEDULE_ACTION_ID
    )
    reply, _ = await slack.click(
        action_id=EDIT_SCHEDULE_ACTION_ID,
        value=edit["value"],
        user=MANAGER,
        channel="",
        ts="",
        view=home,
    )
    assert reply.status == 200
    await eventually(lambda: bool(slack.fake.calls_to("views.open")), what="the settings modal")
    return dict(slack.fake.calls_to("views.open")[-1].args["view"])


def shorter(backoff: ServerErrorBackoff, scale: float) -> ServerErrorBackoff:
    """``backoff`` with every wait ``scale`` times shorter (a minute of 5xx in a test)."""
    return ServerErrorBackoff(
        first_seconds=backoff.first_seconds / scale,
        max_seconds=backoff.max_seconds / scale,
        max_wait_seconds=backoff.max_wait_seconds / scale,
        jitter=backoff.jitter,
    )


@pytest.fixture
def quick_short_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """The few seconds of patience with 5xx of response URLs and uploads, 40 times shorter."""
    monkeypatch.setattr(retries, "SHORT_BACKOFF", shorter(retries.SHORT_BACKOFF, 40))
