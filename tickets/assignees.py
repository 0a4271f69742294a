"""Who may be a ticket's assignee, and who may name one.

The assignee receives the ticket's SLA warnings and breaches, with the customer's subject
and name in them, from the team's own address. Were a customer able to name one, the
product would relay the team's mail to any address it chose, and the warnings would
never reach the team. So only staff name an assignee, and only someone on the staff: a
contact of the SLA policy (by name or address) or the name of an agent's or admin's key.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from sla.policy.rules import Policy
from store.models import ApiKey
from tickets.errors import Forbidden, invalid
from tickets.inputs import AssigneeIn

#: The key roles whose holders work tickets.
STAFF_ROLES = ("agent", "admin")


def staff_names(session: Session) -> set[str]:
    """The names of the live agent and admin keys (an agent signs replies with it)."""
    rows = session.exec(select(ApiKey.name).where(col(ApiKey.role).in_(STAFF_ROLES),
                                                  col(ApiKey.revoked_at).is_(None)))
    return {name for name in rows if name}


def check_assignee(session: Session, policy: Policy, assignee: AssigneeIn | None,
                   by_staff: bool) -> None:
    """Refuse an assignee named by anyone but staff (403), or who is not on the staff (422)."""
    if assignee is None:
        return
    if not by_staff:
        raise Forbidden("only an agent or admin key may set a ticket's assignee: the "
                        "assignee receives the team's SLA warnings")
    contacts = policy.contacts.values()
    if assignee.email is not None:
        if any(contact.email and contact.email.lower() == assignee.email.lower()
               for contact in contacts):
            return
        raise invalid(("body", "assignee", "email"),
                      "not a staff address: an assignee's email must be the address of a "
                      "contact in the SLA policy (or leave it out and name an agent)")
    if assignee.name in {contact.name for contact in contacts} | staff_names(session):
        return
    raise invalid(("body", "assignee", "name"),
                  "not on the staff: name an agent (the name of an agent's API key) or a "
                  "contact in the SLA policy")
