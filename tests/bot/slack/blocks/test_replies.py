"""The answers of `/sdo`, as the caller reads them."""

from __future__ import annotations

from datetime import UTC, datetime, time

from bot.domain.model import THURSDAY, Team
from bot.domain.views import ManagerRefusal
from bot.sandbox.fakeslack import block_kit_errors
from bot.slack.blocks import replies
from bot.slack.blocks.render import render_message

TEAM = Team(id=1, workspace_id="T1", channel_id="C1", name="payments", tz="Europe/Berlin")


def test_every_answer_is_one_valid_section_with_the_same_notification_text() -> None:
    answers = [
        replies.refusal("send a pulse"),
        replies.slack_refused("not_in_channel"),
        replies.slack_refused("ratelimited"),
        replies.slack_pacing(12.5),
        replies.not_a_team(),
        replies.not_a_team("C2"),
        replies.team_set_up(TEAM, created=True, members=4),
        replies.status_hidden(TEAM),
        replies.status_all_refused(),
        replies.no_members(TEAM),
        replies.sending(3, 400),
        replies.pulse_sent(3, created=True, sent=4, failed=0, pending=0),
        replies.no_round_yet(),
        replies.digest_posted(TEAM, 3),
        replies.schedule_shown(TEAM, "Usage: …"),
        replies.schedule_saved(TEAM, weekday=THURSDAY, at=time(15), next_pulse=None),
        replies.managers_of(TEAM, ["U1", "U2"]),
        replies.manager_added(TEAM, "U1", added=True),
        *(replies.manager_refused(TEAM, "U1", why=why) for why in ManagerRefusal),
        replies.manager_removed(TEAM, "U1", removed=False),
    ]
    for answer in answers:
        assert block_kit_errors(answer["blocks"], max_blocks=50) == []
        assert render_message(answer) == answer["text"]


def test_counts_read_as_people_say_them() -> None:
    one = render_message(replies.pulse_sent(2, created=False, sent=1, failed=0, pending=0))
    many = render_message(replies.pulse_sent(2, created=True, sent=9, failed=2, pending=1))

    assert one == ":mailbox_with_mail: Round 2 was already open: sent to 1 member."
    assert many == (
        ":mailbox_with_mail: Round 2 is open: sent to 9 members. "
        "2 could not be reached (see `/sdo status`). 1 will be retried."
    )
    assert "1 member, you are a manager" in render_message(
        replies.team_set_up(TEAM, created=False, members=1)
    )


def test_the_other_channel_and_the_next_pulse_are_named() -> None:
    elsewhere = render_message(replies.not_a_team("C2"))
    saved = render_message(
        replies.schedule_saved(
            TEAM,
            weekday=THURSDAY,
            at=time(15, 30),
            next_pulse=datetime(2026, 3, 12, 15, 30, tzinfo=UTC),
        )
    )

    assert elsewhere == "<#C2> is not a team yet: run `/sdo setup` there."
    assert saved.startswith(
        ":calendar: Done: #payments gets its pulse every Thursday at 15:30 (Europe/Berlin) — "
    )
    assert saved.endswith(" Next pulse: Thursday 12 March 15:30.")


def test_a_refusal_gives_the_advice_that_fits_what_slack_said() -> None:
    hidden = render_message(replies.slack_refused("channel_not_found"))
    revoked = render_message(replies.slack_refused("invalid_auth"))
    other = render_message(replies.slack_refused("fatal_error"))

    assert "invite me with `/invite @SDO Pulse`" in hidden
    assert "reinstall SDO Pulse" in revoked
    assert "invite" not in revoked
    assert other == (
        ":warning: Slack refused a request I needed (`fatal_error`). Please try again in a moment."
    )
    # A rate limit is no refusal: no advice to invite anyone, and no error code to puzzle over.
    busy = render_message(replies.slack_refused("ratelimited"))
    assert "invite" not in busy
    assert "`" not in busy


def test_slacks_reason_and_names_are_escaped() -> None:
    hostile = Team(id=2, workspace_id="T1", channel_id="C9", name="<!channel>", tz="UTC")

    assert "`&lt;!here&gt;`" in render_message(replies.slack_refused("<!here>"))
    for answer in (replies.status_hidden(hostile), replies.digest_posted(hostile, 1)):
        assert "<!channel>" not in answer["text"]
        assert "&lt;!channel&gt;" in answer["text"]


def test_a_refused_manager_is_named_with_the_reason() -> None:
    def refused(user_id: str, why: ManagerRefusal) -> str:
        return render_message(replies.manager_refused(TEAM, user_id, why=why))

    assert refused("UBOT", ManagerRefusal.BOT) == (
        ":no_entry: <@UBOT> is a bot, not a person: only people can manage #payments."
    )
    assert refused("UGONE", ManagerRefusal.DEACTIVATED) == (
        ":no_entry: <@UGONE>'s account is deactivated: only active members of the workspace "
        "can manage #payments."
    )
    assert refused("UNOPE", ManagerRefusal.UNKNOWN) == (
        ":no_entry: Slack knows no user `UNOPE` in this workspace, so nobody was made a manager "
        "of #payments. Mention the person with `@` and pick them from Slack's list."
    )
