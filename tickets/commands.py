"""Opening a ticket and changing it, each through its workflow: start it, send it updates,
query it."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import Session, col, select
from temporalio.client import (
    Client,
    WithStartWorkflowOperation,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from intake.duplicates import closest
from sla.plain_text import escape_markdown as plain
from sla.policy.rules import Policy
from sla.policy.snapshot import Contact
from sla.ticket.changes import FeedbackGiven
from sla.ticket.feedback_link import is_server_token, token_digest, verified_closure
from sla.ticket.state import Coverage, EmergencyCall, SlotClaim, TicketDetails
from sla.ticket.view import TicketView, with_sent_text
from store.models import Customer, Ticket
from store.rollouts import customer_contact, customer_tam
from tickets.changes import Change
from tickets.errors import (
    NotFound,
    Refused,
    Unavailable,
    from_update_failure,
)
from tickets.inputs import TicketCreate
from tickets.scrub import MaskedSecretPublic, Scrubber
from tickets.services import AppResources
from workflows import search_attributes as sa
from workflows.messages import (
    CoverageGiven,
    DuplicateDecision,
    FeedbackLink,
    OpenTicket,
    TicketChange,
    TicketWorkflowInput,
)
from workflows.ticket import TicketWorkflow

Argument = TypeVar("Argument")


def new_ticket_id(customer_id: int, idempotency_key: str | None) -> str:
    """Random, or derived from the customer and Idempotency-Key so a retry finds the same ticket."""
    if idempotency_key is None:
        return f"TCK-{secrets.token_hex(6).upper()}"
    digest = hashlib.sha256(f"{customer_id}:{idempotency_key}".encode()).hexdigest()
    return f"TCK-{digest[:12].upper()}"


def find_duplicate(session: Session, policy: Policy, customer_id: int,
                   request: TicketCreate) -> str | None:
    """An open ticket of the customer, opened within the window, about the same problem."""
    since = datetime.now(UTC) - policy.duplicates.window
    query = select(Ticket).where(Ticket.customer_id == customer_id, Ticket.status != "closed",
                                 col(Ticket.created_at) >= since,
                                 col(Ticket.duplicate_of).is_(None))
    candidates = [(ticket.id, f"{ticket.subject} {ticket.description}")
                  for ticket in session.exec(query)]
    return closest(f"{request.subject} {request.description}", candidates,
                   policy.duplicates.similarity)


def fingerprint(request: TicketCreate) -> str:
    # A field left at its default is left out, so tickets opened before it existed keep
    # their fingerprint (an Idempotency-Key retry across an upgrade is still the same).
    fields = request.model_dump(mode="json", exclude={"service"} if request.service is None
                                else set())
    canonical = json.dumps(fields, sort_keys=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


async def create_ticket(
    client: Client,
    task_queue: str,
    policy: Policy,
    customer: Customer,
    request: TicketCreate,
    idempotency_key: str | None,
    wait: timedelta,
    call: EmergencyCall | None = None,
    possible_duplicate_of: str | None = None,
    wait_for_worker: bool = True,
    tier: str | None = None,
    coverage: Coverage | None = None,
    ticket_id: str | None = None,
    slot_claim: SlotClaim | None = None,
    console_url: str | None = None,
    intake_missing: list[str] | None = None,
) -> TicketView | str:
    """Start the ticket's workflow and wait for its row; returns the id alone on a slow worker,
    or at once with ``wait_for_worker=False``. The request is checked already
    (``tickets.opening.open_ticket``, the use case every way in calls).

    With ``call``, the ticket is opened by an emergency call, recorded in the same step.
    ``tier`` is the plan a contract gives (default: the customer's plan), ``coverage``
    what pays for the work on a tier that sells slots, and ``slot_claim`` the slot the
    workflow takes as its first step (see ``sla.ticket.coverage.coverage_for``);
    ``console_url`` (the API's public address) puts a link to the ticket's page into the
    workflow's details in the Web UI.

    Update-with-start makes creation one durable step: the workflow exists before
    anything is written, and its first activity writes the row, so no crash leaves
    a row without a workflow or a workflow without a row.
    """
    assert customer.id is not None
    plan = policy.snapshot(tier or customer.plan, customer_tam(customer), datetime.now(UTC),
                           customer=customer_contact(customer))
    severity = plan.effective_severity(request.severity)
    ticket_id = ticket_id or new_ticket_id(customer.id, idempotency_key)
    request_fingerprint = fingerprint(request)
    assignee = (
        Contact(role="assignee", name=request.assignee.name, email=request.assignee.email)
        if request.assignee else None
    )
    details = TicketDetails(
        ticket_id=ticket_id, customer_id=customer.id, subject=request.subject,
        description=request.description, severity=severity, type=request.type,
        channel=request.channel, assignee=assignee, intake=dict(request.intake),
        possible_duplicate_of=possible_duplicate_of, coverage=coverage,
        intake_missing=list(intake_missing or []),
    )
    attributes = sa.ticket_attributes(
        status="open", severity=severity, plan=plan.plan,
        customer_id=customer.id, escalation_level=0, breached=False,
        ticket_id=ticket_id, ticket_type=request.type,
        policy=sa.policy_version(plan.policy_name, plan.policy_hash),
    )
    # The Web UI renders both as Markdown: the customer's words go in escaped, so only the
    # console link below is a link.
    summary = f"{plain(request.subject)} · {plain(customer.name)} · {severity}"[:200]
    description = (
        f"**{plain(request.subject)}**\n\ncustomer {plain(customer.name)} (#{customer.id}) · "
        f"plan {plan.plan} · {severity} {request.type} via {request.channel}\n\n"
        f"{plain(request.description[:1000], one_line=False)}"
    )
    if console_url:
        # The Web UI shows it as a link back to the ticket's page in the console.
        description += f"\n\n[Open in the console]({console_url}/queue/tickets/{ticket_id})"
    workflow_input = TicketWorkflowInput(details=details, plan=plan,
                                         request_fingerprint=request_fingerprint,
                                         slot_claim=slot_claim)
    if not wait_for_worker and call is None:
        # Started and answered at once; the first workflow task writes the row. A ticket
        # id already taken (an Idempotency-Key replay) takes the checked path below.
        try:
            await client.start_workflow(
                TicketWorkflow.run, workflow_input, id=ticket_id, task_queue=task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                search_attributes=attributes, static_summary=summary,
                static_details=description)
            return ticket_id
        except WorkflowAlreadyStartedError:
            pass
    start = WithStartWorkflowOperation(
        TicketWorkflow.run, workflow_input, id=ticket_id, task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        search_attributes=attributes, static_summary=summary, static_details=description)
    if call is not None:
        first_update = client.execute_update_with_start_workflow(
            TicketWorkflow.record_call, call, start_workflow_operation=start)
    else:
        first_update = client.execute_update_with_start_workflow(
            TicketWorkflow.open, OpenTicket(request_fingerprint), start_workflow_operation=start)
    try:
        async def opened_then_read() -> TicketView:
            answered = await first_update
            # The answer lacks only the text this request sent: no second round trip.
            whole = with_sent_text(answered, details, call)
            if whole is not None:
                return whole
            return await ticket_handle(client, ticket_id).query(TicketWorkflow.sla)

        view = await asyncio.wait_for(opened_then_read(), timeout=wait.total_seconds())
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        # The workflow was started in the same call; the worker will write the row.
        return ticket_id
    except WorkflowUpdateFailedError as error:
        raise from_update_failure(error, ticket_id) from None
    except WorkflowAlreadyStartedError:
        raise Refused(f"this Idempotency-Key created ticket {ticket_id}, which is closed and "
                      "archived; use a new key for a new ticket") from None
    return view


def ticket_handle(client: Client, ticket_id: str) -> WorkflowHandle[TicketWorkflow, TicketView]:
    return client.get_workflow_handle_for(TicketWorkflow.run, ticket_id)


def _not_found(ticket_id: str) -> NotFound:
    return NotFound(f"no ticket {ticket_id}")


async def query_ticket(client: Client, ticket_id: str) -> TicketView:
    try:
        return await ticket_handle(client, ticket_id).query(TicketWorkflow.sla)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise _not_found(ticket_id) from None
        raise


async def update_ticket(
    client: Client,
    session: Session,
    ticket_id: str,
    update: str | UpdateMethodMultiParam[[TicketWorkflow, Argument], TicketView],
    argument: Argument,
    wait: timedelta,
    update_id: str | None = None,
) -> TicketView:
    """Send one update (its method, or the name a change of ``sla.ticket.changes`` is sent
    under); a refused change raises ``Refused`` with the workflow's reason.

    ``update_id`` makes a repeat of the same request (a double click, a client's retry)
    the same update: Temporal answers it with the first one's outcome, applied once."""
    try:
        handle = ticket_handle(client, ticket_id)

        async def changed_then_read() -> TicketView:
            if isinstance(update, str):
                await handle.execute_update(update, argument, id=update_id,
                                            result_type=TicketView)
            else:
                await handle.execute_update(update, argument, id=update_id)
            # The update answers with what changed; the whole ticket comes from its query.
            return await handle.query(TicketWorkflow.sla)

        return await asyncio.wait_for(changed_then_read(), timeout=wait.total_seconds())
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        raise Unavailable("the ticket's worker did not answer in time; the change may still "
                          f"apply when it does: check GET /tickets/{ticket_id} before "
                          "retrying") from None
    except WorkflowUpdateFailedError as error:
        raise from_update_failure(error, ticket_id) from None
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        if await asyncio.to_thread(lambda: session.get(Ticket, ticket_id)) is None:
            raise _not_found(ticket_id) from None
        raise Refused(f"ticket {ticket_id} closed and its reopen window has ended; "
                      "it can no longer change (open a new ticket)") from None


#: The changes that are updates of their own, each with a workflow step besides the
#: change to the state; every other change is sent under its own update name
#: (``sla.ticket.changes``).
_OWN_UPDATES: dict[type[Any], Any] = {
    EmergencyCall: TicketWorkflow.record_call,
    CoverageGiven: TicketWorkflow.cover,
    DuplicateDecision: TicketWorkflow.decide_duplicate,
}

#: Every change a ticket takes after it is opened.
AnyChange = TicketChange | EmergencyCall | CoverageGiven | DuplicateDecision


async def change_ticket(client: Client, session: Session, ticket_id: str, change: AnyChange,
                        wait: timedelta, update_id: str | None = None) -> TicketView:
    """Make one change through the ticket's workflow (``update_ticket``'s errors)."""
    update = change.update if isinstance(change, TicketChange) else _OWN_UPDATES[type(change)]
    return await update_ticket(client, session, ticket_id, update, change, wait, update_id)


@dataclass(frozen=True)
class Changed:
    view: TicketView
    #: Secrets found in the change's text, masked before it was sent.
    masked: list[MaskedSecretPublic]


async def make_change(resources: AppResources, session: Session, ticket_id: str,
                      change: Change, request_key: str | None = None) -> Changed:
    """A person's change to a ticket, whichever interface it came through: its text
    masked, then sent as its workflow update. ``request_key`` (a form's key, a client's
    Idempotency-Key) makes a repeat of the same request one change."""
    scrub = Scrubber()
    message = await asyncio.to_thread(change.message, scrub)  # masking: off the event loop
    if isinstance(message, FeedbackGiven) and message.token and is_server_token(message.token):
        message = _verified_link(resources, ticket_id, message)
    update_id = None
    if request_key is not None:
        # Scoped by the change, so one key reused for another change is not taken for it.
        update_id = f"{change.action}:{hashlib.sha256(request_key.encode()).hexdigest()[:32]}"
    view = await change_ticket(resources.temporal, session, ticket_id, message, resources.wait,
                               update_id)
    return Changed(view, scrub.masked)


def _verified_link(resources: AppResources, ticket_id: str,
                   given: FeedbackGiven) -> FeedbackGiven:
    """A rating from a link signed by the server: checked here, and sent to the ticket as
    the closure it is good for, so its token never enters the ticket's history."""
    closure = verified_closure(resources.settings.feedback_link_secrets, ticket_id,
                               given.token or "")
    if closure is None:
        raise Refused("this feedback link is not valid for the ticket")
    return replace(given, token=None, link_closure=closure)


async def checked_feedback_link(resources: AppResources, session: Session, ticket_id: str,
                                token: str) -> FeedbackLink | None:
    """Where a feedback link stands; None for a ticket or a token that does not exist.

    The anonymous page's one door to the ticket: a link signed by the server is checked
    with its secrets (FEEDBACK_LINK_SECRET, then the old ones), one of a ticket with a
    secret of its own against the ticket's row (the digest of its latest link's token), so
    a made-up id or token costs one indexed read and never a workflow query. Only a link that matches is asked
    of the workflow (is it rated already, reopened?), within the API's wait."""
    row = await asyncio.to_thread(lambda: session.get(Ticket, ticket_id))
    if row is None:
        return None
    if is_server_token(token):
        # Signed by the server: checked with its secrets, and the ticket asked about the
        # closure only (a wrong token costs no query either).
        closure = verified_closure(resources.settings.feedback_link_secrets, ticket_id, token)
        if closure is None:
            return None
        return await _asked_in_time(resources, feedback_closure_of(resources.temporal,
                                                                   ticket_id, closure))
    if row.feedback_link_digest is not None and not hmac.compare_digest(
            row.feedback_link_digest, token_digest(token)):
        # Written by this version ("" for a ticket never closed) and not this token's.
        return None
    return await _asked_in_time(resources, feedback_link_of(resources.temporal, ticket_id,
                                                            token))


async def _asked_in_time(resources: AppResources,
                         asked: Awaitable[FeedbackLink | None]) -> FeedbackLink | None:
    try:
        return await asyncio.wait_for(asked, timeout=resources.wait.total_seconds())
    except TimeoutError:
        raise Unavailable("the ticket did not answer in time; try the link again in a "
                          "minute") from None


async def feedback_closure_of(client: Client, ticket_id: str,
                              closure: int) -> FeedbackLink | None:
    """Where the link of a ticket's closure stands (answered by the workflow)."""
    try:
        link: FeedbackLink = await ticket_handle(client, ticket_id).query(
            TicketWorkflow.feedback_closure, closure)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return None if link.status == "invalid" else link


async def feedback_link_of(client: Client, ticket_id: str, token: str) -> FeedbackLink | None:
    """Where the ticket's feedback link stands (answered by the workflow); None for a
    ticket or a token that does not exist."""
    try:
        link: FeedbackLink = await ticket_handle(client, ticket_id).query(
            TicketWorkflow.feedback_link, token)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            return None
        raise
    return None if link.status == "invalid" else link

