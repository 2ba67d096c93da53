"""``sdo export`` as an operator runs it, on SQLite and PostgreSQL: ``bot.cli.main`` with argv,
reading ``SDO_DATABASE_URL``, writing the same rows as `/sdo export` to a CSV or JSON file."""

from __future__ import annotations

import asyncio
import csv
import json
from pathlib import Path

import pytest

from bot.cli import main
from bot.clock import FrozenClock
from bot.domain.export import COLUMNS
from bot.domain.views import PersonInfo
from bot.services import Services
from storage.db import Database
from tests.support.history import EXPECTED, NOTES, three_closed_rounds

WORKSPACE = "T1"
PEOPLE = [PersonInfo(f"U{i}", f"person {i}", "UTC") for i in range(4)]


async def _seed(db_url: str, clock: FrozenClock) -> None:
    """Team alpha (C1) with three closed rounds; team beta (C2) with none."""
    db = Database(db_url)
    try:
        services = Services(db=db, clock=clock, status_ttl=0)
        for channel_id, name in (("C1", "alpha"), ("C2", "beta")):
            await services.teams.setup(
                workspace_id=WORKSPACE, channel_id=channel_id, channel_name=name,
                caller=PEOPLE[0], people=PEOPLE,
            )  # fmt: skip
        alpha = await services.teams.for_channel(workspace_id=WORKSPACE, channel_id="C1")
        assert alpha is not None
        await three_closed_rounds(services, clock, alpha, [p.user_id for p in PEOPLE])
    finally:
        await db.dispose()


async def _sdo(*argv: str) -> int:
    # main runs its own event loop (asyncio.run): in a thread, beside the test's.
    return await asyncio.to_thread(main, list(argv))


def _no_one_in(text: str) -> None:
    for secret in (*NOTES, "SECRET-NOTE", *(p.user_id for p in PEOPLE), "person "):
        assert secret not in text, secret


async def test_export_writes_the_rounds_as_csv_and_as_json(
    db_url: str,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _seed(db_url, clock)
    monkeypatch.setenv("SDO_DATABASE_URL", db_url)
    as_csv, as_json = tmp_path / "alpha.csv", tmp_path / "alpha.json"

    assert await _sdo("export", "--workspace", WORKSPACE, "--team", "C1", "--out", str(as_csv)) == 0
    assert capsys.readouterr().out == f"wrote 3 rounds of 1 teams to {as_csv}\n"
    code = await _sdo(
        "export", "--workspace", WORKSPACE, "--team", "C1", "--format", "json",
        "--out", str(as_json),
    )  # fmt: skip
    assert code == 0

    text = as_csv.read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    assert list(rows[0]) == list(COLUMNS)
    assert [{k: v for k, v in r.items() if k in EXPECTED[0]} for r in rows] == EXPECTED
    assert {(r["team"], r["channel"]) for r in rows} == {("alpha", "C1")}
    _no_one_in(text)

    items = json.loads(as_json.read_text(encoding="utf-8"))
    assert [list(item) for item in items] == [list(COLUMNS)] * 3
    # The same rows, typed: numbers as numbers, an empty cell as null.
    assert [(i["round"], i["region"], i["respondents"]) for i in items] == [
        (1, "Center", 3), (2, "Not enough answers", 2), (3, "DevOps", 4)
    ]  # fmt: skip
    assert [i["d_score"] for i in items] == [0.667, None, 0.875]
    assert [i["notes"] for i in items] == [1, None, 1]
    assert [i["d_disagreement"] for i in items] == [True, None, False]
    assert [(i["opened"], i["closed"]) for i in items] == [(r["opened"], r["closed"]) for r in rows]
    _no_one_in(as_json.read_text(encoding="utf-8"))


async def test_export_of_a_workspace_and_of_no_team(
    db_url: str,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    await _seed(db_url, clock)
    monkeypatch.setenv("SDO_DATABASE_URL", db_url)
    out = tmp_path / "all.csv"

    assert await _sdo("export", "--workspace", WORKSPACE, "--out", str(out)) == 0
    # Beta has no round: nothing of it. Alpha's three rounds.
    assert [r["team"] for r in csv.DictReader(out.read_text().splitlines())] == ["alpha"] * 3

    capsys.readouterr()
    assert await _sdo("export", "--workspace", WORKSPACE, "--team", "C9", "--out", "-") == 1
    assert capsys.readouterr().err == "sdo: channel C9 of T1 is no team\n"
    assert await _sdo("export", "--workspace", WORKSPACE, "--team", "C2", "--out", "-") == 0
    assert capsys.readouterr().out == ",".join(COLUMNS) + "\r\n"
