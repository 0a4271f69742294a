"""inbound mails that were not threaded wait in a quarantine

Revision ID: 0008_inbound_quarantine
Revises: 0007
Create Date: 2026-12-03 18:00:00

A mail whose forwarding-service signature fails, or whose sender matches no customer, is
kept here (with its raw post) until an agent assigns it to a customer or drops it.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.models

revision: str = '0008_inbound_quarantine'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'quarantinedmail',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_at', store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column('verified', sa.Boolean(), nullable=False),
        sa.Column('sender', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column('message_id', sqlmodel.sql.sqltypes.AutoString(length=1000),
                  nullable=False),
        sa.Column('thread_refs', sqlmodel.sql.sqltypes.AutoString(length=11000),
                  nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=100000), nullable=False),
        sa.Column('raw', sqlmodel.sql.sqltypes.AutoString(length=1000000), nullable=False),
        sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column('decided_at', store.models.UtcDateTime(timezone=True), nullable=True),
        sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_quarantinedmail_status_received_at', 'quarantinedmail',
                    ['status', 'received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_quarantinedmail_status_received_at', table_name='quarantinedmail')
    op.drop_table('quarantinedmail')
