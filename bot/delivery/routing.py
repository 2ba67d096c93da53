"""One ``ChatPlatform`` in front of several: each workspace's calls go to its own platform.

A server that speaks Slack and Teams hands the scheduler one platform; the workspace id tells
which adapter serves it (Teams workspaces are ``msteams:<tenant>``; the rest are Slack's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.delivery.platform import ChatPlatform, ImageRef, SentMessage
from bot.domain.away import ChatStatus
from bot.domain.model import Team
from bot.domain.releases import ReleasePulseView
from bot.domain.views import DigestView, PersonInfo, PulseView, ReminderView


class RoutedPlatform:
    """Routes by workspace id prefix (the longest that matches), else to ``default``.

    Args:
        default: the platform of workspaces no prefix claims.
        by_prefix: workspace id prefix → its platform.
    """

    def __init__(self, *, default: ChatPlatform, by_prefix: Mapping[str, ChatPlatform]) -> None:
        self.default = default
        self._routes = sorted(by_prefix.items(), key=lambda item: -len(item[0]))

    def platform_of(self, workspace_id: str) -> ChatPlatform:
        for prefix, platform in self._routes:
            if workspace_id.startswith(prefix):
                return platform
        return self.default

    async def send_pulse(self, *, workspace_id: str, user_id: str, pulse: PulseView) -> SentMessage:
        return await self.platform_of(workspace_id).send_pulse(
            workspace_id=workspace_id, user_id=user_id, pulse=pulse
        )

    async def update_pulse(self, *, workspace_id: str, sent: SentMessage, pulse: PulseView) -> None:
        await self.platform_of(workspace_id).update_pulse(
            workspace_id=workspace_id, sent=sent, pulse=pulse
        )

    async def send_release_pulse(
        self, *, workspace_id: str, user_id: str, pulse: ReleasePulseView
    ) -> SentMessage:
        return await self.platform_of(workspace_id).send_release_pulse(
            workspace_id=workspace_id, user_id=user_id, pulse=pulse
        )

    async def remind(self, *, workspace_id: str, channel_id: str, reminder: ReminderView) -> None:
        await self.platform_of(workspace_id).remind(
            workspace_id=workspace_id, channel_id=channel_id, reminder=reminder
        )

    async def post_digest(self, *, team: Team, digest: DigestView) -> SentMessage:
        return await self.platform_of(team.workspace_id).post_digest(team=team, digest=digest)

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        return await self.platform_of(workspace_id).person(
            workspace_id=workspace_id, user_id=user_id
        )

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        return await self.platform_of(workspace_id).channel_humans(
            workspace_id=workspace_id, channel_id=channel_id
        )

    async def statuses(
        self, *, workspace_id: str, user_ids: Sequence[str]
    ) -> dict[str, ChatStatus]:
        return await self.platform_of(workspace_id).statuses(
            workspace_id=workspace_id, user_ids=user_ids
        )

    async def upload_picture(
        self, *, workspace_id: str, png: bytes, filename: str, title: str, alt_text: str
    ) -> ImageRef:
        return await self.platform_of(workspace_id).upload_picture(
            workspace_id=workspace_id, png=png, filename=filename, title=title, alt_text=alt_text
        )
