"""Who is calling: ``Authorization: Bearer <key>``, and what their role may do.

No key is 401; a role that may not do something is 403; a customer key reaching for
another customer's ticket gets 404, exactly as if the ticket did not exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, HTTPException, status

from api.deps import SessionDep
from store.keys import Role, find_key
from store.models import Ticket
from tickets.errors import NotFound


@dataclass(frozen=True)
class Principal:
    role: str
    customer_id: int | None
    key_id: int | None


def principal(
    session: SessionDep, authorization: Annotated[str | None, Header()] = None
) -> Principal:
    scheme, _, key = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="send Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
    found = find_key(session, key.strip())
    if found is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, detail="unknown or revoked API key",
                            headers={"WWW-Authenticate": "Bearer"})
    return Principal(role=found.role, customer_id=found.customer_id, key_id=found.id)


def allow(*roles: Role) -> Callable[[Principal], Principal]:
    def check(caller: Annotated[Principal, Depends(principal)]) -> Principal:
        if caller.role not in roles:
            raise HTTPException(status.HTTP_403_FORBIDDEN,
                                detail=f"a {caller.role} key may not do this")
        return caller
    return check


CustomerOrStaff = Annotated[Principal, Depends(allow("customer", "agent", "admin"))]
Staff = Annotated[Principal, Depends(allow("agent", "admin"))]
Admin = Annotated[Principal, Depends(allow("admin"))]
Intake = Annotated[Principal, Depends(allow("telephony", "agent", "admin"))]
#: The inbound-mail forwarder posts with a key of its own: a telephony key may not.
MailForwarder = Annotated[Principal, Depends(allow("mail", "admin"))]


def own_ticket(caller: Principal, session: SessionDep, ticket_id: str) -> None:
    """A customer key sees its own customer's tickets only; others do not exist for it."""
    if caller.customer_id is None:
        return
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or ticket.customer_id != caller.customer_id:
        raise NotFound(f"no ticket {ticket_id}")
