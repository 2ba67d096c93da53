"""The column types and widths the tables (``storage.tables``) share: timestamps stored in UTC
and read back aware on both dialects, id widths wide enough for Teams, partial indexes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back as an aware UTC datetime.

    SQLite has no time zones; PostgreSQL's ``timestamptz`` has. Both read back the same here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):  # both drivers hand back datetimes for this column
            raise TypeError(f"a timestamp column held {type(value).__name__}")
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Slack ids are 9–11 characters; Teams ids run to 100 and more.
WORKSPACE_CHARS = 64
ID_CHARS = 255
URL_CHARS = 500


def partial_index(name: str, *columns: str, where: str) -> Index:
    """An index of the rows ``where`` matches, on both dialects (``{true}``: a boolean true).

    Queries use it only when their WHERE implies this one: write them alike (``storage.due``).
    """
    return Index(
        name,
        *columns,
        sqlite_where=text(where.format(true="1")),
        postgresql_where=text(where.format(true="true")),
    )


def timestamp(nullable: bool = True) -> Any:
    """A ``UTCDateTime`` field, None by default."""
    return Field(default=None, sa_column=Column(UTCDateTime(), nullable=nullable))


def required_timestamp() -> Any:
    """A ``UTCDateTime`` field every row sets."""
    return Field(sa_column=Column(UTCDateTime(), nullable=False))
