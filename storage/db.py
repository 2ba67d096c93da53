"""Async engines and transactions for SQLite (embedded default) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, and every write transaction starts with
``BEGIN IMMEDIATE`` on a single pooled connection: writers queue for the lock up front instead
of failing half-way with "database is locked". Reads use their own connections and never block
on writers.

A database that cannot be reached (refused connections, a server restarting, connections cut
mid-transaction, SQLite's lock held past its busy timeout) raises ``DatabaseUnavailable`` from
``write``, ``read`` and ``ping``'s callers, whatever the driver's own exception: the layers above
tell people "try again in a moment", wait and retry, and never need to know the driver.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from asyncpg import exceptions as pg
from sqlalchemy import event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.util import await_only

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///sdo.db"

# What the use cases hand back to storage functions: they hold a session, never build a query.
Session = AsyncSession
SQLITE_BUSY_TIMEOUT_MS = 30_000
# What SQLite says when it cannot get to the database (rather than about a statement).
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database file", "disk i/o error")


class DatabaseUnavailable(Exception):  # noqa: N818 - reads as what happened, like TimeoutError
    """The database could not be reached or went away mid-transaction; nothing was committed.

    Worth retrying in a moment: the cause is the server or the connection, not the statement.
    """


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is out of reach, rather than a statement is wrong.

    Args:
        exc: an exception raised while talking to the database.
    """
    # OSError: refused, reset, unreachable, timed out, before the driver wraps it.
    if isinstance(exc, DatabaseUnavailable | OSError):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated or isinstance(exc, InterfaceError):
            return True
        message = str(exc.orig).lower()
        return any(sign in message for sign in _SQLITE_UNAVAILABLE) or _is_connection_error(
            exc.orig
        )
    return _is_connection_error(exc)


def _is_connection_error(exc: BaseException | None) -> bool:
    """asyncpg's errors for a server that refuses or drops connections (starting, stopping)."""
    return isinstance(
        exc,
        pg.PostgresConnectionError
        | pg.CannotConnectNowError
        | pg.AdminShutdownError
        | pg.CrashShutdownError,
    )


@asynccontextmanager
async def _unavailable_as_such() -> AsyncIterator[None]:
    """Raise ``DatabaseUnavailable`` for whatever error means the database is out of reach."""
    try:
        yield
    except DatabaseUnavailable:
        raise
    except Exception as exc:
        if is_unavailable(exc):
            raise DatabaseUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        raise


class Database:
    """The application's database: one engine (two on SQLite), transactions on demand.

    Args:
        url: an SQLAlchemy URL: ``sqlite+aiosqlite:///path.db`` or ``postgresql+asyncpg://…``.
        echo: log every statement (debugging only).
        pool_size: connections kept open for PostgreSQL.
    """

    def __init__(self, url: str | URL, *, echo: bool = False, pool_size: int = 10) -> None:
        self.url = make_url(url) if isinstance(url, str) else url
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            self._write_engine = _sqlite_engine(
                self.url, echo=echo, begin="BEGIN IMMEDIATE", pool_size=1
            )
            self._read_engine = _sqlite_engine(self.url, echo=echo, begin="BEGIN", pool_size=5)
        elif self.dialect == "postgresql":
            engine = create_async_engine(
                self.url,
                echo=echo,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,
            )
            self._write_engine = self._read_engine = engine
        else:
            raise ValueError(f"unsupported database {self.dialect!r}: use sqlite or postgresql")

    @property
    def engine(self) -> AsyncEngine:
        """The engine that writes (and migrates)."""
        return self._write_engine

    @asynccontextmanager
    async def write(self) -> AsyncIterator[AsyncSession]:
        """A read-write transaction: committed on success, rolled back on error.

        Raises:
            DatabaseUnavailable: the database could not be reached, or went away before the
                commit (nothing of this transaction is stored).
        """
        async with (
            _unavailable_as_such(),
            AsyncSession(self._write_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A read-only transaction (never takes SQLite's write lock).

        Raises:
            DatabaseUnavailable: the database could not be reached.
        """
        async with (
            _unavailable_as_such(),
            AsyncSession(self._read_engine, expire_on_commit=False) as session,
            session.begin(),
        ):
            yield session

    async def ping(self) -> bool:
        """Whether the database answers a trivial query."""
        try:
            async with self._read_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True

    async def dispose(self) -> None:
        await self._write_engine.dispose()
        if self._read_engine is not self._write_engine:
            await self._read_engine.dispose()


def _sqlite_engine(url: URL, *, echo: bool, begin: str, pool_size: int) -> AsyncEngine:
    engine = create_async_engine(
        url,
        echo=echo,
        pool_size=pool_size,
        max_overflow=0,
        pool_timeout=120,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the driver so BEGIN below is the only one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if url.database not in (None, "", ":memory:"):
            _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, waiting out other processes that hold the database.

    Only a new database file is not in WAL mode yet. Switching needs the database to itself, and
    SQLite answers "database is locked" at once, without its busy timeout, when another
    connection (a replica starting at the same moment, migrating) is about to write: retry then.
    """
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except Exception as exc:  # sqlite3's, or the async driver's wrapper of it
            if "database is locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            await_only(asyncio.sleep(0.05))  # a pause for this connection, not the event loop
