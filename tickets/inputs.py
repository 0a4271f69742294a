"""What a request to open a ticket carries, checked before anything runs: the fields of
the "open a ticket" use case, and the rule that no text may hold what cannot be stored
(NUL, lone surrogates), whichever interface it came through."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from sla.addresses import Address
from sla.vocabulary import Channel, Severity, TicketType

#: One scan in C for a whole body (a character-by-character loop in Python took tens of
#: milliseconds on the event loop for a 1 MiB request).
_SURROGATE = re.compile("[\ud800-\udfff]")


def _unstorable(text: str) -> str | None:
    if "\x00" in text:
        return "text may not contain NUL characters"
    if _SURROGATE.search(text):
        return "text may not contain lone surrogates (\\ud800-\\udfff): they are no characters"
    return None


def reject_unstorable_text(values: Any, where: str = "") -> Any:
    """A ``mode="before"`` model validator: no text anywhere in the body, keys included,
    that cannot be stored (NUL, lone surrogates); the message names the field."""
    items: list[tuple[str, Any]] = []
    if isinstance(values, dict):
        items = [(f"{where}{key}", value) for key, value in values.items()]
        items += [(f"{where}{key} (a key)", key) for key in values if isinstance(key, str)]
    elif isinstance(values, list):
        items = [(f"{where.rstrip('.')}[{index}]", value) for index, value in enumerate(values)]
    for name, value in items:
        if isinstance(value, str):
            problem = _unstorable(value)
            if problem is not None:
                raise ValueError(f"{name}: {problem}")
        elif isinstance(value, dict | list):
            reject_unstorable_text(value, f"{name}.")
    return values


# The domain's vocabulary (``sla.vocabulary``), under the names the inputs use.
TicketChannel = Channel


Text = Annotated[str, Field(min_length=1, max_length=20_000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]


def reject_unstorable_value(value: Any, info: ValidationInfo) -> Any:
    """A ``mode="before"`` field validator: the field's text (keys and items included) is
    storable, so the error's location is the field itself."""
    if isinstance(value, str):
        problem = _unstorable(value)
        if problem is not None:
            raise ValueError(problem)
    elif isinstance(value, dict | list):
        reject_unstorable_text(value, f"{info.field_name}.")
    return value


class Input(BaseModel):
    """Every input model: unknown fields refused, text stripped and storable."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    _storable_text = field_validator("*", mode="before")(reject_unstorable_value)


class AssigneeIn(Input):
    """Who works on the ticket and receives its warnings and breaches: a staff key sets it
    (a customer key's is refused, 403), and it must be a contact of the policy or the name
    of an agent's key (422 otherwise)."""

    name: Name
    email: Address | None = Field(default=None, description=(
        "One address, no display name or list; must be the policy contact's own (it is "
        "taken from the policy when left out)."))


class TicketCreate(Input):
    customer_id: int = Field(gt=0, le=2**62)
    subject: Annotated[str, Field(min_length=1, max_length=300)]
    description: Text
    severity: Severity
    type: TicketType = TicketType.PROBLEM
    channel: TicketChannel = Channel.API
    service: str | None = Field(
        default=None, min_length=1, max_length=64,
        description="A service the request asks for, where the policy lists services the "
                    "contract does not include (e.g. 'deliverability_strategy'): such a "
                    "request is refused (422) with the contract's words and gets no clocks.")
    assignee: AssigneeIn | None = None
    force_new: bool = Field(
        default=False,
        description="Open a ticket even when an open one of the customer looks the same "
                    "(otherwise it is marked a possible duplicate of it, with its own clocks "
                    "until an agent confirms or rejects the link).",
    )
    intake: dict[Annotated[str, Field(min_length=1, max_length=64)],
                 Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict, max_length=50,
        description="Structured intake fields; the policy may require some per ticket type.",
    )
