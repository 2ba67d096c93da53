"""Every Slack Web API call SDO Pulse makes, in one place, and no call it can do without.

The listeners call it directly for what only Slack has (modals, the App Home, response URLs);
the core reaches it through ``bot.slack.platform.SlackPlatform``. It turns Slack's user
objects into platform-neutral ``PersonInfo`` and keeps a cache of who is who.

Slack meters every method per workspace token, so calls are spent with care:

* a channel's people: ``conversations.members`` pages of 1,000, then ``users.info`` (Tier 4,
  ~100 a minute) only when at most ``USERS_INFO_AT_MOST`` are not known yet, otherwise the
  workspace directory by ``users.list`` pages of 1,000 (Tier 2, ~20 a minute: a 5,000-person
  workspace is 5 calls where ``users.info`` would be 5,000), stopping once at most 20 are
  left to look up one by one.
  Everyone read is kept ``DIRECTORY_TTL`` for setups and refreshes (a name or time zone a
  quarter of an hour old is fine), ``PERSON_CACHE_TTL`` for roles (admin rights change);
* a round's away check reads its members' statuses (``profile.status_*``, part of what is
  kept) from that cache; what is not there comes from ``users.list`` pages (one page serves
  a workspace of 1,000, and every team whose round opens within ``DIRECTORY_TTL``), with
  ``users.info`` only for a last unseen one: no ``users.info`` per member per round;
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
from datetime import UTC, datetime, timedelta
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
from bot.slack.dms import STALE_CHANNEL_ERRORS, DMChannels

log = logging.getLogger(__name__)

SLACKBOT_ID = "USLACKBOT"
PERSON_CACHE_TTL = timedelta(minutes=5)
DIRECTORY_TTL = timedelta(minutes=15)
USERS_INFO_AT_MOST = 20
# A fan-out reading its members' statuses pages the directory unless at most this many are
# unknown (``SlackGateway.statuses``).
STATUS_USERS_INFO_AT_MOST = 1
PAGE_SIZE = 1000  # the most Slack gives per page of conversations.members and users.list
MAX_KEPT = 200_000  # people, and published App Homes, kept in memory


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
        status=status_from_profile(profile),
        deleted=bool(user.get("deleted")),
    )


def status_from_profile(profile: dict[str, Any]) -> ChatStatus | None:
    """A profile's ``status_emoji``/``status_text`` and ``status_expiration`` (epoch seconds,
    0: it does not expire); None when it has neither emoji nor text."""
    emoji = str(profile.get("status_emoji") or "")[:100]
    text = str(profile.get("status_text") or "")[:200]
    if not emoji and not text:
        return None
    try:
        expiration = int(profile.get("status_expiration") or 0)
    except (TypeError, ValueError):
        expiration = 0
    expires_at = datetime.fromtimestamp(expiration, UTC) if expiration > 0 else None
    return ChatStatus(emoji=emoji, text=text, expires_at=expires_at)


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
        self._homes: dict[tuple[str | None, str], bytes] = {}
        # Where the last paging of a workspace's directory for statuses stopped: when that pass
        # began, and the cursor of its next page ("" once it reached the end). Within
        # DIRECTORY_TTL of its start the next one resumes there (the pages before are known):
        # a 10,000-member round's batches read each page once, not from the first page again.
        self._passes: dict[str, tuple[datetime, str]] = {}

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
        self._passes.pop(workspace_id, None)
        for home in [k for k in self._homes if k[0] == workspace_id]:
            del self._homes[home]
        if self.dms is not None:
            self.dms.forget_workspace(workspace_id)
        if self.tokens is not None:
            self.tokens.forget(workspace_id)

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        """users.info for one user, cached for a few minutes."""
        cached = self._known(workspace_id, user_id, PERSON_CACHE_TTL)
        if cached is not None:
            return cached
        response = await self.client.users_info(user=user_id, **await self._auth(workspace_id))
        return self._keep(workspace_id, person_from_user(response["user"]))

    async def known_person(self, *, workspace_id: str, user_id: str) -> PersonInfo | None:
        """``person``, or None when Slack knows no such user (users.info: ``user_not_found``)."""
        try:
            return await self.person(workspace_id=workspace_id, user_id=user_id)
        except SlackApiError as exc:
            if exc.response.get("error") == "user_not_found":
                return None
            raise

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        """The channel's human members: its member ids, then who they are (see the module)."""
        auth = await self._auth(workspace_id)
        user_ids: list[str] = []
        cursor: str | None = None
        while True:
            response = await self.client.conversations_members(
                channel=channel_id, limit=PAGE_SIZE, cursor=cursor, **auth
            )
            user_ids += response.get("members") or []
            cursor = _next_cursor(response)
            if not cursor:
                break
        wanted = [u for u in dict.fromkeys(user_ids) if u != SLACKBOT_ID]
        people = await self._look_up(workspace_id, wanted, auth)
        return [p for p in people if p.is_human]

    async def statuses(
        self, *, workspace_id: str, user_ids: Sequence[str]
    ) -> dict[str, ChatStatus]:
        """The chat statuses of these people (those who have one), as the directory read them
        within ``DIRECTORY_TTL`` (users.list and users.info carry ``profile.status_*``).

        A round's fan-out soon after a setup or a refresh costs no call. Otherwise the
        directory is read by users.list pages (Tier 2, 1,000 people each) until at most
        ``STATUS_USERS_INFO_AT_MOST`` of them are unseen, and those are looked up with
        users.info: never a users.info per member per round, and the pages read serve every
        team of the workspace whose round opens within ``DIRECTORY_TTL`` (the same hour, often).
        """
        auth = await self._auth(workspace_id)
        wanted = list(dict.fromkeys(user_ids))
        people = await self._look_up(
            workspace_id, wanted, auth, few=STATUS_USERS_INFO_AT_MOST, resume=True
        )
        return {p.user_id: p.status for p in people if p.status is not None}

    async def _look_up(
        self,
        workspace_id: str,
        wanted: list[str],
        auth: dict[str, Any],
        *,
        few: int = USERS_INFO_AT_MOST,
        resume: bool = False,
    ) -> list[PersonInfo]:
        """Who ``wanted`` are: from what is known, the directory's pages when more than ``few``
        are not (``resume``: from where the last such read stopped), users.info for the few
        left."""
        unknown = {u for u in wanted if self._known(workspace_id, u, DIRECTORY_TTL) is None}
        if len(unknown) > few:
            await self._read_directory(workspace_id, unknown, auth, few=few, resume=resume)
        gate = asyncio.Semaphore(self.concurrency)

        async def look_up(user_id: str) -> PersonInfo:
            known = self._known(workspace_id, user_id, DIRECTORY_TTL)
            if known is not None:
                return known
            async with gate:  # not in the directory (e.g. from another organisation)
                response = await self.client.users_info(user=user_id, **auth)
                return self._keep(workspace_id, person_from_user(response["user"]))

        return list(await asyncio.gather(*(look_up(u) for u in wanted)))

    async def _read_directory(
        self,
        workspace_id: str,
        wanted: set[str],
        auth: dict[str, Any],
        *,
        few: int = USERS_INFO_AT_MOST,
        resume: bool = False,
    ) -> None:
        """Page through users.list, keeping everyone, until at most ``few`` ``wanted`` are unseen.

        The last few are looked up with users.info (Tier 4, side by side): cheaper than one
        more Tier 2 page, which in a large workspace is the call that meets a 429. ``resume``:
        start where the workspace's last resumable pass stopped, if it began within
        ``DIRECTORY_TTL`` (after a pass that reached the end, read no page).
        """
        missing = set(wanted)
        cursor: str | None = None
        began = self.clock.now()
        kept = self._passes.get(workspace_id) if resume else None
        if kept is not None and began - kept[0] < DIRECTORY_TTL:
            began, cursor = kept[0], kept[1] or None
            if not kept[1]:
                return  # the whole directory was read: who is missing is not in it
        pages = 0
        while len(missing) > few:
            response = await self.client.users_list(limit=PAGE_SIZE, cursor=cursor, **auth)
            pages += 1
            for user in response.get("members") or []:
                person = self._keep(workspace_id, person_from_user(user))
                missing.discard(person.user_id)
            cursor = _next_cursor(response)
            if not cursor:
                break
        if resume and pages:
            self._passes[workspace_id] = (began, cursor or "")

    def _known(self, workspace_id: str, user_id: str, ttl: timedelta) -> PersonInfo | None:
        cached = self._people.get((workspace_id, user_id))
        if cached is not None and self.clock.now() - cached[0] < ttl:
            return cached[1]
        return None

    def _keep(self, workspace_id: str, person: PersonInfo) -> PersonInfo:
        if len(self._people) >= MAX_KEPT:
            self._people.clear()  # rare: start over rather than track recency
            self._passes.clear()
        self._people[(workspace_id, person.user_id)] = (self.clock.now(), person)
        return person

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
        async with self.session.post(
            str(url["upload_url"]), data=content, headers={"Content-Type": content_type}
        ) as uploaded:
            if uploaded.status >= 400:
                raise UploadError(f"upload_http_{uploaded.status}")
        file_id = str(url["file_id"])
        await self.client.files_completeUploadExternal(
            files=[{"id": file_id, "title": title}],
            channel_id=channel_id,
            initial_comment=comment,
            **auth,
        )
        return file_id

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
        webhook = AsyncWebhookClient(url=response_url, session=self.session)
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


def _next_cursor(response: Any) -> str | None:
    return (response.get("response_metadata") or {}).get("next_cursor") or None
