"""Prometheus metrics on the real stack: the API's /metrics and the worker's own port."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import httpx
import pytest

from stack.temporal import DevServer, free_port
from tests.support.metrics import scrape, scrape_until
from tests.support.servers import SmtpRecorder, smtp_server
from tests.support.stack import running_api, running_worker, stack_settings, ticket_body, wait_for

pytestmark = pytest.mark.e2e


async def test_the_api_and_the_worker_serve_what_happened(
    dev_server: DevServer, tmp_path: Path
) -> None:
    async with smtp_server() as (mailbox, smtp_port):
        await serve_and_scrape(dev_server, tmp_path, smtp_port, mailbox)


async def serve_and_scrape(dev_server: DevServer, tmp_path: Path, smtp_port: int,
                           mailbox: SmtpRecorder) -> None:
    # Email goes to a real SMTP server (sent); SMS and chat are not configured (logged).
    settings = stack_settings(dev_server, tmp_path, worker_metrics_port=free_port(),
                              smtp_host="127.0.0.1", smtp_port=smtp_port)
    worker_url = f"http://127.0.0.1:{settings.worker_metrics_port}/metrics"
    async with running_worker(settings), running_api(settings) as http:
        customer_id = (await http.post("/customers", json={
            "name": "Acme", "plan": "fast", "tam_name": "Tess", "tam_email": "t@example.com",
        })).json()["id"]
        # Critical on the fast plan: first response due in 3 s, then the TAM is told.
        late = (await http.post("/tickets", json=ticket_body(customer_id, severity="critical"))
                ).json()["id"]
        waiting = (await http.post("/tickets", json=ticket_body(
            customer_id, severity="minor", subject="Bounce report", force_new=True))).json()["id"]
        await http.post(f"/tickets/{waiting}/status",
                        json={"status": "waiting_on_customer", "author": "ana"})
        assert (await http.get("/tickets/TCK-NOPE")).status_code == 404
        await http.request("BREW", "/tickets")

        async def escalated() -> bool:
            outbox = (await http.get(f"/tickets/{late}/notifications")).json()
            return any(row["kind"] == "escalation" and row["status"] == "sent" for row in outbox)

        await wait_for(escalated)

        # Open to Prometheus without a key, like /health.
        async with httpx.AsyncClient(base_url=str(http.base_url)) as anonymous:
            api = await scrape(str(anonymous.base_url.join("/metrics")))
        assert api.value("sla_open_tickets", severity="critical", status="open") == 1
        assert api.value("sla_open_tickets", severity="minor", status="waiting_on_customer") == 1
        assert api.value("sla_open_tickets") == 2
        assert ("sla_open_tickets", {"severity": "major", "status": "open"}, 0.0) in api.samples
        assert api.value("sla_open_tickets_breached", severity="critical") == 1
        assert api.value("sla_open_tickets_breached") == 1
        # Requests by route template: a ticket id never becomes a label.
        assert api.value("sla_api_requests_total", method="POST", route="/tickets",
                         status="201") == 2
        assert api.value("sla_api_requests_total", method="POST",
                         route="/tickets/{ticket_id}/status", status="200") == 1
        assert api.value("sla_api_requests_total", method="GET", route="/tickets/{ticket_id}",
                         status="404") == 1
        assert not any(late in str(labels) for _name, labels, _value in api.samples)
        assert api.value("sla_api_requests_total", method="other") == 1
        assert not any(labels.get("method") == "BREW" for _name, labels, _value in api.samples)
        assert api.value("process_resident_memory_bytes") > 0

        outbox = [row for ticket in (late, waiting)
                  for row in (await http.get(f"/tickets/{ticket}/notifications")).json()]
        sent = Counter((row["channel"], row["kind"]) for row in outbox if row["status"] == "sent")
        worker = await scrape_until(
            worker_url, lambda s: s.value("sla_messages_sent_total") == sum(sent.values()))
    assert worker.value("sla_tickets_created_total", plan="fast", severity="critical",
                        channel="api") == 1
    assert worker.value("sla_tickets_created_total", plan="fast") == 2
    assert worker.value("sla_clocks_breached_total", clock="first_response", plan="fast",
                        severity="critical") == 1
    assert worker.value("sla_escalations_total", level="1", plan="fast",
                        clock="first_response") == 1
    for (channel, kind), count in sent.items():
        assert worker.value("sla_messages_sent_total", channel=channel, kind=kind) == count
    # What the metric calls sent is what the mail server received.
    assert sum(sent.values()) == len(mailbox.received) >= 3
    # Warning, breach and escalation: each measured from its due time to its sending.
    assert worker.value("sla_escalation_lateness_seconds_count", kind="escalation") == 1
    assert worker.value("sla_escalation_lateness_seconds_count") == 3
    # The Temporal SDK's own worker metrics share the endpoint.
    temporal = {name for name in worker.names() if name.startswith("temporal_")}
    assert "temporal_workflow_task_execution_latency_count" in temporal, sorted(temporal)
    assert "temporal_activity_execution_latency_count" in temporal, sorted(temporal)
