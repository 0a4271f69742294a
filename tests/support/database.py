"""The application database refusing a ticket's row for good: a SQLite trigger refuses
updates of ticket rows (one ticket's, or every one) with a constraint error, which the
projection takes as data the database will not take (``permanent``), while reads keep
working, so pages and the checks before a change still answer."""

from __future__ import annotations

import re

from sqlalchemy import Engine, text

EVERY_TICKET = "refuse_ticket_writes"


def refuse_ticket_writes(engine: Engine, ticket_id: str | None = None,
                         error: str = "database or disk is full") -> str:
    """From now on the database refuses to update the ticket's row (every ticket's row
    without ``ticket_id``) with ``error``; returns the trigger's name, for
    ``allow_ticket_writes``."""
    if ticket_id is not None and not re.fullmatch(r"[A-Z0-9-]+", ticket_id):
        raise ValueError(f"not a ticket id: {ticket_id!r}")
    name = EVERY_TICKET if ticket_id is None else f"{EVERY_TICKET}_{ticket_id.replace('-', '_')}"
    when = "" if ticket_id is None else f" WHEN OLD.id = '{ticket_id}'"
    quoted = error.replace("'", "''")
    with engine.begin() as connection:
        connection.execute(text(f"CREATE TRIGGER {name} BEFORE UPDATE ON ticket{when} "
                                f"BEGIN SELECT RAISE(ABORT, '{quoted}'); END"))
    return name


def allow_ticket_writes(engine: Engine, name: str = EVERY_TICKET) -> None:
    """The cause fixed: the database takes the rows again."""
    with engine.begin() as connection:
        connection.execute(text(f"DROP TRIGGER IF EXISTS {name}"))
