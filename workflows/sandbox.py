"""The workflow sandbox configuration, shared by the worker and the replay tests.

``sla`` is pure computation (no I/O, no clock), so it is passed through rather than
re-imported for every workflow run. Passing it through also keeps its modules in the
sandbox's ``sys.modules``, which the data converter needs to resolve the
postponed annotations (``from __future__ import annotations``) of its dataclasses.
"""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_modules("sla", "workflows.messages")
)
