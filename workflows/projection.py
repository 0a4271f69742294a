"""The ticket's projection: the database row and timeline the API reads, written by the
``record_ticket`` activity after each change, before the change's messages go out."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from sla.ticket.state import TicketState
    from sla.ticket.view import TicketProjection, current_details, view
from workflows.delivery import ACTIVITY_RETRY, ACTIVITY_TIMEOUT, MessageDelivery
from workflows.patches import BACKGROUND_MESSAGES, Patches
from workflows.visibility import upsert_ticket_attributes


class Projection:
    def __init__(self, state: TicketState, delivery: MessageDelivery, patched: Patches,
                 upsert_search_attributes: bool) -> None:
        self.state = state
        self.delivery = delivery
        self.patched = patched
        self.upsert_search_attributes = upsert_search_attributes
        #: The state version the projection holds (-1: nothing written yet).
        self.version = -1

    async def flush(self) -> None:
        """Write the projection, then send the messages, until nothing is pending."""
        while self.version < self.state.version or self.state.pending_notifications:
            version = self.state.version
            timeline = self.state.pending_timeline
            self.state.pending_timeline = []
            # Tickets started before the patch keep their activity-then-one-by-one shape.
            background = self.patched(BACKGROUND_MESSAGES)
            record = workflow.execute_local_activity if background else workflow.execute_activity
            await record(
                "record_ticket",
                TicketProjection(view=view(self.state, workflow.now()), timeline=timeline),
                start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
                summary=f"record v{version}")
            if self.upsert_search_attributes:
                upsert_ticket_attributes(self.state, self.patched)
            workflow.set_current_details(current_details(self.state))
            self.version = version
            if background:
                self.delivery.in_background()
            else:
                await self.delivery.one_by_one()
