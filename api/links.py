"""OpenAPI links: what a created ticket or customer leads to, for clients and fuzzers.

A created ticket's ``id`` is the ``ticket_id`` of every ``/tickets/{ticket_id}...``
operation, and a created customer's ``id`` the ``customer_id`` of the customer routes;
saying so lets a client (and schemathesis's stateful phase) follow a ticket through its
life instead of guessing ids.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

#: Created resource (path of its POST) -> the path parameter its id fills.
CREATED = {"/tickets": "ticket_id", "/customers": "customer_id"}


def add_links(app: FastAPI) -> None:
    """Build the app's OpenAPI document with links from each 201 to what the id opens."""
    build = app.openapi

    def with_links() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        for created_at, parameter in CREATED.items():
            created = schema["paths"].get(created_at, {}).get("post", {}).get("responses", {})
            if "201" not in created:
                continue
            created["201"]["links"] = {
                operation["operationId"]: {
                    "operationId": operation["operationId"],
                    "parameters": {parameter: "$response.body#/id"},
                }
                for path, operations in schema["paths"].items()
                if f"{{{parameter}}}" in path
                for operation in operations.values()
            }
        if getattr(app.state, "resources", None) is not None:
            # Kept once complete: before start-up the policy's lists are not in it yet.
            app.openapi_schema = schema
        return schema

    app.openapi = with_links  # type: ignore[method-assign]
