"""SDO Pulse's core, spoken in Microsoft Teams: ``ChatPlatform`` over the Bot Connector.

Views become Adaptive Cards (``bot.teams.cards``); a member's pulse goes to their one-to-one
chat with the bot, created once and remembered (``TeamsAddresses``); pictures are stored in
the database and shown by URL from this server (Teams has no file host for bots' cards).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from typing import Any

from microsoft_agents.activity import Activity

from bot.delivery.pictures import Pictures
from bot.delivery.platform import ImageRef, PlatformError, SentMessage
from bot.domain.away import ChatStatus
from bot.domain.model import Team
from bot.domain.releases import ReleasePulseView
from bot.domain.views import DigestView, PersonInfo, PulseView, ReminderView
from bot.metrics import TEAMS, Metrics
from bot.teams.addresses import TeamsAddresses
from bot.teams.cards.common import attachment
from bot.teams.cards.digest import digest_card
from bot.teams.cards.pulse import pulse_card
from bot.teams.cards.release import release_card
from bot.teams.cards.reminder import reminder_card
from bot.teams.connector import TeamsConnector

PICTURE_ROUTE = "/teams/pictures/{key}.png"

# A round's pulse is the same card for every member (until they click): built once.
_pulse_card = functools.lru_cache(maxsize=256)(pulse_card)


def card_activity(card: dict[str, Any], *, summary: str) -> Activity:
    """A message carrying one Adaptive Card (``summary``: the notification's words)."""
    return Activity.model_validate(
        {"type": "message", "summary": summary, "attachments": [attachment(card)]}
    )


def person_from_member(member: dict[str, Any]) -> PersonInfo:
    """A Teams roster entry as the core's ``PersonInfo`` (bots are ``28:…``)."""
    user_id = str(member.get("id", ""))
    return PersonInfo(
        user_id=user_id,
        name=str(member.get("name") or member.get("givenName") or user_id),
        tz=None,
        is_admin=False,
        is_human=not user_id.startswith("28:"),
    )


class TeamsPlatform:
    """The ``ChatPlatform`` of Microsoft Teams.

    Args:
        connector: the Bot Connector calls.
        addresses: where tenants, channels and members' chats are reached.
        public_url: this server's address as Teams reaches it (pictures are served there).
        metrics: counts the pulse DMs sent and refused, and the digests posted (default: the
            connector's).
    """

    def __init__(
        self,
        *,
        connector: TeamsConnector,
        addresses: TeamsAddresses,
        public_url: str,
        metrics: Metrics | None = None,
    ) -> None:
        self.connector = connector
        self.metrics = metrics or connector.metrics
        self.addresses = addresses
        self.public_url = public_url.rstrip("/")
        self.pictures = Pictures(host=self)

    async def _service_url(self, workspace_id: str) -> str:
        tenant = await self.addresses.tenant(workspace_id=workspace_id)
        if tenant is None:
            raise PlatformError("not_installed", passing=False)
        return tenant.service_url

    async def _chat(self, workspace_id: str, user_id: str) -> tuple[str, str]:
        """The member's one-to-one chat ``(service url, conversation id)``, made on first use."""
        chat = await self.addresses.chat(workspace_id=workspace_id, user_id=user_id)
        if chat is not None:
            return chat.service_url, chat.conversation_id
        tenant = await self.addresses.tenant(workspace_id=workspace_id)
        if tenant is None:
            raise PlatformError("not_installed", passing=False)
        conversation_id = await self.connector.create_chat(
            service_url=tenant.service_url,
            tenant_id=tenant.tenant_id,
            bot_id=tenant.bot_id,
            user_id=user_id,
        )
        await self.addresses.save_chat(
            workspace_id=workspace_id,
            user_id=user_id,
            conversation_id=conversation_id,
            service_url=tenant.service_url,
        )
        return tenant.service_url, conversation_id

    async def send_pulse(self, *, workspace_id: str, user_id: str, pulse: PulseView) -> SentMessage:
        try:
            service_url, conversation_id = await self._chat(workspace_id, user_id)
            activity_id = await self.connector.send(
                service_url=service_url,
                conversation_id=conversation_id,
                activity=card_activity(_pulse_card(pulse), summary=f"Pulse #{pulse.round_number}"),
            )
        except PlatformError as exc:
            if not exc.passing:
                self.metrics.dm_failed(TEAMS)
            raise
        self.metrics.dm_sent(TEAMS)
        return SentMessage(channel_id=conversation_id, ts=activity_id)

    async def send_release_pulse(
        self, *, workspace_id: str, user_id: str, pulse: ReleasePulseView
    ) -> SentMessage:
        service_url, conversation_id = await self._chat(workspace_id, user_id)
        activity_id = await self.connector.send(
            service_url=service_url,
            conversation_id=conversation_id,
            activity=card_activity(
                release_card(pulse), summary=f"Release {pulse.release_name}"[:100]
            ),
        )
        return SentMessage(channel_id=conversation_id, ts=activity_id)

    async def update_pulse(self, *, workspace_id: str, sent: SentMessage, pulse: PulseView) -> None:
        await self.connector.update(
            service_url=await self._service_url(workspace_id),
            conversation_id=sent.channel_id,
            activity_id=sent.ts,
            activity=card_activity(pulse_card(pulse), summary=f"Pulse #{pulse.round_number}"),
        )

    async def remind(self, *, workspace_id: str, channel_id: str, reminder: ReminderView) -> None:
        await self.connector.send(
            service_url=await self._service_url(workspace_id),
            conversation_id=channel_id,
            activity=card_activity(reminder_card(reminder), summary="A reminder"),
        )

    async def send_text(self, *, workspace_id: str, user_id: str, text: str) -> SentMessage:
        """A markdown message in the person's one-to-one chat with the bot (the export)."""
        service_url, conversation_id = await self._chat(workspace_id, user_id)
        activity_id = await self.connector.send(
            service_url=service_url,
            conversation_id=conversation_id,
            activity=Activity.model_validate(
                {"type": "message", "text": text, "textFormat": "markdown"}
            ),
        )
        return SentMessage(channel_id=conversation_id, ts=activity_id)

    async def post_digest(self, *, team: Team, digest: DigestView) -> SentMessage:
        picture = await self.pictures.digest(digest)
        trend_picture = None
        if sum(r is not None for r in digest.trend.regions) >= 2:
            trend_picture = await self.pictures.trend(
                workspace=team.workspace_id,
                team_id=team.id,
                team=team.name,
                regions=digest.trend.regions,
                last_round_id=digest.round.round.id,
            )
        card = digest_card(digest, picture=picture, trend_picture=trend_picture)
        activity_id = await self.connector.send(
            service_url=await self._service_url(team.workspace_id),
            conversation_id=team.channel_id,
            activity=card_activity(card, summary=f"Digest of round {digest.round.round.number}"),
        )
        self.metrics.digest_posted(TEAMS)
        return SentMessage(channel_id=team.channel_id, ts=activity_id)

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        channel = await self.addresses.any_channel(workspace_id=workspace_id)
        if channel is None:
            raise PlatformError("not_installed", passing=False)
        member = await self.connector.member(
            service_url=channel.service_url,
            conversation_id=channel.teams_team_id,
            user_id=user_id,
        )
        if member is None:
            raise PlatformError("user_not_found", passing=False)
        return person_from_member(member)

    async def statuses(
        self, *, workspace_id: str, user_ids: Sequence[str]
    ) -> dict[str, ChatStatus]:
        """None readable: Teams' presence and status need Graph permissions SDO Pulse does not
        ask for, so in Teams only a manager's mark makes a member away."""
        return {}

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        channel = await self.addresses.channel(workspace_id=workspace_id, channel_id=channel_id)
        if channel is None:
            raise PlatformError("channel_not_found", passing=False)
        roster = await self.connector.roster(
            service_url=channel.service_url, conversation_id=channel.teams_team_id
        )
        people = [person_from_member(m) for m in roster]
        return [p for p in people if p.is_human]

    async def upload_picture(
        self, *, workspace_id: str, png: bytes, filename: str, title: str, alt_text: str
    ) -> ImageRef:
        # Content-addressed per workspace: the same picture is stored once, and its URL names
        # nothing about the team.
        key = hashlib.sha256(workspace_id.encode() + b"\0" + png).hexdigest()[:40]
        await self.addresses.save_picture(key=key, workspace_id=workspace_id, png=png)
        url = self.public_url + PICTURE_ROUTE.format(key=key)
        return ImageRef(file_id=url, alt_text=alt_text, title=title)
