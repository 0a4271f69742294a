"""SLA attainment figures, computed from the tickets' recorded timelines.

Pure: the API reads the rows and hands them here. A ticket belongs to the report when it
was created in the period, and to the group of its plan, customer, current severity or
assignee. Each figure is what the ticket's own timeline and clocks show:

- first response: the first human answer (an agent's response, a callback, a proposed
  resolution); its time is wall-clock time from creation, the wait the customer saw;
  the clock is *breached* when the timeline has its breach, *met* when it stopped in time;
- resolution: the same, for the resolution clock;
- only commitments (targets the contract states) count in these two attainments; a clock
  that ran toward an internal target (an assumption, an OLA) counts apart, in
  ``internal_targets``, and never as a breach of the customer's SLA;
- escalations and pages, by level;
- callbacks: each callback owed for an emergency call, made or not, within the limit
  when no callback breach came first;
- time paused: time spent waiting on the customer (the resolving clocks stand still);
- feedback: the ratings given at closure (the feedback entries' ``rating``, never their words);
- messages logged: messages only written to the log because their channel was not
  configured (nobody received them).

Median is the middle value (the mean of the two middle ones for an even count); p90 is
the nearest-rank 90th percentile: the smallest time at or above 90 % of the times.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sla.vocabulary import STATUS_KINDS, ClockName, ClockState, TimelineKind

GroupBy = Literal["plan", "customer", "severity", "agent"]
GROUP_BY: tuple[GroupBy, ...] = ("plan", "customer", "severity", "agent")
UNASSIGNED = "(unassigned)"

#: Entries that answer the customer for the first time, whichever comes first.
FIRST_ANSWERS = frozenset({TimelineKind.AGENT_RESPONSE, TimelineKind.CALLBACK_MADE,
                           TimelineKind.STATUS_RESOLUTION_PROPOSED})


@dataclass(frozen=True)
class ReportEntry:
    at: datetime
    #: A ``TimelineKind``; ``clock`` a ``ClockName``.
    kind: str
    detail: str = ""
    clock: str | None = None
    level: int | None = None
    #: A feedback entry's rating (1-5); None for other entries.
    rating: int | None = None


@dataclass(frozen=True)
class ReportTicket:
    ticket_id: str
    created_at: datetime
    plan: str
    customer: str
    severity: str
    agent: str | None
    #: The clocks' states as the ticket shows them (None: the ticket has no such clock).
    first_response_state: str | None
    resolution_state: str | None
    #: In sequence order.
    timeline: tuple[ReportEntry, ...]
    #: The clocks that ran toward internal targets (not commitments to the customer).
    internal_clocks: frozenset[str] = frozenset()
    #: Messages of the ticket only written to the log (no channel configured).
    logged_messages: int = 0


#: ``ClockState.MET`` or ``ClockState.BREACHED``; None: neither (yet).
ClockOutcome = ClockState | None


@dataclass(frozen=True)
class TicketFigures:
    first_response_seconds: float | None
    first_response: ClockOutcome
    resolution: ClockOutcome
    escalations: Counter[int]
    pages: Counter[int]
    callbacks_owed: int
    callbacks_made: int
    callbacks_within_limit: int
    paused_seconds: float
    ratings: tuple[int, ...]
    internal_first_response: ClockOutcome = None
    internal_resolution: ClockOutcome = None
    logged_messages: int = 0


def _outcome(ticket: ReportTicket, clock: str, state: str | None) -> ClockOutcome:
    if any(e.kind == TimelineKind.SLA_BREACH and e.clock == clock for e in ticket.timeline):
        return ClockState.BREACHED
    return ClockState.MET if state == ClockState.MET else None


def _callbacks(timeline: Iterable[ReportEntry]) -> tuple[int, int, int]:
    owed = made = within = 0
    pending, late = False, False
    for entry in timeline:
        if entry.kind == TimelineKind.EMERGENCY_CALL and not pending:
            owed, pending, late = owed + 1, True, False
        elif entry.kind == TimelineKind.CALLBACK_ALREADY_PENDING:
            continue
        elif entry.kind == TimelineKind.SLA_BREACH and entry.clock == ClockName.CALLBACK:
            late = True
        elif entry.kind == TimelineKind.CALLBACK_MADE and pending:
            made, pending = made + 1, False
            within += 0 if late else 1
    return owed, made, within


def _paused_seconds(ticket: ReportTicket, as_of: datetime) -> float:
    paused, since = 0.0, None
    for entry in ticket.timeline:
        if entry.kind not in STATUS_KINDS:
            continue
        if since is not None:
            paused += max((entry.at - since).total_seconds(), 0.0)
            since = None
        if entry.kind == TimelineKind.STATUS_WAITING_ON_CUSTOMER:
            since = entry.at
    if since is not None:
        paused += max((as_of - since).total_seconds(), 0.0)
    return paused


def ticket_figures(ticket: ReportTicket, as_of: datetime) -> TicketFigures:
    """One ticket's figures; ``as_of`` ends a wait on the customer that has not ended."""
    answered = next((e.at for e in ticket.timeline if e.kind in FIRST_ANSWERS), None)
    owed, made, within = _callbacks(ticket.timeline)
    ratings = tuple(e.rating for e in ticket.timeline
                    if e.kind == TimelineKind.FEEDBACK and e.rating is not None)
    first_response = _outcome(ticket, ClockName.FIRST_RESPONSE, ticket.first_response_state)
    resolution = _outcome(ticket, ClockName.RESOLUTION, ticket.resolution_state)
    internal = ticket.internal_clocks
    first_internal = ClockName.FIRST_RESPONSE in internal
    resolution_internal = ClockName.RESOLUTION in internal
    return TicketFigures(
        first_response_seconds=(answered - ticket.created_at).total_seconds()
        if answered is not None else None,
        first_response=None if first_internal else first_response,
        resolution=None if resolution_internal else resolution,
        internal_first_response=first_response if first_internal else None,
        internal_resolution=resolution if resolution_internal else None,
        logged_messages=ticket.logged_messages,
        escalations=Counter(e.level for e in ticket.timeline
                            if e.kind == TimelineKind.ESCALATED and e.level is not None),
        pages=Counter(e.level for e in ticket.timeline
                      if e.kind == TimelineKind.PAGED and e.level is not None),
        callbacks_owed=owed, callbacks_made=made, callbacks_within_limit=within,
        paused_seconds=_paused_seconds(ticket, as_of),
        ratings=ratings,
    )


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def nearest_rank(values: list[float], percent: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(percent / 100 * len(ordered)), 1) - 1]


def attainment(met: int, breached: int) -> float | None:
    """The share of decided clocks that were met, 0-1 (None: none decided yet)."""
    return round(met / (met + breached), 4) if met + breached else None


@dataclass
class GroupFigures:
    key: str
    tickets: int = 0
    first_response_met: int = 0
    first_response_breached: int = 0
    first_response_times: list[float] = field(default_factory=list)
    resolution_met: int = 0
    resolution_breached: int = 0
    escalations: Counter[int] = field(default_factory=Counter)
    pages: Counter[int] = field(default_factory=Counter)
    callbacks_owed: int = 0
    callbacks_made: int = 0
    callbacks_within_limit: int = 0
    paused_seconds: float = 0.0
    ratings: list[int] = field(default_factory=list)
    internal_first_response_met: int = 0
    internal_first_response_breached: int = 0
    internal_resolution_met: int = 0
    internal_resolution_breached: int = 0
    messages_logged: int = 0

    def add(self, figures: TicketFigures) -> None:
        self.tickets += 1
        if figures.first_response_seconds is not None:
            self.first_response_times.append(figures.first_response_seconds)
        met, breached = ClockState.MET, ClockState.BREACHED
        self.first_response_met += figures.first_response == met
        self.first_response_breached += figures.first_response == breached
        self.resolution_met += figures.resolution == met
        self.resolution_breached += figures.resolution == breached
        self.internal_first_response_met += figures.internal_first_response == met
        self.internal_first_response_breached += figures.internal_first_response == breached
        self.internal_resolution_met += figures.internal_resolution == met
        self.internal_resolution_breached += figures.internal_resolution == breached
        self.messages_logged += figures.logged_messages
        self.escalations.update(figures.escalations)
        self.pages.update(figures.pages)
        self.callbacks_owed += figures.callbacks_owed
        self.callbacks_made += figures.callbacks_made
        self.callbacks_within_limit += figures.callbacks_within_limit
        self.paused_seconds += figures.paused_seconds
        self.ratings.extend(figures.ratings)

    def first_response_median(self) -> float | None:
        return median(self.first_response_times)

    def first_response_p90(self) -> float | None:
        return nearest_rank(self.first_response_times, 90)

    def rating_average(self) -> float | None:
        return round(statistics.fmean(self.ratings), 2) if self.ratings else None

    def as_dict(self) -> dict[str, object]:
        return {
            "key": self.key,
            "tickets": self.tickets,
            ClockName.FIRST_RESPONSE.value: {
                "met": self.first_response_met, "breached": self.first_response_breached,
                "attainment": attainment(self.first_response_met, self.first_response_breached),
                "answered": len(self.first_response_times),
                "median_seconds": self.first_response_median(),
                "p90_seconds": self.first_response_p90(),
            },
            ClockName.RESOLUTION.value: {
                "met": self.resolution_met, "breached": self.resolution_breached,
                "attainment": attainment(self.resolution_met, self.resolution_breached),
            },
            "internal_targets": {
                "note": "targets the contract does not state (the team's assumptions): never "
                        "promised to the customer, not counted in the attainment above",
                ClockName.FIRST_RESPONSE.value: {
                    "met": self.internal_first_response_met,
                    "missed": self.internal_first_response_breached,
                    "attainment": attainment(self.internal_first_response_met,
                                             self.internal_first_response_breached),
                },
                ClockName.RESOLUTION.value: {
                    "met": self.internal_resolution_met,
                    "missed": self.internal_resolution_breached,
                    "attainment": attainment(self.internal_resolution_met,
                                             self.internal_resolution_breached),
                },
            },
            "messages_logged": self.messages_logged,
            "escalations_by_level": {str(level): n for level, n in sorted(self.escalations.items())},
            "pages_by_level": {str(level): n for level, n in sorted(self.pages.items())},
            "callbacks": {"owed": self.callbacks_owed, "made": self.callbacks_made,
                          "within_limit": self.callbacks_within_limit},
            "paused_seconds": round(self.paused_seconds, 3),
            "feedback": {
                "ratings": len(self.ratings),
                "average": self.rating_average(),
                "by_rating": {str(r): self.ratings.count(r) for r in range(1, 6)},
            },
        }


def week_of(at: datetime) -> datetime:
    """The Monday 00:00 (in ``at``'s zone) that starts its ISO week."""
    day = at.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def _group_key(ticket: ReportTicket, group_by: GroupBy) -> str:
    if group_by == "agent":
        return ticket.agent or UNASSIGNED
    value: str = getattr(ticket, group_by)
    return value


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    group_by: GroupBy
    groups: list[GroupFigures]
    total: GroupFigures
    weeks: list[GroupFigures]


def _grouped(tickets: Iterable[tuple[ReportTicket, TicketFigures]],
             key: Callable[[ReportTicket], str]) -> dict[str, GroupFigures]:
    groups: dict[str, GroupFigures] = {}
    for ticket, figures in tickets:
        name = key(ticket)
        groups.setdefault(name, GroupFigures(key=name)).add(figures)
    return groups


def build_report(tickets: Iterable[ReportTicket], start: datetime, end: datetime,
                 group_by: GroupBy, now: datetime) -> Report:
    """Figures of the tickets created in [start, end), grouped, in total and per week.

    Every week that overlaps the period is listed, empty ones too, so a chart shows gaps.
    """
    as_of = min(end, now)
    figured = [(t, ticket_figures(t, as_of)) for t in tickets if start <= t.created_at < end]
    groups = _grouped(figured, lambda t: _group_key(t, group_by))
    total = GroupFigures(key="total")
    for _ticket, figures in figured:
        total.add(figures)
    by_week = _grouped(figured, lambda t: week_of(t.created_at).date().isoformat())
    weeks, monday = [], week_of(start)
    while monday < end:
        name = monday.date().isoformat()
        weeks.append(by_week.get(name, GroupFigures(key=name)))
        monday += timedelta(days=7)
    return Report(start=start, end=end, group_by=group_by,
                  groups=[groups[name] for name in sorted(groups)], total=total, weeks=weeks)


def csv_header(report: Report) -> list[str]:
    levels = sorted({level for g in report.groups for level in g.escalations})
    page_levels = sorted({level for g in report.groups for level in g.pages})
    return [
        report.group_by, "tickets",
        "first_response_met", "first_response_breached", "first_response_attainment",
        "first_response_median_seconds", "first_response_p90_seconds",
        "resolution_met", "resolution_breached", "resolution_attainment",
        "internal_first_response_met", "internal_first_response_missed",
        "internal_resolution_met", "internal_resolution_missed",
        *(f"escalations_level_{level}" for level in levels),
        *(f"pages_level_{level}" for level in page_levels),
        "callbacks_owed", "callbacks_made", "callbacks_within_limit",
        "paused_seconds", "ratings", "rating_average", "messages_logged",
    ]


def csv_rows(report: Report) -> list[list[str]]:
    """The header, one row per group and a last ``total`` row; empty cells where there is
    no figure (no answered ticket, no rating)."""
    header = csv_header(report)
    levels = [int(name.rsplit("_", 1)[1]) for name in header
              if name.startswith("escalations_level_")]
    page_levels = [int(name.rsplit("_", 1)[1]) for name in header
                   if name.startswith("pages_level_")]
    rows = [header]
    for group in [*report.groups, report.total]:
        row: list[object] = [
            group.key, group.tickets,
            group.first_response_met, group.first_response_breached,
            attainment(group.first_response_met, group.first_response_breached),
            group.first_response_median(), group.first_response_p90(),
            group.resolution_met, group.resolution_breached,
            attainment(group.resolution_met, group.resolution_breached),
            group.internal_first_response_met, group.internal_first_response_breached,
            group.internal_resolution_met, group.internal_resolution_breached,
            *(group.escalations.get(level, 0) for level in levels),
            *(group.pages.get(level, 0) for level in page_levels),
            group.callbacks_owed, group.callbacks_made, group.callbacks_within_limit,
            round(group.paused_seconds, 3), len(group.ratings), group.rating_average(),
            group.messages_logged,
        ]
        rows.append([csv_cell(value) for value in row])
    return rows


#: What a spreadsheet takes for the start of a formula (OWASP's CSV injection list).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """One cell: a number as itself (a negative one too), no figure as empty, text that a
    spreadsheet would run as a formula (a customer named ``=HYPERLINK(...)``) behind a
    ``'``, as OWASP advises, so it shows as the text it is."""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text
