"""away rules: a team's own list of the chat statuses that mean away

``/sdo away statuses add|remove|reset`` (managers) changes which status emoji and words make a
member away when a round reaches them. One row per team that changed the list, holding the
whole list (emoji and words, one per line); a team without a row keeps the defaults
(``bot.domain.away.DEFAULT_AWAY_RULES``), so ``reset`` deletes the row.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_away_rules",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("emoji", sa.String(length=4000), nullable=False),
        sa.Column("words", sa.String(length=4000), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.Column("updated_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("workspace_id", "team_id"),
    )


def downgrade() -> None:
    op.drop_table("team_away_rules")
