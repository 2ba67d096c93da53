"""Riding out a database outage: wait for the database and carry on, rather than give up.

A fan-out that loses its database half-way holds what it cannot lose: DMs the platform has
accepted but the ledger has not recorded. Dropping them would send them again once their lease
runs out (a duplicate for each); so the ledger writes of a fan-out wait for the database
(``patiently``), up to ``DATABASE_PATIENCE_SECONDS``, and the fan-out goes on where it stopped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from storage.db import DatabaseUnavailable

log = logging.getLogger(__name__)

# How long a write waits for the database before the work gives up (and a later tick resumes).
DATABASE_PATIENCE_SECONDS = 120.0
FIRST_PAUSE_SECONDS = 0.5
LONGEST_PAUSE_SECONDS = 5.0


async def patiently[T](
    operation: Callable[[], Awaitable[T]],
    *,
    what: str,
    patience: float = DATABASE_PATIENCE_SECONDS,
) -> T:
    """Run ``operation``; while the database is unavailable, pause and run it again.

    The pauses double from ``FIRST_PAUSE_SECONDS`` up to ``LONGEST_PAUSE_SECONDS``.

    Args:
        operation: one transaction (it either committed or left nothing behind).
        what: what it does, for the log.
        patience: seconds to keep trying.

    Raises:
        DatabaseUnavailable: the database was still unavailable after ``patience`` seconds.
    """
    loop = asyncio.get_running_loop()
    started = loop.time()
    pause = FIRST_PAUSE_SECONDS
    while True:
        try:
            result = await operation()
        except DatabaseUnavailable:
            waited = loop.time() - started
            if waited >= patience:
                log.error("%s: the database is still unavailable after %.0f s", what, waited)
                raise
            if pause == FIRST_PAUSE_SECONDS:
                log.warning("%s: the database is unavailable; waiting for it", what)
            await asyncio.sleep(min(pause, max(0.0, patience - waited)))
            pause = min(pause * 2, LONGEST_PAUSE_SECONDS)
            continue
        if pause != FIRST_PAUSE_SECONDS:
            log.warning("%s: the database is back after %.1f s", what, loop.time() - started)
        return result
