"""Recording what happens to a ticket: timeline entries, messages, status changes.

Every entry and message takes the next sequence number of the ticket, which makes the
idempotency keys of the activities that write and send them.
"""

from __future__ import annotations

from datetime import datetime

from sla.snapshot import Contact
from sla.ticket import Notification, TicketState, TicketStatus, TimelineEntry

#: The channel of a message whose recipient has no address on any channel of their role.
UNDELIVERABLE = "undeliverable"


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


def record(
    state: TicketState, at: datetime, kind: str, actor: str, detail: str, *,
    clock: str | None = None, level: int | None = None,
) -> None:
    state.version += 1
    state.last_event = f"{at:%Y-%m-%d %H:%M} UTC {kind.replace('_', ' ')}: {detail}"[:300]
    state.pending_timeline.append(
        TimelineEntry(seq=_next_seq(state), at=at, kind=kind, actor=actor, detail=detail,
                      clock=clock, level=level)
    )


def notify(
    state: TicketState, at: datetime, kind: str, recipient: Contact, subject: str, body: str,
    urgent: bool = False, facts: dict[str, str] | None = None,
) -> None:
    """Queue a message on each of the recipient role's channels that has an address.

    A recipient reachable on none of them gets one ``undeliverable`` message, so the gap
    shows in the outbox instead of the message vanishing.
    """
    for channel in channels_for(state, recipient, urgent):
        seq = _next_seq(state)
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
                facts=dict(facts or {}),
            )
        )


def channels_for(state: TicketState, recipient: Contact, urgent: bool) -> list[str]:
    delivery = state.plan.delivery
    if not delivery:
        if urgent and recipient.phone:
            return ["sms"]
        return ["email" if recipient.email else "sms" if recipient.phone else "log"]
    wanted = (delivery.get("urgent") if urgent else None) or delivery.get(recipient.role) \
        or delivery.get("default") or ["email"]
    reachable = [channel for channel in wanted if recipient.address(channel)]
    return reachable or [UNDELIVERABLE]


def facts(state: TicketState, **extra: object) -> dict[str, str]:
    """What every message template may use, plus the event's own values (as strings)."""
    details = state.details
    out = {"ticket_id": state.ticket_id, "subject": details.subject,
           "severity": details.severity, "plan": state.plan.plan, "status": state.status}
    for key, value in extra.items():
        if value is not None:
            out[key] = value.isoformat() if isinstance(value, datetime) else str(value)
    return out


def tell_customer(state: TicketState, at: datetime, kind: str, subject: str, body: str,
                  **extra: object) -> None:
    """A message to the customer's own contact, where the ticket's snapshot has one."""
    customer = state.plan.customer
    if customer is not None:
        notify(state, at, kind, customer, f"[{state.ticket_id}] {subject}", body,
               facts=facts(state, **extra))
