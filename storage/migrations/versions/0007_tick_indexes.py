"""tick indexes: every scan of the scheduler tick is a lookup in a small index

The tick scans every workspace each few seconds; with 100,000 teams a scan of what is not due
cost 180-240 ms. Now each reads an index of what may come due only:

* team: the next pulse, reminder and close times that are set (partial indexes: only an open
  round has the last two), and apart from them the scheduled teams without a next pulse
  (``ix_team_unarmed``);
* delivery: the pending DMs by round (``ix_delivery_pending``), instead of every open round;
* round: closed rounds whose digest is not settled (``ix_round_awaiting_digest``, on the new
  ``round.digest_settled_at``: set when the digest is posted or refused for good, filled in
  here from the digest rows), instead of every round closed in the last 8 days.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.tables

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _where(clause: str) -> dict[str, sa.TextClause]:
    return {
        'sqlite_where': sa.text(clause.format(true='1')),
        'postgresql_where': sa.text(clause.format(true='true')),
    }


def upgrade() -> None:
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('digest_settled_at', storage.tables.UTCDateTime(timezone=True), nullable=True)
        )
    # Digests posted or refused before this revision: settled when they were (a refusal has
    # no time of its own; its claim's is the nearest).
    op.execute(
        "UPDATE round SET digest_settled_at = ("
        " SELECT COALESCE(digest.posted_at, digest.claimed_at) FROM digest"
        " WHERE digest.round_id = round.id)"
        " WHERE EXISTS (SELECT 1 FROM digest WHERE digest.round_id = round.id"
        " AND digest.status IN ('posted', 'failed'))"
    )
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index('ix_round_closed_at')
        batch_op.create_index(
            'ix_round_awaiting_digest',
            ['closed_at'],
            unique=False,
            **_where('closed_at IS NOT NULL AND digest_settled_at IS NULL'),
        )
    with op.batch_alter_table('team', schema=None) as batch_op:
        for column in ('next_pulse_at', 'next_reminder_at', 'next_close_at'):
            batch_op.drop_index(f'ix_team_{column}')
            batch_op.create_index(
                f'ix_team_{column}', [column], unique=False, **_where(f'{column} IS NOT NULL')
            )
        batch_op.create_index(
            'ix_team_unarmed',
            ['id'],
            unique=False,
            **_where('schedule_enabled IS {true} AND next_pulse_at IS NULL'),
        )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index(
            'ix_delivery_pending', ['round_id', 'id'], unique=False, **_where("status = 'pending'")
        )


def downgrade() -> None:
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_pending')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index('ix_team_unarmed')
        for column in ('next_pulse_at', 'next_reminder_at', 'next_close_at'):
            batch_op.drop_index(f'ix_team_{column}')
            batch_op.create_index(f'ix_team_{column}', [column], unique=False)
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_index('ix_round_awaiting_digest')
        batch_op.create_index('ix_round_closed_at', ['closed_at'], unique=False)
        batch_op.drop_column('digest_settled_at')
