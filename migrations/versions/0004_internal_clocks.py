"""tickets record which clocks run toward internal targets

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0004'
down_revision: str | Sequence[str] | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Tickets from before had commitments only: NULL says so.
    with op.batch_alter_table('ticket') as batch:
        batch.add_column(sa.Column('internal_clocks', sqlmodel.sql.sqltypes.AutoString(length=200),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket') as batch:
        batch.drop_column('internal_clocks')
