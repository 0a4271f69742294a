"""``take_slot``: a new request takes its support slot, as a step of its ticket."""

from __future__ import annotations

from temporalio import activity

from sla.ticket.state import SlotRequest
from store.db import SessionFactory
from store.slots import take_slot


class SlotActivities:
    def __init__(self, sessions: SessionFactory) -> None:
        self.sessions = sessions

    @activity.defn(name="take_slot")
    def take_slot(self, request: SlotRequest) -> bool:
        """Whether the ticket holds the slot; idempotent by ticket (see store.slots)."""
        with self.sessions() as session:
            return take_slot(session, request.ticket_id, request.claim, request.at)
