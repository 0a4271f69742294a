"""The custom search attributes tickets publish, so operators can filter in the Web UI.

They must be registered on the namespace before any workflow upserts them: the
embedded dev server is started with them, and ``stack.temporal`` adds them to an
external cluster.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes

TICKET_STATUS = SearchAttributeKey.for_keyword("TicketStatus")
TICKET_SEVERITY = SearchAttributeKey.for_keyword("TicketSeverity")
TICKET_PLAN = SearchAttributeKey.for_keyword("TicketPlan")
CUSTOMER_ID = SearchAttributeKey.for_int("CustomerId")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")

ALL = (TICKET_STATUS, TICKET_SEVERITY, TICKET_PLAN, CUSTOMER_ID, ESCALATION_LEVEL, SLA_BREACHED)


def ticket_attributes(
    *, status: str, severity: str, plan: str, customer_id: int, escalation_level: int,
    breached: bool,
) -> TypedSearchAttributes:
    """The values a ticket publishes, set at start and upserted at every change."""
    return TypedSearchAttributes([
        SearchAttributePair(TICKET_STATUS, status),
        SearchAttributePair(TICKET_SEVERITY, severity),
        SearchAttributePair(TICKET_PLAN, plan),
        SearchAttributePair(CUSTOMER_ID, customer_id),
        SearchAttributePair(ESCALATION_LEVEL, escalation_level),
        SearchAttributePair(SLA_BREACHED, breached),
    ])
