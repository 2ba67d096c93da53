"""Who is who in a Slack workspace, read with as few calls as Slack's limits ask for.

Slack's user objects become platform-neutral ``PersonInfo`` here, and everyone read is kept:

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
  ``users.info`` only for a last unseen one: no ``users.info`` per member per round.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.domain.away import ChatStatus
from bot.domain.views import PersonInfo

SLACKBOT_ID = "USLACKBOT"
PERSON_CACHE_TTL = timedelta(minutes=5)
DIRECTORY_TTL = timedelta(minutes=15)
USERS_INFO_AT_MOST = 20
# A fan-out reading its members' statuses pages the directory unless at most this many are
# unknown (``SlackPeople.statuses``).
STATUS_USERS_INFO_AT_MOST = 1
PAGE_SIZE = 1000  # the most Slack gives per page of conversations.members and users.list
MAX_KEPT = 200_000  # people kept in memory

# The ``token`` argument of a call for a workspace ({} in single-workspace mode).
Auth = Callable[[str | None], Awaitable[dict[str, Any]]]


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


class SlackPeople:
    """The people of the workspaces this process serves, as Slack's Web API tells them.

    Args:
        client: the Web API client.
        clock: when what is kept was read.
        auth: the ``token`` argument for a workspace's calls.
        concurrency: how many users.info look-ups run at once.
    """

    def __init__(
        self, *, client: AsyncWebClient, clock: Clock, auth: Auth, concurrency: int = 8
    ) -> None:
        self.client = client
        self.clock = clock
        self.concurrency = concurrency
        self._auth = auth
        self._people: dict[tuple[str, str], tuple[datetime, PersonInfo]] = {}
        # Where the last paging of a workspace's directory for statuses stopped: when that pass
        # began, and the cursor of its next page ("" once it reached the end). Within
        # DIRECTORY_TTL of its start the next one resumes there (the pages before are known):
        # a 10,000-member round's batches read each page once, not from the first page again.
        self._passes: dict[str, tuple[datetime, str]] = {}

    def forget_workspace(self, workspace_id: str) -> None:
        """Drop everyone kept of a workspace (after it uninstalled the app)."""
        for key in [k for k in self._people if k[0] == workspace_id]:
            del self._people[key]
        self._passes.pop(workspace_id, None)

    def clear(self) -> None:
        """Forget everyone: the next look-up asks Slack."""
        self._people.clear()
        self._passes.clear()

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
            cursor = next_cursor(response)
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
            cursor = next_cursor(response)
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
            self.clear()  # rare: start over rather than track recency
        self._people[(workspace_id, person.user_id)] = (self.clock.now(), person)
        return person


def next_cursor(response: Any) -> str | None:
    """The cursor of a paged answer's next page, or None after the last page."""
    return (response.get("response_metadata") or {}).get("next_cursor") or None
