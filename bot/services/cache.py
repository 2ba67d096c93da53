"""The one single-flight cache: each missing value computed once, however many ask at once.

Its users: the status cache (``bot.services.status``), the pictures (``bot.delivery.pictures``,
which never expire: ``ttl=math.inf``), and Slack's bot tokens and DM channels per workspace
(``bot.slack.installs``, ``bot.slack.dms``: a thousand DMs due at once read each once).

`/sdo status` is read far more often than answers change. The process drops every entry
whenever it writes to the database itself (an answer, a note, a round, a membership, …), so its
own changes show in the very next status. Writes by *other* processes (another replica on the
same PostgreSQL) are seen at most ``ttl`` seconds late: that is the staleness bound.

An entry computed while one of this process's writes was running is never stored: callers
read ``generation`` before computing and hand it back to ``put``, which ignores the value when
a write ended in between.

``get_or_compute`` computes each missing entry once: requests that arrive while it is being
computed wait for that computation instead of running their own (under a burst of commands,
one database read serves them all). An entry read in the second half of its life is refreshed
in the background while it is still served, so a busy status never expires in front of the
people asking for it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable

log = logging.getLogger(__name__)

DEFAULT_TTL_SECONDS = 2.0
DEFAULT_MAX_ENTRIES = 4096


class SingleFlightCache[Value]:
    """Values by key for ``ttl`` seconds, all dropped by ``invalidate()``.

    Args:
        ttl: seconds an entry is served; 0 turns the cache off, ``math.inf`` keeps entries
            until they are the least recently used beyond ``max_entries``.
        max_entries: the least recently used entries go beyond this many.
        monotonic: the time source (seconds); a test passes its own.
    """

    def __init__(
        self,
        *,
        ttl: float = DEFAULT_TTL_SECONDS,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl = ttl
        self.max_entries = max_entries
        self._monotonic = monotonic
        # key -> (computed at, value)
        self._entries: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._generation = 0
        self._computing: dict[tuple[Hashable, int], asyncio.Future[Value]] = {}
        self._refreshing: set[asyncio.Task[Value]] = set()

    @property
    def generation(self) -> int:
        """Changes whenever ``invalidate()`` runs; read it before computing a value."""
        return self._generation

    def get(self, key: Hashable) -> Value | None:
        """The value if it is younger than ``ttl``, else None."""
        entry = self._fresh(key)
        return entry[1] if entry else None

    def put(self, key: Hashable, value: Value, *, generation: int) -> None:
        """Remember ``value`` unless the cache was invalidated since ``generation`` was read."""
        if self.ttl <= 0 or generation != self._generation:
            return
        self._entries[key] = (self._monotonic(), value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    async def get_or_compute(self, key: Hashable, compute: Callable[[], Awaitable[Value]]) -> Value:
        """The cached value, or ``compute()``'s, computed once for concurrent callers.

        A caller that arrives after a write (a new ``generation``) never waits for a
        computation that started before it: it starts its own.
        """
        entry = self._fresh(key)
        if entry is not None:
            computed_at, value = entry
            if self._monotonic() - computed_at >= self.ttl / 2:
                self._refresh(key, compute)
            return value
        running = self._computing.get((key, self._generation))
        if running is not None:
            try:
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                if not running.cancelled():
                    raise  # this caller itself was cancelled
                # The computing caller was cancelled: compute here instead.
        return await self._compute(key, compute)

    def forget(self, key: Hashable) -> None:
        """Drop one entry (a computation under way still stores its value)."""
        self._entries.pop(key, None)

    def invalidate(self) -> None:
        """Forget everything (this process has just written to the database)."""
        self._generation += 1
        self._entries.clear()

    def _fresh(self, key: Hashable) -> tuple[float, Value] | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if self._monotonic() - entry[0] >= self.ttl:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return entry

    async def _compute(self, key: Hashable, compute: Callable[[], Awaitable[Value]]) -> Value:
        generation = self._generation
        future: asyncio.Future[Value] = asyncio.get_running_loop().create_future()
        # Mark a failure as seen even when nobody waited for it.
        future.add_done_callback(lambda f: f.cancelled() or f.exception())
        self._computing[(key, generation)] = future
        try:
            value = await compute()
        except Exception as exc:
            future.set_exception(exc)
            raise
        except BaseException:
            future.cancel()
            raise
        finally:
            if self._computing.get((key, generation)) is future:
                del self._computing[(key, generation)]
        future.set_result(value)
        self.put(key, value, generation=generation)
        return value

    def _refresh(self, key: Hashable, compute: Callable[[], Awaitable[Value]]) -> None:
        """Recompute ``key`` in the background, once, while its entry is still served."""
        if (key, self._generation) in self._computing:
            return
        task = asyncio.create_task(self._compute(key, compute))
        self._refreshing.add(task)
        task.add_done_callback(self._refreshed)

    def _refreshed(self, task: asyncio.Task[Value]) -> None:
        self._refreshing.discard(task)
        if not task.cancelled() and task.exception() is not None:
            # The entry simply expires; the next caller computes (and sees the error).
            log.warning("status refresh failed: %r", task.exception())
