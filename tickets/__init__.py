"""The use cases: what the API, the command-line tools and the webhooks ask of tickets.

Open a ticket, change one through its workflow, take an emergency call, thread an inbound
mail, cover the requests that waited for a slot, roll a plan out to open tickets, read a
report. This package knows Temporal and the store, raises ``tickets.errors`` (refused,
not found, invalid, unavailable) and knows nothing of HTTP: ``api.errors`` gives each
error its status code.
"""
