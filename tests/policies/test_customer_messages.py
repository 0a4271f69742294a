"""What each customer reads, through a ticket's whole life, under each shipped policy.

Every time and duration in a message to the customer must be one the document states:
the allowed times are worked out here from the document's own numbers (not from the
policy file), so a number the policy invents and sends to a customer fails the test.
Internal targets still run: each life also passes an internal deadline where the policy
has one, and the team is told.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from channels.templates import MessageTemplates
from sla.policy.snapshot import Contact
from sla.ticket.state import EmergencyCall
from sla.ticket.view import TicketView
from store.db import SessionFactory
from store.models import OutboxMessage
from tests.support.harness import Harness, eventually, running_harness, send
from tests.support.moments import policy
from workflows.messages import (
    AgentResponse,
    CallbackReport,
    Confirmation,
    FeedbackGiven,
    ResolutionProposal,
    StatusChange,
)
from workflows.ticket import TicketWorkflow

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
#: How the templates write an instant ("2026-03-06 16:30 (UTC)") and a duration ("2d").
INSTANT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")
DURATION = re.compile(r"\b\d+(?:\.\d+)?\s?(?:s|m|h|d|w|min|minutes?|hours?|days?|weeks?)\b")
Handle = WorkflowHandle[TicketWorkflow, TicketView]


@pytest_asyncio.fixture
async def rendering(
    time_skipping_env: WorkflowEnvironment, sessions: SessionFactory, task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> AsyncIterator[Harness]:
    """The harness, with messages rendered from the real templates as the worker does."""
    async with running_harness(time_skipping_env, sessions, task_queue, activity_executor,
                               templates=MessageTemplates(TEMPLATES)) as harness:
        yield harness


def customer(locale: str) -> Contact:
    return Contact(role="customer", name="Rita", email=f"rita-{uuid.uuid4().hex[:6]}@acme.example",
                   locale=locale, time_zone="UTC")


async def customer_messages(harness: Harness, ticket_id: str, kinds: set[str]) -> list[OutboxMessage]:
    """The customer's messages once every kind in ``kinds`` has been sent."""

    def sent() -> list[OutboxMessage]:
        rows = [row for row in harness.outbox(ticket_id) if row.recipient_role == "customer"]
        return rows if kinds <= {row.kind for row in rows} else []

    return await eventually(sent)


def assert_only_stated_times(messages: list[OutboxMessage], instants: set[datetime],
                             durations: set[str]) -> None:
    """Each instant a message names is one of ``instants`` (to the minute), each duration
    one of ``durations``: the document's own numbers."""
    allowed = {f"{moment:%Y-%m-%d %H:%M}" for moment in instants} | {
        f"{moment + timedelta(minutes=1):%Y-%m-%d %H:%M}" for moment in instants}
    for message in messages:
        text = f"{message.subject}\n{message.body}"
        for found in INSTANT.findall(text):
            assert found in allowed, (message.kind, found, text)
        for found in DURATION.findall(text):
            assert found.replace(" ", "") in durations, (message.kind, found, text)


async def life_to_feedback(harness: Harness, handle: Handle) -> None:
    """An agent answers and proposes a fix, the customer confirms and rates it."""
    await send(handle, AgentResponse("ana", "Looking at it"))
    await send(handle, ResolutionProposal("ana", "Fixed the DKIM record"))
    await send(handle, Confirmation("works"))
    await send(handle, FeedbackGiven(5, "thanks"))


async def test_bird_premium_promises_no_time_at_all(rendering: Harness) -> None:
    """No hours, zone or response time is written: the receipt says only that an agent
    answers during business hours, in Indonesian; the internal target still escalates."""
    handle = await rendering.start("major", plan="premium", policy=policy("bird-email-premium"),
                                   customer=customer("id"))
    await rendering.sleep(timedelta(days=5))  # past the internal 8 business hours
    assert ("escalation", "tam") in [(row.kind, row.recipient_role)
                                     for row in rendering.outbox(handle.id)]
    await life_to_feedback(rendering, handle)
    messages = await customer_messages(rendering, handle.id, {
        "ticket_received", "resolution_proposed", "feedback_request"})
    assert_only_stated_times(messages, set(), set())
    receipt = next(row for row in messages if row.kind == "ticket_received")
    assert "selama jam kerja" in receipt.body  # "during business hours", as the document says


async def test_bird_enterprise_promises_the_callback_within_15_minutes_of_the_call_only(
    rendering: Harness,
) -> None:
    handle = await rendering.start("critical", plan="enterprise",
                                   policy=policy("bird-email-enterprise"), customer=customer("it"))
    await rendering.sleep(timedelta(hours=2))
    taken = await rendering.env.get_current_time()
    await handle.execute_update(TicketWorkflow.record_call, EmergencyCall(
        call_id="CA-life", taken_at=taken, source="intake", company_name="Acme Mail",
        contact_name="Rita", contact_phone="+390200000001", contact_email="rita@acme.example",
        description="every SMTP injection times out"))
    await send(handle, CallbackReport("ana", "reached", "restarting the MTA pool"))
    await rendering.sleep(timedelta(hours=2))  # the internal hourly update passes unanswered
    await send(handle, ResolutionProposal("ana", "MTA pool restarted"))
    await send(handle, Confirmation("works"))
    messages = await customer_messages(rendering, handle.id, {
        "ticket_received", "callback_due", "resolution_proposed", "feedback_request"})
    # "richiamerà entro quindici (15) minuti" after the call: the one time a customer reads.
    assert_only_stated_times(messages, {taken + timedelta(minutes=15)}, set())
    callback = next(row for row in messages if row.kind == "callback_due")
    assert f"{taken + timedelta(minutes=15):%Y-%m-%d %H:%M}" in callback.body
    assert "Un agente di Supporto Clienti la richiamerà" in callback.body
    receipt = next(row for row in messages if row.kind == "ticket_received").body
    # A critical problem: not the business-hours email procedure ("Per la risoluzione di
    # Problemi Non Critici"), but Emergency Number 1, 24/7/365, and the callback after a call.
    assert "orario lavorativo" not in receipt
    assert "Numero di Emergenza 1, disponibile 24 ore al giorno, 7 giorni alla settimana, " \
           "365 giorni all'anno" in receipt
    assert "la richiamerà entro 15 minuti dalla sua chiamata" in receipt
    # The document gives no digits for the number, and none is configured: none is invented.
    assert "Numero di Emergenza 1 (" not in receipt


async def test_bird_enterprise_quotes_a_configured_emergency_number_to_critical_tickets_only(
    rendering: Harness,
) -> None:
    bird = policy("bird-email-enterprise")
    numbered = bird.model_copy(update={
        "emergency": bird.emergency.model_copy(update={"number": "+31 20 000 0001"})})
    critical = await rendering.start("critical", plan="enterprise", policy=numbered,
                                     customer=customer("it"))
    minor = await rendering.start("minor", plan="enterprise", policy=numbered,
                                  customer=customer("it"))
    critical_receipt = (await customer_messages(rendering, critical.id,
                                                {"ticket_received"}))[0].body
    minor_receipt = (await customer_messages(rendering, minor.id, {"ticket_received"}))[0].body
    assert "Numero di Emergenza 1 (+31 20 000 0001), disponibile 24 ore" in critical_receipt
    assert "orario lavorativo" not in critical_receipt
    # A non-critical problem: the business-hours email procedure, and no emergency line.
    assert "Un agente le risponderà durante l'orario lavorativo." in minor_receipt
    assert "Emergenza" not in minor_receipt


async def test_360dialog_promises_its_first_response_resolution_and_48_hour_closing(
    rendering: Harness,
) -> None:
    handle = await rendering.start("major", plan="premium", policy=policy("360dialog"),
                                   channel="chat", customer=customer("ru"))
    created = (await rendering.sla(handle)).created_at
    await send(handle, AgentResponse("ana", "Investigating"))
    await send(handle, StatusChange("waiting_on_customer", "ana"))
    await rendering.sleep(timedelta(hours=49))  # "ожидает ответа клиента более 48 часов"
    messages = await customer_messages(rendering, handle.id, {
        "ticket_received", "closed_automatically", "feedback_request"})
    # "<30mins" first response, "48 часов" resolution and the 48 hours' wait, in words.
    assert_only_stated_times(messages, {created + timedelta(minutes=30),
                                        created + timedelta(hours=48)}, set())
    closed = next(row for row in messages if row.kind == "closed_automatically")
    assert "мы ждали вашего ответа 48 часов" in closed.body, closed.body


async def test_keybe_promises_the_tiers_resolution_and_never_closes_by_itself(
    rendering: Harness,
) -> None:
    handle = await rendering.start("major", plan="standard", policy=policy("keybe"),
                                   customer=customer("es"))
    created = (await rendering.sla(handle)).created_at
    await send(handle, ResolutionProposal("ana", "Restarted the Chats module"))
    await rendering.sleep(timedelta(days=30))
    assert (await rendering.sla(handle)).status == "resolution_proposed"
    await send(handle, Confirmation("works"))
    messages = await customer_messages(rendering, handle.id, {
        "ticket_received", "resolution_proposed", "feedback_request"})
    # "La resolución de tickets se lleva a cabo en 4 horas" (Standard).
    assert_only_stated_times(messages, {created + timedelta(hours=4)}, set())
    assert "closed_automatically" not in {row.kind for row in messages}


async def test_keybe_prime_receipt_promises_resolution_in_one_hour(rendering: Harness) -> None:
    """ "garantizamos atención inmediata, consideración de tickets como emergencia y tiempo
    de resolución en 1 hora": the receipt promises the hour (not the emergencies' 3 hours),
    and no time for "atención inmediata", which runs as an internal target only."""
    handle = await rendering.start("minor", plan="prime", policy=policy("keybe"),
                                   customer=customer("es"))
    created = (await rendering.sla(handle)).created_at
    messages = await customer_messages(rendering, handle.id, {"ticket_received"})
    receipt = next(row for row in messages if row.kind == "ticket_received")
    one_hour = created + timedelta(hours=1)
    assert f"Queremos resolverla antes de {one_hour:%Y-%m-%d %H:%M}" in receipt.body, receipt.body
    assert "Un agente le responderá" not in receipt.body
    assert_only_stated_times(messages, {one_hour}, set())


async def test_crm_integrator_promises_vip_engagement_and_nothing_for_flow(
    rendering: Harness,
) -> None:
    crm = policy("crm-integrator")
    vip = await rendering.start("major", plan="vip", policy=crm, customer=customer("ru"))
    created = (await rendering.sla(vip)).created_at
    flow = await rendering.start("major", plan="flow", policy=crm, customer=customer("ru"))
    await rendering.sleep(timedelta(days=20))  # past any "7+ business days"
    for handle in (vip, flow):
        assert (await rendering.sla(handle)).status == "open"  # no automatic closing
        await life_to_feedback(rendering, handle)
    vip_messages = await customer_messages(rendering, vip.id, {
        "ticket_received", "resolution_proposed", "feedback_request"})
    # VIP: "до 2х часов" engagement.
    assert_only_stated_times(vip_messages, {created + timedelta(hours=2)}, set())
    flow_messages = await customer_messages(rendering, flow.id, {
        "ticket_received", "resolution_proposed", "feedback_request"})
    assert_only_stated_times(flow_messages, set(), set())
    # The target is an engagement: a specialist takes the request up, nobody "answers".
    [vip_receipt] = [m for m in vip_messages if m.kind == "ticket_received"]
    assert "возьмёт ваш запрос в работу до" in vip_receipt.body
    assert "ответит" not in vip_receipt.body


async def test_crm_integrator_tells_business_time_in_the_documents_words(
    rendering: Harness,
) -> None:
    """Basic's "2 business days" and Premium's "4 business hours" count on office hours
    nobody wrote down: the customer reads the contract's words, never a computed clock
    time, while the team's clock still runs on the assumed Moscow hours."""
    crm = policy("crm-integrator")
    for plan, words in (("basic", "До 2х раб. дней"), ("premium", "До 4х раб. часов")):
        handle = await rendering.start("major", plan=plan, policy=crm, customer=customer("ru"))
        [receipt] = await customer_messages(rendering, handle.id, {"ticket_received"})
        assert "Специалист возьмёт ваш запрос в работу в срок, указанный в условиях" in receipt.body
        assert words in receipt.body, receipt.body
        assert_only_stated_times([receipt], set(), set())
        first = next(c for c in (await rendering.sla(handle)).clocks if c.name == "first_response")
        assert first.due_at is not None  # the assumed calendar still runs the clock
