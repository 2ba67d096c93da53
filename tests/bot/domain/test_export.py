"""The export's rows and files: aggregates only, and nothing below the minimum respondents."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from bot.domain.circles import Circle
from bot.domain.export import COLUMNS, export_row, to_csv, to_json
from bot.domain.model import Round, Team
from bot.domain.scoring import ScoringRules, Tally, score_round

TEAM = Team(id=1, workspace_id="T1", channel_id="C1", name="payments", tz="UTC")
OPENED = datetime(2026, 3, 5, 14, 0, 30, 123456, tzinfo=UTC)
CLOSED = datetime(2026, 3, 12, 14, tzinfo=UTC)


def _round(number: int, *, closed: datetime | None = CLOSED) -> Round:
    return Round(
        id=number, workspace_id="T1", team_id=1, period=f"w{number}", number=number,
        opened_at=OPENED, closed_at=closed,
    )  # fmt: skip


def _score(respondents: int, *, tallies: dict[Circle, Tally] | None = None):  # type: ignore[no-untyped-def]
    return score_round(
        tallies
        or {
            Circle.WHAT: Tally(yes=3, no=1),
            Circle.HOW: Tally(yes=1, no=1, not_sure=1),
            Circle.DELIVER: Tally(not_sure=3),
        },
        respondents=respondents,
        asked=4,
        rules=ScoringRules(min_respondents=3),
        notes=2,
    )


def _parsed(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_a_round_with_enough_respondents_exports_its_figures() -> None:
    (row,) = _parsed(to_csv([export_row(TEAM, _round(1), _score(3), away=1)]))
    assert row == {
        "team": "payments",
        "channel": "C1",
        "round": "1",
        "opened": "2026-03-05T14:00:30Z",
        "closed": "2026-03-12T14:00:00Z",
        "region": "Feasibility practice",
        "w_score": "0.750",
        "h_score": "0.500",
        "d_score": "",  # no counted answer: no score
        "respondents": "3",
        "asked": "4",
        "away": "1",
        "notes": "2",
        "w_disagreement": "no",
        "h_disagreement": "yes",
        "d_disagreement": "no",
    }


def test_below_the_minimum_the_region_says_so_and_the_figures_are_empty() -> None:
    (row,) = _parsed(to_csv([export_row(TEAM, _round(2), _score(2))]))
    assert row["region"] == "Not enough answers"
    assert (row["respondents"], row["asked"], row["away"]) == ("2", "4", "0")
    hidden = ("w_score", "h_score", "d_score", "notes", "w_disagreement", "h_disagreement")
    assert [row[c] for c in hidden] == [""] * len(hidden)
    assert row["d_disagreement"] == ""
    (item,) = json.loads(to_json([export_row(TEAM, _round(2), _score(2))]))
    assert item["region"] == "Not enough answers"
    assert [item[c] for c in (*hidden, "d_disagreement")] == [None] * 7


def test_json_has_the_same_columns_with_typed_values() -> None:
    rows = [
        export_row(TEAM, _round(1), _score(3)),
        export_row(TEAM, _round(2, closed=None), _score(3)),
    ]
    items = json.loads(to_json(rows))
    assert [list(item) for item in items] == [list(COLUMNS)] * 2
    assert items[0]["w_score"] == 0.75
    assert items[0]["h_disagreement"] is True
    assert items[0]["respondents"] == 3
    assert items[1]["closed"] is None  # the open round, so far
    assert _parsed(to_csv(rows))[1]["closed"] == ""


def test_a_name_a_spreadsheet_would_run_is_written_as_text() -> None:
    team = Team(id=2, workspace_id="T1", channel_id="C2", name='=HYPERLINK("x")', tz="UTC")
    (row,) = _parsed(to_csv([export_row(team, _round(1), _score(3))]))
    assert row["team"] == '\'=HYPERLINK("x")'


def test_no_rows_is_a_header() -> None:
    assert to_csv([]) == ",".join(COLUMNS) + "\r\n"
    assert json.loads(to_json([])) == []
