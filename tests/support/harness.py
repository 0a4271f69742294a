"""Drives real ticket workflows on the time-skipping test server with a real worker (the
``harness`` fixture, ``tests/conftest.py``).

What the workflow writes (its projection, then its messages' outbox rows) is written by
activities, after the step that decided it: a check that something did *not* happen, made
right after a skip of time, proves nothing until :meth:`Harness.settled` has returned."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlmodel import select
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.metrics import SlaMetrics
from channels import NotificationChannel
from channels.log import LogChannel
from channels.templates import MessageTemplates
from sla.policy.loading import load_policy, parse_policy
from sla.policy.rules import Policy
from sla.policy.snapshot import Contact
from sla.ticket.state import Coverage, SlotClaim, TicketDetails
from sla.ticket.view import ClockView, TicketView
from store.db import SessionFactory
from store.models import Customer, OutboxMessage, Ticket, TimelineEvent
from worker import build_worker
from workflows.messages import TicketChange, TicketWorkflowInput
from workflows.ticket import REFUSED, TicketWorkflow

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_POLICY = load_policy(ROOT / "tests" / "support" / "policies" / "example.toml")
TAM = Contact(role="tam", name="Tess TAM", email="tess@example.com", phone="+15550100")

T = TypeVar("T")


async def eventually(check: Callable[[], T], timeout: float = 15.0) -> T:
    """Poll ``check`` (real time) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last result {result!r}")
        await asyncio.sleep(0.05)


@dataclass
class Harness:
    env: WorkflowEnvironment
    sessions: SessionFactory
    task_queue: str
    customer_id: int
    started: list[WorkflowHandle[TicketWorkflow, TicketView]] = field(default_factory=list)

    async def start(
        self,
        severity: str = "critical",
        plan: str = "premium",
        policy: Policy = DEFAULT_POLICY,
        assignee: Contact | None = None,
        max_history_events: int = 5000,
        ticket_type: str = "problem",
        channel: str = "api",
        customer: Contact | None = None,
        coverage: Coverage | None = None,
        description: str = "every injection times out",
        intake: dict[str, str] | None = None,
        slot_claim: SlotClaim | None = None,
    ) -> WorkflowHandle[TicketWorkflow, TicketView]:
        """Open a ticket now (the test server's time), as ``POST /tickets`` would."""
        ticket_id = f"TCK-{uuid.uuid4().hex[:10].upper()}"
        snapshot = policy.snapshot(plan, TAM, await self.env.get_current_time(), customer)
        details = TicketDetails(
            ticket_id=ticket_id, customer_id=self.customer_id, subject="SMTP injections fail",
            description=description,
            severity=snapshot.effective_severity(severity), type=ticket_type, channel=channel,
            assignee=assignee, coverage=coverage, intake=dict(intake or {}),
        )
        handle = await self.env.client.start_workflow(
            TicketWorkflow.run,
            TicketWorkflowInput(details=details, plan=snapshot,
                                max_history_events=max_history_events,
                                upsert_search_attributes=False, slot_claim=slot_claim),
            id=ticket_id,
            task_queue=self.task_queue,
        )
        self.started.append(handle)
        await eventually(lambda: self.ticket(ticket_id))
        return handle

    async def sla(self, handle: WorkflowHandle[TicketWorkflow, TicketView]) -> TicketView:
        return await handle.query(TicketWorkflow.sla)

    def ticket(self, ticket_id: str) -> Ticket | None:
        with self.sessions() as session:
            return session.get(Ticket, ticket_id)

    def outbox(self, ticket_id: str) -> list[OutboxMessage]:
        with self.sessions() as session:
            query = select(OutboxMessage).where(OutboxMessage.ticket_id == ticket_id)
            return sorted(session.exec(query), key=OutboxMessage.event_order)

    def timeline(self, ticket_id: str) -> list[TimelineEvent]:
        with self.sessions() as session:
            query = select(TimelineEvent).where(TimelineEvent.ticket_id == ticket_id)
            return list(session.exec(query.order_by(TimelineEvent.seq)))  # type: ignore[arg-type]

    def kinds(self, ticket_id: str) -> list[str]:
        return [event.kind for event in self.timeline(ticket_id)]

    async def outbox_kinds(self, ticket_id: str, count: int) -> list[tuple[str, str]]:
        """Wait for ``count`` sent messages, then return (kind, recipient role) of each."""

        def sent() -> list[tuple[str, str]]:
            rows = self.outbox(ticket_id)
            if len(rows) < count or any(row.status != "sent" for row in rows):
                return []
            return [(row.kind, row.recipient_role) for row in rows]

        return await eventually(sent)

    async def ticket_when(self, ticket_id: str, condition: Callable[[Ticket], bool]) -> Ticket:
        """Wait until the projected ticket row satisfies ``condition``."""

        def matching() -> Ticket | None:
            ticket = self.ticket(ticket_id)
            return ticket if ticket is not None and condition(ticket) else None

        found = await eventually(matching)
        assert found is not None
        return found

    async def settled(self, handle: WorkflowHandle[TicketWorkflow, TicketView],
                      timeout: float = 15.0) -> TicketView:
        """The barrier before a negative check: wait until the worker has handled all that
        is due by now (no workflow task pending), no message is still on its way (no
        activity pending), and the projection in the database is at the version the
        workflow holds. Returns the workflow's view at that moment.

        Not for a ticket whose message keeps failing: it never settles (that fails here)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            view = await self.sla(handle)
            description = (await handle.describe()).raw_description
            row = self.ticket(handle.id)
            waiting = [activity.activity_type.name for activity in description.pending_activities]
            if description.HasField("pending_workflow_task"):
                waiting.append("a workflow task")
            if row is None or row.version < view.version:
                waiting.append(f"the projection (v{row and row.version} of v{view.version})")
            if not waiting:
                return view
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError(f"{handle.id} not settled within {timeout}s: waiting for "
                                     f"{', '.join(waiting)}")
            await asyncio.sleep(0.05)

    async def sleep(self, duration: timedelta) -> None:
        await self.env.sleep(duration)

    async def sleep_until(self, instant: datetime) -> None:
        now = await self.env.get_current_time()
        assert instant >= now, f"{instant} is already past ({now})"
        await self.env.sleep(instant - now)

    async def clock(self, handle: WorkflowHandle[TicketWorkflow, TicketView], name: str) -> ClockView:
        view = await self.sla(handle)
        return next(clock for clock in view.clocks if clock.name == name)


@asynccontextmanager
async def running_harness(
    env: WorkflowEnvironment,
    sessions: SessionFactory,
    task_queue: str,
    executor: ThreadPoolExecutor,
    channel: NotificationChannel | None = None,
    templates: MessageTemplates | None = None,
    metrics: SlaMetrics | None = None,
) -> AsyncIterator[Harness]:
    with sessions() as session:
        customer = Customer(name="Acme", plan="premium", tam_name=TAM.name, tam_email=TAM.email)
        session.add(customer)
        session.commit()
        assert customer.id is not None
        customer_id = customer.id
    worker = build_worker(env.client, task_queue, sessions, channel or LogChannel(), executor,
                          templates, metrics=metrics)
    async with worker:
        harness = Harness(env, sessions, task_queue, customer_id)
        try:
            yield harness
        finally:
            # A ticket left running would fire timers in later tests, with no worker to serve
            # them, and the test server holds time still while a workflow task is outstanding.
            # The test server can stay locked against skipping time after an update whose
            # ticket has no timer left; a moment of skipped time while it still runs
            # releases it, so the next test can pass its deadlines.
            if env.supports_time_skipping:
                with contextlib.suppress(RPCError, TimeoutError):
                    await asyncio.wait_for(env.sleep(timedelta(seconds=1)), 10)
            for handle in harness.started:
                with contextlib.suppress(WorkflowFailureError, RPCError):
                    await handle.terminate("test finished")


def policy_from(text: str) -> Policy:
    return parse_policy(text, Path("test-policy.toml"))


Step = Callable[[], Awaitable[None]]


async def send(handle: WorkflowHandle[Any, Any], change: TicketChange) -> TicketView:
    """Send a change as any client does: under its update's name (``sla.ticket.changes``)."""
    view: TicketView = await handle.execute_update(change.update, change, result_type=TicketView)
    return view


async def refusal_of(call: Awaitable[object]) -> str:
    """The reason a ticket's workflow gives for refusing an update (never retried)."""
    with pytest.raises(WorkflowUpdateFailedError) as caught:
        await call
    cause = caught.value.cause
    assert isinstance(cause, ApplicationError) and cause.type == REFUSED
    assert cause.non_retryable
    return cause.message
