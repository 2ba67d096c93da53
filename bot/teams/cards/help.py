"""Usage help for `@SDO Pulse` (also the answer to unknown words).

The same commands and grammar as Slack's `/sdo`, as Teams users type them: the bot's mention,
then the words. (Teams has no `status #channel`: a team's status is asked in its channel.)
"""

from __future__ import annotations

from bot.teams.cards.common import BOT_NAME, Element, adaptive_card, command, rich, run

INTRO = f"{BOT_NAME} — is the customer in the middle of what we build?"

# One tuple per line: commands (shown in bold) at even places, plain words at odd ones.
USAGE_LINES: tuple[tuple[str, ...], ...] = (
    (command("setup"), " — register this channel as a team (you become its manager)"),
    (command("pulse"), " — send this team's pulse now (managers)"),
    (
        command("status"),
        " — where this team stands · ",
        command("status all"),
        " — every team (managers, admins)",
    ),
    (command("digest"), " — post the digest to this channel now (managers)"),
    (
        command("schedule <day> <HH:MM> [weekly|biweekly] [Area/City]"),
        " — when the pulse goes out, in the team's time zone; a zone such as America/New_York "
        "changes it (managers)",
    ),
    (
        command("managers"),
        " · ",
        command("managers add @person"),
        " · ",
        command("managers remove @person"),
        " (managers)",
    ),
    (
        command("export"),
        " — this team's rounds in your personal chat with me: aggregates only, never anyone's "
        "answers (managers)",
    ),
    (
        command("away"),
        " · ",
        command("away @person until <YYYY-MM-DD>"),
        " · ",
        command("away @person off"),
        " — who is away: not asked, not counted (managers)",
    ),
    (command("pulse me"), " — your own pulse now, when you were away as the round opened"),
    (
        command("release-hook"),
        " · ",
        command("release-hook rotate"),
        " — this team's release webhook (URL and secret, in your personal chat) for GitHub, "
        "GitLab or any CI: each release asks who accepted it (managers)",
    ),
    (
        command("questions"),
        " · ",
        command("questions W <new wording>"),
        " · ",
        command("questions reset"),
        " — this team's wording of the three questions, and a dialog to reword them: W, H or "
        "D each keeps its circle and answers; reset [W|H|D] brings back the default (managers)",
    ),
    (command("help"), " — this message"),
)

USAGE = "\n".join((INTRO, *("".join(parts) for parts in USAGE_LINES)))


def _line(parts: tuple[str, ...]) -> Element:
    return rich(
        *(run(p, bold=True) if i % 2 == 0 else p for i, p in enumerate(parts)), spacing="Small"
    )


def help_card(unknown: str | None = None) -> Element:
    """Every command once; an unknown word is named back first, as typed (cut to 60 characters).

    Args:
        unknown: the word that was not a command (``None``: help was asked for).
    """
    body: list[Element] = []
    if unknown:
        body.append(
            rich("Sorry, I don't know “", run(unknown[:60], bold=True), "”. Here is what I can do:")
        )
    body.append(rich(run(BOT_NAME, bold=True), INTRO.removeprefix(BOT_NAME)))
    body += [_line(parts) for parts in USAGE_LINES]
    return adaptive_card(body, fallback_text=f"{BOT_NAME} commands")
