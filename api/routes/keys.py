"""API keys (admin): create (the key is shown once), list, revoke."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, status
from pydantic import BaseModel, Field, field_validator, model_validator

from api.auth import Admin
from api.deps import SessionDep
from sla.addresses import one_address
from store import keys as key_store
from store.keys import KeyRefused, Role
from store.models import ApiKey, Customer
from tickets.errors import NotFound, invalid
from tickets.inputs import reject_unstorable_text

router = APIRouter(prefix="/keys", tags=["keys"])


class KeyCreate(BaseModel):
    role: Role
    customer_id: int | None = Field(default=None, ge=1, le=2**62,
                                    description="Required for, and only for, a customer key.")
    name: str = Field(default="", max_length=200)
    email: str | None = Field(
        default=None, max_length=320,
        description="A staff key's one mail address: a ticket assigned to this agent sends "
                    "its warnings and breaches there.")

    _storable_text = model_validator(mode="before")(reject_unstorable_text)

    @field_validator("email")
    @classmethod
    def _one_address(cls, value: str | None) -> str | None:
        return None if value is None else one_address(value)


class KeyPublic(BaseModel):
    id: int
    role: str
    customer_id: int | None
    name: str
    email: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyPublic):
    key: str = Field(description="Shown once: only its hash is stored.")


@router.post("", response_model=KeyCreated, status_code=status.HTTP_201_CREATED)
def make_key(request: KeyCreate, session: SessionDep, caller: Admin) -> KeyCreated:
    if request.customer_id is not None and session.get(Customer, request.customer_id) is None:
        raise invalid(("body", "customer_id"), f"no customer {request.customer_id}")
    try:
        row, key = key_store.create_key(session, request.role, request.name, request.customer_id,
                                        request.email)
    except KeyRefused as refused:
        raise invalid(("body", refused.field), str(refused)) from None
    return KeyCreated(key=key, **row.model_dump(exclude={"key_hash"}))


@router.get("", response_model=list[KeyPublic])
def list_keys(session: SessionDep, caller: Admin) -> list[ApiKey]:
    return key_store.list_keys(session)


@router.delete("/{key_id}", response_model=KeyPublic)
def revoke_key(key_id: Annotated[int, Path(ge=1, le=2**62)], session: SessionDep,
               caller: Admin) -> ApiKey:
    row = key_store.revoke_key(session, key_id)
    if row is None:
        raise NotFound(f"no key {key_id}")
    return row
