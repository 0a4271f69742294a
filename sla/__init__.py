"""Pure SLA logic: policies, durations, clocks and the ticket life cycle.

Nothing in this package does I/O or reads the wall clock, so the same code runs
inside Temporal's workflow sandbox and in the API.
"""
