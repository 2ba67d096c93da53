"""Outage: PostgreSQL stopped for 20 s in the middle of a 500-member fan-out and of clicks.

Prints one JSON line per run, then a summary line. The real app (``SlackSimulator``: the
server of ``sdo serve`` on a free port, signed requests over HTTP) runs on a PostgreSQL cluster
of its own (``bot.sandbox.postgres``: ``initdb`` on a free port, so the shared server is never
touched), against ``FakeSlack`` with a latency (default 100 ms ± 30 ms), so a fan-out takes a
while.

Runs, one after another, each on a new database and a new team of ``--members``:

1. ``baseline``: the scheduler's tick sends the round, the database up throughout;
2. ``outage``: the same, but once ``--stop-after`` DMs are accepted the database is stopped
   (``pg_ctl stop -m fast``: open connections cut), and started again ``--outage`` seconds
   later. While it is down, ``--clicks`` members who already have their DM click "Yes" (and
   ``/sdo status`` is asked); after it is back, they click again.

Per run: seconds from the tick's start to its end; DMs per member (duplicates: members with more
than one; lost: members with none), the ledger's rows by status; for the outage run, the DMs
accepted while the database was down, the seconds from the restart to the next DM accepted
(``resumed_s``: the fan-out's ledger writes retry every 5 s at most) and to the fan-out's end
(``recovered_s``), the clicks answered "try again in a moment" during the outage, saved after
it, and whether every saved answer is in the database. The summary compares the outage run's
time, less the outage, with the baseline.

    python bench/outage.py                      # 500 members, 20 s outage: about a minute
    python bench/outage.py --members 100 --outage 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import time
from collections import Counter
from typing import Any

from sqlalchemy import text

from bot.domain.circles import AnswerValue, Circle
from bot.domain.views import PersonInfo
from bot.sandbox.fakeslack import FakeSlack
from bot.sandbox.postgres import PrivatePostgres
from bot.sandbox.simulator import SlackSimulator, eventually
from bot.slack.blocks.replies import DATABASE_UNAVAILABLE_TEXT

WORKSPACE = "T0OUTAGE1"


def _pulses_per_user(fake: FakeSlack) -> Counter[str]:
    return Counter(
        str(c.args["channel"]).removeprefix("D")
        for c in fake.calls_to("chat.postMessage", ok=True)
        if str(c.args["channel"]) != "CTEAM"
    )


async def _click_yes(slack: SlackSimulator, user: str) -> dict[str, Any]:
    """Click "Yes" for W in ``user``'s DM; what they saw of it, once it shows."""
    channel, ts, button = slack.answer_button(user, Circle.WHAT, AnswerValue.YES)
    before = slack.fake.message_revision(channel, ts)
    reply, payload = await slack.click(
        action_id=button["action_id"], value=button["value"], user=user, channel=channel, ts=ts
    )

    def outcome() -> str | None:
        if slack.fake.message_revision(channel, ts) > before:
            return "saved"
        told = slack.responses(payload["response_url"])
        if any(r.get("text") == DATABASE_UNAVAILABLE_TEXT for r in told):
            return "try_again"
        return None

    await eventually(lambda: outcome() is not None, timeout=30, what=f"{user}'s click answered")
    return {"user": user, "status": reply.status, "outcome": outcome()}


async def _stored_answers(slack: SlackSimulator) -> set[str]:
    async with slack.runtime.db.read() as session:
        rows = await session.execute(text("SELECT user_id FROM answer WHERE question = 'W'"))
        return {str(user) for (user,) in rows}


async def run(
    *, members: int, latency: float, outage: float | None, stop_after: int, clicks: int
) -> dict[str, Any]:
    postgres = PrivatePostgres()
    postgres.init()
    postgres.start()
    fake = FakeSlack(workspace_id=WORKSPACE)
    await fake.start()
    fake.latency(latency, latency * 0.3)
    slack = SlackSimulator(fake=fake, db_url=postgres.url, workspace_id=WORKSPACE)
    await slack.start()
    try:
        users = fake.add_generated_team(users=members)
        people = [PersonInfo(user_id=u, name=u.lower(), tz="Europe/Berlin") for u in users]
        services = slack.runtime.services
        team, _, _ = await services.teams.setup(
            workspace_id=WORKSPACE,
            channel_id="CTEAM",
            channel_name="team",
            caller=people[0],
            people=people,
        )
        await services.rounds.open(team=team)
        started = time.perf_counter()
        tick = asyncio.create_task(slack.runtime.scheduler.tick())
        result: dict[str, Any] = {"run": "baseline" if outage is None else "outage"}
        if outage is not None:
            await eventually(
                lambda: sum(_pulses_per_user(fake).values()) >= stop_after,
                timeout=120,
                what=f"{stop_after} DMs",
            )
            early = [u for u in users if _pulses_per_user(fake)[u]][:clicks]
            await postgres.astop()
            stopped = time.perf_counter()
            sent_at_stop = sum(_pulses_per_user(fake).values())
            during = await asyncio.gather(*(_click_yes(slack, u) for u in early))
            status = await slack.command_and_answer("status", user=users[0], channel="CTEAM")
            ready = await slack.get("/readyz")
            await asyncio.sleep(max(0.0, outage - (time.perf_counter() - stopped)))
            sent_while_down = sum(_pulses_per_user(fake).values()) - sent_at_stop
            await postgres.astart()
            restarted = time.perf_counter()
            restarted_at = time.monotonic()
            report = await asyncio.wait_for(tick, timeout=600)
            ended = time.perf_counter()
            stored_before_retry = await _stored_answers(slack)
            after = await asyncio.gather(*(_click_yes(slack, u) for u in early))
            stored = await _stored_answers(slack)
            result |= {
                "outage_s": round(restarted - stopped, 2),
                "dms_accepted_while_down": sent_while_down,
                "resumed_s": round(
                    min(
                        c.at
                        for c in fake.calls_to("chat.postMessage", ok=True)
                        if c.at > restarted_at
                    )
                    - restarted_at,
                    2,
                ),
                "recovered_s": round(ended - restarted, 2),
                "readyz_while_down": ready.status,
                "status_command_told_to_retry": status.get("text") == DATABASE_UNAVAILABLE_TEXT,
                "clicks_while_down": dict(Counter(str(c["outcome"]) for c in during)),
                "clicks_after": dict(Counter(str(c["outcome"]) for c in after)),
                "clicks_http_statuses": sorted({c["status"] for c in (*during, *after)}),
                # Saved is stored; told to try again is not (until tried again).
                "saved_answers_stored": all(
                    (c["user"] in stored_before_retry) == (c["outcome"] == "saved") for c in during
                )
                and all(c["user"] in stored for c in after if c["outcome"] == "saved"),
            }
        else:
            report = await tick
            ended = time.perf_counter()
        per_user = _pulses_per_user(fake)
        async with slack.runtime.db.read() as session:
            rows = await session.execute(
                text("SELECT status, count(*) FROM delivery GROUP BY status")
            )
            ledger = {str(status): int(n) for status, n in rows}
        result |= {
            "members": members,
            "seconds": round(ended - started, 2),
            "sent": report.sent,
            "failed": report.failed,
            "members_reached": len(per_user),
            "duplicates": sum(1 for n in per_user.values() if n > 1),
            "lost": len(set(users) - set(per_user)),
            "ledger": ledger,
        }
        return result
    finally:
        await slack.stop()
        await fake.stop()
        postgres.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=500)
    parser.add_argument("--outage", type=float, default=20.0, help="seconds the database is down")
    parser.add_argument("--stop-after", type=int, default=150, help="DMs sent before the stop")
    parser.add_argument("--clicks", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.1, help="the fake's mean latency, s")
    args = parser.parse_args()
    common = {
        "members": args.members,
        "latency": args.latency,
        "stop_after": args.stop_after,
        "clicks": args.clicks,
    }
    baseline = await run(outage=None, **common)
    print(json.dumps({"bench": "outage", **baseline}), flush=True)
    outage = await run(outage=args.outage, **common)
    print(json.dumps({"bench": "outage", **outage}), flush=True)
    work = outage["seconds"] - outage["outage_s"]
    print(
        json.dumps(
            {
                "bench": "outage",
                "summary": True,
                "python": platform.python_version(),
                "baseline_s": baseline["seconds"],
                "outage_run_s": outage["seconds"],
                "outage_run_less_outage_s": round(work, 2),
                "ratio_vs_baseline": round(work / baseline["seconds"], 2),
                "duplicates": outage["duplicates"],
                "lost": outage["lost"],
                "resumed_s": outage["resumed_s"],
                "recovered_s": outage["recovered_s"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    asyncio.run(main())
