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
