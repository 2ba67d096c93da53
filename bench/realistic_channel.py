"""Realistic channel: one workspace, a 5,000-member channel, Slack's published rate limits.

Prints one JSON line per step, then a summary line. The real app (``SlackSimulator``: the
server of ``sdo serve`` on a free port, SQLite file database in a temp dir, signed slash
commands over HTTP) runs against ``FakeSlack(tiers=SLACK_TIERS, latency=(0.1, 0.03))``: every
token rate-limited like Slack's tiers (429 + ``Retry-After`` beyond them), every answer held
back 100 ms ± 30 ms. The workspace has ``--members`` generated people, all in one channel.

Steps, one after another (a ``/sdo help`` first, so Bolt's one-time ``auth.test`` is not in
them):

1. ``setup``: ``/sdo setup`` by a member, until its answer (not a "Slack limits me" note) is
   on the response_url;
2. ``pulse_1``: ``/sdo pulse`` by that member, now the manager: until every member's DM was
   accepted by the fake and the pulse answer arrived;
3. ``pulse_2``: the same a week later: the pacer's idle reset (``IDLE_RESET_SECONDS``) is
   waited out in real time, so Slack's buckets and the pacer are as a week later, then the
   simulator's clock moves a week on and ``/sdo pulse`` opens a new round (checked: its
   answer says "is open").

Per step: seconds (the fake's arrival time of the last call that ends the step, from when the
command was sent), the floor and their ratio, the answered calls per method and the 429s per
method in the step's window, chat.postMessage calls to user ids vs DM channels, duplicates,
the pacer's rate (sampled each second once DMs go out: first, min, max, last), the process
CPU time; for setup also each Web API call's arrival and status (``timeline``) and the time
from the last call's answer (arrival + mean latency) to the command's answer (the app's own
work: parsing, the database).

The floor is what Slack's limits (``fake.tiers``) and the latency (its mean) allow the calls
the app must make, computed in the same run from the tier table, not measured:

* setup: the calls are sequential (the caller's ``users.info``, ``conversations.members`` pages
  of 1,000, ``users.list`` pages of 1,000 up to the last member's page): each starts when the
  previous one answered and its method's bucket (starting full) has a token. The method that
  waits longest is the binding limit; the app's own work (database) is not in it;
* a pulse: ``N`` chat.postMessage calls, any concurrency: the last one is admitted
  ``(N - burst) / rate`` after the first (per token), or, per channel, after its channel's
  calls beyond that bucket's burst (one DM per channel here: none), and answered one latency
  later; with the app's send concurrency ``w``, never less than ``ceil(N / w)`` latencies. The
  largest of these binds. The pulse command's own look-ups (≤ one call) are left out.

``--unlimited`` runs without tiers (for CPU figures): the floors are then latency and
concurrency only, and no goal applies.

    python bench/realistic_channel.py                     # 5,000 members: ~20 minutes
    python bench/realistic_channel.py --members 300       # about a minute
    python bench/realistic_channel.py --unlimited --latency 0
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import json
import math
import platform
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import Settings
from bot.delivery.pacing import IDLE_RESET_SECONDS
from bot.sandbox.fakeslack import SLACK_TIERS, FakeSlack, TierTable
from bot.sandbox.simulator import SlackSimulator, ack_message
from bot.slack.people import PAGE_SIZE, SLACKBOT_ID, USERS_INFO_AT_MOST

WORKSPACE, CHANNEL, CHANNEL_NAME = "TREAL0001", "CREAL0001", "everyone"
GOALS = {"setup": 1.2, "pulse_1": 1.2, "pulse_2": 1.1}
NOTE_PREFIX = ":hourglass_flowing_sand:"  # "Slack limits me…" and "sending…" notes
POLL_SECONDS = 0.25
POST = "chat.postMessage"
# Not Web API calls: answers to the commands.
NOT_API = frozenset({"response_url", "file_upload"})


# --- floors -------------------------------------------------------------------------------


def chain_floor(
    methods: list[str], table: TierTable | None, latency: float
) -> tuple[float, dict[str, float]]:
    """Seconds for calls made one after another, each as early as its bucket allows.

    Returns:
        The seconds until the last answer, and the seconds each method waited for a token.
    """
    buckets: dict[str, tuple[float, float]] = {}  # method -> (tokens, when)
    waits: dict[str, float] = {}
    now = 0.0
    for method in methods:
        limit = table.methods.get(method) if table is not None else None
        if limit is not None:
            tokens, at = buckets.get(method, (float(limit.burst), now))
            tokens = min(float(limit.burst), tokens + (now - at) * limit.per_second)
            if tokens < 1:
                wait = (1 - tokens) / limit.per_second
                waits[method] = waits.get(method, 0.0) + wait
                now += wait
                tokens = 1.0
            buckets[method] = (tokens - 1, now)
        now += latency
    return now, waits


def setup_floor(
    fake: FakeSlack, *, caller: str, table: TierTable | None, latency: float
) -> dict[str, Any]:
    """The floor of ``/sdo setup`` in ``CHANNEL``, the calls it needs and what binds it.

    The calls are those of ``SlackGateway.channel_humans``'s plan (users.list pages until at
    most ``USERS_INFO_AT_MOST`` members are unseen, then users.info for those, side by side:
    one step of the chain): this must change when that plan does.
    """
    channel = fake.channel_members[CHANNEL]
    directory = list(fake.users)
    missing = {u for u in channel if u not in (SLACKBOT_ID, caller)}
    pages = 0
    while len(missing) > USERS_INFO_AT_MOST:
        missing -= set(directory[pages * PAGE_SIZE : (pages + 1) * PAGE_SIZE])
        pages += 1
    methods = (
        ["users.info"]
        + ["conversations.members"] * math.ceil(len(channel) / PAGE_SIZE)
        + ["users.list"] * pages
        + (["users.info"] if missing else [])
    )
    seconds, waits = chain_floor(methods, table, latency)
    needed = Counter(methods)
    needed["users.info"] = 1 + len(missing)
    if waits and table is not None:
        method, wait = max(waits.items(), key=lambda item: item[1])
        limit = table.methods[method]
        binding = (
            f"{method} ({limit.per_minute:g}/min, burst {limit.burst}): {needed[method]} calls,"
            f" {wait:.2f} s waiting for a token; plus {len(methods)} sequential calls"
            f" x {latency:g} s latency"
        )
    else:
        binding = f"latency: {len(methods)} sequential calls x {latency:g} s"
    return {"floor_seconds": seconds, "binding_limit": binding, "calls_needed": dict(needed)}


def pulse_floor(
    members: int, *, table: TierTable | None, latency: float, concurrency: int
) -> dict[str, Any]:
    """The floor of one DM to each of ``members`` people (one DM channel each)."""
    bounds: dict[str, float] = {
        f"send concurrency {concurrency} x {latency:g} s latency": (
            math.ceil(members / concurrency) * latency
        )
    }
    if table is not None:
        token = table.methods.get(POST)
        if token is not None:
            name = f"{POST} per token ({token.per_minute:g}/min, burst {token.burst})"
            bounds[name] = max(0.0, (members - token.burst) / token.per_second) + latency
        channel = table.per_channel.get(POST)
        if channel is not None:  # one call per channel
            name = f"{POST} per channel ({channel.per_minute:g}/min, burst {channel.burst})"
            bounds[name] = max(0.0, (1 - channel.burst) / channel.per_second) + latency
    binding = max(bounds, key=lambda k: bounds[k])
    return {"floor_seconds": bounds[binding], "binding_limit": binding}


def old_pulse_floor(members: int, *, table: TierTable, latency: float) -> float:
    """The floor of the old two calls per DM (conversations.open, then chat.postMessage)."""
    opens = table.methods["conversations.open"]
    posts = table.methods[POST]
    return (
        max(
            (members - opens.burst) / opens.per_second,
            (members - posts.burst) / posts.per_second,
        )
        + 2 * latency
    )


# --- measuring ------------------------------------------------------------------------------


def ratio(seconds: float, floor: float) -> float | None:
    """Seconds over the floor (None when there is no floor: no limits and no latency)."""
    return round(seconds / floor, 3) if floor > 0 else None


def window(fake: FakeSlack, since: float, until: float) -> dict[str, Any]:
    """Calls per method (answered; 429s apart) the fake received in ``[since, until]``."""
    answered = [c for c in fake.calls if since <= c.at <= until]
    limited = [c for c in fake.rate_limited if since <= c.at <= until]
    posts = [c for c in answered if c.method == POST and c.ok]
    targets = Counter(str(c.args.get("channel", ""))[:1] for c in posts)
    per_user = Counter(str(c.args.get("channel", "")).removeprefix("D") for c in posts)
    return {
        "calls": dict(
            sorted(Counter(c.method for c in answered if c.method not in NOT_API).items())
        ),
        "rate_limited": dict(sorted(Counter(c.method for c in limited).items())),
        "answers_429": len(limited),
        "posts_to_user_id": targets.get("U", 0),
        "posts_to_dm_channel": targets.get("D", 0),
        "duplicate_dms": sum(n - 1 for n in per_user.values()),
    }


def final_answer(sim: SlackSimulator, response_url: str) -> tuple[dict[str, Any], float] | None:
    """The command's answer on its response_url (notes skipped) and when it arrived."""
    for call in reversed(sim.fake.calls_to("response_url")):
        if call.url == response_url and not str(call.args.get("text", "")).startswith(NOTE_PREFIX):
            return call.args, call.at
    return None


def notes(sim: SlackSimulator, response_url: str) -> list[str]:
    return [
        str(r.get("text", ""))[:80]
        for r in sim.responses(response_url)
        if str(r.get("text", "")).startswith(NOTE_PREFIX)
    ]


class PaceSampler:
    """The pacer's rate on the bot token, once a second while a step's DMs go out."""

    def __init__(self, sim: SlackSimulator, since: float) -> None:
        self.sim, self.since = sim, since
        self.rates: list[tuple[float, float | None]] = []
        self._next = since

    def sample(self) -> None:
        now = time.monotonic()
        if now < self._next:
            return
        self._next = now + 1.0
        pacer = self.sim.runtime.slack.gateway.pacer
        rate = pacer.rate(self.sim.fake.bot_token) if pacer is not None else None
        self.rates.append((now - self.since, rate))

    def figures(self) -> dict[str, Any]:
        paced = [(t, r) for t, r in self.rates if r is not None]
        if not paced:
            return {"paced": False}
        values = [r for _, r in paced]
        return {
            "paced": True,
            "first_paced_at_s": round(paced[0][0], 1),
            "rate_first": round(values[0], 1),
            "rate_min": round(min(values), 1),
            "rate_max": round(max(values), 1),
            "rate_last": round(values[-1], 1),
            "seconds_paced": len(paced),
        }


async def run_setup(
    sim: SlackSimulator,
    *,
    caller: str,
    timeout: float,
    floor: dict[str, Any],
    goal: float | None,
    latency: float,
) -> dict[str, Any]:
    fake = sim.fake
    cpu, since = time.process_time(), time.monotonic()
    reply, url = await sim.command("setup", user=caller, channel=CHANNEL)
    acked = time.monotonic()
    answer: tuple[dict[str, Any], float] | None = None
    in_ack = ack_message(reply)
    if in_ack is not None:
        answer = in_ack, acked
    deadline = since + timeout
    while answer is None and time.monotonic() < deadline:
        await asyncio.sleep(POLL_SECONDS / 5)
        answer = final_answer(sim, url)
    until = answer[1] if answer else time.monotonic()
    seconds = until - since
    api = [c for c in fake.requests if since <= c.at <= until and c.method not in NOT_API]
    # The Web API calls, when each arrived (s) and its HTTP status; the answer after the last.
    timeline = [[c.method, round(c.at - since, 3), c.status] for c in api]
    last_answered = max((c.at for c in api), default=since) + latency
    return {
        "bench": "realistic_channel",
        "step": "setup",
        "members": len(fake.channel_members[CHANNEL]) - 1,
        "seconds": round(seconds, 3),
        "floor_seconds": round(floor["floor_seconds"], 3),
        "ratio": ratio(seconds, floor["floor_seconds"]),
        "goal_ratio": goal,
        "binding_limit": floor["binding_limit"],
        "calls_needed": floor["calls_needed"],
        **window(fake, since, until),
        "answer": str(answer[0].get("text", ""))[:120] if answer else None,
        "notes": notes(sim, url),
        "timeline": timeline,
        "after_last_call_seconds": round(until - last_answered, 3),
        "timed_out": answer is None,
        "cpu_seconds": round(time.process_time() - cpu, 2),
    }


async def run_pulse(
    sim: SlackSimulator,
    *,
    step: str,
    manager: str,
    users: list[str],
    timeout: float,
    floor: dict[str, Any],
    goal: float | None,
) -> dict[str, Any]:
    fake = sim.fake
    members = set(users)
    cpu, since = time.process_time(), time.monotonic()
    pace = PaceSampler(sim, since)
    seen = len(fake.calls_to(POST))
    delivered: dict[str, float] = {}  # user -> when Slack accepted their DM
    reply, url = await sim.command("pulse", user=manager, channel=CHANNEL)
    answer: tuple[dict[str, Any], float] | None = None
    in_ack = ack_message(reply)
    if in_ack is not None:
        answer = in_ack, time.monotonic()
    deadline = since + timeout
    while time.monotonic() < deadline:
        posts = fake.calls_to(POST)
        for call in posts[seen:]:
            user = str(call.args.get("channel", "")).removeprefix("D")
            if call.ok and user in members:
                delivered.setdefault(user, call.at)
        seen = len(posts)
        answer = answer or final_answer(sim, url)
        if delivered:  # the pacer forgets an idle token at its first send, not before
            pace.sample()
        if answer is not None and len(delivered) >= len(members):
            break
        await asyncio.sleep(POLL_SECONDS)
    last_dm = max(delivered.values(), default=since)
    until = max(last_dm, answer[1]) if answer else time.monotonic()
    seconds = until - since
    round_number = int(step.rsplit("_", 1)[1])
    stored = sum(
        1 for u in users if len(fake.messages.get(fake.dm_channel_id(u), [])) >= round_number
    )
    figures = window(fake, since, until)
    return {
        "bench": "realistic_channel",
        "step": step,
        "members": len(users),
        "seconds": round(seconds, 3),
        "floor_seconds": round(floor["floor_seconds"], 3),
        "ratio": ratio(seconds, floor["floor_seconds"]),
        "goal_ratio": goal,
        "binding_limit": floor["binding_limit"],
        "last_dm_seconds": round(last_dm - since, 3),
        "answer_seconds": round(answer[1] - since, 3) if answer else None,
        "delivered": len(delivered),
        "dms_stored": stored,
        "dms_per_second": round(len(delivered) / max(1e-9, last_dm - since), 2),
        **figures,
        "answers_429_per_dm": round(figures["answers_429"] / max(1, len(delivered)), 3),
        "posts_per_dm": round(figures["calls"].get(POST, 0) / max(1, len(delivered)), 3),
        "opens_per_dm": round(
            figures["calls"].get("conversations.open", 0) / max(1, len(delivered)), 3
        ),
        "pacer": pace.figures(),
        "answer": str(answer[0].get("text", ""))[:120] if answer else None,
        "notes": notes(sim, url),
        "timed_out": answer is None or len(delivered) < len(members),
        "cpu_seconds": round(time.process_time() - cpu, 2),
    }


def _default_concurrency() -> int:
    default = next(f.default for f in dataclasses.fields(Settings) if f.name == "send_concurrency")
    return default if isinstance(default, int) else 8


async def main(options: argparse.Namespace) -> list[dict[str, Any]]:
    table = None if options.unlimited else SLACK_TIERS
    latency = options.latency
    concurrency = options.concurrency or _default_concurrency()
    lines: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="sdo-realistic-") as folder:
        fake = FakeSlack(
            workspace_id=WORKSPACE,
            tiers=table,
            latency=(latency, options.jitter) if latency > 0 else None,
        )
        await fake.start()
        sim = SlackSimulator(
            fake=fake,
            db_url=f"sqlite+aiosqlite:///{folder}/bench.db",
            send_concurrency=concurrency,
        )
        try:
            users = fake.add_generated_team(
                users=options.members, channel_id=CHANNEL, channel_name=CHANNEL_NAME
            )
            caller = users[len(users) // 2]
            await sim.start()
            # Bolt verifies its token (auth.test) on the first request: not part of a step.
            await sim.command_and_answer("help", user=caller, channel=CHANNEL, timeout=60)
            goals = GOALS if table is not None else dict.fromkeys(GOALS)

            floor = setup_floor(fake, caller=caller, table=table, latency=latency)
            timeout = 120 + 5 * floor["floor_seconds"]
            line = await run_setup(
                sim,
                caller=caller,
                timeout=timeout,
                floor=floor,
                goal=goals["setup"],
                latency=latency,
            )
            print(json.dumps(line), flush=True)
            lines.append(line)

            floor = pulse_floor(len(users), table=table, latency=latency, concurrency=concurrency)
            timeout = 300 + 3 * floor["floor_seconds"]
            common = {"manager": caller, "users": users, "timeout": timeout, "floor": floor}
            line = await run_pulse(sim, step="pulse_1", goal=goals["pulse_1"], **common)
            print(json.dumps(line), flush=True)
            lines.append(line)

            # A week later: Slack's buckets are full again and the pacer has forgotten the
            # last round (its idle reset, in real time); the app's clock moves a week on.
            gap = IDLE_RESET_SECONDS + 1 if table is not None else 0.0
            await asyncio.sleep(gap)
            sim.clock.advance(timedelta(weeks=1))
            line = await run_pulse(sim, step="pulse_2", goal=goals["pulse_2"], **common)
            line["gap_seconds"] = gap
            print(json.dumps(line), flush=True)
            lines.append(line)
        finally:
            # The app may still be waiting for the (latency-delayed) answer to its last post.
            await asyncio.sleep(latency + options.jitter + 0.5)
            await sim.stop()
            await fake.stop()

    summary: dict[str, Any] = {
        "bench": "realistic_channel",
        "step": "summary",
        "members": options.members,
        "tiers": "none" if table is None else "slack",
        "latency": latency,
        "jitter": options.jitter,
        "send_concurrency": concurrency,
        "python": platform.python_version(),
    }
    for line in lines:
        step = line["step"]
        summary[f"{step}_seconds"] = line["seconds"]
        summary[f"{step}_floor_seconds"] = line["floor_seconds"]
        summary[f"{step}_ratio"] = line["ratio"]
        goal = line["goal_ratio"]
        met = None if goal is None or line["ratio"] is None else line["ratio"] <= goal
        summary[f"{step}_goal_met"] = met
        summary[f"{step}_429s"] = line["answers_429"]
    if table is not None:
        # For comparison, computed (not run): the old code's conversations.open + chat.postMessage.
        summary["old_calls_per_dm"] = 2
        summary["old_pulse_floor_seconds"] = round(
            old_pulse_floor(options.members, table=table, latency=latency), 1
        )
    print(json.dumps(summary), flush=True)
    return lines


def _options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=5000, help="people in the channel")
    parser.add_argument("--latency", type=float, default=0.1, help="mean answer delay, seconds")
    parser.add_argument("--jitter", type=float, default=0.03, help="± on the latency, seconds")
    parser.add_argument(
        "--concurrency", type=int, default=0, help="the app's send concurrency (0: its default)"
    )
    parser.add_argument(
        "--unlimited", action="store_true", help="no rate-limit tiers (CPU figures; no goals)"
    )
    return parser.parse_args()


if __name__ == "__main__":
    asyncio.run(main(_options()))
