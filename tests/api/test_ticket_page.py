"""The agents' ticket page: messages held for their recipient's hours, coverage."""

from __future__ import annotations

import pytest

from api.presenters import public
from api.routes.pages import _pages, duration
from sla.ticket.view import view
from tests.support.domain import MONDAY_23, REQUESTED_AT, slot_request, warned_at_night

pytestmark = pytest.mark.pure


def test_the_ticket_page_lists_held_messages_with_their_send_time() -> None:
    ticket = public(view(warned_at_night(), MONDAY_23))
    html = _pages.get_template("ticket.html").render(ticket=ticket, workflow_url="http://ui")
    assert "Held until their recipient's hours" in html
    assert "<td>sla_warning</td><td>Tess (tam)</td><td>email</td><td>2026-03-03 08:00</td>" in html
    assert f"policy p.toml@{ticket.policy_hash}" in html


def test_durations_read_in_two_units() -> None:
    assert [duration(s) for s in (None, 0, 0.4, 42, 250, 3900, 2 * 86400 + 3 * 3600 + 59)] == [
        "-", "0s", "<1s", "42s", "4m 10s", "1h 05m", "2d 03h"]


def test_the_ticket_page_says_when_a_request_waits_for_a_slot() -> None:
    waiting = public(view(slot_request(), REQUESTED_AT))
    html = _pages.get_template("ticket.html").render(ticket=waiting, workflow_url="http://ui")
    assert "not covered: waiting for a support slot" in html
    free = public(view(slot_request("recommendations", covered=None), REQUESTED_AT))
    html = _pages.get_template("ticket.html").render(ticket=free, workflow_url="http://ui")
    assert "recommendations only" in html and 'id="coverage"' not in html
