"""Every helper more than one test module uses, in one place; the tests import helpers from
here only (``tests/test_test_layout.py`` holds them to it). Fixtures stay in the
``conftest.py`` files; what they are built from lives here.

- ``paths``: the repository's directories and the tests' policy files
- ``domain``: tickets as pure state (``sla.ticket``) at exact instants
- ``moments``: the next Friday evening, holiday or change of clocks after an instant
- ``harness``: real ticket workflows on the time-skipping test server, with a worker;
  ``Harness.settled`` is the barrier before a check that something did not happen
- ``scenarios``: what several workflow tests share (channels, slot packs, calls, policies)
- ``activities``: a projection as the workflow sends it, the customer its rows belong to
- ``report_tickets``: a fixed set of recorded tickets and the period the report covers
- ``stack``: the real stack (Temporal's dev server, the worker, the API on a port)
- ``in_process``: the API in this process, and a browser session signed in to it
- ``routes``: every route of the API with the roles that may call it (the access matrix)
- ``browser``: the console in headless Chromium
- ``servers``: real SMTP and HTTP provider servers the channels talk to
- ``processes``: the product's own processes, started and killed as an operator would
- ``postgres``: a throwaway PostgreSQL server
- ``metrics``: a Prometheus endpoint read as Prometheus reads it
"""
