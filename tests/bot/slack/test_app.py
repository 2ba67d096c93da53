"""manifest.yml creates the app as the code is: commands, events, interactivity, scopes.

The code side is read two ways: the ids the listener modules declare, and the running app's
answers — Bolt answers 404 to a request no listener handles, so a 200 proves a listener.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from bot.slack.listeners import actions, commands, events, views
from tests.support.harness import WORKSPACE, SlackHarness
from tests.support.slack import ALICE, OUTSIDER

ROOT = Path(__file__).resolve().parents[3]


def manifest() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "manifest.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_declared_commands_and_events_match_the_manifest() -> None:
    data = manifest()
    assert {c["command"] for c in data["features"]["slash_commands"]} == {commands.COMMAND}
    assert set(data["settings"]["event_subscriptions"]["bot_events"]) == set(events.HANDLERS)
    # Buttons and modals need interactivity, on the one request URL everything uses.
    assert actions.ACTION_IDS
    assert views.CALLBACK_IDS
    assert data["settings"]["interactivity"]["is_enabled"] is True
    urls = {
        data["settings"]["interactivity"]["request_url"],
        data["settings"]["event_subscriptions"]["request_url"],
        *(c["url"] for c in data["features"]["slash_commands"]),
    }
    assert len(urls) == 1
    assert next(iter(urls)).endswith("/slack/events")
    assert data["settings"]["socket_mode_enabled"] is False
    assert data["features"]["app_home"]["home_tab_enabled"] is True
    assert data["features"]["slash_commands"][0]["should_escape"] is True


def test_manifest_scopes_cover_the_api_calls() -> None:
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    # commands, chat.postMessage/update, conversations.open, users.info, conversations.members,
    # files.getUploadURLExternal/completeUploadExternal (the pictures).
    assert {
        "files:write",
        "commands",
        "chat:write",
        "im:write",
        "users:read",
        "channels:read",
        "groups:read",
    } <= scopes


async def test_the_running_app_handles_exactly_the_manifest_events(slack: SlackHarness) -> None:
    for event_type in manifest()["settings"]["event_subscriptions"]["bot_events"]:
        reply = await slack.event(
            {
                "type": event_type,
                "user": OUTSIDER,
                "channel": "CNONE",
                "tab": "messages",
                "event_ts": "1.0",
            }
        )
        assert reply.status == 200, event_type
    unsubscribed = await slack.event(
        {"type": "reaction_added", "user": OUTSIDER, "event_ts": "1.0"}
    )
    assert unsubscribed.status == 404


async def test_the_running_app_handles_every_declared_action_and_view(slack: SlackHarness) -> None:
    for action_id in actions.ACTION_IDS:
        reply, _ = await slack.click(
            action_id=action_id, value="0", user=ALICE, channel="D1", ts="1.0"
        )
        assert reply.status == 200, action_id
    unknown, _ = await slack.click(
        action_id="not_ours", value="0", user=ALICE, channel="D1", ts="1.0"
    )
    assert unknown.status == 404
    for callback_id in views.CALLBACK_IDS:
        reply = await slack.interact(
            {
                "type": "view_submission",
                "team": {"id": WORKSPACE},
                "user": {"id": ALICE},
                "view": {
                    "id": "V1",
                    "type": "modal",
                    "callback_id": callback_id,
                    "private_metadata": json.dumps({"r": 0, "c": None, "t": None}),
                    "state": {"values": {}},
                },
            }
        )
        assert reply.status == 200, callback_id
        assert reply.json()["response_action"] == "errors"
