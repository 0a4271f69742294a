"""tickets, timeline, outbox, deliveries, customers, keys

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:55:03.830187
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.models

revision: str = '0001'
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table('customer',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('time_zone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('tam_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('tam_email', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=True),
    sa.Column('tam_phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('apikey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key_hash')
    )
    op.create_table('ticket',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('duplicate_of', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('severity', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plan', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('breached', sa.Boolean(), nullable=False),
    sa.Column('assignee_name', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('first_response_due', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('first_response_state', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('next_update_due', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('next_update_state', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('resolution_due', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolution_state', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('next_due_at', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('next_due_clock', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_breached'), ['breached'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_customer_id'), ['customer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_severity'), ['severity'], unique=False)
        batch_op.create_index(batch_op.f('ix_ticket_status'), ['status'], unique=False)
        batch_op.create_index('ix_ticket_status_next_due_at', ['status', 'next_due_at'], unique=False)

    op.create_table('outboxmessage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recipient_role', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recipient_name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('recipient_address', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('provider_ref', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outboxmessage_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('timelineevent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id', 'seq')
    )
    with op.batch_alter_table('timelineevent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_timelineevent_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('deliveryattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('attempt', sa.Integer(), nullable=False),
    sa.Column('at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['outbox_id'], ['outboxmessage.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('deliveryattempt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deliveryattempt_outbox_id'), ['outbox_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deliveryattempt_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:

    with op.batch_alter_table('deliveryattempt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_deliveryattempt_ticket_id'))
        batch_op.drop_index(batch_op.f('ix_deliveryattempt_outbox_id'))

    op.drop_table('deliveryattempt')
    with op.batch_alter_table('timelineevent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_timelineevent_ticket_id'))

    op.drop_table('timelineevent')
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outboxmessage_ticket_id'))

    op.drop_table('outboxmessage')
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_status_next_due_at')
        batch_op.drop_index(batch_op.f('ix_ticket_status'))
        batch_op.drop_index(batch_op.f('ix_ticket_severity'))
        batch_op.drop_index(batch_op.f('ix_ticket_customer_id'))
        batch_op.drop_index(batch_op.f('ix_ticket_breached'))

    op.drop_table('ticket')
    op.drop_table('apikey')
    op.drop_table('customer')
