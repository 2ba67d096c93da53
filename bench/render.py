"""Render benchmark: how long the Venn pictures take, warm, and what importing them costs.

Prints one JSON line. Run as ``python bench/render.py`` (``--runs N`` to change the sample).
Figures: p50/p95 milliseconds of the team picture, the trend picture, a 30-team org map (the
dots view) and org maps of 120 and 1,000 teams (the counts view, goal ≤ 100 ms; teams spread
over the regions with a previous region each) after warm-up renders, the first (cold) team
render in a fresh process, the import cost of
``bot.pictures`` from ``python -X importtime`` (median of several fresh processes), and the PNG
size of a team picture.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.domain.regions import Region

GOAL_TEAM_MS = 50
GOAL_ORG_MS = 100
WARM_UP = 5


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _time_ms(render: Callable[[], object], *, runs: int) -> list[float]:
    for _ in range(WARM_UP):
        render()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def _import_ms(*, runs: int) -> float:
    """Median cumulative import time of ``bot.pictures`` (and all it imports), fresh processes."""
    results = []
    for _ in range(runs):
        done = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import bot.pictures"],
            capture_output=True,
            text=True,
            check=True,
        )
        for line in done.stderr.splitlines():
            parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
            if len(parts) == 3 and parts[2] == "bot.pictures":
                results.append(int(parts[1]) / 1000)
    return statistics.median(results)


def _first_render_ms() -> float:
    """A team picture in a fresh process: fonts, masks and anchors built on the way."""
    # The code is a literal in the call: nothing from outside reaches the subprocess (S603).
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import time; from bot.pictures import render_team; "
            "from bot.domain.regions import Region; "
            "t = time.perf_counter(); "
            "render_team(region=Region.CENTER, team_name='payments', round_label='r'); "
            "print((time.perf_counter() - t) * 1000)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(done.stdout.strip())


def _org_teams(count: int) -> list[tuple[str, Region | None, Region | None]]:
    """``count`` teams spread over the regions and "Not enough answers", now and before."""
    import random

    from bot.domain.regions import Region

    rng = random.Random(count)  # the same organisation every run
    places: list[Region | None] = [*Region, None]
    weights = [3, 6, 4, 5, 8, 10, 9, 12, 2]
    teams = []
    for i in range(count):
        now, before = rng.choices(places, weights, k=2)
        teams.append((f"team {i:04d}", now, before))
    return teams


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50, help="timed renders of each picture")
    args = parser.parse_args()

    from bot.domain.regions import Region
    from bot.pictures import render_org_map, render_team, render_trend

    regions = list(Region)
    teams: list[tuple[str, Region | None]] = [
        (f"team {index:02d}", regions[index % len(regions)]) for index in range(30)
    ]
    counter = iter(range(10**9))

    def team() -> bytes:
        # A different region each time, so no single mask's cache luck skews the figure.
        return render_team(
            region=regions[next(counter) % len(regions)],
            team_name="payments",
            round_label="Round of 5 March 2026",
        )

    def trend() -> bytes:
        return render_trend(
            regions=[Region.OUTSIDE, None, Region.DELIVERY_ONLY, Region.DEVOPS, Region.CENTER],
            team_name="payments",
        )

    def org() -> bytes:
        return render_org_map(teams=teams, title="Acme")

    org120, org1000 = _org_teams(120), _org_teams(1000)

    team_ms = _time_ms(team, runs=args.runs)
    trend_ms = _time_ms(trend, runs=args.runs)
    org_ms = _time_ms(org, runs=args.runs)
    org120_ms = _time_ms(lambda: render_org_map(teams=org120, title="Acme"), runs=args.runs)
    org1000_ms = _time_ms(lambda: render_org_map(teams=org1000, title="Acme"), runs=args.runs)
    png = render_team(region=Region.DEVOPS, team_name="payments", round_label="Round of 5 March")
    print(
        json.dumps(
            {
                "bench": "render",
                "runs": args.runs,
                "team_ms_p50": round(_percentile(team_ms, 0.5), 2),
                "team_ms_p95": round(_percentile(team_ms, 0.95), 2),
                "trend_ms_p50": round(_percentile(trend_ms, 0.5), 2),
                "trend_ms_p95": round(_percentile(trend_ms, 0.95), 2),
                "org30_ms_p50": round(_percentile(org_ms, 0.5), 2),
                "org30_ms_p95": round(_percentile(org_ms, 0.95), 2),
                "org120_ms_p50": round(_percentile(org120_ms, 0.5), 2),
                "org120_ms_p95": round(_percentile(org120_ms, 0.95), 2),
                "org1000_ms_p50": round(_percentile(org1000_ms, 0.5), 2),
                "org1000_ms_p95": round(_percentile(org1000_ms, 0.95), 2),
                "team_first_ms": round(_first_render_ms(), 1),
                "import_ms": round(_import_ms(runs=5), 1),
                "png_bytes_team": len(png),
                "goal_team_ms": GOAL_TEAM_MS,
                "goal_org_ms": GOAL_ORG_MS,
            }
        )
    )


if __name__ == "__main__":
    main()
