"""Text no database can hold (a lone surrogate such as the JSON escape "\\ud800", or NUL) is
refused with a 422 that names the field, in every text field of every JSON route."""

from __future__ import annotations

import json
from typing import Any

from tests.support.in_process import InProcessApi
from tests.support.routes import ROUTES, fill

#: Nested text fields worth their own case (the top-level ones come from the routes' bodies).
NESTED = [("/tickets", ("intake", "module")), ("/tickets", ("assignee", "name"))]


def text_fields(body: dict[str, Any]) -> list[tuple[str, ...]]:
    return [(name,) for name, value in body.items() if isinstance(value, str)
            and not value.startswith("{")]


async def test_a_lone_surrogate_is_a_422_naming_the_field_in_every_route(
    api: InProcessApi,
) -> None:
    admin = api.http
    customer = (await admin.post("/customers", json={"name": "Surrogate Co", "plan": "fast"})).json()
    ticket = (await admin.post("/tickets", json={
        "customer_id": customer["id"], "subject": "s", "description": "d",
        "severity": "minor"})).json()
    names = {"ticket_id": ticket["id"], "customer_id": customer["id"], "level": 1}
    cases: list[tuple[str, str, dict[str, Any], tuple[str, ...]]] = []
    for row in ROUTES:
        if row.body is None or row.kind != "api":  # the console's forms are no JSON
            continue
        filled = fill(row.body, names)
        cases += [(row.method, fill(row.path, names), filled, field)
                  for field in text_fields(row.body)]
    ticket_body = fill(next(row.body for row in ROUTES
                            if (row.method, row.path) == ("POST", "/tickets")), names)
    cases += [("POST", "/tickets", ticket_body | {field[0]: {"name": "x"} if field[0] ==
                                                  "assignee" else {}}, field)
              for _path, field in NESTED]
    assert len(cases) > 20
    for method, url, body, field in cases:
        for bad in ("a\ud800b", "a\x00b"):
            sent = json.loads(json.dumps(body))
            target = sent
            for part in field[:-1]:
                target = target[part]
            target[field[-1]] = bad
            # ensure_ascii: the surrogate travels as the escape "\ud800", as a client sends it.
            response = await admin.request(method, url, content=json.dumps(sent).encode(),
                                           headers={"content-type": "application/json"})
            assert response.status_code == 422, (method, url, field, response.text)
            assert ".".join(field) in response.text, (method, url, field, response.text)
    listed = (await admin.get("/tickets", params={"customer_id": customer["id"]})).json()
    assert [row["id"] for row in listed] == [ticket["id"]]  # nothing else was opened
