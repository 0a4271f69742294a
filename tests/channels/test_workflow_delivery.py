"""Messages from a running ticket reach a real SMTP server, in the recipient's language."""

from __future__ import annotations

from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from channels.email import EmailChannel, EmailSettings
from channels.router import ChannelRouter
from channels.templates import MessageTemplates
from sla.policy.snapshot import Contact
from store.db import SessionFactory
from tests.support.harness import Harness, eventually, running_harness
from tests.support.servers import SmtpRecorder, smtp_server

ROOT = Path(__file__).resolve().parents[2]
CUSTOMER = Contact(role="customer", name="Tienda Sol", email="soporte@tiendasol.example",
                   locale="es", time_zone="America/Bogota")


@pytest_asyncio.fixture
async def mailed(
    time_skipping_env: WorkflowEnvironment, sessions: SessionFactory, task_queue: str,
    activity_executor: ThreadPoolExecutor,
) -> AsyncIterator[tuple[Harness, SmtpRecorder]]:
    async with smtp_server() as (recorder, port):
        channel = ChannelRouter({"email": EmailChannel(EmailSettings(
            host="127.0.0.1", port=port, message_id_domain="sla.test"))})
        async with running_harness(time_skipping_env, sessions, task_queue, activity_executor,
                                   channel, MessageTemplates(ROOT / "templates")) as harness:
            yield harness, recorder


async def test_the_customer_gets_a_spanish_receipt_and_the_tam_an_english_escalation(
    mailed: tuple[Harness, SmtpRecorder],
) -> None:
    harness, recorder = mailed
    handle = await harness.start("major", customer=CUSTOMER)
    [receipt] = await eventually(lambda: recorder.received)
    assert receipt["To"] == "soporte@tiendasol.example"
    assert receipt["Subject"] == f"[{handle.id}] Hemos recibido su solicitud: SMTP injections fail"
    assert "(-05)" in receipt.get_payload()  # due time in Bogota time
    assert receipt["Message-ID"].endswith("@sla.test>")

    await harness.sleep(timedelta(minutes=31))
    # The warning and breach go to the support lead, the escalation to the TAM.
    mails = await eventually(lambda: recorder.received if len(recorder.received) >= 4 else [])
    escalation = next(mail for mail in mails if mail["To"] == "tess@example.com"
                      and "Escalated to you" in mail["Subject"])
    assert "level 1" in escalation.get_payload()
    assert {mail["In-Reply-To"] for mail in mails} == {f"<{handle.id}@sla.test>"}
    assert [row.status for row in harness.outbox(handle.id)] == ["sent"] * len(mails)
