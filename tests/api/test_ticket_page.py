"""The agents' ticket page shows messages held for their recipient's hours."""

from __future__ import annotations

from api.routes.pages import _pages
from api.ticket_commands import public
from sla.view import view
from tests.sla.test_retarget import MONDAY_23, warned_at_night


def test_the_ticket_page_lists_held_messages_with_their_send_time() -> None:
    ticket = public(view(warned_at_night(), MONDAY_23))
    html = _pages.get_template("ticket.html").render(ticket=ticket, workflow_url="http://ui")
    assert "Held until their recipient's hours" in html
    assert "<td>sla_warning</td><td>Tess (tam)</td><td>email</td><td>2026-03-03 08:00</td>" in html
    assert f"policy p.toml@{ticket.policy_hash}" in html
