"""feedback entries keep their rating as a number (what the SLA reports count)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 09:00:00

Feedback entries written before this revision are filled in once from their words, the
"rated N/5" that ``sla.ticket.feedback`` wrote then; reports read only the column.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The words ``sla.ticket.feedback`` wrote into feedback entries, frozen here as they were.
_RATED = re.compile(r"^rated ([1-5])/5")


def upgrade() -> None:
    with op.batch_alter_table('timelineevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rating', sa.Integer(), nullable=True))
    timeline = sa.table('timelineevent', sa.column('id', sa.Integer),
                        sa.column('kind', sa.String), sa.column('detail', sa.String),
                        sa.column('rating', sa.Integer))
    connection = op.get_bind()
    rows = connection.execute(sa.select(timeline.c.id, timeline.c.detail)
                              .where(timeline.c.kind == 'feedback'))
    for row_id, detail in rows.all():
        rated = _RATED.match(detail or '')
        if rated:
            connection.execute(timeline.update().where(timeline.c.id == row_id)
                               .values(rating=int(rated.group(1))))


def downgrade() -> None:
    with op.batch_alter_table('timelineevent', schema=None) as batch_op:
        batch_op.drop_column('rating')
