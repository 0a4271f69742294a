"""Search attributes are not encrypted (the codec sees payloads only; the cluster must
index these values), so each one is held to carrying no personal data."""

from __future__ import annotations

import inspect

import pytest

from workflows import search_attributes

pytestmark = pytest.mark.pure

#: Every attribute a ticket publishes, and why its value says nothing about a person.
NOT_PERSONAL = {
    "TicketStatus": "a status of the TicketStatus enum",
    "TicketSeverity": "a severity of the Severity enum",
    "TicketPlan": "a plan name of the policy file",
    "CustomerId": "our number for a customer company",
    "EscalationLevel": "a number",
    "SlaBreached": "true or false",
    "TicketId": "TCK- and random hex",
    "TicketType": "a type of the TicketType enum",
    "NextDueAt": "a time",
    "NextDueClock": "a clock name of the ClockName enum",
    "PolicyVersion": "a policy file's name and hash",
}
PERSONAL_WORDS = ("name", "email", "mail", "phone", "address", "subject", "description",
                  "body", "text", "contact", "caller", "author", "assignee", "summary")


def test_every_search_attribute_is_listed_as_not_personal() -> None:
    names = [key.name for key in search_attributes.ALL]
    # A new attribute must be added above with its reason, and must not name personal data.
    assert sorted(names) == sorted(NOT_PERSONAL)
    for name in names:
        assert not any(word in name.lower() for word in PERSONAL_WORDS), name


def test_the_published_values_come_from_no_personal_field() -> None:
    """What a workflow can put in them is what ``ticket_attributes`` takes."""
    parameters = set(inspect.signature(search_attributes.ticket_attributes).parameters)
    assert parameters == {"status", "severity", "plan", "customer_id", "escalation_level",
                          "breached", "ticket_id", "ticket_type", "next_due", "policy"}
    for parameter in parameters - {"customer_id", "ticket_id"}:
        assert not any(word in parameter for word in PERSONAL_WORDS), parameter
