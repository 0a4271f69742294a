"""The queue page, read as HTML (the browser tests look at it rendered)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stack.temporal import DevServer
from tests.support.stack import running_api, running_worker, stack_settings, wait_for

pytestmark = pytest.mark.e2e


async def test_the_queue_lists_open_tickets_by_next_due_time_breached_first(
    dev_server: DevServer, tmp_path: Path
) -> None:
    settings = stack_settings(dev_server, tmp_path, temporal_ui_url="http://ui.example:8233")
    async with running_worker(settings), running_api(settings) as http:
        customer = (await http.post("/customers", json={
            "name": "Queue & Co", "plan": "fast", "tam_name": "Tess",
            "tam_email": "t@example.com"})).json()
        ids = {}
        for severity in ("minor", "critical", "major"):
            ids[severity] = (await http.post("/tickets", json={
                "customer_id": customer["id"], "subject": f"{severity} <thing>",
                "description": "x", "severity": severity})).json()["id"]

        async def breached() -> bool:
            ticket = (await http.get(f"/tickets/{ids['critical']}")).json()
            return bool(ticket["breached"])

        await wait_for(breached)  # the fast policy breaches critical tickets after 3s
        page = (await http.get("/queue")).text
        order = re.findall(r'data-ticket="([^"]+)"', page)
        # The breached critical ticket first, then the others by next due time.
        assert order[0] == ids["critical"]
        assert set(order) == set(ids.values())
        assert f'<tr class="ticket breached" data-ticket="{ids["critical"]}">' in page
        assert "&lt;thing&gt;" in page and "<thing>" not in page  # escaped
        assert f"http://ui.example:8233/namespaces/default/workflows/{ids['minor']}" in page
        assert "3 open tickets" in page
        ticket_page = (await http.get(f"/queue/tickets/{ids['critical']}")).text
        assert "SLA breached" in ticket_page
