"""contracts and slot uses; tickets record coverage and their first response

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:45:51.211916
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.models

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contract',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('customer_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('tier', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('starts_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('slots', sa.Integer(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['customer_id'], ['customer.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_customer_id'), ['customer_id'], unique=False)

    op.create_table('slotuse',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('contract_id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('period_start', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('reserved_at', store.models.UtcDateTime(timezone=True), nullable=False),
    sa.Column('consumed_at', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.Column('released_at', store.models.UtcDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('ticket_id')
    )
    with op.batch_alter_table('slotuse', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slotuse_contract_id'), ['contract_id'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coverage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True))
        batch_op.add_column(sa.Column('first_responded_at',
                                      store.models.UtcDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('first_responded_at')
        batch_op.drop_column('coverage')

    with op.batch_alter_table('slotuse', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slotuse_contract_id'))

    op.drop_table('slotuse')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_customer_id'))

    op.drop_table('contract')
