"""SLA attainment: ``GET /reports/sla`` (JSON or CSV) and the ``/reports`` page."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.auth import Staff
from api.deps import SessionDep
from api.routes.pages import render_page
from api.web_auth import StaffPage
from reports.attainment import GROUP_BY, GroupBy, GroupFigures, Report, build_report, csv_rows
from sla.vocabulary import ClockName
from tickets.reports import report_period, report_tickets

router = APIRouter(tags=["reports"])

FromQuery = Annotated[str | None, Query(
    alias="from", max_length=64, description="Start of the period: a date (2026-11-01) or an "
    "ISO 8601 time (UTC without an offset). Default: four weeks before `to`.")]
ToQuery = Annotated[str | None, Query(
    alias="to", max_length=64, description="End of the period: a date is included whole "
    "(to=2026-11-30 ends at December 1st, 00:00 UTC); a time is excluded. Default: now.")]
GroupByQuery = Annotated[GroupBy, Query(description="What the tickets are grouped by.")]


def _report(session: SessionDep, start: str | None, end: str | None,
            group_by: GroupBy) -> Report:
    now = datetime.now(UTC)
    first, last = report_period(start, end, now)
    return build_report(report_tickets(session, first, last), first, last, group_by, now)


def report_json(report: Report) -> dict[str, Any]:
    return {
        "from": report.start.isoformat(), "to": report.end.isoformat(),
        "group_by": report.group_by,
        "groups": [group.as_dict() for group in report.groups],
        "total": report.total.as_dict(),
        "weeks": [week.as_dict() for week in report.weeks],
    }


def report_csv(report: Report) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(csv_rows(report))
    return out.getvalue()


@router.get("/reports/sla", responses={200: {"content": {"text/csv": {}}}})
def sla_report(
    session: SessionDep,
    caller: Staff,
    start: FromQuery = None,
    end: ToQuery = None,
    group_by: GroupByQuery = "plan",
    output_format: Annotated[Literal["json", "csv"] | None, Query(
        alias="format", description="csv or json; without it, `Accept: text/csv` asks for CSV")] = None,
    accept: Annotated[str | None, Header()] = None,
) -> Response:
    """Tickets created in the period: first responses and resolutions met or breached,
    first-response median and p90, escalations and pages by level, callbacks made within
    the limit, time paused waiting on the customer, and feedback ratings; per group, in
    total and per week. Computed from the recorded timelines (see docs/reports.md)."""
    report = _report(session, start, end, group_by)
    wants_csv = output_format == "csv" or (output_format is None and "text/csv" in (accept or ""))
    if wants_csv:
        name = f"sla-report-{report.start:%Y%m%d}-{report.end:%Y%m%d}-{group_by}.csv"
        return Response(report_csv(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return JSONResponse(report_json(report))


@dataclass(frozen=True)
class Bar:
    """One week in a chart: a met (lower) and a breached (upper) bar, in SVG units."""

    label: str
    x: float
    met: int
    breached: int
    met_height: float
    breached_height: float


CHART_HEIGHT = 160.0
BAR_STEP = 44.0


def weekly_bars(weeks: list[GroupFigures], clock: ClockName) -> list[Bar]:
    """Each week's met and breached counts of ``clock`` (first response or resolution)."""
    counts = [(week.key, getattr(week, f"{clock}_met"), getattr(week, f"{clock}_breached"))
              for week in weeks]
    tallest = max((met + breached for _, met, breached in counts), default=0) or 1
    scale = CHART_HEIGHT / tallest
    return [Bar(label=key, x=i * BAR_STEP, met=met, breached=breached,
                met_height=met * scale, breached_height=breached * scale)
            for i, (key, met, breached) in enumerate(counts)]


@router.get("/reports", response_class=HTMLResponse)
def reports_page(
    session: SessionDep,
    caller: StaffPage,
    start: FromQuery = None,
    end: ToQuery = None,
    group_by: GroupByQuery = "plan",
) -> HTMLResponse:
    """The same figures as ``/reports/sla``, with a chart per week."""
    report = _report(session, start, end, group_by)
    # The form's end date is the last day the period includes.
    last_day = (report.end - timedelta(microseconds=1)).date()
    return HTMLResponse(render_page(
        "reports.html", report=report, last_day=last_day, group_by_choices=GROUP_BY,
        charts=[("First responses", weekly_bars(report.weeks, ClockName.FIRST_RESPONSE)),
                ("Resolutions", weekly_bars(report.weeks, ClockName.RESOLUTION))],
        chart_height=CHART_HEIGHT, bar_step=BAR_STEP))
