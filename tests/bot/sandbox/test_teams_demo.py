"""``sdo demo --platform teams``: eight weeks through the fake Bot Connector, printed as Teams
users would read them, with the pictures the cards show written to the folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main


def test_the_teams_demo_prints_eight_rounds_and_writes_the_pictures(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["demo", "--platform", "teams", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    table = printed.split("region per round", 1)[1]
    rows = [line.split() for line in table.splitlines() if "→" in line]
    assert [row[0] for row in rows] == ["payments", "platform", "growth"]
    assert table.count("→") == 3 * 7  # eight rounds each
    assert "Center → Center → Center" in table
    assert "Round 8" in printed
    assert "@SDO Pulse setup" in printed
    pngs = sorted(tmp_path.glob("*.png"))
    assert len(pngs) >= 3 * 8
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs)
