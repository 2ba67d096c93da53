"""The "Add a note" and schedule modals: what they show, and what a submission reads back."""

from __future__ import annotations

import json
from datetime import time
from typing import Any

import pytest

from bot.domain.circles import AnswerValue, Circle
from bot.domain.model import FRIDAY, MONDAY, SATURDAY, TUESDAY, Answer, Schedule
from bot.sandbox.fakeslack import view_errors
from bot.services.answers import NOTE_MAX_CHARS
from bot.slack.blocks.modals import (
    NOTE_CALLBACK_ID,
    SCHEDULE_CALLBACK_ID,
    NoteContext,
    NoteSubmission,
    UnknownZoneError,
    note_modal,
    note_too_long_error,
    parse_note_submission,
    parse_schedule_submission,
    parse_schedule_tz,
    schedule_modal,
    unknown_tz_error,
)
from bot.slack.blocks.render import render_message


def submitted(view: dict[str, Any]) -> dict[str, Any]:
    """The ``state.values`` Slack sends when the modal is saved as it was opened."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input":
            continue
        element = block["element"]
        kind = element["type"]
        if kind in ("static_select", "radio_buttons"):
            state = {"selected_option": element.get("initial_option")}
        elif kind == "checkboxes":
            state = {"selected_options": element.get("initial_options", [])}
        elif kind == "timepicker":
            state = {"selected_time": element.get("initial_time")}
        else:
            state = {"value": element.get("initial_value")}
        values[block["block_id"]] = {element["action_id"]: {"type": kind, **state}}
    return values


# -- "Add a note"


def note_view(answers: dict[Circle, Answer] | None = None, name: str = "alpha") -> dict[str, Any]:
    return note_modal(
        note_context=NoteContext(42, "D1", "1700000000.000100"),
        team_name=name,
        answers=answers or {},
        max_chars=NOTE_MAX_CHARS,
    )


def test_the_note_modal_asks_which_question_the_evidence_and_who_the_customer_was() -> None:
    view = note_view()
    assert view["callback_id"] == NOTE_CALLBACK_ID
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Add a note",
        "Save",
        "Cancel",
    )
    assert render_message(view) == "\n".join(
        (
            "  Evidence for #alpha's pulse. Only you see your note; the digest counts notes but "
            "never shows who wrote what.",
            "About which question?: <select: What to build / How to build / How to deliver>",
            "Evidence (up to 500 characters): <text input>",
            "Who was the customer?: [ ] The customer was *internal* (support, finance, …)",
        )
    )
    assert view_errors(view) == []


def test_a_fresh_note_starts_on_the_first_question_and_empty() -> None:
    view = note_view()
    assert parse_note_submission(submitted(view)) == NoteSubmission(Circle.WHAT, "", False)
    assert view["blocks"][2]["element"]["max_length"] == NOTE_MAX_CHARS


def test_an_existing_note_opens_where_it_was_written() -> None:
    answers = {
        Circle.WHAT: Answer(42, "U1", Circle.WHAT, AnswerValue.YES),
        Circle.DELIVER: Answer(
            42, "U1", Circle.DELIVER, AnswerValue.PARTLY, note="Acme signed", internal_customer=True
        ),
    }
    view = note_view(answers)
    assert parse_note_submission(submitted(view)) == NoteSubmission(
        Circle.DELIVER, "Acme signed", True
    )
    assert view_errors(view) == []


def test_the_note_modal_escapes_the_team_name() -> None:
    intro = note_view(name="<!channel>")["blocks"][0]["elements"][0]["text"]
    assert intro.startswith("Evidence for #&lt;!channel&gt;'s pulse.")


def test_the_note_context_survives_the_round_trip_through_slack() -> None:
    context = NoteContext(42, "D1", "1700000000.000100")
    metadata = note_view()["private_metadata"]
    assert NoteContext.decode(metadata) == context
    assert NoteContext.decode(NoteContext(7).encode()) == NoteContext(7, None, None)


def test_the_note_context_carries_the_clicks_response_url_only_if_it_is_one() -> None:
    url = "https://hooks.slack.com/actions/T1/1/abc"
    context = NoteContext(42, "D1", "1700000000.000100", url)
    assert NoteContext.decode(context.encode()) == context
    for odd in ("javascript:alert(1)", 42, ""):
        raw = json.dumps({"r": 42, "c": "D1", "t": "1700000000.000100", "u": odd})
        assert NoteContext.decode(raw).response_url is None


@pytest.mark.parametrize("raw", ["[]", "{}", '{"r": "42"}', '{"r": null}', "42", '"r"'])
def test_a_note_context_without_a_round_is_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="bad note context"):
        NoteContext.decode(raw)


def test_a_note_context_that_is_not_json_is_refused() -> None:
    with pytest.raises(json.JSONDecodeError):
        NoteContext.decode("not json")


def test_a_submission_without_text_or_the_internal_flag_reads_as_empty_and_external() -> None:
    values = {
        "note_circle": {"circle": {"selected_option": {"value": "H"}}},
        "note_text": {"text": {"value": None}},
    }
    assert parse_note_submission(values) == NoteSubmission(Circle.HOW, "", False)


@pytest.mark.parametrize(
    ("values", "error"),
    [
        (
            {
                "note_circle": {"circle": {"selected_option": {"value": "X"}}},
                "note_text": {"text": {"value": "hi"}},
            },
            ValueError,
        ),
        (
            {
                "note_circle": {"circle": {"selected_option": {"value": "W"}}},
                "note_text": {"text": {"value": ["hi"]}},
            },
            ValueError,
        ),
        ({"note_text": {"text": {"value": "hi"}}}, KeyError),
        (
            {
                "note_circle": {"circle": {"selected_option": None}},
                "note_text": {"text": {"value": "hi"}},
            },
            TypeError,
        ),
    ],
)
def test_a_malformed_note_submission_is_refused(
    values: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        parse_note_submission(values)


def test_a_too_long_note_keeps_the_modal_open_with_the_count() -> None:
    assert note_too_long_error(500, 612) == {
        "response_action": "errors",
        "errors": {"note_text": "Please keep the note to 500 characters (it has 612)."},
    }


# -- the schedule settings


def schedule_view(schedule: Schedule, name: str = "alpha") -> dict[str, Any]:
    return schedule_modal(team_id=7, team_name=name, tz="Europe/Berlin", schedule=schedule)


def test_the_schedule_modal_lists_each_setting_in_the_teams_zone() -> None:
    view = schedule_view(Schedule())
    assert view["callback_id"] == SCHEDULE_CALLBACK_ID
    assert view["private_metadata"] == "7"
    assert view["title"]["text"] == "Pulse schedule"
    intro = view["blocks"][0]["elements"][0]["text"]
    assert intro == "When *#alpha* is asked, reminded and summarised — times in Europe/Berlin."
    labels = [b["label"]["text"] for b in view["blocks"][1:]]
    assert labels == [
        "Pulse day",
        "Pulse time",
        "How often",
        "Reminder",
        "Reminder day",
        "Reminder time",
        "Close and digest day",
        "Close and digest time",
        "Time zone",
    ]
    days = view["blocks"][1]["element"]["options"]
    assert [o["text"]["text"] for o in days] == [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert view_errors(view) == []


@pytest.mark.parametrize(
    "schedule",
    [
        Schedule(),
        Schedule(every_weeks=2, reminder_enabled=False),
        Schedule(
            pulse_weekday=MONDAY,
            pulse_time=time(9, 5),
            reminder_weekday=TUESDAY,
            reminder_time=time(0, 0),
            close_weekday=SATURDAY,
            close_time=time(23, 59),
        ),
    ],
)
def test_saving_the_schedule_unchanged_gives_the_same_schedule(schedule: Schedule) -> None:
    view = schedule_view(schedule)
    assert view_errors(view) == []
    assert parse_schedule_submission(submitted(view), current=schedule) == schedule


def test_the_modal_opens_on_the_teams_cadence_and_reminder() -> None:
    weekly, biweekly = (
        schedule_view(Schedule(every_weeks=n, reminder_enabled=n == 1)) for n in (1, 2)
    )
    assert weekly["blocks"][3]["element"]["initial_option"]["text"]["text"] == "Every week"
    assert biweekly["blocks"][3]["element"]["initial_option"]["text"]["text"] == "Every two weeks"
    assert "initial_options" in weekly["blocks"][4]["element"]
    assert "initial_options" not in biweekly["blocks"][4]["element"]


def test_a_changed_schedule_is_read_and_the_rest_kept() -> None:
    current = Schedule(enabled=False)
    values = submitted(schedule_view(current))
    values["pulse_day"]["value"]["selected_option"] = {"value": str(FRIDAY)}
    values["pulse_time"]["value"]["selected_time"] = "08:30"
    values["cadence"]["value"]["selected_option"] = {"value": "2"}
    values["reminder"]["value"]["selected_options"] = []
    saved = parse_schedule_submission(values, current=current)
    assert saved == Schedule(
        pulse_weekday=FRIDAY,
        pulse_time=time(8, 30),
        every_weeks=2,
        reminder_enabled=False,
        enabled=False,
    )
    assert saved.describe() == (
        "pulse Friday 08:30 every 2 weeks, no reminder, digest Monday 10:00"
    )


def test_an_unticked_reminder_may_be_left_out_of_the_state() -> None:
    values = submitted(schedule_view(Schedule()))
    del values["reminder"]
    assert parse_schedule_submission(values, current=Schedule()).reminder_enabled is False


@pytest.mark.parametrize(
    ("block", "state", "error"),
    [
        ("pulse_day", {"selected_option": {"value": "7"}}, "no such weekday: 7"),
        ("close_day", {"selected_option": {"value": "-1"}}, "no such weekday: -1"),
        ("reminder_day", {"selected_option": {"value": "friday"}}, "invalid literal"),
        ("cadence", {"selected_option": {"value": "3"}}, "unsupported cadence: 3"),
        ("pulse_time", {"selected_time": "24:00"}, "hour must be in 0..23"),
        ("close_time", {"selected_time": "10"}, "not enough values"),
        ("reminder_time", {"selected_time": "10:61"}, "minute must be in 0..59"),
    ],
)
def test_a_malformed_schedule_submission_is_refused(
    block: str, state: dict[str, Any], error: str
) -> None:
    values = submitted(schedule_view(Schedule()))
    values[block]["value"] = state
    with pytest.raises(ValueError, match=error):
        parse_schedule_submission(values, current=Schedule())


def test_a_submission_missing_a_setting_is_refused() -> None:
    values = submitted(schedule_view(Schedule()))
    del values["close_time"]
    with pytest.raises(KeyError):
        parse_schedule_submission(values, current=Schedule())


def test_the_schedule_modal_escapes_the_team_name_and_zone() -> None:
    view = schedule_modal(team_id=1, team_name="<!here>", tz="<@U1>", schedule=Schedule())
    intro = view["blocks"][0]["elements"][0]["text"]
    assert intro == (
        "When *#&lt;!here&gt;* is asked, reminded and summarised — times in &lt;@U1&gt;."
    )


# -- the team's time zone in the schedule settings


def test_the_zone_field_holds_the_teams_zone_and_saving_it_unchanged_keeps_it() -> None:
    view = schedule_view(Schedule())
    field = view["blocks"][-1]
    assert (field["block_id"], field["element"]["type"]) == ("tz", "plain_text_input")
    assert field["element"]["initial_value"] == "Europe/Berlin"
    assert "America/New_York" in field["hint"]["text"]
    assert parse_schedule_tz(submitted(view), current="Europe/Berlin") == "Europe/Berlin"


@pytest.mark.parametrize(
    ("typed", "zone"),
    [("America/New_York", "America/New_York"), (" asia/tokyo ", "Asia/Tokyo"), ("UTC", "UTC")],
)
def test_a_typed_zone_is_read_as_the_tz_database_names_it(typed: str, zone: str) -> None:
    values = submitted(schedule_view(Schedule()))
    values["tz"]["value"]["value"] = typed
    assert parse_schedule_tz(values, current="Europe/Berlin") == zone


@pytest.mark.parametrize("typed", ["Mars/Olympus", "", None, "localtime", "../../etc/passwd"])
def test_a_zone_that_is_none_is_refused_with_a_field_error(typed: str | None) -> None:
    values = submitted(schedule_view(Schedule()))
    values["tz"]["value"]["value"] = typed
    with pytest.raises(UnknownZoneError) as refused:
        parse_schedule_tz(values, current="Europe/Berlin")
    error = unknown_tz_error(refused.value.typed)
    assert error["response_action"] == "errors"
    assert list(error["errors"]) == ["tz"]
    assert error["errors"]["tz"].startswith("I don't know the time zone ")
    assert "America/New_York" in error["errors"]["tz"]


def test_the_zone_error_names_what_was_typed() -> None:
    assert unknown_tz_error("Mars/Olympus")["errors"]["tz"] == (
        'I don\'t know the time zone "Mars/Olympus": use a tz database name such as '
        "Europe/Berlin, America/New_York or Asia/Tokyo."
    )


def test_a_form_opened_before_it_had_a_zone_field_keeps_the_zone() -> None:
    values = submitted(schedule_view(Schedule()))
    del values["tz"]
    assert parse_schedule_tz(values, current="Asia/Tokyo") == "Asia/Tokyo"
