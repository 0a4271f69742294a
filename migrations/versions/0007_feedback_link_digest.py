"""tickets keep the digest of their latest feedback link's token

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 23:30:00

The feedback page checks a link against this column before it asks the ticket's workflow
anything. Tickets closed before this revision have none until their next write; the page
asks their workflow as it did before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('feedback_link_digest', sa.String(length=64),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_column('feedback_link_digest')
