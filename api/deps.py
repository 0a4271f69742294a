"""Dependencies of the routes, as ``Annotated`` aliases."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session
from temporalio.client import Client

from sla.policy.rules import Policy
from tickets.services import AppResources


def get_resources(request: Request) -> AppResources:
    resources: AppResources = request.app.state.resources
    return resources


ResourcesDep = Annotated[AppResources, Depends(get_resources)]


def get_session(resources: ResourcesDep) -> Iterator[Session]:
    with Session(resources.engine) as session:
        yield session


def get_temporal(resources: ResourcesDep) -> Client:
    return resources.temporal


def get_policy(resources: ResourcesDep) -> Policy:
    return resources.policy


SessionDep = Annotated[Session, Depends(get_session)]

T = TypeVar("T")


async def off_loop(work: Callable[[], T]) -> T:
    """Run blocking database work in the thread pool, as FastAPI runs plain ``def`` routes:
    an ``async`` route that queried on the event loop would stall every other request
    while the database answered (or waited for a lock)."""
    return await run_in_threadpool(work)
TemporalClientDep = Annotated[Client, Depends(get_temporal)]
PolicyDep = Annotated[Policy, Depends(get_policy)]
