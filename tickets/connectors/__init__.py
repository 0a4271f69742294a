"""Help-desk connectors: a team keeps Zendesk, Zammad or Request Tracker, and the ticket's
SLA clocks, escalations and phone line run here. Each connector turns its help desk's
ticket events into :class:`tickets.connectors.events.HelpDeskEvent` (events in), and
writes the SLA state back as a :class:`tickets.connectors.events.WriteBack` (write-back
out); everything between goes through the one ``open_ticket`` use case and the typed
changes of ``tickets.changes``."""
