"""SDO Pulse's core, spoken in Slack: ``ChatPlatform`` over the Web API.

Views become Block Kit (``bot.slack.blocks``), calls go through the ``SlackGateway``, pictures
are uploaded once (``bot.delivery.pictures``), and every Slack refusal or outage comes out as a
``PlatformError`` — the core never sees a ``SlackApiError``.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.delivery.pictures import Pictures
from bot.delivery.platform import ImageRef, PlatformError, SentMessage
from bot.domain.away import ChatStatus
from bot.domain.model import Team
from bot.domain.releases import ReleasePulseView
from bot.domain.views import DigestView, PersonInfo, PulseView, ReminderView
from bot.metrics import SLACK, Metrics
from bot.slack.blocks.digest import digest_message
from bot.slack.blocks.pulse import pulse_message
from bot.slack.blocks.release import release_message
from bot.slack.blocks.reminder import reminder_message
from bot.slack.gateway import NotInstalledError, SlackGateway, UploadError

# Refusals that pass: a rotating token that expired before it was refreshed (Slack down then).
PASSING_ERRORS = frozenset({"token_expired"})
# A round's pulse is the same message for every member (until they click): built once.
_pulse_message = functools.lru_cache(maxsize=256)(pulse_message)


def slack_reason(exc: SlackApiError) -> str:
    """Slack's short name for a refusal (``not_in_channel``…), or the HTTP status."""
    return str(exc.response.get("error") or f"http_{exc.response.status_code}")


@asynccontextmanager
async def platform_errors() -> AsyncIterator[None]:
    """Slack's exceptions as ``PlatformError``: a 429 or 5xx (after the client's retries), a
    dropped connection or an expired rotating token (refreshed at a later read) is passing; any
    other refusal is final."""
    try:
        yield
    except SlackApiError as exc:
        status = getattr(exc.response, "status_code", 200)
        reason = slack_reason(exc)
        passing = status == 429 or status >= 500 or reason in PASSING_ERRORS
        raise PlatformError(reason, passing=passing) from exc
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise PlatformError(type(exc).__name__, passing=True) from exc
    except NotInstalledError as exc:
        raise PlatformError("not_installed", passing=False) from exc
    except UploadError as exc:
        raise PlatformError(str(exc), passing=True) from exc


class SlackPlatform:
    """The ``ChatPlatform`` of Slack.

    Args:
        gateway: the Web API calls.
        metrics: counts the pulse DMs sent and refused, and the digests posted.
    """

    def __init__(self, *, gateway: SlackGateway, metrics: Metrics | None = None) -> None:
        self.gateway = gateway
        self.metrics = metrics or Metrics()
        self.pictures = Pictures(host=self)

    async def send_pulse(self, *, workspace_id: str, user_id: str, pulse: PulseView) -> SentMessage:
        try:
            async with platform_errors():
                sent = await self.gateway.send_dm(
                    user_id=user_id, message=_pulse_message(pulse), workspace_id=workspace_id
                )
        except PlatformError as exc:
            if not exc.passing:
                self.metrics.dm_failed(SLACK)
            raise
        self.metrics.dm_sent(SLACK)
        return sent

    async def update_pulse(self, *, workspace_id: str, sent: SentMessage, pulse: PulseView) -> None:
        async with platform_errors():
            await self.gateway.update(
                channel_id=sent.channel_id,
                ts=sent.ts,
                message=pulse_message(pulse),
                workspace_id=workspace_id,
            )

    async def send_release_pulse(
        self, *, workspace_id: str, user_id: str, pulse: ReleasePulseView
    ) -> SentMessage:
        async with platform_errors():
            return await self.gateway.send_dm(
                user_id=user_id, message=release_message(pulse), workspace_id=workspace_id
            )

    async def replace_release_pulse(
        self,
        *,
        workspace_id: str,
        sent: SentMessage,
        pulse: ReleasePulseView,
        response_url: str | None,
    ) -> None:
        """Show a release pulse DM with the member's answer (Slack only, like ``replace_pulse``)."""
        message = release_message(pulse)
        if response_url and await self.gateway.replace_message(
            response_url=response_url, message=message
        ):
            return
        async with platform_errors():
            await self.gateway.update(
                channel_id=sent.channel_id, ts=sent.ts, message=message, workspace_id=workspace_id
            )

    async def replace_pulse(
        self,
        *,
        workspace_id: str,
        sent: SentMessage,
        pulse: PulseView,
        response_url: str | None,
    ) -> None:
        """Show a member's pulse DM anew after their click: Slack only, outside ``ChatPlatform``.

        Through the click's response_url when there is one: no Web API method, so it does not
        queue behind ``chat.update``'s Tier 3 (~50 a minute per workspace) when a whole team
        answers at once. ``chat.update`` only when there is none or Slack refused it.

        Args:
            workspace_id: The member's workspace.
            sent: The DM the button is in.
            pulse: What it shows now.
            response_url: The click's (or the note modal's "Add a note" click's), if any.

        Raises:
            PlatformError: ``chat.update`` failed too.
        """
        message = pulse_message(pulse)
        if response_url and await self.gateway.replace_message(
            response_url=response_url, message=message
        ):
            return
        async with platform_errors():
            await self.gateway.update(
                channel_id=sent.channel_id, ts=sent.ts, message=message, workspace_id=workspace_id
            )

    async def remind(self, *, workspace_id: str, channel_id: str, reminder: ReminderView) -> None:
        async with platform_errors():
            await self.gateway.post(
                channel_id=channel_id,
                message=reminder_message(reminder),
                workspace_id=workspace_id,
            )

    async def post_digest(self, *, team: Team, digest: DigestView) -> SentMessage:
        message = await self.digest_message(digest)
        async with platform_errors():
            posted = await self.gateway.post(
                channel_id=team.channel_id, message=message, workspace_id=team.workspace_id
            )
        self.metrics.digest_posted(SLACK)
        return posted

    async def digest_message(self, view: DigestView) -> dict[str, Any]:
        """The digest with its pictures (the round, and the trend once there is one)."""
        picture = await self.pictures.digest(view)
        trend_picture = None
        if sum(r is not None for r in view.trend.regions) >= 2:
            trend_picture = await self.pictures.trend(
                workspace=view.team.workspace_id,
                team_id=view.team.id,
                team=view.team.name,
                regions=view.trend.regions,
                last_round_id=view.round.round.id,
            )
        return digest_message(view, picture=picture, trend_picture=trend_picture)

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        async with platform_errors():
            return await self.gateway.person(workspace_id=workspace_id, user_id=user_id)

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        async with platform_errors():
            return await self.gateway.channel_humans(
                workspace_id=workspace_id, channel_id=channel_id
            )

    async def statuses(
        self, *, workspace_id: str, user_ids: Sequence[str]
    ) -> dict[str, ChatStatus]:
        async with platform_errors():
            return await self.gateway.statuses(workspace_id=workspace_id, user_ids=user_ids)

    async def upload_picture(
        self, *, workspace_id: str, png: bytes, filename: str, title: str, alt_text: str
    ) -> ImageRef:
        async with platform_errors():
            file_id = await self.gateway.upload_png(
                png=png,
                filename=filename,
                title=title,
                alt_text=alt_text,
                workspace_id=workspace_id,
            )
        return ImageRef(file_id=file_id, alt_text=alt_text, title=title)
