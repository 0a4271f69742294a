"""Request and response models of a customer's plan, contracts and the rollouts of a plan
to their open tickets."""


from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from api.schemas import CustomerPublic
from tickets.inputs import (
    Input,
)


class PlanChangeCreate(Input):
    plan: str = Field(min_length=1, max_length=64)
    #: Also re-target the customer's open tickets (each through its workflow); otherwise
    #: only tickets opened from now on take the new plan.
    apply_to_open: bool = False


class TicketRetargetFailure(BaseModel):
    ticket_id: str
    reason: str


class RolloutPublic(BaseModel):
    """A rollout of a plan or policy version over open tickets (a workflow of its own)."""

    id: str
    finished: bool
    total: int
    done: int
    retargeted: list[str] = Field(description="The first 1,000 tickets re-targeted.")
    #: Already under the plan and policy version: nothing to do.
    unchanged: list[str] = Field(description="The first 1,000 tickets already under it.")
    failed: list[TicketRetargetFailure] = Field(
        description="The first 1,000 tickets that could not take it, with the reason.")
    retargeted_count: int
    unchanged_count: int
    failed_count: int


class PlanChangePublic(BaseModel):
    customer: CustomerPublic
    #: Open tickets that now run under the new plan (so far, if the rollout goes on).
    retargeted: list[str]
    #: Open tickets that could not take it, with the reason (e.g. a worker that did not
    #: answer: retry the same request, it skips tickets already on the plan).
    failed: list[TicketRetargetFailure]
    #: The rollout over the open tickets, with ``apply_to_open``.
    rollout: RolloutPublic | None = None


class ContractCreate(Input):
    """A support contract. Give the term as ``months`` or as ``ends_at``."""

    kind: Literal["subscription", "slots", "grant"] = Field(description=(
        "subscription: `slots` per month of the term; slots: `slots` for the whole term "
        "(single slots bought); grant: included support, no slots needed (e.g. one month "
        "of Basic with an integration we delivered or a module bought)."))
    tier: str = Field(min_length=1, max_length=64, description="The plan its requests run on.")
    starts_at: datetime
    months: int | None = Field(default=None, ge=1, le=120)
    ends_at: datetime | None = None
    slots: int = Field(default=0, ge=0, le=10_000)
    note: str = Field(default="", max_length=500, description=(
        "What the contract is for, e.g. the integration delivered or the module bought that "
        "a grant of one month of Basic comes with."))


class PeriodUsagePublic(BaseModel):
    start: datetime
    end: datetime
    included: int
    #: Spent: an agent started work on the ticket.
    used: int
    #: Held by tickets nobody has started work on yet.
    reserved: int
    #: Slots left unused in a period that has ended (not refundable as such).
    unserved: int | None
    #: Free slots of the current or a future period.
    available: int | None


class RefundPublic(BaseModel):
    condition: str = Field(description="When the contract allows the refund.")
    unserved_from: datetime
    unserved_until: datetime
    months: float = Field(description="The unserved part of the term, in months.")
    amount: str | None = Field(description="months x the price of a month (null: no price).")
    basis: str = Field(description="How the amount is counted, and what is uncertain about it.")


class ContractPublic(BaseModel):
    id: int
    customer_id: int
    kind: str
    tier: str
    starts_at: datetime
    ends_at: datetime
    slots: int
    note: str
    active: bool
    slot_price: str | None = Field(description="The policy's price of one slot of the tier.")
    usage: list[PeriodUsagePublic]
    unused_slots: int = Field(description="Slots left unused in periods that have ended. "
                              "They are not refunded as such: see refund_if_justified.")
    refund_if_justified: RefundPublic | None = Field(
        default=None, description="What a refund of the remaining unserved part of the paid "
        "term would be if the customer's requests are, with good reason, not satisfied "
        "(subscriptions while their term runs).")


class ContractCreated(BaseModel):
    contract: ContractPublic
    #: Requests of the customer that waited for a slot and are now covered.
    covered: list[str]
    #: The workflow covering them (its id), when any request waited; it goes on after
    #: the answer when ``covering_finished`` is false.
    covering: str | None = None
    covering_finished: bool = True


class CustomerDetail(CustomerPublic):
    contracts: list[ContractPublic] = []


