"""Support slots in the database: which tickets hold one, and taking one.

Only the ticket's workflow takes a slot (``activities.slots``), so a request that never
became a ticket holds none, and an unknown outcome never gives one back: the projection
marks it used at the first response, or released at a closure before that.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from sla.policy.entitlements import SlotUse
from sla.ticket.state import SlotClaim
from store.models import SlotUse as SlotUseRow


def slot_uses(session: Session, contract_ids: list[int]) -> list[SlotUse]:
    rows = session.exec(select(SlotUseRow).where(col(SlotUseRow.contract_id).in_(contract_ids)))
    return [SlotUse(contract_id=row.contract_id, period_start=row.period_start,
                    ticket_id=row.ticket_id, reserved_at=row.reserved_at,
                    consumed_at=row.consumed_at, released_at=row.released_at) for row in rows]


def slot_of(session: Session, ticket_id: str) -> SlotUseRow | None:
    return session.exec(select(SlotUseRow).where(SlotUseRow.ticket_id == ticket_id)).first()


def take_slot(session: Session, ticket_id: str, claim: SlotClaim, at: datetime) -> bool:
    """Whether the ticket holds the claimed slot now. Idempotent by ticket: a ticket that
    holds its slot already (a retried step) keeps it. Tickets racing for the last slot:
    the one whose row came first keeps it, the others take theirs back and come in not
    covered; one that closed and gave its slot back does not get it again."""
    held = slot_of(session, ticket_id)
    if held is not None:
        return held.released_at is None and held.contract_id == claim.contract_id
    session.add(SlotUseRow(contract_id=claim.contract_id, ticket_id=ticket_id,
                           period_start=claim.period_start, reserved_at=at))
    try:
        session.commit()
    except IntegrityError:
        # The same step at the same moment (its own retry): the row is there now.
        session.rollback()
        held = slot_of(session, ticket_id)
        return held is not None and held.released_at is None
    # Over-full after a race: the tickets that came first keep theirs.
    holders = session.exec(select(SlotUseRow.ticket_id).where(
        SlotUseRow.contract_id == claim.contract_id,
        SlotUseRow.period_start == claim.period_start,
        col(SlotUseRow.released_at).is_(None)).order_by(col(SlotUseRow.id))).all()
    if ticket_id in holders[:claim.slots]:
        return True
    row = slot_of(session, ticket_id)
    if row is not None and row.consumed_at is None:
        session.delete(row)
        session.commit()
    return False
