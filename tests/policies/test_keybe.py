"""Keybe customer care, as the document promises it (policies/keybe.toml).

Emergencies (the customer's operation stopped) are resolved in 1h, at most 3h; requirements
get a 48h study time and no estimate; Prime treats every ticket as an emergency; the other
tiers resolve in 2h, 4h, 24h and 48h; a failure report carries six fields.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.support.harness import Harness
from tests.support.moments import close_to, policy

KEYBE = policy("keybe")


async def test_an_emergency_escalates_at_one_hour_and_breaches_at_three(
    harness: Harness,
) -> None:
    handle = await harness.start("critical", plan="standard", policy=KEYBE)
    resolution = await harness.clock(handle, "resolution")
    created = (await harness.sla(handle)).created_at
    assert close_to(resolution.due_at, created + timedelta(hours=3))

    await harness.sleep(timedelta(hours=1, minutes=1))
    sent = await harness.outbox_kinds(handle.id, 2)
    assert sent == [("sla_warning", "customer_care_lead"), ("escalation", "customer_care_lead")]
    assert "sla_expected_missed" in harness.kinds(handle.id)
    assert (await harness.clock(handle, "resolution")).state == "running"  # not yet breached

    await harness.sleep(timedelta(hours=2))
    sent = await harness.outbox_kinds(handle.id, 4)
    assert sent[2:] == [("sla_breach", "customer_care_lead"),
                        ("escalation", "head_of_customer_care")]


async def test_prime_treats_every_ticket_as_an_emergency_resolved_in_one_hour(
    harness: Harness,
) -> None:
    # "garantizamos atención inmediata, consideración de tickets como emergencia y tiempo de
    # resolución en 1 hora": 1 hour, with no 3-hour allowance.
    handle = await harness.start("minor", plan="prime", policy=KEYBE)
    view = await harness.sla(handle)
    assert view.severity == "critical"
    resolution = next(c for c in view.clocks if c.name == "resolution")
    assert close_to(resolution.due_at, view.created_at + timedelta(hours=1))
    assert resolution.kind == "commitment"
    # "atención inmediata" names no time: an internal first-response target.
    first_response = next(c for c in view.clocks if c.name == "first_response")
    assert first_response.kind == "internal target"
    await harness.sleep(timedelta(hours=1, minutes=1))
    assert (await harness.clock(handle, "resolution")).state == "breached"


@pytest.mark.parametrize(
    ("plan", "resolution"),
    [("premium", timedelta(hours=2)), ("standard", timedelta(hours=4)),
     ("preferred", timedelta(hours=24)), ("on_demand", timedelta(hours=48))],
)
async def test_resolution_time_by_tier(harness: Harness, plan: str, resolution: timedelta) -> None:
    handle = await harness.start("major", plan=plan, policy=KEYBE)
    clock = await harness.clock(handle, "resolution")
    created = (await harness.sla(handle)).created_at
    assert close_to(clock.due_at, created + resolution)


async def test_a_requirement_gets_a_48_hour_study_and_no_estimate(harness: Harness) -> None:
    handle = await harness.start("minor", plan="standard", policy=KEYBE,
                                 ticket_type="feature_request")
    view = await harness.sla(handle)
    assert [clock.name for clock in view.clocks] == ["study"]
    assert close_to(view.clocks[0].due_at, view.created_at + timedelta(hours=48))
    await harness.sleep(timedelta(hours=48, minutes=1))
    sent = await harness.outbox_kinds(handle.id, 3)
    assert sent[-1] == ("escalation", "customer_care_lead")


def test_a_failure_report_needs_five_fields_and_the_checks_done_only_if_any() -> None:
    """"Verificaciones realizadas" applies only "si realizaste alguna prueba": optional."""
    assert KEYBE.missing_intake("problem", {"module": "Chats", "device": " "}) == [
        "affected_users", "device", "failure_time", "evidence_url"]
    assert KEYBE.missing_intake("problem", {
        "affected_users": "todos", "module": "Chats", "device": "PC", "failure_time": "09:10",
        "evidence_url": "https://example.com/v.mp4"}) == []



def test_a_requirement_needs_an_example_and_a_custom_bot_its_whole_flow() -> None:
    """"Breve y clara descripción ... Proporcionar un ejemplo. En caso de ser un bot a la
    medida, proporcionar todo el flujo" (the description is the ticket's own)."""
    assert KEYBE.missing_intake("feature_request", {}) == ["example"]
    assert KEYBE.missing_intake("feature_request", {"example": "like the Sales bot"}) == []
    assert KEYBE.missing_intake("feature_request", {"example": "x", "custom_bot": "yes"}) == [
        "bot_flow"]
    assert KEYBE.missing_intake("feature_request", {"example": "x", "custom_bot": "no"}) == []
    assert KEYBE.missing_intake(
        "feature_request", {"example": "x", "custom_bot": "yes", "bot_flow": "flow.pdf"}) == []
