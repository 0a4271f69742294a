"""Every route of the API as the tests call it: its method and path template (as the app
declares them), a body that would succeed, the roles that may call it, and the state a
fresh ticket must be in for that call to succeed. ``tests/api/test_access.py`` holds this
table to the app's own routes and calls each route as every role; the other API tests take
the routes' bodies from it.

Path parameters are filled in by name (:func:`fill`): ``{ticket_id}`` a ticket of the
caller's customer, ``{customer_id}`` that customer, ``{key_id}`` an API key,
``{rollout_id}`` a rollout, ``{level}`` a page level, ``{mail_id}`` a quarantined mail,
``{action}`` the row's console action.
Bodies name ``{customer_id}`` and ``{customer_email}`` the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

ALL = frozenset({"customer", "agent", "admin", "telephony", "mail"})
CUSTOMER_OR_STAFF = frozenset({"customer", "agent", "admin"})
STAFF = frozenset({"agent", "admin"})
ADMIN = frozenset({"admin"})
CUSTOMER = frozenset({"customer"})

#: How a route is called: the JSON API with a bearer key; a page, read with a bearer key
#: (a browser without a session is sent to sign in); a console form, posted from a signed-in
#: session with its form token.
Kind = Literal["api", "page", "form"]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    roles: frozenset[str]
    body: dict[str, Any] | None = None
    #: The state a fresh ``{ticket_id}`` must be in for an allowed role's call to succeed.
    state: str = "open"
    kind: Kind = "api"
    #: The console form's action (``{action}``).
    action: str | None = None
    #: Where a form that succeeded sends the browser (a path template).
    done: str | None = None


ROUTES: list[Row] = [
    Row("POST", "/customers", ADMIN, {"name": "New", "plan": "fast"}),
    Row("GET", "/customers", STAFF),
    Row("GET", "/customers/{customer_id}", CUSTOMER_OR_STAFF),
    Row("POST", "/tickets", CUSTOMER_OR_STAFF, {
        "customer_id": "{customer_id}", "subject": "s", "description": "d", "severity": "minor",
        "force_new": True}),
    Row("GET", "/tickets", CUSTOMER_OR_STAFF),
    Row("GET", "/tickets/{ticket_id}", CUSTOMER_OR_STAFF),
    Row("GET", "/tickets/{ticket_id}/timeline", CUSTOMER_OR_STAFF),
    Row("GET", "/tickets/{ticket_id}/notifications", CUSTOMER_OR_STAFF),
    Row("POST", "/tickets/{ticket_id}/replies", CUSTOMER_OR_STAFF, {"body": "more info"}),
    Row("POST", "/tickets/{ticket_id}/confirmation", CUSTOMER_OR_STAFF, {}, "proposed"),
    Row("POST", "/tickets/{ticket_id}/reopen", CUSTOMER_OR_STAFF, {}, "proposed"),
    Row("POST", "/tickets/{ticket_id}/feedback", CUSTOMER_OR_STAFF, {"rating": 5}, "closed"),
    Row("POST", "/tickets/{ticket_id}/responses", STAFF, {"author": "a", "body": "b"}),
    Row("POST", "/tickets/{ticket_id}/status", STAFF,
        {"status": "waiting_on_customer", "author": "a"}),
    Row("POST", "/tickets/{ticket_id}/resolution", STAFF, {"author": "a", "summary": "s"}),
    Row("POST", "/tickets/{ticket_id}/callbacks", STAFF, {"agent": "a", "outcome": "reached"},
        "called"),
    Row("POST", "/tickets/{ticket_id}/escalations/{level}/ack", STAFF, {"by": "a"}, "paged"),
    Row("POST", "/tickets/{ticket_id}/update-interval", STAFF, {"interval": "1h", "author": "a"}),
    Row("POST", "/tickets/{ticket_id}/severity", STAFF, {"severity": "critical", "author": "a"}),
    Row("POST", "/tickets/{ticket_id}/type", STAFF, {"type": "configuration", "author": "a"}),
    Row("POST", "/tickets/{ticket_id}/coverage", STAFF, {"by": "a"}, "uncovered"),
    Row("POST", "/tickets/{ticket_id}/duplicate", STAFF, {"decision": "reject", "author": "a"},
        "possible_duplicate"),
    Row("POST", "/tickets/{ticket_id}/retries", STAFF, {"by": "a"}, "failing"),
    Row("POST", "/customers/{customer_id}/plan", ADMIN, {"plan": "fast"}),
    Row("POST", "/customers/{customer_id}/contracts", ADMIN, {
        "kind": "slots", "tier": "fast", "months": 1, "slots": 1, "starts_at": "2026-01-01"}),
    Row("GET", "/customers/{customer_id}/contracts", CUSTOMER_OR_STAFF),
    Row("GET", "/rollouts/{rollout_id}", ADMIN),
    Row("POST", "/emergency-calls", frozenset({"telephony", "agent", "admin"}), {
        "company_name": "Access Co A", "contact_name": "R", "contact_phone": "+390200000777",
        "contact_email": "r@example.com", "description": "down"}),
    Row("POST", "/inbound/email", frozenset({"mail", "admin"}), {
        "from": "{customer_email}", "message-id": "<m@x>", "subject": "Bounces", "text": "hi"}),
    Row("GET", "/inbound/quarantine", STAFF),
    Row("POST", "/inbound/quarantine/{mail_id}/assign", STAFF, {"customer_id": "{customer_id}"}),
    Row("POST", "/inbound/quarantine/{mail_id}/drop", STAFF, {}),
    Row("GET", "/reports/sla", STAFF),
    Row("POST", "/keys", ADMIN, {"role": "agent"}),
    Row("GET", "/keys", ADMIN),
    Row("DELETE", "/keys/{key_id}", ADMIN),
    # The Temporal Web UI's codec server: staff read ticket data decrypted.
    Row("POST", "/codec/decode", STAFF, {"payloads": []}),
    Row("POST", "/codec/encode", STAFF, {"payloads": []}),
    # The console: the agents' pages and forms, the customers' own, signing out.
    Row("GET", "/queue", STAFF, kind="page"),
    Row("GET", "/queue/tickets/{ticket_id}", STAFF, kind="page"),
    Row("GET", "/reports", STAFF, kind="page"),
    Row("GET", "/queue/quarantine", STAFF, kind="page"),
    Row("POST", "/queue/quarantine/{mail_id}/actions/{action}", STAFF, {}, kind="form",
        action="drop", done="/queue/quarantine?done=drop"),
    Row("GET", "/my/tickets", CUSTOMER, kind="page"),
    Row("GET", "/my/tickets/{ticket_id}", CUSTOMER, kind="page"),
    Row("POST", "/queue/tickets/{ticket_id}/actions/{action}", STAFF, {"body": "Looking"},
        kind="form", action="respond", done="/queue/tickets/{ticket_id}?done=respond"),
    Row("POST", "/my/tickets/{ticket_id}/actions/{action}", CUSTOMER, {"body": "More logs"},
        kind="form", action="reply", done="/my/tickets/{ticket_id}?done=reply"),
    Row("POST", "/sign-out", ALL, kind="form", done="/sign-in"),
]

#: Routes anyone may call without a key or a session, and why.
PUBLIC: dict[tuple[str, str], str] = {
    ("GET", "/health"): "the load balancer's probe: the database and Temporal up or not",
    ("GET", "/metrics"): "Prometheus scrapes it: counts, no ticket's data",
    ("GET", "/openapi.json"): "the API's own description",
    ("GET", "/docs"): "the API's own description, as a page",
    ("GET", "/docs/oauth2-redirect"): "part of the /docs page",
    ("GET", "/redoc"): "the API's own description, as a page",
    ("GET", "/"): "the site's root: sends a person to sign in, or home if signed in",
    ("GET", "/sign-in"): "where a person signs in with their key",
    ("POST", "/sign-in"): "the key is the form's field (tests/api/test_sign_in.py)",
    ("POST", "/telephony/voice"): "Twilio's webhook: X-Twilio-Signature is its credential "
                                  "(tests/e2e/test_emergency_api.py)",
    ("POST", "/inbound/email/mailgun"): "Mailgun's webhook: its HMAC signature is its "
                                        "credential (tests/api/test_inbound_mail.py)",
    ("POST", "/inbound/email/postmark"): "Postmark's webhook: the Basic credentials of its "
                                         "URL (tests/api/test_inbound_mail.py)",
    ("GET", "/feedback/{ticket_id}"): "the feedback link: its token is the credential",
    ("POST", "/feedback/{ticket_id}"): "the feedback link: its token is the credential",
}


def fill(value: Any, names: dict[str, Any]) -> Any:
    """``value`` (a path, a body) with each ``{name}`` replaced; a string that is only a
    placeholder becomes the value itself (a customer id stays a number)."""
    if isinstance(value, str):
        for name, replacement in names.items():
            if value == f"{{{name}}}":
                return replacement
            value = value.replace(f"{{{name}}}", str(replacement))
        return value
    if isinstance(value, dict):
        return {key: fill(item, names) for key, item in value.items()}
    return value
