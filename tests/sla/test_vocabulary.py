"""The product's vocabulary (``sla.vocabulary``): the enums keep the strings rows, payloads
and recorded histories hold; every name a ticket's life writes is a member; the ``Literal``
types still in use agree with the enums; and no module outside the vocabulary spells a
ticket status or a clock name as a bare string.

Pure: no database, no Temporal; the source scan only parses files.
"""

from __future__ import annotations

import ast
import json
import types
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from sla.policy.fields import CLOCK_KEYS, ClockKey, DeliveryChannel
from sla.policy.loading import load_policy
from sla.policy.snapshot import SEVERITIES, TICKET_CHANNELS, TICKET_TYPES, Contact
from sla.ticket import (
    coverage,
    duplicate_review,
    emergency_line,
    feedback,
    lifecycle,
    records,
    retarget,
    steps,
)
from sla.ticket.state import STATUSES, Coverage, EmergencyCall, TicketDetails, TicketState
from sla.vocabulary import (
    STATUS_KINDS,
    CallbackOutcome,
    Channel,
    ClockName,
    ClockState,
    CoverageState,
    DeliveryStatus,
    FeedbackLinkStatus,
    MessageChannel,
    NoticeKind,
    Severity,
    TicketStatus,
    TicketType,
    TimelineKind,
    WorkflowStep,
    not_delivered_kind,
    status_kind,
)

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def values(enum: type[Enum]) -> list[str]:
    return [member.value for member in enum]


# --- the strings stay what they were --------------------------------------------------


def test_the_enums_keep_the_strings_rows_and_histories_hold() -> None:
    """Renaming a value would orphan stored rows and break recorded histories: these are
    the strings written before the enums existed."""
    assert values(TicketStatus) == ["open", "waiting_on_customer", "resolution_proposed",
                                    "closed"]
    assert values(ClockName) == ["first_response", "next_update", "resolution", "study",
                                 "callback"]
    assert values(ClockState) == ["running", "paused", "met", "breached", "ended"]
    assert values(Severity) == ["critical", "major", "minor"]
    assert values(TicketType) == ["problem", "configuration", "information", "feature_request",
                                  "third_party"]
    assert values(Channel) == ["api", "email", "web_form", "chat", "phone"]
    assert values(MessageChannel) == ["email", "sms", "voice", "chat", "log", "undeliverable"]
    assert values(DeliveryStatus) == ["pending", "sending", "sent", "failed", "undeliverable",
                                      "logged"]
    assert values(CoverageState) == ["covered", "not_covered"]
    assert values(CallbackOutcome) == ["reached", "no_answer", "workaround"]
    assert values(FeedbackLinkStatus) == ["invalid", "earlier_closure", "reopened", "given",
                                          "open"]
    assert set(values(NoticeKind)) == {
        "ticket_received", "callback_due", "resolution_proposed", "closed_automatically",
        "feedback_request", "not_covered", "sla_warning", "sla_breach", "escalation", "page"}
    # The old names stay importable and give the plain strings.
    assert tuple(values(TicketStatus)) == STATUSES
    assert tuple(values(Severity)) == SEVERITIES
    assert tuple(values(TicketType)) == TICKET_TYPES
    assert tuple(values(Channel)) == TICKET_CHANNELS
    assert all(type(value) is str for value in (*STATUSES, *SEVERITIES, *TICKET_TYPES,
                                                *TICKET_CHANNELS))


def test_a_member_is_its_string_wherever_it_goes() -> None:
    """What rows, JSON and payloads rely on: a member compares, hashes, formats and
    serializes as its value."""
    closed = TicketStatus.CLOSED
    assert closed == "closed" and hash(closed) == hash("closed")
    assert {"closed": 1}[closed] == 1 and closed in ("open", "closed")
    assert f"{closed}" == str(closed) == "closed" and type(str(closed)) is str
    assert json.dumps({ClockName.CALLBACK: closed}) == '{"callback": "closed"}'
    assert f"status_{closed}" == TimelineKind.STATUS_CLOSED


def test_every_status_and_undelivered_outcome_has_its_timeline_kind() -> None:
    assert [status_kind(status) for status in TicketStatus] == [
        TimelineKind.STATUS_OPEN, TimelineKind.STATUS_WAITING_ON_CUSTOMER,
        TimelineKind.STATUS_RESOLUTION_PROPOSED, TimelineKind.STATUS_CLOSED]
    assert {kind for kind in TimelineKind if kind.startswith("status_")} == STATUS_KINDS
    assert not_delivered_kind(DeliveryStatus.FAILED) == "message_failed"
    assert not_delivered_kind("undeliverable") == "message_undeliverable"


def test_every_notice_kind_has_its_english_template() -> None:
    missing = [kind.value for kind in NoticeKind
               if not (ROOT / "templates" / "en" / f"{kind}.txt").is_file()]
    assert missing == []


# --- what a ticket's life writes ----------------------------------------------------


def lived_tickets() -> list[TicketState]:
    """Tickets through most of what can happen to one. The first: breaches and escalations,
    answers, a wait on the customer, new targets, an emergency call with its paging and
    callback, a proposal, closure, feedback, a reopening, undelivered messages, a duplicate
    linked; the others: a suspected duplicate confirmed and one rejected, an incomplete
    intake, a request waiting for a slot until it is covered, and a plan change."""
    policy = load_policy(ROOT / "tests" / "support" / "policies" / "example.toml")
    tam = Contact(role="tam", name="Tess", email="tess@example.com", phone="+390200")
    customer = Contact(role="customer", name="Rita", email="rita@example.com")
    plan = policy.snapshot("premium", tam, START, customer=customer)

    def opened(ticket_id: str, **details: Any) -> TicketState:
        return lifecycle.open_ticket(TicketDetails(
            ticket_id=ticket_id, customer_id=1, subject="Checkout down",
            description="every payment fails", severity=Severity.CRITICAL,
            type=TicketType.PROBLEM, channel=Channel.EMAIL, **details), plan, START)

    later = START + timedelta(minutes=5)
    confirmed, rejected = (opened(f"TCK-{n}", possible_duplicate_of="TCK-1") for n in (3, 4))
    duplicate_review.decide_duplicate(confirmed, later, True, "ana")
    duplicate_review.decide_duplicate(rejected, later, False, "ana", "another module")
    incomplete = opened("TCK-5", intake_missing=["module"])
    waiting = opened("TCK-6", coverage=Coverage(covered=False, label="no slot left", at=START))
    coverage.cover(waiting, later, Coverage(covered=True, label="covered by ana", at=later,
                                            by="ana"))
    moved = opened("TCK-7")
    retarget.change_plan(moved, later, policy.snapshot("basic", tam, later, customer=customer),
                         "ana", "the customer moved to basic")
    return [lived_ticket(opened("TCK-1")), confirmed, rejected, incomplete, waiting, moved]


def lived_ticket(state: TicketState) -> TicketState:
    at = START + timedelta(hours=3)
    lifecycle.advance(state, at)                               # warnings, breaches, escalations
    lifecycle.respond(state, at, "ana", "we are on it", automatic=True)
    lifecycle.respond(state, at, "ana", "looking")             # the first answer
    lifecycle.set_update_interval(state, at, 7200, "ana")
    lifecycle.respond(state, at, "ana", "still looking")       # an update
    lifecycle.set_status(state, at, TicketStatus.WAITING_ON_CUSTOMER, "ana")
    lifecycle.customer_reply(state, at + timedelta(minutes=5), "logs attached")
    retarget.change_severity(state, at + timedelta(minutes=6), Severity.MAJOR, "ana")
    retarget.change_type(state, at + timedelta(minutes=7), TicketType.CONFIGURATION, "ana")
    steps.step_failed(state, WorkflowStep.RECORD_TICKET, "database is locked", at)
    steps.retry_now(state, at + timedelta(minutes=8), "ops")
    at += timedelta(minutes=10)
    emergency_line.record_call(state, at, EmergencyCall(
        call_id="CA-1", taken_at=at, source="intake", company_name="Acme", contact_name="Rita",
        contact_phone="+3902", contact_email="rita@example.com", description="down again"))
    emergency_line.record_call(state, at, EmergencyCall(
        call_id="CA-2", taken_at=at, source="intake", company_name="Acme", contact_name="Rita",
        contact_phone="+3902", contact_email="rita@example.com", description="still down"))
    at += timedelta(hours=1)
    lifecycle.advance(state, at)                               # the callback breaches: paging
    emergency_line.acknowledge(state, at, 1, "tess")
    emergency_line.record_callback(state, at, "ana", CallbackOutcome.WORKAROUND, "restarted")
    lifecycle.propose_resolution(state, at, "ana", "the pool is restarted")
    lifecycle.confirm(state, at, "works")
    feedback.record_feedback(state, at, 4, "quick")
    lifecycle.reopen(state, at + timedelta(hours=1), "customer", "down again")
    lifecycle.link_duplicate(state, at + timedelta(hours=1), "TCK-2")
    message = state.pending_notifications[0]
    for outcome in (DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERABLE):
        lifecycle.message_not_delivered(state, at + timedelta(hours=1), message, outcome)
    return state


def test_everything_a_ticket_s_life_writes_is_vocabulary() -> None:
    states = lived_tickets()
    timeline = [entry for state in states for entry in state.pending_timeline]
    messages = [message for state in states
                for message in (*state.pending_notifications, *state.held_notifications)]
    clocks = [clock for state in states for clock in state.clocks.values()]
    kinds = {entry.kind for entry in timeline}
    assert kinds <= set(TimelineKind), kinds - set(TimelineKind)
    # The lives above reach every kind but those needing a policy of their own (held
    # notices, ranges, contacts' hours, a type without SLA) or a database failing for
    # hundreds of entries (tests/sla/test_bounds.py); the source check below covers how
    # those are written.
    assert set(TimelineKind) - kinds == {
        TimelineKind.NOTICE_HELD, TimelineKind.NOTICE_CANCELLED,
        TimelineKind.SLA_EXPECTED_MISSED, TimelineKind.ESCALATION_SKIPPED,
        TimelineKind.SLA_SWITCHED_OFF, TimelineKind.TIMELINE_GAP,
        TimelineKind.ACKNOWLEDGEMENT}  # a first response that must be an investigation
    assert {entry.clock for entry in timeline} <= {*ClockName, None}
    assert {message.kind for message in messages} <= set(NoticeKind)
    assert {message.channel for message in messages} <= set(MessageChannel)
    assert {name for state in states for name in state.clocks} <= set(ClockName)
    assert {clock.name for clock in clocks} <= set(ClockName)
    assert {clock.public_state() for clock in clocks} <= set(ClockState)
    assert {state.status for state in states} <= set(TicketStatus)
    # The feedback entry carries its rating as a number: what reports count.
    [rated] = [entry for entry in timeline if entry.kind == TimelineKind.FEEDBACK]
    assert rated.rating == 4


def _calls(tree: ast.AST, name: str) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            called = node.func
            if (isinstance(called, ast.Name) and called.id == name) or \
                    (isinstance(called, ast.Attribute) and called.attr == name):
                yield node


def _spelled(node: ast.AST) -> bool:
    """Whether an argument holds a string of its own (a literal or an f-string)."""
    return any(isinstance(part, ast.JoinedStr)
               or (isinstance(part, ast.Constant) and isinstance(part.value, str))
               for part in ast.walk(node))


def test_the_domain_names_every_entry_and_message_by_a_member() -> None:
    """``record``, ``notify`` and ``tell_customer`` get their kind from the vocabulary (a
    member, ``status_kind``, ``not_delivered_kind``, or a parameter holding one), never a
    string of their own: a new kind must be added to ``TimelineKind`` or ``NoticeKind``."""
    found: list[str] = []
    for path in sorted((ROOT / "sla").rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for name in ("record", "notify", "tell_customer"):
            for call in _calls(tree, name):
                kind = call.args[2] if len(call.args) > 2 else next(
                    (keyword.value for keyword in call.keywords if keyword.arg == "kind"), None)
                if kind is not None and _spelled(kind):
                    found.append(f"{path.relative_to(ROOT)}:{call.lineno}: {name}(...)")
    assert found == []
    # The function writing the entries takes a member, as mypy checks at every call.
    assert records.record.__annotations__["kind"] == "TimelineKind"


# --- the Literal types still in use ----------------------------------------------------


def _names(annotation: Any) -> set[str]:
    """The strings an annotation admits: a ``Literal``'s, an enum's values, through
    ``Optional`` and unions; so the check holds before and after a schema moves to the enum."""
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return {member.value for member in annotation}
    origin = get_origin(annotation)
    if origin is Literal:
        return {value for value in get_args(annotation) if isinstance(value, str)}
    if origin in (Union, types.UnionType):
        return set().union(*(_names(arg) for arg in get_args(annotation)))
    return set()


def test_the_literal_types_still_in_use_agree_with_the_enums() -> None:
    """Pydantic models owned elsewhere (the API's schemas, the use cases' inputs, the
    console's change forms) still declare ``Literal`` types; they must name the same values."""
    from api.schemas import ClockPublic, TicketPublic
    from tickets.changes import LogCallback, SetStatus
    from tickets.inputs import TicketCreate

    assert _names(TicketCreate.model_fields["severity"].annotation) == set(values(Severity))
    assert _names(TicketCreate.model_fields["type"].annotation) == set(values(TicketType))
    assert _names(TicketCreate.model_fields["channel"].annotation) == set(values(Channel))
    for field in ("severity", "type", "channel"):
        assert _names(TicketPublic.model_fields[field].annotation) == \
            _names(TicketCreate.model_fields[field].annotation)
    assert _names(ClockPublic.model_fields["state"].annotation) == set(values(ClockState))
    assert _names(SetStatus.model_fields["status"].annotation) <= set(values(TicketStatus))
    assert _names(LogCallback.model_fields["outcome"].annotation) == set(values(CallbackOutcome))
    # The policy file's words: the channels it may name, and its keys for the clocks.
    assert set(get_args(DeliveryChannel)) == set(values(MessageChannel)) - {
        MessageChannel.LOG, MessageChannel.UNDELIVERABLE}
    assert set(get_args(ClockKey)) == set(CLOCK_KEYS)
    assert set(CLOCK_KEYS.values()) <= set(ClockName)


# --- no bare statuses or clock names ------------------------------------------------------

#: The product's code (``migrations/`` keeps the strings of its time on purpose; templates
#: and pages are not Python).
PRODUCT = ["api", "cli", "tickets", "workflows", "activities", "store", "channels", "sla",
           "intake", "reports", "stack", "bench", "worker.py", "workflow_client.py",
           "config.py", "logs.py"]
VOCABULARY = "sla/vocabulary.py"
WATCHED = {member.value: f"{type(member).__name__}.{member.name}"
           for enum in (TicketStatus, ClockName) for member in enum}

#: (file, string) -> how many times it may appear there, and why it is not the enum's.
ALLOWED: dict[tuple[str, str], tuple[int, str]] = {
    ("sla/policy/fields.py", "first_response"): (2, "a key of the policy file (CLOCK_KEYS, ClockKey)"),
    ("sla/policy/fields.py", "resolution"): (2, "a key of the policy file (CLOCK_KEYS, ClockKey)"),
    ("sla/policy/fields.py", "study"): (2, "a key of the policy file (CLOCK_KEYS, ClockKey)"),
    ("tickets/changes.py", "resolution"): (1, "ChangeKind.RESOLUTION: a console action's name"),
    ("tickets/changes.py", "callback"): (1, "ChangeKind.CALLBACK: a console action's name"),
    ("tickets/changes.py", "open"): (1, "SetStatus.status is a Literal: the form's choices "
                                        "are read from its arguments"),
    ("tickets/changes.py", "waiting_on_customer"): (1, "as for 'open'"),
    ("api/routes/feedback_link.py", "open"): (2, "FeedbackLinkStatus.OPEN, a link's status, "
                                                 "not the ticket's"),
    # Owned by other changes for now: they switch to TicketStatus with their next edit.
    ("tickets/commands.py", "open"): (1, "use TicketStatus.OPEN"),
    ("tickets/commands.py", "closed"): (1, "use TicketStatus.CLOSED"),
    ("tickets/inbound_mail.py", "closed"): (1, "use TicketStatus.CLOSED"),
}


def _strings(node: ast.AST | None) -> Iterator[ast.Constant]:
    """A string constant standing for a value: itself, or an item of a tuple, list or set
    literal, a branch of a conditional or a starred item (never a piece of an f-string, a
    concatenation or a docstring: those are words)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for item in node.elts:
            yield from _strings(item)
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body)
        yield from _strings(node.orelse)
    elif isinstance(node, ast.Starred):
        yield from _strings(node.value)


def _valued(tree: ast.AST) -> Iterator[ast.Constant]:
    """The strings of a module in the positions of a value: compared, assigned, returned,
    passed, defaulted, subscripted, or a dict's key (a dict's values are left out: they
    are what a name stands for, e.g. a clock's label)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            for operand in (node.left, *node.comparators):
                yield from _strings(operand)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign | ast.Return
                        | ast.NamedExpr):
            yield from _strings(node.value)
        elif isinstance(node, ast.Call):
            for argument in (*node.args, *(keyword.value for keyword in node.keywords)):
                yield from _strings(argument)
        elif isinstance(node, ast.arguments):
            for default in (*node.defaults, *node.kw_defaults):
                yield from _strings(default)
        elif isinstance(node, ast.Subscript):
            yield from _strings(node.slice)
        elif isinstance(node, ast.Dict):
            for key in node.keys:
                yield from _strings(key)
        elif isinstance(node, ast.MatchValue):
            yield from _strings(node.value)


def _product_files() -> Iterator[Path]:
    for name in PRODUCT:
        path = ROOT / name
        yield from sorted(path.rglob("*.py")) if path.is_dir() else [path]


def test_no_module_spells_a_ticket_status_or_a_clock_name() -> None:
    """Outside ``sla/vocabulary.py`` a status or a clock is named by its member
    (``TicketStatus.CLOSED``, ``ClockName.CALLBACK``), never as ``"closed"``: a typo is then
    an error, and every use of a name can be found."""
    counted: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], list[int]] = {}
    for path in _product_files():
        relative = path.relative_to(ROOT).as_posix()
        if relative == VOCABULARY:
            continue
        tree = ast.parse(path.read_text(), relative)
        seen: set[int] = set()
        for constant in _valued(tree):
            if constant.value in WATCHED and id(constant) not in seen:
                seen.add(id(constant))
                counted[(relative, constant.value)] += 1
                where.setdefault((relative, constant.value), []).append(constant.lineno)
    unexpected = [f"{path}:{where[(path, value)]}: {value!r} (use {WATCHED[value]})"
                  for (path, value), count in sorted(counted.items())
                  if count > ALLOWED.get((path, value), (0, ""))[0]]
    assert unexpected == []
    stale = [f"{path}: {value!r} allowed {allowed} times, found {counted[(path, value)]}: "
             "lower or remove its ALLOWED entry"
             for (path, value), (allowed, _why) in sorted(ALLOWED.items())
             if counted[(path, value)] < allowed]
    assert stale == []


def test_the_scan_finds_what_it_is_for() -> None:
    """The scan's positions, on a sample: the forbidden spellings are found, words are not."""
    sample = ast.parse('''
"""A docstring that says closed."""
if ticket.status == "closed" or clock in ("callback", "study"):
    pass
state.clocks["first_response"].stop(now)
change_status(state, now, status="open")
def f(name="next_update"): return "resolution"
LABELS = {"waiting_on_customer": "waiting on the customer", "x": "resolution"}
message = f"the ticket is {status}" + "closed"
''')
    found = sorted(constant.value for constant in _valued(sample) if constant.value in WATCHED)
    assert found == ["callback", "closed", "first_response", "next_update", "open",
                     "resolution", "study", "waiting_on_customer"]
