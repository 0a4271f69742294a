from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
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
from store.contracts import contracts_of
from store.models import Contract, Customer
from tickets.contracts import cover_waiting_tickets, covering_id, plan_covering
from tickets.rollout import open_tickets, plan_rollout, rollout_id, run_rollout
from workflows.messages import CoveringInput, CoveringProgress

router = APIRouter(prefix="/customers", tags=["customers"])


def _invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        detail=[{"loc": ["body", field], "msg": message, "type": "value_error"}],
    )


@router.post("", response_model=CustomerPublic, status_code=status.HTTP_201_CREATED)
def create_customer(
    request: CustomerCreate, session: SessionDep, policy: PolicyDep, caller: Admin
) -> Customer:
    if request.plan not in policy.plans:
        raise _invalid("plan", f"unknown plan {request.plan!r}; the SLA policy defines "
                               f"{', '.join(sorted(policy.plans))}")
    try:
        ZoneInfo(request.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise _invalid("time_zone", f"{request.time_zone!r} is not an IANA time zone "
                                    "(e.g. 'Europe/Rome')") from None
    has_tam = bool(request.tam_name and (request.tam_email or request.tam_phone))
    if (request.tam_email or request.tam_phone) and not request.tam_name:
        raise _invalid("tam_name", "a TAM with an email or phone needs a name")
    if request.tam_name and not has_tam:
        raise _invalid("tam_email", "a TAM needs an email or a phone number to be reachable")
    if policy.plan_requires_tam(request.plan) and not has_tam:
        raise _invalid("tam_name", f"plan {request.plan!r} escalates only to the customer's TAM, "
                                   "so the customer needs one")
    customer = Customer.model_validate(request)
    session.add(customer)
    session.commit()
    session.refresh(customer)
    return customer


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
    if caller.customer_id not in (None, customer_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no customer {customer_id}")
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no customer {customer_id}")
    return customer


@router.get("/{customer_id}", response_model=CustomerDetail)
def get_customer(
    customer_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
    policy: PolicyDep, caller: CustomerOrStaff,
) -> CustomerDetail:
    """The customer, with its support contracts and their slot usage."""
    customer = _visible_customer(session, caller, customer_id)
    return CustomerDetail(**CustomerPublic.model_validate(customer, from_attributes=True)
                          .model_dump(), contracts=_contracts(session, policy, customer_id))


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
    subscription, what a refund of its unserved term would be on justified dissatisfaction."""
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
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[
                {"loc": ["body", field], "msg": message, "type": "value_error"}
                for field, message in problems])
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


@router.post("/{customer_id}/plan", response_model=PlanChangePublic)
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
        customer = session.get(Customer, customer_id)
        if customer is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"no customer {customer_id}")
        if request.plan not in policy.plans:
            raise _invalid("plan", f"unknown plan {request.plan!r}; the SLA policy defines "
                                   f"{', '.join(sorted(policy.plans))}")
        has_tam = bool(customer.tam_name and (customer.tam_email or customer.tam_phone))
        if policy.plan_requires_tam(request.plan) and not has_tam:
            raise _invalid("plan", f"plan {request.plan!r} escalates only to the customer's "
                                   "TAM, and this customer has none")
        old_plan = customer.plan
        customer.plan = request.plan
        session.add(customer)
        session.commit()
        session.refresh(customer)
        return customer, old_plan

    customer, old_plan = await off_loop(move)
    shown = CustomerPublic.model_validate(customer, from_attributes=True)
    if not request.apply_to_open:
        return PlanChangePublic(customer=shown, retargeted=[], failed=[])
    actor = f"admin:key {caller.key_id}"
    reason = f"customer's plan changed from {old_plan}" if old_plan != request.plan \
        else "customer's plan applied again"
    rollout = await off_loop(lambda: plan_rollout(
        session, policy, open_tickets(session, customer_id), actor, reason))
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
