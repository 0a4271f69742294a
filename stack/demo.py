"""A few demo customers, so a fresh ``make run`` has someone to open tickets for."""

from __future__ import annotations

from sqlmodel import Session, select

from sla.policy.rules import Policy
from store.models import Customer

DEMO_CUSTOMERS = [
    Customer(name="Acme Mail", plan="premium", locale="en", time_zone="Europe/Rome",
             email="ops@acme-mail.example", phone="+390200000001",
             tam_name="Tess Morgan", tam_email="tess.morgan@example.com",
             tam_phone="+390200000099"),
    Customer(name="Borealis CRM", plan="regular", locale="es", time_zone="America/Bogota",
             email="soporte@borealis.example"),
    Customer(name="Cobalt Chat", plan="basic", locale="ru", time_zone="Europe/Moscow",
             email="help@cobalt.example"),
]


def load_demo_customers(session: Session, policy: Policy) -> list[str]:
    """Adds the demo customers whose plan the policy defines and that are not there yet."""
    added = []
    for template in DEMO_CUSTOMERS:
        if template.plan not in policy.plans:
            continue
        if session.exec(select(Customer).where(Customer.name == template.name)).first():
            continue
        session.add(Customer.model_validate(template.model_dump(exclude={"id", "created_at"})))
        added.append(template.name)
    session.commit()
    return added
