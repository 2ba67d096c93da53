"""Every `/sdo` command: its happy path and its refusal, as the user reads the answer."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import text

from bot.slack import retries
from bot.slack.blocks.render import render_message
from bot.slack.retries import ServerErrorBackoff
from storage import teams
from tests.support.harness import WORKSPACE, SlackHarness, eventually
from tests.support.slack import (
    ADMIN,
    ALICE,
    BOB,
    CAROL,
    MANAGER,
    OTHER_CHANNEL,
    OUTSIDER,
    TEAM_CHANNEL,
)


async def ask(slack: SlackHarness, text: str, *, user: str, channel: str = TEAM_CHANNEL) -> str:
    """Run `/sdo <text>` and return the ephemeral answer as the user reads it."""
    answer = await slack.command_and_answer(text, user=user, channel=channel)
    assert answer["response_type"] == "ephemeral"  # only the caller sees it
    return render_message(answer)


async def test_help_and_unknown_words_answer_with_usage(slack: SlackHarness) -> None:
    help_text = await ask(slack, "help", user=OUTSIDER)
    assert "`/sdo setup` — register this channel as a team" in help_text
    unknown = await ask(slack, "frobnicate <!channel>", user=OUTSIDER)
    assert "Sorry, I don't know `frobnicate`" in unknown
    assert "`/sdo pulse`" in unknown
    assert await ask(slack, "", user=OUTSIDER) == help_text


async def test_setup_registers_channel_humans_and_makes_caller_manager(slack: SlackHarness) -> None:
    answer = await ask(slack, "setup", user=MANAGER)
    assert ":white_check_mark: #team is now a team: 4 members, you are a manager." in answer
    assert "Thursday 15:00" in answer
    assert "(Europe/Berlin)" in answer
    async with slack.runtime.db.read() as s:
        team = await teams.get_team_by_channel(s, workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
        assert team is not None
        assert team.tz == "Europe/Berlin"
        members = await teams.list_team_members(s, workspace_id=WORKSPACE, team_id=team.id)
        managers = await teams.list_managers(s, workspace_id=WORKSPACE, team_id=team.id)
    assert sorted(m.user_id for m in members) == sorted([MANAGER, ALICE, BOB, CAROL])
    assert {m.user_id: m.tz for m in members}[CAROL] == "Asia/Tokyo"
    assert managers == [MANAGER]
    again = await ask(slack, "setup", user=MANAGER)
    assert "was already a team; members refreshed" in again


async def test_setup_reads_a_large_channel_by_pages_of_the_directory(slack: SlackHarness) -> None:
    many = [f"UMANY{i:04d}" for i in range(2450)]
    for user in many:
        slack.fake.add_user(user, name=user.lower())
    slack.fake.add_channel("CBIG00001", name="big", members=many)
    answer = await ask(slack, "setup", user=many[0], channel="CBIG00001")
    assert "is now a team: 2450 members" in answer
    assert len(slack.fake.calls_to("conversations.members")) == 3  # pages of 1,000
    # The workspace's ~2,460 people in 3 users.list pages, not 2,450 users.info calls
    # (only the caller's own look-up, for their role).
    assert len(slack.fake.calls_to("users.list")) == 3
    assert [c.args["user"] for c in slack.fake.calls_to("users.info")] == [many[0]]

    # Another channel set up soon after: everyone is known already.
    slack.fake.add_channel("CBIG00002", name="big-too", members=many[:300])
    again = await ask(slack, "setup", user=many[1], channel="CBIG00002")
    assert "is now a team: 300 members" in again
    assert len(slack.fake.calls_to("users.list")) == 3


async def test_a_rate_limited_setup_waits_says_so_and_answers(slack: SlackHarness) -> None:
    people = [f"UBUSY{i:04d}" for i in range(60)]
    for user in people:
        slack.fake.add_user(user, name=user.lower())
    slack.fake.add_channel("CBUSY0001", name="busy", members=people)
    # Slack says "wait 2 s" twice when the directory is read.
    slack.fake.rate_limit("users.list", times=2, retry_after=2)

    reply, response_url = await slack.command("setup", user=people[0], channel="CBUSY0001")
    assert reply.status == 200
    await eventually(lambda: len(slack.responses(response_url)) == 2, timeout=20, what="answer")

    note, answer = (render_message(r) for r in slack.responses(response_url))
    assert note.startswith(":hourglass_flowing_sand: Slack limits how fast apps may call it")
    assert answer.startswith(":white_check_mark: #busy is now a team: 60 members")
    assert len(slack.fake.rate_limited) == 2


async def test_setup_reads_no_directory_page_for_the_last_few_it_looks_up(
    slack: SlackHarness,
) -> None:
    # The channel's last 15 people are on the directory's second page: one page, 15 look-ups.
    first_page = 1000 - len(slack.fake.users)
    people = [f"UPAGE{i:04d}" for i in range(first_page + 15)]
    for user in people:
        slack.fake.add_user(user, name=user.lower())
    slack.fake.add_channel("CPAGE0001", name="paged", members=people)
    answer = await ask(slack, "setup", user=people[0], channel="CPAGE0001")
    assert f"is now a team: {len(people)} members" in answer
    assert len(slack.fake.calls_to("users.list")) == 1
    looked_up = [c.args["user"] for c in slack.fake.calls_to("users.info")]
    assert sorted(looked_up) == sorted([people[0], *people[-15:]])


async def test_setup_looks_up_only_the_few_it_does_not_know(slack: SlackHarness) -> None:
    answer = await ask(slack, "setup", user=MANAGER)
    assert "is now a team: 4 members" in answer
    looked_up = sorted(c.args["user"] for c in slack.fake.calls_to("users.info"))
    # Each channel member once (the caller's look-up serves both uses; Slackbot is known by
    # its id), no users.list.
    members = slack.fake.channel_members[TEAM_CHANNEL]
    assert looked_up == sorted(u for u in members if u != "USLACKBOT")
    assert slack.fake.calls_to("users.list") == []


async def test_commands_in_an_unregistered_channel_explain_setup(slack: SlackHarness) -> None:
    for command in ("pulse", "status", "digest", "schedule", "managers"):
        answer = await ask(slack, command, user=OUTSIDER, channel=OTHER_CHANNEL)
        assert "This channel is not a team yet. Run `/sdo setup` here" in answer, command


async def test_members_cannot_run_manager_commands(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    refusals = {
        "pulse": "send a pulse",
        "digest": "post the digest",
        "schedule friday 10:00": "change the schedule",
        f"managers add <@{ALICE}|alice>": "change managers",
        f"managers remove <@{MANAGER}|mia>": "change managers",
    }
    for command, what in refusals.items():
        answer = await ask(slack, command, user=ALICE)
        assert (
            answer == f":lock: Sorry — only this team's managers (or workspace admins) can {what}."
        ), command
    assert slack.fake.calls_to("conversations.open") == []
    assert [c for c in slack.fake.calls_to("chat.postMessage")] == []
    async with slack.runtime.db.read() as s:
        team = await teams.get_team_by_channel(s, workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
        assert team is not None
        assert team.schedule.pulse_weekday == 3
        assert await teams.list_managers(s, workspace_id=WORKSPACE, team_id=team.id) == [MANAGER]


async def test_workspace_admins_manage_every_team(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    answer = await ask(slack, "schedule monday 09:30", user=ADMIN)
    assert "gets its pulse every Monday at 09:30 (Europe/Berlin)" in answer


async def test_schedule_shows_and_changes_the_pulse_time(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    shown = await ask(slack, "schedule", user=MANAGER)
    assert "pulse Thursday 15:00 every week" in shown
    changed = await ask(slack, "schedule Tuesday 9:05 biweekly", user=MANAGER)
    assert "gets its pulse every Tuesday at 09:05 (Europe/Berlin)" in changed
    assert "every 2 weeks" in changed
    # The answer names the next pulse, in the team's time zone.
    assert "Next pulse: Tuesday" in changed
    assert "09:05." in changed
    bad = await ask(slack, "schedule someday 25:00", user=MANAGER)
    assert bad.startswith("Usage: `/sdo schedule <day> <HH:MM>")
    async with slack.runtime.db.read() as s:
        team = await teams.get_team_by_channel(s, workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
    assert team is not None
    assert (
        team.schedule.pulse_weekday,
        f"{team.schedule.pulse_time:%H:%M}",
        team.schedule.every_weeks,
    ) == (1, "09:05", 2)


async def test_managers_add_list_and_remove(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    assert (
        await ask(slack, f"managers add <@{ALICE}|alice>", user=MANAGER)
        == f"<@{ALICE}> is now a manager of #team."
    )
    assert await ask(slack, "managers", user=BOB) == f"Managers of #team: <@{ALICE}>, <@{MANAGER}>"
    # Alice can now do manager things.
    assert "gets its pulse every" in await ask(slack, "schedule fri 11:00", user=ALICE)
    assert (
        await ask(slack, f"managers remove <@{MANAGER}>", user=ALICE)
        == f"<@{MANAGER}> is no longer a manager of #team."
    )
    last = await ask(slack, f"managers remove <@{ALICE}>", user=ALICE)
    assert "or they are its last one" in last
    assert await ask(slack, "managers", user=BOB) == f"Managers of #team: <@{ALICE}>"
    unescaped = await ask(slack, "managers add @bob", user=ALICE)
    assert "Mention the person with `@`" in unescaped


async def test_status_of_another_team_and_of_all_teams(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    # Outsiders cannot read a team's status, even by naming its channel.
    refused = await ask(
        slack, f"status <#{TEAM_CHANNEL}|team>", user=OUTSIDER, channel=OTHER_CHANNEL
    )
    assert refused == ":lock: Only members and managers of #team can see its status."
    own = await ask(slack, f"status <#{TEAM_CHANNEL}|team>", user=BOB, channel=OTHER_CHANNEL)
    assert "No pulse yet for *#team* (4 members)" in own
    assert (
        await ask(slack, "status all", user=BOB)
        == ":lock: Sorry — `/sdo status all` is for team managers and workspace admins."
    )
    await ask(slack, "setup", user=OUTSIDER, channel=OTHER_CHANNEL)
    overview = await ask(slack, "status all", user=ADMIN)
    assert "All teams (2)" in overview
    assert "#other" in overview
    assert "#team" in overview
    assert overview.count(":hourglass_flowing_sand: *Not enough answers*") == 2


async def test_status_before_enough_answers_says_so_and_hides_scores(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    await ask(slack, "pulse", user=MANAGER)
    status = await ask(slack, "status", user=MANAGER)
    assert "== #team — Not enough answers ==" in status
    assert "0 of 4 answered" in status
    assert "Scores appear once at least 3 people have answered." in status
    assert "▰" not in status
    assert "▱" not in status


async def test_a_failed_dm_does_not_stop_the_others(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    # Bob's account is gone: his user id is no channel, and no DM with him can be opened.
    slack.fake.fail(
        "chat.postMessage", error="channel_not_found", when=lambda args: args["channel"] == BOB
    )
    slack.fake.fail(
        "conversations.open", error="user_not_found", when=lambda args: args.get("users") == BOB
    )
    answer = await ask(slack, "pulse", user=MANAGER)
    assert "sent to 3 members. 1 could not be reached" in answer
    delivered = {c.args["channel"] for c in slack.fake.calls_to("chat.postMessage", ok=True)}
    assert len(delivered) == 3
    status = await ask(slack, "status", user=MANAGER)
    assert "1 member(s) could not be sent this round's pulse" in status
    member_view = await ask(slack, "status", user=ALICE)
    assert "could not be sent" not in member_view


async def test_digest_posts_to_the_channel_and_refuses_without_a_round(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    assert (
        await ask(slack, "digest", user=MANAGER)
        == "No round yet — send one with `/sdo pulse` first."
    )
    await ask(slack, "pulse", user=MANAGER)
    assert (
        await ask(slack, "digest", user=MANAGER) == ":newspaper: Digest of round 1 posted to #team."
    )
    posts = [
        c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == TEAM_CHANNEL
    ]
    assert len(posts) == 1
    digest = render_message(posts[0].args)
    assert "Round 1* (so far)" in digest
    assert "Not enough answers" in digest
    # Too few respondents: participation only, no scores and no note counts (privacy).
    assert "0 of 4 answered" in digest
    assert "Scores appear once at least 3 people have answered." in digest
    assert "evidence note" not in digest


async def test_a_manual_digest_of_a_closed_round_is_not_posted_again_by_the_schedule(
    slack: SlackHarness,
) -> None:
    from datetime import timedelta

    await ask(slack, "setup", user=MANAGER)
    await ask(slack, "pulse", user=MANAGER)
    slack.clock.advance(timedelta(minutes=5))
    await ask(slack, "pulse", user=MANAGER)  # closes round 1
    assert await ask(slack, "digest", user=MANAGER) == (
        ":newspaper: Digest of round 1 posted to #team."
    )
    # The scheduler's digest step finds round 1 already posted.
    scheduler = slack.runtime.scheduler
    await scheduler.tick()
    posts = [
        c for c in slack.fake.calls_to("chat.postMessage") if c.args["channel"] == TEAM_CHANNEL
    ]
    assert len(posts) == 1


async def test_a_manual_digest_that_fails_for_now_leaves_the_round_to_the_schedule(
    slack: SlackHarness,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Slack's 5xx are waited out for up to 90 s; here the retries have run out at once.
    monkeypatch.setattr(retries, "SERVER_ERROR_BACKOFF", ServerErrorBackoff(max_wait_seconds=0))
    from datetime import timedelta

    await ask(slack, "setup", user=MANAGER)
    await ask(slack, "pulse", user=MANAGER)
    slack.clock.advance(timedelta(minutes=5))
    await ask(slack, "pulse", user=MANAGER)  # closes round 1
    slack.fake.server_error(
        "chat.postMessage", status=502, when=lambda a: a.get("channel") == TEAM_CHANNEL
    )

    answer = await ask(slack, "digest", user=MANAGER)

    assert "Slack refused a request I needed (`http_502`)" in answer
    async with slack.runtime.db.read() as s:
        assert (await s.execute(text("SELECT count(*) FROM digest"))).scalar_one() == 0
    # Its claim was released: the next tick posts round 1's digest, once.
    await slack.runtime.scheduler.tick()
    await slack.runtime.scheduler.tick()
    posts = [
        c
        for c in slack.fake.calls_to("chat.postMessage", ok=True)
        if c.args["channel"] == TEAM_CHANNEL
    ]
    assert len(posts) == 1
    assert "Round 1* (closed)" in render_message(posts[0].args)
    async with slack.runtime.db.read() as s:
        stored = (await s.execute(text("SELECT status FROM digest"))).scalars().all()
    assert stored == ["posted"]


async def test_overlong_command_text_gets_usage(slack: SlackHarness) -> None:
    answer = await ask(slack, "status " + "x" * 2000, user=MANAGER)
    assert "Sorry, I don't know" in answer
    assert "`/sdo setup`" in answer


async def test_a_quick_answer_comes_in_the_acknowledgement(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)

    reply, response_url = await slack.command("status", user=ALICE, channel=TEAM_CHANNEL)

    assert reply.status == 200
    assert reply.headers.get("Content-Type", "").startswith("application/json")
    answer = reply.json()
    assert answer["response_type"] == "ephemeral"
    assert "== #team —" in render_message(answer)
    assert slack.responses(response_url) == []  # nothing more to send afterwards


async def test_a_slow_answer_is_acknowledged_empty_in_time_and_follows_on_the_response_url(
    slack: SlackHarness,
) -> None:
    await ask(slack, "setup", user=MANAGER)
    slack.fake.delay("users.info", 1.5)  # the answer needs Slack, and Slack is slow
    slack.runtime.slack.gateway.people.clear()

    started = time.monotonic()
    reply, response_url = await slack.command("status", user=ALICE, channel=TEAM_CHANNEL)
    acked_after = time.monotonic() - started

    assert (reply.status, reply.text) == (200, "")
    assert acked_after < 1.4  # acknowledged when its second was up, not when the answer was
    answer = await slack.response_to(response_url)
    assert answer["response_type"] == "ephemeral"
    assert "== #team —" in render_message(answer)
