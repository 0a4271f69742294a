"""Real delivery against real servers: each channel, failures, retries and a crash."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime

import httpx
import pytest
import pytest_asyncio
from pydantic import SecretStr
from sqlmodel import col, select
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities
from channels import NotificationChannel
from channels.email import EmailChannel, EmailSettings
from channels.http_providers import (
    ChatSettings,
    ChatWebhookChannel,
    SmsChannel,
    TwilioSettings,
    VoiceChannel,
)
from channels.router import ChannelRouter
from sla.policy.snapshot import Contact
from sla.ticket.records import UNDELIVERABLE
from sla.ticket.state import Notification
from store.db import SessionFactory
from store.models import Customer, DeliveryAttempt, OutboxMessage, Ticket
from tests.support.servers import ProviderRecorder, SmtpRecorder, provider_server, smtp_server

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TESS = Contact(role="tam", name="Tess", email="tess@example.com", phone="+390200000099")


@pytest_asyncio.fixture
async def smtp() -> AsyncIterator[tuple[SmtpRecorder, int]]:
    async with smtp_server() as server:
        yield server


@pytest_asyncio.fixture
async def provider() -> AsyncIterator[tuple[ProviderRecorder, str]]:
    async with provider_server() as server:
        yield server


@pytest_asyncio.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def ticket(sessions: SessionFactory) -> str:
    with sessions() as session:
        customer = Customer(name="Acme", plan="premium")
        session.add(customer)
        session.commit()
        assert customer.id is not None
        session.add(Ticket(id="TCK-1", customer_id=customer.id, subject="Down", severity="critical",
                           type="problem", channel="api", plan="premium", status="open",
                           created_at=NOW))
        session.commit()
    return "TCK-1"


def message(channel: str, key: str = "TCK-1:3", recipient: Contact = TESS) -> Notification:
    return Notification(idempotency_key=key, ticket_id="TCK-1", kind="escalation",
                        recipient=recipient, channel=channel,
                        subject="[TCK-1] escalated to you", body="The first response is late.",
                        created_at=NOW)


def router(smtp_port: int | None = None, base: str | None = None,
           http: httpx.AsyncClient | None = None) -> ChannelRouter:
    channels: dict[str, NotificationChannel] = {}
    if smtp_port is not None:
        channels["email"] = EmailChannel(EmailSettings(host="127.0.0.1", port=smtp_port,
                                                       sender="support@sla.test",
                                                       message_id_domain="sla.test"))
    if base is not None and http is not None:
        twilio = TwilioSettings(account_sid="AC123", auth_token=SecretStr("token"),
                                from_number="+3120000000", base_url=base)
        channels["sms"] = SmsChannel(twilio, http)
        channels["voice"] = VoiceChannel(twilio, http)
        channels["chat"] = ChatWebhookChannel(
            ChatSettings(webhook_url=f"{base}/hooks/chat", secret=SecretStr("chat-secret")), http)
    return ChannelRouter(channels)


def outbox(sessions: SessionFactory) -> list[OutboxMessage]:
    with sessions() as session:
        return sorted(session.exec(select(OutboxMessage)), key=OutboxMessage.event_order)


def attempts(sessions: SessionFactory) -> list[tuple[int, str]]:
    with sessions() as session:
        rows = session.exec(select(DeliveryAttempt).order_by(col(DeliveryAttempt.id)))
        return [(row.attempt, row.outcome) for row in rows]


async def test_email_is_sent_threaded_under_the_ticket(
    sessions: SessionFactory, ticket: str, smtp: tuple[SmtpRecorder, int]
) -> None:
    recorder, port = smtp
    activities = NotificationActivities(sessions, router(smtp_port=port))
    assert await ActivityEnvironment().run(activities.send_notification, message("email")) == "sent"
    [mail] = recorder.received
    assert mail["To"] == "tess@example.com"
    assert mail["Subject"] == "[TCK-1] escalated to you"
    assert mail["Message-ID"] == "<TCK-1.3@sla.test>"
    assert mail["In-Reply-To"] == "<TCK-1@sla.test>"
    assert "The first response is late." in mail.get_payload()
    [row] = outbox(sessions)
    assert (row.status, row.provider_ref, row.attempts) == ("sent", "<TCK-1.3@sla.test>", 1)


async def test_sms_voice_and_chat_reach_the_provider(
    sessions: SessionFactory, ticket: str, provider: tuple[ProviderRecorder, str],
    http: httpx.AsyncClient,
) -> None:
    recorder, base = provider
    activities = NotificationActivities(sessions, router(base=base, http=http))
    env = ActivityEnvironment()
    for number, channel in enumerate(("sms", "voice", "chat")):
        assert await env.run(activities.send_notification,
                             message(channel, key=f"TCK-1:{number}")) == "sent"
    [sms] = recorder.messages
    assert sms["form"]["To"] == "+390200000099" and sms["form"]["From"] == "+3120000000"
    assert sms["key"] == "TCK-1:0" and sms["auth"].startswith("Basic ")
    [call] = recorder.calls
    assert "<Say>[TCK-1] escalated to you" in call["form"]["Twiml"]
    [chat] = recorder.chat
    assert chat["text"] == "[TCK-1] escalated to you"
    assert chat["blocks"][1]["text"]["text"] == "The first response is late."
    assert recorder.bad_signatures == 0


async def test_customer_text_reaches_chat_as_text_not_mentions_or_links(
    sessions: SessionFactory, ticket: str, provider: tuple[ProviderRecorder, str],
    http: httpx.AsyncClient,
) -> None:
    recorder, base = provider
    activities = NotificationActivities(sessions, router(base=base, http=http))
    sent = replace(message("chat"), subject="[TCK-1] <!channel> R&D down",
                   body="Customer wrote: <@U123> see <https://evil.example|the console>",
                   recipient=replace(TESS, name="<!here>"))
    assert await ActivityEnvironment().run(activities.send_notification, sent) == "sent"
    [chat] = recorder.chat
    assert chat["text"] == "[TCK-1] &lt;!channel&gt; R&amp;D down"
    assert chat["blocks"][0]["text"] == {"type": "plain_text",
                                         "text": "[TCK-1] <!channel> R&D down"}
    assert chat["blocks"][1]["text"]["text"] == (
        "Customer wrote: &lt;@U123&gt; see &lt;https://evil.example|the console&gt;")
    assert chat["blocks"][2]["elements"][0]["text"] == (
        "ticket TCK-1 · escalation · to &lt;!here&gt;")


async def test_a_long_chat_body_is_cut_before_an_escaped_character_not_inside_it(
    sessions: SessionFactory, ticket: str, provider: tuple[ProviderRecorder, str],
    http: httpx.AsyncClient,
) -> None:
    recorder, base = provider
    activities = NotificationActivities(sessions, router(base=base, http=http))
    sent = replace(message("chat"), body="x" * 2997 + "&<")
    assert await ActivityEnvironment().run(activities.send_notification, sent) == "sent"
    [chat] = recorder.chat
    assert chat["blocks"][1]["text"]["text"] == "x" * 2997


async def test_a_permanent_failure_is_recorded_and_not_retried(
    sessions: SessionFactory, ticket: str, smtp: tuple[SmtpRecorder, int],
    provider: tuple[ProviderRecorder, str], http: httpx.AsyncClient,
) -> None:
    recorder, port = smtp
    recorder.refused.add("tess@example.com")
    provider_recorder, base = provider
    provider_recorder.bad_numbers.add("+390200000099")
    activities = NotificationActivities(sessions, router(port, base, http))
    env = ActivityEnvironment()
    assert await env.run(activities.send_notification, message("email", "TCK-1:1")) == "failed"
    assert await env.run(activities.send_notification, message("sms", "TCK-1:2")) == "failed"
    # Asked again (a replay), nothing is tried again.
    assert await env.run(activities.send_notification, message("email", "TCK-1:1")) == "failed"
    rows = outbox(sessions)
    assert [row.status for row in rows] == ["failed", "failed"]
    assert "550" in (rows[0].last_error or "") and "invalid 'To' number" in (rows[1].last_error or "")
    assert attempts(sessions) == [(1, "failed"), (1, "failed")]
    assert recorder.received == [] and provider_recorder.messages == []


async def test_a_subject_with_line_breaks_is_sent_on_one_line(
    sessions: SessionFactory, ticket: str, smtp: tuple[SmtpRecorder, int]
) -> None:
    recorder, port = smtp
    activities = NotificationActivities(sessions, router(smtp_port=port))
    broken = replace(message("email"), subject="[TCK-1] Bounces\u2028from\rme\x85too\x00")
    assert await ActivityEnvironment().run(activities.send_notification, broken) == "sent"
    [mail] = recorder.received
    assert mail["Subject"] == "[TCK-1] Bounces from me too"


async def test_a_message_that_cannot_be_composed_fails_for_good_at_once(
    sessions: SessionFactory, ticket: str, smtp: tuple[SmtpRecorder, int]
) -> None:
    recorder, port = smtp
    activities = NotificationActivities(sessions, router(smtp_port=port))
    # An address with a line break in it (an older import, say) cannot go in a To header.
    injected = replace(TESS, email="tess@example.com\nBcc: mallory@evil.test")
    outcome = await ActivityEnvironment().run(activities.send_notification,
                                              message("email", recipient=injected))
    assert outcome == "failed"
    [row] = outbox(sessions)
    assert row.status == "failed" and "not one email address" in (row.last_error or "")
    assert attempts(sessions) == [(1, "failed")]
    assert recorder.received == []


async def test_a_transient_failure_is_retried(
    sessions: SessionFactory, ticket: str, smtp: tuple[SmtpRecorder, int],
    provider: tuple[ProviderRecorder, str], http: httpx.AsyncClient,
) -> None:
    recorder, port = smtp
    recorder.busy_for = 1
    provider_recorder, base = provider
    provider_recorder.unavailable_for = 1
    activities = NotificationActivities(sessions, router(port, base, http))
    env = ActivityEnvironment()
    # A transient failure, not a PermanentDeliveryError: the activity raises it as it is,
    # and its retry policy takes over.
    transient: list[tuple[str, str, type[Exception], str]] = [
        ("email", "TCK-1:1", RuntimeError, r"^recipient deferred: .*451 4\.3\.0 try again later"),
        ("sms", "TCK-1:2", httpx.HTTPStatusError, r"^HTTP 503: "),
    ]
    for channel, key, error, reason in transient:
        with pytest.raises(error, match=reason):
            await env.run(activities.send_notification, message(channel, key))
        assert await env.run(activities.send_notification, message(channel, key)) == "sent"
    assert len(recorder.received) == 1 and len(provider_recorder.messages) == 1
    assert [row.attempts for row in outbox(sessions)] == [2, 2]
    assert attempts(sessions) == [(1, "retrying"), (2, "sent"), (1, "retrying"), (2, "sent")]


class CrashAfterSend(NotificationActivities):
    """Dies (once) after the provider accepted the message, before the outbox says so."""

    crashed = False

    def _finish(self, row_id: int, status: str, reference: str | None, detail: str,
                attempt: int | None = None) -> None:
        if status == "sent" and not self.crashed:
            self.crashed = True
            raise RuntimeError("worker killed")
        super()._finish(row_id, status, reference, detail, attempt)


async def test_a_crash_between_send_and_record_sends_one_message(
    sessions: SessionFactory, ticket: str, provider: tuple[ProviderRecorder, str],
    http: httpx.AsyncClient,
) -> None:
    recorder, base = provider
    activities = CrashAfterSend(sessions, router(base=base, http=http))
    env = ActivityEnvironment()
    with pytest.raises(RuntimeError, match="worker killed"):
        await env.run(activities.send_notification, message("sms"))
    assert outbox(sessions)[0].status == "sending"
    # The retry resends with the same idempotency key; the provider takes it as the same one.
    assert await env.run(activities.send_notification, message("sms")) == "sent"
    assert len(recorder.messages) == 1
    assert outbox(sessions)[0].status == "sent"


async def test_a_recipient_without_an_address_is_undeliverable_not_dropped(
    sessions: SessionFactory, ticket: str,
) -> None:
    nobody = Contact(role="support_lead", name="Lead")
    activities = NotificationActivities(sessions, router())
    result = await ActivityEnvironment().run(activities.send_notification,
                                             message(UNDELIVERABLE, recipient=nobody))
    assert result == UNDELIVERABLE
    [row] = outbox(sessions)
    assert row.status == UNDELIVERABLE and row.last_error == "Lead has no address on any channel"


async def test_a_steps_messages_go_together_and_a_retry_resends_only_the_failed_one(
    sessions: SessionFactory, ticket: str, smtp: tuple[SmtpRecorder, int],
    provider: tuple[ProviderRecorder, str], http: httpx.AsyncClient,
) -> None:
    """A breach and its escalation share one activity: the mail server busy for the first
    does not hold back the SMS, and the retry sends the mail without a second SMS."""
    recorder, port = smtp
    recorder.busy_for = 1
    provider_recorder, base = provider
    activities = NotificationActivities(sessions, router(port, base, http))
    env = ActivityEnvironment()
    step = [message("email", "TCK-1:1"), message("sms", "TCK-1:2")]
    # The mail server's "try later" is raised once both were tried: the retry takes over.
    with pytest.raises(RuntimeError, match=r"^recipient deferred: .*451"):
        await env.run(activities.send_notifications, step)
    assert len(provider_recorder.messages) == 1 and recorder.received == []
    assert await env.run(activities.send_notifications, step) == ["sent", "sent"]
    assert len(recorder.received) == 1 and len(provider_recorder.messages) == 1
    assert [(row.channel, row.attempts) for row in outbox(sessions)] == [("email", 2), ("sms", 1)]
