"""Helpers the fake Teams' tests share: a refused SDK call, a 1:1 chat, cards."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import aiohttp
import pytest
from microsoft_agents.activity import Activity, Attachment, ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from bot.sandbox.faketeams import ADAPTIVE_CARD, User


async def refusal(call: Awaitable[Any]) -> aiohttp.ClientResponseError:
    """Await an SDK call that must fail over HTTP and return its error."""
    with pytest.raises(aiohttp.ClientResponseError) as raised:
        await call
    return raised.value


async def open_chat(client: ConnectorClient, user: User) -> str:
    """The id of the bot's 1:1 chat with ``user``, created as the SDK does proactively."""
    created = await client.conversations.create_conversation(
        ConversationParameters(
            is_group=False, members=[ChannelAccount(id=user.id)], tenant_id=user.tenant_id
        )
    )
    assert created.id is not None
    return created.id


def card(**extra: Any) -> dict[str, Any]:
    """A valid Adaptive Card with one Universal Action button (and ``extra`` top-level keys)."""
    return {
        "type": "AdaptiveCard",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": "How is the flow?"}],
        "actions": [
            {"type": "Action.Execute", "title": "Yes", "verb": "answer", "data": {"a": "yes"}},
            {"type": "Action.Execute", "title": "No", "verb": "answer", "data": {"a": "no"}},
        ],
        **extra,
    }


def card_message(content: dict[str, Any]) -> Activity:
    """A message carrying ``content`` as an Adaptive Card attachment."""
    return Activity(
        type="message", attachments=[Attachment(content_type=ADAPTIVE_CARD, content=content)]
    )
