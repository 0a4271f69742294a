"""Which ticket a call from a number no customer has goes to: the number's open ticket
from within the window, read from the tickets' table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sla.vocabulary import TicketStatus
from store.db import SessionFactory
from store.models import Customer, Ticket
from tickets.emergency_calls import unknown_number_subject, unknown_numbers_ticket

NOW = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)
NUMBER = "+15550004444"


@pytest.fixture
def unknown_id(sessions: SessionFactory) -> int:
    with sessions() as session:
        customer = Customer(name="Unknown callers", plan="premium")
        session.add(customer)
        session.commit()
        assert customer.id is not None
        return customer.id


def add(sessions: SessionFactory, customer_id: int, ticket_id: str, number: str,
        created: datetime, status: TicketStatus = TicketStatus.OPEN) -> None:
    with sessions() as session:
        session.add(Ticket(id=ticket_id, customer_id=customer_id,
                           subject=unknown_number_subject(number), severity="critical",
                           type="problem", channel="phone", plan="premium", status=status,
                           created_at=created))
        session.commit()


def found(sessions: SessionFactory, customer_id: int, number: str = NUMBER) -> str | None:
    with sessions() as session:
        ticket = unknown_numbers_ticket(session, customer_id, number, NOW - timedelta(hours=1))
        return ticket.id if ticket is not None else None


def test_the_numbers_open_ticket_from_within_the_window(
    sessions: SessionFactory, unknown_id: int
) -> None:
    add(sessions, unknown_id, "TCK-OLD", NUMBER, NOW - timedelta(minutes=61))
    assert found(sessions, unknown_id) is None
    add(sessions, unknown_id, "TCK-NEW", NUMBER, NOW - timedelta(minutes=59))
    assert found(sessions, unknown_id) == "TCK-NEW"


def test_not_another_numbers_ticket_nor_a_closed_one(
    sessions: SessionFactory, unknown_id: int
) -> None:
    add(sessions, unknown_id, "TCK-PREFIX", NUMBER + "9", NOW - timedelta(minutes=5))
    add(sessions, unknown_id, "TCK-CLOSED", NUMBER, NOW - timedelta(minutes=5),
        TicketStatus.CLOSED)
    assert found(sessions, unknown_id) is None
