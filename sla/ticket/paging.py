"""Paging for a missed emergency callback: at once, then up the chain until acknowledged.

Level 1 pages the customer's TAM and the on-call contact together (emergencies do not
wait for office hours); each further level, every ``page_every``, pages the next contact
of the plan's chain above the TAM, and the top is paged again until someone acknowledges
or the callback is made.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sla.policy.snapshot import Contact
from sla.ticket import bounds
from sla.ticket.records import facts, notify, record
from sla.ticket.state import EmergencyState, Page, TicketState
from sla.vocabulary import ClockName, NoticeKind, TimelineKind


def page_targets(state: TicketState, level: int) -> list[Contact]:
    chain = state.plan.escalation
    if level == 1:
        first = [contact for contact in chain if contact.role == "tam"]
        if state.plan.on_call is not None:
            first.append(state.plan.on_call)
        return first or chain[:1]
    above_tam = [contact for contact in chain if contact.role != "tam"] or chain
    return [above_tam[min(level - 2, len(above_tam) - 1)]]


def emergency_of(state: TicketState) -> EmergencyState:
    if state.emergency is None:
        state.emergency = EmergencyState()
    return state.emergency


def page(state: TicketState, at: datetime, level: int, reason: str) -> None:
    emergency = emergency_of(state)
    targets = page_targets(state, level)
    for contact in targets:
        emergency.pages_sent = bounds.append_counted(
            emergency.pages, Page(level=level, at=at, contact_name=contact.name,
                                  contact_role=contact.role),
            bounds.PAGES_KEPT, emergency.pages_sent)
        notify(state, at, NoticeKind.PAGE, contact,
               f"[{state.ticket_id}] EMERGENCY: {reason}",
               f"Ticket {state.ticket_id} ({state.details.subject}): {reason}. "
               f"Acknowledge with POST /tickets/{state.ticket_id}/escalations/{level}/ack.",
               urgent=True, facts=facts(state, level=level, reason=reason))
    emergency.page_level = level
    emergency.next_page_at = at + timedelta(seconds=state.plan.page_every_seconds)
    record(state, at, TimelineKind.PAGED, "system",
           f"level {level}: " + ", ".join(f"{c.name} ({c.role})" for c in targets),
           clock=ClockName.CALLBACK, level=level)


def paging_due_at(state: TicketState) -> datetime | None:
    emergency = state.emergency
    if emergency is None or emergency.acknowledged_level is not None:
        return None
    return emergency.next_page_at


def page_next_level(state: TicketState, at: datetime, now: datetime) -> None:
    """The next level, once. Pages missed while the worker was down are not all replayed:
    the next one follows a full interval after ``now``."""
    emergency = emergency_of(state)
    page(state, at, emergency.page_level + 1, "the callback is still missing")
    if emergency.next_page_at is not None and emergency.next_page_at <= now:
        emergency.next_page_at = now + timedelta(seconds=state.plan.page_every_seconds)


def stop_paging(state: TicketState) -> None:
    if state.emergency is not None:
        state.emergency.next_page_at = None
