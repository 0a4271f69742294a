"""Changing running tickets through the API and the policy command, on the real stack."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.support.stack import Stack, customer, ticket_body

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
FAST_POLICY = Path(__file__).parent / "fast-policy.toml"


def clocks(ticket: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {clock["name"]: clock for clock in ticket["clocks"]}


async def test_an_upgrade_that_makes_a_clock_overdue_breaches_at_once(stack: Stack) -> None:
    customer_id = await customer(stack)
    ticket = (await stack.http.post("/tickets", json=ticket_body(
        customer_id, severity="minor"))).json()
    await asyncio.sleep(3.5)  # longer than the critical first response target (3s)
    response = await stack.http.post(f"/tickets/{ticket['id']}/severity",
                                     json={"severity": "critical", "author": "ana"})
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["severity"] == "critical"
    assert clocks(changed)["first_response"]["state"] == "breached"
    timeline = (await stack.http.get(f"/tickets/{ticket['id']}/timeline")).json()
    kinds = [event["kind"] for event in timeline if not event["kind"].startswith("delivery_")]
    assert kinds[:4] == ["created", "severity_changed", "sla_breach", "escalated"]
    change = timeline[1]
    assert change["actor"] == "agent:ana"
    assert change["detail"] == "severity minor → critical; first response 1h → 3s"


async def test_severity_and_type_refusals_are_clear(stack: Stack) -> None:
    customer_id = await customer(stack)
    ticket = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()
    url = f"/tickets/{ticket['id']}"
    same = await stack.http.post(f"{url}/severity", json={"severity": "major", "author": "a"})
    assert same.status_code == 409 and "already major" in same.json()["detail"]
    unknown = await stack.http.post(f"{url}/severity", json={"severity": "urgent", "author": "a"})
    assert unknown.status_code == 422
    bad_type = await stack.http.post(f"{url}/type", json={"type": "incident", "author": "a"})
    assert bad_type.status_code == 422
    missing = await stack.http.post("/tickets/TCK-NOPE/severity",
                                    json={"severity": "minor", "author": "a"})
    assert missing.status_code == 404


async def test_a_type_without_sla_ends_every_clock(stack: Stack) -> None:
    customer_id = await customer(stack)
    ticket = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()
    response = await stack.http.post(f"/tickets/{ticket['id']}/type",
                                     json={"type": "information", "author": "ana"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert {name: clock["state"] for name, clock in clocks(body).items()} == \
        {"first_response": "ended", "resolution": "ended"}
    assert body["next_due_at"] is None
    listed = (await stack.http.get("/tickets", params={"customer_id": customer_id})).json()
    assert listed[0]["first_response_state"] == "ended"


async def test_a_plan_change_applies_to_open_tickets_when_asked(stack: Stack) -> None:
    customer_id = await customer(stack)
    opened = [(await stack.http.post("/tickets", json=ticket_body(
        customer_id, subject=f"Problem {n}", force_new=True))).json() for n in range(2)]
    plain = await stack.http.post(f"/customers/{customer_id}/plan", json={"plan": "slow"})
    assert plain.status_code == 200, plain.text
    assert plain.json()["retargeted"] == [] and plain.json()["customer"]["plan"] == "slow"
    assert (await stack.http.get(f"/tickets/{opened[0]['id']}")).json()["plan"] == "fast"
    new = (await stack.http.post("/tickets", json=ticket_body(
        customer_id, subject="After the change", force_new=True))).json()
    assert new["plan"] == "slow"

    applied = await stack.http.post(f"/customers/{customer_id}/plan",
                                    json={"plan": "slow", "apply_to_open": True})
    assert applied.status_code == 200, applied.text
    assert applied.json()["retargeted"] == [ticket["id"] for ticket in opened]
    assert applied.json()["failed"] == []
    rollout = applied.json()["rollout"]
    assert rollout["finished"] is True and (rollout["total"], rollout["done"]) == (3, 3)
    assert rollout["unchanged"] == [new["id"]]  # opened after the change: already on it
    shown = await stack.http.get(f"/rollouts/{rollout['id']}")
    assert shown.status_code == 200 and shown.json() == rollout
    for ticket in opened:
        live = (await stack.http.get(f"/tickets/{ticket['id']}")).json()
        assert live["plan"] == "slow"
        due = datetime.fromisoformat(clocks(live)["first_response"]["due_at"])
        assert due == datetime.fromisoformat(ticket["created_at"]) + timedelta(hours=2)
    again = await stack.http.post(f"/customers/{customer_id}/plan",
                                  json={"plan": "slow", "apply_to_open": True})
    assert again.json()["retargeted"] == []  # nothing left to change

    unknown = await stack.http.post(f"/customers/{customer_id}/plan", json={"plan": "gold"})
    assert unknown.status_code == 422 and "unknown plan 'gold'" in unknown.text
    assert (await stack.http.post("/customers/999999/plan", json={"plan": "slow"})).status_code \
        == 404


async def policy_command(stack: Stack, *args: str) -> tuple[int, str]:
    env = {**os.environ, "DATABASE_URL": stack.settings.database_url,
           "TEMPORAL_ADDRESS": stack.settings.effective_temporal_address,
           "TEMPORAL_NAMESPACE": stack.settings.temporal_namespace,
           "TEMPORAL_TASK_QUEUE": stack.settings.temporal_task_queue}
    # Not subprocess.run: the worker serving the updates runs on this test's event loop.
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "cli.policy", *args, cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_policy_apply_and_roll_back(stack: Stack, tmp_path: Path) -> None:
    customer_id = await customer(stack)
    ticket = (await stack.http.post("/tickets", json=ticket_body(customer_id))).json()
    original = FAST_POLICY.read_text()
    edited = tmp_path / "fast-policy.toml"
    edited.write_text(original.replace('major = "1h", minor = "1h" }\nresolution',
                                       'major = "30m", minor = "1h" }\nresolution'))
    created = datetime.fromisoformat(ticket["created_at"])

    code, output = await policy_command(stack, "apply", str(edited), "--customer",
                                        str(customer_id), "--reason", "faster majors")
    assert code == 0, output
    assert "1 re-targeted, 0 already under it, 0 failed" in output
    live = (await stack.http.get(f"/tickets/{ticket['id']}")).json()
    assert live["policy_hash"] != ticket["policy_hash"]
    assert datetime.fromisoformat(clocks(live)["first_response"]["due_at"]) == \
        created + timedelta(minutes=30)

    code, output = await policy_command(stack, "apply", str(FAST_POLICY), "--customer",
                                        str(customer_id), "--reason", "rolled back")
    assert code == 0, output
    live = (await stack.http.get(f"/tickets/{ticket['id']}")).json()
    assert live["policy_hash"] == ticket["policy_hash"]
    assert datetime.fromisoformat(clocks(live)["first_response"]["due_at"]) == \
        created + timedelta(hours=1)
    changes = [event["detail"] for event in
               (await stack.http.get(f"/tickets/{ticket['id']}/timeline")).json()
               if event["kind"] == "plan_changed"]
    assert [detail.split("; ")[1:] for detail in changes] == [
        ["faster majors", "first response 1h → 30m"],
        ["rolled back", "first response 30m → 1h"],
    ]

    code, output = await policy_command(stack, "apply", str(FAST_POLICY), "--customer",
                                        str(customer_id))
    assert code == 0 and "0 re-targeted, 1 already under it" in output
    code, output = await policy_command(stack, "apply", str(FAST_POLICY), "--customer",
                                        str(customer_id), "--dry-run")
    assert code == 0 and ticket["id"] in output and "1 open ticket(s) would take" in output
