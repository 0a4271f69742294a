"""RT transactions in our words: what each one means for the clocks. The records are as RT
5.0.3's REST2 answers them (tests/connectors/test_request_tracker_client.py reads the same
kinds from the real RT)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels.request_tracker import RtBatch, RtSettings, RtTicket, RtTransaction, RtUser
from tickets.connectors.events import HelpDesk, HelpDeskEvent, HelpDeskEventKind
from tickets.connectors.request_tracker import events_from_batch

pytestmark = pytest.mark.pure

SETTINGS = RtSettings(url="https://rt.example.test", token="1-14-secret")
AT = datetime(2026, 12, 3, 21, 52, 46, tzinfo=UTC)
TICKET = RtTicket(id=7, subject="Printer on fire", status="new", priority="20", queue="General",
                  requestors=("carol@customer.test",))
USERS = {
    "carol@customer.test": RtUser(name="carol@customer.test", email="carol@customer.test",
                                  organization="Acme"),
    "dave@customer.test": RtUser(name="dave@customer.test", email="dave@customer.test"),
    "alice": RtUser(name="alice", email="alice@example.test", real_name="Alice Agent",
                    privileged=True),
    "RT_System": RtUser(name="RT_System", real_name="The RT System itself"),
}


def transaction(number: int, kind: str, creator: str, **fields: str) -> RtTransaction:
    return RtTransaction(id=number, ticket_id=7, type=kind, created=AT, creator=creator,
                         **fields)


def events(*transactions: RtTransaction) -> list[HelpDeskEvent]:
    return events_from_batch(RtBatch(list(transactions), {7: TICKET}, USERS), SETTINGS)


def test_each_transaction_type_maps_to_its_kind_with_id_and_sequence() -> None:
    mapped = events(
        transaction(35, "Create", "alice", content="It is burning"),
        transaction(37, "Correspond", "alice", content="We are on it"),
        transaction(40, "Correspond", "carol@customer.test", content="Still burning"),
        transaction(41, "Comment", "alice", content="internal"),
        transaction(42, "Status", "alice", field="Status", old_value="open",
                    new_value="stalled"),
        transaction(43, "Set", "alice", field="Priority", old_value="20", new_value="50"),
        transaction(44, "EmailRecord", "RT_System", data="<rt-1@example.test>"),
        transaction(45, "Set", "alice", field="Subject", old_value="a", new_value="b"),
    )
    assert [(event.event_id, event.sequence, event.kind) for event in mapped] == [
        ("35", 35, HelpDeskEventKind.CREATED),
        ("37", 37, HelpDeskEventKind.PUBLIC_AGENT_COMMENT),
        ("40", 40, HelpDeskEventKind.REQUESTER_COMMENT),
        ("41", 41, HelpDeskEventKind.INTERNAL_COMMENT),
        ("42", 42, HelpDeskEventKind.STATUS_CHANGED),
        ("43", 43, HelpDeskEventKind.PRIORITY_CHANGED),
        ("44", 44, HelpDeskEventKind.OTHER),
        ("45", 45, HelpDeskEventKind.OTHER),
    ]
    created, reply, customer, _, status, priority, mail, subject = mapped
    assert {event.desk for event in mapped} == {HelpDesk.REQUEST_TRACKER}
    assert {event.external_ticket_id for event in mapped} == {"7"}
    assert (created.subject, created.body, created.status, created.priority) == (
        "Printer on fire", "It is burning", "new", "20")
    assert (created.requester_email, created.organization) == ("carol@customer.test", "Acme")
    assert created.url == "https://rt.example.test/Ticket/Display.html?id=7"
    assert (reply.author_name, reply.author_email, reply.body) == (
        "Alice Agent", "alice@example.test", "We are on it")
    assert customer.author_email == "carol@customer.test"
    assert (status.status, status.extra["old_value"]) == ("stalled", "open")
    assert priority.priority == "50"
    assert (mail.raw_type, subject.raw_type) == ("EmailRecord", "Set Subject")
    assert subject.extra["new_value"] == "b"
    assert created.raw_type == "" and created.occurred_at == AT


def test_a_customer_who_is_no_requestor_replies_as_a_customer() -> None:
    """A Cc on the customer's side is unprivileged: a customer reply, never an agent's."""
    [reply] = events(transaction(50, "Correspond", "dave@customer.test"))
    assert reply.kind is HelpDeskEventKind.REQUESTER_COMMENT


def test_staff_who_is_also_the_requestor_replies_as_the_requester() -> None:
    ticket = RtTicket(id=7, subject="s", status="new", priority="0", queue="General",
                      requestors=("alice",))
    [reply] = events_from_batch(RtBatch([transaction(51, "Correspond", "alice")], {7: ticket},
                                        USERS), SETTINGS)
    assert reply.kind is HelpDeskEventKind.REQUESTER_COMMENT


def test_our_own_write_back_comes_round_marked_as_ours() -> None:
    [ours, theirs] = events(
        transaction(60, "Comment", "root", data="First response breached [sla-key:T-1:3]"),
        transaction(61, "Comment", "alice", data="a note"))
    assert ours.kind is theirs.kind is HelpDeskEventKind.INTERNAL_COMMENT
    assert ours.extra.get("written_back") == "true" and "written_back" not in theirs.extra


def test_events_come_in_id_order_whatever_the_page_order() -> None:
    mapped = events(transaction(71, "Comment", "alice"), transaction(70, "Create", "alice"))
    assert [event.sequence for event in mapped] == [70, 71]
