"""Determinism guard: recorded ticket histories must replay against the current code.

``make record-histories`` (RECORD_HISTORIES=1) rewrites ``tests/histories/`` from the
scenarios below; do that only for a deliberate, ``workflow.patched``-guarded change.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio.client import WorkflowHandle, WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner
from temporalio.workflow import NondeterminismError

from cli.replay import ticket_replayer
from sla.policy.loading import load_policy
from sla.policy.snapshot import Contact
from sla.ticket.state import Coverage, EmergencyCall
from sla.ticket.view import TicketView
from tests.support.domain import FAST
from tests.support.harness import TAM, Harness, policy_from, send
from tests.support.paths import HISTORIES, ROOT
from tests.support.plain_history import plain, suite_converter
from tests.support.scenarios import RETARGETING_POLICY, call, next_tuesday, one_slot
from workflow_client import DATA_CONVERTER
from workflows import visibility as ticket_attributes
from workflows.messages import (
    AgentResponse,
    CallbackReport,
    Confirmation,
    CoverageGiven,
    CustomerReply,
    FeedbackGiven,
    PageAcknowledgement,
    PlanChange,
    Reopen,
    ResolutionProposal,
    SeverityChange,
    StatusChange,
    TypeChange,
    UpdateIntervalChange,
)
from workflows.ticket import TicketWorkflow

Handle = WorkflowHandle[TicketWorkflow, TicketView]


async def life_cycle(harness: Harness) -> Handle:
    """Breach and escalation, responses, a wait on the customer, closure and reopening."""
    handle = await harness.start("critical")
    await harness.sleep(timedelta(minutes=31))
    await harness.outbox_kinds(handle.id, 3)
    await send(handle, AgentResponse("ana", "Investigating"))
    await send(handle, AgentResponse("bot", "ack", True))
    await send(handle, StatusChange("waiting_on_customer", "ana"))
    await harness.sleep(timedelta(hours=1))
    await send(handle, CustomerReply("logs attached"))
    await send(handle, ResolutionProposal("ana", "Fix"))
    await send(handle, Confirmation("thanks"))
    await send(handle, Reopen("customer", "again"))
    return handle


async def auto_close_and_complete(harness: Harness) -> Handle:
    handle = await harness.start("minor")
    await send(handle, ResolutionProposal("ana", "Fix"))
    await harness.sleep(timedelta(days=17))
    await handle.result()
    return handle


async def continued_as_new(harness: Harness) -> Handle:
    handle = await harness.start("critical", max_history_events=40)
    for number in range(8):
        await send(handle, AgentResponse("ana", f"u{number}"))
    return handle


async def calendars_and_ranges(harness: Harness) -> Handle:
    """Business-hour clocks with holidays, a ranged target, a study clock, TAM hours."""
    office = load_policy(ROOT / "policies" / "bird-email-enterprise.toml")
    await harness.start("major", plan="enterprise", policy=office)
    critical = await harness.start("critical", plan="enterprise", policy=office)
    keybe = load_policy(ROOT / "policies" / "keybe.toml")
    await harness.start("minor", plan="standard", policy=keybe, ticket_type="feature_request")
    handle = await harness.start("critical", plan="standard", policy=keybe)
    await harness.sleep(timedelta(hours=4))
    await send(handle, AgentResponse("ana", "Fixed"))
    await send(critical, AgentResponse("ana", "Calling back"))
    return handle


async def emergency_line(harness: Harness) -> Handle:
    """Two calls, a missed callback paged up the chain, an acknowledgement, a callback."""
    office = load_policy(ROOT / "policies" / "bird-email-enterprise.toml")
    handle = await harness.start("critical", plan="enterprise", policy=office)
    now = await harness.env.get_current_time()
    for call_id in ("CA-1", "CA-1", "CA-2"):
        await handle.execute_update(TicketWorkflow.record_call, EmergencyCall(
            call_id=call_id, taken_at=now, source="intake", company_name="Acme",
            contact_name="Rita", contact_phone="+390200000001", contact_email="r@acme.example",
            description="down"))
    await harness.sleep(timedelta(minutes=27))
    await send(handle, PageAcknowledgement(2, "dan"))
    await send(handle, CallbackReport("dan", "reached"))
    await send(handle, UpdateIntervalChange(1800, "dan"))
    await send(handle, AgentResponse("dan", "relay switched", workaround=True))
    return handle


async def retargeted(harness: Harness) -> Handle:
    """Severity, type and plan changes, and a warning held for the TAM's hours."""
    policy = policy_from(RETARGETING_POLICY)
    opened = next_tuesday(await harness.env.get_current_time(), 14)
    await harness.sleep_until(opened)
    handle = await harness.start("major", plan="standard", policy=policy)
    await harness.sleep(timedelta(hours=33, minutes=1))  # the warning falls at 23:00: held
    await send(handle, AgentResponse("ana", "Looking"))
    await send(handle, SeverityChange("critical", "ana"))
    await send(handle, TypeChange("information", "ana"))
    await send(handle, TypeChange("problem", "ana"))
    premium = policy.snapshot("premium", TAM, await harness.env.get_current_time())
    await send(handle, PlanChange(premium, "admin:ops"))
    await harness.sleep(timedelta(hours=3))
    return handle


async def slots_and_feedback(harness: Harness) -> Handle:
    """A request that waits for a slot and is covered; a recommendation on a
    recommendations-only tier, confirmed, and rated."""
    policy = FAST
    rita = Contact(role="customer", name="Rita", email="rita@acme.example")
    waiting = await harness.start("major", plan="slotted", policy=policy, customer=rita,
                                  coverage=Coverage(covered=False, label="no slot left"))
    await harness.sleep(timedelta(hours=2))
    await waiting.execute_update(TicketWorkflow.cover, CoverageGiven(Coverage(
        covered=True, contract_id=1, label="slot pack #1 (slotted)")))
    await send(waiting, AgentResponse("ana", "Looking"))
    handle = await harness.start("minor", plan="recommendations", policy=policy, customer=rita)
    await send(handle, ResolutionProposal("ana", "raise the limit"))
    await send(handle, Confirmation("thanks"))
    await send(handle, FeedbackGiven(4, "ok"))
    return handle


async def slot_taken_by_the_ticket(harness: Harness) -> Handle:
    """A request loses the last slot to another, waits, and is covered by a new one."""
    policy = FAST
    rita = Contact(role="customer", name="Rita", email="rita@acme.example")
    claim, coverage = await one_slot(harness)
    await harness.start("major", plan="slotted", policy=policy, customer=rita,
                        coverage=coverage, slot_claim=claim)
    handle = await harness.start("major", plan="slotted", policy=policy, customer=rita,
                                 coverage=coverage, slot_claim=claim)
    await harness.sleep(timedelta(hours=1))
    claim, coverage = await one_slot(harness)
    await handle.execute_update(TicketWorkflow.cover, CoverageGiven(coverage, slot_claim=claim))
    await send(handle, AgentResponse("ana", "Looking"))
    return handle


async def continued_as_new_while_paging(harness: Harness) -> Handle:
    """Paged every ten minutes until its history is long: the run continues as new on a
    page's step, the page going along unsent (the run recorded is that one)."""
    office = load_policy(ROOT / "policies" / "bird-email-enterprise.toml")
    handle = await harness.start("critical", plan="enterprise", policy=office,
                                 max_history_events=60)
    first_run = (await handle.describe()).run_id
    await handle.execute_update(TicketWorkflow.record_call, call(
        await harness.env.get_current_time()))
    await harness.sleep(timedelta(hours=1))
    assert (await handle.describe()).run_id != first_run
    return harness.env.client.get_workflow_handle_for(TicketWorkflow.run, handle.id,
                                                      run_id=first_run)


SCENARIOS: dict[str, Callable[[Harness], Awaitable[Handle]]] = {
    "continued_as_new_while_paging": continued_as_new_while_paging,
    "slot_taken_by_the_ticket": slot_taken_by_the_ticket,
    "slots_and_feedback": slots_and_feedback,
    "retargeted": retargeted,
    "emergency_line": emergency_line,
    "calendars_and_ranges": calendars_and_ranges,
    "life_cycle": life_cycle,
    "auto_close_and_complete": auto_close_and_complete,
    "continued_as_new": continued_as_new,
}


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_fresh_history_replays(harness: Harness, name: str) -> None:
    handle = await SCENARIOS[name](harness)
    history = await handle.fetch_history()
    await ticket_replayer(suite_converter()).replay_workflow(history)
    if os.environ.get("RECORD_HISTORIES") == "1":
        HISTORIES.mkdir(exist_ok=True)
        (HISTORIES / f"{name}.json").write_text(plain(history).to_json())


def recorded() -> list[Path]:
    """Current histories at the top; each earlier workflow shape in its own folder, kept
    for as long as tickets of that shape may still be running."""
    return sorted(HISTORIES.rglob("*.json"))


def test_recorded_histories_exist() -> None:
    assert {path.stem for path in HISTORIES.glob("*.json")} >= set(SCENARIOS), (
        "missing recorded histories: run `make record-histories`"
    )


@pytest.mark.parametrize("path", recorded(),
                         ids=lambda path: str(path.relative_to(HISTORIES).with_suffix("")))
async def test_recorded_history_replays_on_current_code(path: Path) -> None:
    history = WorkflowHistory.from_json(path.stem, path.read_text())
    await ticket_replayer().replay_workflow(history)


async def test_the_policy_version_attribute_is_patched_in(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tickets started before PolicyVersion existed replay unchanged, because its upsert
    sits behind ``workflow.patched``; without the guard the same history fails to replay:
    the replay test is what catches such a change before it reaches running tickets."""
    # A linked duplicate: no clocks, so its workflow upserted nothing of its own accord.
    before = HISTORIES / "before-policy-version" / "duplicate_ticket.json"
    history = WorkflowHistory.from_json(before.stem, before.read_text())
    assert '"PolicyVersion"' not in before.read_text()
    await ticket_replayer().replay_workflow(history)

    monkeypatch.setattr(ticket_attributes, "_publishes_policy_version", lambda _patched: True)
    # Unsandboxed, so the replay runs the module attribute patched above.
    unguarded = Replayer(workflows=[TicketWorkflow], workflow_runner=UnsandboxedWorkflowRunner(),
                         data_converter=DATA_CONVERTER)
    with pytest.raises(NondeterminismError):
        await unguarded.replay_workflow(history)
