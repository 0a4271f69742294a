"""SLA reports through the API: figures worked out by hand on recorded tickets, figures
that match what live tickets show, CSV read back, and refusals of a bad period."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from reports.attainment import ReportTicket
from store.db import make_engine
from store.models import Ticket, TimelineEvent
from tests.support import report_tickets as fixed
from tests.support.stack import Stack, customer, ticket_body, wait_for

pytestmark = pytest.mark.e2e

#: The hand-worked tickets of the unit tests, 52 weeks earlier (weekdays stay the same),
#: so no live ticket of the run falls in their period.
SHIFT = timedelta(days=364)
START, END = fixed.START - SHIFT, fixed.END - SHIFT


def record(stack: Stack, tickets: list[ReportTicket], customers: dict[str, int]) -> None:
    """Write the tickets as the workflow's projection would have."""
    with Session(make_engine(stack.settings.database_url)) as session:
        for item in tickets:
            session.add(Ticket(
                id=f"{item.ticket_id}-{customers[item.customer]}",
                customer_id=customers[item.customer], subject="recorded", severity=item.severity,
                type="incident", channel="api", plan=item.plan, status="open",
                assignee_name=item.agent, first_response_state=item.first_response_state,
                resolution_state=item.resolution_state, created_at=item.created_at - SHIFT))
        session.flush()
        for item in tickets:
            for seq, entry in enumerate(item.timeline, start=1):
                session.add(TimelineEvent(
                    ticket_id=f"{item.ticket_id}-{customers[item.customer]}", seq=seq,
                    at=entry.at - SHIFT, kind=entry.kind, actor="system", detail=entry.detail,
                    clock=entry.clock, level=entry.level, rating=entry.rating))
        session.commit()


async def test_figures_of_recorded_tickets_are_the_hand_worked_ones(stack: Stack) -> None:
    customers = {"Acme": await customer(stack, name="Report Acme"),
                 "Globex": await customer(stack, name="Report Globex")}
    record(stack, fixed.TICKETS, customers)
    # A date as `to` includes that day: the last day is the Sunday before END.
    last_day = (END - timedelta(days=1)).date().isoformat()
    response = await stack.http.get("/reports/sla", params={
        "from": START.date().isoformat(), "to": last_day, "group_by": "plan"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert (report["from"], report["to"]) == (START.isoformat(), END.isoformat())
    groups = {group["key"]: group for group in report["groups"]}
    assert list(groups) == ["basic", "premium"]
    premium, basic = groups["premium"], groups["basic"]
    assert premium["tickets"] == 2 and basic["tickets"] == 2
    assert premium["first_response"] == {"met": 1, "breached": 1, "attainment": 0.5,
                                         "answered": 2, "median_seconds": 2100.0,
                                         "p90_seconds": 3600.0}
    assert premium["resolution"] == {"met": 1, "breached": 0, "attainment": 1.0}
    assert premium["escalations_by_level"] == {"1": 1, "2": 1}
    # The second ticket still waits on the customer: counted up to the period's end.
    assert premium["paused_seconds"] == 3600.0 + 12.5 * 86400
    assert premium["feedback"]["average"] == 4.0
    assert basic["callbacks"] == {"owed": 2, "made": 2, "within_limit": 1}
    assert basic["pages_by_level"] == {"1": 1}
    assert report["total"]["first_response"]["median_seconds"] == 1200.0
    assert [(week["key"], week["tickets"]) for week in report["weeks"]] == [
        ((START).date().isoformat(), 2), ((START + timedelta(days=7)).date().isoformat(), 2)]

    by_customer = (await stack.http.get("/reports/sla", params={
        "from": START.isoformat(), "to": END.isoformat(), "group_by": "customer"})).json()
    assert {group["key"]: group["tickets"] for group in by_customer["groups"]} == {
        f"Report Acme (#{customers['Acme']})": 2, f"Report Globex (#{customers['Globex']})": 2}


def parsed_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


async def test_csv_reads_back_as_the_json_figures(stack: Stack) -> None:
    params = {"from": START.isoformat(), "to": END.isoformat(), "group_by": "agent"}
    as_json = (await stack.http.get("/reports/sla", params=params)).json()
    as_csv = await stack.http.get("/reports/sla", params={**params, "format": "csv"})
    assert as_csv.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = parsed_csv(as_csv.text)
    assert [row["agent"] for row in rows] == [*(g["key"] for g in as_json["groups"]), "total"]
    for row, group in zip(rows, [*as_json["groups"], as_json["total"]], strict=True):
        assert int(row["tickets"]) == group["tickets"]
        assert int(row["first_response_met"]) == group["first_response"]["met"]
        assert int(row["first_response_breached"]) == group["first_response"]["breached"]
        median = group["first_response"]["median_seconds"]
        assert row["first_response_median_seconds"] == ("" if median is None else str(median))
        assert float(row["paused_seconds"]) == group["paused_seconds"]
        for level, count in group["escalations_by_level"].items():
            assert int(row[f"escalations_level_{level}"]) == count
    accepted = await stack.http.get("/reports/sla", params=params,
                                    headers={"Accept": "text/csv"})
    assert parsed_csv(accepted.text) == rows


async def test_live_tickets_are_counted_as_they_show(stack: Stack) -> None:
    started = datetime.now(UTC) - timedelta(seconds=1)
    customer_id = await customer(stack, name="Report Live")
    late = (await stack.http.post("/tickets", json=ticket_body(
        customer_id, severity="critical", subject="down"))).json()
    answered = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()
    url = f"/tickets/{answered['id']}"
    await stack.http.post(f"{url}/responses", json={"author": "ana", "body": "on it"})
    await stack.http.post(f"{url}/resolution", json={"author": "ana", "summary": "fixed"})
    await stack.http.post(f"{url}/confirmation", json={})
    assert (await stack.http.post(f"{url}/feedback", json={"rating": 5})).status_code == 200

    async def views() -> list[dict[str, Any]] | None:
        shown = [(await stack.http.get(f"/tickets/{t['id']}")).json() for t in (late, answered)]
        return shown if shown[0]["breached"] and shown[1]["feedback"] else None

    late_view, answered_view = await wait_for(views)

    async def timeline(ticket_id: str) -> list[dict[str, Any]]:
        return (await stack.http.get(f"/tickets/{ticket_id}/timeline")).json()  # type: ignore[no-any-return]

    async def reported() -> dict[str, Any] | None:
        report = (await stack.http.get("/reports/sla", params={
            "from": started.isoformat(), "to": (datetime.now(UTC) + timedelta(hours=1)).isoformat(),
            "group_by": "customer"})).json()
        group = next(g for g in report["groups"] if g["key"] == f"Report Live (#{customer_id})")
        # The projection catches up with the escalation a moment after the breach.
        return group if group["escalations_by_level"] else None

    group = await wait_for(reported)
    answered_timeline = await timeline(answered["id"])
    first_answer = next(datetime.fromisoformat(e["at"]) for e in answered_timeline
                        if e["kind"] == "agent_response")
    clock_states = {view["id"]: {c["name"]: c["state"] for c in view["clocks"]}
                    for view in (late_view, answered_view)}
    assert clock_states[late["id"]]["first_response"] == "breached"
    assert clock_states[answered["id"]]["first_response"] == "met"
    assert group["tickets"] == 2
    assert group["first_response"]["met"] == 1 and group["first_response"]["breached"] == 1
    waited = (first_answer - datetime.fromisoformat(answered_view["created_at"])).total_seconds()
    assert group["first_response"]["median_seconds"] == pytest.approx(waited, abs=1e-3)
    escalations = [e for e in await timeline(late["id"]) if e["kind"] == "escalated"]
    assert group["escalations_by_level"] == {"1": len(escalations)}
    assert group["resolution"]["met"] == 1
    assert group["feedback"]["ratings"] == 1 and group["feedback"]["average"] == 5.0

    async def logged_as_reported() -> tuple[int, int] | None:
        # This stack has no mail server: every message of the two tickets is only logged.
        outbox = [row for ticket in (late, answered) for row in
                  (await stack.http.get(f"/tickets/{ticket['id']}/notifications")).json()]
        if any(row["status"] != "logged" for row in outbox):
            return None
        now = await reported()
        return (len(outbox), now["messages_logged"]) if now else None

    messages, reported_logged = await wait_for(logged_as_reported)
    assert messages >= 3 and reported_logged == messages


@pytest.mark.parametrize(("params", "message"), [
    ({"from": "2026-02-01", "to": "2026-01-01"}, "must be before"),
    ({"from": "2024-01-01", "to": "2026-01-01"}, "at most 367 days"),
    ({"group_by": "planet"}, "plan"),
    ({"from": "yesterday"}, "is not a date"),
    ({"to": "2026-13-01"}, "is not a date"),
    ({"format": "xml"}, "csv"),
])
async def test_a_bad_period_or_grouping_is_a_clear_422(
    stack: Stack, params: dict[str, str], message: str
) -> None:
    response = await stack.http.get("/reports/sla", params=params)
    assert response.status_code == 422, response.text
    assert message in response.text


async def test_the_report_page_shows_the_figures(stack: Stack) -> None:
    page = await stack.http.get("/reports", params={
        "from": START.isoformat(), "to": END.isoformat()})
    assert page.status_code == 200
    assert 'data-key="premium"' in page.text and 'data-key="total"' in page.text
    assert '<svg class="chart" data-chart="First responses"' in page.text
    # The form offers the same period again: its end date is the last day included.
    assert f'name="to" value="{(END - timedelta(days=1)).date().isoformat()}"' in page.text
