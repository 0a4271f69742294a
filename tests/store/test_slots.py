"""Taking a support slot, on SQLite and PostgreSQL: once per ticket, first come first
served when requests race for the last one, never again after it was given back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from sla.ticket.state import SlotClaim
from store.models import Contract, Customer, SlotUse
from store.slots import take_slot

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def one_slot_contract(engine: Engine) -> SlotClaim:
    with Session(engine) as session:
        customer = Customer(name="Slots Co", plan="slotted")
        session.add(customer)
        session.commit()
        assert customer.id is not None
        contract = Contract(customer_id=customer.id, kind="slots", tier="slotted",
                            starts_at=NOW - timedelta(days=1), ends_at=NOW + timedelta(days=30),
                            slots=1)
        session.add(contract)
        session.commit()
        assert contract.id is not None
        return SlotClaim(contract_id=contract.id, period_start=contract.starts_at, slots=1,
                         label=f"slot pack #{contract.id}")


def holders(engine: Engine) -> list[str]:
    with Session(engine) as session:
        return [row.ticket_id for row in session.exec(select(SlotUse))
                if row.released_at is None]


def test_a_retried_step_holds_one_slot(any_engine: Engine) -> None:
    claim = one_slot_contract(any_engine)
    for _ in range(3):
        with Session(any_engine) as session:
            assert take_slot(session, "TCK-A", claim, NOW) is True
    assert holders(any_engine) == ["TCK-A"]


def test_the_last_slot_goes_to_the_first_request(any_engine: Engine) -> None:
    claim = one_slot_contract(any_engine)
    with Session(any_engine) as first, Session(any_engine) as second:
        assert take_slot(first, "TCK-A", claim, NOW) is True
        assert take_slot(second, "TCK-B", claim, NOW) is False
    # The loser asks again (its step retried): still no slot, and no row left behind.
    with Session(any_engine) as session:
        assert take_slot(session, "TCK-B", claim, NOW) is False
    assert holders(any_engine) == ["TCK-A"]


def test_a_slot_given_back_is_not_taken_again_by_its_ticket(any_engine: Engine) -> None:
    claim = one_slot_contract(any_engine)
    with Session(any_engine) as session:
        assert take_slot(session, "TCK-A", claim, NOW) is True
        row = session.exec(select(SlotUse)).one()
        row.released_at = NOW + timedelta(hours=1)  # it closed before anyone worked on it
        session.add(row)
        session.commit()
        assert take_slot(session, "TCK-A", claim, NOW + timedelta(hours=2)) is False
        assert take_slot(session, "TCK-B", claim, NOW + timedelta(hours=2)) is True
    assert holders(any_engine) == ["TCK-B"]
