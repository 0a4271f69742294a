"""The product's closed vocabulary: the names of statuses, clocks, timeline entries,
messages and deliveries, one definition each.

Every module that writes or compares one of these names takes it from here. They are
``StrEnum``s: each member *is* its string (``TicketStatus.CLOSED == "closed"``, the same
hash, ``f"{member}"`` and ``str(member)`` give the plain value), so the database rows,
the API's JSON, the messages' facts and the payloads in recorded Temporal histories read
and write exactly the strings they did before. Dataclass fields that hold them may stay
``str``: a value read back from a payload or a row compares equal to its member.

Pure: imports nothing of ours and does no I/O (the workflow sandbox passes ``sla`` through).
"""

from __future__ import annotations

from enum import StrEnum


class TicketStatus(StrEnum):
    """Where a ticket stands; each change of status is a ``status_<status>`` timeline entry."""

    OPEN = "open"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    RESOLUTION_PROPOSED = "resolution_proposed"
    CLOSED = "closed"


class ClockName(StrEnum):
    """The SLA clocks a ticket can run (the keys of ``TicketState.clocks``)."""

    FIRST_RESPONSE = "first_response"
    NEXT_UPDATE = "next_update"
    RESOLUTION = "resolution"
    #: A type's own study clock (its outcome, not a fix, is what is owed).
    STUDY = "study"
    #: The callback owed after a call to the emergency line.
    CALLBACK = "callback"


class ClockState(StrEnum):
    """What a clock shows (``Clock.public_state``); the projection's ``*_state`` columns."""

    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    #: New targets dropped the clock: neither met nor breached.
    ENDED = "ended"


class Severity(StrEnum):
    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


class TicketType(StrEnum):
    PROBLEM = "problem"
    CONFIGURATION = "configuration"
    INFORMATION = "information"
    FEATURE_REQUEST = "feature_request"
    THIRD_PARTY = "third_party"


class Channel(StrEnum):
    """How a request came in (``TicketDetails.channel``): targets and refusals may differ."""

    API = "api"
    EMAIL = "email"
    WEB_FORM = "web_form"
    CHAT = "chat"
    PHONE = "phone"


class MessageChannel(StrEnum):
    """How a message goes out (``Notification.channel``, the outbox's ``channel``)."""

    EMAIL = "email"
    SMS = "sms"
    VOICE = "voice"
    CHAT = "chat"
    #: Written to the log only (the message's recipient has no address, and the policy
    #: names no channels for their role).
    LOG = "log"
    #: Not a channel: the recipient has no address on any channel of their role, so the
    #: message is recorded, never sent, and the gap shows in the outbox.
    UNDELIVERABLE = "undeliverable"


class NoticeKind(StrEnum):
    """The kinds of message a ticket sends (one template each in ``templates/<lang>/``)."""

    TICKET_RECEIVED = "ticket_received"
    CALLBACK_DUE = "callback_due"
    RESOLUTION_PROPOSED = "resolution_proposed"
    CLOSED_AUTOMATICALLY = "closed_automatically"
    FEEDBACK_REQUEST = "feedback_request"
    NOT_COVERED = "not_covered"
    SLA_WARNING = "sla_warning"
    SLA_BREACH = "sla_breach"
    ESCALATION = "escalation"
    PAGE = "page"


class TimelineKind(StrEnum):
    """Every kind of entry a ticket's timeline holds (``TimelineEntry.kind``)."""

    CREATED = "created"
    POSSIBLE_DUPLICATE = "possible_duplicate"
    INTAKE_INCOMPLETE = "intake_incomplete"
    NOT_COVERED = "not_covered"
    COVERED = "covered"
    AUTOMATIC_ACKNOWLEDGEMENT = "automatic_acknowledgement"
    #: A person's response that is no investigation, where the policy's first response is
    #: one (``first_response = "investigation"``): recorded, it stops no clock.
    ACKNOWLEDGEMENT = "acknowledgement"
    AGENT_RESPONSE = "agent_response"
    AGENT_UPDATE = "agent_update"
    WORKAROUND = "workaround"
    UPDATE_INTERVAL_AGREED = "update_interval_agreed"
    CUSTOMER_REPLY = "customer_reply"
    RESOLUTION_CONFIRMED = "resolution_confirmed"
    FEEDBACK = "feedback"
    # A status change: ``status_kind(status)``.
    STATUS_OPEN = "status_open"
    STATUS_WAITING_ON_CUSTOMER = "status_waiting_on_customer"
    STATUS_RESOLUTION_PROPOSED = "status_resolution_proposed"
    STATUS_CLOSED = "status_closed"
    # Time passing.
    SLA_WARNING = "sla_warning"
    SLA_EXPECTED_MISSED = "sla_expected_missed"
    SLA_BREACH = "sla_breach"
    ESCALATED = "escalated"
    ESCALATION_SKIPPED = "escalation_skipped"
    # New targets.
    SEVERITY_CHANGED = "severity_changed"
    TYPE_CHANGED = "type_changed"
    PLAN_CHANGED = "plan_changed"
    SLA_SWITCHED_OFF = "sla_switched_off"
    # The emergency line.
    EMERGENCY_CALL = "emergency_call"
    CALLBACK_ALREADY_PENDING = "callback_already_pending"
    CALLBACK_MADE = "callback_made"
    PAGED = "paged"
    PAGE_ACKNOWLEDGED = "page_acknowledged"
    # Duplicates.
    DUPLICATE_LINKED = "duplicate_linked"
    DUPLICATE_CONFIRMED = "duplicate_confirmed"
    DUPLICATE_REJECTED = "duplicate_rejected"
    # Messages.
    NOTICE_HELD = "notice_held"
    NOTICE_CANCELLED = "notice_cancelled"
    MESSAGE_FAILED = "message_failed"
    MESSAGE_UNDELIVERABLE = "message_undeliverable"
    # A failing step (``sla.ticket.steps``): an operator asked for its next try now.
    STEP_RETRY_ASKED = "step_retry_asked"
    # Entries folded while the database write kept failing (``bounds.PENDING_TIMELINE_KEPT``).
    TIMELINE_GAP = "timeline_gap"


#: The timeline entries a customer key reads: what happened to their request. Warnings,
#: escalations, pages, held and failed messages are the team's (they name its contacts);
#: a kind added later stays the team's until it is listed here.
CUSTOMER_TIMELINE = frozenset({
    TimelineKind.CREATED, TimelineKind.POSSIBLE_DUPLICATE, TimelineKind.INTAKE_INCOMPLETE,
    TimelineKind.NOT_COVERED, TimelineKind.COVERED, TimelineKind.AUTOMATIC_ACKNOWLEDGEMENT,
    TimelineKind.ACKNOWLEDGEMENT,
    TimelineKind.AGENT_RESPONSE, TimelineKind.AGENT_UPDATE, TimelineKind.WORKAROUND,
    TimelineKind.UPDATE_INTERVAL_AGREED, TimelineKind.CUSTOMER_REPLY,
    TimelineKind.RESOLUTION_CONFIRMED, TimelineKind.FEEDBACK, TimelineKind.STATUS_OPEN,
    TimelineKind.STATUS_WAITING_ON_CUSTOMER, TimelineKind.STATUS_RESOLUTION_PROPOSED,
    TimelineKind.STATUS_CLOSED, TimelineKind.SLA_BREACH, TimelineKind.SEVERITY_CHANGED,
    TimelineKind.TYPE_CHANGED, TimelineKind.PLAN_CHANGED, TimelineKind.SLA_SWITCHED_OFF,
    TimelineKind.EMERGENCY_CALL, TimelineKind.CALLBACK_MADE, TimelineKind.DUPLICATE_LINKED,
    TimelineKind.DUPLICATE_CONFIRMED, TimelineKind.DUPLICATE_REJECTED,
})


class DeliveryStatus(StrEnum):
    """An outbox message's status (``OutboxMessage.status``), and what sending it returns."""

    #: Not attempted yet (an undeliverable message stays so until it is recorded).
    PENDING = "pending"
    #: Being sent; a retry that finds it so resends with the same idempotency key.
    SENDING = "sending"
    SENT = "sent"
    #: Refused for good by the provider.
    FAILED = "failed"
    UNDELIVERABLE = "undeliverable"
    #: Its channel is not configured: only written to the log, nobody got it.
    LOGGED = "logged"


class CallbackOutcome(StrEnum):
    """How an emergency callback went (``EmergencyState.callback_outcome``)."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    #: The caller was reached and a workaround is in place (the update clock stops).
    WORKAROUND = "workaround"


class FeedbackLinkStatus(StrEnum):
    """What the feedback link of a closure is good for now (``sla.ticket.feedback_link``)."""

    #: Not a link of this ticket.
    INVALID = "invalid"
    #: The link of an earlier closure (a later one has its own).
    EARLIER_CLOSURE = "earlier_closure"
    #: The ticket was reopened: a new link comes when it closes again.
    REOPENED = "reopened"
    #: This closure was rated already.
    GIVEN = "given"
    #: The rating may be given.
    OPEN = "open"


class CoverageState(StrEnum):
    """The projection's ``coverage`` column (None there: the tier needs no slot)."""

    COVERED = "covered"
    #: Waiting for a support slot.
    NOT_COVERED = "not_covered"


#: Outbox statuses that end a message's delivery: a retry finds them and sends nothing.
FINAL_DELIVERY = frozenset({DeliveryStatus.SENT, DeliveryStatus.LOGGED, DeliveryStatus.FAILED,
                            DeliveryStatus.UNDELIVERABLE})
#: Outcomes of sending that are no change of the ticket (a logged message is on the
#: timeline already, by its delivery attempt).
DELIVERED = frozenset({DeliveryStatus.SENT, DeliveryStatus.LOGGED})


def status_kind(status: TicketStatus) -> TimelineKind:
    """The timeline entry of a change to ``status``."""
    return TimelineKind(f"status_{status}")


#: The timeline entries of status changes.
STATUS_KINDS = frozenset(status_kind(status) for status in TicketStatus)


def not_delivered_kind(outcome: str) -> TimelineKind:
    """The timeline entry of a message that was not delivered (``outcome``: its outbox
    status); an outcome other than ``undeliverable`` is a failure."""
    if outcome == DeliveryStatus.UNDELIVERABLE:
        return TimelineKind.MESSAGE_UNDELIVERABLE
    return TimelineKind.MESSAGE_FAILED


class WorkflowStep(StrEnum):
    """A step of a ticket's workflow that can keep failing while the ticket goes on."""

    #: The projection: the ticket's row and timeline in the database (``record_ticket``).
    RECORD_TICKET = "record_ticket"


class MailProvider(StrEnum):
    """Who posted the mail: our own JSON (a ``mail`` key), or a forwarding service."""

    JSON = "json"
    MAILGUN = "mailgun"
    POSTMARK = "postmark"


class QuarantineReason(StrEnum):
    """Why an inbound mail waits in the quarantine instead of being threaded."""

    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_SENDER = "unknown_sender"


class QuarantineStatus(StrEnum):
    """Where a quarantined mail stands: waiting, or decided by an agent."""

    HELD = "held"
    ASSIGNED = "assigned"
    DROPPED = "dropped"


class CloseCause(StrEnum):
    """Why a ticket closed by itself (a ``closed_automatically`` message's ``cause`` fact):
    each language's template says it in its own words."""

    NO_REPLY = "no_reply"
    NO_CONFIRMATION = "no_confirmation"
    NOT_COVERED = "not_covered"
