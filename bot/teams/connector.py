"""Speaking first in Teams: one-to-one chats, sends, updates and rosters through the SDK.

Every call runs in a proactive turn of the SDK's adapter (``continue_conversation_with_claims``),
so the connector client it hands us carries the bot's token (MSAL; none in anonymous mode).

Teams throttles bots per conversation and per bot: a call answered 429 (or 5xx) waits for the
``Retry-After`` Teams gives (or a growing backoff) and is tried again, up to ``max_attempts``;
only then does it fail, as a *passing* ``PlatformError`` the ledger retries later. A person
never sees a 429, and a refused send is never counted as sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from microsoft_agents.activity import (
    Activity,
    ChannelAccount,
    ConversationAccount,
    ConversationParameters,
)
from microsoft_agents.hosting.core import TurnContext
from microsoft_agents.hosting.core.connector import ConnectorClientBase

from bot.delivery.platform import PlatformError
from bot.teams.host import CHANNEL_ID, CONNECTOR_AUDIENCE, TeamsHost

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
MAX_WAIT_SECONDS = 60.0
ROSTER_PAGE_SIZE = 500  # the largest page Teams serves

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
    """

    def __init__(
        self,
        *,
        host: TeamsHost,
        max_attempts: int = MAX_ATTEMPTS,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        concurrency: int = 8,
    ) -> None:
        self.host = host
        self.max_attempts = max_attempts
        self._sleep = sleep
        self._slots = asyncio.Semaphore(concurrency)
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
        """Run ``op`` on a connector client, through 429s and server errors."""
        for attempt in range(self.max_attempts):
            try:
                async with self._slots:
                    return await self._once(service_url, op)
            except aiohttp.ClientResponseError as exc:
                last = attempt + 1 == self.max_attempts
                if not _passing(exc.status) or last:
                    raise PlatformError(f"http_{exc.status}", passing=_passing(exc.status)) from exc
                if exc.status == 429:
                    self.throttled += 1
                wait = retry_after(exc, attempt)
                log.info("Teams answered %s; trying again in %.1f s", exc.status, wait)
                await self._sleep(wait)
            except (aiohttp.ClientError, TimeoutError) as exc:
                if attempt + 1 == self.max_attempts:
                    raise PlatformError(type(exc).__name__, passing=True) from exc
                await self._sleep(min(2.0**attempt, MAX_WAIT_SECONDS))
        raise AssertionError("unreachable")  # pragma: no cover

    async def _once[T](self, service_url: str, op: Op[T]) -> T:
        results: list[T] = []
        errors: list[BaseException] = []

        async def turn(context: TurnContext) -> None:
            # Our own errors leave the turn as they are (the adapter's default handler would
            # post them into the chat).
            try:
                client = context.services.get(ConnectorClientBase)  # type: ignore[type-abstract]
                assert client is not None, "the adapter gives every proactive turn a client"
                results.append(await op(client))
            except Exception as exc:
                errors.append(exc)

        activity = Activity.model_validate(
            {
                "type": "event",
                "name": "sdo.proactive",
                "channelId": CHANNEL_ID,
                "serviceUrl": service_url,
                "conversation": {"id": "sdo.proactive"},
            }
        )
        await self.host.adapter.continue_conversation_with_claims(
            self.host.outgoing_identity(), activity, turn, audience=CONNECTOR_AUDIENCE
        )
        if errors:
            raise errors[0]
        return results[0]
