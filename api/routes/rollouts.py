"""Rollouts of a plan or policy version over open tickets (admin): where one stands."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.auth import Admin
from api.customer_schemas import RolloutPublic, TicketRetargetFailure
from api.deps import ResourcesDep
from tickets.rollout import rollout_progress
from workflows.messages import RolloutProgress

router = APIRouter(prefix="/rollouts", tags=["rollouts"])


def rollout_public(workflow_id: str, finished: bool, progress: RolloutProgress) -> RolloutPublic:
    return RolloutPublic(
        id=workflow_id, finished=finished, total=progress.total, done=progress.done,
        retargeted=progress.retargeted, unchanged=progress.unchanged,
        failed=[TicketRetargetFailure(ticket_id=ticket_id, reason=reason)
                for ticket_id, reason in progress.failed.items()],
        retargeted_count=progress.retargeted_count, unchanged_count=progress.unchanged_count,
        failed_count=progress.failed_count)


@router.get("/{rollout_id}", response_model=RolloutPublic,
            responses={404: {"description": "no such rollout"},
                       503: {"description": "no worker answered for the rollout"}})
async def get_rollout(
    rollout_id: Annotated[str, Path(min_length=1, max_length=300, pattern=r"^rollout-[^/]+$")],
    resources: ResourcesDep, caller: Admin,
) -> RolloutPublic:
    """How many of its tickets are done, and each one's outcome so far."""
    finished, progress = await rollout_progress(resources.temporal, rollout_id, resources.wait)
    return rollout_public(rollout_id, finished, progress)
