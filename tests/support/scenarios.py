"""What several workflow tests share: a channel whose warnings fail for now, slot packs,
emergency calls on Bird's enterprise plan, and the re-targeting tests' policy."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import select

from sla.policy.snapshot import Contact
from sla.ticket.state import Coverage, EmergencyCall, Notification, SlotClaim
from store.models import Contract, SlotUse
from tests.support.harness import Harness
from tests.support.moments import policy


class WarningsDown:
    """A channel whose warnings fail transiently (a mail server refusing them for now)."""

    def __init__(self) -> None:
        self.accepting_warnings = False
        #: Idempotency keys of the messages it accepted, in order.
        self.delivered: list[str] = []

    async def deliver(self, message: Notification) -> str:
        if message.kind == "sla_warning" and not self.accepting_warnings:
            raise ConnectionError("421 try again later")
        self.delivered.append(message.idempotency_key)
        return f"ok:{message.idempotency_key}"


# --- support slots ---------------------------------------------------------------

SLOT_CUSTOMER = Contact(role="customer", name="Rita", email="rita@slots.example")


async def slot_pack(harness: Harness, slots: int) -> tuple[SlotClaim, Coverage]:
    """A slot pack of the harness's customer, running now: the claim a request on it makes,
    and the coverage it gives."""
    now = await harness.env.get_current_time()
    with harness.sessions() as session:
        contract = Contract(customer_id=harness.customer_id, kind="slots", tier="slotted",
                            starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=30),
                            slots=slots)
        session.add(contract)
        session.commit()
        assert contract.id is not None
        label = f"slot pack #{contract.id} (slotted)"
        claim = SlotClaim(contract_id=contract.id, period_start=contract.starts_at, slots=slots,
                          label=label)
    return claim, Coverage(covered=True, contract_id=claim.contract_id, label=label, at=now)


async def one_slot(harness: Harness) -> tuple[SlotClaim, Coverage]:
    return await slot_pack(harness, 1)


def slot_holders(harness: Harness) -> list[str]:
    with harness.sessions() as session:
        return [row.ticket_id for row in session.exec(select(SlotUse))
                if row.released_at is None]


# --- the emergency line --------------------------------------------------------------

BIRD = policy("bird-email-enterprise")  # callback 15m, pages every 10m, on call: duty engineer


def call(taken_at: datetime, call_id: str | None = None) -> EmergencyCall:
    return EmergencyCall(
        call_id=call_id or f"CA{uuid.uuid4().hex}", taken_at=taken_at, source="intake",
        company_name="Acme Mail", contact_name="Rita", contact_phone="+390200000001",
        contact_email="rita@acme.example", description="every SMTP injection times out",
    )


# --- re-targeting, and notices held for their recipient's hours ----------------------

ROME = ZoneInfo("Europe/Rome")

#: Tuesday 14:00 in Rome opens a ticket whose first-response warning falls at 23:00 on
#: Wednesday, outside the TAM's office hours (09:00-17:00), where notices are held.
RETARGETING_POLICY = """
warn_at = 0.75
auto_close_after = "none"

[calendars.office]
time_zone = "Europe/Rome"
weekdays = ["09:00-17:00"]

[notices]
hold_outside_hours = true

[plans.standard]
tam_calendar = "office"
first_response = { critical = "30m", major = "44h", minor = "8h" }
resolution = { critical = "4h", major = "5d", minor = "none" }
escalation = ["tam", "lead"]

[plans.standard.types.information]
sla = false

[plans.premium]
first_response = { critical = "15m", major = "1h", minor = "2h" }
resolution = { critical = "2h", major = "4h", minor = "8h" }
escalation = ["lead"]

[contacts.lead]
name = "Lead"
email = "lead@example.com"
"""


def next_tuesday(now: datetime, hour: int, minute: int = 0) -> datetime:
    local = now.astimezone(ROME)
    tuesday = local.date() + timedelta(days=(1 - local.weekday()) % 7 or 7)
    return datetime(tuesday.year, tuesday.month, tuesday.day, hour, minute, tzinfo=ROME)
