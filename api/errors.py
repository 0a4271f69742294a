"""How failures of the workflow layer reach clients: 404, 409, 422, 503; never a 500."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from workflows.ticket import IDEMPOTENCY_CONFLICT, REFUSED


def refusal_to_http(error: WorkflowUpdateFailedError) -> HTTPException:
    """Map a refused or failed update to the status a client can act on."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        if cause.type == REFUSED:
            return HTTPException(status.HTTP_409_CONFLICT, detail=cause.message)
        if cause.type == IDEMPOTENCY_CONFLICT:
            return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=[{
                "loc": ["header", "Idempotency-Key"], "type": "value_error",
                "msg": cause.message}])
    return HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE,
                         detail=f"the ticket could not be updated: {cause or error}")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RPCError)
    async def _temporal_unavailable(_request: Request, error: RPCError) -> JSONResponse:
        # Anything not mapped in a route is the cluster being out of reach.
        code = status.HTTP_503_SERVICE_UNAVAILABLE
        if error.status == RPCStatusCode.INVALID_ARGUMENT:
            code = status.HTTP_422_UNPROCESSABLE_CONTENT
        return JSONResponse({"detail": f"Temporal: {error.message}"}, status_code=code)
