"""The ephemeral answers of `/sdo`, one pure function each (the listener only picks one)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time
from typing import Any

from bot.domain.model import WEEKDAY_NAMES, Team
from bot.domain.views import ManagerRefusal
from bot.slack.blocks.text import escape, section


def text_message(text: str) -> dict[str, Any]:
    """A message of one section (and the same words as its notification text)."""
    return {"text": text, "blocks": [section(text)]}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


# The database is out of reach (restarting, a network blip): nothing was saved, nothing is lost.
DATABASE_UNAVAILABLE_TEXT = (
    ":hourglass_flowing_sand: I could not save that just now: my database is not answering. "
    "Nothing was recorded — please try again in a moment."
)


def database_unavailable() -> dict[str, Any]:
    """The answer to a command that found the database out of reach."""
    return text_message(DATABASE_UNAVAILABLE_TEXT)


def refusal(what: str) -> dict[str, Any]:
    return text_message(
        f":lock: Sorry — only this team's managers (or workspace admins) can {what}."
    )


# Slack's refusals that mean the bot cannot see the channel, and those that mean its token or
# permissions are gone: each gets advice that can fix it.
_NOT_IN_CHANNEL = frozenset(
    {"not_in_channel", "channel_not_found", "method_not_supported_for_channel_type"}
)
_REINSTALL = frozenset(
    {"missing_scope", "not_authed", "invalid_auth", "account_inactive", "token_revoked"}
)


def slack_refused(reason: str) -> dict[str, Any]:
    """Slack refused a call the command needed: what it said, and what can be done about it."""
    code = f"`{escape(reason)}`"
    if reason in _NOT_IN_CHANNEL:
        advice = (
            f"I cannot see this channel ({code}): invite me with `/invite @SDO Pulse` "
            "and try again."
        )
    elif reason in _REINSTALL:
        advice = (
            f"Slack no longer accepts my permissions here ({code}): a workspace admin needs to "
            "reinstall SDO Pulse."
        )
    elif reason == "ratelimited":
        advice = (
            "Slack kept asking me to slow down for several minutes, so I stopped; nothing was "
            "changed. Please try again in a few minutes."
        )
    else:
        advice = f"Slack refused a request I needed ({code}). Please try again in a moment."
    return text_message(f":warning: {advice}")


def slack_pacing(seconds: float) -> dict[str, Any]:
    """A note while Slack's rate limit holds a command up: the answer follows."""
    return text_message(
        ":hourglass_flowing_sand: Slack limits how fast apps may call it, so I am waiting "
        f"{max(1, round(seconds))} s and carrying on. Your answer follows here."
    )


def not_a_team(channel_id: str | None = None) -> dict[str, Any]:
    """This channel (``None``) or another one is not registered as a team."""
    if channel_id is not None:
        return text_message(f"<#{channel_id}> is not a team yet: run `/sdo setup` there.")
    return text_message(
        "This channel is not a team yet. Run `/sdo setup` here to register it "
        "(you become its manager)."
    )


def team_set_up(team: Team, *, created: bool, members: int) -> dict[str, Any]:
    verb = "is now a team" if created else "was already a team; members refreshed"
    return text_message(
        f":white_check_mark: #{escape(team.name)} {verb}: {_plural(members, 'member')}, "
        f"you are a manager. Schedule: {team.schedule.describe()} ({escape(team.tz)}). "
        "Send the first one now with `/sdo pulse`."
    )


def status_hidden(team: Team) -> dict[str, Any]:
    return text_message(
        f":lock: Only members and managers of #{escape(team.name)} can see its status."
    )


def status_all_refused() -> dict[str, Any]:
    return text_message(
        ":lock: Sorry — `/sdo status all` is for team managers and workspace admins."
    )


def no_members(team: Team) -> dict[str, Any]:
    return text_message(
        f"#{escape(team.name)} has no members to ask: invite people to the "
        "channel, then run `/sdo setup` again."
    )


def sending(round_number: int, members: int) -> dict[str, Any]:
    """The note before a large team's pulse goes out."""
    return text_message(
        f":hourglass_flowing_sand: Round {round_number} is open: sending it to {members} members…"
    )


def pulse_sent(
    round_number: int, *, created: bool, sent: int, failed: int, pending: int, away: int = 0
) -> dict[str, Any]:
    opened = f"Round {round_number} {'is open' if created else 'was already open'}"
    parts = [f":mailbox_with_mail: {opened}: sent to {_plural(sent, 'member')}."]
    if failed:
        parts.append(f"{failed} could not be reached (see `/sdo status`).")
    if pending:
        parts.append(f"{pending} will be retried.")
    if away:
        parts.append(f":palm_tree: {away} away, not asked (`/sdo away` to see marks).")
    return text_message(" ".join(parts))


def no_round_yet() -> dict[str, Any]:
    return text_message("No round yet — send one with `/sdo pulse` first.")


def digest_posted(team: Team, round_number: int) -> dict[str, Any]:
    return text_message(
        f":newspaper: Digest of round {round_number} posted to #{escape(team.name)}."
    )


def schedule_shown(team: Team, usage: str) -> dict[str, Any]:
    return text_message(
        f":calendar: #{escape(team.name)}: {team.schedule.describe()} ({escape(team.tz)}).\n{usage}"
    )


def schedule_saved(
    team: Team, *, weekday: int, at: time, next_pulse: datetime | None
) -> dict[str, Any]:
    """The new schedule, and when the next pulse goes out (``next_pulse`` in the team's zone)."""
    upcoming = f" Next pulse: {next_pulse:%A %d %B %H:%M}." if next_pulse is not None else ""
    return text_message(
        f":calendar: Done: #{escape(team.name)} gets its pulse every "
        f"{WEEKDAY_NAMES[weekday]} at {at:%H:%M} ({escape(team.tz)}) — "
        f"{team.schedule.describe()}.{upcoming}"
    )


def managers_of(team: Team, managers: Sequence[str]) -> dict[str, Any]:
    return text_message(
        f"Managers of #{escape(team.name)}: " + ", ".join(f"<@{m}>" for m in managers)
    )


def manager_added(team: Team, user_id: str, *, added: bool) -> dict[str, Any]:
    return text_message(
        f"<@{user_id}> is {'now' if added else 'already'} a manager of #{escape(team.name)}."
    )


def manager_refused(team: Team, user_id: str, *, why: ManagerRefusal) -> dict[str, Any]:
    """`managers add` of someone who cannot manage: a bot, a deactivated account, no one."""
    if why is ManagerRefusal.UNKNOWN:
        return text_message(
            f":no_entry: Slack knows no user `{escape(user_id)}` in this workspace, so nobody "
            f"was made a manager of #{escape(team.name)}. Mention the person with `@` and pick "
            "them from Slack's list."
        )
    if why is ManagerRefusal.DEACTIVATED:
        reason = "'s account is deactivated: only active members of the workspace"
    else:
        reason = " is a bot, not a person: only people"
    return text_message(f":no_entry: <@{user_id}>{reason} can manage #{escape(team.name)}.")


def manager_removed(team: Team, user_id: str, *, removed: bool) -> dict[str, Any]:
    if removed:
        return text_message(f"<@{user_id}> is no longer a manager of #{escape(team.name)}.")
    return text_message(
        f"<@{user_id}> stays: they are not a manager of #{escape(team.name)}, "
        "or they are its last one (add another manager first)."
    )


def export_sent(team: Team, rounds: int) -> dict[str, Any]:
    """`/sdo export` done: the file is in the caller's DM with the bot."""
    return text_message(
        f":inbox_tray: The export of #{escape(team.name)} ({_plural(rounds, 'round')}, "
        "aggregates only) is in your DM with me."
    )


def export_comment(team: Team, rounds: int) -> dict[str, Any]:
    """The message that comes with the export file in the caller's DM."""
    return text_message(
        f"#{escape(team.name)}: {_plural(rounds, 'round')}, one row each — region, scores, "
        "participation, how many notes, disagreements. No one's answers or notes are in it; a "
        "round with too few answers says `Not enough answers` and has no scores."
    )


def release_hook(team: Team, url: str, secret: str, *, rotated: bool) -> dict[str, Any]:
    """`/sdo release-hook` (managers, ephemeral): the team's release webhook and its secret."""
    first = ":arrows_counterclockwise: New secret for" if rotated else ":rocket: Release webhook of"
    old = " The old secret no longer works: update it where the hook is set." if rotated else ""
    return text_message(
        f"{first} #{escape(team.name)}.{old}\n"
        f"*URL:* `{url}`\n*Secret:* `{secret}`\n"
        "GitHub: a webhook with this URL and secret, content type `application/json`, the "
        "*Releases* event. GitLab: a webhook with this URL, the secret as its *Secret token*, "
        '*Releases events*. Anything else: POST `{"name": "v2.3", "id": "<unique>"}` '
        "with `X-SDO-Signature: sha256=<HMAC-SHA256 of the body with the secret>`.\n"
        "Each published release asks every member (not away) in working hours (Mon–Fri "
        "09:00–18:00, the team's time zone) whether a customer accepted it; one per hour. "
        "`/sdo release-hook rotate` makes a new secret. Keep the secret private."
    )
