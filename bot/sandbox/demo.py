"""``sdo demo``: the real app, driven through a local fake Slack, over eight simulated weeks.

No Slack account and no configuration: the demo starts ``sdo serve``'s aiohttp app on a free
port against ``bot.sandbox.fakeslack.FakeSlack`` and an SQLite file, registers three teams with
``/sdo setup``, sends a pulse every week with ``/sdo pulse``, and has the simulated members
click their answers (and write a few notes) in their DMs. It prints what people would read in
Slack — DMs, statuses and digests rendered as plain text — and a table of every team's region
per round.

``sdo demo --realistic`` makes the fake answer like Slack under load: its rate-limit tiers per
token (``SLACK_TIERS``: 429 with ``Retry-After`` beyond them, which the app waits out) and a
network latency of 100 ms ± 30 ms on every answer. The weeks still pass in seconds, so the app
meets the limits far more often than it would in real weeks.
"""

from __future__ import annotations

import random
import tempfile
import textwrap
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot import pictures as venn
from bot.domain.circles import CIRCLES, AnswerValue, Circle
from bot.domain.regions import Region, region_label
from bot.domain.views import RoundView
from bot.sandbox.fakeslack import SLACK_TIERS, FakeSlack
from bot.sandbox.release_demo import play_release
from bot.sandbox.simulator import SlackSimulator, eventually
from bot.slack.blocks.modals import NOTE_CALLBACK_ID
from bot.slack.blocks.pulse import ANSWER_ACTION_PREFIX, NOTE_ACTION_ID, AnswerClick
from bot.slack.blocks.render import render_message

WORKSPACE = "TDEMO0001"
WEEKS = 8
START = datetime(2026, 9, 3, 13, 0, tzinfo=UTC)  # a Thursday, 15:00 in Berlin
REALISTIC_LATENCY = (0.1, 0.03)  # seconds: mean, jitter


@dataclass(frozen=True)
class DemoTeam:
    channel_id: str
    name: str
    tz: str
    members: int
    path: Sequence[Region | None]  # the region each week's answers aim at (None: few answer)


DEMO_TEAMS = (
    DemoTeam(
        "CPAYMENTS",
        "payments",
        "Europe/Berlin",
        5,
        [
            Region.DEVOPS,
            Region.DEVOPS,
            Region.DEVOPS,
            None,
            Region.DEVOPS,
            Region.CENTER,
            Region.CENTER,
            Region.CENTER,
        ],
    ),
    DemoTeam(
        "CPLATFORM",
        "platform",
        "America/New_York",
        4,
        [
            Region.FEASIBILITY,
            Region.FEASIBILITY,
            Region.RESEARCH_ONLY,
            Region.FEASIBILITY,
            Region.FEASIBILITY,
            Region.FEASIBILITY,
            Region.FEASIBILITY,
            Region.FEASIBILITY,
        ],
    ),
    DemoTeam(
        "CGROWTH",
        "growth",
        "Asia/Tokyo",
        6,
        [
            Region.MARKETING,
            Region.MARKETING,
            Region.MARKETING,
            Region.DELIVERY_ONLY,
            Region.DELIVERY_ONLY,
            Region.OUTSIDE,
            Region.OUTSIDE,
            Region.OUTSIDE,
        ],
    ),
)

NOTES = (
    "Walked ACME's ops lead through the new export; she asked for CSV.",
    "Support asked for a refund report; finance accepted the draft.",
    "Beta feedback from two customers: the wizard is too long.",
    "Demo to Globex — they signed off on the invoice flow.",
)


def _answers_for(target: Region, rng: random.Random) -> dict[Circle, AnswerValue]:
    """One member's plausible answers for a team whose week lands in ``target``."""
    answers = {}
    for circle in CIRCLES:
        if circle in target.circles:
            pool = [AnswerValue.YES] * 5 + [AnswerValue.PARTLY] * 2 + [AnswerValue.NOT_SURE]
        else:
            pool = [AnswerValue.NO] * 5 + [AnswerValue.PARTLY] + [AnswerValue.NOT_SURE]
        answers[circle] = rng.choice(pool)
    return answers


def _members(spec: DemoTeam) -> list[str]:
    return [f"U{spec.name.upper()[:4]}{i:02d}" for i in range(1, spec.members + 1)]


class _Demo:
    """One run of the demo: the simulator, the fake, and what gets printed."""

    def __init__(self, sim: SlackSimulator, out: TextIO) -> None:
        self.sim = sim
        self.fake = sim.fake
        self.out = out
        self.rng = random.Random(7)

    def print(self, text: str = "") -> None:
        self.out.write(text + "\n")

    def block(self, title: str, text: str) -> None:
        self.print(f"\n┌─ {title}")
        for line in text.splitlines():
            self.print("│ " + line)
        self.print("└─")

    async def ask(self, text: str, *, user: str, channel: str) -> str:
        answer = await self.sim.command_and_answer(text, user=user, channel=channel)
        return render_message(answer)

    def dm(self, user: str) -> dict[str, Any]:
        channel = self.fake.dm_channel_id(user)
        return {**self.fake.messages[channel][-1], "channel": channel}

    async def click_answer(self, user: str, circle: Circle, value: AnswerValue) -> None:
        message = self.dm(user)
        button = next(
            e
            for b in message["blocks"]
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["action_id"] == ANSWER_ACTION_PREFIX + value.value
            and AnswerClick.decode(e["value"]).circle is circle
        )
        target = (message["channel"], message["ts"])
        revision = self.fake.message_revision(*target)
        reply, _ = await self.sim.click(
            action_id=button["action_id"],
            value=button["value"],
            user=user,
            channel=message["channel"],
            ts=message["ts"],
        )
        assert reply.status == 200, reply
        # This DM changed in place (through the click's response_url, or chat.update).
        await eventually(
            lambda: self.fake.message_revision(*target) > revision, what="the DM to update"
        )

    async def write_note(self, user: str, round_id: int) -> None:
        message = self.dm(user)
        opened = len(self.fake.calls_to("views.open"))
        await self.sim.click(
            action_id=NOTE_ACTION_ID,
            value=str(round_id),
            user=user,
            channel=message["channel"],
            ts=message["ts"],
        )
        await eventually(
            lambda: len(self.fake.calls_to("views.open")) > opened, what="the note modal"
        )
        # Slack hands the modal's private_metadata back with the submission, as it was opened.
        metadata = self.fake.calls_to("views.open")[-1].args["view"]["private_metadata"]
        internal = self.rng.random() < 0.5
        reply = await self.sim.interact(
            {
                "type": "view_submission",
                "team": {"id": WORKSPACE},
                "user": {"id": user, "team_id": WORKSPACE},
                "view": {
                    "id": "VNOTE",
                    "type": "modal",
                    "callback_id": NOTE_CALLBACK_ID,
                    "private_metadata": metadata,
                    "state": {
                        "values": {
                            "note_circle": {
                                "circle": {
                                    "selected_option": {"value": self.rng.choice(CIRCLES).value}
                                }
                            },
                            "note_text": {"text": {"value": self.rng.choice(NOTES)}},
                            "note_internal": {
                                "internal": {
                                    "selected_options": (
                                        [{"value": "internal"}] if internal else []
                                    )
                                }
                            },
                        }
                    },
                },
            }
        )
        assert reply.status == 200, reply


async def run_demo(out: TextIO, folder: Path | None = None, *, realistic: bool = False) -> Path:
    """Run the demo and print what people would read in Slack. Returns the database path.

    Args:
        out: Where to print.
        folder: For the database and the pictures; a new temporary folder when None.
        realistic: Enforce Slack's rate-limit tiers and a 100 ms ± 30 ms latency in the fake.
    """
    started = time.monotonic()
    folder = folder or Path(tempfile.mkdtemp(prefix="sdo-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "sdo-demo.db"
    for stale in (
        db_path,
        db_path.with_name(db_path.name + "-wal"),
        db_path.with_name(db_path.name + "-shm"),
    ):
        stale.unlink(missing_ok=True)
    async with FakeSlack(
        workspace_id=WORKSPACE,
        team_name="Demo Corp",
        tiers=SLACK_TIERS if realistic else None,
        latency=REALISTIC_LATENCY if realistic else None,
    ) as fake:
        for spec in DEMO_TEAMS:
            people = _members(spec)
            for i, user in enumerate(people, 1):
                fake.add_user(
                    user, name=f"{spec.name}-{i}", real_name=f"{spec.name.title()} {i}", tz=spec.tz
                )
            fake.add_channel(spec.channel_id, name=spec.name, members=[*people, fake.bot_user_id])
        sim = SlackSimulator(
            fake=fake, db_url=f"sqlite+aiosqlite:///{db_path}", workspace_id=WORKSPACE
        )
        sim.clock.travel_to(START)
        await sim.start()
        try:
            if realistic:
                _print_realism(out)
            await _play(_Demo(sim, out), folder / "pictures")
        finally:
            await sim.stop()
    posts = len(fake.calls_to("response_url"))
    out.write(
        f"\nDatabase: {db_path}\nFake Slack saw {len(fake.calls) - posts} Web API calls "
        f"({len(fake.calls_to('chat.update'))} chat.update) and {posts} response_url posts.\n"
    )
    if realistic:
        _print_rate_limited(out, fake, seconds=time.monotonic() - started)
    return db_path


def _print_realism(out: TextIO) -> None:
    mean, jitter = REALISTIC_LATENCY
    out.write(
        "Realistic Slack: rate-limit tiers per token (Tier 2 20/min, Tier 3 50/min, Tier 4 "
        "100/min; chat.postMessage ~1/s per channel and 600/min; 429 + Retry-After beyond "
        f"them) and {mean * 1000:.0f} ms ± {jitter * 1000:.0f} ms latency. A click's DM update "
        "goes through the click's response_url, which has no tier (chat.update's is 50 a "
        "minute).\n"
    )


def _print_rate_limited(out: TextIO, fake: FakeSlack, *, seconds: float) -> None:
    by_method = Counter(call.method for call in fake.rate_limited)
    methods = ", ".join(f"{method} {count}" for method, count in by_method.most_common())
    out.write(
        f"{len(fake.rate_limited)} calls were answered 429 (ratelimited) and waited out"
        + (f" ({methods})" if methods else "")
        + f"; the demo took {seconds:.0f} s.\n"
    )


async def _play(demo: _Demo, pictures: Path) -> None:
    sim = demo.sim
    demo.print("SDO Pulse demo — the real app against a local fake Slack, 3 teams × 8 weeks.")
    for spec in DEMO_TEAMS:
        manager = _members(spec)[0]
        answer = await demo.ask("setup", user=manager, channel=spec.channel_id)
        demo.print(f"\n/sdo setup in #{spec.name} → {answer}")

    for week in range(WEEKS):
        sim.clock.travel_to(START + timedelta(weeks=week))
        for spec in DEMO_TEAMS:
            await _play_week(demo, spec, week)

    sim.clock.travel_to(START + timedelta(weeks=WEEKS - 1, days=4))
    first = DEMO_TEAMS[0]
    await play_release(demo, channel_id=first.channel_id, team=first.name, people=_members(first))
    written: list[Path] = []
    headlines: list[tuple[str, Region | None]] = []
    for spec in DEMO_TEAMS:
        manager = _members(spec)[0]
        team = await sim.runtime.services.teams.for_channel(
            workspace_id=WORKSPACE, channel_id=spec.channel_id
        )
        assert team is not None
        rounds = await sim.runtime.services.status.history(team=team, limit=WEEKS)
        _print_table(demo, spec, rounds)
        written += _write_pictures(pictures, spec.name, rounds)
        headlines.append((spec.name, rounds[-1].region))
        status = await demo.ask("status", user=manager, channel=spec.channel_id)
        demo.block(f"/sdo status in #{spec.name} (ephemeral, seen by {manager})", status)
        await demo.ask("digest", user=manager, channel=spec.channel_id)
        digest = demo.fake.messages[spec.channel_id][-1]
        demo.block(f"Digest posted in #{spec.name}", render_message(digest))
    overview = await demo.ask(
        "status all", user=_members(DEMO_TEAMS[0])[0], channel=DEMO_TEAMS[0].channel_id
    )
    demo.block("/sdo status all", overview)
    written.append(await _export(demo, pictures))
    org = pictures / "all-teams.png"
    org.write_bytes(venn.render_org_map(teams=headlines, title="All teams"))
    written.append(org)
    demo.print(
        f"\nVenn pictures ({len(written) - 1} PNG files, one per team and round, a trend per "
        "team and the organisation map) and the first team's export:"
    )
    for path in written:
        demo.print(f"  {path}")


async def _play_week(demo: _Demo, spec: DemoTeam, week: int) -> None:
    """One team's pulse of one week, and its members' answers and notes."""
    people = _members(spec)
    # The first team's last member is on holiday in the last week: not asked.
    away = people[-1] if week == WEEKS - 1 and spec is DEMO_TEAMS[0] else None
    if away is not None:
        demo.fake.set_status(away, emoji=":palm_tree:", text="On vacation")
    pulse = await demo.ask("pulse", user=people[0], channel=spec.channel_id)
    if week == 0 and spec is DEMO_TEAMS[0]:
        demo.print(f"\n/sdo pulse in #{spec.name} → {pulse}")
    if away is not None:
        demo.print(
            f"\n{away}'s Slack status is :palm_tree: On vacation: "
            f"/sdo pulse in #{spec.name} → {pulse}"
        )
    round_id = int(demo.dm(people[0])["blocks"][-2]["elements"][0]["value"])
    target = spec.path[week]
    # A week aimed at "not enough answers" has a single respondent.
    for person in [p for p in (people[:1] if target is None else people) if p != away]:
        for circle, value in _answers_for(target or Region.CENTER, demo.rng).items():
            await demo.click_answer(person, circle, value)
        if demo.rng.random() < 0.3:
            await demo.write_note(person, round_id)
    if week == 0 and spec is DEMO_TEAMS[0]:
        demo.block(
            f"What {people[1]} sees in the pulse DM after answering",
            render_message(demo.dm(people[1])),
        )


async def _export(demo: _Demo, folder: Path) -> Path:
    """`/sdo export` by the first team's manager: the CSV Slack received in their DM, written
    to ``folder`` and shown."""
    spec = DEMO_TEAMS[0]
    manager = _members(spec)[0]
    answer = await demo.ask("export", user=manager, channel=spec.channel_id)
    demo.print(f"\n/sdo export in #{spec.name} → {answer}")
    (shared,) = [m for m in demo.fake.messages[demo.fake.dm_channel_id(manager)] if m.get("files")]
    file = shared["files"][0]
    content = demo.fake.uploads[file["id"]]
    lines = content.decode().splitlines()
    demo.block(f"{file['name']} in {manager}'s DM (aggregates only)", "\n".join(lines))
    path = folder / str(file["name"])
    path.write_bytes(content)
    return path


def _write_pictures(folder: Path, team: str, rounds: list[RoundView]) -> list[Path]:
    """The team's picture for every round, and its trend, as PNG files in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for view in rounds:
        path = folder / f"{team}-round-{view.round.number}.png"
        label = f"Round {view.round.number} · {view.round.opened_at:%d %b %Y}"
        path.write_bytes(venn.render_team(region=view.region, team_name=team, round_label=label))
        paths.append(path)
    trend = folder / f"{team}-trend.png"
    trend.write_bytes(venn.render_trend(regions=[v.region for v in rounds], team_name=team))
    return [*paths, trend]


def _fmt(score: float | None) -> str:
    return "  –  " if score is None else f"{score:4.2f} "


def _print_table(demo: _Demo, spec: DemoTeam, rounds: list[RoundView]) -> None:
    demo.print(f"\n#{spec.name}  ({spec.members} members, {spec.tz})")
    demo.print("  round  opened      region                 what  how   deliv answered")
    for view in rounds:
        score = view.score
        placed = view.region is not None
        disagree = (
            "  disagree: " + ", ".join(c.info.short for c in CIRCLES if c in score.disagreements)
            if score.disagreements
            else ""
        )
        demo.print(
            f"  {view.round.number:>5}  {view.round.opened_at:%Y-%m-%d}  "
            f"{region_label(view.region):<22} "
            # Scores of a round without enough respondents stay private, as in Slack.
            + "".join((_fmt(score.score(c)) if placed else "  ·  ") + " " for c in CIRCLES)
            + f"{score.respondents}/{score.asked}{disagree}"
        )
    wrapped = textwrap.fill(
        " → ".join(region_label(v.region) for v in rounds),
        width=96,
        initial_indent="  path: ",
        subsequent_indent="        ",
    )
    demo.print(wrapped)
