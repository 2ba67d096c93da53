"""scheduling: delivery leases and reminders, digest errors, indexes for the tick

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lease_owner', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('lease_until', storage.tables.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('reminded_at', storage.tables.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error', sa.String(length=500), nullable=True))

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index('ix_team_next_pulse_at', ['next_pulse_at'], unique=False)
        batch_op.create_index('ix_team_next_reminder_at', ['next_reminder_at'], unique=False)
        batch_op.create_index('ix_team_next_close_at', ['next_close_at'], unique=False)

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.create_index('ix_round_closed_at', ['closed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index('ix_round_closed_at')

    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index('ix_team_next_close_at')
        batch_op.drop_index('ix_team_next_reminder_at')
        batch_op.drop_index('ix_team_next_pulse_at')

    with op.batch_alter_table('digest', schema=None) as batch_op:
        batch_op.drop_column('error')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('reminded_at')
        batch_op.drop_column('lease_until')
        batch_op.drop_column('lease_owner')
