"""Every kind of error a route can answer, in-process: the status a client can act on, a
body of the declared shape, and a status the OpenAPI document declares for that route
(401, 403, 404, 409, 413, 422, 503; never a 500)."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.support.in_process import InProcessApi


async def customer(api: InProcessApi, name: str = "Errors Co") -> int:
    created = await api.http.post("/customers", json={
        "name": name, "plan": "fast", "tam_name": "Tess", "tam_email": "t@example.com"})
    assert created.status_code == 201, created.text
    customer_id: int = created.json()["id"]
    return customer_id


async def ticket(api: InProcessApi, customer_id: int) -> str:
    opened = await api.http.post("/tickets", json={
        "customer_id": customer_id, "subject": "Exports fail", "description": "since 9:00",
        "severity": "minor", "force_new": True})
    assert opened.status_code == 201, opened.text
    ticket_id: str = opened.json()["id"]
    return ticket_id


def answered(api: InProcessApi, response: httpx.Response, status: int, operation: str) -> Any:
    """The response has ``status``, the document declares it for ``operation`` ("POST
    /tickets/{ticket_id}/responses"), and the body is an error body; returns its detail."""
    assert response.status_code == status, (operation, response.status_code, response.text)
    method, path = operation.split(" ", 1)
    assert status in api.declared(method, path), (operation, status, "undeclared")
    detail = response.json()["detail"]
    if isinstance(detail, list):
        assert all({"loc", "msg", "type"} <= set(problem) for problem in detail), detail
    else:
        assert isinstance(detail, str) and detail
    return detail


async def test_without_a_valid_key_every_route_answers_401(api: InProcessApi) -> None:
    for headers in ({"Authorization": ""}, {"Authorization": "Bearer sla_not-a-key"},
                    {"Authorization": "Basic YWRtaW46YWRtaW4="}):
        response = await api.http.get("/tickets", headers=headers)
        detail = answered(api, response, 401, "GET /tickets")
        assert "key" in detail.lower()
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_a_role_that_may_not_gets_403_naming_its_role(api: InProcessApi) -> None:
    customer_id = await customer(api)
    agent = (await api.http.post("/keys", json={"role": "agent"})).json()["key"]
    mine = (await api.http.post("/keys", json={"role": "customer",
                                               "customer_id": customer_id})).json()["key"]
    refused = await api.http.post("/customers", headers={"Authorization": f"Bearer {agent}"},
                                  json={"name": "X", "plan": "fast"})
    assert "agent key" in answered(api, refused, 403, "POST /customers")
    other = await customer(api, "Someone Else")
    foreign = await api.http.post("/tickets", headers={"Authorization": f"Bearer {mine}"}, json={
        "customer_id": other, "subject": "s", "description": "d", "severity": "minor"})
    assert "own customer" in answered(api, foreign, 403, "POST /tickets")


async def test_what_does_not_exist_is_404_and_so_is_another_customers_ticket(
    api: InProcessApi,
) -> None:
    missing = await api.http.get("/tickets/TCK-000000000000")
    assert "TCK-000000000000" in answered(api, missing, 404, "GET /tickets/{ticket_id}")
    change = await api.http.post("/tickets/TCK-000000000000/responses",
                                 json={"author": "ana", "body": "hello"})
    answered(api, change, 404, "POST /tickets/{ticket_id}/responses")
    theirs = await ticket(api, await customer(api, "Theirs"))
    mine = (await api.http.post("/keys", json={"role": "customer",
                                               "customer_id": await customer(api)})).json()["key"]
    hidden = await api.http.get(f"/tickets/{theirs}",
                                headers={"Authorization": f"Bearer {mine}"})
    answered(api, hidden, 404, "GET /tickets/{ticket_id}")
    nobody = await api.http.get("/customers/999999")
    answered(api, nobody, 404, "GET /customers/{customer_id}")


async def test_a_change_the_workflow_refuses_is_409_with_its_reason(api: InProcessApi) -> None:
    ticket_id = await ticket(api, await customer(api))
    confirm = await api.http.post(f"/tickets/{ticket_id}/confirmation", json={})
    assert "resolution" in answered(api, confirm, 409,
                                    "POST /tickets/{ticket_id}/confirmation")
    callback = await api.http.post(f"/tickets/{ticket_id}/callbacks",
                                   json={"agent": "ana", "outcome": "reached"})
    assert "no callback is owed" in answered(api, callback, 409,
                                             "POST /tickets/{ticket_id}/callbacks")
    ack = await api.http.post(f"/tickets/{ticket_id}/escalations/1/ack", json={"by": "ana"})
    assert "nobody has been paged" in answered(
        api, ack, 409, "POST /tickets/{ticket_id}/escalations/{level}/ack")


async def test_bad_input_is_422_naming_the_field(api: InProcessApi) -> None:
    customer_id = await customer(api)
    cases: list[tuple[str, str, dict[str, Any], list[str]]] = [
        ("POST", "/tickets", {"customer_id": 999999, "subject": "s", "description": "d",
                              "severity": "minor"}, ["body", "customer_id"]),
        ("POST", "/tickets", {"customer_id": customer_id, "subject": "bad \ud800 text",
                              "description": "d", "severity": "minor"}, ["body"]),
        ("POST", "/tickets", {"customer_id": customer_id, "subject": "s", "description": "d",
                              "severity": "urgent"}, ["body", "severity"]),
        ("POST", "/customers", {"name": "N", "plan": "no-such-plan"}, ["body", "plan"]),
        ("POST", "/customers", {"name": "N", "plan": "fast", "time_zone": "Mars/Base"},
         ["body", "time_zone"]),
        ("POST", "/customers", {"name": "N", "plan": "fast", "locale": "../../etc"},
         ["body", "locale"]),
        ("POST", "/customers", {"name": "N", "plan": "fast", "locale": "xx-YY"},
         ["body", "locale"]),
    ]
    for method, path, body, location in cases:
        # Escaped as a client's JSON would be: a lone surrogate cannot be sent as UTF-8.
        response = await api.http.request(method, path, content=json.dumps(body),
                                          headers={"Content-Type": "application/json"})
        detail = answered(api, response, 422, f"{method} {path}")
        assert any(problem["loc"][:len(location)] == location for problem in detail), detail
    period = await api.http.get("/reports", params={"from": "yesterday"})
    assert answered(api, period, 422, "GET /reports")[0]["loc"] == ["query", "from"]


async def test_a_customer_takes_a_locale_there_are_templates_for(api: InProcessApi) -> None:
    for locale in ("pt-BR", "de", "en"):
        created = await api.http.post("/customers", json={
            "name": f"Locale {locale}", "plan": "fast", "locale": locale,
            "tam_name": "Tess", "tam_email": "t@example.com"})
        assert created.status_code == 201, created.text
        assert created.json()["locale"] == locale
    refused = await api.http.post("/customers", json={"name": "N", "plan": "fast",
                                                      "locale": "fr"})
    assert "pt_br" in refused.json()["detail"][0]["msg"]


async def test_a_body_over_a_mebibyte_is_413(api: InProcessApi) -> None:
    customer_id = await customer(api)
    response = await api.http.post("/tickets", json={
        "customer_id": customer_id, "subject": "s", "description": "x" * (1024 * 1024 + 1),
        "severity": "minor"})
    answered(api, response, 413, "POST /tickets")


async def test_a_worker_that_does_not_answer_is_503_never_a_lost_change(
    api: InProcessApi,
) -> None:
    ticket_id = await ticket(api, await customer(api))
    await api.stop_worker()
    api.wait_for_worker(1)
    response = await api.http.post(f"/tickets/{ticket_id}/responses",
                                   json={"author": "ana", "body": "looking"})
    assert "may still apply" in answered(api, response, 503,
                                         "POST /tickets/{ticket_id}/responses")
