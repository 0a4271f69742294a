"""A step that cannot succeed never holds the clocks: a ticket whose database write keeps
failing still warns, breaches and escalates on time, answers its changes, shows the
failing step, and catches its row up once the database takes it again."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine, text
from temporalio.testing import WorkflowEnvironment

from channels.email import EmailChannel, EmailSettings
from store.db import SessionFactory, make_engine, session_factory
from store.migrations import upgrade
from tests.support.harness import eventually, running_harness, send
from tests.support.metrics import scrape_until, worker_metrics
from tests.support.postgres import new_database
from tests.support.servers import smtp_server
from workflows.messages import CustomerReply


@pytest.fixture
def postgres_engine(postgres_url: str) -> Iterator[Engine]:
    engine = make_engine(new_database(postgres_url))
    upgrade(engine)
    yield engine
    engine.dispose()


async def test_a_row_postgresql_refuses_for_good_never_holds_the_breach_or_the_escalation(
    time_skipping_env: WorkflowEnvironment, postgres_engine: Engine, task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> None:
    sessions = session_factory(postgres_engine)
    endpoint = worker_metrics()
    async with smtp_server() as (mailbox, port), running_harness(
            time_skipping_env, sessions, task_queue, activity_executor,
            channel=EmailChannel(EmailSettings(host="127.0.0.1", port=port)),
            metrics=endpoint.metrics) as harness:
        # Premium, major: warned at 23 minutes, breached at 30 and escalated to the TAM.
        handle = await harness.start("major")
        opened = harness.ticket(handle.id)
        assert opened is not None
        # A NUL from a client that skipped the API's checks: PostgreSQL text cannot hold it,
        # so this and every later write of the ticket's timeline is refused.
        view = await send(handle, CustomerReply("the log says \x00\x00 then stops"))
        assert view.failing_step is not None
        assert view.failing_step.step == "record_ticket"
        assert "NUL" in view.failing_step.error
        await harness.sleep(timedelta(minutes=31))
        # The warning to the lead, then the breach's escalation to the TAM, at the mail server.
        to_tam = await eventually(lambda: [m["Subject"] for m in mailbox.received
                                           if m["To"] == "tess@example.com"])
        assert to_tam == [f"[{handle.id}] escalated to you: first response SLA breached"]
        assert f"[{handle.id}] first response due soon" in [m["Subject"]
                                                           for m in mailbox.received]
        live = await harness.sla(handle)
        assert live.breached and live.escalation_level == 1
        assert live.failing_step is not None and live.failing_step.rounds >= 2
        # The database still holds the ticket as it was opened; the metric counts the refusals.
        row = harness.ticket(handle.id)
        assert row is not None and row.version == opened.version and not row.breached
        scraped = await scrape_until(endpoint.url, lambda s: s.value(
            "sla_step_failures_total", step="record_ticket", permanent="true") >= 2)
        assert scraped.value("sla_step_failures_total", step="record_ticket",
                             permanent="false") == 0


async def test_a_database_outage_is_waited_out_and_the_row_catches_up(
    time_skipping_env: WorkflowEnvironment, sessions: SessionFactory, engine: Engine,
    task_queue: str, activity_executor: ThreadPoolExecutor,
) -> None:
    async with running_harness(time_skipping_env, sessions, task_queue,
                               activity_executor) as harness:
        handle = await harness.start("major")
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE ticket RENAME TO ticket_away"))
        view = await send(handle, CustomerReply("more logs"))
        assert view.failing_step is not None and "ticket" in view.failing_step.error
        await harness.sleep(timedelta(minutes=24))
        # The warning went out meanwhile (the outbox is its own table).
        assert await harness.outbox_kinds(handle.id, 1) == [("sla_warning", "support_lead")]
        with engine.begin() as connection:
            connection.execute(text("ALTER TABLE ticket_away RENAME TO ticket"))
        # The next try (a pause that doubles each round) writes everything, in order.
        await harness.sleep(timedelta(minutes=20))
        live = await harness.sla(handle)
        assert live.failing_step is None
        row = await eventually(lambda: (r := harness.ticket(handle.id)) is not None
                               and r.version == live.version and r)
        assert row and row.breached
        kinds = harness.kinds(handle.id)
        assert kinds.index("customer_reply") < kinds.index("sla_warning") < kinds.index("sla_breach")
