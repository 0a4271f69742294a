"""timeline entries name their clock and level (what the SLA reports count by)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00

Entries written before this revision are filled in from their words: a breach's
"<clock label> clock breached", an escalation's or page's "level N: ...". An escalation
before it names no clock; the reports count escalations by level only.
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The labels ``sla.ticket.deadlines`` wrote into breach entries, frozen here as they were.
_BREACH_LABELS = {"first response": "first_response", "next update": "next_update",
                  "resolution": "resolution", "study": "study", "callback": "callback"}
_LEVEL = re.compile(r"^level (\d+):")


def upgrade() -> None:
    with op.batch_alter_table('timelineevent', schema=None) as batch_op:
        batch_op.add_column(sa.Column('clock', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('level', sa.Integer(), nullable=True))
    timeline = sa.table('timelineevent', sa.column('id', sa.Integer),
                        sa.column('kind', sa.String), sa.column('detail', sa.String),
                        sa.column('clock', sa.String), sa.column('level', sa.Integer))
    connection = op.get_bind()
    rows = connection.execute(sa.select(timeline.c.id, timeline.c.kind, timeline.c.detail)
                              .where(timeline.c.kind.in_(("sla_breach", "escalated", "paged"))))
    for row_id, kind, detail in rows.all():
        values: dict[str, object] = {}
        if kind == "sla_breach":
            label = detail.removesuffix(" clock breached").lower()
            if label in _BREACH_LABELS:
                values["clock"] = _BREACH_LABELS[label]
        else:
            level = _LEVEL.match(detail)
            if level:
                values["level"] = int(level.group(1))
            if kind == "paged":
                values["clock"] = "callback"
        if values:
            connection.execute(timeline.update().where(timeline.c.id == row_id).values(**values))


def downgrade() -> None:
    with op.batch_alter_table('timelineevent', schema=None) as batch_op:
        batch_op.drop_column('level')
        batch_op.drop_column('clock')
