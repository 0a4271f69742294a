"""360dialog support, as the document promises it (policies/360dialog.toml).

First response by plan (Basic < 24h, Regular < 4h, Premium < 30 min), < 24h through the web
form or email whatever the plan, 48h resolution for every issue, no SLA for issues in a
third party, every involved team past 48h, auto-close after 48h waiting on the customer,
automatic escalation of any breach.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.harness import Harness, send
from tests.support.moments import close_to, policy
from workflows.messages import AgentResponse, StatusChange

DIALOG = policy("360dialog")


@pytest.mark.parametrize(
    ("plan", "first_response"),
    [("basic", timedelta(hours=24)), ("regular", timedelta(hours=4)),
     ("premium", timedelta(minutes=30))],
)
async def test_first_response_time_by_plan(
    harness: Harness, plan: str, first_response: timedelta
) -> None:
    handle = await harness.start("minor", plan=plan, policy=DIALOG, channel="chat")
    view = await harness.sla(handle)
    clocks = {clock.name: clock for clock in view.clocks}
    assert close_to(clocks["first_response"].due_at, view.created_at + first_response)
    assert close_to(clocks["resolution"].due_at, view.created_at + timedelta(hours=48))


@pytest.mark.parametrize("channel", ["web_form", "email"])
async def test_web_form_and_email_get_24_hours_whatever_the_plan(
    harness: Harness, channel: str
) -> None:
    handle = await harness.start("critical", plan="premium", policy=DIALOG, channel=channel)
    first = await harness.clock(handle, "first_response")
    created = (await harness.sla(handle)).created_at
    assert close_to(first.due_at, created + timedelta(hours=24))


async def test_meta_problems_have_no_resolution_target_but_keep_the_first_response(
    harness: Harness,
) -> None:
    """"Проблемы с Meta: SLA не предоставляется Meta" sits under resolution times: the first
    response time of the plan still holds."""
    handle = await harness.start("critical", plan="premium", policy=DIALOG,
                                 ticket_type="third_party")
    view = await harness.sla(handle)
    assert [clock.name for clock in view.clocks] == ["first_response"]
    first = view.clocks[0]
    assert first.kind == "commitment"
    assert close_to(first.due_at, view.created_at + timedelta(minutes=30))
    await send(handle, AgentResponse("ana", "Asked Meta", investigation=True))
    await harness.sleep(timedelta(days=4))
    # Answered in time; four days waiting on Meta breach nothing.
    await harness.settled(handle)
    assert [row.kind for row in harness.outbox(handle.id)] == []
    assert not (await harness.sla(handle)).breached


async def test_an_automatic_reply_is_not_a_first_response(harness: Harness) -> None:
    handle = await harness.start("major", plan="premium", policy=DIALOG, channel="chat")
    await send(handle, AgentResponse("bot", "Thanks, we got your request", True))
    await harness.sleep(timedelta(minutes=31))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert sent[-1] == ("escalation", "support_lead")  # the breach escalated automatically


async def test_past_48_hours_every_involved_team_is_brought_in(harness: Harness) -> None:
    handle = await harness.start("major", plan="premium", policy=DIALOG, channel="chat")
    await send(handle, AgentResponse("ana", "Investigating", investigation=True))
    await harness.sleep(timedelta(hours=48, minutes=1))
    sent = await harness.outbox_kinds(handle.id, 3)
    # The first response was in time, yet the resolution breach goes straight to every team.
    assert sent[-1] == ("escalation", "all_involved_teams")
    assert (await harness.sla(handle)).escalation_level == 2


async def test_waiting_on_the_customer_more_than_48_hours_closes_the_ticket(
    harness: Harness,
) -> None:
    handle = await harness.start("minor", plan="basic", policy=DIALOG, channel="chat")
    await send(handle, AgentResponse("ana", "Which number?"))
    await send(handle, StatusChange("waiting_on_customer", "ana"))
    await harness.sleep(timedelta(hours=47))
    assert (await harness.sla(handle)).status == "waiting_on_customer"
    await harness.sleep(timedelta(hours=2))
    ticket = await harness.ticket_when(handle.id, lambda t: t.status == "closed")
    assert ticket.close_reason == "closed automatically: no customer reply within 2d"


async def test_a_first_response_is_the_first_investigation_not_an_acknowledgement(
    harness: Harness,
) -> None:
    """"Первый ответ = первое проведенное расследование. Мы предоставим содержательную
    информацию о вашей проблеме. Это не автоответ.": a person's acknowledgement is
    recorded and stops nothing; the response the agent marks as an investigation stops
    the first-response clock."""
    handle = await harness.start("minor", plan="premium", policy=DIALOG, channel="chat")
    view = await send(handle, AgentResponse("ana", "Thanks, we have your request"))
    assert view.first_responded_at is None
    assert next(c for c in view.clocks if c.name == "first_response").state == "running"
    assert "acknowledgement" in harness.kinds(handle.id)
    assert "agent_response" not in harness.kinds(handle.id)
    view = await send(handle, AgentResponse("ana", "The webhook returns 401: your token "
                                            "expired at 09:12", investigation=True))
    assert view.first_responded_at is not None
    assert next(c for c in view.clocks if c.name == "first_response").state == "met"
    assert "agent_response" in harness.kinds(handle.id)


async def test_an_unmarked_acknowledgement_lets_the_first_response_breach(
    harness: Harness,
) -> None:
    handle = await harness.start("minor", plan="premium", policy=DIALOG, channel="chat")
    await send(handle, AgentResponse("ana", "Looking into it"))
    await harness.sleep(timedelta(minutes=31))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert sent[-1] == ("escalation", "support_lead")  # the breach escalated automatically
    assert (await harness.clock(handle, "first_response")).state == "breached"
