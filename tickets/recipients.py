"""Who may receive a ticket's mail as its assignee: a member of staff the product knows.

The assignee receives every warning and breach, sent from our own address with the
customer's subject in it. Only a staff key may name one, and only someone on file: a
contact of the policy (with the policy's own address) or the name of an agent's key.
"""

from __future__ import annotations

from sqlmodel import Session, col, select

from sla.addresses import same_address
from sla.policy.rules import Policy
from store.keys import STAFF_ROLES
from store.models import ApiKey
from tickets.errors import Forbidden, invalid
from tickets.inputs import AssigneeIn


def checked_assignee(session: Session, policy: Policy, assignee: AssigneeIn | None,
                     role: str) -> AssigneeIn | None:
    """The assignee as the ticket takes it (a policy contact's address from the policy);
    403 for a key that may not name one, 422 for someone the product does not know."""
    if assignee is None:
        return None
    if role not in STAFF_ROLES:
        raise Forbidden("only a staff key (agent, admin) may name an assignee: leave it out, "
                        "the team assigns the ticket")
    wanted = assignee.name.casefold()
    for contact in policy.contacts.values():
        if contact.name.casefold() != wanted:
            continue
        if assignee.email is not None and not same_address(assignee.email, contact.email):
            raise invalid(("body", "assignee", "email"),
                          f"{contact.name}'s address is the policy's: leave email out")
        return AssigneeIn(name=contact.name, email=contact.email)
    agents = select(ApiKey).where(col(ApiKey.role).in_(STAFF_ROLES),
                                  col(ApiKey.revoked_at).is_(None))
    found = [key for key in session.exec(agents) if key.name and key.name.casefold() == wanted]
    if found:
        if assignee.email is not None:
            raise invalid(("body", "assignee", "email"),
                          "an agent's address is the one on their key: leave email out")
        # The newest key of that name with an address (a re-issued key keeps the person).
        emails = [key.email for key in sorted(found, key=lambda key: key.id or 0) if key.email]
        return AssigneeIn(name=found[-1].name, email=emails[-1] if emails else None)
    known = sorted(contact.name for contact in policy.contacts.values())
    raise invalid(("body", "assignee", "name"),
                  "the assignee must be a contact of the policy "
                  f"({', '.join(known) or 'none'}) or the name of an agent's key")
