"""The one place where failures become status codes: the use cases' errors (403, 404,
409, 422, 503), input that cannot be echoed back, and Temporal out of reach; never a 500.

Temporal's own words (its server's messages, a workflow's failure) go to the log under a
reference; the client reads a short text of ours with that reference, never them."""

from __future__ import annotations

import logging
import secrets
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from temporalio.exceptions import TemporalError
from temporalio.service import RPCError, RPCStatusCode

from tickets.errors import Forbidden, Invalid, NotFound, Refused, TicketError, Unavailable

logger = logging.getLogger(__name__)

#: The status each kind of use-case error answers with.
STATUS_OF: dict[type[TicketError], int] = {
    Forbidden: status.HTTP_403_FORBIDDEN,
    NotFound: status.HTTP_404_NOT_FOUND,
    Refused: status.HTTP_409_CONFLICT,
    Invalid: status.HTTP_422_UNPROCESSABLE_CONTENT,
    Unavailable: status.HTTP_503_SERVICE_UNAVAILABLE,
}


def status_of(error: TicketError) -> int:
    return next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)),
                status.HTTP_503_SERVICE_UNAVAILABLE)


def detail_of(error: TicketError) -> Any:
    """A refusal's reason as text; invalid input as FastAPI words its own 422s."""
    if isinstance(error, Invalid):
        return [{"loc": list(problem.where), "type": problem.kind, "msg": problem.message}
                for problem in error.problems]
    return error.detail


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

    @app.exception_handler(TicketError)
    async def _use_case_error(_request: Request, error: TicketError) -> JSONResponse:
        return JSONResponse({"detail": detail_of(error)}, status_code=status_of(error))

    @app.exception_handler(RPCError)
    async def _temporal_unavailable(request: Request, error: RPCError) -> JSONResponse:
        # Anything not mapped in a route is the cluster being out of reach.
        reference = _logged(request, error, f"{error.status.name}: {error.message}")
        if error.status == RPCStatusCode.INVALID_ARGUMENT:
            return JSONResponse({"detail": f"the workflow service refused the request as "
                                           f"invalid (reference {reference})"},
                                status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
        return JSONResponse({"detail": f"the workflow service did not answer; try again in a "
                                       f"minute (reference {reference})"},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE)

    @app.exception_handler(TemporalError)
    async def _temporal_failed(request: Request, error: TemporalError) -> JSONResponse:
        # A query or a workflow that failed in a way no use case turned into ours.
        reference = _logged(request, error, f"{type(error).__name__}: {error}")
        return JSONResponse({"detail": f"the workflow service could not do this; try again "
                                       f"in a minute (reference {reference})"},
                            status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


def _logged(request: Request, error: Exception, text: str) -> str:
    """Log Temporal's text with a new reference, which the client is given instead."""
    reference = secrets.token_hex(6)
    logger.error("Temporal failed %s %s (reference %s): %s", request.method,
                 request.url.path, reference, text, exc_info=error)
    return reference
