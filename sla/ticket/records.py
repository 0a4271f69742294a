"""Recording what happens to a ticket: timeline entries, messages, status changes.

Every entry and message takes the next sequence number of the ticket, which makes the
idempotency keys of the activities that write and send them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sla.policy.calendars import calendar_for
from sla.policy.snapshot import Contact
from sla.ticket import bounds
from sla.ticket.state import Notification, TicketState, TimelineEntry
from sla.vocabulary import MessageChannel, NoticeKind, TicketStatus, TimelineKind, status_kind

#: The channel of a message whose recipient has no address on any channel of their role.
UNDELIVERABLE = MessageChannel.UNDELIVERABLE


def change_status(
    state: TicketState, now: datetime, status: TicketStatus, actor: str, detail: str
) -> None:
    state.status = status
    state.status_since = now
    record(state, now, status_kind(status), actor, detail)


def close(state: TicketState, now: datetime, reason: str) -> None:
    for clock in state.clocks.values():
        clock.stop(now)
    cancel_held(state, now, "the ticket closed")
    state.closed_at = now
    state.close_reason = reason
    state.closures += 1
    change_status(state, now, TicketStatus.CLOSED, "system", reason)


def hold_while_not_covered(state: TicketState, now: datetime) -> None:
    """A request no slot covers yet: its clocks stand still, whatever started them."""
    if state.awaiting_coverage:
        for clock in state.clocks.values():
            clock.pause(now)


def _next_seq(state: TicketState) -> int:
    state.seq += 1
    return state.seq


def record(
    state: TicketState, at: datetime, kind: TimelineKind, actor: str, detail: str, *,
    clock: str | None = None, level: int | None = None, rating: int | None = None,
) -> None:
    state.version += 1
    state.last_event = f"{at:%Y-%m-%d %H:%M} UTC {kind.replace('_', ' ')}: {detail}"[:300]
    state.pending_timeline.append(
        TimelineEntry(seq=_next_seq(state), at=at, kind=kind, actor=actor, detail=detail,
                      clock=clock, level=level, rating=rating)
    )
    bounds.fold_pending_timeline(state.pending_timeline)


def notify(
    state: TicketState, at: datetime, kind: str, recipient: Contact, subject: str, body: str,
    urgent: bool = False, facts: dict[str, str] | None = None,
) -> None:
    """Queue a message on each of the recipient role's channels that has an address.

    A recipient reachable on none of them gets one ``undeliverable`` message, so the gap
    shows in the outbox instead of the message vanishing. A non-urgent message to someone
    outside their hours is held until they begin (when the policy says so).
    """
    send_at = held_until(state, at, kind, recipient, urgent)
    queue = state.pending_notifications if send_at is None else state.held_notifications
    for channel in channels_for(state, recipient, urgent):
        seq = _next_seq(state)
        queue.append(
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
                send_at=send_at,
            )
        )
    if send_at is not None:
        record(state, at, TimelineKind.NOTICE_HELD, "system",
               f"{kind} to {recipient.name} ({recipient.role}) held until "
               f"{send_at:%Y-%m-%d %H:%M} UTC, when their hours begin",
               clock=(facts or {}).get("clock"))


def is_urgent(state: TicketState, kind: str, urgent: bool = False) -> bool:
    plan = state.plan
    return urgent or kind in plan.urgent_kinds or state.details.severity in plan.urgent_severities


def held_until(
    state: TicketState, at: datetime, kind: str, recipient: Contact, urgent: bool
) -> datetime | None:
    """When a message to ``recipient`` may go: None for now (urgent, within their hours,
    a recipient without a calendar, or a policy that holds nothing)."""
    if not state.plan.hold_notices or recipient.calendar is None:
        return None
    if is_urgent(state, kind, urgent):
        return None
    opens = calendar_for(recipient.calendar).add(at, timedelta(0))
    return opens if opens > at else None


def held_due_at(state: TicketState) -> datetime | None:
    return min((message.send_at for message in state.held_notifications
                if message.send_at is not None), default=None)


def release_held(state: TicketState, at: datetime) -> None:
    """Held messages whose time has come go out, once; a warning about a clock that has
    since stopped (met, ended or breached: a breach sends its own message) is dropped."""
    due = _take_held(state, lambda message: message.send_at is not None
                     and message.send_at <= at)
    if not due:
        return
    state.version += 1
    for message in due:
        clock = state.clocks.get(message.facts.get("clock", ""))
        if message.kind == NoticeKind.SLA_WARNING and (
                clock is None or clock.stopped or clock.breached_at is not None):
            _cancelled(state, at, message, f"the {message.facts.get('clock', '')} clock "
                                           "no longer runs toward its target")
        else:
            state.pending_notifications.append(message)


def cancel_held(state: TicketState, at: datetime, reason: str,
                clocks: set[str] | None = None) -> None:
    """Drop held messages (all, or those about ``clocks``): they will never be sent."""
    dropped = _take_held(state, lambda message: clocks is None
                         or message.facts.get("clock") in clocks)
    for message in dropped:
        _cancelled(state, at, message, reason)


def _take_held(state: TicketState, taken: Callable[[Notification], bool]) -> list[Notification]:
    """Remove the held messages ``taken`` selects and return them, in their order."""
    chosen = [message for message in state.held_notifications if taken(message)]
    state.held_notifications = [message for message in state.held_notifications
                                if not taken(message)]
    return chosen


def _cancelled(state: TicketState, at: datetime, message: Notification, reason: str) -> None:
    record(state, at, TimelineKind.NOTICE_CANCELLED, "system",
           f"held {message.kind} to {message.recipient.name} ({message.recipient.role}) "
           f"via {message.channel}: {reason}", clock=message.facts.get("clock"))


def channels_for(state: TicketState, recipient: Contact, urgent: bool) -> list[str]:
    delivery = state.plan.delivery
    if not delivery:
        if urgent and recipient.phone:
            return [MessageChannel.SMS]
        return [MessageChannel.EMAIL if recipient.email
                else MessageChannel.SMS if recipient.phone else MessageChannel.LOG]
    wanted = (delivery.get("urgent") if urgent else None) or delivery.get(recipient.role) \
        or delivery.get("default") or [MessageChannel.EMAIL]
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
