"""Slack's message limits hold for any number of teams: 50 blocks, 3,000 characters a section."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.delivery.platform import ImageRef
from bot.domain.model import Round, Team
from bot.domain.regions import Region
from bot.domain.scoring import score_round
from bot.domain.trends import trend_of
from bot.domain.views import RoundView, TeamStatus
from bot.slack.blocks.status import org_status_message


def statuses(count: int) -> list[TeamStatus]:
    opened = datetime(2026, 3, 5, tzinfo=UTC)
    result = []
    for i in range(count):
        team = Team(
            id=i + 1, workspace_id="T1", channel_id=f"C{i}", name=f"team-{i:05d}-<!here>", tz="UTC"
        )
        score = score_round({}, respondents=0, asked=3)
        view = RoundView(Round(i + 1, "T1", i + 1, "p", 1, opened, opened), score)
        result.append(
            TeamStatus(
                team=team,
                current=None,
                last_closed=view,
                trend=trend_of([Region.CENTER]),
                nudges=[],
                members=3,
            )
        )
    return result


def check_limits(message: dict[str, object]) -> list[str]:
    blocks = message["blocks"]
    assert isinstance(blocks, list)
    assert len(blocks) <= 50
    texts = [b["text"]["text"] for b in blocks if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in texts)
    return texts


def test_a_few_teams_fit_in_one_section_without_a_more_line() -> None:
    message = org_status_message(statuses(3))
    texts = check_limits(message)
    assert len(texts) == 1
    assert "more teams" not in str(message)
    # Team names are escaped: a channel name can never ping.
    assert "<!here>" not in texts[0]
    assert "&lt;!here&gt;" in texts[0]


def test_many_teams_are_split_and_the_rest_counted() -> None:
    many = statuses(4000)
    message = org_status_message(many, picture=ImageRef("F1", "map"))
    texts = check_limits(message)
    listed = sum(t.count("#team-") for t in texts)
    assert 1000 < listed < 4000
    last = message["blocks"][-1]
    assert last["type"] == "context"
    assert last["elements"][0]["text"] == f"…and {4000 - listed} more teams"
    assert len(message["blocks"]) == 50
