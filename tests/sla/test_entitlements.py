"""Which contract covers a request, and how slots were used: the CRM integrator's terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sla.policy.entitlements import ContractTerms, SlotUse, add_months, decide, usage
from sla.policy.loading import load_policy

ROOT = Path(__file__).resolve().parents[2]
CRM = load_policy(ROOT / "policies" / "crm-integrator.toml")
NEEDS = {plan: CRM.needs_slot(plan, "problem") for plan in CRM.plans}
JAN = datetime(2026, 1, 31, 10, tzinfo=UTC)
SUBSCRIPTION = ContractTerms(id=1, kind="subscription", tier="premium", starts_at=JAN,
                             ends_at=add_months(JAN, 3), slots=2)
GRANT = ContractTerms(id=2, kind="grant", tier="basic", starts_at=JAN,
                      ends_at=add_months(JAN, 1))


def use(ticket: str, period: datetime, contract: int = 1, consumed: bool = True,
        released: bool = False) -> SlotUse:
    return SlotUse(contract_id=contract, period_start=period, ticket_id=ticket,
                   reserved_at=period, consumed_at=period if consumed else None,
                   released_at=period if released else None)


def test_the_crm_integrator_sells_slots_on_its_paid_tiers() -> None:
    assert NEEDS == {"flow": False, "basic": True, "premium": True, "vip": True}
    assert CRM.snapshot("flow", None, JAN).recommendations_only
    assert not CRM.snapshot("basic", None, JAN).recommendations_only
    assert "5 slots" in CRM.snapshot("vip", None, JAN).how_to_buy


def test_months_keep_the_day_or_take_the_last_one() -> None:
    assert add_months(JAN, 1) == datetime(2026, 2, 28, 10, tzinfo=UTC)
    assert add_months(JAN, 2) == datetime(2026, 3, 31, 10, tzinfo=UTC)
    assert add_months(JAN, 12) == datetime(2027, 1, 31, 10, tzinfo=UTC)
    assert [start.date().isoformat() for start, _ in SUBSCRIPTION.periods()] == [
        "2026-01-31", "2026-02-28", "2026-03-31"]


def test_a_slot_per_request_until_the_month_is_spent() -> None:
    at = JAN + timedelta(days=3)
    first = decide("flow", [SUBSCRIPTION], [], at, NEEDS)
    assert (first.tier, first.covered, first.period_start) == ("premium", True, JAN)
    spent = [use("T1", JAN), use("T2", JAN, consumed=False)]
    full = decide("flow", [SUBSCRIPTION], spent, at, NEEDS)
    # No slot left: the request runs on the subscription's tier, not covered.
    assert (full.tier, full.covered, full.contract) == ("premium", False, None)
    # A released slot (closed before anyone started) is free again.
    freed = decide("flow", [SUBSCRIPTION], [use("T1", JAN), use("T2", JAN, released=True)],
                   at, NEEDS)
    assert freed.covered is True
    # Next month has slots of its own.
    march = decide("flow", [SUBSCRIPTION], spent, add_months(JAN, 1) + timedelta(hours=1), NEEDS)
    assert (march.covered, march.period_start) == (True, add_months(JAN, 1))


def test_a_grant_covers_without_a_slot_until_it_expires() -> None:
    during = decide("flow", [GRANT, SUBSCRIPTION], [], JAN + timedelta(days=1), NEEDS)
    assert (during.tier, during.covered, during.contract, during.period_start) == (
        "basic", True, GRANT, None)
    after = decide("flow", [GRANT], [], add_months(JAN, 1), NEEDS)
    # Expired: back to the base plan, the free Flow queue, which needs no slot.
    assert (after.tier, after.covered) == ("flow", None)
    on_basic = decide("basic", [GRANT], [], add_months(JAN, 1), NEEDS)
    assert (on_basic.tier, on_basic.covered) == ("basic", False)


def test_usage_per_period_lists_unserved_slots_for_refunds() -> None:
    uses = [use("T1", JAN), use("T2", JAN, consumed=False), use("T3", add_months(JAN, 1)),
            use("T4", add_months(JAN, 1), released=True)]
    now = add_months(JAN, 1) + timedelta(days=2)
    periods = usage(SUBSCRIPTION, uses, now)
    assert [(p.used, p.reserved, p.unserved, p.available) for p in periods] == [
        (1, 1, 0, None),      # January ended with both slots taken
        (1, 0, None, 1),      # February runs: one used, one free
        (0, 0, None, 2),      # March to come
    ]
    later = usage(SUBSCRIPTION, uses, add_months(JAN, 3))
    assert [p.unserved for p in later] == [0, 1, 2]
    assert usage(GRANT, uses, now) == []


def test_a_refund_is_the_unserved_rest_of_the_paid_term_not_unused_slots() -> None:
    """«возврат денежных средств за оставшийся необслуженный период поддержки»: the part of
    the paid term not yet served, on justified dissatisfaction."""
    from sla.policy.entitlements import REFUND_CONDITION, refund_if_justified

    term = ContractTerms(id=9, kind="subscription", tier="premium",
                         starts_at=datetime(2026, 1, 1, tzinfo=UTC),
                         ends_at=datetime(2026, 4, 1, tzinfo=UTC), slots=5)
    # Halfway through February (28 days): half of February and all of March are unserved.
    refund = refund_if_justified(term, datetime(2026, 2, 15, tzinfo=UTC), "70 USD",
                                 "the month's price is ambiguous")
    assert refund is not None
    assert refund.condition == REFUND_CONDITION
    # The document's condition, as written, with no "only" added to it.
    assert "«в случае, обоснованного не удовлетворения ваших запросов»" in refund.condition
    assert "if your requests are, with good reason, not satisfied" in refund.condition
    assert "only" not in refund.condition
    assert (refund.unserved_from, refund.unserved_until) == (
        datetime(2026, 2, 15, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert refund.months == 1.5
    assert refund.amount == "105.00 USD"
    assert "ambiguous" in refund.basis
    # Before the term starts, all of it is unserved; after it ends, nothing is.
    assert refund_if_justified(term, datetime(2025, 12, 1, tzinfo=UTC), "70 USD").months == 3.0  # type: ignore[union-attr]
    assert refund_if_justified(term, datetime(2026, 4, 2, tzinfo=UTC), "70 USD") is None
    pack = ContractTerms(id=10, kind="slots", tier="premium", starts_at=term.starts_at,
                         ends_at=term.ends_at, slots=3)
    assert refund_if_justified(pack, datetime(2026, 2, 15, tzinfo=UTC), "70 USD") is None
    no_price = refund_if_justified(term, datetime(2026, 2, 15, tzinfo=UTC), None)
    assert no_price is not None and no_price.amount is None
