from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.metrics import ApiMetrics

router = APIRouter(tags=["health"])


@router.get("/metrics", response_class=Response,
            responses={200: {"content": {CONTENT_TYPE_LATEST: {}},
                             "description": "Prometheus text format"}})
async def metrics(request: Request) -> Response:
    """Prometheus metrics: open tickets by severity and status (from the database) and the
    API's requests. The worker serves the SLA event metrics on its own port."""
    api_metrics: ApiMetrics = request.app.state.metrics
    # The open-ticket figures are a database query: off the event loop.
    body = await asyncio.to_thread(generate_latest, api_metrics.registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
