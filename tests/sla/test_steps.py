"""A failing workflow step as pure functions: its record, its pause, and its place among
the ticket's wakeups; and the bounds a change's numbers are held to in the domain."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest

from sla.ticket import lifecycle, steps
from sla.ticket.changes import UpdateIntervalChange
from sla.vocabulary import WorkflowStep
from tests.support.domain import START, ticket

RECORD = WorkflowStep.RECORD_TICKET


def test_a_failing_step_is_tried_again_after_a_pause_that_doubles_up_to_an_hour() -> None:
    state = ticket("major")
    version = state.version
    pauses = []
    now = START
    for _ in range(9):
        steps.step_failed(state, RECORD, "connection refused", now)
        assert state.failing_step is not None
        pauses.append(state.failing_step.retry_at - now)
        now = state.failing_step.retry_at
    assert pauses == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)]
    failing = state.failing_step
    assert failing is not None and failing.since == START and failing.rounds == 9
    # Not a change of the ticket: nothing new to write because of it.
    assert state.version == version


def test_the_retry_is_one_of_the_tickets_wakeups_and_never_moves_a_deadline() -> None:
    state = ticket("major")
    warning = lifecycle.next_wakeup(state)
    assert warning is not None
    steps.step_failed(state, RECORD, "database is locked", START)
    wakeup = steps.next_wakeup(state)
    assert wakeup == lifecycle.Wakeup(START + timedelta(minutes=1), "retry record_ticket")
    # What falls due is still only the deadlines: a retry is nothing for advance to do.
    assert lifecycle.next_wakeup(state) == warning
    assert not steps.may_try(state, RECORD, START + timedelta(seconds=59))
    assert steps.may_try(state, RECORD, START + timedelta(minutes=1))
    steps.step_succeeded(state, RECORD)
    assert state.failing_step is None
    assert steps.next_wakeup(state) == warning


def test_an_error_kept_on_the_ticket_is_bounded_and_a_last_write_is_given_up_after_a_week() -> None:
    state = ticket("major")
    steps.step_failed(state, RECORD, "x" * 100_000, START)
    assert state.failing_step is not None and len(state.failing_step.error) == steps.ERROR_LENGTH
    assert not steps.given_up(state, START + timedelta(days=6, hours=23))
    assert steps.given_up(state, START + timedelta(days=7))


@pytest.mark.parametrize("seconds", [0, 1e-7, 59, 90 * 86400 + 1, 1e300, math.inf, math.nan,
                                     -60])
def test_an_update_interval_out_of_bounds_is_refused_by_the_ticket_itself(seconds: float) -> None:
    state = ticket("major")
    refusal = UpdateIntervalChange(seconds=seconds, author="ana").refusal(state)
    assert refusal == "an update interval is between 1m and 90d"
    with pytest.raises(lifecycle.TransitionRefused):
        lifecycle.set_update_interval(state, START, seconds, "ana")
    assert state.update_interval_seconds is None


@pytest.mark.parametrize("seconds", [60, 3600, 90 * 86400])
def test_an_update_interval_within_bounds_is_taken(seconds: float) -> None:
    state = ticket("major")
    assert UpdateIntervalChange(seconds=seconds, author="ana").refusal(state) is None
