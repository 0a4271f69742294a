"""Every address the product mails enters as exactly one address: the assignee, the
customer's and the TAM's, the policy's contacts and an emergency caller's."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from api.schemas import CustomerCreate, EmergencyCallCreate
from sla.addresses import one_address, same_address
from sla.policy.fields import ContactPolicy
from tickets.inputs import AssigneeIn

pytestmark = pytest.mark.pure

NOT_ONE = ["v1@x.example, v2@y.example", "Name <a@x.example>, b@y.example",
           "Name <a@x.example>", "a@x.example\r\nBcc: b@y.example", "a@x.example;b@y.example",
           "@x.example", "ana@", "a b@x.example"]


@pytest.mark.parametrize("text", NOT_ONE)
def test_anything_but_one_address_is_refused_at_every_entrance(text: str) -> None:
    with pytest.raises(ValueError, match="not one email address"):
        one_address(text)
    entrances: list[tuple[type[Any], dict[str, Any]]] = [
        (AssigneeIn, {"name": "Ana", "email": text}),
        (CustomerCreate, {"name": "Acme", "plan": "fast", "email": text}),
        (CustomerCreate, {"name": "Acme", "plan": "fast", "tam_email": text}),
        (ContactPolicy, {"name": "Lead", "email": text}),
        (EmergencyCallCreate, {"company_name": "Acme", "contact_name": "R",
                               "contact_phone": "+390200000777", "contact_email": text,
                               "description": "down"}),
    ]
    for model, fields in entrances:
        with pytest.raises(ValidationError, match="not one email address"):
            model.model_validate(fields)


def test_one_address_is_taken_normalised() -> None:
    assert AssigneeIn(name="Ana", email="ana@Team.Example").email == "ana@team.example"
    assert same_address("Lead@team.example", "Lead@TEAM.example")
    assert not same_address("lead@team.example", "lead@team.example, m@evil.example")
