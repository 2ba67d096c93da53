"""Every Slack Web API call SDO Pulse makes, in one place, and no call it can do without.

The listeners call it directly for what only Slack has (modals, the App Home, response URLs);
the core reaches it through ``bot.slack.platform.SlackPlatform``. Who is who (users.info,
users.list, a channel's members, chat statuses) is ``bot.slack.people``, which it holds.

Slack meters every method per workspace token, so calls are spent with care:

* a first DM goes to the user id: ``chat.postMessage`` posts it into the bot's DM with them
  (the App Home's Messages tab) and answers with that channel, which is remembered
  (``bot.slack.dms``): no ``conversations.open`` (Tier 3, ~50 a minute) in any round;
* a DM is refreshed after a click through the click's response_url (``replace_message``: no
  Web API method, no tier), and with ``chat.update`` (Tier 3) only when that is refused;
* the App Home is published only when it changed since this process last published it.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.clock import Clock
from bot.delivery.pacing import SendPacer
from bot.delivery.platform import SentMessage
from bot.domain.away import ChatStatus
from bot.domain.views import PersonInfo
from bot.slack import retries
from bot.slack.dms import STALE_CHANNEL_ERRORS, DMChannels
from bot.slack.people import SlackPeople

log = logging.getLogger(__name__)

MAX_KEPT = 200_000  # published App Homes kept in memory


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
        self.people = SlackPeople(
            client=client, clock=clock, auth=self._auth, concurrency=concurrency
        )
        self._homes: dict[tuple[str | None, str], bytes] = {}

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
        self.people.forget_workspace(workspace_id)
        for home in [k for k in self._homes if k[0] == workspace_id]:
            del self._homes[home]
        if self.dms is not None:
            self.dms.forget_workspace(workspace_id)
        if self.tokens is not None:
            self.tokens.forget(workspace_id)

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        """users.info for one user, cached for a few minutes (``SlackPeople.person``)."""
        return await self.people.person(workspace_id=workspace_id, user_id=user_id)

    async def known_person(self, *, workspace_id: str, user_id: str) -> PersonInfo | None:
        """``person``, or None when Slack knows no such user (``SlackPeople.known_person``)."""
        return await self.people.known_person(workspace_id=workspace_id, user_id=user_id)

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        """The channel's human members (``SlackPeople.channel_humans``)."""
        return await self.people.channel_humans(workspace_id=workspace_id, channel_id=channel_id)

    async def statuses(
        self, *, workspace_id: str, user_ids: Sequence[str]
    ) -> dict[str, ChatStatus]:
        """The chat statuses of these people (``SlackPeople.statuses``)."""
        return await self.people.statuses(workspace_id=workspace_id, user_ids=user_ids)

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
        try:
            # Posted to the user id, the DM goes into the bot's DM with them, whose id the
            # answer carries: nothing to open.
            sent = await self._post_dm(user_id, message, auth)
        except SlackApiError as exc:
            if exc.response.get("error") != "channel_not_found":
                raise
            opened = await self.client.conversations_open(users=user_id, **auth)
            sent = await self._post_dm(str(opened["channel"]["id"]), message, auth)
        if dms is not None and workspace_id is not None:
            dms.remember(workspace_id=workspace_id, user_id=user_id, channel_id=sent.channel_id)
        return sent

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
        """views.publish, unless this exact view is what this process last published there."""
        key = (workspace_id, user_id)
        digest = hashlib.sha256(json.dumps(view, sort_keys=True).encode()).digest()
        if self._homes.get(key) == digest:
            return
        await self.client.views_publish(
            user_id=user_id, view=view, **await self._auth(workspace_id)
        )
        if len(self._homes) >= MAX_KEPT:
            self._homes.clear()
        self._homes[key] = digest

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
        await self._post_upload(str(url["upload_url"]), png, "image/png")
        file_id = str(url["file_id"])
        await self.client.files_completeUploadExternal(
            files=[{"id": file_id, "title": title}], **auth
        )
        return file_id

    async def send_file_dm(
        self,
        *,
        user_id: str,
        content: bytes,
        filename: str,
        title: str,
        comment: str,
        content_type: str = "text/csv",
        workspace_id: str | None = None,
    ) -> str:
        """Upload a file into a person's DM with the bot, with a comment; returns the file id.

        The DM channel is the one remembered from their pulse DMs (``bot.slack.dms``), else
        conversations.open's; then files.getUploadURLExternal → POST the bytes →
        files.completeUploadExternal shared into that channel (``channel_id``).
        """
        auth = await self._auth(workspace_id)
        channel_id = None
        if self.dms is not None and workspace_id is not None:
            channel_id = await self.dms.get(workspace_id=workspace_id, user_id=user_id)
        if channel_id is None:
            opened = await self.client.conversations_open(users=user_id, **auth)
            channel_id = str(opened["channel"]["id"])
        url = await self.client.files_getUploadURLExternal(
            filename=filename, length=len(content), **auth
        )
        await self._post_upload(str(url["upload_url"]), content, content_type)
        file_id = str(url["file_id"])
        await self.client.files_completeUploadExternal(
            files=[{"id": file_id, "title": title}],
            channel_id=channel_id,
            initial_comment=comment,
            **auth,
        )
        return file_id

    async def _post_upload(self, url: str, content: bytes, content_type: str) -> None:
        """POST a file's bytes to its upload URL, waiting out 5xx and dropped connections for
        a few seconds (``retries.SHORT_BACKOFF``; posting them again replaces them).

        Raises:
            UploadError: Slack refused them, or kept failing.
        """
        backoff, waited, tries = retries.SHORT_BACKOFF, 0.0, 0
        while True:
            try:
                async with self.session.post(
                    url, data=content, headers={"Content-Type": content_type}
                ) as uploaded:
                    status, what = uploaded.status, f"HTTP {uploaded.status}"
            except retries.CONNECTION_ERRORS as exc:
                status, what = None, type(exc).__name__
            if status is not None and status < 400:
                return
            if status is not None and status not in retries.SERVER_ERROR_STATUSES:
                raise UploadError(f"upload_http_{status}")
            delay = backoff.delay(tries)
            if waited + delay > backoff.max_wait_seconds:
                raise UploadError(f"upload_http_{status}" if status else "upload_unreachable")
            log.info("file upload: Slack answered %s; trying again in %.1f s", what, delay)
            await asyncio.sleep(delay)
            waited, tries = waited + delay, tries + 1

    async def respond(
        self,
        *,
        response_url: str,
        message: dict[str, Any],
        ephemeral: bool = True,
        replace_original: bool | None = None,
    ) -> bool:
        """Answer a slash command or an action through its response_url.

        Returns:
            Whether Slack took it; a refusal or a dropped connection is logged, not raised.
        """
        payload = dict(message)
        payload["response_type"] = "ephemeral" if ephemeral else "in_channel"
        if replace_original is not None:
            payload["replace_original"] = replace_original
        return await self._post_response(response_url, payload)

    async def replace_message(self, *, response_url: str, message: dict[str, Any]) -> bool:
        """Replace the message a clicked button sits in, through the click's response_url.

        A response URL is no Web API method: it has no rate-limit tier (Slack takes up to 5
        posts to each within 30 minutes, and every click brings a new one), where
        ``chat.update`` is Tier 3, ~50 a minute per workspace.

        Returns:
            Whether Slack took it (else ``update`` is the way left).
        """
        return await self._post_response(response_url, {**message, "replace_original": True})

    async def _post_response(self, response_url: str, payload: dict[str, Any]) -> bool:
        # Slack's 5xx (or a dropped connection) on a response URL is waited out a few seconds.
        patient = retries.PatientServerErrorRetryHandler(
            backoff=retries.SHORT_BACKOFF, name="response_url"
        )
        webhook = AsyncWebhookClient(
            url=response_url, session=self.session, retry_handlers=[patient]
        )
        try:
            response = await webhook.send_dict(payload)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("could not answer on the response_url: %s", type(exc).__name__)
            return False
        if response.status_code >= 400:
            log.warning("response_url answered %s", response.status_code)
            return False
        refused = _response_url_error(response.body)
        if refused is not None:
            log.warning("response_url refused it: %s", refused)
            return False
        return True


def _response_url_error(body: str) -> str | None:
    """The ``error`` of an ``{"ok": false}`` answer of a response URL (Slack may also answer a
    plain ``ok``), else None."""
    try:
        answer = json.loads(body)
    except ValueError:
        return None
    if isinstance(answer, dict) and answer.get("ok") is False:
        return str(answer.get("error") or "not_ok")
    return None
