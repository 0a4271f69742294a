"""Every change a ticket takes while it is open, one definition each: the message its
workflow receives (its fields are the payload kept in the ticket's history), the update
it is sent as, why it cannot apply to a state (its refusal) and how it applies.

The ticket workflow takes each of them through one update handler: the update's name
finds the definition here (``change_named``), the validator asks its ``refusal``, the
handler runs ``apply``. Nothing else in the workflow or in the client names a change, so
adding one is a class here (plus its input in ``tickets.changes``).

A definition's update name and fields are what recorded histories hold: a name is never
changed, and a field is only ever added with a default.

Changes that need a workflow step of their own are updates of the workflow itself: the
ticket's opening (``open``, ``record_call``), taking a support slot (``cover``) and telling
the original ticket of a confirmed duplicate (``decide_duplicate``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from sla.policy.snapshot import PlanSnapshot
from sla.ticket import emergency_line, feedback, lifecycle, retarget, steps
from sla.ticket.state import TicketState


class TicketChange:
    """One kind of change: a dataclass whose fields are its message."""

    #: The workflow update it is sent as; recorded histories hold it, so it never changes.
    update: ClassVar[str]
    _by_update: ClassVar[dict[str, type[TicketChange]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        taken = TicketChange._by_update.setdefault(cls.update, cls)
        if taken is not cls:
            raise TypeError(f"{cls.__name__} and {taken.__name__} are both sent as {cls.update!r}")

    def refusal(self, state: TicketState) -> str | None:
        """Why the change cannot apply to the ticket as it is (None: it can)."""
        raise NotImplementedError

    def apply(self, state: TicketState, now: datetime) -> None:
        """Make the change at ``now``: what fell due before it first, then the change itself
        (``lifecycle.TransitionRefused`` if what fell due made it illegal)."""
        raise NotImplementedError


def change_named(update: str) -> type[TicketChange] | None:
    """The change sent as ``update``, if there is one."""
    return TicketChange._by_update.get(update)


def updates() -> list[str]:
    """The names of every change's update."""
    return sorted(TicketChange._by_update)


@dataclass
class AgentResponse(TicketChange):
    """An agent's response or update; the first stops the first-response clock (where the
    policy's first response is an investigation, the first marked ``investigation``)."""

    update = "respond"
    author: str
    body: str
    automatic: bool = False
    workaround: bool = False
    #: The agent marks it as an investigation carried out, with substantive information.
    investigation: bool = False

    def refusal(self, state: TicketState) -> str | None:
        return lifecycle.refusal_respond(state)

    def apply(self, state: TicketState, now: datetime) -> None:
        lifecycle.respond(state, now, self.author, self.body, self.automatic, self.workaround,
                          self.investigation)


@dataclass
class CustomerReply(TicketChange):
    """A reply from the customer; ``message_id`` (a mail's) makes a redelivery no change."""

    update = "customer_reply"
    body: str
    message_id: str = ""

    def refusal(self, state: TicketState) -> str | None:
        return lifecycle.refusal_customer_reply(state)

    def apply(self, state: TicketState, now: datetime) -> None:
        lifecycle.customer_reply(state, now, self.body, self.message_id)


@dataclass
class StatusChange(TicketChange):
    update = "set_status"
    status: str
    author: str

    def refusal(self, state: TicketState) -> str | None:
        return lifecycle.refusal_set_status(state, self.status)

    def apply(self, state: TicketState, now: datetime) -> None:
        lifecycle.set_status(state, now, self.status, self.author)


@dataclass
class ResolutionProposal(TicketChange):
    update = "propose_resolution"
    author: str
    summary: str
    #: "fix" or "recommendation"; None: what the tier gets (recommendations-only: a recommendation).
    kind: str | None = None

    def refusal(self, state: TicketState) -> str | None:
        return lifecycle.refusal_propose_resolution(state, self.kind)

    def apply(self, state: TicketState, now: datetime) -> None:
        lifecycle.propose_resolution(state, now, self.author, self.summary, self.kind)


@dataclass
class Confirmation(TicketChange):
    update = "confirm"
    comment: str = ""

    def refusal(self, state: TicketState) -> str | None:
        return lifecycle.refusal_confirm(state)

    def apply(self, state: TicketState, now: datetime) -> None:
        lifecycle.confirm(state, now, self.comment)


@dataclass
class Reopen(TicketChange):
    update = "reopen"
    actor: str
    reason: str = ""

    def refusal(self, state: TicketState) -> str | None:
        return lifecycle.refusal_reopen(state)

    def apply(self, state: TicketState, now: datetime) -> None:
        lifecycle.reopen(state, now, self.actor, self.reason)


@dataclass
class CallbackReport(TicketChange):
    """The callback an emergency call is owed was made (or tried)."""

    update = "record_callback"
    agent: str
    outcome: str
    notes: str = ""

    def refusal(self, state: TicketState) -> str | None:
        return emergency_line.refusal_record_callback(state)

    def apply(self, state: TicketState, now: datetime) -> None:
        emergency_line.record_callback(state, now, self.agent, self.outcome, self.notes)


@dataclass
class PageAcknowledgement(TicketChange):
    update = "acknowledge"
    level: int
    by: str

    def refusal(self, state: TicketState) -> str | None:
        return emergency_line.refusal_acknowledge(state, self.level)

    def apply(self, state: TicketState, now: datetime) -> None:
        emergency_line.acknowledge(state, now, self.level, self.by)


@dataclass
class UpdateIntervalChange(TicketChange):
    """An update interval agreed with the customer."""

    update = "set_update_interval"
    seconds: float
    author: str

    def refusal(self, state: TicketState) -> str | None:
        return lifecycle.refusal_set_update_interval(state, self.seconds)

    def apply(self, state: TicketState, now: datetime) -> None:
        lifecycle.set_update_interval(state, now, self.seconds, self.author)


@dataclass
class SeverityChange(TicketChange):
    update = "change_severity"
    severity: str
    author: str

    def refusal(self, state: TicketState) -> str | None:
        return retarget.refusal_change_severity(state, self.severity)

    def apply(self, state: TicketState, now: datetime) -> None:
        retarget.change_severity(state, now, self.severity, f"agent:{self.author}")


@dataclass
class TypeChange(TicketChange):
    update = "change_type"
    type: str
    author: str

    def refusal(self, state: TicketState) -> str | None:
        return retarget.refusal_change_type(state, self.type)

    def apply(self, state: TicketState, now: datetime) -> None:
        retarget.change_type(state, now, self.type, f"agent:{self.author}")


@dataclass
class PlanChange(TicketChange):
    """Another plan for the ticket, or another policy version of it (applied or rolled back)."""

    update = "change_plan"
    plan: PlanSnapshot
    actor: str
    reason: str = ""

    def refusal(self, state: TicketState) -> str | None:
        return retarget.refusal_change_plan(state, self.plan)

    def apply(self, state: TicketState, now: datetime) -> None:
        retarget.change_plan(state, now, self.plan, self.actor, self.reason)


@dataclass
class FeedbackGiven(TicketChange):
    update = "give_feedback"
    rating: int
    comment: str = ""
    #: From the link sent at closure (no API key): it must be this closure's.
    token: str | None = None
    #: The closure of a link the API verified under the server's secret: its token never
    #: reaches the ticket (nor its history).
    link_closure: int | None = None

    def refusal(self, state: TicketState) -> str | None:
        return feedback.refusal_feedback(state, self.rating, self.token, self.link_closure)

    def apply(self, state: TicketState, now: datetime) -> None:
        feedback.record_feedback(state, now, self.rating, self.comment, self.token,
                                 self.link_closure)


@dataclass
class StepRetry(TicketChange):
    """A failing step (the projection's write, say) tried again now, its cause fixed."""

    update = "retry_step"
    actor: str

    def refusal(self, state: TicketState) -> str | None:
        return steps.refusal_retry(state)

    def apply(self, state: TicketState, now: datetime) -> None:
        steps.retry_now(state, now, self.actor)
