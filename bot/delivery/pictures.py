"""The Venn pictures as a platform shows them: render (``bot.pictures``), upload once, reuse.

Rendering runs in a worker thread so the event loop keeps answering requests. A picture that
cannot be rendered or uploaded is logged and left out: status and digest still answer in text.

A burst of requests for the same picture (twenty people asking `/sdo status` at once) renders
and uploads it once: the others wait for that upload (``SingleFlightCache``). At most
``RENDER_CONCURRENCY`` pictures are drawn at a time, because each drawing holds tens of
megabytes of pixels until it is encoded.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Callable, Hashable, Sequence
from typing import Protocol

from bot import pictures as venn
from bot.delivery.platform import ImageRef
from bot.domain.model import Team
from bot.domain.org import previous_region
from bot.domain.regions import Region, region_label
from bot.domain.views import DigestView, RoundView, TeamStatus
from bot.services.cache import SingleFlightCache

log = logging.getLogger(__name__)

CACHE_SIZE = 512
RENDER_CONCURRENCY = 2


class PictureHost(Protocol):
    """Where pictures go to be shown: a platform's upload (``ChatPlatform.upload_picture``)."""

    async def upload_picture(
        self, *, workspace_id: str, png: bytes, filename: str, title: str, alt_text: str
    ) -> ImageRef: ...


class _PictureLeftOutError(Exception):
    """A picture could not be made (already logged, once for everyone who waited)."""


class Pictures:
    """Uploads each distinct picture once and hands out image references.

    Args:
        host: the platform that shows them.
        cache_size: how many uploaded pictures to remember (by content key).
        render_concurrency: how many pictures may be drawn at the same time.
    """

    def __init__(
        self,
        *,
        host: PictureHost,
        cache_size: int = CACHE_SIZE,
        render_concurrency: int = RENDER_CONCURRENCY,
    ) -> None:
        self.host = host
        self._uploaded: SingleFlightCache[ImageRef] = SingleFlightCache(
            ttl=math.inf, max_entries=cache_size
        )
        self._render_gate = asyncio.Semaphore(render_concurrency)

    async def team(self, status: TeamStatus) -> ImageRef | None:
        """The team's diagram for the round it is judged by (``headline``)."""
        return await self.round(team=status.team, view=status.headline)

    async def digest(self, view: DigestView) -> ImageRef | None:
        """The diagram of the round a digest shows."""
        return await self.round(team=view.team, view=view.round)

    async def round(self, *, team: Team, view: RoundView | None) -> ImageRef | None:
        """The diagram of one of the team's rounds (``None``: no round yet)."""
        name, region = team.name, view.region if view else None
        label = (
            f"Round {view.round.number} · {view.round.opened_at:%d %b %Y}"
            if view
            else "No round yet"
        )
        key = ("team", team.workspace_id, team.id, view.round.id if view else None, region, name)
        return await self._picture(
            key,
            lambda: venn.render_team(region=region, team_name=name, round_label=label),
            workspace=team.workspace_id,
            filename=f"sdo-{name}-{region_label(region).lower().replace(' ', '-')}.png",
            title=f"#{name}: {region_label(region)}",
            alt_text=venn.alt_text_team(region=region, team_name=name, round_label=label),
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

    async def org(self, *, workspace: str, statuses: Sequence[TeamStatus]) -> ImageRef | None:
        """The map of every team: where each is, and where it was the round before."""
        teams = [
            (s.team.name, s.headline.region if s.headline else None, previous_region(s))
            for s in statuses
        ]
        title = f"All teams ({len(teams)})"
        return await self._picture(
            ("org", workspace, tuple(teams)),
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
        async def make() -> ImageRef:
            try:
                async with self._render_gate:
                    png = await asyncio.to_thread(render)
                return await self.host.upload_picture(
                    workspace_id=workspace,
                    png=png,
                    filename=filename,
                    title=title,
                    alt_text=alt_text,
                )
            except Exception as exc:  # a picture is a bonus: never let it break the answer
                log.warning("picture %s left out: %s: %s", filename, type(exc).__name__, exc)
                raise _PictureLeftOutError from exc

        try:
            return await self._uploaded.get_or_compute(key, make)
        except _PictureLeftOutError:
            return None
