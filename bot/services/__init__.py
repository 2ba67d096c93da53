"""Use cases: storage and domain in, domain results out. Platform-neutral: nothing here sees a
Slack or Teams payload; the adapters (``bot.slack``), the delivery (``bot.delivery``) and the
demo call these.

One module per concern, each a small class over the shared ``Store``; ``Services`` holds one of
each, built once per process.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from bot.clock import Clock
from bot.services.answers import Answers
from bot.services.away import Away
from bot.services.cache import DEFAULT_TTL_SECONDS
from bot.services.digests import Digests
from bot.services.due import DueWork
from bot.services.export import Export
from bot.services.home import Home
from bot.services.ledger import Ledger
from bot.services.questions import Questions
from bot.services.releases import Releases
from bot.services.retention import Retention
from bot.services.rounds import Rounds
from bot.services.status import Status
from bot.services.store import Store
from bot.services.teams import Teams
from storage.db import Database


class Services:
    """The application's use cases over one database and one clock, by concern.

    Args:
        db: the database.
        clock: the source of "now".
        status_ttl: seconds a computed status is reused (0: never). This process's own writes
            drop them at once; other processes' writes show at most this late.
        monotonic: the status cache's time source (seconds); tests pass their own.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: Clock,
        status_ttl: float = DEFAULT_TTL_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.store = Store(db=db, clock=clock)
        self.teams = Teams(self.store)
        self.rounds = Rounds(self.store)
        self.answers = Answers(self.store)
        self.away = Away(self.store)
        self.ledger = Ledger(self.store)
        self.status = Status(self.store, ttl=status_ttl, monotonic=monotonic)
        self.digests = Digests(self.store, status=self.status)
        self.home = Home(self.store)
        self.due = DueWork(self.store)
        self.retention = Retention(self.store)
        self.export = Export(self.store)
        self.releases = Releases(self.store)
        self.questions = Questions(self.store)


__all__ = ["Services"]
