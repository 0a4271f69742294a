"""``cover_request``: a request that waited for a slot takes one, through its workflow."""

from __future__ import annotations

import asyncio

from temporalio import activity
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.service import RPCError, RPCStatusCode

from sla.policy.entitlements import Decision
from sla.ticket.coverage import ALREADY_COVERED, NO_SLOT_IS_LEFT, coverage_for
from sla.ticket.view import TicketView
from sla.vocabulary import TicketStatus
from store.contracts import decide_for
from store.db import SessionFactory
from workflows.messages import CoverageGiven, CoverOutcome, CoverRequest


class CoveringActivities:
    def __init__(self, client: Client, sessions: SessionFactory) -> None:
        self.client = client
        self.sessions = sessions

    @activity.defn(name="cover_request")
    async def cover_request(self, request: CoverRequest) -> CoverOutcome:
        """Decide the request's coverage now and send its ticket's ``cover`` update, once:
        the update id makes a retried step re-attach to the update it sent. No slot left is
        an outcome (the covering stops there); a transient failure raises, so the step is
        tried again."""
        handle = self.client.get_workflow_handle(request.ticket_id)
        retried = activity.info().attempt > 1
        try:
            if not retried:
                current = await handle.query("sla", result_type=TicketView)
                if current.status == TicketStatus.CLOSED or current.coverage is None \
                        or current.coverage.covered:
                    return CoverOutcome("unchanged")
            decision = await asyncio.to_thread(self._decide, request)
            coverage, claim = coverage_for(decision, request.at)
            if coverage is None or not coverage.covered:
                return CoverOutcome("no_slot", decision.label())
            await handle.execute_update("cover", CoverageGiven(coverage, slot_claim=claim),
                                        id=request.update_id)
        except WorkflowUpdateFailedError as error:
            reason = str(error.cause) if error.cause is not None else str(error)
            if retried and reason.startswith(ALREADY_COVERED):
                return CoverOutcome("covered")  # this step's first attempt did it
            if reason.startswith(NO_SLOT_IS_LEFT):
                return CoverOutcome("no_slot", reason)  # another request took it first
            return CoverOutcome("failed", reason)
        except RPCError as error:
            if error.status == RPCStatusCode.NOT_FOUND:
                return CoverOutcome("failed", "the ticket's workflow is no longer running")
            raise
        return CoverOutcome("covered")

    def _decide(self, request: CoverRequest) -> Decision:
        with self.sessions() as session:
            return decide_for(session, request.customer_id, request.customer_plan,
                              request.needs, request.at)
