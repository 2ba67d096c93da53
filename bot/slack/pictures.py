"""The Venn pictures in Slack: render (``bot.pictures.charts``), upload once, reference from blocks.

Rendering runs in a worker thread so the event loop keeps answering requests. A picture that
cannot be rendered or uploaded is logged and left out: status and digest still answer in text.

A burst of requests for the same picture (twenty people asking `/sdo status` at once) renders
and uploads it once: the others wait for that upload. At most ``RENDER_CONCURRENCY`` pictures
are drawn at a time, because each drawing holds tens of megabytes of pixels until it is encoded.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence

from bot import pictures as venn
from bot.domain.regions import Region, region_label
from bot.services.core import DigestView, RoundView, TeamStatus
from bot.slack.blocks.text import ImageRef
from bot.slack.gateway import SlackGateway

log = logging.getLogger(__name__)

CACHE_SIZE = 512
RENDER_CONCURRENCY = 2


class Pictures:
    """Uploads each distinct picture once and hands out image references.

    Args:
        gateway: the Slack side, for the files v2 upload.
        cache_size: how many uploaded pictures to remember (by content key).
        render_concurrency: how many pictures may be drawn at the same time.
    """

    def __init__(
        self,
        *,
        gateway: SlackGateway,
        cache_size: int = CACHE_SIZE,
        render_concurrency: int = RENDER_CONCURRENCY,
    ) -> None:
        self.gateway = gateway
        self.cache_size = cache_size
        self._uploaded: OrderedDict[Hashable, ImageRef] = OrderedDict()
        self._in_progress: dict[Hashable, asyncio.Future[ImageRef | None]] = {}
        self._render_gate = asyncio.Semaphore(render_concurrency)

    async def team(self, status: TeamStatus) -> ImageRef | None:
        """The team's diagram for the round it is judged by (``headline``)."""
        return await self.round(
            team=status.team.name,
            workspace=status.team.workspace_id,
            team_id=status.team.id,
            view=status.headline,
        )

    async def round(
        self, *, team: str, workspace: str, team_id: int, view: RoundView | None
    ) -> ImageRef | None:
        region = view.region if view else None
        label = (
            f"Round {view.round.number} · {view.round.opened_at:%d %b %Y}"
            if view
            else "No round yet"
        )
        key = ("team", workspace, team_id, view.round.id if view else None, region, team)
        alt = venn.alt_text_team(region=region, team_name=team, round_label=label)
        return await self._picture(
            key,
            lambda: venn.render_team(region=region, team_name=team, round_label=label),
            workspace=workspace,
            filename=f"sdo-{team}-{region_label(region).lower().replace(' ', '-')}.png",
            title=f"#{team}: {region_label(region)}",
            alt_text=alt,
        )

    async def trend(
        self,
        *,
        workspace: str,
        team_id: int,
        team: str,
        regions: Sequence[Region | None],
        last_round_id: int,
    ) -> ImageRef | None:
        key = ("trend", workspace, team_id, last_round_id, tuple(regions), team)
        return await self._picture(
            key,
            lambda: venn.render_trend(regions=regions, team_name=team),
            workspace=workspace,
            filename=f"sdo-{team}-trend.png",
            title=f"#{team}: trend",
            alt_text=venn.alt_text_trend(regions=regions, team_name=team),
        )

    async def digest(self, view: DigestView) -> ImageRef | None:
        return await self.round(
            team=view.team.name,
            workspace=view.team.workspace_id,
            team_id=view.team.id,
            view=view.round,
        )

    async def org(self, *, workspace: str, statuses: Sequence[TeamStatus]) -> ImageRef | None:
        teams = [(s.team.name, s.headline.region if s.headline else None) for s in statuses]
        key = ("org", workspace, tuple(teams))
        title = f"All teams ({len(teams)})"
        return await self._picture(
            key,
            lambda: venn.render_org_map(teams=teams, title=title),
            workspace=workspace,
            filename="sdo-all-teams.png",
            title=title,
            alt_text=venn.alt_text_org(teams=teams, title=title),
        )

    async def _picture(
        self,
        key: Hashable,
        render: Callable[[], bytes],
        *,
        workspace: str,
        filename: str,
        title: str,
        alt_text: str,
    ) -> ImageRef | None:
        cached = self._uploaded.get(key)
        if cached is not None:
            self._uploaded.move_to_end(key)
            return cached
        running = self._in_progress.get(key)
        if running is not None:
            # shield: a caller that gives up must not cancel the upload the others wait for.
            return await asyncio.shield(running)
        making = asyncio.ensure_future(
            self._make(
                key, render, workspace=workspace, filename=filename, title=title, alt_text=alt_text
            )
        )
        self._in_progress[key] = making
        making.add_done_callback(lambda _: self._in_progress.pop(key, None))
        return await asyncio.shield(making)

    async def _make(
        self,
        key: Hashable,
        render: Callable[[], bytes],
        *,
        workspace: str,
        filename: str,
        title: str,
        alt_text: str,
    ) -> ImageRef | None:
        try:
            async with self._render_gate:
                png = await asyncio.to_thread(render)
            file_id = await self.gateway.upload_png(
                png=png, filename=filename, title=title, alt_text=alt_text, workspace_id=workspace
            )
        except Exception as exc:  # a picture is a bonus: never let it break the answer
            log.warning("picture %s left out: %s: %s", filename, type(exc).__name__, exc)
            return None
        ref = ImageRef(file_id=file_id, alt_text=alt_text, title=title)
        self._uploaded[key] = ref
        while len(self._uploaded) > self.cache_size:
            self._uploaded.popitem(last=False)
        return ref
