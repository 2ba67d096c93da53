"""`@SDO Pulse export` as the caller reads it in their personal chat: the CSV rows in a code
block under a line saying what they are (a bot cannot simply attach a file to a Teams chat: that
takes Teams' file-consent card and OneDrive). Pure.

A Teams message holds about 28 KB: a long history keeps the header and its newest rows, and
says how many of the rounds are shown (``sdo export`` writes them all).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.export import ExportRow, to_csv
from bot.domain.model import Team
from bot.teams.cards.replies import export_comment

# The rows' share of a message, leaving room for the words around them.
MAX_CSV_CHARS = 20_000


def export_message(team: Team, rows: Sequence[ExportRow]) -> str:
    """The message of the export: what it is, then the rows as CSV in a code block.

    Args:
        team: the team exported.
        rows: its rounds, oldest first.
    """
    shown = list(rows)
    text = to_csv(shown)
    while len(text) > MAX_CSV_CHARS and len(shown) > 1:
        shown = shown[max(1, len(shown) // 10) :]  # drop the oldest tenth, keep the newest
        text = to_csv(shown)
    lines = [export_comment(team, len(rows))]
    if len(shown) < len(rows):
        lines.append(
            f"Only the newest {len(shown)} of {len(rows)} rounds fit in one message: whoever "
            "runs SDO Pulse can write them all with `sdo export` on its server."
        )
    # A fence inside a cell (a team's name) would end the code block early.
    lines.append("```\n" + text.replace("\r\n", "\n").replace("```", "'''") + "```")
    return "\n\n".join(lines)
