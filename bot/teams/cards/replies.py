"""The answers to `@SDO Pulse` commands, one pure function each (the handler only picks one).

The same replies as Slack's (``bot.slack.blocks.replies``), with the same names and
arguments, as Teams markdown text for a message activity (``textFormat`` "markdown"). Names
are display names, never mentions (a reply pings nobody), and every name or reason someone
else wrote passes through ``escape_markdown``. Teams has no Slack mention syntax.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time

from bot.domain.model import WEEKDAY_NAMES, Team
from bot.domain.views import ManagerRefusal
from bot.teams.cards.common import (
    BOT_NAME,
    bold_command,
    bold_name,
    escape_markdown,
    plural,
)


def refusal(what: str) -> str:
    """A manager-only command asked by someone else.

    Args:
        what: what they tried, e.g. "send a pulse".
    """
    return f"🔒 Sorry — only this team's managers (or admins) can {what}."


def platform_refused(reason: str) -> str:
    """Teams refused a request the command needed (instead of Slack's ``slack_refused``).

    Args:
        reason: Teams' short reason (a ``PlatformError.reason``).
    """
    return (
        f"⚠️ Teams refused a request I needed ({escape_markdown(reason)}). If I am not in this "
        f"team, add {BOT_NAME} to it and try again."
    )


def not_a_team(channel_name: str | None = None) -> str:
    """This channel (``None``) or another one is not registered as a team.

    Args:
        channel_name: the other channel's display name.
    """
    if channel_name is not None:
        return f"{bold_name(channel_name)} is not a team yet: run {bold_command('setup')} there."
    return (
        f"This channel is not a team yet. Run {bold_command('setup')} here to register it "
        "(you become its manager)."
    )


def team_set_up(team: Team, *, created: bool, members: int) -> str:
    """`setup` done: the team, its members and its schedule.

    Args:
        team: the team as registered.
        created: a new team (else its members were refreshed).
        members: how many members it has now.
    """
    verb = "is now a team" if created else "was already a team; members refreshed"
    return (
        f"✅ {bold_name(team.name)} {verb}: {plural(members, 'member')}, "
        f"you are a manager. Schedule: {team.schedule.describe()} ({team.tz}). "
        f"Send the first one now with {bold_command('pulse')}."
    )


def status_hidden(team: Team) -> str:
    """`status` asked by someone outside the team.

    Args:
        team: the team asked about.
    """
    return f"🔒 Only members and managers of {bold_name(team.name)} can see its status."


def status_all_refused() -> str:
    """`status all` asked by someone who manages no team."""
    return f"🔒 Sorry — {bold_command('status all')} is for team managers and admins."


def no_members(team: Team) -> str:
    """`setup` or `pulse` in a channel without humans.

    Args:
        team: the team.
    """
    return (
        f"{bold_name(team.name)} has no members to ask: add people to the team, then run "
        f"{bold_command('setup')} again."
    )


def sending(round_number: int, members: int) -> str:
    """The note before a large team's pulse goes out.

    Args:
        round_number: the round being sent.
        members: how many members it goes to.
    """
    return f"⏳ Round {round_number} is open: sending it to {members} members…"


def pulse_sent(
    round_number: int, *, created: bool, sent: int, failed: int, pending: int, away: int = 0
) -> str:
    """`pulse` done: whom the round reached.

    Args:
        round_number: the round.
        created: a new round (else it was already open).
        sent: members it reached.
        failed: members it could not reach.
        pending: members it will be retried for.
        away: members away, not asked.
    """
    opened = f"Round {round_number} {'is open' if created else 'was already open'}"
    parts = [f"📬 {opened}: sent to {plural(sent, 'member')}."]
    if failed:
        parts.append(f"{failed} could not be reached (see {bold_command('status')}).")
    if pending:
        parts.append(f"{pending} will be retried.")
    if away:
        parts.append(f"🌴 {away} away, not asked (see {bold_command('away')}).")
    return " ".join(parts)


def no_round_yet() -> str:
    """`digest` before any round."""
    return f"No round yet — send one with {bold_command('pulse')} first."


def digest_posted(team: Team, round_number: int) -> str:
    """`digest` done.

    Args:
        team: the team whose channel got it.
        round_number: the round digested.
    """
    return f"📰 Digest of round {round_number} posted to {bold_name(team.name)}."


def schedule_shown(team: Team, usage: str) -> str:
    """`schedule` without arguments: the schedule now, and how to change it.

    Args:
        team: the team.
        usage: how to use `schedule` (the grammar's words, Teams markdown).
    """
    return f"📅 {bold_name(team.name)}: {team.schedule.describe()} ({team.tz}).\n\n{usage}"


def schedule_saved(team: Team, *, weekday: int, at: time, next_pulse: datetime | None) -> str:
    """The new schedule, and when the next pulse goes out.

    Args:
        team: the team, with its new schedule.
        weekday: the pulse's day (0 = Monday).
        at: the pulse's time of day.
        next_pulse: the next pulse, in the team's zone (``None``: not scheduled).
    """
    upcoming = f" Next pulse: {next_pulse:%A %d %B %H:%M}." if next_pulse is not None else ""
    return (
        f"📅 Done: {bold_name(team.name)} gets its pulse every "
        f"{WEEKDAY_NAMES[weekday]} at {at:%H:%M} ({team.tz}) — "
        f"{team.schedule.describe()}.{upcoming}"
    )


def managers_of(team: Team, managers: Sequence[str]) -> str:
    """`managers`: who manages the team.

    Args:
        team: the team.
        managers: the managers' display names.
    """
    return f"Managers of {bold_name(team.name)}: " + ", ".join(bold_name(m) for m in managers)


def manager_added(team: Team, person: str, *, added: bool) -> str:
    """`managers add`.

    Args:
        team: the team.
        person: the person's display name.
        added: made a manager now (else they already were one).
    """
    now = "now" if added else "already"
    return f"{bold_name(person)} is {now} a manager of {bold_name(team.name)}."


def manager_refused(team: Team, person: str, *, why: ManagerRefusal) -> str:
    """`managers add` of someone who cannot manage: a bot, a deactivated account, no one.

    Args:
        team: the team.
        person: the person's display name (unused when Teams knows no such person).
        why: the reason.
    """
    if why is ManagerRefusal.UNKNOWN:
        return (
            f"⛔ I cannot find that person in this team, so nobody was made a manager of "
            f"{bold_name(team.name)}. Mention someone from the team and pick them from Teams' list."
        )
    if why is ManagerRefusal.DEACTIVATED:
        reason = "'s account is deactivated: only active members"
    else:
        reason = " is a bot, not a person: only people"
    return f"⛔ {bold_name(person)}{reason} can manage {bold_name(team.name)}."


def manager_removed(team: Team, person: str, *, removed: bool) -> str:
    """`managers remove`.

    Args:
        team: the team.
        person: the person's display name.
        removed: no longer a manager (else they were none, or the last one).
    """
    if removed:
        return f"{bold_name(person)} is no longer a manager of {bold_name(team.name)}."
    return (
        f"{bold_name(person)} stays: they are not a manager of {bold_name(team.name)}, "
        "or they are its last one (add another manager first)."
    )


def database_unavailable() -> str:
    """The answer to a command that found the database out of reach (nothing was saved)."""
    return (
        "⏳ I could not do that just now: my database is not answering. "
        "Nothing was recorded — please try again in a moment."
    )


def installed() -> str:
    """The bot's hello when it is added to a Teams team."""
    return (
        "👋 Hi, I am SDO Pulse. In a channel of this team, type "
        f"{bold_command('setup')} to register it as a team (you become its manager); "
        f"{bold_command('help')} lists every command."
    )


def in_the_teams_channel(words: str) -> str:
    """A team command typed in the personal chat, which belongs to no team."""
    return (
        f"{bold_command(words)} works in a team's channel: mention me there. Here, in our chat, "
        f"{bold_command('status')} shows your teams and {bold_command('help')} every command."
    )


def export_sent(team: Team, rounds: int) -> str:
    """`export` done: the rounds are in the caller's personal chat with the bot.

    Args:
        team: the team.
        rounds: how many rounds the export holds.
    """
    return (
        f"📥 The export of {bold_name(team.name)} ({plural(rounds, 'round')}, aggregates only) is "
        f"in your personal chat with {BOT_NAME}."
    )


def export_comment(team: Team, rounds: int) -> str:
    """What comes before the export's rows in the caller's personal chat.

    Args:
        team: the team.
        rounds: how many rounds the export holds.
    """
    return (
        f"{bold_name(team.name)}: {plural(rounds, 'round')}, one row each — region, scores, "
        "participation, how many notes, disagreements. No one's answers or notes are in it; a "
        "round with too few answers says Not enough answers and has no scores. The rows below "
        "are CSV: paste them into a spreadsheet or a .csv file."
    )


def release_hook(team: Team, url: str, secret: str, *, rotated: bool) -> str:
    """`release-hook` (managers): the team's release webhook and its secret.

    Args:
        team: the team.
        url: the hook's URL.
        secret: its secret.
        rotated: a new secret was just made (the old one stopped working).
    """
    first = "🔄 New secret for" if rotated else "🚀 Release webhook of"
    old = " The old secret no longer works: update it where the hook is set." if rotated else ""
    return (
        f"{first} {bold_name(team.name)}.{old}\n\n"
        f"URL: `{url}`\n\nSecret: `{secret}`\n\n"
        "GitHub: a webhook with this URL and secret, content type application/json, the "
        "Releases event. GitLab: a webhook with this URL, the secret as its Secret token, "
        'Releases events. Anything else: POST `{"name": "v2.3", "id": "<unique>"}` with '
        "`X-SDO-Signature: sha256=<HMAC-SHA256 of the body with the secret>`.\n\n"
        "Each published release asks every member (not away) in working hours (Mon–Fri "
        "09:00–18:00, the team's time zone) whether a customer accepted it; one per hour. "
        f"`@{BOT_NAME} release-hook rotate` makes a new secret. Keep the secret private."
    )


def release_hook_sent(team: Team) -> str:
    """`release-hook` in a channel: the secret went to the caller's personal chat (Teams only:
    a channel reply is seen by everyone in it)."""
    return (
        f"🔐 The release webhook of {bold_name(team.name)} (URL and secret) is in your personal "
        f"chat with {BOT_NAME}."
    )
