"""Arguments of the ticket workflow and its updates: one dataclass each, so they can grow."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sla.policy.snapshot import PlanSnapshot
from sla.ticket.changes import (
    AgentResponse,
    CallbackReport,
    Confirmation,
    CustomerReply,
    FeedbackGiven,
    PageAcknowledgement,
    PlanChange,
    Reopen,
    ResolutionProposal,
    SeverityChange,
    StatusChange,
    StepRetry,
    TicketChange,
    TypeChange,
    UpdateIntervalChange,
)
from sla.ticket.state import Coverage, SlotClaim, TicketDetails, TicketState

# The changes a ticket takes are the domain's (``sla.ticket.changes``); named here too,
# beside the workflow's other arguments.
__all__ = [
    "AgentResponse", "CallbackReport", "Confirmation", "CustomerReply", "FeedbackGiven",
    "PageAcknowledgement", "PlanChange", "Reopen", "ResolutionProposal", "SeverityChange",
    "StatusChange", "StepRetry", "TicketChange", "TypeChange", "UpdateIntervalChange",
]


@dataclass
class TicketWorkflowInput:
    details: TicketDetails
    plan: PlanSnapshot
    request_fingerprint: str = ""
    #: Set by continue-as-new: the whole state, carried over unchanged.
    carried_state: TicketState | None = None
    #: Continue as new once the history holds this many events.
    max_history_events: int = 5000
    #: Upsert the custom search attributes (the server must have them registered).
    upsert_search_attributes: bool = True
    #: The slot the request is to take, as the ticket's first step (``details.coverage``
    #: says what covers it once taken).
    slot_claim: SlotClaim | None = None


@dataclass
class OpenTicket:
    request_fingerprint: str = ""


@dataclass
class CoverageGiven:
    """A slot now covers the request, or an agent covers it by hand."""

    coverage: Coverage
    #: The slot to take first; the cover is refused if the period is full by then.
    slot_claim: SlotClaim | None = None


@dataclass
class DuplicateDecision:
    """An agent confirms that a suspected duplicate is the other ticket's problem, or not."""

    confirmed: bool
    author: str
    reason: str = ""


@dataclass
class FeedbackLink:
    """What a feedback link is good for now (``sla.ticket.feedback_link.LinkStatus``)."""

    status: str
    ticket_id: str
    subject: str


#: A rollout's progress names at most this many tickets of each outcome (the first ones);
#: the counts go on past it, so a rollout over 100,000 tickets stays a small payload.
ROLLOUT_LISTED = 1000


@dataclass
class RolloutProgress:
    """Where a rollout of a plan or policy version over open tickets stands: a count of each
    outcome, and the first ``ROLLOUT_LISTED`` tickets of each."""

    total: int = 0
    retargeted: list[str] = field(default_factory=list)
    #: Already under the plan and policy version: nothing to do.
    unchanged: list[str] = field(default_factory=list)
    #: Ticket id -> why it did not take the change (it keeps its targets).
    failed: dict[str, str] = field(default_factory=dict)
    retargeted_count: int = 0
    unchanged_count: int = 0
    failed_count: int = 0

    def __post_init__(self) -> None:
        # A progress recorded before the counts had its lists whole.
        self.retargeted_count = max(self.retargeted_count, len(self.retargeted))
        self.unchanged_count = max(self.unchanged_count, len(self.unchanged))
        self.failed_count = max(self.failed_count, len(self.failed))

    def record(self, ticket_id: str, outcome: RetargetOutcome) -> None:
        if outcome.result == "retargeted":
            self.retargeted_count += 1
            if len(self.retargeted) < ROLLOUT_LISTED:
                self.retargeted.append(ticket_id)
        elif outcome.result == "unchanged":
            self.unchanged_count += 1
            if len(self.unchanged) < ROLLOUT_LISTED:
                self.unchanged.append(ticket_id)
        else:
            self.failed_count += 1
            if len(self.failed) < ROLLOUT_LISTED:
                self.failed[ticket_id] = outcome.reason

    @property
    def done(self) -> int:
        return self.retargeted_count + self.unchanged_count + self.failed_count


@dataclass
class RolloutTarget:
    ticket_id: str
    #: Key into ``RolloutInput.plans`` (one snapshot per customer and tier).
    plan: str


@dataclass
class RolloutCursor:
    """Where a paged rollout stands in the open tickets, taken oldest first."""

    created_at: datetime
    ticket_id: str


@dataclass
class RolloutInput:
    """Open tickets to bring under another plan or policy version, each through its own
    workflow's ``change_plan`` update.

    A paged rollout (``paged``) carries the policy's text and its scope instead of its
    tickets: it reads them a page at a time (``plan_rollout_page``), so its input stays a
    few kilobytes however many customers and tickets there are. One that is not (started
    before pages) carries every ticket and one plan snapshot per customer and tier."""

    plans: dict[str, PlanSnapshot]
    #: Those still to do, in order.
    targets: list[RolloutTarget]
    actor: str
    reason: str = ""
    #: So far (tickets refused before the rollout started are in ``failed`` already).
    progress: RolloutProgress = field(default_factory=RolloutProgress)
    #: Tickets re-targeted at the same time; each is one update round trip.
    concurrency: int = 8
    #: Tickets per run before it continues as new, keeping its history short.
    per_run: int = 500
    paged: bool = False
    #: The policy to apply, as its file reads, and the file's name.
    policy_text: str = ""
    policy_name: str = ""
    #: One customer's open tickets, or (None) every customer's.
    customer_id: int | None = None
    #: The last ticket done (None: from the oldest open ticket).
    after: RolloutCursor | None = None
    #: Tickets read a page at a time: a page's plan snapshots stay well under 2 MB.
    page_size: int = 100


@dataclass
class RolloutPageRequest:
    """``plan_rollout_page``'s input: the next open tickets of the scope after ``after``."""

    policy_text: str
    policy_name: str
    customer_id: int | None
    after: RolloutCursor | None
    limit: int


@dataclass
class RolloutPage:
    """Open tickets of a paged rollout, each with its plan: the same shape as an unpaged
    rollout's input, for ``limit`` tickets at most."""

    plans: dict[str, PlanSnapshot]
    targets: list[RolloutTarget]
    #: Tickets that have no plan to take, with the reason (failed at once).
    refused: dict[str, str]
    #: The page's last ticket (None: no ticket was left).
    last: RolloutCursor | None


@dataclass
class Retarget:
    """One ticket of a rollout: the ``retarget_ticket`` activity's input."""

    ticket_id: str
    plan: PlanSnapshot
    actor: str
    reason: str
    #: The update's id: a retried step re-attaches to the update it sent, never sends two.
    update_id: str


@dataclass
class RetargetOutcome:
    #: retargeted | unchanged | failed
    result: str
    reason: str = ""


@dataclass
class WaitingRequest:
    ticket_id: str
    type: str


@dataclass
class CoveringProgress:
    """Where the covering of a customer's waiting requests stands."""

    total: int = 0
    covered: list[str] = field(default_factory=list)
    #: Covered meanwhile by someone else (an agent), or closed: nothing to do.
    unchanged: list[str] = field(default_factory=list)
    #: Ticket id -> why it was not covered (it keeps waiting).
    failed: dict[str, str] = field(default_factory=dict)
    #: Why the covering stopped before the end (no slot left), or empty.
    stopped: str = ""


@dataclass
class CoveringInput:
    """A customer's requests that wait for a slot, oldest first, after a contract was
    added: each takes a slot through its own ``cover`` update while slots last."""

    customer_id: int
    customer_plan: str
    #: Ticket type -> plan -> whether a request needs a slot (the policy, frozen at start).
    needs: dict[str, dict[str, bool]]
    requests: list[WaitingRequest]


@dataclass
class CoverRequest:
    """One waiting request: the ``cover_request`` activity's input."""

    ticket_id: str
    customer_id: int
    customer_plan: str
    needs: dict[str, bool]
    #: The update's id: a retried step re-attaches to the update it sent, never sends two.
    update_id: str
    #: When the step was taken (the covering's clock): contracts are judged at that moment.
    at: datetime


@dataclass
class CoverOutcome:
    #: ``covered``, ``unchanged`` (nothing to do), ``no_slot`` (stop) or ``failed``.
    result: str
    reason: str = ""
