"""The answers to `@SDO Pulse away …` and `@SDO Pulse pulse me`, as the caller reads them in
Teams (pure; the same names and arguments as Slack's ``bot.slack.blocks.away``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from bot.domain.model import Team
from bot.teams.cards.common import bold_command, bold_name, escape_markdown


def away_marked(team: Team, person: str, until: date) -> str:
    """`away @person until <date>` done.

    Args:
        team: the team.
        person: their display name.
        until: the last day away (inclusive).
    """
    return (
        f"🌴 {bold_name(person)} is away from {bold_name(team.name)}'s pulses until "
        f"{until:%A %d %B %Y} (inclusive): no message, no reminder, not counted as asked. They "
        f"can still answer a round with {bold_command('pulse me')}."
    )


def away_date_passed(team: Team, until: date) -> str:
    """`away @person until <date>` with a date already past in the team's time zone.

    Args:
        team: the team.
        until: the date given.
    """
    return (
        f"📅 {until:%d %B %Y} has passed in {bold_name(team.name)}'s time zone "
        f"({escape_markdown(team.tz)}): give the last day they are away."
    )


def away_cleared(team: Team, person: str, *, cleared: bool) -> str:
    """`away @person off`: asked again from the next round.

    Args:
        team: the team.
        person: their display name.
        cleared: a mark was taken off (else there was none).
    """
    if not cleared:
        return f"{bold_name(person)} was not marked away from {bold_name(team.name)}."
    return f"👋 {bold_name(person)} is back: {bold_name(team.name)}'s next round asks them again."


def away_list(team: Team, marks: Sequence[tuple[str, date]]) -> str:
    """`away` (managers): who is marked away, until when.

    Args:
        team: the team.
        marks: (display name, last day away) each.
    """
    if not marks:
        return f"Nobody is marked away from {bold_name(team.name)}."
    lines = "\n".join(f"- {bold_name(person)} until {until:%a %d %b %Y}" for person, until in marks)
    return f"🌴 Marked away from {bold_name(team.name)}:\n\n{lines}"


def pulse_me_sent(team: Team, round_number: int, *, sent: bool) -> str:
    """`pulse me`: the member's pulse of a round they were away for.

    Args:
        team: the team.
        round_number: the round.
        sent: it is in their chat now (else it follows in a moment).
    """
    if not sent:
        return (
            f"⏳ Round {round_number} of {bold_name(team.name)} could not reach you just now: it "
            "follows in our chat in a moment."
        )
    return (
        f"📬 Welcome back: round {round_number} of {bold_name(team.name)} is in our personal chat, "
        "and you count as asked now."
    )


def not_away() -> str:
    """`pulse me` by someone who was away for no open round."""
    return (
        "You were not away for any open round here: your pulse is in our personal chat already "
        "(or no round is open)."
    )


def away_not_member(team: Team, person: str) -> str:
    """`away @person …` for someone who is no member of the team: nothing marked.

    Args:
        team: the team.
        person: their display name.
    """
    return (
        f"{bold_name(person)} is not a member of {bold_name(team.name)}, so its pulses never ask "
        "them: nothing marked. (Members are the people of the team's Teams team.)"
    )


def away_statuses_not_read(team: Team) -> str:
    """`away statuses …` in Teams (Slack's list of the statuses that mean away): Teams'
    presence and status are not read, so only a manager's mark makes someone away.

    Args:
        team: the team.
    """
    return (
        f"In Teams, no status makes anyone away from {bold_name(team.name)}'s pulses: SDO Pulse "
        "does not read Teams presence or status (that needs Microsoft Graph permissions it does "
        f"not ask for). A manager's mark ({bold_command('away @person until 2026-12-24')}) does."
    )
