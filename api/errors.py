"""How failures of the workflow layer reach clients: 404, 409, 422, 503; never a 500."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
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


def _printable(value: Any) -> Any:
    """The value with every lone surrogate replaced (U+FFFD), so it can be sent as UTF-8."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    if isinstance(value, dict):
        return {_printable(key): _printable(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_printable(item) for item in value]
    return value


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        # FastAPI echoes the input that failed; text that cannot be encoded (a lone
        # surrogate) would turn the 422 into a 500 while it is written out.
        try:
            return await request_validation_exception_handler(request, error)
        except UnicodeEncodeError:
            return JSONResponse({"detail": _printable(jsonable_encoder(error.errors()))},
                                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(RPCError)
    async def _temporal_unavailable(_request: Request, error: RPCError) -> JSONResponse:
        # Anything not mapped in a route is the cluster being out of reach.
        code = status.HTTP_503_SERVICE_UNAVAILABLE
        if error.status == RPCStatusCode.INVALID_ARGUMENT:
            code = status.HTTP_422_UNPROCESSABLE_CONTENT
        return JSONResponse({"detail": f"Temporal: {error.message}"}, status_code=code)
