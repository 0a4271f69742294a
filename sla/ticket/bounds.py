"""How much of its own past a ticket carries: the lists in its state are capped, so a
ticket paged for a week or replied to a thousand times stays far under Temporal's payload
limit (2 MB) when it continues as new, and its final view stays small.

What falls off a list is never lost: every call, page, reply and rating is a timeline
entry in the database and an event in the workflow's history. The state keeps what its
rules still need (the latest calls to recognise a redelivered one, the latest Message-IDs
to recognise a redelivered mail, this closure's rating) and counts the rest."""

from __future__ import annotations

import hashlib
from typing import TypeVar

from sla.ticket.state import TimelineEntry
from sla.vocabulary import TimelineKind

T = TypeVar("T")

#: Emergency calls kept (a repeat of one is recognised by its call id among them; the
#: telephony redelivers a webhook within minutes, not after twenty more calls).
CALLS_KEPT = 20
#: Pages kept (paging every 10 minutes for a week is a thousand of them).
PAGES_KEPT = 20
#: Received Message-IDs kept, as digests: a redelivered mail comes within days.
MESSAGES_KEPT = 200
#: Ratings kept (one per closure; each comment is up to 20,000 characters).
FEEDBACK_KEPT = 10
#: Later tickets linked as duplicates, kept by id.
DUPLICATES_KEPT = 100
#: Timeline entries waiting for the database write, while it fails: beyond them, the
#: oldest are folded into one entry that says how many, and when (a week of paging with the
#: database down is a thousand entries).
PENDING_TIMELINE_KEPT = 500


def keep_last(items: list[T], kept: int) -> None:
    """Drop all but the last ``kept`` items, in place."""
    del items[:max(len(items) - kept, 0)]


def append_counted(items: list[T], item: T, kept: int, counted: int) -> int:
    """Append ``item``, keep the last ``kept``, and return the count of all ever appended
    (``counted`` so far; a state from before the count was kept held its list whole)."""
    items.append(item)
    total = max(counted, len(items) - 1) + 1
    keep_last(items, kept)
    return total


def message_key(message_id: str) -> str:
    """What the state keeps of a Message-ID (up to 1,000 characters): a digest, enough to
    tell a redelivery."""
    return hashlib.sha256(message_id.encode("utf-8", "surrogatepass")).hexdigest()[:24]


#: The kinds the reports and the worker's metrics count from the timeline
#: (``reports.attainment``, ``activities.metrics``): folded last, only when the entries of
#: other kinds are not enough to keep the bound.
READ_BACK = frozenset({
    TimelineKind.CREATED, TimelineKind.AGENT_RESPONSE, TimelineKind.CALLBACK_MADE,
    TimelineKind.CALLBACK_ALREADY_PENDING, TimelineKind.EMERGENCY_CALL, TimelineKind.SLA_BREACH,
    TimelineKind.ESCALATED, TimelineKind.PAGED, TimelineKind.FEEDBACK, TimelineKind.STATUS_OPEN,
    TimelineKind.STATUS_WAITING_ON_CUSTOMER, TimelineKind.STATUS_RESOLUTION_PROPOSED,
    TimelineKind.STATUS_CLOSED})


def fold_pending_timeline(pending: list[TimelineEntry]) -> None:
    """Past ``PENDING_TIMELINE_KEPT`` entries, fold the oldest into one ``timeline_gap``
    entry, in place: first those no report counts, then (a bound is a bound) the oldest of
    the rest. The gap takes the first folded entry's place and sequence number, so the
    order holds; the folded entries stay events in the workflow's history."""
    excess = len(pending) - PENDING_TIMELINE_KEPT + 1
    if excess <= 1:
        return
    unread = [at for at, entry in enumerate(pending) if entry.kind not in READ_BACK]
    chosen = set(unread[:excess])
    chosen.update([at for at in range(len(pending)) if at not in chosen][:excess - len(chosen)])
    folded = [pending[at] for at in sorted(chosen)]
    first = folded[0]
    count = sum(entry.folded or 1 for entry in folded)
    gap = TimelineEntry(
        seq=first.seq, at=first.at, kind=TimelineKind.TIMELINE_GAP, actor="system",
        detail=(f"{count} timeline entries from {first.at:%Y-%m-%d %H:%M} to "
                f"{max(entry.at for entry in folded):%Y-%m-%d %H:%M} UTC were recorded while "
                "the ticket's database write failed and are not written here; the ticket's "
                "workflow history holds each of them"),
        folded=count)
    place = min(chosen)
    pending[:] = [gap if at == place else entry for at, entry in enumerate(pending)
                  if at == place or at not in chosen]
