"""What a caller to the emergency number hears of the callback."""

from __future__ import annotations

from datetime import timedelta

import pytest

from api.routes.emergency import callback_promise
from sla.policy.fields import TargetSource
from sla.policy.rules import EmergencyPolicy

pytestmark = pytest.mark.pure


def test_the_caller_hears_a_time_only_where_the_contract_commits_to_it() -> None:
    stated = EmergencyPolicy(source=TargetSource(document="richiamerà entro quindici minuti"))
    assert callback_promise(stated) == "A Customer Support agent will call you back within 15 minutes."
    assumed = EmergencyPolicy(source=TargetSource(assumption="no document names a time"))
    assert callback_promise(assumed) == "A Customer Support agent will call you back."
    assert callback_promise(EmergencyPolicy()) == "A Customer Support agent will call you back."
    two_hours = EmergencyPolicy(callback_within=timedelta(hours=2),
                                source=TargetSource(document="within two hours"))
    assert callback_promise(two_hours) == "A Customer Support agent will call you back within 2 hours."
