"""A workflow step that keeps failing (the projection's database write, say): recorded on
the ticket, tried again with a growing pause, and never in the way of its deadlines.

A failing step is not a change of the ticket: it never bumps the state's version (nothing
new is to be written because of it), and the ticket's clocks go on as if it succeeded."""

from __future__ import annotations

from datetime import datetime, timedelta

from sla.ticket import deadlines, records
from sla.ticket.deadlines import Wakeup
from sla.ticket.state import StepFailure, TicketState
from sla.vocabulary import TimelineKind, WorkflowStep

#: The pause before the first retry round, doubled every round up to LONGEST_PAUSE: a
#: database back within a minute is written within a minute; one that refuses the data
#: for good costs one round an hour (an operator may fix it meanwhile).
FIRST_PAUSE = timedelta(minutes=1)
LONGEST_PAUSE = timedelta(hours=1)
#: An error is kept this long: enough to read it, never a payload's worth.
ERROR_LENGTH = 500


def step_failed(state: TicketState, step: WorkflowStep, error: str, now: datetime) -> None:
    """The step failed a round: record why, and when it is tried again."""
    failing = state.failing_step
    rounds = 1 if failing is None or failing.step != step else failing.rounds + 1
    pause = min(FIRST_PAUSE * 2 ** min(rounds - 1, 16), LONGEST_PAUSE)
    since = failing.since if failing is not None and failing.step == step else now
    state.failing_step = StepFailure(step=step, error=error[:ERROR_LENGTH], since=since,
                                     retry_at=now + pause, rounds=rounds)
    state.last_event = f"{step} failing since {since:%Y-%m-%d %H:%M} UTC: {error[:200]}"


def next_wakeup(state: TicketState) -> Wakeup | None:
    """The ticket's next wakeup (``deadlines.next_wakeup``) or the failing step's next try,
    whichever comes first: the workflow's one timer serves both."""
    deadline = deadlines.next_wakeup(state)
    failing = state.failing_step
    if failing is None or (deadline is not None and deadline.at <= failing.retry_at):
        return deadline
    return Wakeup(failing.retry_at, f"retry {failing.step}")


def step_succeeded(state: TicketState, step: WorkflowStep) -> None:
    if state.failing_step is not None and state.failing_step.step == step:
        state.failing_step = None


def may_try(state: TicketState, step: WorkflowStep, now: datetime) -> bool:
    """Whether the step may run now: not failing, or its pause is over."""
    failing = state.failing_step
    return failing is None or failing.step != step or now >= failing.retry_at


#: A ticket whose last write has failed this long completes without it: its workflow's
#: result and history keep the whole ticket, and the failure with it.
GIVE_UP_AFTER = timedelta(days=7)


def given_up(state: TicketState, now: datetime) -> bool:
    failing = state.failing_step
    return failing is not None and now - failing.since >= GIVE_UP_AFTER


NOTHING_FAILING = "no step of this ticket is failing: there is nothing to retry"


def refusal_retry(state: TicketState) -> str | None:
    return NOTHING_FAILING if state.failing_step is None else None


def retry_now(state: TicketState, now: datetime, actor: str) -> None:
    """An operator fixed the cause (the database is back, say): the failing step is tried
    again at once instead of after its pause. A change of its own (it is on the timeline),
    so the workflow wakes for it; the step's own outcome shows on the ticket as before."""
    failing = state.failing_step
    assert failing is not None, "refused by refusal_retry"
    failing.retry_at = now
    records.record(state, now, TimelineKind.STEP_RETRY_ASKED, actor,
                   f"{failing.step} tried again now (failing since "
                   f"{failing.since:%Y-%m-%d %H:%M} UTC, {failing.rounds} rounds)")
