"""Release pulse clicks: a member's answer to "Did a customer accept *v2.3*?"."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from bot.delivery.platform import SentMessage
from bot.slack.blocks.release import RELEASE_ACTION_PREFIX, ReleaseClick
from bot.slack.context import AppContext
from bot.slack.listeners.shared import tolerate_slack_errors

log = logging.getLogger(__name__)

RELEASE_ACTION = re.compile("^" + re.escape(RELEASE_ACTION_PREFIX) + r"(yes|partly|no|not_sure)$")
NOT_ASKED_TEXT = "This release pulse was not sent to you, so I cannot record an answer for you."


def register(app: AsyncApp, ctx: AppContext) -> None:
    app.action(RELEASE_ACTION)(tolerate_slack_errors(_answer(ctx)))


def _answer(ctx: AppContext) -> Any:
    async def handle_release_answer(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]
    ) -> None:
        await ack()
        response_url = body.get("response_url")
        try:
            click = ReleaseClick.decode(str(action.get("value", "")))
        except ValueError:
            click = None
        workspace_id = str(body["team"]["id"])
        user_id = str(body["user"]["id"])
        view = (
            await ctx.services.releases.answer(
                workspace_id=workspace_id,
                release_id=click.release_id,
                user_id=user_id,
                value=click.value,
            )
            if click is not None
            else None
        )
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts")
        if view is not None and channel and ts:
            await ctx.platform.replace_release_pulse(
                workspace_id=workspace_id,
                sent=SentMessage(channel_id=str(channel), ts=str(ts)),
                pulse=view,
                response_url=str(response_url) if response_url else None,
            )
        elif view is None and response_url:
            await ctx.gateway.respond(
                response_url=str(response_url),
                message={"text": NOT_ASKED_TEXT},
                replace_original=False,
            )

    return handle_release_answer
