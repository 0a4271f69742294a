"""The CRM integrator's words in the API's own descriptions: the included month of Basic
comes with an integration we built or a module bought, and the refund condition is the
document's («в случае, обоснованного не удовлетворения ваших запросов»), with no "only"."""

from __future__ import annotations

import json

import pytest

from api.customer_schemas import ContractCreate, ContractPublic, RefundPublic

pytestmark = pytest.mark.pure


def test_the_contract_descriptions_say_what_the_document_says() -> None:
    created = ContractCreate.model_json_schema()["properties"]
    assert "module bought" in created["kind"]["description"]
    assert "integration" in created["kind"]["description"]
    assert "module bought" in created["note"]["description"]
    shown = json.dumps([ContractPublic.model_json_schema(), RefundPublic.model_json_schema()])
    assert "with good reason, not satisfied" in shown
    assert "only" not in shown.lower().replace("recommendations-only", "")
    assert "justified dissatisfaction" not in shown
