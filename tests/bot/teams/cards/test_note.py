"""The "Add a note" dialog: the note prefilled, at most 500 characters, read back safely."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from bot.domain.circles import Circle
from bot.services.answers import NOTE_MAX_CHARS
from bot.teams.cards.note import (
    NOTE_CLOSED_TEXT,
    NOTE_MALFORMED_TEXT,
    NOTE_SAVED_TEXT,
    dialog_message,
    note_dialog,
    note_too_long_text,
    parse_note_circle,
    parse_note_submit,
)
from bot.teams.cards.pulse import parse_note_request
from tests.bot.teams.cards.reading import actions, by_id, card_errors, read


def dialog_card(**kwargs: Any) -> Mapping[str, Any]:
    response = note_dialog(**{"round_id": 42, "note": None, "internal": False, **kwargs})
    value = response["task"]["value"]
    assert value["card"]["contentType"] == "application/vnd.microsoft.card.adaptive"
    card: Mapping[str, Any] = value["card"]["content"]
    return card


def test_the_dialog_is_a_task_module_continue_response() -> None:
    response = note_dialog(round_id=42, note=None, internal=False)
    assert response["task"]["type"] == "continue"
    value = response["task"]["value"]
    assert {k: value[k] for k in ("title", "width", "height")} == {
        "title": "Add a note",
        "width": "medium",
        "height": "medium",
    }
    assert card_errors(value["card"]["content"]) == []


def test_an_empty_dialog_asks_for_evidence_of_at_most_500_characters() -> None:
    card = dialog_card()
    note = by_id(card, "note")
    assert note["type"] == "Input.Text"
    assert note["isMultiline"] is True
    assert note["maxLength"] == NOTE_MAX_CHARS == 500
    assert "value" not in note
    toggle = by_id(card, "internal_customer")
    assert toggle["type"] == "Input.Toggle"
    assert toggle["title"] == "The customer was internal (support, finance, …)"
    assert (toggle["value"], toggle["valueOn"], toggle["valueOff"]) == ("false", "true", "false")
    assert read(card) == "\n".join(
        (
            "Evidence for this pulse. Only you see your note; the digest counts notes but never "
            "shows who wrote what.",
            "About which question?: <select: What to build / How to build / How to deliver>",
            "Evidence (up to 500 characters): <text input ''>",
            "Who was the customer?: [ ] The customer was internal (support, finance, …)",
            "  [Save]",
        )
    )


def test_the_members_note_flag_and_question_are_prefilled() -> None:
    card = dialog_card(note="Acme accepted v2", internal=True, circle=Circle.DELIVER)
    assert by_id(card, "note")["value"] == "Acme accepted v2"
    assert by_id(card, "internal_customer")["value"] == "true"
    assert by_id(card, "circle")["value"] == "D"
    assert [c["value"] for c in by_id(card, "circle")["choices"]] == ["W", "H", "D"]
    assert by_id(dialog_card(), "circle")["value"] == "W"


def test_save_sends_the_round_back_and_is_no_note_request() -> None:
    card = dialog_card(round_id=7)
    assert actions(card) == [
        {"type": "Action.Submit", "title": "Save", "data": {"sdo": "note", "round_id": 7}}
    ]
    # Save is not mistaken for "Add a note" (that one asks Teams for a task/fetch).
    assert "msteams" not in actions(card)[0]["data"]


def submitted(**fields: object) -> dict[str, object]:
    """What Teams sends on Save: the inputs merged into the button's data."""
    return {"sdo": "note", "round_id": 42, **fields}


@pytest.mark.parametrize(
    ("data", "parsed"),
    [
        (submitted(note="  Acme's demo \n", internal_customer="true"), (42, "Acme's demo", True)),
        (submitted(note="Acme", internal_customer="false"), (42, "Acme", False)),
        (submitted(note="Acme", internal_customer=True), (42, "Acme", True)),
        (submitted(note="Acme", internal_customer=False), (42, "Acme", False)),
        (submitted(note="Acme"), (42, "Acme", False)),  # the toggle left out
        (submitted(internal_customer="true"), (42, "", True)),  # the note left empty: cleared
        (submitted(note="   ", internal_customer="false"), (42, "", False)),
        (submitted(note="x" * 600), (42, "x" * 600, False)),  # too long: the caller says so
        (submitted(note="n", extra="ignored"), (42, "n", False)),
    ],
)
def test_save_reads_round_note_and_flag(data: object, parsed: tuple[int, str, bool]) -> None:
    assert parse_note_submit(data) == parsed


@pytest.mark.parametrize(
    "data",
    [
        None,
        "note",
        [],
        {},
        {"note": "n", "internal_customer": "true"},  # no sdo marker, no round
        {"sdo": "note", "note": "n"},  # no round
        {"sdo": "answer", "round_id": 42, "note": "n"},
        submitted(round_id="42", note="n"),
        submitted(round_id=4.2, note="n"),
        submitted(round_id=True, note="n"),
        submitted(round_id=0, note="n"),
        submitted(round_id=None, note="n"),
        submitted(note=None),
        submitted(note=["n"]),
        submitted(note=5),
        submitted(note="n", internal_customer="yes"),
        submitted(note="n", internal_customer="True"),
        submitted(note="n", internal_customer=1),
        submitted(note="n", internal_customer=None),
    ],
)
def test_a_malformed_save_reads_as_none(data: object) -> None:
    assert parse_note_submit(data) is None


def test_a_note_request_is_never_read_as_a_save() -> None:
    # "Add a note" carries the same marker and round as "Save": were a handler to read the
    # request as a save, it would clear the member's note.
    request = {"msteams": {"type": "task/fetch"}, "sdo": "note", "round_id": 42}
    assert parse_note_request(request) == 42
    assert parse_note_submit(request) is None
    assert parse_note_submit({**request, "note": "n"}) is None


@pytest.mark.parametrize(
    ("data", "circle"),
    [
        (submitted(circle="W"), Circle.WHAT),
        (submitted(circle="H"), Circle.HOW),
        (submitted(circle="D"), Circle.DELIVER),
        (submitted(), None),
        (submitted(circle="X"), None),
        (submitted(circle="h"), None),
        (submitted(circle=["H"]), None),
        (None, None),
    ],
)
def test_the_question_a_note_is_about(data: object, circle: Circle | None) -> None:
    assert parse_note_circle(data) is circle


def test_the_answers_after_save_are_dialog_messages_in_the_slack_words() -> None:
    assert dialog_message(NOTE_SAVED_TEXT) == {
        "task": {"type": "message", "value": "📝 Your note is saved."}
    }
    assert note_too_long_text(612) == "Please keep the note to 500 characters (it has 612)."
    assert NOTE_CLOSED_TEXT == "This round is closed: the note was not saved."
    assert NOTE_MALFORMED_TEXT == (
        "Something in this form was missing. Please close it and try again."
    )
    assert dialog_message(NOTE_CLOSED_TEXT)["task"]["value"] == NOTE_CLOSED_TEXT
