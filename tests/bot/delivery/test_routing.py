"""``RoutedPlatform``: every call of a workspace reaches that workspace's platform, and only it.

Two platforms that record what they are asked stand in for Slack and Teams here: the routing is
the unit under test, and the adapters have their own suites over real HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.delivery.platform import ImageRef, SentMessage
from bot.delivery.routing import RoutedPlatform
from bot.domain.away import ChatStatus
from bot.domain.model import Team
from bot.domain.views import PersonInfo, PulseView, ReminderView


class Recorder:
    def __init__(self, name: str) -> None:
        self.name = name
        self.calls: list[tuple[str, str]] = []

    async def send_pulse(self, *, workspace_id: str, user_id: str, pulse: PulseView) -> SentMessage:
        self.calls.append(("send_pulse", workspace_id))
        return SentMessage(channel_id=self.name, ts="1")

    async def update_pulse(self, *, workspace_id: str, sent: SentMessage, pulse: PulseView) -> None:
        self.calls.append(("update_pulse", workspace_id))

    async def remind(self, *, workspace_id: str, channel_id: str, reminder: ReminderView) -> None:
        self.calls.append(("remind", workspace_id))

    async def post_digest(self, *, team: Team, digest: Any) -> SentMessage:
        self.calls.append(("post_digest", team.workspace_id))
        return SentMessage(channel_id=self.name, ts="2")

    async def person(self, *, workspace_id: str, user_id: str) -> PersonInfo:
        self.calls.append(("person", workspace_id))
        return PersonInfo(user_id=user_id, name=self.name)

    async def channel_humans(self, *, workspace_id: str, channel_id: str) -> list[PersonInfo]:
        self.calls.append(("channel_humans", workspace_id))
        return []

    async def statuses(
        self, *, workspace_id: str, user_ids: Sequence[str]
    ) -> dict[str, ChatStatus]:
        self.calls.append(("statuses", workspace_id))
        return {}

    async def upload_picture(
        self, *, workspace_id: str, png: bytes, filename: str, title: str, alt_text: str
    ) -> ImageRef:
        self.calls.append(("upload_picture", workspace_id))
        return ImageRef(file_id=self.name, alt_text=alt_text)


async def test_each_workspace_reaches_its_own_platform_for_every_method() -> None:
    slack, teams = Recorder("slack"), Recorder("teams")
    routed = RoutedPlatform(default=slack, by_prefix={"msteams:": teams})
    pulse = PulseView(team_name="t", round_id=1, round_number=1, min_respondents=3)
    reminder = ReminderView(team_name="t", round_number=1, close_at=datetime.now(UTC))
    for workspace in ("T0001", "msteams:tenant-1"):
        team = Team(id=1, workspace_id=workspace, channel_id="C", name="t", tz="UTC")
        sent = await routed.send_pulse(workspace_id=workspace, user_id="u", pulse=pulse)
        await routed.update_pulse(workspace_id=workspace, sent=sent, pulse=pulse)
        await routed.remind(workspace_id=workspace, channel_id="D", reminder=reminder)
        await routed.post_digest(team=team, digest=None)
        await routed.person(workspace_id=workspace, user_id="u")
        await routed.channel_humans(workspace_id=workspace, channel_id="C")
        await routed.statuses(workspace_id=workspace, user_ids=["u"])
        await routed.upload_picture(
            workspace_id=workspace, png=b"", filename="f", title="", alt_text="a"
        )
    assert {w for _, w in slack.calls} == {"T0001"}
    assert {w for _, w in teams.calls} == {"msteams:tenant-1"}
    assert len(slack.calls) == len(teams.calls) == 8


def test_the_longest_prefix_wins() -> None:
    a, b, default = Recorder("a"), Recorder("b"), Recorder("default")
    routed = RoutedPlatform(default=default, by_prefix={"ms": a, "msteams:": b})
    assert routed.platform_of("msteams:x") is b
    assert routed.platform_of("msx") is a
    assert routed.platform_of("T1") is default
