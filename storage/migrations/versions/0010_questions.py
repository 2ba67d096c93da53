"""questions: a team's own wording of the pulse questions

``/sdo questions`` (managers) rewords a circle's question for one team: one row per team and
reworded circle (``W``, ``H`` or ``D``); a circle without a row keeps the default wording. The
circle, its order and the answers never change.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "team_question",
        sa.Column("workspace_id", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("circle", sa.String(length=1), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.Column("updated_by", sa.String(length=255), nullable=True),
        sa.Column("updated_at", storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["team.id"]),
        sa.PrimaryKeyConstraint("workspace_id", "team_id", "circle"),
    )


def downgrade() -> None:
    op.drop_table("team_question")
