"""What a use case raises when it cannot do what was asked; ``api.errors`` gives each its
status code, and the command-line tools print them."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError

from workflows.ticket import IDEMPOTENCY_CONFLICT, REFUSED

logger = logging.getLogger(__name__)


class TicketError(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(TicketError):
    """What was named does not exist."""


class NoEmergencyLine(NotFound):
    """The policy has no emergency line: nothing to call, no callback owed."""

    DETAIL = ("this support has no emergency line: its policy has no [emergency] table, so "
              "no call is taken and no callback is owed; open a ticket (POST /tickets) instead")

    def __init__(self) -> None:
        super().__init__(self.DETAIL)


class Forbidden(TicketError):
    """The caller may not do this (a customer key acting for another customer, a webhook
    whose signature is wrong)."""


class Refused(TicketError):
    """The ticket's workflow (or its state) refuses the change; the detail says why."""


class Unavailable(TicketError):
    """Temporal or the ticket's worker did not answer in time: the outcome is unknown, and
    the change may still apply."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where (the part of the request, then the field's
    path), what, and its kind (``value_error``, ``missing``)."""

    where: tuple[str, ...]
    message: str
    kind: str = "value_error"


class Invalid(TicketError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{'.'.join(p.where)}: {p.message}" for p in problems))
        self.problems = problems


def invalid(where: tuple[str, ...], message: str, kind: str = "value_error") -> Invalid:
    return Invalid([Problem(where, message, kind)])


def from_update_failure(error: WorkflowUpdateFailedError, ticket_id: str) -> TicketError:
    """A refused or failed update, as the error a caller can act on.

    The ticket's own refusals (its validators' words, written for the caller) are passed
    on; any other failure is Temporal's or the worker's text, which goes to the log under
    a reference: the caller gets the ticket id and that reference."""
    cause = error.cause
    if isinstance(cause, ApplicationError):
        if cause.type == REFUSED:
            return Refused(cause.message)
        if cause.type == IDEMPOTENCY_CONFLICT:
            return invalid(("header", "Idempotency-Key"), cause.message)
    reference = secrets.token_hex(6)
    logger.error("update of ticket %s failed (reference %s): %s", ticket_id, reference,
                 cause or error)
    return Unavailable(f"ticket {ticket_id} could not be updated (reference {reference}); "
                       "check it before trying again")
