"""forwarding-service tokens already accepted, shared by every API process

Revision ID: 0009_webhook_tokens
Revises: 0008_inbound_quarantine
Create Date: 2026-12-03 21:30:00

Mailgun's replay protection (a token used once) lived in each API process's memory, so a
post replayed to a second process was accepted. The tokens now live here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import store.models

revision: str = '0009_webhook_tokens'
down_revision: str | Sequence[str] | None = '0008_inbound_quarantine'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'webhooktoken',
        sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('seen_at', store.models.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    op.create_index('ix_webhooktoken_seen_at', 'webhooktoken', ['seen_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_webhooktoken_seen_at', table_name='webhooktoken')
    op.drop_table('webhooktoken')
