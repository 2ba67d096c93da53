"""A short-lived, per-process cache of computed statuses.

`/sdo status` is read far more often than answers change. The process drops every entry
whenever it writes to the database itself (an answer, a note, a round, a membership, …), so its
own changes show in the very next status. Writes by *other* processes (another replica on the
same PostgreSQL) are seen at most ``ttl`` seconds late: that is the staleness bound.

An entry computed while one of this process's writes was running is never stored: callers
read ``generation`` before computing and hand it back to ``put``, which ignores the value when
a write ended in between.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Value = TypeVar("Value")

DEFAULT_TTL_SECONDS = 2.0
DEFAULT_MAX_ENTRIES = 4096


class StatusCache(Generic[Value]):
    """Values by key for ``ttl`` seconds, all dropped by ``invalidate()``.

    Args:
        ttl: seconds an entry is served; 0 turns the cache off.
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
        self._entries: OrderedDict[Hashable, tuple[float, Value]] = OrderedDict()
        self._generation = 0

    @property
    def generation(self) -> int:
        """Changes whenever ``invalidate()`` runs; read it before computing a value."""
        return self._generation

    def get(self, key: Hashable) -> Value | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        expires, value = entry
        if self._monotonic() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: Hashable, value: Value, *, generation: int) -> None:
        """Remember ``value`` unless the cache was invalidated since ``generation`` was read."""
        if self.ttl <= 0 or generation != self._generation:
            return
        self._entries[key] = (self._monotonic() + self.ttl, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)

    def invalidate(self) -> None:
        """Forget everything (this process has just written to the database)."""
        self._generation += 1
        self._entries.clear()
