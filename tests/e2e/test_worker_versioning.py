"""Worker Versioning: a ticket started on one build moves to the next when it becomes current."""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from pathlib import Path

import pytest

from stack.temporal import DevServer, temporal_cli
from tests.support.stack import running_api, running_worker, stack_settings, ticket_body
from workflow_client import connect

pytestmark = pytest.mark.e2e


async def set_current_version(address: str, deployment: str, build_id: str) -> None:
    """As an operator does; retried until the new build's worker has been seen polling."""
    command = [temporal_cli(), "worker", "deployment", "set-current-version", "--address", address,
               "--deployment-name", deployment, "--build-id", build_id, "--yes"]
    for _attempt in range(100):
        finished = await asyncio.to_thread(subprocess.run, command, capture_output=True,
                                           text=True, timeout=60)
        if finished.returncode == 0:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"set-current-version kept failing: {finished.stderr}")


async def test_a_ticket_moves_to_the_new_build_when_it_becomes_current(
    dev_server: DevServer, tmp_path: Path
) -> None:
    deployment = f"sla-{uuid.uuid4().hex[:8]}"
    first = stack_settings(dev_server, tmp_path, worker_deployment_name=deployment,
                           worker_build_id="v1")
    second = first.model_copy(update={"worker_build_id": "v2"})
    client = await connect(first)

    async def build_of(ticket_id: str) -> str:
        described = await client.get_workflow_handle(ticket_id).describe()
        info = described.raw_description.workflow_execution_info.versioning_info
        return info.deployment_version.build_id

    async with running_api(first) as http:
        customer_id = (await http.post("/customers", json={"name": "Acme", "plan": "fast"})
                       ).json()["id"]
        async with running_worker(first):
            await set_current_version(dev_server.address, deployment, "v1")
            created = await http.post("/tickets", json=ticket_body(customer_id))
            assert created.status_code == 201, created.text
            ticket_id = created.json()["id"]
            assert await build_of(ticket_id) == "v1"
            async with running_worker(second):
                await set_current_version(dev_server.address, deployment, "v2")
        # The v1 worker is gone: the ticket's next step runs on v2 (auto-upgrade).
        async with running_worker(second):
            answered = await http.post(f"/tickets/{ticket_id}/responses",
                                       json={"author": "ana", "body": "On it"})
            assert answered.status_code == 200, answered.text
            assert await build_of(ticket_id) == "v2"
