"""``sdo demo --platform teams``: the same eight weeks, in Microsoft Teams' idiom.

The real app (``build_web_app``, Teams in its local anonymous mode) runs against a fake Bot
Connector (``bot.sandbox.faketeams``) and an SQLite file. The three demo teams install the bot,
``@SDO Pulse setup`` their channel and get ``@SDO Pulse pulse`` every week; members click the
Adaptive Card buttons in their one-to-one chats. It prints what people would read (cards as
plain text) and each team's region per round, and writes the pictures the cards show.
"""

from __future__ import annotations

import random
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO

import aiohttp

from bot.domain.circles import CIRCLES
from bot.domain.regions import region_label
from bot.sandbox.demo import DEMO_TEAMS, WEEKS, _answers_for
from bot.sandbox.faketeams import FakeTeams, TeamsSimulator, User, actions, elements
from bot.sandbox.teams_app import TeamsApp


def card_text(activity: dict[str, Any]) -> str:
    """What a Teams message shows, as plain lines (its text, or its card's texts and buttons)."""
    lines: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            kind = str(node.get("type", ""))
            if kind == "TextBlock" and node.get("text"):
                lines.append(str(node["text"]))
            elif kind == "RichTextBlock":
                lines.append("".join(str(i.get("text", "")) for i in node.get("inlines", [])))
            elif kind == "ActionSet":
                lines.append("  ".join(f"[{a.get('title')}]" for a in node.get("actions", [])))
                return
            elif kind == "Image":
                lines.append(f"(picture: {node.get('altText', '')})")
            for key, value in node.items():
                if key not in ("text", "inlines", "altText"):
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    if activity.get("text"):
        lines.append(str(activity["text"]))
    walk([a.get("content") for a in activity.get("attachments") or []])
    return "\n".join(line for line in lines if line.strip())


async def run_teams_demo(out: TextIO, folder: Path | None = None) -> Path:
    """Run the Teams demo; returns the folder with its database and pictures."""
    folder = folder or Path(tempfile.mkdtemp(prefix="sdo-demo-teams-"))
    folder.mkdir(parents=True, exist_ok=True)
    db_path = folder / "sdo-demo-teams.db"
    db_path.unlink(missing_ok=True)
    rng = random.Random(7)
    async with (
        FakeTeams() as fake,
        TeamsApp(fake=fake, db_url=f"sqlite+aiosqlite:///{db_path}") as app,
        TeamsSimulator(app.url, fake) as people,
    ):
        teams = [
            (spec, fake.generate_team(members=spec.members, name=spec.name, timezone=spec.tz))
            for spec in DEMO_TEAMS
        ]
        for _, team in teams:
            await people.install(team)
            await _say(people, fake, out, fake.users[team.member_ids[0]], team, "setup")
        table: dict[str, list[str]] = {spec.name: [] for spec, _ in teams}
        for week in range(1, WEEKS + 1):
            if week > 1:
                app.clock.advance(timedelta(days=7))  # a new week: the pulse opens a new round
            out.write(f"\n===== week {week} =====\n")
            for spec, team in teams:
                owner = fake.users[team.member_ids[0]]
                await _say(people, fake, out, owner, team, "pulse", quiet=week > 1)
                target = spec.path[week - 1]
                for user_id in team.member_ids[: None if target else 2]:
                    await _answer(people, fake, fake.users[user_id], target, rng)
                shown = await _say(people, fake, out, owner, team, "status", quiet=week < WEEKS)
                table[spec.name].append(_region_in(shown))
                await _save_pictures(app.url, fake, folder, f"{spec.name}-week{week}")
        for _, team in teams:
            await _say(people, fake, out, fake.users[team.member_ids[0]], team, "digest")
        out.write("\nregion per round\n")
        for name, regions in table.items():
            out.write(f"  {name:<12} " + " → ".join(regions) + "\n")
    out.write(f"\npictures and database in {folder}\n")
    return folder


async def _say(
    people: TeamsSimulator,
    fake: FakeTeams,
    out: TextIO,
    user: User,
    team: Any,
    words: str,
    *,
    quiet: bool = False,
) -> str:
    before = len(fake.sent)
    await people.say(user, words, in_channel=team)
    shown = "\n".join(card_text(s.body) for s in fake.sent[before:] if s.kind != "update")
    if not quiet:
        out.write(f"\n--- {user.name} in {team.name}: @SDO Pulse {words}\n{shown}\n")
    return shown


async def _answer(
    people: TeamsSimulator, fake: FakeTeams, user: User, target: Any, rng: random.Random
) -> None:
    pulse = fake.dm_of(user)[-1]
    buttons = {
        (b["data"]["circle"], b["data"]["value"]): b
        for b in actions(pulse)
        if b.get("verb") == "sdo.answer"
    }
    answers = _answers_for(target, rng) if target else {c: None for c in CIRCLES}
    for circle, value in answers.items():
        if value is not None:
            button = buttons[(circle.value, value.value)]
            await people.click(user, pulse["id"], button["data"])


def _region_in(status_text: str) -> str:
    for line in status_text.splitlines():
        for label in _REGION_LABELS:
            if label in line:
                return label
    return "Not enough answers"


_REGION_LABELS = sorted(
    {region_label(r) for spec in DEMO_TEAMS for r in spec.path if r is not None},
    key=len,
    reverse=True,
)


async def _save_pictures(app_url: str, fake: FakeTeams, folder: Path, stem: str) -> None:
    urls = [
        str(e["url"]) for s in fake.sent[-3:] for e in elements(s.body) if e.get("type") == "Image"
    ]
    async with aiohttp.ClientSession() as http:
        for n, url in enumerate(urls):
            path = url.split("127.0.0.1", 1)[-1]
            async with http.get(app_url + path) as got:
                if got.status == 200:
                    (folder / f"{stem}-{n}.png").write_bytes(await got.read())
