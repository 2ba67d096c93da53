"""The command grammar (SPEC §3): text in, a command record out. Pure.

The words are the same on every platform; how a command is typed (``/sdo status`` in Slack,
``@SDO Pulse status`` in Teams) and how a person or channel is written in it is a ``Syntax``.
"""

from __future__ import annotations

import functools
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, time

from bot.domain.away import AwayItems, parse_away_items
from bot.domain.circles import Circle

MAX_COMMAND_CHARS = 300


@dataclass(frozen=True, slots=True)
class Syntax:
    """How commands are typed on one platform.

    Attributes:
        command: what starts a command, as the help and the usage lines show it.
        user: a mention of a person, its one group the user id.
        channel: a mention of a channel, its one group the channel id (None: not supported).
        mention_hint: how to mention a person so that the platform writes it as ``user``.
        channel_hint: the same for a channel.
    """

    command: str
    user: re.Pattern[str]
    channel: re.Pattern[str] | None
    mention_hint: str
    channel_hint: str = ""


SLACK = Syntax(
    command="/sdo",
    user=re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$"),
    channel=re.compile(r"^<#(C[A-Z0-9]+|G[A-Z0-9]+)(?:\|[^>]*)?>$"),
    mention_hint="Mention the person with `@` and pick them from Slack's list. ",
    channel_hint="I could not read that channel: pick it from the list Slack suggests "
    "after typing `#`. ",
)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
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
# What a tz database name looks like (``Area/City``, ``America/Argentina/Salta``, ``Etc/GMT+5``):
# a word of that shape that names no zone is an unknown zone, named back to the caller.
_ZONE_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)+$")


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
    """``weekday`` None = show the current schedule; ``tz`` None = keep the team's zone."""

    weekday: int | None = None
    at: time | None = None
    every_weeks: int | None = None
    tz: str | None = None


@dataclass(frozen=True, slots=True)
class Managers:
    """``action`` is "list", "add" or "remove"."""

    action: str = "list"
    user_id: str | None = None


@dataclass(frozen=True, slots=True)
class Export:
    """The team's round aggregates as a file (CSV), sent to the caller."""


@dataclass(frozen=True, slots=True)
class Away:
    """``action`` is "list", "until" (``until``: the last day away, inclusive) or "off"."""

    action: str = "list"
    user_id: str | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class AwayStatuses:
    """Which chat statuses mean away for the team: ``action`` "show", "add", "remove" (the
    ``items``) or "reset" (back to the defaults)."""

    action: str = "show"
    items: AwayItems = field(default_factory=AwayItems)


@dataclass(frozen=True, slots=True)
class PulseMe:
    """A member back from being away asks for this round's pulse now."""


@dataclass(frozen=True, slots=True)
class Questions:
    """The team's wording of the three questions.

    ``action``: "show" (Slack: the form), "set" (``circle`` reworded to ``text``) or "reset"
    (``circle`` back to the default; ``circle`` None: all three).
    """

    action: str = "show"
    circle: Circle | None = None
    text: str | None = None


@dataclass(frozen=True, slots=True)
class ReleaseHook:
    """The team's release webhook (URL and secret); ``rotate``: a new secret first."""

    rotate: bool = False


Command = (
    Help
    | Invalid
    | Setup
    | Pulse
    | Status
    | Digest
    | Schedule
    | Managers
    | Export
    | Away
    | AwayStatuses
    | PulseMe
    | Questions
    | ReleaseHook
)


def away_usage(syntax: Syntax = SLACK) -> str:
    c = syntax.command
    return (
        f"Usage: `{c} away @user until <YYYY-MM-DD>` (the last day away, in the team's time "
        f"zone), `{c} away @user off`, or `{c} away` to see who is marked away."
    )


def away_statuses_usage(syntax: Syntax = SLACK) -> str:
    c = syntax.command
    return (
        f"Usage: `{c} away statuses` (which statuses mean away), "
        f"`{c} away statuses add :baby:, parental leave` or `… remove …` (emoji and words, "
        f"separated by commas), `{c} away statuses reset` (back to the defaults)."
    )


def schedule_usage(syntax: Syntax = SLACK) -> str:
    c = syntax.command
    return (
        f"Usage: `{c} schedule <day> <HH:MM> [weekly|biweekly] [Area/City]`, e.g. "
        f"`{c} schedule thursday 15:00` (24-hour time, in the team's time zone); a tz database "
        f"zone such as `America/New_York` becomes the team's time zone."
    )


@functools.cache
def _zones() -> dict[str, str]:
    """Every tz database name, by its lower case (read once: it scans the zone files).
    ``localtime`` is the server's own zone file, not a name: it is left out."""
    names = zoneinfo.available_timezones() - {"localtime", "Factory"}
    return {name.lower(): name for name in names}


def time_zone(text: str | None) -> str | None:
    """The tz database name ``text`` means (``america/new_york`` → ``America/New_York``), or
    None when it names no zone."""
    return _zones().get((text or "").strip().lower())


def unknown_zone(text: str, syntax: Syntax = SLACK) -> str:
    """Why a zone was refused: named back (when it looks like one), with what a zone is."""
    shown = f"`{text}`" if _ZONE_LIKE.match(text) else "you gave"
    return (
        f"I don't know the time zone {shown}: use a tz database name such as "
        "`Europe/Berlin`, `America/New_York` or `Asia/Tokyo`. " + schedule_usage(syntax)
    )


def managers_usage(syntax: Syntax = SLACK) -> str:
    c = syntax.command
    return f"Usage: `{c} managers add @user` or `{c} managers remove @user`."


def status_usage(syntax: Syntax = SLACK) -> str:
    c = syntax.command
    if syntax.channel is None:
        return f"Usage: `{c} status` or `{c} status all`."
    return f"Usage: `{c} status`, `{c} status #channel` or `{c} status all`."


SCHEDULE_USAGE = schedule_usage()
MANAGERS_USAGE = managers_usage()
STATUS_USAGE = status_usage()


def parse_command(text: str | None, *, syntax: Syntax = SLACK) -> Command:
    """Parse the text after the command (``/sdo`` in Slack). Never raises: anything unknown
    becomes ``Help``."""
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
            else Invalid(
                f"`{syntax.command} setup` takes no arguments: run it in the team's channel."
            )
        )
    if (parse_args := _VERBS.get(verb)) is not None:
        return parse_args(args, syntax)
    if verb == "digest":
        return Digest() if not args else Invalid(f"`{syntax.command} digest` takes no arguments.")
    if verb == "export":
        return Export() if not args else Invalid(f"`{syntax.command} export` takes no arguments.")
    if verb == "release-hook":
        return _release_hook(args, syntax)
    return Help(unknown=words[0])


def _release_hook(args: list[str], syntax: Syntax) -> Command:
    if not args:
        return ReleaseHook()
    if len(args) == 1 and args[0].lower() == "rotate":
        return ReleaseHook(rotate=True)
    return Invalid(
        f"Usage: `{syntax.command} release-hook` (the team's release webhook) or "
        f"`{syntax.command} release-hook rotate` (a new secret; the old one stops working)."
    )


def questions_usage(syntax: Syntax = SLACK) -> str:
    return (
        f"Usage: `{syntax.command} questions` (the team's wording), "
        f"`{syntax.command} questions W|H|D <new wording>` or "
        f"`{syntax.command} questions reset [W|H|D]` (back to the default)."
    )


def _questions(args: list[str], syntax: Syntax) -> Command:
    if not args:
        return Questions()
    first = args[0].upper()
    if first == "RESET" and len(args) <= 2:
        if len(args) == 1:
            return Questions(action="reset")
        if args[1].upper() in _QUESTION_CIRCLES:
            return Questions(action="reset", circle=_QUESTION_CIRCLES[args[1].upper()])
    if first in _QUESTION_CIRCLES and len(args) > 1:
        return Questions(action="set", circle=_QUESTION_CIRCLES[first], text=" ".join(args[1:]))
    return Invalid(questions_usage(syntax))


_QUESTION_CIRCLES = {c.value: c for c in Circle}


def _status(args: list[str], syntax: Syntax) -> Command:
    if not args:
        return Status()
    if len(args) == 1 and args[0].lower() == "all":
        return Status(all_teams=True)
    if len(args) == 1 and syntax.channel and (m := syntax.channel.match(args[0])):
        return Status(channel_id=m.group(1))
    if len(args) == 1 and args[0].startswith("#") and syntax.channel_hint:
        return Invalid(syntax.channel_hint + status_usage(syntax))
    return Invalid(status_usage(syntax))


def _schedule(args: list[str], syntax: Syntax) -> Command:
    if not args:
        return Schedule()
    words = [a.lower().rstrip(",") for a in args]
    if len(words) not in (2, 3, 4) or words[0] not in _DAYS or not (m := _TIME.match(words[1])):
        return Invalid(schedule_usage(syntax))
    rest = [a.rstrip(",") for a in args[2:]]
    every = _CADENCE.get(rest[0].lower()) if rest else None
    if every is not None:
        rest = rest[1:]
    tz = None
    if rest:
        tz = time_zone(rest[0])
        if len(rest) > 1 or (tz is None and not _ZONE_LIKE.match(rest[0])):
            return Invalid(schedule_usage(syntax))
        if tz is None:
            return Invalid(unknown_zone(rest[0], syntax))
    return Schedule(
        weekday=_DAYS[words[0]],
        at=time(int(m.group(1)), int(m.group(2))),
        every_weeks=every,
        tz=tz,
    )


def _managers(args: list[str], syntax: Syntax) -> Command:
    if not args or (len(args) == 1 and args[0].lower() == "list"):
        return Managers()
    if len(args) == 2 and args[0].lower() in ("add", "remove"):
        if m := syntax.user.match(args[1]):
            return Managers(action=args[0].lower(), user_id=m.group(1))
        return Invalid(syntax.mention_hint + managers_usage(syntax))
    return Invalid(managers_usage(syntax))


def _pulse(args: list[str], syntax: Syntax) -> Command:
    if not args:
        return Pulse()
    if len(args) == 1 and args[0].lower() == "me":
        return PulseMe()
    return Invalid(f"`{syntax.command} pulse` takes no arguments.")


def _away(args: list[str], syntax: Syntax) -> Command:
    if not args or (len(args) == 1 and args[0].lower() == "list"):
        return Away()
    if args[0].lower() in ("statuses", "status"):
        return _away_statuses(args[1:], syntax)
    m = syntax.user.match(args[0])
    if m is None:
        return Invalid(syntax.mention_hint + away_usage(syntax))
    words = [a.lower() for a in args[1:]]
    if words == ["off"]:
        return Away(action="off", user_id=m.group(1))
    if len(words) == 2 and words[0] == "until" and _DATE.match(words[1]):
        try:
            until = date.fromisoformat(words[1])
        except ValueError:
            return Invalid(f"`{args[2]}` is no date. " + away_usage(syntax))
        return Away(action="until", user_id=m.group(1), until=until)
    return Invalid(away_usage(syntax))


def _away_statuses(args: list[str], syntax: Syntax) -> Command:
    action = args[0].lower() if args else "show"
    if action in ("show", "reset") and len(args) <= 1:
        return AwayStatuses(action=action)
    if action in ("add", "remove") and len(args) > 1:
        items = parse_away_items(" ".join(args[1:]))
        if isinstance(items, str):
            return Invalid(items + " " + away_statuses_usage(syntax))
        return AwayStatuses(action=action, items=items)
    return Invalid(away_statuses_usage(syntax))


# The verbs whose arguments a function of their own reads.
_VERBS: dict[str, Callable[[list[str], Syntax], Command]] = {
    "pulse": _pulse,
    "away": _away,
    "status": _status,
    "schedule": _schedule,
    "managers": _managers,
    "manager": _managers,
    "questions": _questions,
}
