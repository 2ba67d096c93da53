"""The ``views.*`` methods: modals and Home tabs."""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.sandbox.fakeslack import FakeSlack
from tests.bot.sandbox.fakeslack.support import error_of


async def test_views_open_update_and_publish(fake: FakeSlack, client: AsyncWebClient) -> None:
    modal = {
        "type": "modal",
        "title": {"type": "plain_text", "text": "Add a note"},
        "submit": {"type": "plain_text", "text": "Save"},
        "callback_id": "note",
        "blocks": [
            {
                "type": "input",
                "block_id": "evidence",
                "label": {"type": "plain_text", "text": "Evidence"},
                "element": {"type": "plain_text_input", "action_id": "text", "max_length": 500},
            }
        ],
    }
    home = {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*payments*"}}],
    }

    opened = await client.views_open(trigger_id="1.2.abc", view=modal)
    reused = await error_of(client.views_open(trigger_id="1.2.abc", view=modal))
    missing = await error_of(client.views_open(trigger_id="", view=modal))
    long_title = {**modal, "title": {"type": "plain_text", "text": "A title longer than 24 chars"}}
    too_long = await error_of(client.views_open(trigger_id="3.4.def", view=long_title))
    updated = await client.views_update(
        view_id=opened["view"]["id"], view={**modal, "callback_id": "note2"}
    )
    published = await client.views_publish(user_id="U1", view=home)

    assert opened["view"]["callback_id"] == "note"
    assert reused.response["error"] == "exchanged_trigger_id"
    assert missing.response["error"] == "invalid_arguments"
    assert too_long.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    assert updated["view"]["id"] == opened["view"]["id"]
    assert fake.views[opened["view"]["id"]]["callback_id"] == "note2"
    assert fake.home_views["U1"]["blocks"] == home["blocks"]
    assert published["view"]["type"] == "home"
    assert fake.calls_to("views.open")[0].args["view"] == modal
