"""What people see in a browser: the Temporal Web UI's ticket workflow, and /queue."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.async_api import Browser, Page, expect

from tests.support.browser import UiStack, new_key, sign_in, web_ui
from tests.support.stack import wait_for

pytestmark = pytest.mark.browser


async def shown(page: Page, text: str, timeout: float = 30) -> None:
    """Wait until ``text`` is in the page or one of its frames."""
    for _ in range(int(timeout * 4)):
        for frame in page.frames:
            if text in await frame.inner_text("body"):
                return
        await page.wait_for_timeout(250)
    raise AssertionError(f"{text!r} not shown")


async def open_tickets(stack: UiStack, name: str) -> dict[str, str]:
    customer = (await stack.http.post("/customers", json={
        "name": name, "plan": "fast", "tam_name": "Tess", "tam_email": "t@example.com"})).json()
    ids = {"customer": str(customer["id"])}
    for severity in ("minor", "critical"):
        ids[severity] = (await stack.http.post("/tickets", json={
            "customer_id": customer["id"], "subject": f"{severity} problem at {name}",
            "description": "x", "severity": severity})).json()["id"]
    return ids


async def test_the_web_ui_finds_a_ticket_and_shows_its_summary_and_details(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    ids = await open_tickets(ui_stack, "Browser Co")
    ticket_id = ids["minor"]
    context, page = await web_ui(browser, ui_stack, await new_key(ui_stack, "agent", "Olga"))
    query = quote(f"TicketId = '{ticket_id}'")
    await page.goto(f"{ui_stack.ui_url}/namespaces/default/workflows?query={query}")
    link = page.get_by_role("link", name=ticket_id)
    await expect(link).to_be_visible(timeout=30_000)
    await page.screenshot(path=str(artifacts / "temporal-ui-search.png"), full_page=True)
    await link.first.click()
    # Timers are named after what they wait for.
    await expect(page.get_by_text("first response warning").first).to_be_visible(timeout=30_000)
    await page.screenshot(path=str(artifacts / "temporal-ui-ticket.png"), full_page=True)
    await page.get_by_text("User Metadata", exact=True).first.click()
    # The UI renders summary and details as Markdown inside sandboxed frames.
    await shown(page, "minor problem at Browser Co · Browser Co · minor")
    await shown(page, f"customer Browser Co (#{ids['customer']}) · plan fast")
    await shown(page, "first response: running, due")
    await shown(page, "Open in the console")  # and back: the link to the ticket's page
    await page.screenshot(path=str(artifacts / "temporal-ui-metadata.png"), full_page=True)
    await context.close()
    # Someone with Web UI access but no staff session reads ciphertext only: the codec
    # server refuses them, and neither the timers' names nor the ticket's words show.
    stranger, page = await web_ui(browser, ui_stack, None)
    await page.goto(f"{ui_stack.ui_url}/namespaces/default/workflows/{ticket_id}")
    await expect(page.get_by_text("Workflow Type").first).to_be_visible(timeout=30_000)
    await page.wait_for_timeout(3000)
    for frame in page.frames:
        body = await frame.inner_text("body")
        assert "Browser Co" not in body and "first response warning" not in body
    await page.screenshot(path=str(artifacts / "temporal-ui-no-session.png"), full_page=True)
    await stranger.close()


async def test_the_queue_orders_by_due_time_and_highlights_breaches(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    ids = await open_tickets(ui_stack, "Queue Browser Co")

    async def breached() -> bool:
        return bool((await ui_stack.http.get(f"/tickets/{ids['critical']}")).json()["breached"])

    await wait_for(breached)
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Pat 1"),
                                  start="/queue")
    rows = await page.locator("tr.ticket").evaluate_all(
        """rows => rows.map(row => ({id: row.dataset.ticket,
                                     breached: row.classList.contains('breached'),
                                     due: row.querySelector('td[data-due]')?.dataset.due}))""")
    order = [row["id"] for row in rows]
    assert order.index(ids["critical"]) < order.index(ids["minor"])
    # Breached tickets first; the rest by next due time.
    flags = [row["breached"] for row in rows]
    assert flags == sorted(flags, reverse=True)
    waiting = [row["due"] for row in rows if not row["breached"]]
    assert waiting == sorted(waiting)
    critical = page.locator(f'tr[data-ticket="{ids["critical"]}"]')
    await expect(critical).to_have_class("ticket breached")
    background = await critical.evaluate("row => getComputedStyle(row).backgroundColor")
    assert background == "rgb(253, 232, 232)"
    # The browser counts down (its next due clock is the resolution, an hour away).
    left = critical.locator("td.left")
    await expect(left).to_have_text(re.compile(r"^00:5\d:\d\d$"))
    before = await left.inner_text()
    await page.wait_for_timeout(1500)
    assert await left.inner_text() < before
    await page.screenshot(path=str(artifacts / "queue.png"), full_page=True)
    await critical.get_by_role("link", name=ids["critical"]).click()
    await expect(page.get_by_text("SLA breached")).to_be_visible()
    await context.close()


async def test_the_report_page_charts_each_week_and_regroups(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    ids = await open_tickets(ui_stack, "Report Browser Co")
    await ui_stack.http.post(f"/tickets/{ids['minor']}/responses",
                             json={"author": "ana", "body": "looking"})

    async def breached() -> bool:
        return bool((await ui_stack.http.get(f"/tickets/{ids['critical']}")).json()["breached"])

    await wait_for(breached)
    # The day the tickets were opened (a date as `to` includes that day).
    today = (await ui_stack.http.get(f"/tickets/{ids['minor']}")).json()["created_at"][:10]
    params = {"from": today, "to": today}
    expected = (await ui_stack.http.get("/reports/sla", params=params)).json()
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Pat 2"),
                                  start=f"/reports?from={params['from']}&to={params['to']}")
    total = page.locator('tr.total')
    await expect(total.locator("td.tickets")).to_have_text(str(expected["total"]["tickets"]))
    await expect(total.locator("td.fr-breached")).to_have_text(
        str(expected["total"]["first_response"]["breached"]))
    assert expected["total"]["first_response"]["breached"] >= 1
    # One bar per week; the week of today carries the breach, drawn in red above the met part.
    chart = page.locator('svg[data-chart="First responses"]')
    weeks = chart.locator("g.week")
    await expect(weeks).to_have_count(len(expected["weeks"]))
    week = weeks.last
    assert await week.get_attribute("data-breached") == str(
        expected["weeks"][-1]["first_response"]["breached"])
    red = week.locator("rect.breached")
    assert float(await red.get_attribute("height") or 0) > 0
    assert await red.evaluate("r => getComputedStyle(r).fill") == "rgb(198, 40, 40)"
    box = await red.bounding_box()
    assert box is not None and box["height"] > 0
    await page.screenshot(path=str(artifacts / "reports.png"), full_page=True)
    # Regrouping through the form keeps the period.
    await page.select_option('select[name="group_by"]', "severity")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator('tr.group[data-key="critical"]')).to_be_visible()
    assert "group_by=severity" in page.url and f"to={params['to']}" in page.url
    await context.close()


async def test_the_ticket_page_and_the_web_ui_label_internal_targets(
    browser: Browser, ui_stack: UiStack, artifacts: Path
) -> None:
    customer = (await ui_stack.http.post("/customers", json={
        "name": "Internal Target Co", "plan": "ola"})).json()
    ticket_id = (await ui_stack.http.post("/tickets", json={
        "customer_id": customer["id"], "subject": "Webhooks late at Internal Target Co",
        "description": "x", "severity": "major"})).json()["id"]
    context, page = await sign_in(browser, ui_stack, await new_key(ui_stack, "agent", "Pat 3"),
                                  start=f"/queue/tickets/{ticket_id}")
    rows = page.locator("#clocks tbody tr")
    first = rows.filter(has_text="first_response")
    await expect(first.locator("td.kind")).to_contain_text("internal target")
    await expect(first.locator("td.kind")).to_contain_text("not promised to the customer")
    await expect(rows.filter(has_text="resolution").locator("td.kind")).to_have_text("commitment")
    await page.screenshot(path=str(artifacts / "ticket-internal-target.png"), full_page=True)
    await context.close()

    operator, ui = await web_ui(browser, ui_stack, await new_key(ui_stack, "agent", "Olga 2"))
    await ui.goto(f"{ui_stack.ui_url}/namespaces/default/workflows/{ticket_id}")
    await ui.get_by_text("User Metadata", exact=True).first.click()
    await shown(ui, "first response (internal target):")
    await operator.close()
