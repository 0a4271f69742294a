"""Support contracts: which one covers a new request, and how their slots were used.

Pure: the API reads the customer's contracts and slot uses from the database and asks here.

- A **subscription** holds ``slots`` per calendar month of its term (the CRM integrator's
  monthly subscription: 5 slots), counted from its start date.
- A **slot pack** holds ``slots`` for its whole term (single slots bought one by one).
- A **grant** is included support (one month of Basic with every integration delivered
  or module bought):
  requests in its term are covered without a slot.

A request on a tier that sells slots (the policy's ``[entitlements] slot_plans``) needs
a slot or a grant before work starts; each contract names the tier it gives while it is
active, and without an active one the customer's base plan applies.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ContractKind = Literal["subscription", "slots", "grant"]
NO_SLOT_LEFT = "not covered: no slot left"
CONTRACT_KINDS: tuple[ContractKind, ...] = ("subscription", "slots", "grant")


def add_months(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` later; the 31st becomes the month's last day."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class ContractTerms:
    id: int
    kind: ContractKind
    tier: str
    starts_at: datetime
    ends_at: datetime
    #: Per month (subscription) or in all (slot pack); 0 for a grant.
    slots: int = 0

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at

    def periods(self) -> list[tuple[datetime, datetime]]:
        """The stretches its slots are counted over: months of a subscription, else the term."""
        if self.kind != "subscription":
            return [(self.starts_at, self.ends_at)]
        out, month = [], 0
        while (start := add_months(self.starts_at, month)) < self.ends_at:
            out.append((start, min(add_months(self.starts_at, month + 1), self.ends_at)))
            month += 1
        return out

    def period_at(self, at: datetime) -> datetime | None:
        return next((start for start, end in self.periods() if start <= at < end), None)


@dataclass(frozen=True)
class SlotUse:
    contract_id: int
    period_start: datetime
    ticket_id: str
    reserved_at: datetime
    #: When an agent started work (the first response): the slot is spent.
    consumed_at: datetime | None = None
    #: The ticket closed before anyone started work: the slot is back.
    released_at: datetime | None = None


@dataclass(frozen=True)
class Decision:
    """How a new request is taken: the tier it runs on, and what covers it."""

    tier: str
    #: False: a slot is needed and none is left; None: the tier needs no coverage.
    covered: bool | None
    contract: ContractTerms | None = None
    #: The slot period to take one from (None: a grant, or no slot needed).
    period_start: datetime | None = None

    def label(self) -> str:
        if self.contract is None:
            return NO_SLOT_LEFT if self.covered is False else "no slot needed"
        kind = {"subscription": "subscription", "slots": "slot pack",
                "grant": "included support"}[self.contract.kind]
        where = f" (slot of the period from {self.period_start:%Y-%m-%d})" \
            if self.period_start else ""
        return f"{kind} #{self.contract.id} ({self.contract.tier}){where}"


def slots_taken(uses: Iterable[SlotUse], contract_id: int, period_start: datetime) -> int:
    return sum(1 for use in uses if use.contract_id == contract_id
               and use.period_start == period_start and use.released_at is None)


def decide(base_plan: str, contracts: list[ContractTerms], uses: list[SlotUse],
           at: datetime, needs_slot: dict[str, bool]) -> Decision:
    """Grants first (no slot spent), then the contract with a free slot that ends soonest.

    ``needs_slot`` says per tier whether its requests take a slot (the policy, for the
    request's type). With no free slot, the ticket runs on the tier of the customer's
    active paid contract, not covered; with no active contract, on the base plan.
    """
    active = sorted((c for c in contracts if c.active(at)), key=lambda c: (c.ends_at, c.id))
    for contract in active:
        if contract.kind == "grant":
            return Decision(contract.tier, True if needs_slot.get(contract.tier) else None,
                            contract)
    for contract in active:
        if not needs_slot.get(contract.tier):
            return Decision(contract.tier, None, contract)
        period = contract.period_at(at)
        if period is not None and slots_taken(uses, contract.id, period) < contract.slots:
            return Decision(contract.tier, True, contract, period)
    tier = active[0].tier if active else base_plan
    return Decision(tier, False if needs_slot.get(tier) else None)


@dataclass(frozen=True)
class PeriodUsage:
    start: datetime
    end: datetime
    included: int
    #: Slots spent: an agent started work on the ticket.
    used: int
    #: Slots held by tickets nobody has started work on yet.
    reserved: int
    #: Slots left unused in a period that has ended (not a refund: the contract refunds
    #: the unserved part of a paid term, see ``refund_if_justified``).
    unserved: int | None
    #: Free slots of the current (or a future) period.
    available: int | None


def usage(contract: ContractTerms, uses: list[SlotUse], now: datetime) -> list[PeriodUsage]:
    """Slot use per period; grants hold no slots and have no usage."""
    if contract.kind == "grant":
        return []
    out = []
    for start, end in contract.periods():
        mine = [u for u in uses if u.contract_id == contract.id and u.period_start == start
                and u.released_at is None]
        used = sum(1 for u in mine if u.consumed_at is not None)
        reserved = len(mine) - used
        left = max(contract.slots - used - reserved, 0)
        ended = end <= now
        out.append(PeriodUsage(start=start, end=end, included=contract.slots, used=used,
                               reserved=reserved, unserved=left if ended else None,
                               available=None if ended else left))
    return out


#: The condition the CRM integrator's document puts on a refund.
#: The document's words as written («в случае, обоснованного не удовлетворения ваших
#: запросов»: no "only"), then their translation.
REFUND_CONDITION = ("«в случае, обоснованного не удовлетворения ваших запросов» (if your "
                    "requests are, with good reason, not satisfied)")


@dataclass(frozen=True)
class Refund:
    """What a refund of the remaining unserved period of a paid term would be."""

    condition: str
    #: The part of the paid term not yet served: from now (or the start) to its end.
    unserved_from: datetime
    unserved_until: datetime
    #: That part in months of the term (a month partly served counts by its share of time).
    months: float
    #: ``months`` x the month's price, in the price's currency; None without a price.
    amount: str | None
    #: How the amount is counted, and anything uncertain about the price.
    basis: str


def _price(text: str) -> tuple[float, str] | None:
    """``"70 USD"`` -> (70.0, "USD"); None for anything else."""
    number, _, currency = text.strip().partition(" ")
    try:
        return float(number), currency.strip()
    except ValueError:
        return None


def refund_if_justified(contract: ContractTerms, now: datetime, month_price: str | None,
                        note: str = "") -> Refund | None:
    """A subscription's refund for the rest of its paid term; None for a grant or a slot
    pack (no paid period), or once the term is over (nothing is left unserved).

    The document refunds the *remaining unserved period of support*, not slots left unused.
    """
    if contract.kind != "subscription" or now >= contract.ends_at:
        return None
    since = max(now, contract.starts_at)
    months = 0.0
    for start, end in contract.periods():
        if end > since:
            months += (end - max(start, since)) / (end - start)
    price = _price(month_price) if month_price else None
    amount = f"{months * price[0]:.2f} {price[1]}".strip() if price else None
    basis = (f"{months:.2f} months x {month_price} a month" if price
             else "no price of a month in the policy ([entitlements] subscription_price)")
    return Refund(condition=REFUND_CONDITION, unserved_from=since,
                  unserved_until=contract.ends_at, months=round(months, 2), amount=amount,
                  basis=f"{basis}. {note}".strip() if note else basis)
