"""Arguments of the ticket workflow and its updates: one dataclass each, so they can grow."""

from __future__ import annotations

from dataclasses import dataclass

from sla.snapshot import PlanSnapshot
from sla.ticket import Coverage, TicketDetails, TicketState


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


@dataclass
class OpenTicket:
    request_fingerprint: str = ""


@dataclass
class AgentResponse:
    author: str
    body: str
    automatic: bool = False
    workaround: bool = False


@dataclass
class CallbackReport:
    agent: str
    outcome: str
    notes: str = ""


@dataclass
class PageAcknowledgement:
    level: int
    by: str


@dataclass
class UpdateIntervalChange:
    seconds: float
    author: str


@dataclass
class CustomerReply:
    body: str
    message_id: str = ""


@dataclass
class StatusChange:
    status: str
    author: str


@dataclass
class ResolutionProposal:
    author: str
    summary: str
    #: "fix" or "recommendation"; None: what the tier gets (recommendations-only: a recommendation).
    kind: str | None = None


@dataclass
class Confirmation:
    comment: str = ""


@dataclass
class Reopen:
    actor: str
    reason: str = ""


@dataclass
class SeverityChange:
    severity: str
    author: str


@dataclass
class TypeChange:
    type: str
    author: str


@dataclass
class PlanChange:
    """Another plan for the ticket, or another policy version of it (applied or rolled back)."""

    plan: PlanSnapshot
    actor: str
    reason: str = ""


@dataclass
class FeedbackGiven:
    rating: int
    comment: str = ""
    #: From the link sent at closure (no API key): it must be this closure's.
    token: str | None = None


@dataclass
class CoverageGiven:
    """A slot now covers the request, or an agent covers it by hand."""

    coverage: Coverage


@dataclass
class DuplicateDecision:
    """An agent confirms that a suspected duplicate is the other ticket's problem, or not."""

    confirmed: bool
    author: str
    reason: str = ""


@dataclass
class FeedbackLink:
    """What a feedback link is good for now (``sla.feedback_link.LinkStatus``)."""

    status: str
    ticket_id: str
    subject: str
