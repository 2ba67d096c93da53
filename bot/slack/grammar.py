"""The `/sdo` command grammar (SPEC §3): text in, a command record out. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

MAX_COMMAND_CHARS = 300

_USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
_CHANNEL = re.compile(r"^<#(C[A-Z0-9]+|G[A-Z0-9]+)(?:\|[^>]*)?>$")
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DAYS = {
    name: i
    for i, names in enumerate(
        (
            ("mon", "monday", "mondays"),
            ("tue", "tues", "tuesday", "tuesdays"),
            ("wed", "wednesday", "wednesdays"),
            ("thu", "thur", "thurs", "thursday", "thursdays"),
            ("fri", "friday", "fridays"),
            ("sat", "saturday", "saturdays"),
            ("sun", "sunday", "sundays"),
        )
    )
    for name in names
}
_CADENCE = {"weekly": 1, "every-week": 1, "biweekly": 2, "fortnightly": 2, "every-2-weeks": 2}


@dataclass(frozen=True, slots=True)
class Help:
    unknown: str | None = None


@dataclass(frozen=True, slots=True)
class Invalid:
    """A known command word used wrongly: ``message`` says how to use it."""

    message: str


@dataclass(frozen=True, slots=True)
class Setup:
    pass


@dataclass(frozen=True, slots=True)
class Pulse:
    pass


@dataclass(frozen=True, slots=True)
class Status:
    """``channel_id`` None = the current channel; ``all_teams`` = every team."""

    channel_id: str | None = None
    all_teams: bool = False


@dataclass(frozen=True, slots=True)
class Digest:
    pass


@dataclass(frozen=True, slots=True)
class Schedule:
    """``weekday`` None = show the current schedule."""

    weekday: int | None = None
    at: time | None = None
    every_weeks: int | None = None


@dataclass(frozen=True, slots=True)
class Managers:
    """``action`` is "list", "add" or "remove"."""

    action: str = "list"
    user_id: str | None = None


Command = Help | Invalid | Setup | Pulse | Status | Digest | Schedule | Managers

SCHEDULE_USAGE = (
    "Usage: `/sdo schedule <day> <HH:MM> [weekly|biweekly]`, e.g. `/sdo schedule thursday 15:00` "
    "(24-hour time, in the team's time zone)."
)
MANAGERS_USAGE = "Usage: `/sdo managers add @user` or `/sdo managers remove @user`."
STATUS_USAGE = "Usage: `/sdo status`, `/sdo status #channel` or `/sdo status all`."


def parse_command(text: str | None) -> Command:
    """Parse the text after `/sdo`. Never raises: anything unknown becomes ``Help``."""
    raw = (text or "").strip()
    if len(raw) > MAX_COMMAND_CHARS:
        return Help(unknown=raw[:40] + "…")
    words = raw.split()
    if not words:
        return Help()
    verb, args = words[0].lower(), words[1:]
    if verb in ("help", "?", "usage"):
        return Help()
    if verb == "setup":
        return (
            Setup()
            if not args
            else Invalid("`/sdo setup` takes no arguments: run it in the team's channel.")
        )
    if verb == "pulse":
        return Pulse() if not args else Invalid("`/sdo pulse` takes no arguments.")
    if verb == "digest":
        return Digest() if not args else Invalid("`/sdo digest` takes no arguments.")
    if verb == "status":
        return _status(args)
    if verb == "schedule":
        return _schedule(args)
    if verb in ("managers", "manager"):
        return _managers(args)
    return Help(unknown=words[0])


def _status(args: list[str]) -> Command:
    if not args:
        return Status()
    if len(args) == 1 and args[0].lower() == "all":
        return Status(all_teams=True)
    if len(args) == 1 and (m := _CHANNEL.match(args[0])):
        return Status(channel_id=m.group(1))
    if len(args) == 1 and args[0].startswith("#"):
        return Invalid(
            "I could not read that channel: pick it from the list Slack suggests "
            "after typing `#`. " + STATUS_USAGE
        )
    return Invalid(STATUS_USAGE)


def _schedule(args: list[str]) -> Command:
    if not args:
        return Schedule()
    words = [a.lower().rstrip(",") for a in args]
    if len(words) not in (2, 3) or words[0] not in _DAYS or not (m := _TIME.match(words[1])):
        return Invalid(SCHEDULE_USAGE)
    every = None
    if len(words) == 3:
        if words[2] not in _CADENCE:
            return Invalid(SCHEDULE_USAGE)
        every = _CADENCE[words[2]]
    return Schedule(
        weekday=_DAYS[words[0]], at=time(int(m.group(1)), int(m.group(2))), every_weeks=every
    )


def _managers(args: list[str]) -> Command:
    if not args or (len(args) == 1 and args[0].lower() == "list"):
        return Managers()
    if len(args) == 2 and args[0].lower() in ("add", "remove"):
        if m := _USER.match(args[1]):
            return Managers(action=args[0].lower(), user_id=m.group(1))
        return Invalid(
            "Mention the person with `@` and pick them from Slack's list. " + MANAGERS_USAGE
        )
    return Invalid(MANAGERS_USAGE)
