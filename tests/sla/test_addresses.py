"""Exactly one mail address: what every recipient field and the email channel accept."""

from __future__ import annotations

import pytest

from sla.addresses import NotOneAddress, one_address
from sla.policy.fields import ContactPolicy


@pytest.mark.parametrize("value", [
    "a@example.com, b@example.net",
    "a@example.com,",
    "A <a@example.com>",
    "<a@example.com>",
    "a@example.com\r\nBcc: b@example.net",
    "a@example.com b@example.net",
    "a@example.com;b@example.net",
    "not an address",
    "a@" + "x" * 320 + ".com",
])
def test_anything_but_one_bare_address_is_refused(value: str) -> None:
    with pytest.raises(NotOneAddress):
        one_address(value)


def test_one_address_is_kept_with_its_domain_normalised() -> None:
    assert one_address("Ana.Mueller@Example.COM") == "Ana.Mueller@example.com"
    assert one_address("ana@bücher.example") == "ana@bücher.example"


def test_a_policy_contact_with_two_addresses_is_refused() -> None:
    with pytest.raises(ValueError, match="not one mail address"):
        ContactPolicy(name="Lead", email="lead@example.com, boss@example.com")
    assert ContactPolicy(name="Lead", email="lead@EXAMPLE.com").email == "lead@example.com"
