"""A request takes its support slot as a step of its own ticket, on the time-skipping
server with a real worker: the slot is held by the ticket (nothing is taken for a request
that never became one), and a request that lost the last slot to another waits for
coverage and is told so, never sent a receipt first."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from temporalio.client import WorkflowUpdateFailedError

from sla.policy.entitlements import NO_SLOT_LEFT
from sla.policy.loading import load_policy
from sla.policy.snapshot import Contact
from sla.ticket.state import Coverage, SlotClaim
from store.models import Contract, SlotUse
from tests.workflows.harness import Harness, eventually
from workflows.messages import CoverageGiven
from workflows.ticket import TicketWorkflow

POLICY = load_policy(Path(__file__).resolve().parents[1] / "e2e" / "fast-policy.toml")
CUSTOMER = Contact(role="customer", name="Rita", email="rita@slots.example")


async def slot_pack(harness: Harness, slots: int) -> tuple[SlotClaim, Coverage]:
    """A slot pack of the harness's customer, running now: the claim a request on it makes,
    and the coverage it gives."""
    now = await harness.env.get_current_time()
    with harness.sessions() as session:
        contract = Contract(customer_id=harness.customer_id, kind="slots", tier="slotted",
                            starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30),
                            slots=slots)
        session.add(contract)
        session.commit()
        assert contract.id is not None
        label = f"slot pack #{contract.id} (slotted)"
        claim = SlotClaim(contract_id=contract.id, period_start=contract.starts_at, slots=slots,
                          label=label)
    return claim, Coverage(covered=True, contract_id=claim.contract_id, label=label, at=now)


async def one_slot(harness: Harness) -> tuple[SlotClaim, Coverage]:
    return await slot_pack(harness, 1)


def slot_holders(harness: Harness) -> list[str]:
    with harness.sessions() as session:
        return [row.ticket_id for row in session.exec(select(SlotUse))
                if row.released_at is None]


async def test_a_request_takes_its_slot_as_its_first_step(harness: Harness) -> None:
    claim, coverage = await one_slot(harness)
    assert slot_holders(harness) == []
    handle = await harness.start("major", plan="slotted", policy=POLICY, customer=CUSTOMER,
                                 coverage=coverage, slot_claim=claim)
    assert slot_holders(harness) == [handle.id]
    ticket = await harness.ticket_when(handle.id, lambda row: row.coverage is not None)
    assert ticket.coverage == "covered"
    assert await harness.outbox_kinds(handle.id, 1) == [("ticket_received", "customer")]
    view = await harness.sla(handle)
    assert {clock.state for clock in view.clocks} == {"running"}


async def test_a_request_that_lost_the_last_slot_waits_and_is_told_so(
    harness: Harness,
) -> None:
    claim, coverage = await one_slot(harness)
    first = await harness.start("major", plan="slotted", policy=POLICY, customer=CUSTOMER,
                                coverage=coverage, slot_claim=claim)
    # The second request was decided on the same free slot, a moment too late.
    second = await harness.start("major", plan="slotted", policy=POLICY, customer=CUSTOMER,
                                 coverage=coverage, slot_claim=claim)
    assert slot_holders(harness) == [first.id]
    ticket = await harness.ticket_when(second.id, lambda row: row.coverage is not None)
    assert ticket.coverage == "not_covered"
    view = await harness.sla(second)
    assert view.coverage is not None and view.coverage.label == NO_SLOT_LEFT
    assert {clock.state for clock in view.clocks} == {"paused"}
    assert harness.kinds(second.id) == ["created", "not_covered"]
    assert await harness.outbox_kinds(second.id, 1) == [("not_covered", "customer")]
    # Days pass: nothing warns or breaches for a request nobody may work on yet.
    await harness.sleep(timedelta(days=2))
    assert not (await harness.sla(second)).breached
    assert [row.kind for row in harness.outbox(second.id)] == ["not_covered"]


async def test_a_cover_with_a_slot_already_gone_is_refused_with_the_reason(
    harness: Harness,
) -> None:
    claim, coverage = await one_slot(harness)
    holder = await harness.start("major", plan="slotted", policy=POLICY, customer=CUSTOMER,
                                 coverage=coverage, slot_claim=claim)
    waiting = await harness.start("major", plan="slotted", policy=POLICY, customer=CUSTOMER,
                                  coverage=Coverage(covered=False, label=NO_SLOT_LEFT))
    with pytest.raises(WorkflowUpdateFailedError) as refused:
        await waiting.execute_update(TicketWorkflow.cover,
                                     CoverageGiven(coverage, slot_claim=claim))
    assert "no slot is left" in str(refused.value.cause)
    assert slot_holders(harness) == [holder.id]
    assert (await harness.sla(waiting)).coverage == Coverage(covered=False, label=NO_SLOT_LEFT)
    await eventually(lambda: harness.kinds(waiting.id) == ["created", "not_covered"])
