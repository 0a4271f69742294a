"""Recording what happens to a ticket: timeline entries, messages, status changes.

Every entry and message takes the next sequence number of the ticket, which makes the
idempotency keys of the activities that write and send them.
"""

from __future__ import annotations

from datetime import datetime

from sla.snapshot import Contact
from sla.ticket import Notification, TicketState, TicketStatus, TimelineEntry


def change_status(
    state: TicketState, now: datetime, status: TicketStatus, actor: str, detail: str
) -> None:
    state.status = status
    state.status_since = now
    record(state, now, f"status_{status}", actor, detail)


def close(state: TicketState, now: datetime, reason: str) -> None:
    for clock in state.clocks.values():
        clock.stop(now)
    state.closed_at = now
    state.close_reason = reason
    change_status(state, now, "closed", "system", reason)


def _next_seq(state: TicketState) -> int:
    state.seq += 1
    return state.seq


def record(state: TicketState, at: datetime, kind: str, actor: str, detail: str) -> None:
    state.version += 1
    state.pending_timeline.append(
        TimelineEntry(seq=_next_seq(state), at=at, kind=kind, actor=actor, detail=detail)
    )


def notify(
    state: TicketState, at: datetime, kind: str, recipient: Contact, subject: str, body: str,
    urgent: bool = False,
) -> None:
    """Queue one message; ``urgent`` ones go to the phone where the recipient has one."""
    seq = _next_seq(state)
    if urgent and recipient.phone:
        channel = "sms"
    else:
        channel = "email" if recipient.email else "sms" if recipient.phone else "log"
    state.pending_notifications.append(
        Notification(
            idempotency_key=f"{state.ticket_id}:{seq}",
            ticket_id=state.ticket_id,
            kind=kind,
            recipient=recipient,
            channel=channel,
            subject=subject,
            body=body,
            created_at=at,
        )
    )
