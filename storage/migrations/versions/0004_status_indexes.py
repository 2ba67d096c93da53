"""status indexes: each team's last rounds straight from an index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""

from __future__ import annotations

from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index('ix_round_team_opened', ['team_id', 'opened_at', 'id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index('ix_round_team_opened')
