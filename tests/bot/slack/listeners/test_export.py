"""`/sdo export` over signed HTTP, with the fake Slack: a manager gets the team's rounds as a CSV
file in their DM (aggregates only); anyone else gets the refusal and nothing is uploaded."""

from __future__ import annotations

import csv
import io

from bot.domain.export import COLUMNS
from bot.domain.model import Team
from bot.slack.blocks.render import render_message
from tests.support.harness import WORKSPACE, SlackHarness
from tests.support.history import EXPECTED, NOTES, three_closed_rounds
from tests.support.slack import ALICE, BOB, CAROL, MANAGER, OUTSIDER, TEAM_CHANNEL

MEMBERS = [MANAGER, ALICE, BOB, CAROL]
# Whose answers and notes are in the rounds: no id or name of theirs may be in the file.
PEOPLE = [*MEMBERS, "mia", "Mia Manager", "alice", "Alice", "bob", "Bob", "carol", "Carol"]


async def ask(slack: SlackHarness, text: str, *, user: str) -> str:
    answer = await slack.command_and_answer(text, user=user, channel=TEAM_CHANNEL)
    assert answer["response_type"] == "ephemeral"
    return render_message(answer)


async def _team_with_history(slack: SlackHarness) -> Team:
    assert "is now a team: 4 members" in await ask(slack, "setup", user=MANAGER)
    services = slack.runtime.services
    team = await services.teams.for_channel(workspace_id=WORKSPACE, channel_id=TEAM_CHANNEL)
    assert team is not None
    await three_closed_rounds(services, slack.clock, team, MEMBERS)
    return team


async def test_a_manager_gets_the_rounds_as_a_csv_file_in_their_dm(
    slack_any_db: SlackHarness,
) -> None:
    slack = slack_any_db
    await _team_with_history(slack)

    answer = await ask(slack, "export", user=MANAGER)

    assert answer == (
        ":inbox_tray: The export of #team (3 rounds, aggregates only) is in your DM with me."
    )
    (completed,) = slack.fake.calls_to("files.completeUploadExternal", ok=True)
    dm = slack.fake.dm_channel_id(MANAGER)
    assert completed.args["channel_id"] == dm
    (shared,) = [m for m in slack.fake.messages[dm] if m.get("files")]
    (file,) = shared["files"]
    assert file["name"].startswith("sdo-pulse-team-")
    assert file["name"].endswith(".csv")
    assert shared["text"].startswith("#team: 3 rounds, one row each")
    content = slack.fake.uploads[file["id"]].decode()

    rows = list(csv.DictReader(io.StringIO(content)))
    assert list(rows[0]) == list(COLUMNS)
    assert [{k: v for k, v in r.items() if k in EXPECTED[0]} for r in rows] == EXPECTED
    assert {(r["team"], r["channel"]) for r in rows} == {("team", TEAM_CHANNEL)}
    assert all(r["opened"] and r["closed"] for r in rows)
    # The round below the minimum respondents: no region guessed, no scores.
    low = rows[1]
    assert low["region"] == "Not enough answers"
    assert (low["w_score"], low["h_score"], low["d_score"]) == ("", "", "")
    # Never an individual answer: no note's words, nobody's id or name.
    for secret in (*NOTES, "SECRET-NOTE", *PEOPLE):
        assert secret not in content, secret


async def test_a_member_or_an_outsider_is_refused_and_nothing_is_uploaded(
    slack: SlackHarness,
) -> None:
    await _team_with_history(slack)

    for user in (ALICE, OUTSIDER):
        answer = await ask(slack, "export", user=user)
        assert answer == (
            ":lock: Sorry — only this team's managers (or workspace admins) can export the "
            "team's history."
        )
    assert slack.fake.calls_to("files.getUploadURLExternal") == []
    assert slack.fake.calls_to("files.completeUploadExternal") == []
    assert slack.fake.uploads == {}


async def test_a_team_without_rounds_has_nothing_to_export(slack: SlackHarness) -> None:
    await ask(slack, "setup", user=MANAGER)
    assert await ask(slack, "export", user=MANAGER) == (
        "No round yet — send one with `/sdo pulse` first."
    )
    assert await ask(slack, "export now", user=MANAGER) == "`/sdo export` takes no arguments."
    assert slack.fake.uploads == {}
