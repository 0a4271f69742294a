"""The policy: the file a support team writes (its fields, calendars, durations, targets
and contracts), checked when loaded, frozen into a snapshot for each ticket, and compared
with the next version."""
