"""Clocks: everything time-based asks one of these, never ``datetime.now`` directly."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that moves only when told to (tests, the demo)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        if when.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._now = when.astimezone(UTC)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


class FileClock:
    """A clock set from a file, shared by several processes (a simulation and testing aid).

    The file holds one ISO-8601 instant (``2026-10-22T13:00:00+00:00``). At the moment the file
    was last written it was that instant, and time runs on from there at the normal pace, so
    every process reading the same file agrees on "now". Rewriting the file (atomically, e.g.
    write a temporary file and rename it) moves time for all of them; the file is re-read when
    its modification time changes.

    Never use it in production: Slack request signatures are checked against this clock.

    Args:
        path: the file to read.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._mtime_ns: int | None = None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        stat = self.path.stat()
        if stat.st_mtime_ns != self._mtime_ns:
            named = datetime.fromisoformat(self.path.read_text().strip())
            if named.tzinfo is None:
                raise ValueError(f"{self.path} must hold an aware ISO-8601 instant")
            written = datetime.fromtimestamp(stat.st_mtime_ns / 1e9, UTC)
            self._offset = named.astimezone(UTC) - written
            self._mtime_ns = stat.st_mtime_ns
        return datetime.now(UTC) + self._offset

    @staticmethod
    def write(path: str | os.PathLike[str], when: datetime) -> None:
        """Set the clock file at ``path`` to ``when`` (atomically: readers never see half)."""
        if when.tzinfo is None:
            raise ValueError("FileClock needs an aware datetime")
        target = Path(path)
        scratch = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        scratch.write_text(when.astimezone(UTC).isoformat())
        os.replace(scratch, target)
