"""What an update adds to a ticket's history: what changed, not the whole ticket again."""

from __future__ import annotations

import pytest
from pydantic import ValidationError
from temporalio.client import WorkflowHandle

from sla.ticket.view import TicketView
from tests.support.harness import Harness, send
from tickets.inputs import TicketCreate
from workflows.messages import AgentResponse, CustomerReply
from workflows.ticket import TicketWorkflow

#: The largest ticket the API accepts (the test below holds the API to it): a
#: 20,000-character description and 50 intake fields of 2,000 characters each.
DESCRIPTION = ("Every SMTP injection times out. " * 625).strip() + "!"
INTAKE = {f"field_{number}": "x" * 2000 for number in range(50)}


def request(**changes: object) -> TicketCreate:
    body = {"customer_id": 1, "subject": "SMTP injections fail", "severity": "major",
            "description": DESCRIPTION, "intake": INTAKE}
    return TicketCreate.model_validate(body | changes)


@pytest.mark.pure
def test_the_ticket_here_is_the_largest_the_api_accepts() -> None:
    accepted = request()
    assert (accepted.description, accepted.intake) == (DESCRIPTION, INTAKE)  # kept whole
    for larger in ({"description": DESCRIPTION + "!"},
                   {"intake": INTAKE | {"field_50": "x"}},
                   {"intake": INTAKE | {"field_0": "x" * 2001}}):
        with pytest.raises(ValidationError):
            request(**larger)


async def history_bytes(handle: WorkflowHandle[TicketWorkflow, TicketView]) -> int:
    return len((await handle.fetch_history()).to_json())


async def test_an_update_to_a_maximum_size_ticket_adds_kilobytes_not_the_ticket(
    harness: Harness,
) -> None:
    handle = await harness.start("major", description=DESCRIPTION, intake=INTAKE)
    before = await history_bytes(handle)
    answer = await send(handle, AgentResponse("ana", "Looking at the MTA logs"))
    after_response = await history_bytes(handle)
    await send(handle, CustomerReply("Thanks"))
    after_reply = await history_bytes(handle)
    added = [after_response - before, after_reply - after_response]
    print(f"\nhistory bytes added per update to a maximum-size ticket: {added}")
    # The ticket's text is over 120,000 characters; each update adds a few kilobytes.
    assert all(size < 12_000 for size in added), added
    # The answer carries what changed; the ticket's text is read from the query.
    assert answer.description == "" and answer.intake == {}
    assert next(clock for clock in answer.clocks if clock.name == "first_response").state == "met"
    full = await harness.sla(handle)
    assert full.description == DESCRIPTION and full.intake == INTAKE
