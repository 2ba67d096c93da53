"""round summaries: a closed round's aggregate, kept when its answers are deleted

``SDO_RETENTION_DAYS`` deletes the answers and notes of rounds closed longer ago, and ``sdo
forget`` one person's; before any answer of a closed round goes, its counts (the answers per
circle, respondents, notes, internal-customer notes, members asked) are written here, once, and
the aggregates read them from here from then on, so trends, digests and `status all` stay as
they were. Counts only: no user id, no note.

``round.answers_deleted_at`` records that the job is done with a round, and the partial index
``ix_round_unpurged`` holds the closed rounds it is not done with (by close time), so a day's run
reads the rounds that passed the cutoff since the last one, not every round ever closed.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

_COUNTS = (
    *(f'{circle}_{answer}' for circle in 'whd' for answer in ('yes', 'partly', 'no', 'not_sure')),
    'respondents',
    'notes',
    'internal_customer_notes',
    'asked',
)


def _where(clause: str) -> dict[str, sa.TextClause]:
    return {
        'sqlite_where': sa.text(clause.format(true='1')),
        'postgresql_where': sa.text(clause.format(true='true')),
    }


def upgrade() -> None:
    op.create_table(
        'round_summary',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('workspace_id', sa.String(length=64), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in _COUNTS),
        sa.Column('summarised_at', storage.tables.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['round_id'], ['round.id']),
        sa.PrimaryKeyConstraint('round_id'),
    )
    with op.batch_alter_table('round_summary', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_round_summary_workspace_id'), ['workspace_id'], unique=False
        )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('answers_deleted_at', storage.tables.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            'ix_round_unpurged',
            ['closed_at'],
            unique=False,
            **_where('closed_at IS NOT NULL AND answers_deleted_at IS NULL'),
        )


def downgrade() -> None:
    # The answers the summaries stand for are gone: a downgraded database shows those rounds
    # as rounds without answers.
    with op.batch_alter_table('round_summary', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_round_summary_workspace_id'))
    op.drop_table('round_summary')
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index('ix_round_unpurged')
    if op.get_bind().dialect.name == 'sqlite':
        # In place (SQLite 3.35+): a batch rebuild of ``round`` would drop the table that the
        # deliveries, answers and digests point at.
        op.execute('ALTER TABLE round DROP COLUMN answers_deleted_at')
    else:
        op.drop_column('round', 'answers_deleted_at')
