"""Speaking first in Teams: one-to-one chats, sends, updates and rosters through the SDK.

Calls go through a connector client from the SDK's own client factory (the one its adapter
uses), which carries the bot's token (MSAL's, cached by MSAL; none in anonymous mode). One
client per service URL is kept for ``CLIENT_TTL_SECONDS`` — well inside a token's lifetime —
instead of a new client, HTTP session and turn per call; a 401 drops it and tries once more
with a fresh one.

Teams throttles bots per conversation and per bot: a call answered 429 (or 5xx) waits for the
``Retry-After`` Teams gives (or a growing backoff) and is tried again, up to ``max_attempts``;
only then does it fail, as a *passing* ``PlatformError`` the ledger retries later. After the
first 429 the bot's calls are paced (``bot.delivery.pacing.SendPacer``, the same pacer as
Slack's DMs) at what Teams accepted, so the senders stop colliding with the limit. A person
never sees a 429, and a refused send is never counted as sent.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.delivery.pacing import SendPacer
from bot.delivery.platform import PlatformError
from bot.metrics import TEAMS, Metrics
from bot.teams.host import CONNECTOR_AUDIENCE, TeamsHost

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
MAX_WAIT_SECONDS = 60.0
PACE_KEY = "bot"  # Teams' per-bot limit spans every conversation (and tenant) of the bot
ROSTER_PAGE_SIZE = 500  # the largest page Teams serves
CLIENT_TTL_SECONDS = 600.0

type Op[T] = Callable[[ConnectorClientBase], Awaitable[T]]


def retry_after(exc: aiohttp.ClientResponseError, attempt: int) -> float:
    """Seconds to wait before trying again: Teams' ``Retry-After``, else 1, 2, 4… seconds."""
    header = exc.headers.get("Retry-After") if exc.headers is not None else None
    try:
        wait = float(header) if header is not None else 2.0**attempt
    except ValueError:
        wait = 2.0**attempt
    return max(0.0, min(wait, MAX_WAIT_SECONDS))


def _passing(status: int) -> bool:
    return status == 429 or status >= 500


class TeamsConnector:
    """Proactive Bot Connector calls, retried through Teams' throttling.

    Args:
        host: the SDK host (its adapter makes the connector clients).
        max_attempts: tries per call before it fails as passing.
        sleep: how to wait (tests may speed it up).
        concurrency: calls in flight at once, for this process.
        pacer: spaces the bot's calls once Teams has throttled them.
        monotonic: the clock of the clients' time to live.
        metrics: counts each 429 Teams answers.
    """

    def __init__(
        self,
        *,
        host: TeamsHost,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        concurrency: int = 8,
        pacer: SendPacer | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        metrics: Metrics | None = None,
    ) -> None:
        self.host = host
        self.metrics = metrics or Metrics(platforms=(TEAMS,))
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._slots = asyncio.Semaphore(concurrency)
        self.pacer = pacer or SendPacer()
        self._monotonic = monotonic
        self._clients: dict[str, tuple[float, ConnectorClientBase]] = {}
        self._retired: list[tuple[float, ConnectorClientBase]] = []
        self._client_lock = asyncio.Lock()
        self.throttled = 0  # 429s met (and waited out), for the benchmarks and the logs

    async def create_chat(
        self, *, service_url: str, tenant_id: str, bot_id: str, user_id: str
    ) -> str:
        """The id of the bot's one-to-one chat with a user (Teams returns the same one again)."""
        params = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=bot_id),
            members=[ChannelAccount(id=user_id)],
            tenant_id=tenant_id,
            channel_data={"tenant": {"id": tenant_id}},
        )

        async def create(client: ConnectorClientBase) -> str:
            return str((await client.conversations.create_conversation(params)).id)

        return await self.call(service_url, create)

    async def send(self, *, service_url: str, conversation_id: str, activity: Activity) -> str:
        """Post an activity to a conversation; the id of the activity Teams stored."""

        async def send(client: ConnectorClientBase) -> str:
            sent = await client.conversations.send_to_conversation(conversation_id, activity)
            return str(sent.id or "")

        return await self.call(service_url, send)

    async def update(
        self, *, service_url: str, conversation_id: str, activity_id: str, activity: Activity
    ) -> None:
        """Replace a sent activity in place."""
        activity = activity.model_copy(
            update={"id": activity_id, "conversation": ConversationAccount(id=conversation_id)}
        )

        async def update(client: ConnectorClientBase) -> None:
            await client.conversations.update_activity(conversation_id, activity_id, activity)

        await self.call(service_url, update)

    async def roster(self, *, service_url: str, conversation_id: str) -> list[dict[str, Any]]:
        """Everyone in a team (or chat), page by page, as Teams describes them."""
        people: list[dict[str, Any]] = []
        token: str | None = None
        while True:

            async def page(client: ConnectorClientBase, token: str | None = token) -> Any:
                return await client.conversations.get_conversation_paged_members(
                    conversation_id, page_size=ROSTER_PAGE_SIZE, continuation_token=token
                )

            result = await self.call(service_url, page)
            people.extend(m.model_dump(by_alias=True, exclude_none=True) for m in result.members)
            token = result.continuation_token
            if not token:
                return people

    async def member(
        self, *, service_url: str, conversation_id: str, user_id: str
    ) -> dict[str, Any] | None:
        """One person of a team, or None when Teams does not know them there."""

        async def member(client: ConnectorClientBase) -> Any:
            return await client.conversations.get_conversation_member(conversation_id, user_id)

        try:
            found = await self.call(service_url, member)
        except PlatformError as exc:
            if exc.reason in ("http_404", "http_403"):
                return None
            raise
        return dict(found.model_dump(by_alias=True, exclude_none=True))

    async def call[T](self, service_url: str, op: Op[T]) -> T:
        """Run ``op`` on a connector client, through 429s, server errors and token expiry."""
        fresh_token_tried = False
        attempt = 0
        while True:
            try:
                async with self._slots:
                    await self.pacer.turn(PACE_KEY)
                    result = await op(await self._client(service_url))
                self.pacer.accepted(PACE_KEY)
                return result
            except aiohttp.ClientResponseError as exc:
                if exc.status == 401 and not fresh_token_tried:
                    fresh_token_tried = True  # a token gone stale early: once more, anew
                    await self._drop_client(service_url)
                    continue
                attempt += 1
                if exc.status == 429:
                    self.metrics.limited(TEAMS)
                if not _passing(exc.status) or attempt == self.max_attempts:
                    raise PlatformError(f"http_{exc.status}", passing=_passing(exc.status)) from exc
                wait = retry_after(exc, attempt - 1)
                if exc.status == 429:
                    self.throttled += 1
                    self.pacer.limited(PACE_KEY, retry_after=wait)
                log.info("Teams answered %s; trying again in %.1f s", exc.status, wait)
                await self._sleep(wait)
            except (aiohttp.ClientError, TimeoutError) as exc:
                attempt += 1
                if attempt == self.max_attempts:
                    raise PlatformError(type(exc).__name__, passing=True) from exc
                await self._sleep(min(2.0 ** (attempt - 1), MAX_WAIT_SECONDS))

    async def _client(self, service_url: str) -> ConnectorClientBase:
        """The kept client for ``service_url``, or a new one when it is older than its TTL."""
        now = self._monotonic()
        kept = self._clients.get(service_url)
        if kept is not None and now - kept[0] < CLIENT_TTL_SECONDS:
            return kept[1]
        async with self._client_lock:
            kept = self._clients.get(service_url)
            if kept is not None and now - kept[0] < CLIENT_TTL_SECONDS:
                return kept[1]
            identity = self.host.outgoing_identity()
            client = await self.host.clients.create_connector_client(
                None,
                identity,
                service_url,
                CONNECTOR_AUDIENCE,
                use_anonymous=identity.allow_anonymous,
            )
            if kept is not None:
                await self._retire(kept[1])
            self._clients[service_url] = (now, client)
            return client

    async def _drop_client(self, service_url: str) -> None:
        async with self._client_lock:
            kept = self._clients.pop(service_url, None)
            if kept is not None:
                await self._retire(kept[1])

    async def _retire(self, client: ConnectorClientBase) -> None:
        """Keep a replaced client open for the calls still using it; close the ones replaced
        a whole TTL ago (longer than any request lasts: aiohttp gives up after 5 minutes)."""
        now = self._monotonic()
        done = [c for at, c in self._retired if now - at > CLIENT_TTL_SECONDS]
        self._retired = [(at, c) for at, c in self._retired if now - at <= CLIENT_TTL_SECONDS]
        self._retired.append((now, client))
        for old in done:
            await old.close()

    async def aclose(self) -> None:
        """Close every client (their HTTP sessions) on shutdown."""
        clients = [c for _, c in self._clients.values()] + [c for _, c in self._retired]
        self._clients.clear()
        self._retired.clear()
        for client in clients:
            await client.close()
