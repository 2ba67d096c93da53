"""A team's history as a file: one row per round, aggregates only (issue 14, item 2). Pure.

A row holds what status shows of a round (``bot.domain.privacy.shareable``) and nothing else:
never an answer, a note's text or who answered. A round with fewer respondents than the
team's minimum has the region ``Not enough answers`` and empty scores, note count and
disagreement flags; its participation (respondents, asked, away) is shown, as in status.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot.domain.circles import CIRCLES, Circle
from bot.domain.model import Round, Team
from bot.domain.privacy import shareable
from bot.domain.regions import region_label
from bot.domain.scoring import RoundScore

# The columns, in order: the CSV header and the JSON keys.
COLUMNS: tuple[str, ...] = (
    "team",
    "channel",
    "round",
    "opened",
    "closed",
    "region",
    "w_score",
    "h_score",
    "d_score",
    "respondents",
    "asked",
    "away",
    "notes",
    "w_disagreement",
    "h_disagreement",
    "d_disagreement",
)
SCORE_DECIMALS = 3
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection): a
# team's name (a Teams channel may be called "=HYPERLINK(…)") is written with a quote first.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class ExportRow:
    """One round of one team, as exported.

    ``scores``, ``notes`` and ``disagreements`` are ``None`` when the round has too few
    respondents (a score is also ``None`` when its circle had no counted answer).
    """

    team: str
    channel: str
    round: int
    opened: datetime
    closed: datetime | None
    region: str
    scores: dict[Circle, float | None] | None
    respondents: int
    asked: int
    away: int
    notes: int | None
    disagreements: frozenset[Circle] | None

    def values(self) -> dict[str, Any]:
        """The row by column, as JSON values (``None`` for an empty cell)."""
        scores = self.scores or {}
        values: dict[str, Any] = {
            "team": self.team,
            "channel": self.channel,
            "round": self.round,
            "opened": _iso(self.opened),
            "closed": _iso(self.closed) if self.closed is not None else None,
            "region": self.region,
            **{f"{c.value.lower()}_score": _rounded(scores.get(c)) for c in CIRCLES},
            "respondents": self.respondents,
            "asked": self.asked,
            "away": self.away,
            "notes": self.notes,
        }
        for c in CIRCLES:
            split = None if self.disagreements is None else c in self.disagreements
            values[f"{c.value.lower()}_disagreement"] = split
        return values


def export_row(team: Team, rnd: Round, score: RoundScore, *, away: int = 0) -> ExportRow:
    """A round's row from its score, through the privacy rules (``shareable``).

    Args:
        team: the round's team.
        rnd: the round.
        score: its aggregate score by the team's rules.
        away: members away for the round (not asked).
    """
    shared = shareable(score)
    enough = shared.region is not None
    return ExportRow(
        team=team.name,
        channel=team.channel_id,
        round=rnd.number,
        opened=rnd.opened_at,
        closed=rnd.closed_at,
        region=region_label(shared.region),
        scores=shared.scores,
        respondents=shared.respondents,
        asked=shared.asked,
        away=away,
        notes=shared.notes,
        disagreements=shared.disagreements if enough else None,
    )


def to_csv(rows: Iterable[ExportRow]) -> str:
    """The rows as CSV (a header line first; an empty cell for ``None``; flags yes/no)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(name, value) for name, value in row.values().items()])
    return out.getvalue()


def to_json(rows: Sequence[ExportRow]) -> str:
    """The rows as a JSON array of objects keyed by ``COLUMNS`` (``null`` for an empty cell)."""
    return json.dumps([row.values() for row in rows], indent=2, ensure_ascii=False) + "\n"


def _cell(name: str, value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.{SCORE_DECIMALS}f}"
    text = str(value)
    if name in ("team", "channel") and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def _rounded(score: float | None) -> float | None:
    return None if score is None else round(score, SCORE_DECIMALS)


def _iso(when: datetime) -> str:
    """UTC, to the second, with a ``Z`` (a stored time without a zone is UTC)."""
    aware = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    return aware.replace(microsecond=0).isoformat().replace("+00:00", "Z")
