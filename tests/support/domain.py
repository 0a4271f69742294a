"""Tickets as pure state (``sla.ticket``), opened at exact instants: the tests of the domain,
and of what the API shows of it, build theirs from these."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sla.policy.loading import load_policy, parse_policy
from sla.policy.snapshot import Contact, PlanSnapshot
from sla.ticket import lifecycle
from sla.ticket.state import Coverage, TicketDetails, TicketState
from tests.support.paths import EXAMPLE_POLICY, FAST_POLICY

TAM = Contact(role="tam", name="Tess", email="tess@example.com")
#: The tests' fast policy (``tests/e2e/fast-policy.toml``): minutes-long targets, slotted
#: and recommendations-only tiers.
FAST = load_policy(FAST_POLICY)

#: A Rome office with a lunch break, Saturday mornings, Italian holidays and exceptions;
#: the premium plan counts business hours on it.
OFFICE = """
on_call = "night_desk"

[calendars.rome_office]
time_zone = "Europe/Rome"
weekdays = ["09:00-13:00", "14:00-18:00"]
saturday = ["09:00-12:00"]
holidays = { country = "IT" }
closed = ["2026-08-14"]
open = { "2026-12-27" = ["10:00-14:00"] }

[plans.premium]
calendar = "rome_office"
tam_calendar = "rome_office"
first_response = { critical = "4 business hours", major = "2 business days", minor = "3 calendar days" }
escalation = ["tam", "support_lead"]

[contacts.support_lead]
name = "Support lead"
email = "lead@example.com"

[contacts.night_desk]
name = "Night desk"
phone = "+390200000000"
"""

# --- a premium ticket under the shipped default policy -------------------------------

#: Monday 2 March 2026, 09:00 UTC.
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ticket(severity: str = "critical") -> TicketState:
    """A premium ticket under the tests' example policy, opened at :data:`START`."""
    policy = load_policy(EXAMPLE_POLICY)
    details = TicketDetails(ticket_id="TCK-1", customer_id=1, subject="Down", description="x",
                            severity=severity, type="problem", channel="api")
    return lifecycle.open_ticket(details, policy.snapshot("premium", TAM, START), START)


# --- a request on a slotted plan (the fast policy) -----------------------------------

#: Monday 2 November 2026, 09:00 UTC.
REQUESTED_AT = datetime(2026, 11, 2, 9, tzinfo=UTC)
RITA = Contact(role="customer", name="Rita", email="rita@acme.example")


def slot_request(plan: str = "slotted", covered: bool | None = False) -> TicketState:
    """A major request of Rita's on ``plan``, opened at :data:`REQUESTED_AT`: waiting for a
    support slot (``covered=False``), covered, or on a plan that needs none (``None``)."""
    details = TicketDetails(
        ticket_id="TCK-SLOT", customer_id=1, subject="Sync broken", description="x",
        severity="major", type="problem", channel="api",
        coverage=None if covered is None else Coverage(covered=covered, label="no slot left"))
    return lifecycle.open_ticket(details, FAST.snapshot(plan, None, REQUESTED_AT, RITA),
                                 REQUESTED_AT)


# --- office hours in Rome (09:00-17:00, Monday to Friday), messages held outside them ---

ROME_POLICY = """
warn_at = 0.75
auto_close_after = "none"

[calendars.office]
time_zone = "Europe/Rome"
weekdays = ["09:00-17:00"]

[notices]
hold_outside_hours = true

[plans.standard]
calendar = "office"
tam_calendar = "office"
first_response = { critical = "1h", major = "4 business hours", minor = "8 business hours" }
resolution = { critical = "4h", major = "2 business days", minor = "5 business days" }
escalation = ["tam", "lead"]

[plans.standard.types.information]
sla = false

[plans.premium]
first_response = { critical = "30m", major = "2h", minor = "4h" }
resolution = { critical = "2h", major = "8h", minor = "24h" }
escalation = ["lead"]

[contacts.lead]
name = "Lead"
email = "lead@example.com"
"""

#: Monday 2 March 2026, 10:00 in Rome (CET, UTC+1).
MONDAY_10 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: Monday 23:00 in Rome, and Tuesday 09:00, when the TAM's hours begin.
MONDAY_23 = datetime(2026, 3, 2, 22, 0, tzinfo=UTC)
TUESDAY_9 = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)


def rome_snapshot(plan: str = "standard", text: str = ROME_POLICY,
                  name: str = "p.toml") -> PlanSnapshot:
    return parse_policy(text, Path(name)).snapshot(plan, TAM, MONDAY_10)


def rome_ticket(severity: str = "minor", plan: str = "standard", ticket_type: str = "problem",
                at: datetime = MONDAY_10) -> TicketState:
    details = TicketDetails(ticket_id="TCK-1", customer_id=1, subject="Slow", description="x",
                            severity=severity, type=ticket_type, channel="api")
    return lifecycle.open_ticket(details, rome_snapshot(plan), at)


def warned_at_night(severity: str = "major") -> TicketState:
    """A ticket whose first response warning falls at 23:00 and goes to the TAM (the plan's
    first level, as no `unassigned` contact is set); the clock is due long after 09:00."""
    state = rome_ticket(severity, at=MONDAY_23 - timedelta(hours=36))
    state.plan.unassigned = None
    first = state.clocks["first_response"]
    first.calendar, first.target_seconds = None, 48 * 3600.0
    state.pending_notifications.clear()
    lifecycle.advance(state, MONDAY_23)
    return state
