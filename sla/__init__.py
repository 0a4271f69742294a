"""Pure SLA logic: policies, durations, clocks and the ticket life cycle.

Nothing in this package does I/O or reads the wall clock, so the same code runs
inside Temporal's workflow sandbox and in the API.
"""

import zoneinfo

# Time zones decide deadlines, so their data is part of the code: only the pinned `tzdata`
# package (requirements.lock) is read, never the host's /usr/share/zoneinfo or PYTHONTZPATH,
# which differ from machine to machine and change under a running cluster.
zoneinfo.reset_tzpath(to=())
