"""releases: a team's release webhook, the releases it reported, their pulse DMs and answers

``/sdo release-hook`` gives a team a key (its URL) and a secret (``release_hook``); each
published release a signed hook reports is a ``release`` row (unique per team and delivery id:
a replay is one row), asked about at ``ask_at`` (NULL: rate-limited, asks nobody); each member
asked has a ``release_delivery`` row (the ledger's lease/mark protocol) holding their answer.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_TS = storage.tables.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "release_hook",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("secret", sa.String(length=1000), nullable=False),
        sa.Column("created_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("team_id"),
        sa.UniqueConstraint("key"),
    )
    op.create_table(
        "release",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("received_at", _TS(timezone=True), nullable=False),
        sa.Column("ask_at", _TS(timezone=True), nullable=True),
        sa.Column("asked_at", _TS(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "delivery_id", name="uq_release_delivery"),
    )
    op.create_index(op.f("ix_release_team_id"), "release", ["team_id"], unique=False)
    op.create_index(op.f("ix_release_workspace_id"), "release", ["workspace_id"], unique=False)
    op.create_table(
        "release_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("release_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("channel_id", sa.String(length=255), nullable=True),
        sa.Column("message_ts", sa.String(length=255), nullable=True),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_until", _TS(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("answered_at", _TS(timezone=True), nullable=True),
        sa.Column("updated_at", _TS(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["release.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("release_id", "user_id", name="uq_release_user"),
    )
    op.create_index(
        op.f("ix_release_delivery_release_id"), "release_delivery", ["release_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_release_delivery_release_id"), table_name="release_delivery")
    op.drop_table("release_delivery")
    op.drop_index(op.f("ix_release_workspace_id"), table_name="release")
    op.drop_index(op.f("ix_release_team_id"), table_name="release")
    op.drop_table("release")
    op.drop_table("release_hook")
