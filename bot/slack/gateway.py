"""Every Slack Web API call SDO Pulse makes, in one place.

The listeners call it directly for what only Slack has (modals, the App Home, response URLs);
the core reaches it through ``bot.slack.platform.SlackPlatform``. It turns Slack's user
objects into platform-neutral ``PersonInfo`` and keeps a short cache of who is who.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.clock import Clock
from bot.delivery.pacing import SendPacer
from bot.delivery.platform import SentMessage
from bot.domain.views import PersonInfo
from bot.slack.dms import STALE_CHANNEL_ERRORS, DMChannels

log = logging.getLogger(__name__)

SLACKBOT_ID = "USLACKBOT"
PERSON_CACHE_TTL = timedelta(minutes=5)


def person_from_user(user: dict[str, Any]) -> PersonInfo:
    """Read a users.info ``user`` object: humans exclude bots, Slackbot and deactivated users."""
    profile = user.get("profile") or {}
    name = (
        profile.get("display_name")
        or user.get("real_name")
        or profile.get("real_name")
        or user.get("name")
        or user.get("id", "")
    )
    human = not (
        user.get("is_bot")
        or user.get("deleted")
        or user.get("id") == SLACKBOT_ID
        or user.get("is_app_user")
    )
    return PersonInfo(
        user_id=str(user.get("id", "")),
        name=str(name)[:200],
        tz=user.get("tz"),
        is_admin=bool(user.get("is_admin") or user.get("is_owner")),
        is_human=human,
    )


class UploadError(Exception):
    """The upload URL refused the file bytes."""


class NotInstalledError(Exception):
    """No bot token is stored for the workspace (never installed, uninstalled or revoked)."""


class TokenSource(Protocol):
    """Where the bot token of a workspace comes from in multi-workspace (OAuth) mode."""

    async def bot_token(self, workspace_id: str) -> str | None: ...

    def forget(self, workspace_id: str) -> None: ...


class SlackGateway:
    """The Slack side of SDO Pulse.

    Args:
        client: the Web API client (sharing the app's one aiohttp session). In
            single-workspace mode it carries the bot token.
        session: that session, also used for response_url posts.
        clock: for the person cache.
        concurrency: how many users.info look-ups run at once during setup.
        tokens: in multi-workspace mode, each workspace's bot token; every call then names
            its workspace.
    """

    def __init__(
        self,
        *,
        client: AsyncWebClient,
        session: aiohttp.ClientSession,
        clock: Clock,
        concurrency: int = 8,
        tokens: TokenSource | None = None,
        pacer: SendPacer | None = None,
        dms: DMChannels | None = None,
    ) -> None:
        self.client = client
        self.session = session
        self.clock = clock
        self.concurrency = concurrency
        self.tokens = tokens
        self.pacer = pacer
        self.dms = dms
        self._people: dict[tuple[str, str], tuple[datetime, PersonInfo]] = {}

    async def _auth(self, workspace_id: str | None) -> dict[str, Any]:
        """The ``token`` argument for a call on behalf of ``workspace_id`` (none: the client's)."""
        if self.tokens is None:
            return {}
        token = await self.tokens.bot_token(workspace_id) if workspace_id else None
        if not token:
            raise NotInstalledError(f"SDO Pulse is not installed in workspace {workspace_id}")
        return {"token": token}

    def forget_workspace(self, workspace_id: str) -> None:
        """Drop what is cached about a workspace (after it uninstalled the app)."""
        for key in [k for k in self._people if k[0] == workspace_id]:
            del self._people[key]
        if self.tokens is not None:
            self.tokens.forget(workspace_id)

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        """users.info for one user, cached for a few minutes."""
        key = (workspace_id, user_id)
        cached = self._people.get(key)
        now = self.clock.now()
        if cached and now - cached[0] < PERSON_CACHE_TTL:
            return cached[1]
        response = await self.client.users_info(user=user_id, **await self._auth(workspace_id))
        person = person_from_user(response["user"])
        self._people[key] = (now, person)
        return person

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        """The channel's human members (paginated conversations.members, then users.info)."""
        auth = await self._auth(workspace_id)
        user_ids: list[str] = []
        cursor: str | None = None
        while True:
            response = await self.client.conversations_members(
                channel=channel_id, limit=200, cursor=cursor, **auth
            )
            user_ids += response.get("members") or []
            cursor = (response.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        gate = asyncio.Semaphore(self.concurrency)

        async def look_up(user_id: str) -> PersonInfo:
            async with gate:
                return await self.person(workspace_id=workspace_id, user_id=user_id)

        people = await asyncio.gather(
            *(look_up(u) for u in dict.fromkeys(user_ids) if u != SLACKBOT_ID)
        )
        return [p for p in people if p.is_human]

    async def send_dm(
        self, *, user_id: str, message: dict[str, Any], workspace_id: str | None = None
    ) -> SentMessage:
        auth = await self._auth(workspace_id)
        dms = self.dms if workspace_id is not None else None
        if dms is not None and workspace_id is not None:
            channel_id = await dms.get(workspace_id=workspace_id, user_id=user_id)
            if channel_id is not None:
                try:
                    return await self._post_dm(channel_id, message, auth)
                except SlackApiError as exc:
                    if exc.response.get("error") not in STALE_CHANNEL_ERRORS:
                        raise
                    dms.forget(workspace_id=workspace_id, user_id=user_id)
        opened = await self.client.conversations_open(users=user_id, **auth)
        channel_id = str(opened["channel"]["id"])
        if dms is not None and workspace_id is not None:
            dms.remember(workspace_id=workspace_id, user_id=user_id, channel_id=channel_id)
        return await self._post_dm(channel_id, message, auth)

    async def _post_dm(
        self, channel_id: str, message: dict[str, Any], auth: dict[str, Any]
    ) -> SentMessage:
        if self.pacer is None:
            posted = await self.client.chat_postMessage(channel=channel_id, **message, **auth)
        else:
            # Once Slack has rate-limited this token, DMs go out at the pace it accepts.
            key = auth.get("token") or self.client.token or ""
            await self.pacer.turn(key)
            posted = await self.client.chat_postMessage(channel=channel_id, **message, **auth)
            self.pacer.accepted(key)
        return SentMessage(channel_id=posted["channel"], ts=posted["ts"])

    async def update(
        self, *, channel_id: str, ts: str, message: dict[str, Any], workspace_id: str | None = None
    ) -> None:
        await self.client.chat_update(
            channel=channel_id, ts=ts, **message, **await self._auth(workspace_id)
        )

    async def post(
        self, *, channel_id: str, message: dict[str, Any], workspace_id: str | None = None
    ) -> SentMessage:
        posted = await self.client.chat_postMessage(
            channel=channel_id, **message, **await self._auth(workspace_id)
        )
        return SentMessage(channel_id=posted["channel"], ts=posted["ts"])

    async def open_modal(
        self, *, trigger_id: str, view: dict[str, Any], workspace_id: str | None = None
    ) -> None:
        await self.client.views_open(
            trigger_id=trigger_id, view=view, **await self._auth(workspace_id)
        )

    async def publish_home(
        self, *, user_id: str, view: dict[str, Any], workspace_id: str | None = None
    ) -> None:
        await self.client.views_publish(
            user_id=user_id, view=view, **await self._auth(workspace_id)
        )

    async def upload_png(
        self,
        *,
        png: bytes,
        filename: str,
        title: str,
        alt_text: str,
        workspace_id: str | None = None,
    ) -> str:
        """Upload a picture with the files v2 flow; returns the file id for image blocks.

        files.getUploadURLExternal → POST the bytes to the upload URL →
        files.completeUploadExternal (shared to no channel: image blocks reference it).
        """
        auth = await self._auth(workspace_id)
        url = await self.client.files_getUploadURLExternal(
            filename=filename, length=len(png), alt_txt=alt_text[:1000], **auth
        )
        async with self.session.post(
            str(url["upload_url"]), data=png, headers={"Content-Type": "image/png"}
        ) as uploaded:
            if uploaded.status >= 400:
                raise UploadError(f"upload_http_{uploaded.status}")
        file_id = str(url["file_id"])
        await self.client.files_completeUploadExternal(
            files=[{"id": file_id, "title": title}], **auth
        )
        return file_id

    async def respond(
        self,
        *,
        response_url: str,
        message: dict[str, Any],
        ephemeral: bool = True,
        replace_original: bool | None = None,
    ) -> None:
        """Answer a slash command or an action through its response_url."""
        payload = dict(message)
        payload["response_type"] = "ephemeral" if ephemeral else "in_channel"
        if replace_original is not None:
            payload["replace_original"] = replace_original
        webhook = AsyncWebhookClient(url=response_url, session=self.session)
        try:
            response = await webhook.send_dict(payload)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not answer on the response_url: %s", type(exc).__name__)
            return
        if response.status_code >= 400:
            log.warning("response_url answered %s", response.status_code)
