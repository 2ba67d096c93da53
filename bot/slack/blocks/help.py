"""Usage help for `/sdo` (also the answer to unknown words)."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.text import escape, section

USAGE = "\n".join(
    (
        "*SDO Pulse* — is the customer in the middle of what we build?",
        "`/sdo setup` — register this channel as a team (you become its manager)",
        "`/sdo pulse` — send this team's pulse now (managers)",
        "`/sdo status` — where this team stands · `/sdo status #channel` — another team · "
        "`/sdo status all` — every team (managers, admins)",
        "`/sdo digest` — post the digest to this channel now (managers)",
        "`/sdo schedule <day> <HH:MM> [weekly|biweekly] [Area/City]` — when the pulse goes out, "
        "in the team's time zone; a zone such as `America/New_York` changes it (managers)",
        "`/sdo managers` · `/sdo managers add @user` · `/sdo managers remove @user` (managers)",
        "`/sdo away` · `/sdo away @user until <YYYY-MM-DD>` · `/sdo away @user off` — who is "
        "away: not asked, not counted (managers; a vacation or sick Slack status counts too)",
        "`/sdo away statuses` · `/sdo away statuses add :baby:, parental leave` · `… remove …` · "
        "`… reset` — which Slack status emoji and words mean away for this team (managers)",
        "`/sdo pulse me` — your own pulse now, when you were away as the round opened",
        "`/sdo export` — this team's rounds as a CSV file in your DM: aggregates only, never "
        "anyone's answers (managers)",
        "`/sdo release-hook` · `/sdo release-hook rotate` — this team's release webhook (URL "
        "and secret) for GitHub, GitLab or any CI: each release asks who accepted it (managers)",
        "`/sdo questions` — reword this team's three questions in a form (each keeps its "
        "circle and the answers Yes / Partly / No / Not sure) · `/sdo questions W|H|D <text>` · "
        "`/sdo questions reset [W|H|D]` (managers)",
        "`/sdo help` — this message",
    )
)


def help_message(unknown: str | None = None) -> dict[str, Any]:
    blocks = []
    if unknown:
        shown = escape(unknown[:60])
        blocks.append(section(f"Sorry, I don't know `{shown}`. Here is what I can do:"))
    blocks.append(section(USAGE))
    return {"text": "SDO Pulse commands", "blocks": blocks}
