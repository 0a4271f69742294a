from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text

from api.deps import ResourcesDep
from api.schemas import HealthPublic

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthPublic,
            responses={503: {"model": HealthPublic, "description": "a dependency is down"}})
async def health(resources: ResourcesDep) -> JSONResponse:
    """Checks the database and the Temporal cluster; 503 when either is out of reach."""
    database = temporal = "ok"
    try:
        def ping() -> None:
            with resources.engine.connect() as connection:
                connection.execute(text("SELECT 1"))

        await asyncio.to_thread(ping)
    except Exception as error:
        database = f"error: {error.__class__.__name__}"
    try:
        await asyncio.wait_for(resources.temporal.service_client.check_health(), timeout=5)
    except Exception as error:
        temporal = f"error: {error.__class__.__name__}"
    healthy = database == temporal == "ok"
    body = HealthPublic(status="ok" if healthy else "degraded", database=database,
                        temporal=temporal)
    return JSONResponse(body.model_dump(), status_code=200 if healthy else 503)
