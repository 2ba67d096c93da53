"""away: managers' away marks, and the members away for a round in its summary

``/sdo away @user until <date>`` stores a mark per team and member (until a date, inclusive, in
the team's time zone); the fan-out reads the marks, and the chat status, as it reaches each
member, and records an away member's delivery row with status ``away`` (no DM, no reminder,
not asked). ``round_summary.away`` keeps that count once the retention job summarises a round
(0 for rounds summarised before: there were no away rows then).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "away_mark",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=255), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("marked_by", sa.String(length=255), nullable=True),
        sa.Column("marked_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("workspace_id", "team_id", "user_id"),
    )
    with op.batch_alter_table("round_summary", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("away", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )


def downgrade() -> None:
    # Nothing points at round_summary: a batch rebuild of it on SQLite is safe.
    with op.batch_alter_table("round_summary", schema=None) as batch_op:
        batch_op.drop_column("away")
    op.drop_table("away_mark")
