"""Shared fixtures: real databases and a frozen clock.

Fixtures:
    dialect: ``"sqlite"`` or ``"postgres"``; every test that uses ``db_url`` or ``db`` runs once
        per dialect. PostgreSQL runs only when ``SDO_TEST_POSTGRES_URL`` names a server
        (e.g. ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``), and is skipped otherwise.
    databases: a ``DatabaseFactory`` that creates more fresh databases (migrated or not) on
        demand; everything it creates is removed after the test.
    db_url: the URL of a fresh, migrated database (a string), for code that opens its own
        ``Database`` (the app, the CLI).
    db: a ``storage.db.Database`` on that same database, disposed after the test.
    clock: a ``FrozenClock`` at ``FROZEN_NOW``.

On PostgreSQL each database is a new ``sdo_test_<random>`` database on the configured server,
dropped (``WITH (FORCE)``) at teardown; on SQLite it is a file in the test's ``tmp_path``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.clock import FrozenClock
from storage.db import Database
from storage.migrate import upgrade

POSTGRES_URL_ENV = "SDO_TEST_POSTGRES_URL"
# A Thursday afternoon, in UTC.
FROZEN_NOW = datetime(2026, 3, 5, 14, 0, tzinfo=UTC)


class DatabaseFactory:
    """Creates fresh databases for one test and removes them afterwards.

    Args:
        tmp_path: where SQLite files go.
    """

    def __init__(self, *, tmp_path: Path) -> None:
        self._tmp_path = tmp_path
        self._sqlite_files = 0
        self._postgres_names: list[str] = []
        self._admin: AsyncEngine | None = None

    async def create(self, dialect: str = "sqlite", *, migrated: bool = True) -> str:
        """A URL of a new, empty database.

        Args:
            dialect: ``"sqlite"`` or ``"postgres"`` (skips the test when PostgreSQL is not
                configured).
            migrated: bring the schema up to date before returning.
        """
        if dialect == "sqlite":
            url = self._new_sqlite_url()
        elif dialect == "postgres":
            url = await self._new_postgres_url()
        else:
            raise ValueError(f"unknown dialect {dialect!r}")
        if migrated:
            database = Database(url)
            try:
                await upgrade(database)
            finally:
                await database.dispose()
        return url

    async def cleanup(self) -> None:
        """Drop every PostgreSQL database this factory created (SQLite files go with tmp_path)."""
        if self._admin is None:
            return
        try:
            async with self._admin.connect() as conn:
                for name in self._postgres_names:
                    # FORCE ends connections a failed test may have leaked.
                    await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            await self._admin.dispose()

    def _new_sqlite_url(self) -> str:
        self._sqlite_files += 1
        return f"sqlite+aiosqlite:///{self._tmp_path / f'sdo-{self._sqlite_files}.db'}"

    async def _new_postgres_url(self) -> str:
        server_url = os.environ.get(POSTGRES_URL_ENV)
        if not server_url:
            pytest.skip(
                f"PostgreSQL not configured: set {POSTGRES_URL_ENV}, e.g. "
                "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
            )
        if self._admin is None:
            # CREATE/DROP DATABASE cannot run inside a transaction.
            self._admin = create_async_engine(
                server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool
            )
        name = f"sdo_test_{secrets.token_hex(6)}"
        async with self._admin.connect() as conn:
            # template0: nobody is ever connected to it, so parallel creations never collide.
            await conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        self._postgres_names.append(name)
        return make_url(server_url).set(database=name).render_as_string(hide_password=False)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def dialect(request: pytest.FixtureRequest) -> str:
    """The database a test runs on; tests using it run once per dialect."""
    return str(request.param)


@pytest.fixture
async def databases(tmp_path: Path) -> AsyncIterator[DatabaseFactory]:
    """Fresh databases on demand, removed after the test."""
    factory = DatabaseFactory(tmp_path=tmp_path)
    try:
        yield factory
    finally:
        await factory.cleanup()


@pytest.fixture
async def db_url(dialect: str, databases: DatabaseFactory) -> str:
    """The URL of a fresh database migrated to the newest revision."""
    return await databases.create(dialect)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    """A ``Database`` on the test's fresh, migrated database (the one ``db_url`` names)."""
    database = Database(db_url)
    try:
        yield database
    finally:
        await database.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    """A clock frozen at ``FROZEN_NOW`` (Thursday 2026-03-05 14:00 UTC)."""
    return FrozenClock(FROZEN_NOW)
