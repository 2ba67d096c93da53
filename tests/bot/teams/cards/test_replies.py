"""The answers to `@SDO Pulse` commands, as the caller reads them in Teams."""

from __future__ import annotations

import inspect
import re
from datetime import UTC, date, datetime, time

import pytest

from bot.domain.model import THURSDAY, Team
from bot.domain.views import ManagerRefusal
from bot.slack.blocks import away as slack_away
from bot.slack.blocks import replies as slack_replies
from bot.teams.cards import away, replies

TEAM = Team(id=1, workspace_id="T1", channel_id="C1", name="payments", tz="Europe/Berlin")
HOSTILE = Team(id=2, workspace_id="T1", channel_id="C9", name="[x](https://evil.example)", tz="UTC")


def every_reply(team: Team = TEAM, name: str = "Ann Lee") -> list[str]:
    return [
        replies.refusal("send a pulse"),
        replies.platform_refused("ConversationNotFound"),
        replies.not_a_team(),
        replies.not_a_team(name),
        replies.team_set_up(team, created=True, members=4),
        replies.status_hidden(team),
        replies.status_all_refused(),
        replies.no_members(team),
        replies.sending(3, 400),
        replies.pulse_sent(3, created=True, sent=4, failed=1, pending=1),
        replies.no_round_yet(),
        replies.digest_posted(team, 3),
        replies.schedule_shown(team, "Usage: …"),
        replies.schedule_saved(team, weekday=THURSDAY, at=time(15), next_pulse=None),
        replies.managers_of(team, [name, "Bo"]),
        replies.manager_added(team, name, added=True),
        *(replies.manager_refused(team, name, why=why) for why in ManagerRefusal),
        replies.manager_removed(team, name, removed=False),
        replies.database_unavailable(),
        replies.export_sent(team, 3),
        replies.export_comment(team, 1),
        replies.pulse_sent(3, created=True, sent=2, failed=0, pending=0, away=2),
        away.away_marked(team, name, date(2026, 12, 24)),
        away.away_date_passed(team, date(2026, 1, 2)),
        away.away_cleared(team, name, cleared=True),
        away.away_cleared(team, name, cleared=False),
        away.away_list(team, [(name, date(2026, 12, 24))]),
        away.away_list(team, []),
        away.away_not_member(team, name),
        away.away_statuses_not_read(team),
        away.pulse_me_sent(team, 3, sent=True),
        away.pulse_me_sent(team, 3, sent=False),
        away.not_away(),
    ]


def test_there_is_one_teams_reply_for_each_slack_reply_with_the_same_arguments() -> None:
    renamed = {"slack_refused": "platform_refused"}
    pairs = ((slack_replies, replies), (slack_away, away))
    slack = {
        name: (fn, teams_module)
        for slack_module, teams_module in pairs
        for name, fn in inspect.getmembers(slack_module, inspect.isfunction)
        if fn.__module__ == slack_module.__name__ and not name.startswith("_")
    }
    slack.pop("text_message")  # Slack's message wrapper; a Teams reply is its text
    # The note while Slack's 429s hold a command up: Slack only (the Teams connector waits
    # out Teams' 429s without telling the person; see docs/architecture.md).
    slack.pop("slack_pacing")
    # Which Slack statuses mean away: Teams' statuses are not read (away_statuses_not_read).
    slack.pop("away_statuses")
    slack.pop("away_statuses_refused")
    assert len(slack) == 28
    for name, (fn, teams_module) in slack.items():
        teams_fn = getattr(teams_module, renamed.get(name, name))
        slack_params = inspect.signature(fn).parameters
        teams_params = inspect.signature(teams_fn).parameters
        assert [p.kind for p in teams_params.values()] == [p.kind for p in slack_params.values()]
        assert len(teams_params) == len(slack_params), name


def test_every_reply_is_teams_text_without_slack_markup() -> None:
    for text in every_reply():
        assert isinstance(text, str)
        assert re.search(r":[a-z_]+:", text) is None, text  # no Slack emoji codes
        for slack in ("<@", "<#", "<!", "/sdo", "`", "&lt;", "*#"):
            assert slack not in text, text


def test_commands_are_named_as_teams_users_type_them() -> None:
    assert replies.not_a_team() == (
        "This channel is not a team yet. Run **@SDO Pulse setup** here to register it "
        "(you become its manager)."
    )
    assert replies.no_round_yet() == "No round yet — send one with **@SDO Pulse pulse** first."
    assert replies.status_all_refused() == (
        "🔒 Sorry — **@SDO Pulse status all** is for team managers and admins."
    )
    assert replies.team_set_up(TEAM, created=True, members=4) == (
        "✅ **payments** is now a team: 4 members, you are a manager. Schedule: pulse Thursday "
        "15:00 every week, reminder Friday 11:00, digest Monday 10:00 (Europe/Berlin). "
        "Send the first one now with **@SDO Pulse pulse**."
    )


def test_counts_read_as_people_say_them() -> None:
    one = replies.pulse_sent(2, created=False, sent=1, failed=0, pending=0)
    many = replies.pulse_sent(2, created=True, sent=9, failed=2, pending=1)
    assert one == "📬 Round 2 was already open: sent to 1 member."
    assert many == (
        "📬 Round 2 is open: sent to 9 members. "
        "2 could not be reached (see **@SDO Pulse status**). 1 will be retried."
    )
    assert "1 member, you are a manager" in replies.team_set_up(TEAM, created=False, members=1)
    assert replies.sending(3, 400) == "⏳ Round 3 is open: sending it to 400 members…"


def test_the_other_channel_and_the_next_pulse_are_named() -> None:
    saved = replies.schedule_saved(
        TEAM,
        weekday=THURSDAY,
        at=time(15, 30),
        next_pulse=datetime(2026, 3, 12, 15, 30, tzinfo=UTC),
    )
    assert replies.not_a_team("Design") == (
        "**Design** is not a team yet: run **@SDO Pulse setup** there."
    )
    assert saved.startswith(
        "📅 Done: **payments** gets its pulse every Thursday at 15:30 (Europe/Berlin) — "
    )
    assert saved.endswith(" Next pulse: Thursday 12 March 15:30.")
    assert replies.schedule_shown(TEAM, "Usage: x").endswith("(Europe/Berlin).\n\nUsage: x")


def test_teams_refusals_say_teams_and_how_to_fix_them() -> None:
    assert replies.platform_refused("BotNotInConversationRoster") == (
        "⚠️ Teams refused a request I needed (BotNotInConversationRoster). If I am not in this "
        "team, add SDO Pulse to it and try again."
    )
    assert replies.refusal("post the digest") == (
        "🔒 Sorry — only this team's managers (or admins) can post the digest."
    )


def test_people_are_named_by_display_name_and_pinged_by_nobody() -> None:
    assert replies.managers_of(TEAM, ["Ann Lee", "Bo"]) == (
        "Managers of **payments**: **Ann Lee**, **Bo**"
    )
    assert replies.manager_added(TEAM, "Ann Lee", added=False) == (
        "**Ann Lee** is already a manager of **payments**."
    )
    assert replies.manager_removed(TEAM, "Ann Lee", removed=True) == (
        "**Ann Lee** is no longer a manager of **payments**."
    )
    assert replies.manager_removed(TEAM, "Ann Lee", removed=False) == (
        "**Ann Lee** stays: they are not a manager of **payments**, or they are its last one "
        "(add another manager first)."
    )


@pytest.mark.parametrize("hostile", ["<at>Ann</at>", "**x**", "[x](https://evil.example)"])
def test_names_and_reasons_written_elsewhere_never_become_markup(hostile: str) -> None:
    team = Team(id=3, workspace_id="T1", channel_id="C3", name=hostile, tz="UTC")
    texts = [*every_reply(team, hostile), replies.platform_refused(hostile)]
    for text in texts:
        # Every "<", "[" and "*" of theirs is escaped: no mention, link or bold of their making.
        assert re.search(r"(?<!\\)[<\[]", text) is None, text
        assert "**x**" not in text
    assert "\\[x\\](https://evil.example)" in replies.status_hidden(HOSTILE)


def test_a_refused_manager_is_named_with_the_reason() -> None:
    assert replies.manager_refused(TEAM, "Helper Bot", why=ManagerRefusal.BOT) == (
        "⛔ **Helper Bot** is a bot, not a person: only people can manage **payments**."
    )
    assert replies.manager_refused(TEAM, "Ann Lee", why=ManagerRefusal.DEACTIVATED) == (
        "⛔ **Ann Lee**'s account is deactivated: only active members can manage **payments**."
    )
    assert replies.manager_refused(TEAM, "that person", why=ManagerRefusal.UNKNOWN) == (
        "⛔ I cannot find that person in this team, so nobody was made a manager of "
        "**payments**. Mention someone from the team and pick them from Teams' list."
    )
    hostile = replies.manager_refused(HOSTILE, "[x](https://evil.example)", why=ManagerRefusal.BOT)
    assert hostile.count("\\[x\\](https://evil.example)") == 2  # escaped: no link
