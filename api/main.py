"""The HTTP API. ``uvicorn api.main:app`` (``make run`` starts it for you)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api.errors import install_error_handlers
from api.headers import SecurityHeaders
from api.limits import BodySizeLimit
from api.links import add_links
from api.log_context import TicketLogContext
from api.metrics import ApiMetrics, RequestMetrics
from api.openapi import install_openapi
from api.routes import (
    codec,
    console,
    customers,
    emergency,
    feedback_link,
    health,
    inbound,
    keys,
    metrics,
    pages,
    quarantine,
    reports,
    rollouts,
    ticket_changes,
    tickets,
)
from api.routes.codec import CodecCors
from config import Settings, get_settings
from sla.policy.loading import load_policy
from store.db import make_engine
from store.migrations import require_current
from tickets.services import AppResources
from workflow_client import connect


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        chosen = settings or get_settings()
        # An invalid policy stops start-up here, with every problem and its key listed.
        policy = load_policy(chosen.sla_policy_file)
        engine = make_engine(chosen.database_url)
        # The worker refuses too; `make run` and `alembic upgrade head` upgrade.
        require_current(engine)
        client = await connect(chosen)
        app.state.resources = AppResources(chosen, engine, client, policy)
        app.state.metrics = ApiMetrics(engine)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="Support SLA escalation",
        summary="Every ticket is a durable Temporal workflow whose timers are its SLA deadlines.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(BodySizeLimit)
    # The Temporal Web UI's origin may call /codec/ (preflight included), no other route.
    app.add_middleware(CodecCors)
    # Outside the body limit: its 413 carries the headers too.
    app.add_middleware(SecurityHeaders)
    # Outermost: a refused body or a failing route is counted, and logged with its ticket.
    app.add_middleware(RequestMetrics)
    app.add_middleware(TicketLogContext)
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(customers.router)
    app.include_router(tickets.router)
    app.include_router(ticket_changes.router)
    app.include_router(emergency.router)
    app.include_router(inbound.router)
    app.include_router(quarantine.router)
    app.include_router(pages.router)
    app.include_router(console.router)
    app.include_router(reports.router)
    app.include_router(feedback_link.router)
    app.include_router(keys.router)
    app.include_router(rollouts.router)
    app.include_router(codec.router)
    install_openapi(app)
    add_links(app)
    return app


app = create_app()
