"""A real ticket's breach, escalations and pages, as the worker's metrics endpoint shows them."""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from store.db import SessionFactory
from tests.support.harness import running_harness
from tests.support.metrics import scrape_until, worker_metrics
from tests.support.scenarios import BIRD, call
from workflows.ticket import TicketWorkflow


async def test_a_breached_ticket_and_a_missed_callback_show_in_the_worker_metrics(
    time_skipping_env: WorkflowEnvironment, sessions: SessionFactory, task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> None:
    endpoint = worker_metrics()
    async with running_harness(time_skipping_env, sessions, task_queue, activity_executor,
                               metrics=endpoint.metrics) as harness:
        # Premium, major: warned at 23 minutes, breached at 30, escalated to the TAM.
        late = await harness.start("major")
        await harness.sleep(timedelta(minutes=31))
        await harness.outbox_kinds(late.id, 3)
        # An emergency whose callback is missed: level 1 pages at once, level 2 ten minutes on.
        emergency = await harness.start("critical", plan="enterprise", policy=BIRD)
        await emergency.execute_update(TicketWorkflow.record_call,
                                       call(await harness.env.get_current_time()))
        await harness.sleep(timedelta(minutes=15, seconds=30))
        await harness.outbox_kinds(emergency.id, 3)
        await harness.sleep(timedelta(minutes=10))
        await harness.outbox_kinds(emergency.id, 4)

        scraped = await scrape_until(
            endpoint.url, lambda s: s.value("sla_messages_sent_total", kind="page") == 3)
    sent = Counter((row.channel, row.kind) for ticket in (late.id, emergency.id)
                   for row in harness.outbox(ticket) if row.status == "sent")
    breaches = Counter(event.detail for ticket in (late.id, emergency.id)
                       for event in harness.timeline(ticket) if event.kind == "sla_breach")
    assert scraped.value("sla_tickets_created_total", plan="premium", severity="major") == 1
    assert scraped.value("sla_tickets_created_total", plan="enterprise", severity="critical") == 1
    assert scraped.value("sla_clocks_breached_total", clock="first_response", plan="premium",
                         severity="major") == 1
    assert scraped.value("sla_clocks_breached_total", clock="callback", plan="enterprise",
                         target="commitment") == 1
    assert scraped.value("sla_escalations_total", level="1", plan="premium",
                         clock="first_response") == 1
    assert scraped.value("sla_escalations_total", level="1", plan="enterprise",
                         clock="callback") == 1
    assert scraped.value("sla_escalations_total", level="2", plan="enterprise",
                         clock="callback") == 1
    # The metrics tell what the outbox and the timelines hold, event for event.
    assert sent[("sms", "page")] == 3 and sent[("email", "escalation")] >= 1
    for (channel, kind), count in sent.items():
        assert scraped.value("sla_messages_sent_total", channel=channel, kind=kind) == count
    assert scraped.value("sla_messages_sent_total") == sum(sent.values())
    assert scraped.value("sla_clocks_breached_total") == sum(breaches.values())
    # Every message a deadline sent has its lateness measured (the time-skipping server's
    # clock runs ahead of the wall clock, so only the count is meaningful here).
    deadline_kinds = ("sla_warning", "sla_breach", "escalation", "page")
    assert scraped.value("sla_escalation_lateness_seconds_count") == sum(
        count for (_channel, kind), count in sent.items() if kind in deadline_kinds)
    assert scraped.value("sla_messages_failed_total") == 0
