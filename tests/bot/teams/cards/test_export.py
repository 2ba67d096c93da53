"""The export as a Teams message: what it is, then the CSV rows in a code block that fits."""

from __future__ import annotations

import csv
from datetime import UTC, datetime

from bot.domain.circles import Circle
from bot.domain.export import COLUMNS, export_row
from bot.domain.model import Round, Team
from bot.domain.scoring import Tally, score_round
from bot.teams.cards.export import MAX_CSV_CHARS, export_message

TEAM = Team(id=1, workspace_id="msteams:t", channel_id="19:c", name="Checkout", tz="UTC")


def _rows(team: Team, count: int) -> list:  # type: ignore[type-arg]
    score = score_round({Circle.WHAT: Tally(yes=3)}, respondents=3, asked=4)
    opened = datetime(2026, 3, 5, tzinfo=UTC)
    return [
        export_row(team, Round(i, "msteams:t", 1, f"w{i}", i, opened, opened), score)
        for i in range(1, count + 1)
    ]


def _block(text: str) -> list[str]:
    return text.split("```\n", 1)[1].rsplit("```", 1)[0].splitlines()


def test_the_rows_are_csv_in_one_code_block() -> None:
    text = export_message(TEAM, _rows(TEAM, 3))
    assert text.startswith("**Checkout**: 3 rounds, one row each")
    assert text.count("```") == 2
    lines = _block(text)
    assert lines[0] == ",".join(COLUMNS)
    assert [r["round"] for r in csv.DictReader(lines)] == ["1", "2", "3"]


def test_a_long_history_keeps_the_newest_rounds_and_says_so() -> None:
    text = export_message(TEAM, _rows(TEAM, 1000))
    rounds = [int(r["round"]) for r in csv.DictReader(_block(text))]
    assert len("\n".join(_block(text))) <= MAX_CSV_CHARS
    assert rounds == list(range(1001 - len(rounds), 1001))
    assert f"Only the newest {len(rounds)} of 1000 rounds fit in one message" in text


def test_a_fence_in_a_name_does_not_end_the_block() -> None:
    team = Team(id=2, workspace_id="msteams:t", channel_id="19:d", name="a```b", tz="UTC")
    text = export_message(team, _rows(team, 1))
    assert text.count("```") == 2
    assert "a'''b" in _block(text)[1]
