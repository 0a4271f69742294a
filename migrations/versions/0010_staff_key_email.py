"""a staff key may carry its person's mail address

Revision ID: 0010_staff_key_email
Revises: 0009_webhook_tokens
Create Date: 2026-12-03 21:45:00

A ticket assigned to an agent (by the name of the agent's key) had nowhere to send the
agent its warnings and breaches. Keys made before stay without one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0010_staff_key_email'
down_revision: str | Sequence[str] | None = '0009_webhook_tokens'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('apikey') as batch:
        batch.add_column(sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=320),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('apikey') as batch:
        batch.drop_column('email')
