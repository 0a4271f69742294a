"""The custom search attributes tickets publish, so operators can filter in the Web UI.

They must be registered on the namespace before any workflow upserts them: the
embedded dev server is started with them, and ``stack.temporal`` adds them to an
external cluster.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

TICKET_STATUS = SearchAttributeKey.for_keyword("TicketStatus")
TICKET_SEVERITY = SearchAttributeKey.for_keyword("TicketSeverity")
TICKET_PLAN = SearchAttributeKey.for_keyword("TicketPlan")
CUSTOMER_ID = SearchAttributeKey.for_int("CustomerId")
ESCALATION_LEVEL = SearchAttributeKey.for_int("EscalationLevel")
SLA_BREACHED = SearchAttributeKey.for_bool("SlaBreached")

ALL = (TICKET_STATUS, TICKET_SEVERITY, TICKET_PLAN, CUSTOMER_ID, ESCALATION_LEVEL, SLA_BREACHED)
