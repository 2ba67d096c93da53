"""Modals and their validation: "Add a note" and the App Home's schedule settings."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from typing import Any

from bot.domain.circles import CIRCLES, Circle
from bot.domain.grammar import time_zone
from bot.domain.model import Answer, Schedule
from bot.slack.blocks.text import Block, escape

NOTE_CALLBACK_ID = "pulse_note"
NOTE_CIRCLE_BLOCK, NOTE_CIRCLE_ACTION = "note_circle", "circle"
NOTE_TEXT_BLOCK, NOTE_TEXT_ACTION = "note_text", "text"
NOTE_INTERNAL_BLOCK, NOTE_INTERNAL_ACTION = "note_internal", "internal"
INTERNAL_VALUE = "internal"


@dataclass(frozen=True, slots=True)
class NoteContext:
    """Carried in the modal's private_metadata: which round, and the DM to refresh after.

    ``response_url`` is the "Add a note" click's: the DM is refreshed through it (no rate-limit
    tier) while Slack still takes it, else with ``chat.update`` at ``channel_id``/``message_ts``.
    """

    round_id: int
    channel_id: str | None = None
    message_ts: str | None = None
    response_url: str | None = None

    def encode(self) -> str:
        data: dict[str, Any] = {"r": self.round_id, "c": self.channel_id, "t": self.message_ts}
        if self.response_url:
            data["u"] = self.response_url
        return json.dumps(data)

    @classmethod
    def decode(cls, raw: str) -> NoteContext:
        data = json.loads(raw)
        if not isinstance(data, dict) or not isinstance(data.get("r"), int):
            raise ValueError("bad note context")
        url = data.get("u")
        if not (isinstance(url, str) and url.startswith(("https://", "http://"))):
            url = None
        return cls(int(data["r"]), data.get("c"), data.get("t"), url)


def _option(circle: Circle) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": circle.info.short}, "value": circle.value}


def note_modal(
    *,
    note_context: NoteContext,
    team_name: str,
    answers: Mapping[Circle, Answer],
    max_chars: int,
) -> dict[str, Any]:
    """The modal for evidence: which question, the note, and the internal-customer flag."""
    existing = next((a for c in CIRCLES if (a := answers.get(c)) and a.note), None)
    circle = existing.circle if existing else Circle.WHAT
    internal_option = {
        "text": {"type": "mrkdwn", "text": "The customer was *internal* (support, finance, …)"},
        "value": INTERNAL_VALUE,
    }
    text_input: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": NOTE_TEXT_ACTION,
        "multiline": True,
        "max_length": max_chars,
        "placeholder": {"type": "plain_text", "text": "A link, a customer's name, what they said…"},
    }
    if existing and existing.note:
        text_input["initial_value"] = existing.note
    checkbox: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": NOTE_INTERNAL_ACTION,
        "options": [internal_option],
    }
    if existing and existing.internal_customer:
        checkbox["initial_options"] = [internal_option]
    return _form(
        callback_id=NOTE_CALLBACK_ID,
        private_metadata=note_context.encode(),
        title="Add a note",
        intro=(
            f"Evidence for #{escape(team_name)}'s pulse. Only you see your note; the digest "
            "counts notes but never shows who wrote what."
        ),
        blocks=[
            {
                "type": "input",
                "block_id": NOTE_CIRCLE_BLOCK,
                "label": {"type": "plain_text", "text": "About which question?"},
                "element": {
                    "type": "static_select",
                    "action_id": NOTE_CIRCLE_ACTION,
                    "options": [_option(c) for c in CIRCLES],
                    "initial_option": _option(circle),
                },
            },
            {
                "type": "input",
                "block_id": NOTE_TEXT_BLOCK,
                "label": {"type": "plain_text", "text": f"Evidence (up to {max_chars} characters)"},
                "element": text_input,
            },
            {
                "type": "input",
                "block_id": NOTE_INTERNAL_BLOCK,
                "optional": True,
                "label": {"type": "plain_text", "text": "Who was the customer?"},
                "element": checkbox,
            },
        ],
    )


@dataclass(frozen=True, slots=True)
class NoteSubmission:
    circle: Circle
    text: str
    internal_customer: bool


def parse_note_submission(state_values: Mapping[str, Any]) -> NoteSubmission:
    """Read the modal's state; raises ValueError (or KeyError/TypeError) when malformed."""
    circle_raw = state_values[NOTE_CIRCLE_BLOCK][NOTE_CIRCLE_ACTION]["selected_option"]["value"]
    text = state_values[NOTE_TEXT_BLOCK][NOTE_TEXT_ACTION].get("value") or ""
    if not isinstance(text, str):
        raise ValueError("note text must be a string")
    internal_state = state_values.get(NOTE_INTERNAL_BLOCK, {}).get(NOTE_INTERNAL_ACTION, {})
    selected = internal_state.get("selected_options") or []
    internal = any(isinstance(o, dict) and o.get("value") == INTERNAL_VALUE for o in selected)
    return NoteSubmission(Circle(circle_raw), text, internal)


def note_too_long_error(max_chars: int, length: int) -> dict[str, Any]:
    """The response that shows a field error in the modal instead of closing it."""
    return {
        "response_action": "errors",
        "errors": {
            NOTE_TEXT_BLOCK: f"Please keep the note to {max_chars} characters (it has {length}).",
        },
    }


# -- the schedule settings modal (App Home) ---------------------------------------------------

SCHEDULE_CALLBACK_ID = "schedule_settings"
SCHEDULE_TZ_BLOCK = "tz"
_SCHEDULE_FIELDS = {
    "pulse_day": "Pulse day",
    "pulse_time": "Pulse time",
    "cadence": "How often",
    "reminder": "Reminder",
    "reminder_day": "Reminder day",
    "reminder_time": "Reminder time",
    "close_day": "Close and digest day",
    "close_time": "Close and digest time",
    SCHEDULE_TZ_BLOCK: "Time zone",
}
_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
REMINDER_ON = "on"


def _day_select(block_id: str, label: str, day: int) -> dict[str, Any]:
    options = [
        {"text": {"type": "plain_text", "text": d}, "value": str(i)} for i, d in enumerate(_DAYS)
    ]
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {
            "type": "static_select",
            "action_id": "value",
            "options": options,
            "initial_option": options[day],
        },
    }


def _time_picker(block_id: str, label: str, at: time) -> dict[str, Any]:
    return {
        "type": "input",
        "block_id": block_id,
        "label": {"type": "plain_text", "text": label},
        "element": {"type": "timepicker", "action_id": "value", "initial_time": f"{at:%H:%M}"},
    }


def _form(
    *, callback_id: str, private_metadata: str, title: str, intro: str, blocks: list[Block]
) -> dict[str, Any]:
    """A modal with Save and Cancel, an introduction in small print, then its inputs."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Save"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": intro}]}, *blocks],
    }


def schedule_modal(*, team_id: int, team_name: str, tz: str, schedule: Schedule) -> dict[str, Any]:
    """The App Home's settings for one team's schedule, in the team's time zone."""
    weekly = {"text": {"type": "plain_text", "text": "Every week"}, "value": "1"}
    biweekly = {"text": {"type": "plain_text", "text": "Every two weeks"}, "value": "2"}
    reminder_option = {
        "text": {"type": "plain_text", "text": "Remind those who have not answered, once"},
        "value": REMINDER_ON,
    }
    reminder: dict[str, Any] = {
        "type": "checkboxes",
        "action_id": "value",
        "options": [reminder_option],
    }
    if schedule.reminder_enabled:
        reminder["initial_options"] = [reminder_option]
    return _form(
        callback_id=SCHEDULE_CALLBACK_ID,
        private_metadata=str(team_id),
        title="Pulse schedule",
        intro=(
            f"When *#{escape(team_name)}* is asked, reminded and summarised "
            f"— times in {escape(tz)}."
        ),
        blocks=[
            _day_select("pulse_day", _SCHEDULE_FIELDS["pulse_day"], schedule.pulse_weekday),
            _time_picker("pulse_time", _SCHEDULE_FIELDS["pulse_time"], schedule.pulse_time),
            {
                "type": "input",
                "block_id": "cadence",
                "label": {"type": "plain_text", "text": _SCHEDULE_FIELDS["cadence"]},
                "element": {
                    "type": "radio_buttons",
                    "action_id": "value",
                    "options": [weekly, biweekly],
                    "initial_option": biweekly if schedule.every_weeks == 2 else weekly,
                },
            },
            {
                "type": "input",
                "block_id": "reminder",
                "optional": True,
                "label": {"type": "plain_text", "text": _SCHEDULE_FIELDS["reminder"]},
                "element": reminder,
            },
            _day_select(
                "reminder_day", _SCHEDULE_FIELDS["reminder_day"], schedule.reminder_weekday
            ),
            _time_picker(
                "reminder_time", _SCHEDULE_FIELDS["reminder_time"], schedule.reminder_time
            ),
            _day_select("close_day", _SCHEDULE_FIELDS["close_day"], schedule.close_weekday),
            _time_picker("close_time", _SCHEDULE_FIELDS["close_time"], schedule.close_time),
            {
                "type": "input",
                "block_id": SCHEDULE_TZ_BLOCK,
                "label": {"type": "plain_text", "text": _SCHEDULE_FIELDS[SCHEDULE_TZ_BLOCK]},
                "hint": {
                    "type": "plain_text",
                    "text": "A tz database name, e.g. Europe/Berlin, America/New_York, Asia/Tokyo.",
                },
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "initial_value": tz,
                    "max_length": 64,
                },
            },
        ],
    )


def parse_schedule_submission(state_values: Mapping[str, Any], *, current: Schedule) -> Schedule:
    """The schedule a manager saved; raises ValueError (KeyError, TypeError) when malformed."""

    def day(block: str) -> int:
        value = int(state_values[block]["value"]["selected_option"]["value"])
        if not 0 <= value <= 6:
            raise ValueError(f"no such weekday: {value}")
        return value

    def at(block: str) -> time:
        hours, minutes = str(state_values[block]["value"]["selected_time"]).split(":")
        return time(int(hours), int(minutes))

    every = int(state_values["cadence"]["value"]["selected_option"]["value"])
    if every not in (1, 2):
        raise ValueError(f"unsupported cadence: {every}")
    chosen = state_values.get("reminder", {}).get("value", {}).get("selected_options") or []
    return replace(
        current,
        pulse_weekday=day("pulse_day"),
        pulse_time=at("pulse_time"),
        every_weeks=every,
        reminder_enabled=any(isinstance(o, dict) and o.get("value") == REMINDER_ON for o in chosen),
        reminder_weekday=day("reminder_day"),
        reminder_time=at("reminder_time"),
        close_weekday=day("close_day"),
        close_time=at("close_time"),
    )


class UnknownZoneError(Exception):
    """The zone typed in the schedule form names no zone of the tz database."""

    def __init__(self, typed: str) -> None:
        super().__init__(typed)
        self.typed = typed


def parse_schedule_tz(state_values: Mapping[str, Any], *, current: str) -> str:
    """The time zone a manager saved, as the tz database names it (``current`` when the form
    has no zone field: one opened before it had one).

    Raises:
        UnknownZoneError: it names no zone.
    """
    if SCHEDULE_TZ_BLOCK not in state_values:
        return current
    typed = str(state_values[SCHEDULE_TZ_BLOCK]["value"].get("value") or "")
    zone = time_zone(typed)
    if zone is None:
        raise UnknownZoneError(typed)
    return zone


def unknown_tz_error(typed: str) -> dict[str, Any]:
    """The response that shows the zone field's error instead of closing the form."""
    shown = f'"{typed.strip()[:64]}"' if typed.strip() else "an empty name"
    return {
        "response_action": "errors",
        "errors": {
            SCHEDULE_TZ_BLOCK: f"I don't know the time zone {shown}: use a tz database name "
            "such as Europe/Berlin, America/New_York or Asia/Tokyo.",
        },
    }


def note_not_saved_text(note: str) -> str:
    """A note the database could not take, given back to its author (only they see a DM)."""
    quoted = "\n".join(f">{escape(line)}" for line in note.splitlines() or [""])
    return (
        ":hourglass_flowing_sand: I could not save your note just now: my database is not "
        "answering. Here it is, to add again in a moment:\n" + quoted
    )
