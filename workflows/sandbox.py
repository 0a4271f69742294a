"""The workflow sandbox configuration, shared by the worker and the replay tests.

``sla`` is pure computation (no I/O, no clock), so it is passed through rather than
re-imported for every workflow run. Passing it through also keeps its modules in the
sandbox's ``sys.modules``, which the data converter needs to resolve the
postponed annotations (``from __future__ import annotations``) of its dataclasses.

The sandbox re-imports the workflow's own module for every ticket it starts or rebuilds
from history and watches every call the workflow makes: about half of what a ticket's
workflow tasks cost the worker, a third of its CPU per ticket (BENCHMARKS.md). The tests
and the replay tool always run sandboxed, so a call that would break determinism (a
clock, I/O, randomness) fails there; a worker may run without it
(``WORKFLOW_SANDBOX=false``) to spend that CPU on tickets instead.
"""

from __future__ import annotations

from temporalio.worker import UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("sla", "workflows.messages",
                                                                  "workflows.request_tracker_messages")
)


def workflow_runner(sandboxed: bool) -> WorkflowRunner:
    """The runner a worker uses: the sandbox, or the workflow code run as it is."""
    return WORKFLOW_RUNNER if sandboxed else UnsandboxedWorkflowRunner()
