"""Request and response models of the public API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sla.addresses import Address, one_address
from sla.ticket.bounds import CALLS_KEPT, PAGES_KEPT
from sla.ticket.state import EmergencyCall
from sla.vocabulary import ClockState, DeliveryStatus, Severity, TicketStatus, TicketType
from store.models import CustomerBase
from tickets.inputs import (
    Input,
    Name,
    Text,
    TicketChannel,
    reject_unstorable_text,
)
from tickets.scrub import MaskedSecretPublic


class ProblemPublic(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ErrorPublic(BaseModel):
    """Every error's body: the reason as text, or each problem with the input."""

    detail: str | list[ProblemPublic]


# --- customers ------------------------------------------------------------------


class CustomerCreate(CustomerBase):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)  # type: ignore[assignment]

    _storable_text = model_validator(mode="before")(reject_unstorable_text)

    # The customer's and the TAM's addresses receive the ticket's mail: one address each.
    @field_validator("email", "tam_email")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        return None if value is None else one_address(value)


class CustomerPublic(CustomerBase):
    id: int
    created_at: datetime


# --- tickets --------------------------------------------------------------------


class ContactPublic(BaseModel):
    role: str
    name: str
    email: str | None = None
    phone: str | None = None


class ClockPublic(BaseModel):
    name: str
    state: ClockState
    due_at: datetime | None
    remaining_seconds: float
    target_seconds: float
    warned: bool
    breached_at: datetime | None
    stopped_at: datetime | None
    ended_at: datetime | None = Field(
        default=None, description="When new targets (a severity, type, plan or policy "
                                  "change) dropped the clock.")
    kind: Literal["commitment", "internal target"] = Field(
        default="commitment",
        description="commitment: the contract states the target (customers see it); internal "
                    "target: the team's own assumption (an OLA), never shown to customer keys.")


class HeldNoticePublic(BaseModel):
    """A non-urgent message waiting for its recipient's hours (the policy's [notices])."""

    kind: str
    recipient: str
    role: str
    channel: str
    created_at: datetime
    send_at: datetime


class PagePublic(BaseModel):
    """One contact paged at one level: who, by name and role (their addresses are the
    plan's)."""

    level: int
    contact_name: str
    contact_role: str
    at: datetime


class EmergencyPublic(BaseModel):
    """Calls to the emergency line, the callback owed and the pages sent for it."""

    calls: list[EmergencyCall] = Field(description=f"The latest calls (up to {CALLS_KEPT}).")
    calls_taken: int = Field(description="Every call taken on this ticket, counted.")
    callback_made_at: datetime | None
    callback_outcome: str | None
    callback_by: str | None
    page_level: int
    next_page_at: datetime | None
    pages: list[PagePublic] = Field(description=f"The latest pages (up to {PAGES_KEPT}).")
    pages_sent: int = Field(description="Every page sent for this ticket, counted.")
    acknowledged_level: int | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class FeedbackPublic(BaseModel):
    #: Which closure of the ticket it rates (1: the first; a reopened ticket is rated again).
    closure: int
    rating: int
    comment: str
    at: datetime


class CoveragePublic(BaseModel):
    covered: bool
    contract_id: int | None
    label: str = Field(description="What covers the work, or why it is not covered.")
    at: datetime | None
    by: str


class StepFailurePublic(BaseModel):
    """A step of the ticket's workflow that keeps failing; its deadlines go on meanwhile."""

    step: str = Field(description="record_ticket: the ticket's row and timeline in the "
                      "database, which the queue and the reports read")
    error: str
    since: datetime
    retry_at: datetime = Field(description="When the step is tried next (the pause doubles "
                               "each round, up to an hour)")
    rounds: int


class TicketShown(BaseModel):
    """What every key reading a ticket sees of its live SLA state."""

    id: str
    customer_id: int
    subject: str
    description: str
    severity: Severity
    type: TicketType
    channel: TicketChannel
    plan: str
    status: TicketStatus
    breached: bool
    created_at: datetime
    first_responded_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None
    clocks: list[ClockPublic]
    intake: dict[str, str]
    update_interval_seconds: float | None
    workaround_at: datetime | None
    next_due_at: datetime | None
    next_due_clock: str | None
    duplicate_of: str | None
    duplicates: list[str] = Field(description="The latest 100 tickets linked to this one "
                                  "as its duplicates.")
    duplicates_linked: int = Field(default=0, description="How many tickets were linked "
                                   "to this one as its duplicates, in all.")
    possible_duplicate_of: str | None = Field(
        default=None, description="An open ticket of the customer this one looks like: its "
        "own clocks run until an agent confirms the link (POST /tickets/{id}/duplicate; then "
        "they end) or rejects it.")
    intake_missing: list[str] = Field(
        default=[], description="Intake fields the policy asks for that the request lacked: "
        "a mail or a call opens its ticket anyway, marked intake incomplete, and the receipt "
        "asks the customer for them (the API refuses such a request with 422).")
    policy_name: str = Field(description="The policy file the ticket runs under ('' for "
                             "tickets opened before tickets recorded it).")
    policy_hash: str = Field(description="SHA-256 of that file's content when the ticket "
                             "opened (first 12 hex digits): an edit changes new tickets only.")
    feedback: list[FeedbackPublic] = []
    coverage: CoveragePublic | None = Field(
        default=None, description="What pays for the work on a tier that sells support "
        "slots; null when the tier needs none. Not covered: the clocks wait.")
    recommendations_only: bool = Field(
        default=False, description="The tier gets recommendations only (a fix needs a paid tier).")
    as_of: datetime
    #: Secrets found in what this request sent, masked before anything was stored.
    masked: list[MaskedSecretPublic] = []


class TicketPublic(TicketShown):
    """A ticket's live SLA state, read from its workflow, as the team reads it."""

    escalation_level: int
    escalated_to: ContactPublic | None
    assignee: ContactPublic | None
    emergency: EmergencyPublic | None
    failing_step: StepFailurePublic | None = Field(
        default=None, description="A step of the ticket's workflow that keeps failing (for "
        "the team only). Its deadlines, warnings, breaches and escalations go on; the row in "
        "the database lags until the step succeeds.")
    held_notices: list[HeldNoticePublic] = Field(
        default=[], description="Messages held until their recipient's hours begin, with "
                                "the time each goes out.")


class CustomerEmergencyPublic(BaseModel):
    """The emergency line as the customer sees it: their calls and the callback owed;
    who was paged, and at which level, is the team's."""

    calls: list[EmergencyCall] = Field(description=f"The latest calls (up to {CALLS_KEPT}).")
    calls_taken: int
    callback_made_at: datetime | None
    callback_outcome: str | None


class CustomerTicketPublic(TicketShown):
    """A ticket as a customer key reads it: the targets committed to them, never the
    team's contacts, escalation levels, pages or failures."""

    emergency: CustomerEmergencyPublic | None


class TicketAccepted(BaseModel):
    id: str
    detail: str


class CustomerTicketSummary(BaseModel):
    """A list row as a customer key reads it (no escalation level)."""

    model_config = ConfigDict(from_attributes=True)

    id: str
    customer_id: int
    subject: str
    severity: str
    type: str
    channel: str
    plan: str
    status: TicketStatus
    breached: bool
    assignee_name: str | None
    first_response_due: datetime | None
    first_response_state: str | None
    next_update_due: datetime | None
    next_update_state: str | None
    resolution_due: datetime | None
    resolution_state: str | None
    next_due_at: datetime | None
    next_due_clock: str | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TicketSummary(CustomerTicketSummary):
    """A ticket as the database projection holds it (for lists and filters)."""

    escalation_level: int


class TimelineEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    kind: str
    actor: str
    detail: str


class CustomerNotificationPublic(BaseModel):
    """A message to the customer, as their key reads it (no delivery errors)."""

    model_config = ConfigDict(from_attributes=True)

    idempotency_key: str
    kind: str
    channel: str
    recipient_role: str
    recipient_name: str
    recipient_address: str | None
    subject: str
    body: str
    status: DeliveryStatus
    created_at: datetime
    sent_at: datetime | None


class NotificationPublic(CustomerNotificationPublic):
    attempts: int
    last_error: str | None
    provider_ref: str | None


class HealthPublic(BaseModel):
    status: Literal["ok", "degraded"]
    database: str
    temporal: str


# --- the emergency line -------------------------------------------------------------

Phone = Annotated[str, Field(min_length=3, max_length=32, pattern=r"^\+?[0-9][0-9 ()./-]{2,}$")]


class EmergencyCallCreate(Input):
    """What the representative takes on the phone."""

    company_name: Name
    contact_name: Name
    contact_phone: Phone
    contact_email: Address
    description: Text
    ticket_id: str | None = Field(default=None, max_length=64,
                                  description="The ticket the caller names, if any.")
    taken_at: datetime | None = Field(default=None,
                                      description="When the call was taken (default: now).")


class EmergencyCallAccepted(BaseModel):
    masked: list[MaskedSecretPublic] = []
    call_id: str
    ticket_id: str
    ticket_created: bool
    unknown_caller: bool
    callback_due_at: datetime | None


class AcknowledgementCreate(Input):
    """The body of an acknowledgement; the path names the page's level
    (``tickets.changes.Acknowledge``)."""

    by: Name
