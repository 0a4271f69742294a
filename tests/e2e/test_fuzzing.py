"""schemathesis against our own OpenAPI schema, on a live stack: no 5xx, responses conform."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from stack.temporal import DevServer, free_port
from tests.support.paths import FAST_POLICY
from tests.support.stack import admin_key

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]


def test_the_api_survives_schemathesis(dev_server: DevServer, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_server.address,
        "TEMPORAL_TASK_QUEUE": f"fuzz-{uuid.uuid4()}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        "SLA_POLICY_FILE": str(FAST_POLICY),
        "API_PORT": str(port),
        "WORKER_WAIT_SECONDS": "5",
        "TWILIO_AUTH_TOKEN": "fuzz-token",
        "MAILGUN_WEBHOOK_SIGNING_KEY": "fuzz-signing-key",
        "POSTMARK_INBOUND_USERNAME": "fuzz",
        "POSTMARK_INBOUND_PASSWORD": "fuzz-password",
    }
    key = admin_key(env["DATABASE_URL"])
    stack = subprocess.Popen([sys.executable, "-m", "stack"], cwd=ROOT, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        else:
            pytest.fail("the API did not come up")
        # Every role fuzzes the whole API: a customer, agent, telephony or mail key must get its
        # 401/403/404 or a success, never a 5xx or an answer the schema does not describe.
        # The stateful phase follows the schema's links from a created ticket or customer
        # (api/links.py) through the operations its id opens.
        admin = {"Authorization": f"Bearer {key}"}
        customer_id = httpx.post(f"{base}/customers", headers=admin, timeout=30, json={
            "name": "Fuzz Co", "plan": "fast"}).json()["id"]
        keys = {"admin": key}
        for role in ("customer", "agent", "telephony", "mail"):
            body: dict[str, object] = {"role": role, "name": f"fuzz {role}"}
            if role == "customer":
                body["customer_id"] = customer_id
            keys[role] = httpx.post(f"{base}/keys", headers=admin, json=body,
                                    timeout=30).json()["key"]
        failed = {}
        for role, role_key in keys.items():
            run = subprocess.run(
                [str(Path(sys.executable).parent / "schemathesis"), "run",
                 f"{base}/openapi.json",
                 "--checks", "not_a_server_error,response_schema_conformance,status_code_conformance",
                 "--header", f"Authorization: Bearer {role_key}",
                 "--max-examples", "15" if role == "admin" else "6",
                 "--generation-deterministic", "--request-timeout", "20"],
                capture_output=True, text=True, timeout=600, cwd=tmp_path,
            )
            print(f"--- {role}\n{run.stdout[-1500:]}")
            if run.returncode != 0:
                # Schemathesis words each failure above its summary: keep the lines that
                # say which operation answered what (the whole report goes to a file).
                (tmp_path / f"schemathesis-{role}.txt").write_text(run.stdout)
                failed[role] = "\n".join(
                    line.strip() for line in run.stdout.splitlines()
                    if line.startswith("___") or any(word in line for word in (
                        "Received", "Documented", "Undocumented", "Server error", "Error:",
                        "rror", "not conform")))[:8000]
        assert not failed, "\n\n".join(f"--- {role}\n{text}" for role, text in failed.items())
    finally:
        stack.terminate()
        stack.wait(timeout=30)
