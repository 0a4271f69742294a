"""What a ticket carries of its own past is capped (``sla.ticket.bounds``): a week of
paging, a thousand mails and thirty closures leave a state far under Temporal's payload
limit, and the rules that read those lists still hold (pure)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from temporalio.converter import DataConverter

from sla.policy.snapshot import Contact
from sla.ticket import bounds, emergency_line, feedback, lifecycle
from sla.ticket.state import EmergencyCall, Page, TicketState
from sla.ticket.view import view
from sla.vocabulary import TimelineKind
from tests.support.domain import START, ticket

pytestmark = pytest.mark.pure

#: Far under Temporal's 2 MB limit for one payload (the state goes whole into
#: continue-as-new): room for the ticket's own text at its bounds beside it.
SMALL = 100_000


def size(value: object) -> int:
    [payload] = DataConverter.default.payload_converter.to_payloads([value])
    return len(payload.data)


def flushed(state: TicketState) -> None:
    """What the workflow's projection and delivery take off the state after each change."""
    state.pending_timeline.clear()
    state.pending_notifications.clear()


def call(number: int, at: datetime) -> EmergencyCall:
    return EmergencyCall(call_id=f"CA-{number}", taken_at=at, source="telephony",
                         company_name="Acme", contact_name="Rita", contact_phone="+3902",
                         contact_email="rita@example.com", description="down " * 200)


def test_a_week_of_paging_keeps_the_latest_pages_each_naming_its_contact() -> None:
    state = ticket("critical")
    emergency_line.record_call(state, START, call(1, START))
    now = START
    while now < START + timedelta(days=7):
        now += timedelta(minutes=10)
        lifecycle.advance(state, now)
        flushed(state)
    emergency = state.emergency
    assert emergency is not None
    assert emergency.pages_sent > 1000 and len(emergency.pages) == bounds.PAGES_KEPT
    assert emergency.pages[-1].at > now - timedelta(minutes=20)
    # A page names its contact; the addresses stay in the plan.
    assert all(page.contact is None and page.contact_name for page in emergency.pages)
    assert "tess@example.com" not in str(emergency.pages)
    assert size(state) < SMALL and size(view(state, now)) < SMALL


def test_calls_are_capped_and_a_redelivered_recent_call_still_counts_once() -> None:
    state = ticket("critical")
    for number in range(60):
        emergency_line.record_call(state, START, call(number, START))
        flushed(state)
    emergency = state.emergency
    assert emergency is not None
    assert (emergency.calls_taken, len(emergency.calls)) == (60, bounds.CALLS_KEPT)
    emergency_line.record_call(state, START, call(59, START))
    assert state.pending_timeline == [] and emergency.calls_taken == 60
    assert view(state, START).emergency.calls_taken == 60  # type: ignore[union-attr]


def test_a_thousand_mails_keep_digests_of_the_latest_and_a_redelivery_counts_once() -> None:
    state = ticket("major")
    now = START
    for number in range(1000):
        now += timedelta(minutes=1)
        message_id = f"<{number}.{'x' * 990}@mail.example>"
        lifecycle.customer_reply(state, now, "more logs " * 100, message_id)
        flushed(state)
    assert len(state.received_messages) == bounds.MESSAGES_KEPT
    version = state.version
    lifecycle.customer_reply(state, now, "more logs", message_id)  # the last one, redelivered
    assert state.version == version
    assert size(state) < SMALL


def test_a_message_id_kept_whole_by_an_older_state_is_still_recognised() -> None:
    state = ticket("major")
    state.received_messages = ["<old@mail.example>"]
    version = state.version
    lifecycle.customer_reply(state, START, "again", "<old@mail.example>")
    assert state.version == version


def test_thirty_closures_keep_the_latest_ratings_and_still_take_one_per_closure() -> None:
    state = ticket("minor")
    now = START
    for _closure in range(30):
        now += timedelta(hours=1)
        lifecycle.propose_resolution(state, now, "ana", "done")
        lifecycle.confirm(state, now, "thanks")
        feedback.record_feedback(state, now, 4, "c" * 20_000)
        lifecycle.reopen(state, now, "customer", "back")
        flushed(state)
    assert len(state.feedback) == bounds.FEEDBACK_KEPT
    assert [item.closure for item in state.feedback] == list(range(21, 31))
    lifecycle.propose_resolution(state, now, "ana", "done")
    lifecycle.confirm(state, now, "thanks")
    feedback.record_feedback(state, now, 5, "")
    assert feedback.refusal_feedback(state, 5) is not None  # this closure is rated
    assert size(state) < 300_000


def test_linked_duplicates_are_counted_beyond_the_ids_kept() -> None:
    state = ticket("major")
    for number in range(150):
        lifecycle.link_duplicate(state, START, f"TCK-{number + 2}")
    assert (state.duplicates_linked, len(state.duplicates)) == (150, bounds.DUPLICATES_KEPT)
    lifecycle.link_duplicate(state, START, "TCK-151")  # linked already, and still kept
    assert state.duplicates_linked == 150
    shown = view(state, START)
    assert (shown.duplicates_linked, shown.duplicates[-1]) == (150, "TCK-151")


def test_a_page_recorded_with_its_whole_contact_is_read_as_a_reference() -> None:
    old = {"level": 1, "at": "2026-03-02T09:00:00Z",
           "contact": {"role": "tam", "name": "Tess", "email": "tess@example.com"}}
    converter = DataConverter.default.payload_converter
    [payload] = converter.to_payloads([old])
    [page] = converter.from_payloads([payload], [Page])
    assert (page.contact_name, page.contact_role, page.contact) == ("Tess", "tam", None)
    assert isinstance(Page(1, START, contact=Contact("tam", "Tess")).contact_name, str)


def lived_1200_replies() -> TicketState:
    state = ticket("critical")
    state.pending_timeline.clear()
    for number in range(1_200):
        lifecycle.customer_reply(state, START + timedelta(minutes=number), f"reply {number}")
    return state


def test_a_timeline_waiting_for_a_failing_database_folds_its_oldest_entries(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """1,200 replies (and the warnings and breaches of 20 hours) with the database write
    failing: the entries waiting for it stay bounded, the oldest replies folded into one
    entry that counts them, in order; what the reports count (the creation, the breaches)
    is kept."""
    with monkeypatch.context() as unbounded:
        unbounded.setattr(bounds, "PENDING_TIMELINE_KEPT", 10**6)
        every = lived_1200_replies().pending_timeline
    state = lived_1200_replies()
    pending = state.pending_timeline
    assert len(pending) == bounds.PENDING_TIMELINE_KEPT
    [gap] = [entry for entry in pending if entry.kind == TimelineKind.TIMELINE_GAP]
    assert gap.folded is not None and gap.folded + len(pending) - 1 == len(every)
    assert gap.detail.startswith(f"{gap.folded} timeline entries from 2026-")
    assert [entry.seq for entry in pending] == sorted(entry.seq for entry in pending)
    read_back = [entry for entry in every if entry.kind in bounds.READ_BACK]
    assert read_back and [entry for entry in pending if entry.kind in bounds.READ_BACK] == (
        read_back)
    assert pending[-1] == every[-1] and pending[-1].kind == TimelineKind.CUSTOMER_REPLY
    assert size(state) < 300_000


def test_past_the_bound_even_entries_reports_count_are_folded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A bound is a bound: with nothing else left to fold, the oldest counted entries go,
    the gap entry counting them."""
    monkeypatch.setattr(bounds, "PENDING_TIMELINE_KEPT", 5)
    state = ticket("critical")
    state.pending_timeline.clear()
    for number in range(8):
        emergency_line.record_call(state, START + timedelta(minutes=number),
                                   call(number, START + timedelta(minutes=number)))
    kinds = [entry.kind for entry in state.pending_timeline]
    assert len(kinds) == 5 and kinds.count(TimelineKind.TIMELINE_GAP) == 1
    assert sum(entry.folded or 1 for entry in state.pending_timeline) >= 8
