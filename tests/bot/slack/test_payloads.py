"""Which signed bodies reach Bolt: the three shapes Slack sends, and nothing malformed."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest

from bot.slack.payloads import MAX_FIELD_CHARS, well_formed

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"

COMMAND = {
    "command": "/sdo",
    "text": "status",
    "team_id": "T1",
    "user_id": "U1",
    "channel_id": "C1",
    "response_url": "https://hooks.slack.com/commands/T1/1/abc",
}


def command(**fields: str | None) -> bytes:
    """A slash command's form body; a field set to None is left out."""
    merged = {**COMMAND, **fields}
    return urlencode({k: v for k, v in merged.items() if v is not None}).encode()


def block_actions(**fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "acme"},
        "user": {"id": "U1", "name": "ada"},
        "response_url": "https://hooks.slack.com/actions/T1/1/abc",
        "container": {"type": "message", "message_ts": "1.2"},
        "actions": [{"action_id": "pulse_answer_yes", "value": "1:W:yes", "type": "button"}],
    }
    payload.update(fields)
    return payload


def view_submission(**view: Any) -> dict[str, Any]:
    return {
        "type": "view_submission",
        "team": {"id": "T1"},
        "user": {"id": "U1"},
        "view": {
            "id": "V1",
            "type": "modal",
            "callback_id": "pulse_note",
            "private_metadata": '{"r": 1}',
            "state": {"values": {"note_text": {"text": {"value": "hi"}}}},
            **view,
        },
    }


def interaction(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


def event(**fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "Ev1",
        "event": {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home"},
    }
    data.update(fields)
    return data


def events_api(data: Any) -> bytes:
    return json.dumps(data).encode()


# -- slash commands


def test_a_slash_command_is_accepted() -> None:
    assert well_formed(command(), FORM)
    assert well_formed(command(text=""), FORM)  # `/sdo` alone: empty text
    assert well_formed(command(text=None), FORM)  # the text field is not required
    assert well_formed(command(response_url="http://localhost:9/response"), FORM)


@pytest.mark.parametrize("field", ["command", "team_id", "user_id", "channel_id", "response_url"])
def test_a_slash_command_without_a_required_field_is_refused(field: str) -> None:
    assert not well_formed(command(**{field: None}), FORM)
    assert not well_formed(command(**{field: ""}), FORM)


@pytest.mark.parametrize(
    "url", ["ftp://hooks.slack.com/x", "javascript:alert(1)", "hooks.slack.com/x", "/relative"]
)
def test_a_slash_command_with_a_non_http_response_url_is_refused(url: str) -> None:
    assert not well_formed(command(response_url=url), FORM)


def test_a_slash_command_with_a_field_given_twice_is_refused() -> None:
    assert not well_formed(command() + b"&user_id=U2", FORM)


def test_a_slash_command_field_may_be_long_but_not_over_the_limit() -> None:
    assert well_formed(command(channel_id="C" * MAX_FIELD_CHARS), FORM)
    assert not well_formed(command(channel_id="C" * (MAX_FIELD_CHARS + 1)), FORM)


# -- interactivity


def test_block_actions_and_view_submissions_are_accepted() -> None:
    assert well_formed(interaction(block_actions()), FORM)
    assert well_formed(interaction(block_actions(response_url=None, container=None)), FORM)
    assert well_formed(interaction(view_submission()), FORM)
    assert well_formed(interaction({**view_submission(), "type": "view_closed"}), FORM)


@pytest.mark.parametrize(
    "payload",
    [
        block_actions(actions=[]),
        block_actions(actions={"action_id": "a"}),
        block_actions(actions=["pulse_answer_yes"]),
        block_actions(actions=[{"value": "1:W:yes"}]),
        block_actions(actions=[{"action_id": ""}]),
        block_actions(actions=[{"action_id": 7}]),
        block_actions(actions=[{"action_id": "a", "value": 1}]),
        block_actions(actions=[{"action_id": "a"}, {"action_id": "b", "value": None}]),
        block_actions(actions=[{"action_id": "a" * (MAX_FIELD_CHARS + 1)}]),
        block_actions(container="message"),
        block_actions(response_url="ftp://hooks.slack.com/x"),
        block_actions(response_url=""),
        block_actions(team=None),
        block_actions(team="T1"),
        block_actions(team={"id": ""}),
        block_actions(user={"name": "ada"}),
        block_actions(user={"id": 1}),
    ],
)
def test_malformed_block_actions_are_refused(payload: dict[str, Any]) -> None:
    assert not well_formed(interaction(payload), FORM)


@pytest.mark.parametrize(
    "view",
    [
        {"id": ""},
        {"id": None},
        {"type": None},
        {"callback_id": 1},
        {"private_metadata": {"r": 1}},
        {"state": []},
        {"state": {"values": []}},
    ],
)
def test_malformed_view_submissions_are_refused(view: dict[str, Any]) -> None:
    assert not well_formed(interaction(view_submission(**view)), FORM)


def test_a_view_submission_without_a_view_is_refused() -> None:
    payload = view_submission()
    del payload["view"]
    assert not well_formed(interaction(payload), FORM)
    assert not well_formed(interaction({**payload, "view": "V1"}), FORM)


@pytest.mark.parametrize("kind", ["shortcut", "message_action", "block_suggestion"])
def test_other_interactions_need_only_the_workspace_and_the_user(kind: str) -> None:
    assert well_formed(
        interaction({"type": kind, "team": {"id": "T1"}, "user": {"id": "U1"}}), FORM
    )


@pytest.mark.parametrize(
    "payload",
    [
        {"type": "dialog_submission", "team": {"id": "T1"}, "user": {"id": "U1"}},
        {"team": {"id": "T1"}, "user": {"id": "U1"}},
        ["block_actions"],
        "block_actions",
        None,
    ],
)
def test_unknown_interactions_and_payloads_that_are_no_object_are_refused(payload: Any) -> None:
    assert not well_formed(interaction(payload), FORM)


@pytest.mark.parametrize(
    "body", [b"payload=", b"payload=%7Bnot-json", b"payload=" + b"%5B" * 100_000]
)
def test_a_payload_that_is_not_json_or_nested_too_deep_is_refused(body: bytes) -> None:
    assert not well_formed(body, FORM)


# -- the Events API


def test_events_and_the_url_check_are_accepted() -> None:
    assert well_formed(events_api({"type": "url_verification", "challenge": "abc"}), JSON)
    assert well_formed(events_api(event()), JSON)
    assert well_formed(events_api(event(event_id=None)), JSON)
    assert well_formed(events_api({"type": "app_rate_limited", "team_id": "T1"}), JSON)
    joined = event(event={"type": "member_joined_channel", "user": "U1", "channel": "C1"})
    assert well_formed(events_api(joined), JSON)
    # Event types with no required fields need only their type.
    assert well_formed(events_api(event(event={"type": "tokens_revoked"})), JSON)
    assert well_formed(events_api(event()), "application/json; charset=utf-8")


@pytest.mark.parametrize(
    "data",
    [
        {"type": "url_verification"},
        {"type": "url_verification", "challenge": ""},
        {"type": "url_verification", "challenge": 42},
        {"type": "url_verification", "challenge": "c" * (MAX_FIELD_CHARS + 1)},
        event(team_id=None),
        event(team_id=""),
        event(event=None),
        event(event="app_home_opened"),
        event(event={"user": "U1"}),
        event(event={"type": ""}),
        event(event_id=""),
        event(event_id=5),
        event(event={"type": "app_home_opened"}),
        event(event={"type": "app_home_opened", "user": ""}),
        event(event={"type": "member_joined_channel", "user": "U1"}),
        event(event={"type": "member_left_channel", "channel": "C1"}),
        event(event={"type": "member_left_channel", "user": "U1", "channel": {"id": "C1"}}),
        event(event={"type": "message", "user": None}),
        {"type": "block_actions"},
        {"team_id": "T1"},
    ],
)
def test_malformed_events_are_refused(data: dict[str, Any]) -> None:
    assert not well_formed(events_api(data), JSON)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"[]",
        b'"event_callback"',
        b"null",
        b"[" * 100_000,
        b'{"a":' * 100_000,
    ],
)
def test_a_json_body_that_is_no_object_or_nested_too_deep_is_refused(body: bytes) -> None:
    assert not well_formed(body, JSON)


# -- what no kind of request may be


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"\xff\xfe", JSON),
        (b"\xff\xfe", FORM),
        (command().replace(b"U1", b"U\xe9"), FORM),
        ('{"type": "url_verification", "challenge": "é"}'.encode("latin-1"), JSON),
    ],
)
def test_a_body_that_is_not_utf8_is_refused(body: bytes, content_type: str) -> None:
    assert not well_formed(body, content_type)


def test_a_body_is_read_by_its_content_type() -> None:
    assert not well_formed(command(), JSON)
    assert not well_formed(events_api(event()), FORM)
    assert not well_formed(interaction(block_actions()), JSON)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"&&&",
        b"=",
        b"payload",
        b"%",
        b"\x00" * 10,
        b'{"type": "url_verification", "challenge": 1e999}',
        b'{"n": ' + b"9" * 5000 + b"}",
        b"payload=%7B%7D",
    ],
)
def test_odd_bodies_are_refused_and_never_raise(body: bytes) -> None:
    assert well_formed(body, FORM) is False
    assert well_formed(body, JSON) is False
