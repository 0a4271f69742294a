"""The OpenAPI document tells the truth about errors and about what the policy accepts.

Every route declares the error statuses it can answer, each with its body: 401 and 403
where a key is needed (and 303, to the sign-in page, for a page), 404 where the path
names something, 409 where a change can be refused, 400, 413 and 422 where a body or
parameters are read, 503 where Temporal is reached. The plans, tiers, channels and time
zones the API accepts are the loaded policy's, so the schema lists them: a client (or a
fuzzer) learns them from the document instead of from a 422.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from api.schemas import ErrorPublic
from sla.policy.rules import Policy
from sla.vocabulary import Channel

#: Paths whose routes touch the database only: Temporal being down is no error of theirs.
DATABASE_ONLY = ("/keys", "/health", "/metrics")
#: Routes that change something a workflow or the policy can refuse.
REFUSABLE = ("/tickets", "/customers", "/emergency", "/inbound", "/feedback")

ERRORS: dict[int, str] = {
    303: "a browser without a session is sent to the sign-in page",
    400: "the body could not be read as the content type it claims",
    401: "no API key, or an unknown or revoked one (send Authorization: Bearer <key>)",
    403: "the key's role may not do this",
    404: "what the path names does not exist (or is not the customer key's own)",
    409: "refused: the ticket's state or workflow does not allow the change; the detail "
         "says why",
    413: "the body is larger than 1 MiB",
    503: "Temporal or the ticket's worker did not answer in time; the change may still "
         "apply: read the ticket before retrying",
}


def _error(code: int, html: bool) -> dict[str, Any]:
    if html:
        return {"description": ERRORS[code], "content": {"text/html": {"schema": {
            "type": "string"}}}}
    return {"description": ERRORS[code], "content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/ErrorPublic"}}}}


def declare_error_statuses(schema: dict[str, Any]) -> None:
    """Adds each operation's possible error statuses, with their body, to its responses."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components["ErrorPublic"] = error_schema
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            responses = operation.setdefault("responses", {})
            html = any("text/html" in answer.get("content", {})
                       for answer in responses.values())
            codes: set[int] = set()
            if any(p["in"] == "header" and p["name"].lower() == "authorization"
                   for p in parameters):
                codes |= {401, 403}
                if html:  # a page: without a session, the browser goes to sign in
                    codes.add(303)
            if any(p["in"] == "path" for p in parameters):
                codes.add(404)
            if "requestBody" in operation:
                codes |= {400, 413}
                if path.startswith(REFUSABLE):
                    codes.add(409)
            if not path.startswith(DATABASE_ONLY):
                codes.add(503)
            for code in sorted(codes):
                responses.setdefault(str(code), _error(code, html))


def _constrain(schema: dict[str, Any], model: str, field: str, values: list[str]) -> None:
    properties = schema.get("components", {}).get("schemas", {}).get(model, {}).get(
        "properties", {})
    if field not in properties:
        return
    target = properties[field]
    if "$ref" in target:
        # A field of one of the domain's enums: here, only the values this policy takes.
        properties[field] = {"type": "string", "enum": values,
                             **{key: value for key, value in target.items() if key != "$ref"}}
        return
    # An optional field is anyOf [the string, null]: the list goes on the string.
    for option in target.get("anyOf", [target]):
        if option.get("type") == "string":
            option["enum"] = values


def policy_constraints(schema: dict[str, Any], policy: Policy) -> None:
    """The loaded policy's plans, tiers and channels, and the time zones, as enums."""
    plans = sorted(policy.plans)
    for model, field in (("CustomerCreate", "plan"), ("PlanChangeCreate", "plan"),
                         ("ContractCreate", "tier")):
        _constrain(schema, model, field, plans)
    zones = sorted(available_timezones())
    for model in ("CustomerCreate",):
        _constrain(schema, model, "time_zone", zones)
    channels = [channel.value for channel in Channel if channel not in policy.refused_channels]
    _constrain(schema, "TicketCreate", "channel", channels)


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        schema = get_openapi(title=app.title, version=app.version, summary=app.summary,
                             routes=app.routes)
        declare_error_statuses(schema)
        resources = getattr(app.state, "resources", None)
        if resources is not None:  # after start-up: the policy is loaded
            policy_constraints(schema, resources.policy)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
