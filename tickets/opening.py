"""Opening a ticket: the one use case every way in calls (``POST /tickets``, inbound mail,
the emergency line, the help-desk connectors), with the same checks in the same order.

First the cheap checks, which need no other ticket: the customer exists, its plan is the
policy's, the contract does not exclude the channel or the service, the intake fields the
policy asks for are there. Then the ones that read other tickets and contracts: a retry
of the same request, a possible duplicate, the support slot that covers it.

Where a way in must differ, its ``EntryRules`` say so, in one table (``ENTRY_RULES``):

- A request made through the API whose intake is incomplete is refused (422): the
  sender is there to add the fields. A mail, a call or a help desk's ticket is never
  refused for it, since nobody would see the refusal and the customer's problem would be
  lost: it opens marked "intake incomplete", and the receipt asks for the missing fields.
- A call to the emergency line goes to the ticket it names or the customer's open one
  (``tickets.emergency_calls``); when it opens a ticket, it is never held back as a
  possible duplicate: the callback clock runs at once.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlmodel import Session

from sla.policy.rules import Policy
from sla.ticket.coverage import coverage_for
from sla.ticket.state import EmergencyCall
from sla.ticket.view import TicketView
from store.models import Customer, Ticket
from tickets.commands import create_ticket, find_duplicate, new_ticket_id
from tickets.contracts import decide_for
from tickets.errors import Invalid, Problem, invalid
from tickets.inputs import TicketCreate
from tickets.recipients import checked_assignee
from tickets.scrub import MaskedSecretPublic, Scrubber
from tickets.services import AppResources


class EntryPoint(StrEnum):
    """A way a ticket comes in."""

    API = "api"
    EMAIL = "email"
    PHONE = "phone"
    HELP_DESK = "help_desk"


@dataclass(frozen=True)
class EntryRules:
    #: A request without the intake fields the policy asks for opens, marked "intake
    #: incomplete" (its receipt asks for them); otherwise it is refused with 422.
    opens_with_incomplete_intake: bool
    #: An open ticket of the customer about the same problem makes this one its possible
    #: duplicate (unless the request says ``force_new``).
    looks_for_duplicates: bool


ENTRY_RULES: dict[EntryPoint, EntryRules] = {
    EntryPoint.API: EntryRules(opens_with_incomplete_intake=False, looks_for_duplicates=True),
    EntryPoint.EMAIL: EntryRules(opens_with_incomplete_intake=True, looks_for_duplicates=True),
    EntryPoint.PHONE: EntryRules(opens_with_incomplete_intake=True, looks_for_duplicates=False),
    EntryPoint.HELP_DESK: EntryRules(opens_with_incomplete_intake=True,
                                     looks_for_duplicates=True),
}


@dataclass(frozen=True)
class Opened:
    ticket_id: str
    #: The ticket's view, or None when the worker had not answered yet (it will write it).
    view: TicketView | None
    #: The same request (same Idempotency-Key) opened it before: this is that ticket.
    replay: bool
    masked: list[MaskedSecretPublic]
    #: Intake fields the policy asks for that the request lacked (its receipt asks for them).
    intake_missing: list[str]


def masked_request(request: TicketCreate, scrub: Scrubber) -> TicketCreate:
    """The request with secrets in its text cut to their first and last characters."""
    return request.model_copy(update={
        "subject": scrub("subject", request.subject),
        "description": scrub("description", request.description),
        "intake": {name: scrub(f"intake.{name}", value) for name, value in request.intake.items()},
    })


def check_request(policy: Policy, customer: Customer | None, request: TicketCreate,
                  rules: EntryRules) -> list[str]:
    """The cheap checks, in order; returns the intake fields missing where the entry point
    opens the ticket anyway."""
    if customer is None:
        raise invalid(("body", "customer_id"), f"no customer {request.customer_id}")
    if customer.plan not in policy.plans:
        raise invalid(("body", "customer_id"),
                      f"customer {customer.id} is on plan {customer.plan!r}, which the SLA "
                      f"policy does not define (plans: {', '.join(sorted(policy.plans))})")
    refused = policy.refusal(request.service, request.channel)
    if refused is not None:
        raise invalid(("body", refused[0]), refused[1])
    missing = policy.missing_intake(request.type, request.intake)
    if missing and not rules.opens_with_incomplete_intake:
        raise Invalid([Problem(("body", "intake", name), f"required for {request.type} tickets",
                               "missing") for name in missing])
    return missing


async def open_ticket(
    resources: AppResources,
    session: Session,
    request: TicketCreate,
    entry: EntryPoint,
    idempotency_key: str | None,
    *,
    call: EmergencyCall | None = None,
    customer: Customer | None = None,
    wait_for_worker: bool = True,
    role: str = "customer",
) -> Opened:
    """Check the request and start its ticket's workflow (``create_ticket``), whichever way
    it came in. ``customer`` saves a second read when the caller has it already; ``call``
    is the emergency call the ticket opens with; ``role`` the caller's (only staff name an
    assignee)."""
    policy = resources.policy
    rules = ENTRY_RULES[entry]
    scrub = Scrubber()
    # Off the event loop, as the reads below: masking a long text is work for the CPU.
    request = await asyncio.to_thread(masked_request, request, scrub)

    def read() -> tuple[Customer, list[str], str, bool, str | None]:
        nonlocal request
        assignee = checked_assignee(session, policy, request.assignee, role)
        request = request.model_copy(update={"assignee": assignee})
        found = customer if customer is not None else session.get(Customer, request.customer_id)
        missing = check_request(policy, found, request, rules)
        assert found is not None and found.id is not None
        ticket_id = new_ticket_id(found.id, idempotency_key)
        replay = idempotency_key is not None and session.get(Ticket, ticket_id) is not None
        duplicate_of = None
        if rules.looks_for_duplicates and not replay and not request.force_new:
            duplicate_of = find_duplicate(session, policy, found.id, request)
        return found, missing, ticket_id, replay, duplicate_of

    found, missing, ticket_id, replay, duplicate_of = await asyncio.to_thread(read)
    now = datetime.now(UTC)
    decision = await asyncio.to_thread(lambda: decide_for(session, policy, found, request.type,
                                                          now))
    coverage, claim = coverage_for(decision, now)
    # From here the slot is the ticket's business: its workflow takes it as its first step,
    # so there is nothing to give back on an error or a timeout.
    settings = resources.settings
    result = await create_ticket(
        resources.temporal, settings.temporal_task_queue, policy, found, request,
        idempotency_key, resources.wait, call=call, possible_duplicate_of=duplicate_of,
        wait_for_worker=wait_for_worker, tier=decision.tier, coverage=coverage,
        ticket_id=ticket_id, slot_claim=claim, intake_missing=missing,
        console_url=settings.effective_public_base_url)
    view = None if isinstance(result, str) else result
    return Opened(ticket_id=ticket_id, view=view, replay=replay, masked=scrub.masked,
                  intake_missing=missing)
