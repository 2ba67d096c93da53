"""The answers to `/sdo away …` and `/sdo pulse me`: who is away, which statuses mean away, and
a member back from being away (pure, as ``bot.slack.blocks.replies``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from bot.domain.model import Team
from bot.slack.blocks.replies import text_message
from bot.slack.blocks.text import escape


def away_marked(team: Team, user_id: str, until: date) -> dict[str, Any]:
    """`/sdo away @user until <date>` done."""
    return text_message(
        f":palm_tree: <@{user_id}> is away from #{escape(team.name)}'s pulses until "
        f"{until:%A %d %B %Y} (inclusive): no DM, no reminder, not counted as asked. They can "
        "still answer a round with `/sdo pulse me`."
    )


def away_date_passed(team: Team, until: date) -> dict[str, Any]:
    """`/sdo away @user until <date>` with a date already past in the team's time zone."""
    return text_message(
        f":calendar: {until:%d %B %Y} has passed in #{escape(team.name)}'s time zone "
        f"({escape(team.tz)}): give the last day they are away."
    )


def away_cleared(team: Team, user_id: str, *, cleared: bool) -> dict[str, Any]:
    """`/sdo away @user off`: asked again from the next round."""
    if not cleared:
        return text_message(f"<@{user_id}> was not marked away from #{escape(team.name)}.")
    return text_message(
        f":wave: <@{user_id}> is back: #{escape(team.name)}'s next round asks them again."
    )


def away_list(team: Team, marks: Sequence[tuple[str, date]]) -> dict[str, Any]:
    """`/sdo away` (managers): who is marked away, until when (chat statuses are not listed:
    they are read as each round opens)."""
    if not marks:
        return text_message(
            f"Nobody is marked away from #{escape(team.name)}. (A vacation or sick Slack status "
            "also makes someone away when a round opens.)"
        )
    lines = "\n".join(f"• <@{user_id}> until {until:%a %d %b %Y}" for user_id, until in marks)
    return text_message(f":palm_tree: Marked away from #{escape(team.name)}:\n{lines}")


def pulse_me_sent(team: Team, round_number: int, *, sent: bool) -> dict[str, Any]:
    """`/sdo pulse me` (or "Pulse me now"): the member's pulse of a round they were away for."""
    if not sent:
        return text_message(
            f":hourglass_flowing_sand: Round {round_number} of #{escape(team.name)} could not "
            "reach you just now: it follows in your DMs in a moment."
        )
    return text_message(
        f":mailbox_with_mail: Welcome back: round {round_number} of #{escape(team.name)} is in "
        "your DMs, and you count as asked now."
    )


def not_away() -> dict[str, Any]:
    """`/sdo pulse me` by someone who was away for no open round."""
    return text_message(
        "You were not away for any open round here: your pulse is in your DMs already (or no "
        "round is open)."
    )


def away_not_member(team: Team, user_id: str) -> dict[str, Any]:
    """`/sdo away @user …` for someone who is no member of the team (a bot, someone from
    another channel): nothing marked."""
    return text_message(
        f"<@{user_id}> is not a member of #{escape(team.name)}, so its pulses never ask them: "
        "nothing marked. (Members are the people in the team's channel.)"
    )


def away_statuses(
    team: Team, emoji: Sequence[str], words: Sequence[str], *, custom: bool, changed: bool
) -> dict[str, Any]:
    """`/sdo away statuses …`: the Slack statuses that make a member of the team away (while
    they have not expired) when a round reaches them.

    Args:
        team: the team.
        emoji: the status emoji that mean away.
        words: the words or phrases in a status text that mean away.
        custom: the team's own list (else the defaults).
        changed: the command just changed the list.
    """
    name = escape(team.name)
    first = f":white_check_mark: Saved. In #{name}" if changed else f":palm_tree: In #{name}"
    whose = "this team's own list" if custom else "the defaults"
    if not emoji and not words:
        body = (
            f"{first}, no Slack status makes anyone away ({whose}): only a manager's "
            "`/sdo away @user until <YYYY-MM-DD>` does."
        )
    else:
        parts = []
        if emoji:
            parts.append("its emoji is one of " + " ".join(emoji))
        if words:
            parts.append("its text has " + ", ".join(f"“{escape(w)}”" for w in words))
        body = (
            f"{first}, a Slack status means away when {' or '.join(parts)} ({whose}; words "
            "match whole, in any case) — while the status has not expired."
        )
    return text_message(
        f"{body}\nChange it: `/sdo away statuses add :baby:, parental leave`, "
        "`/sdo away statuses remove …`, `/sdo away statuses reset` (the defaults)."
    )


def away_statuses_refused(team: Team, reason: str) -> dict[str, Any]:
    """`/sdo away statuses add …` that would outgrow the list: nothing changed."""
    return text_message(f":warning: {reason} #{escape(team.name)}'s list is unchanged.")
