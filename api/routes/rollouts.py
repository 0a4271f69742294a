"""Rollouts of a plan or policy version over open tickets (admin): where one stands."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, status
from temporalio.service import RPCError, RPCStatusCode

from api.auth import Admin
from api.deps import ResourcesDep
from api.rollout import progress_of, rollout_public
from api.schemas import RolloutPublic

router = APIRouter(prefix="/rollouts", tags=["rollouts"])


@router.get("/{rollout_id}", response_model=RolloutPublic,
            responses={404: {"description": "no such rollout"},
                       503: {"description": "no worker answered for the rollout"}})
async def get_rollout(
    rollout_id: Annotated[str, Path(min_length=1, max_length=300, pattern=r"^rollout-[^/]+$")],
    resources: ResourcesDep, caller: Admin,
) -> RolloutPublic:
    """How many of its tickets are done, and each one's outcome so far."""
    wait = resources.settings.worker_wait_seconds
    try:
        finished, progress = await asyncio.wait_for(
            progress_of(resources.temporal, rollout_id), timeout=wait)
    except RPCError as error:
        if error.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(status.HTTP_404_NOT_FOUND,
                                detail=f"no rollout {rollout_id}") from None
        raise
    except TimeoutError:
        # Progress is the rollout's own answer: with no worker running, nobody gives it.
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                            detail="no worker answered for the rollout; it goes on once "
                                   "one runs") from None
    return rollout_public(rollout_id, finished, progress)
