"""The email channel's last guard: a recipient is one address, or the message is refused
for good (never retried, never a second recipient)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from channels import PermanentDeliveryError
from channels.email import EmailChannel, EmailSettings
from sla.policy.snapshot import Contact
from sla.ticket.state import Notification

pytestmark = pytest.mark.pure

CHANNEL = EmailChannel(EmailSettings(host="127.0.0.1"))


def to(address: str) -> Notification:
    return Notification(idempotency_key="TCK-1:3", ticket_id="TCK-1", kind="sla_breach",
                        recipient=Contact(role="assignee", name="Ana", email=address),
                        channel="email", subject="late", body="The first response is late.",
                        created_at=datetime(2026, 3, 2, tzinfo=UTC))


@pytest.mark.parametrize("address", [
    "v1@x.example, v2@y.example", "Name <a@x.example>, b@y.example",
    "a@x.example\r\nBcc: b@y.example", "a@x.example\nBcc: b@y.example", "no address"])
async def test_a_recipient_that_is_not_one_address_is_a_permanent_error(address: str) -> None:
    with pytest.raises(PermanentDeliveryError, match="not one email address"):
        await CHANNEL.deliver(to(address))


def test_one_address_is_the_whole_to_header() -> None:
    email = CHANNEL.compose(to("Ana@Team.Example"))
    assert email.get_all("To") == ["Ana@team.example"]
    assert email.get_all("Bcc") is None and email.get_all("Cc") is None
