"""Due work of many workspaces side by side, each workspace's in turn: the scheduler's lanes.

Each workspace has its own Slack limits (its token) and its own pace, so its items (rounds to
fan out, reminders, digests) go one after another in a lane of its own, and up to ``width``
lanes run at once: one workspace's rate limit or outage holds only its own lane. Items are put
in all at once (what a scan found) or one by one as they come (rounds as the tick opens them);
a lane starts as soon as its first item is in and a place is free, so the sending of the first
rounds overlaps the opening of the next. ``backlog`` bounds how many items may wait for their
turn: whoever puts them in waits beyond it (the opening runs at most that far ahead).
"""

from __future__ import annotations

import asyncio
import random
from collections import deque
from collections.abc import Awaitable, Callable, Iterable


class WorkspaceLanes[T]:
    """Items done a workspace's in turn, workspaces side by side.

    Args:
        work: does one item; an exception is handed to ``failed`` and the lane goes on.
        width: most lanes (workspaces) at work at once.
        failed: told of each item's exception.
        backlog: most items waiting for their turn (not yet started); None for no bound.
    """

    def __init__(
        self,
        work: Callable[[T], Awaitable[None]],
        *,
        width: int,
        failed: Callable[[Exception], None],
        backlog: int | None = None,
    ) -> None:
        self._work = work
        self._failed = failed
        self._places = asyncio.Semaphore(max(1, width))
        self._room = asyncio.Semaphore(backlog) if backlog else None
        self._lanes: dict[str, deque[T]] = {}
        self._tasks: list[asyncio.Task[None]] = []  # every lane started, kept until the end

    async def put(self, item: T, *, workspace: str) -> None:
        """Queue ``item`` in its workspace's lane (waiting while the backlog is full)."""
        if self._room is not None:
            await self._room.acquire()
        lane = self._lanes.get(workspace)
        if lane is not None:  # the lane is running or waiting for a place: it takes this next
            lane.append(item)
            return
        self._lanes[workspace] = deque((item,))
        self._tasks.append(asyncio.create_task(self._serve(workspace)))

    async def put_all(self, items: Iterable[T], *, workspace: Callable[[T], str]) -> None:
        """Queue every item (what a scan found): each workspace's in their order, the workspaces
        in a random order, so replicas start on different ones."""
        lanes: dict[str, list[T]] = {}
        for item in items:
            lanes.setdefault(workspace(item), []).append(item)
        order = list(lanes.items())
        random.shuffle(order)
        for name, queue in order:
            for item in queue:
                await self.put(item, workspace=name)

    async def join(self) -> None:
        """Wait until every item put in is done; if this is cancelled, the lanes are too."""
        try:
            started = 0
            while started < len(self._tasks):  # a lane may start while others are waited for
                started = len(self._tasks)
                await asyncio.gather(*self._tasks)
        finally:
            pending = [task for task in self._tasks if not task.done()]  # none unless cancelled
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _serve(self, workspace: str) -> None:
        lane = self._lanes[workspace]
        async with self._places:
            while lane:
                item = lane.popleft()
                if self._room is not None:
                    self._room.release()
                try:
                    await self._work(item)
                except Exception as exc:
                    self._failed(exc)
            # No await between the lane found empty and its removal: a later put opens a new one.
            del self._lanes[workspace]
