"""Play Teams' part against a bot: post activities to its messaging endpoint over HTTP.

``TeamsSimulator`` builds activities with ``activities`` for the people and teams of a
``FakeTeams`` (whose ``service_url`` they carry, so the bot answers into the fake) and posts
them to ``{app_url}/api/messages``, with ``Authorization: Bearer <token>`` when given one.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import TracebackType
from typing import Any, Self

import aiohttp

from bot.sandbox.faketeams import activities
from bot.sandbox.faketeams.activities import Mention, Place
from bot.sandbox.faketeams.cards import elements
from bot.sandbox.faketeams.directory import Team, User
from bot.sandbox.faketeams.protocol import JsonDict
from bot.sandbox.faketeams.server import FakeTeams
from bot.sandbox.faketeams.validation import ADAPTIVE_CARD

Reply = tuple[int, Any]


class TeamsSimulator:
    """Posts Teams activities to a bot; reuses one HTTP session inside ``async with``.

    Args:
        app_url: The bot's base URL, e.g. ``http://127.0.0.1:3978``.
        fake: The fake Teams the people, teams and cards come from.
        token: The bearer token the convenience methods send (``post`` sends only its own).
        path: The messaging endpoint's path.
    """

    def __init__(
        self,
        app_url: str,
        fake: FakeTeams,
        *,
        token: str | None = None,
        path: str = "/api/messages",
    ) -> None:
        self.endpoint = app_url.rstrip("/") + path
        self.fake = fake
        self.token = token
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def post(self, activity: JsonDict, token: str | None = None) -> Reply:
        """POST ``activity`` as JSON; returns the status and the decoded JSON (or the text)."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self._session is not None:
            return await _post(self._session, self.endpoint, activity, headers)
        async with aiohttp.ClientSession() as session:
            return await _post(session, self.endpoint, activity, headers)

    # --- places

    def in_channel(self, team: Team, channel_id: str | None = None) -> Place:
        """A channel of ``team`` (General unless ``channel_id``), for a new post."""
        return Place.channel(
            service_url=self.fake.service_url, bot=self.fake.bot, team=team, channel_id=channel_id
        )

    def chat_with(self, user: User) -> Place:
        """The bot's 1:1 chat with ``user`` (opened in the fake)."""
        return Place.personal(
            service_url=self.fake.service_url,
            bot=self.fake.bot,
            tenant_id=user.tenant_id,
            conversation_id=self.fake.personal_conversation_id(user),
        )

    def where_card_is(self, card_id: str) -> Place:
        """Where the bot's activity ``card_id`` is: a 1:1 chat, or its thread in a channel."""
        found = self.fake.find_activity(card_id)
        if found is None:
            raise ValueError(f"the fake holds no activity {card_id!r}")
        conversation_id, _ = found
        user_id = self.fake.personal_chats.get(conversation_id)
        if user_id is not None:
            return self.chat_with(self.fake.users[user_id])
        team = self.fake.team_of(conversation_id)
        if team is None:
            raise ValueError(f"no team or chat holds {conversation_id!r}")
        # A card posted to the channel started a thread; one posted in a thread is in it.
        sent_to = next(
            (sent.conversation_id for sent in self.fake.sent if sent.activity_id == card_id),
            conversation_id,
        )
        thread_id = (
            sent_to if ";messageid=" in sent_to else f"{conversation_id};messageid={card_id}"
        )
        return Place.channel(
            service_url=self.fake.service_url,
            bot=self.fake.bot,
            team=team,
            channel_id=conversation_id,
            thread_id=thread_id,
        )

    # --- what people do

    async def install(self, team: Team, *, by: User | None = None) -> Reply:
        """Someone adds the bot to ``team`` (by default its first member)."""
        team.bot_installed = True
        activity = activities.bot_installed(self.in_channel(team), by=by or self._someone(team))
        return await self.post(activity, self.token)

    async def uninstall(self, team: Team, *, by: User | None = None) -> Reply:
        """Someone removes the bot from ``team``: the fake then refuses its conversations."""
        team.bot_installed = False
        activity = activities.bot_removed(self.in_channel(team), by=by or self._someone(team))
        return await self.post(activity, self.token)

    async def add_members(
        self, team: Team, users: Sequence[User], *, by: User | None = None
    ) -> Reply:
        """People join ``team``: on its roster in the fake, and announced to the bot."""
        by = by or self._someone(team)
        self.fake.add_members(team.id, users)
        activity = activities.members_added(self.in_channel(team), members=users, by=by)
        return await self.post(activity, self.token)

    async def remove_members(
        self, team: Team, users: Sequence[User], *, by: User | None = None
    ) -> Reply:
        """People leave ``team``: off its roster in the fake, and announced to the bot."""
        self.fake.remove_members(team.id, users)
        by = by or self._someone(team)
        activity = activities.members_removed(self.in_channel(team), members=users, by=by)
        return await self.post(activity, self.token)

    async def say(
        self,
        user: User,
        text: str,
        *,
        in_channel: Team | str | None = None,
        mentions: Sequence[Mention] = (),
    ) -> Reply:
        """``user`` writes ``text``: @mentioning the bot in a channel (a ``Team`` for its
        General channel, or a channel id), else in their 1:1 chat with it."""
        if in_channel is None:
            place = self.chat_with(user)
        elif isinstance(in_channel, Team):
            place = self.in_channel(in_channel)
        else:
            team = self.fake.team_of(in_channel)
            if team is None:
                raise ValueError(f"no team has the channel {in_channel!r}")
            place = self.in_channel(team, in_channel)
        activity = activities.message(place, sender=user, text=text, mentions=mentions)
        return await self.post(activity, self.token)

    async def click(
        self, user: User, card_id: str, data: JsonDict | None = None, *, verb: str | None = None
    ) -> Reply:
        """``user`` clicks an ``Action.Execute`` of the bot's card ``card_id``.

        Args:
            user: Who clicks.
            card_id: The card's activity id (what the fake answered the send with).
            data: The action's data with the inputs merged in; by default the button's own.
            verb: The button's verb; by default that of the first button whose data is
                contained in ``data``.
        """
        button = _button(self.fake, card_id, data, verb)
        own = button.get("data")
        sent = {**(own if isinstance(own, dict) else {}), **(data or {})}
        activity = activities.card_action(
            self.where_card_is(card_id),
            sender=user,
            verb=verb or str(button["verb"]),
            data=sent,
            reply_to_id=card_id,
        )
        return await self.post(activity, self.token)

    async def open_note(self, user: User, data: JsonDict, *, card_id: str | None = None) -> Reply:
        """``user`` opens a dialog (``task/fetch``) from the card ``card_id`` or their chat."""
        place = self.where_card_is(card_id) if card_id else self.chat_with(user)
        activity = activities.task_fetch(place, sender=user, data=data, reply_to_id=card_id)
        return await self.post(activity, self.token)

    async def submit_note(self, user: User, data: JsonDict, *, card_id: str | None = None) -> Reply:
        """``user`` submits the dialog's form (``task/submit``) with ``data``."""
        place = self.where_card_is(card_id) if card_id else self.chat_with(user)
        activity = activities.task_submit(place, sender=user, data=data, reply_to_id=card_id)
        return await self.post(activity, self.token)

    def _someone(self, team: Team) -> User:
        if not team.member_ids:
            raise ValueError(f"team {team.name!r} has no members to act; pass by=")
        return self.fake.users[team.member_ids[0]]


async def _post(
    session: aiohttp.ClientSession, url: str, activity: JsonDict, headers: dict[str, str]
) -> Reply:
    async with session.post(url, json=activity, headers=headers) as response:
        text = await response.text()
        if response.content_type == "application/json" and text:
            return response.status, await response.json()
        return response.status, text


def _button(fake: FakeTeams, card_id: str, data: JsonDict | None, verb: str | None) -> JsonDict:
    """The ``Action.Execute`` of the card a click on it with ``data`` (or ``verb``) means."""
    found = fake.find_activity(card_id)
    if found is None:
        raise ValueError(f"the fake holds no activity {card_id!r}")
    buttons = [
        element
        for attachment in found[1].get("attachments") or []
        if isinstance(attachment, dict) and attachment.get("contentType") == ADAPTIVE_CARD
        for element in elements(attachment.get("content"))
        if element.get("type") == "Action.Execute"
    ]
    for button in buttons:
        if verb is not None:
            if button.get("verb") == verb:
                return button
            continue
        own = button.get("data")
        own = own if isinstance(own, dict) else {}
        if data is None or all(data.get(key) == value for key, value in own.items()):
            return button
    verbs = [button.get("verb") for button in buttons]
    raise ValueError(f"no Action.Execute of card {card_id} matches; its verbs: {verbs}")
