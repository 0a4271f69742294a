from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response, status
from sqlmodel import select

from api.auth import Admin, CustomerOrStaff, Principal, Staff
from api.contracts import contract_problems, contract_public
from api.customer_schemas import (
    ContractCreate,
    ContractCreated,
    ContractPublic,
    CustomerDetail,
    PlanChangeCreate,
    PlanChangePublic,
    TicketRetargetFailure,
)
from api.deps import PolicyDep, ResourcesDep, SessionDep, off_loop
from api.routes.rollouts import rollout_public
from api.schemas import CustomerCreate, CustomerPublic
from channels.templates import template_locales
from store.contracts import contracts_of
from store.models import Contract, Customer
from tickets.contracts import cover_waiting_tickets, covering_id, plan_covering
from tickets.customers import add_customer, move_to_plan, visible_customer
from tickets.errors import Invalid, Problem
from tickets.rollout import paged_rollout, rollout_id, run_rollout
from workflows.messages import CoveringInput, CoveringProgress

router = APIRouter(prefix="/customers", tags=["customers"])


@router.post("", response_model=CustomerPublic, status_code=status.HTTP_201_CREATED)
def create_customer(
    request: CustomerCreate, session: SessionDep, policy: PolicyDep, resources: ResourcesDep,
    caller: Admin,
) -> Customer:
    locales = template_locales(resources.settings.templates_dir)
    return add_customer(session, policy, request, locales)


@router.get("", response_model=list[CustomerPublic])
def list_customers(
    session: SessionDep,
    caller: Staff,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[Customer]:
    query = select(Customer).order_by(Customer.id).offset(offset).limit(limit)  # type: ignore[arg-type]
    return list(session.exec(query))


def _visible_customer(session: SessionDep, caller: Principal, customer_id: int) -> Customer:
    return visible_customer(session, customer_id, caller.customer_id)


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(
    customer_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
    policy: PolicyDep, caller: CustomerOrStaff,
) -> CustomerDetail:
    """The customer, with its support contracts and their slot usage. A customer key reads
    its TAM's name, not the TAM's address and number: those are the team's."""
    customer = _visible_customer(session, caller, customer_id)
    fields = CustomerPublic.model_validate(customer, from_attributes=True).model_dump()
    if caller.customer_id is not None:
        fields |= {"tam_email": None, "tam_phone": None}
    return CustomerDetail(**fields, contracts=_contracts(session, policy, customer_id))


def _contracts(session: SessionDep, policy: PolicyDep, customer_id: int) -> list[ContractPublic]:
    now = datetime.now(UTC)
    return [contract_public(contract, policy, session, now)
            for contract in contracts_of(session, customer_id)]


@router.get("/{customer_id}/contracts", response_model=list[ContractPublic])
def list_contracts(
    customer_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
    policy: PolicyDep, caller: CustomerOrStaff,
) -> list[ContractPublic]:
    """Support contracts and slot usage per period: slots used, reserved by tickets nobody
    has started on, available, and unused in periods that have ended; and, for a running
    subscription, what a refund of its unserved term would be if the customer's requests
    are, with good reason, not satisfied."""
    _visible_customer(session, caller, customer_id)
    return _contracts(session, policy, customer_id)


@router.post("/{customer_id}/contracts", response_model=ContractCreated,
             status_code=status.HTTP_201_CREATED)
async def add_contract(
    customer_id: Annotated[int, Path(ge=1, le=2**62)], request: ContractCreate,
    session: SessionDep, resources: ResourcesDep, caller: Admin,
) -> ContractCreated:
    """Add a subscription, a slot pack or an included-support grant. Requests of the
    customer that waited for a slot take one each, oldest first, and their clocks start."""
    policy = resources.policy
    starts_at, ends_at, problems = contract_problems(request, policy)

    def store() -> tuple[Contract, CoveringInput]:
        customer = _visible_customer(session, caller, customer_id)
        if problems:
            raise Invalid([Problem(("body", field), message) for field, message in problems])
        contract = Contract(customer_id=customer_id, kind=request.kind, tier=request.tier,
                            starts_at=starts_at, ends_at=ends_at, slots=request.slots,
                            note=request.note)
        session.add(contract)
        session.commit()
        session.refresh(contract)
        return contract, plan_covering(session, policy, customer)

    contract, covering = await off_loop(store)
    assert contract.id is not None
    finished, progress = True, CoveringProgress()
    workflow_id = covering_id(customer_id, contract.id)
    if covering.requests:
        finished, progress = await cover_waiting_tickets(
            resources.temporal, resources.settings.temporal_task_queue, workflow_id, covering,
            resources.wait)
    shown = await off_loop(lambda: contract_public(contract, policy, session, datetime.now(UTC)))
    return ContractCreated(contract=shown, covered=progress.covered,
                           covering=workflow_id if covering.requests else None,
                           covering_finished=finished)


@router.post("/{customer_id}/plan", response_model=PlanChangePublic, responses={
    202: {"model": PlanChangePublic,
          "description": "the plan is changed; the re-targeting of open tickets did not "
                         "finish in time and goes on: follow `rollout` at GET /rollouts/{id}"}})
async def change_plan(
    customer_id: Annotated[int, Path(ge=1, le=2**62)], request: PlanChangeCreate,
    session: SessionDep, resources: ResourcesDep, caller: Admin, response: Response,
) -> PlanChangePublic:
    """Move the customer to another plan. Tickets opened from now on take it; with
    ``apply_to_open`` the customer's open tickets are re-targeted too, each through its
    workflow (used time and pauses kept, overdue clocks breached at once), by a rollout
    that goes on whatever happens to this request: 200 when it finished in time, 202
    with its progress when not (follow it at ``GET /rollouts/{id}``). Sending the same
    request again follows a rollout still running, or retries only the tickets that
    failed."""
    policy = resources.policy

    def move() -> tuple[Customer, str]:
        return move_to_plan(session, policy, customer_id, request.plan)

    customer, old_plan = await off_loop(move)
    shown = CustomerPublic.model_validate(customer, from_attributes=True)
    if not request.apply_to_open:
        return PlanChangePublic(customer=shown, retargeted=[], failed=[])
    actor = f"admin:key {caller.key_id}"
    reason = f"customer's plan changed from {old_plan}" if old_plan != request.plan \
        else "customer's plan applied again"
    rollout = await off_loop(lambda: paged_rollout(session, policy, customer_id, actor, reason))
    workflow_id = rollout_id(policy, f"customer-{customer_id}-{request.plan}")
    finished, progress = await run_rollout(
        resources.temporal, resources.settings.temporal_task_queue, workflow_id, rollout,
        resources.wait)
    answer = PlanChangePublic(
        customer=shown, retargeted=progress.retargeted,
        failed=[TicketRetargetFailure(ticket_id=ticket_id, reason=reason)
                for ticket_id, reason in progress.failed.items()],
        rollout=rollout_public(workflow_id, finished, progress))
    if not finished:
        response.status_code = status.HTTP_202_ACCEPTED
    return answer
