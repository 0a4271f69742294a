"""browser sessions signed in with an API key

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.models

revision: str = '0005'
down_revision: str | Sequence[str] | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'websession',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('key_id', sa.Integer(), nullable=False),
        sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column('created_at', store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', store.models.UtcDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', store.models.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['key_id'], ['apikey.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    op.create_index(op.f('ix_websession_key_id'), 'websession', ['key_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_websession_key_id'), table_name='websession')
    op.drop_table('websession')
