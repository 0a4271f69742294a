"""Customers and their plans: adding one, finding one the caller may see, moving one to
another plan. The TAM rule lives here once: a TAM is reachable (a name, and an email or a
phone), and a plan whose escalation goes only to the customer's TAM needs one."""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from channels.templates import known_locale
from sla.policy.rules import Policy
from store.models import Customer, CustomerBase
from tickets.errors import Invalid, NotFound, Problem


def _body(field: str, message: str) -> Problem:
    return Problem(("body", field), message)


def has_tam(tam_name: str | None, tam_email: str | None, tam_phone: str | None) -> bool:
    """A TAM the escalation can reach: a name, and an email or a phone number."""
    return bool(tam_name and (tam_email or tam_phone))


def plan_problem(policy: Policy, plan: str, field: str = "plan") -> Problem | None:
    if plan not in policy.plans:
        return _body(field, f"unknown plan {plan!r}; the SLA policy defines "
                            f"{', '.join(sorted(policy.plans))}")
    return None


def tam_problems(policy: Policy, plan: str, tam_name: str | None, tam_email: str | None,
                 tam_phone: str | None, field_for_plan: str = "tam_name") -> list[Problem]:
    """What is wrong with a customer's TAM under ``plan`` (empty: nothing)."""
    if (tam_email or tam_phone) and not tam_name:
        return [_body("tam_name", "a TAM with an email or phone needs a name")]
    if tam_name and not has_tam(tam_name, tam_email, tam_phone):
        return [_body("tam_email", "a TAM needs an email or a phone number to be reachable")]
    if policy.plan_requires_tam(plan) and not has_tam(tam_name, tam_email, tam_phone):
        return [_body(field_for_plan, f"plan {plan!r} escalates only to the customer's TAM, "
                                      "so the customer needs one")]
    return []


def locale_problem(locales: Collection[str], locale: str) -> Problem | None:
    if known_locale(locales, locale) is None:
        return _body("locale", f"no message templates for {locale[:20]!r}; there are "
                               f"{', '.join(sorted(locales))}")
    return None


def add_customer(session: Session, policy: Policy, request: CustomerBase,
                 locales: Collection[str]) -> Customer:
    """A new customer on one of the policy's plans, in a language there are templates for
    (``locales``), in a real time zone, with a TAM where the plan escalates to one."""
    problem = plan_problem(policy, request.plan) or locale_problem(locales, request.locale)
    if problem is not None:
        raise Invalid([problem])
    try:
        ZoneInfo(request.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise Invalid([_body("time_zone", f"{request.time_zone!r} is not an IANA time zone "
                                          "(e.g. 'Europe/Rome')")]) from None
    problems = tam_problems(policy, request.plan, request.tam_name, request.tam_email,
                            request.tam_phone)
    if problems:
        raise Invalid(problems)
    customer = Customer.model_validate(request)
    session.add(customer)
    session.commit()
    session.refresh(customer)
    return customer


def visible_customer(session: Session, customer_id: int,
                     caller_customer_id: int | None) -> Customer:
    """The customer, when the caller may see it (a customer key: its own only); another
    customer's looks exactly like one that does not exist."""
    customer = None
    if caller_customer_id in (None, customer_id):
        customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    return customer


def move_to_plan(session: Session, policy: Policy, customer_id: int,
                 plan: str) -> tuple[Customer, str]:
    """The customer on ``plan`` from now on; returns it and the plan it was on."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        raise NotFound(f"no customer {customer_id}")
    problem = plan_problem(policy, plan)
    if problem is not None:
        raise Invalid([problem])
    if policy.plan_requires_tam(plan) and not has_tam(customer.tam_name, customer.tam_email,
                                                      customer.tam_phone):
        raise Invalid([_body("plan", f"plan {plan!r} escalates only to the customer's TAM, "
                                     "and this customer has none")])
    old_plan = customer.plan
    customer.plan = plan
    session.add(customer)
    session.commit()
    session.refresh(customer)
    return customer, old_plan
