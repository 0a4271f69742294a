"""Every change a person makes to a ticket, one definition each: its fields and their bounds,
who may make it, and the workflow message it becomes.

Every interface parses its input into these same models: the JSON routes take them as
their bodies, the console's forms and the feedback page validate their fields with them
(``parse_change``), so a NUL, an over-long text, an unknown value or an absurd duration
is refused with the same words whichever door it came through, before anything reaches
the workflow. Why a change cannot apply to the ticket's state (its refusal) and how it
applies are the message's own (``sla.ticket.changes``), which the workflow's one update
handler runs.

Adding a change: a model here (with its ``action``, ``audience`` and ``message``) and its
entry in ``CHANGES``, and the message's rule in ``sla.ticket.changes`` if no existing one
fits; a route or a form that names its action; its row in the tests' table.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, ClassVar, Literal, get_args

from pydantic import AfterValidator, Field, ValidationError, model_validator

from sla.policy.durations import DurationError, format_duration, parse_duration
from sla.ticket.lifecycle import LONGEST_UPDATE_INTERVAL, SHORTEST_UPDATE_INTERVAL
from sla.ticket.state import Coverage
from sla.vocabulary import Severity, TicketType
from tickets.errors import Invalid, Problem
from tickets.inputs import Input, Name, Text
from tickets.scrub import Scrubber
from workflows.messages import (
    AgentResponse,
    CallbackReport,
    Confirmation,
    CoverageGiven,
    CustomerReply,
    DuplicateDecision,
    FeedbackGiven,
    PageAcknowledgement,
    Reopen,
    ResolutionProposal,
    SeverityChange,
    StatusChange,
    StepRetry,
    TypeChange,
    UpdateIntervalChange,
)


class ChangeKind(StrEnum):
    """What a change is called in the console's form addresses (``/actions/{action}``)."""

    RESPOND = "respond"
    REPLY = "reply"
    STATUS = "status"
    RESOLUTION = "resolution"
    CONFIRM = "confirm"
    REOPEN = "reopen"
    CALLBACK = "callback"
    ACKNOWLEDGE = "acknowledge"
    UPDATE_INTERVAL = "update-interval"
    SEVERITY = "severity"
    TYPE = "type"
    COVER = "cover"
    DUPLICATE = "duplicate"
    RATE = "rate"
    RETRY = "retry"


class Audience(StrEnum):
    """Who may make a change: the team only, or the ticket's customer too."""

    STAFF = "staff"
    CUSTOMER = "customer"



Comment = Annotated[str, Field(default="", max_length=20_000)]
Reason = Annotated[str, Field(default="", max_length=500)]
Rating = Annotated[int, Field(ge=1, le=5, description="1 (poor) to 5 (excellent)")]
PageLevel = Annotated[int, Field(ge=1, le=50)]


def _update_interval(text: str) -> str:
    try:
        interval = parse_duration(text)
    except (DurationError, OverflowError) as error:
        raise ValueError(str(error) if isinstance(error, DurationError)
                         else f"{text!r} is far too long") from None
    if not SHORTEST_UPDATE_INTERVAL <= interval <= LONGEST_UPDATE_INTERVAL:
        raise ValueError(f"an update interval is between "
                         f"{format_duration(SHORTEST_UPDATE_INTERVAL)} and "
                         f"{format_duration(LONGEST_UPDATE_INTERVAL)}; {text!r} is not")
    return text


Interval = Annotated[str, Field(min_length=2, max_length=32,
                                description="Agreed with the customer: '30m', '2h', 'PT45M' "
                                            "(1 minute to 90 days)."),
                     AfterValidator(_update_interval)]


class Change(Input):
    """One change to a ticket, as any interface sends it."""

    action: ClassVar[ChangeKind]
    audience: ClassVar[Audience] = Audience.STAFF
    #: The field that names who makes the change: the console fills it in with the name
    #: of whoever is signed in (a form never asks for it).
    actor_field: ClassVar[str | None] = None

    def message(self, scrub: Scrubber) -> Any:
        """The workflow message this change is sent as, its free text masked by ``scrub``."""
        raise NotImplementedError


class Respond(Change):
    """An agent's response or update (the first one stops the first-response clock)."""

    action = ChangeKind.RESPOND
    actor_field = "author"
    author: Name
    body: Text
    automatic: bool = Field(
        default=False, description="An automatic acknowledgement: recorded, but stops no clock."
    )
    workaround: bool = Field(
        default=False,
        description="A workaround is in place: urgency drops and the update clock stops; the "
                    "ticket stays open until the customer confirms a resolution.",
    )

    investigation: bool = Field(
        default=False,
        description="The agent marks the response as an investigation carried out, with "
                    "substantive information. Where the policy's first response is the first "
                    "investigation (first_response = \"investigation\", 360dialog), only such "
                    "a response (or a workaround) stops the first-response clock: any other "
                    "is an acknowledgement, recorded on the timeline, stopping no clock. "
                    "Under other policies it changes nothing.")

    @model_validator(mode="after")
    def _an_automatic_reply_investigates_nothing(self) -> Respond:
        if self.automatic and self.investigation:
            raise ValueError("an automatic acknowledgement is not an investigation: "
                             "send automatic or investigation, not both")
        return self

    def message(self, scrub: Scrubber) -> AgentResponse:
        return AgentResponse(author=self.author, body=scrub("body", self.body),
                             automatic=self.automatic, workaround=self.workaround,
                             investigation=self.investigation)


class Reply(Change):
    """A customer reply; it ends a wait on the customer."""

    action = ChangeKind.REPLY
    audience = Audience.CUSTOMER
    body: Text

    def message(self, scrub: Scrubber) -> CustomerReply:
        return CustomerReply(body=scrub("body", self.body))


class SetStatus(Change):
    action = ChangeKind.STATUS
    actor_field = "author"
    status: Literal["open", "waiting_on_customer"]
    author: Name

    def message(self, scrub: Scrubber) -> StatusChange:
        return StatusChange(status=self.status, author=self.author)


class ProposeResolution(Change):
    action = ChangeKind.RESOLUTION
    actor_field = "author"
    author: Name
    summary: Text
    kind: Literal["fix", "recommendation"] | None = Field(
        default=None,
        description="A fix, or a recommendation; default: what the tier gets "
                    "(a recommendations-only tier: a recommendation, where a fix is refused "
                    "with 409).")

    def message(self, scrub: Scrubber) -> ResolutionProposal:
        return ResolutionProposal(author=self.author, summary=scrub("summary", self.summary),
                                  kind=self.kind)


class Confirm(Change):
    """The customer confirms the proposed resolution; the ticket closes."""

    action = ChangeKind.CONFIRM
    audience = Audience.CUSTOMER
    comment: Comment

    def message(self, scrub: Scrubber) -> Confirmation:
        return Confirmation(comment=scrub("comment", self.comment))


class ReopenTicket(Change):
    action = ChangeKind.REOPEN
    audience = Audience.CUSTOMER
    actor_field = "actor"
    actor: Name = "customer"
    reason: Annotated[str, Field(default="", max_length=20_000)]

    def message(self, scrub: Scrubber) -> Reopen:
        return Reopen(actor=self.actor, reason=scrub("reason", self.reason))


class LogCallback(Change):
    action = ChangeKind.CALLBACK
    actor_field = "agent"
    agent: Name
    outcome: Literal["reached", "no_answer", "workaround"]
    notes: Comment

    def message(self, scrub: Scrubber) -> CallbackReport:
        return CallbackReport(agent=self.agent, outcome=self.outcome,
                              notes=scrub("notes", self.notes))


class Acknowledge(Change):
    """Someone paged for a missed callback takes it (``level``: the page they answer)."""

    action = ChangeKind.ACKNOWLEDGE
    actor_field = "by"
    level: PageLevel
    by: Name

    def message(self, scrub: Scrubber) -> PageAcknowledgement:
        return PageAcknowledgement(level=self.level, by=self.by)


class AgreeUpdateInterval(Change):
    action = ChangeKind.UPDATE_INTERVAL
    actor_field = "author"
    interval: Interval
    author: Name

    def message(self, scrub: Scrubber) -> UpdateIntervalChange:
        return UpdateIntervalChange(seconds=parse_duration(self.interval).total_seconds(),
                                    author=self.author)


class ChangeSeverity(Change):
    action = ChangeKind.SEVERITY
    actor_field = "author"
    severity: Severity
    author: Name

    def message(self, scrub: Scrubber) -> SeverityChange:
        return SeverityChange(severity=self.severity, author=self.author)


class ChangeType(Change):
    action = ChangeKind.TYPE
    actor_field = "author"
    type: TicketType
    author: Name

    def message(self, scrub: Scrubber) -> TypeChange:
        return TypeChange(type=self.type, author=self.author)


class Cover(Change):
    """An agent covers a request that waits for a support slot, without a slot."""

    action = ChangeKind.COVER
    actor_field = "by"
    by: Name = Field(description="The agent who covers the request without a slot.")
    reason: Reason

    def message(self, scrub: Scrubber) -> CoverageGiven:
        reason = scrub("reason", self.reason)
        label = f"covered by {self.by}" + (f": {reason}" if reason else "")
        return CoverageGiven(Coverage(covered=True, label=label, at=datetime.now(UTC),
                                      by=self.by))


class DecideDuplicate(Change):
    action = ChangeKind.DUPLICATE
    actor_field = "author"
    decision: Literal["confirm", "reject"] = Field(
        description="confirm: the same problem as the suspected original (this ticket's "
                    "clocks end, both timelines record the link); reject: a problem of its own.")
    author: Name
    reason: Reason

    def message(self, scrub: Scrubber) -> DuplicateDecision:
        return DuplicateDecision(confirmed=self.decision == "confirm", author=self.author,
                                 reason=scrub("reason", self.reason))


class Rate(Change):
    """The customer rates a closed ticket, once per closure."""

    action = ChangeKind.RATE
    audience = Audience.CUSTOMER
    rating: Rating
    comment: Comment
    token: str | None = Field(default=None, min_length=1, max_length=64,
                              description="From the link sent at closure, when no API key "
                                          "is used: it must be this closure's.")

    def message(self, scrub: Scrubber) -> FeedbackGiven:
        return FeedbackGiven(rating=self.rating, comment=scrub("comment", self.comment),
                             token=self.token)


class RetryStep(Change):
    """A failing step (the ticket's database write, say) tried again now, once its cause
    is fixed, instead of after its pause."""

    action = ChangeKind.RETRY
    actor_field = "by"
    by: Name = Field(description="The operator who fixed the cause.")

    def message(self, scrub: Scrubber) -> StepRetry:
        return StepRetry(actor=self.by)


#: Every change by the name its form posts to.
CHANGES: dict[ChangeKind, type[Change]] = {
    change.action: change for change in (
        Respond, Reply, SetStatus, ProposeResolution, Confirm, ReopenTicket, LogCallback,
        Acknowledge, AgreeUpdateInterval, ChangeSeverity, ChangeType, Cover,
        DecideDuplicate, Rate, RetryStep)
}


def problems_of(error: ValidationError, where: str = "body") -> list[Problem]:
    """Pydantic's complaints as the use cases' problems, each naming its field."""
    return [Problem((where, *(str(part) for part in item["loc"])), item["msg"], item["type"])
            for item in error.errors(include_url=False)]


def parse_change(action: str, fields: dict[str, Any], audience: Audience,
                 actor: str | None = None) -> Change:
    """A change from a form's fields, checked exactly as the JSON routes check their bodies;
    ``actor`` (who is signed in) fills the field that names who makes it. ``Invalid``
    names each field that is wrong, or the change that does not exist for ``audience``."""
    try:
        model = CHANGES[ChangeKind(action)]
    except ValueError:
        model = None
    if model is None or model.audience is not audience:
        offered = ", ".join(k for k, m in CHANGES.items() if m.audience is audience)
        raise Invalid([Problem(("path", "action"),
                               f"no change {action!r} here; the changes are {offered}")])
    values = dict(fields)
    if actor is not None and model.actor_field is not None:
        values[model.actor_field] = actor
    try:
        return model.model_validate(values)
    except ValidationError as error:
        raise Invalid(problems_of(error)) from None


def choices(change: type[Change], field: str) -> tuple[str, ...]:
    """The values a field takes, for a form's options: the page offers what the change
    accepts, never a value the API would refuse."""
    annotation = change.model_fields[field].annotation
    if isinstance(annotation, type) and issubclass(annotation, StrEnum):
        return tuple(member.value for member in annotation)
    values = tuple(value for value in get_args(annotation) if isinstance(value, str))
    if not values:
        raise TypeError(f"{change.__name__}.{field} is not a closed set of values")
    return values


#: The options of the console's forms, by field.
FORM_CHOICES: dict[str, tuple[str, ...]] = {
    "status": choices(SetStatus, "status"),
    "outcome": choices(LogCallback, "outcome"),
    "severity": choices(ChangeSeverity, "severity"),
    "type": choices(ChangeType, "type"),
    "decision": choices(DecideDuplicate, "decision"),
}
