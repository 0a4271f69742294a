"""The custom search attributes tickets publish, so operators can filter in the Web UI.

They must be registered on the namespace before any workflow upserts them (an unknown
one makes the workflow task retry forever): the embedded dev server is started with
them, and the worker refuses to start on a cluster that lacks one (the README lists
the ``temporal operator search-attribute create`` commands).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

TICKET_STATUS = SearchAttributeKey.for_keyword("TicketStatus")
TICKET_SEVERITY = SearchAttributeKey.for_keyword("TicketSeverity")
TICKET_PLAN = SearchAttributeKey.for_keyword("TicketPlan")
CUSTOMER_ID = SearchAttributeKey.for_int("CustomerId")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")
TICKET_ID = SearchAttributeKey.for_keyword("TicketId")
TICKET_TYPE = SearchAttributeKey.for_keyword("TicketType")
#: The nearest due time of a running clock, and which clock it is.
NEXT_DUE_AT = SearchAttributeKey.for_datetime("NextDueAt")
NEXT_DUE_CLOCK = SearchAttributeKey.for_keyword("NextDueClock")
#: The policy version the ticket runs under, "file@hash" (e.g. "premium.toml@3f2a9c1b0d4e"):
#: which tickets a policy rollout has reached, and which still run under the old file.
POLICY_VERSION = SearchAttributeKey.for_keyword("PolicyVersion")

ALL = (TICKET_STATUS, TICKET_SEVERITY, TICKET_PLAN, CUSTOMER_ID, ESCALATION_LEVEL, SLA_BREACHED,
       TICKET_ID, TICKET_TYPE, NEXT_DUE_AT, NEXT_DUE_CLOCK, POLICY_VERSION)


def policy_version(policy_name: str, policy_hash: str) -> str | None:
    """None for snapshots taken before tickets recorded their policy version."""
    return f"{policy_name}@{policy_hash}" if policy_hash else None


def ticket_attributes(
    *, status: str, severity: str, plan: str, customer_id: int, escalation_level: int,
    breached: bool, ticket_id: str | None = None, ticket_type: str | None = None,
    next_due: tuple[datetime, str] | None = None, policy: str | None = None,
) -> TypedSearchAttributes:
    """The values a ticket publishes, set at start and upserted at every change."""
    pairs: list[SearchAttributePair[Any]] = [
        SearchAttributePair(TICKET_STATUS, status),
        SearchAttributePair(TICKET_SEVERITY, severity),
        SearchAttributePair(TICKET_PLAN, plan),
        SearchAttributePair(CUSTOMER_ID, customer_id),
        SearchAttributePair(ESCALATION_LEVEL, escalation_level),
        SearchAttributePair(SLA_BREACHED, breached),
    ]
    if ticket_id is not None:
        pairs.append(SearchAttributePair(TICKET_ID, ticket_id))
    if ticket_type is not None:
        pairs.append(SearchAttributePair(TICKET_TYPE, ticket_type))
    if next_due is not None:
        pairs += [SearchAttributePair(NEXT_DUE_AT, next_due[0]),
                  SearchAttributePair(NEXT_DUE_CLOCK, next_due[1])]
    if policy is not None:
        pairs.append(SearchAttributePair(POLICY_VERSION, policy))
    return TypedSearchAttributes(pairs)
