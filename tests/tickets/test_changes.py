"""The one definition of each change: its bounds, who may make it, and the message it
becomes, whichever interface parsed it (pure: no server)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, get_type_hints

import pytest

from sla.ticket.changes import TicketChange, change_named, updates
from tickets.changes import (
    CHANGES,
    FORM_CHOICES,
    Audience,
    ChangeKind,
    LogCallback,
    Respond,
    parse_change,
)
from tickets.errors import Invalid
from tickets.scrub import Scrubber
from workflows.messages import AgentResponse, CustomerReply, PlanChange, UpdateIntervalChange
from workflows.ticket import TicketWorkflow

pytestmark = pytest.mark.pure

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


def problems(action: str, fields: dict[str, Any],
             audience: Audience = Audience.STAFF) -> list[tuple[tuple[str, ...], str]]:
    with pytest.raises(Invalid) as refused:
        parse_change(action, fields, audience, actor="ana")
    return [(problem.where, problem.message) for problem in refused.value.problems]


def test_every_kind_of_change_has_one_definition() -> None:
    assert set(CHANGES) == set(ChangeKind)
    assert all(CHANGES[kind].action is kind for kind in ChangeKind)


def test_every_change_the_domain_takes_has_a_way_in() -> None:
    sent = {get_type_hints(model.message)["return"] for model in CHANGES.values()}
    domain = {change_named(update) for update in updates()}
    # A plan change comes from a customer's plan change or a rollout, not from a ticket's page.
    assert domain - sent == {PlanChange}
    assert all(issubclass(kind, TicketChange) for kind in sent if kind in domain)


def update_names(history: object) -> list[str]:
    """The name of every update a recorded history accepted."""
    if isinstance(history, dict):
        accepted = history.get("workflowExecutionUpdateAcceptedEventAttributes")
        found = [accepted["acceptedRequest"]["input"]["name"]] if accepted else []
        return found + [name for value in history.values() for name in update_names(value)]
    if isinstance(history, list):
        return [name for value in history for name in update_names(value)]
    return []


def test_every_update_a_recorded_history_holds_is_still_taken_under_its_name() -> None:
    recorded = {name for path in HISTORIES.rglob("*.json")
                for name in update_names(json.loads(path.read_text()))}
    assert "respond" in recorded and "customer_reply" in recorded
    # The changes the one handler takes, and the updates with a workflow step of their own.
    unknown = {name for name in recorded
               if change_named(name) is None and not hasattr(TicketWorkflow, name)}
    assert not unknown


@pytest.mark.parametrize("interval", ["99999999999w", "1000000w", "0.0000001s", "30s", "91d",
                                      "soon", "1" * 40])
def test_an_update_interval_out_of_bounds_is_refused_naming_the_field(interval: str) -> None:
    found = problems("update-interval", {"interval": interval})
    assert [where for where, _message in found] == [("body", "interval")]


@pytest.mark.parametrize(("interval", "seconds"), [("1m", 60), ("2h", 7200), ("PT45M", 2700),
                                                   ("90d", 90 * 86400)])
def test_an_update_interval_within_bounds_becomes_its_seconds(interval: str,
                                                              seconds: int) -> None:
    change = parse_change("update-interval", {"interval": interval}, Audience.STAFF, "ana")
    assert change.message(Scrubber()) == UpdateIntervalChange(seconds=seconds, author="ana")


@pytest.mark.parametrize(("action", "fields", "field"), [
    ("respond", {"body": "a\x00b"}, "body"),
    ("respond", {"body": "a\ud800b"}, "body"),
    ("respond", {"body": "x" * 20_001}, "body"),
    ("respond", {"body": "   "}, "body"),
    ("callback", {"outcome": "voicemail"}, "outcome"),
    ("severity", {"severity": "urgent"}, "severity"),
    ("acknowledge", {"level": "first"}, "level"),
    ("acknowledge", {"level": "0"}, "level"),
    ("cover", {"reason": "x" * 501}, "reason"),
])
def test_a_bad_field_is_refused_with_its_name(action: str, fields: dict[str, str],
                                              field: str) -> None:
    assert [where for where, _message in problems(action, fields)] == [("body", field)]


def test_a_form_cannot_speak_for_someone_else() -> None:
    """Who makes a change is whoever is signed in, whatever the form posts as author."""
    change = parse_change("respond", {"body": "done", "author": "the boss"}, Audience.STAFF,
                          actor="ana")
    assert isinstance(change, Respond) and change.author == "ana"


def test_each_audience_makes_only_its_own_changes() -> None:
    found = problems("respond", {"body": "hi"}, Audience.CUSTOMER)
    assert found[0][0] == ("path", "action")
    assert "reply, confirm, reopen, rate" in found[0][1]
    assert problems("reply", {"body": "hi"}, Audience.STAFF)[0][0] == ("path", "action")
    assert problems("delete", {}, Audience.STAFF)[0][0] == ("path", "action")


def test_a_form_checkbox_and_the_json_boolean_mean_the_same() -> None:
    from_form = parse_change("respond", {"body": "x", "workaround": "on"}, Audience.STAFF, "a")
    from_json = Respond.model_validate({"author": "a", "body": "x", "workaround": True})
    assert from_form.message(Scrubber()) == from_json.message(Scrubber()) == AgentResponse(
        author="a", body="x", workaround=True)


def test_secrets_are_masked_in_the_message_and_listed() -> None:
    change = parse_change("reply", {"body": "my key is sk_live_4eC39HqLyjWDarjtT1zdp7dc"},
                          Audience.CUSTOMER)
    scrub = Scrubber()
    message = change.message(scrub)
    assert isinstance(message, CustomerReply)
    assert "4eC39HqLyjWDarjtT1zdp7dc" not in message.body
    assert [item.field for item in scrub.masked] == ["body"]


def test_the_forms_offer_exactly_what_the_changes_accept() -> None:
    assert FORM_CHOICES["outcome"] == ("reached", "no_answer", "workaround")
    for outcome in FORM_CHOICES["outcome"]:
        LogCallback.model_validate({"agent": "a", "outcome": outcome})
