"""What every use case shares: the database, the clock, and the caches a write makes stale."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import Any

from bot.clock import Clock
from bot.services.cache import SingleFlightCache
from storage.db import Database, Session


class Store:
    """Transactions on one database, "now" from one clock.

    A write that may change what a status shows drops every cache registered with
    ``drop_on_write`` when it ends (committed or not), so this process's own changes show in
    the very next status.

    Args:
        db: the database.
        clock: the source of "now".
    """

    def __init__(self, *, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock
        self._caches: list[SingleFlightCache[Any]] = []

    def now(self) -> datetime:
        return self.clock.now()

    def drop_on_write(self, cache: SingleFlightCache[Any]) -> None:
        """Forget ``cache``'s entries whenever this process writes what a status shows."""
        self._caches.append(cache)

    def read(self) -> AbstractAsyncContextManager[Session]:
        """A read-only transaction (a consistent snapshot)."""
        return self.db.read()

    @asynccontextmanager
    async def write(self, *, affects_status: bool = True) -> AsyncIterator[Session]:
        """A write transaction: committed on success, rolled back on error.

        Args:
            affects_status: False for writes no status shows (leases, claims, event ids).
        """
        try:
            async with self.db.write() as session:
                yield session
        finally:
            if affects_status:
                for cache in self._caches:
                    cache.invalidate()


class UseCases:
    """The base of the use-case classes (``Teams``, ``Rounds``, …): one shared ``Store``.

    Args:
        store: the database and clock.
    """

    def __init__(self, store: Store) -> None:
        self.store = store
