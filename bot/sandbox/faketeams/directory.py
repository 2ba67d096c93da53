"""The directory: tenants, their teams and channels, their people, and the bot.

Ids have Teams' shapes and are derived from a counter, so a fake built the same way twice has
the same ids: users ``29:1…`` with an ``aadObjectId`` GUID, teams and channels
``19:…@thread.tacv2`` (a team's id is also its General channel's), the bot ``28:<app id>``.
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from bot.sandbox.faketeams.protocol import JsonDict, base_conversation_id

_NAMESPACE = uuid.UUID("5d0f3c8e-4a57-4a53-9b1e-7f0a2a6c1d00")


@dataclass(slots=True)
class User:
    """A person in a tenant (live: edits change later answers).

    Attributes:
        id: The bot-specific user id, ``29:1…``.
        aad_object_id: The Entra ID object id (a GUID).
        blocked_bot: The person blocked the bot: sends to their 1:1 chat get a 403.
        timezone: What their Teams client reports (``clientInfo``, ``localTimezone``).
        locale: Likewise (``locale``).
    """

    id: str
    aad_object_id: str
    name: str
    tenant_id: str
    email: str
    user_principal_name: str
    given_name: str
    surname: str
    user_role: str = "user"
    timezone: str = "Europe/Berlin"
    locale: str = "en-US"
    blocked_bot: bool = False

    def account(self) -> JsonDict:
        """The ``TeamsChannelAccount`` the roster APIs answer with."""
        return {
            "id": self.id,
            "name": self.name,
            "aadObjectId": self.aad_object_id,
            "givenName": self.given_name,
            "surname": self.surname,
            "email": self.email,
            "userPrincipalName": self.user_principal_name,
            "tenantId": self.tenant_id,
            "userRole": self.user_role,
        }

    def channel_account(self) -> JsonDict:
        """The ``from`` of an activity the person sends (and a mention's ``mentioned``)."""
        return {"id": self.id, "name": self.name, "aadObjectId": self.aad_object_id}


@dataclass(slots=True)
class Team:
    """A team: its channels and its roster (live).

    Attributes:
        channels: Channel id -> name, in order; the first is General, whose id is the team's
            and whose name the channel list leaves out, as Teams does.
        member_ids: Roster order of the members' user ids.
        bot_installed: False once the bot was removed: its conversations answer 403.
    """

    id: str
    tenant_id: str
    name: str
    aad_group_id: str
    channels: dict[str, str | None] = field(default_factory=dict)
    member_ids: list[str] = field(default_factory=list)
    bot_installed: bool = True

    @property
    def general_channel_id(self) -> str:
        """The General channel's id: the team's own."""
        return self.id


class Directory:
    """Who exists: a part of ``FakeTeams``, whose docstring describes the attributes."""

    def __init__(self, *, app_id: str, bot_name: str, tenant_id: str) -> None:
        """A directory holding one empty tenant and the bot.

        Args: as ``FakeTeams``'s.
        """
        self.app_id = app_id
        self.bot: JsonDict = {"id": f"28:{app_id}", "name": bot_name}
        self.tenant_id = tenant_id
        self.tenants: dict[str, str] = {}
        self.teams: dict[str, Team] = {}
        self.users: dict[str, User] = {}
        self._channel_teams: dict[str, str] = {}
        self._by_aad: dict[str, str] = {}
        self._serial = 0
        self.add_tenant(tenant_id, name="Contoso")

    @property
    def bot_id(self) -> str:
        """The bot's id in conversations, ``28:<app id>``."""
        return str(self.bot["id"])

    def add_tenant(self, tenant_id: str | None = None, *, name: str = "Fabrikam") -> str:
        """Add a tenant (an Entra ID directory) and return its id (a GUID unless given)."""
        tenant_id = tenant_id or str(uuid.uuid5(_NAMESPACE, f"tenant/{self._next_serial()}"))
        self.tenants[tenant_id] = name
        return tenant_id

    def add_user(
        self,
        *,
        name: str,
        tenant_id: str | None = None,
        user_id: str | None = None,
        aad_object_id: str | None = None,
        email: str | None = None,
        timezone: str = "Europe/Berlin",
        locale: str = "en-US",
        user_role: str = "user",
    ) -> User:
        """Add (or replace) a person.

        Args:
            name: Display name, e.g. ``"Ann Lee"``; given name and surname are split from it.
            tenant_id: Their tenant; the default tenant unless given.
            user_id: ``29:…`` id; derived unless given.
            aad_object_id: Entra object id; derived unless given.
            email: Mail and UPN; ``first.last@<tenant>.onmicrosoft.com`` unless given.
            timezone: IANA zone their client reports.
            locale: Locale their client reports.
            user_role: ``"user"``, ``"guest"`` or ``"anonymous"``.

        Returns:
            The user, live.
        """
        tenant_id = tenant_id or self.tenant_id
        if tenant_id not in self.tenants:
            raise ValueError(f"unknown tenant {tenant_id!r}")
        serial = self._next_serial()
        seed = f"user/{tenant_id}/{serial}/{name}"
        digest = base64.urlsafe_b64encode(hashlib.sha256(seed.encode()).digest()).decode()
        given, _, surname = name.partition(" ")
        domain = "".join(ch for ch in self.tenants[tenant_id].lower() if ch.isalnum())
        address = email or f"{'.'.join(name.lower().split())}@{domain}.onmicrosoft.com"
        user = User(
            id=user_id or f"29:1{digest.rstrip('=')}",
            aad_object_id=aad_object_id or str(uuid.uuid5(_NAMESPACE, seed)),
            name=name,
            tenant_id=tenant_id,
            email=address,
            user_principal_name=address,
            given_name=given,
            surname=surname,
            user_role=user_role,
            timezone=timezone,
            locale=locale,
        )
        self.users[user.id] = user
        self._by_aad[user.aad_object_id] = user.id
        return user

    def add_team(
        self,
        *,
        name: str,
        tenant_id: str | None = None,
        team_id: str | None = None,
        channel_ids: Sequence[str] = (),
        members: Iterable[str | User] = (),
    ) -> Team:
        """Add (or replace) a team the bot is installed in.

        Args:
            name: Team name.
            tenant_id: Its tenant; the default tenant unless given.
            team_id: ``19:…@thread.tacv2``; derived unless given. Also the General channel's id.
            channel_ids: Further channels' ids (named ``"Channel 1"``…).
            members: Users (or their ids) of the tenant, in roster order.

        Returns:
            The team, live.
        """
        tenant_id = tenant_id or self.tenant_id
        if tenant_id not in self.tenants:
            raise ValueError(f"unknown tenant {tenant_id!r}")
        team_id = team_id or self._thread_id("team")
        team = Team(
            id=team_id,
            tenant_id=tenant_id,
            name=name,
            aad_group_id=str(uuid.uuid5(_NAMESPACE, f"group/{team_id}")),
            channels={team_id: None},
        )
        for number, channel_id in enumerate(channel_ids, start=1):
            team.channels[channel_id] = f"Channel {number}"
        self.teams[team_id] = team
        for channel_id in team.channels:
            self._channel_teams[channel_id] = team_id
        self.add_members(team_id, members)
        return team

    def add_members(self, team_id: str, members: Iterable[str | User]) -> list[User]:
        """Put users of the team's tenant on its roster (those already on it stay put)."""
        team = self.teams[team_id]
        added = []
        for member in members:
            user = self.users.get(member if isinstance(member, str) else member.id)
            if user is None or user.tenant_id != team.tenant_id:
                raise ValueError(f"{member!r} is no user of tenant {team.tenant_id}")
            if user.id not in team.member_ids:
                team.member_ids.append(user.id)
                added.append(user)
        return added

    def remove_members(self, team_id: str, members: Iterable[str | User]) -> list[User]:
        """Take users off the team's roster; returns those that were on it."""
        team = self.teams[team_id]
        removed = []
        for member in members:
            user_id = member if isinstance(member, str) else member.id
            if user_id in team.member_ids:
                team.member_ids.remove(user_id)
                removed.append(self.users[user_id])
        return removed

    def generate_team(
        self,
        *,
        members: int,
        name: str = "Pulse Team",
        tenant_id: str | None = None,
        channels: int = 0,
        timezone: str = "Europe/Berlin",
    ) -> Team:
        """Add a team of ``members`` generated people (``User 001``…), and ``channels`` channels
        besides General."""
        tenant_id = tenant_id or self.tenant_id
        width = max(3, len(str(members)))
        people = [
            self.add_user(name=f"User {number:0{width}d}", tenant_id=tenant_id, timezone=timezone)
            for number in range(1, members + 1)
        ]
        channel_ids = [self._thread_id("channel") for _ in range(channels)]
        return self.add_team(
            name=name, tenant_id=tenant_id, channel_ids=channel_ids, members=people
        )

    # --- lookups

    def user(self, id_or_aad_object_id: str) -> User | None:
        """A user by ``29:`` id or by Entra object id (Teams accepts either)."""
        user_id = self._by_aad.get(id_or_aad_object_id, id_or_aad_object_id)
        return self.users.get(user_id)

    def team_of(self, conversation_id: str) -> Team | None:
        """The team whose id, channel or channel thread ``conversation_id`` is, if any."""
        team_id = self._channel_teams.get(base_conversation_id(conversation_id))
        return self.teams.get(team_id) if team_id else None

    def roster_of_team(self, team: Team) -> list[User]:
        """The team's members, in roster order."""
        return [self.users[user_id] for user_id in team.member_ids]

    def _next_serial(self) -> int:
        self._serial += 1
        return self._serial

    def _thread_id(self, kind: str) -> str:
        digest = hashlib.sha256(f"{kind}/{self._next_serial()}".encode()).hexdigest()
        return f"19:{digest[:32]}@thread.tacv2"
