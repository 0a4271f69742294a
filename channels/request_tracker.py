"""Request Tracker 5's REST2 API, over httpx: the transactions after a cursor, the tickets
and users they name, and the write-back (a comment that carries its idempotency key, and
the SLA custom fields).

RT has no webhooks: the poll reads ``/REST/2.0/transactions`` ordered by id, after the
highest id it has applied (keyset paging: a page of at most 100, and the next page starts
after the last id read). What these records mean for our clocks is decided in
``tickets.connectors.request_tracker``; this module only speaks RT's HTTP.

A 4xx other than 408 and 429 is permanent (:class:`PermanentRequestTrackerError`): a retry
cannot mend a bad token, a missing ticket or a refused field. Anything else (5xx, 429, a
connection refused, a timeout) is transient and raised as it is, for the activity's retry.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

#: RT's REST2 answers at most this many records a page.
MAX_PAGE = 100
#: What the transactions listing asks RT to include of each record.
TRANSACTION_FIELDS = "Type,Field,OldValue,NewValue,Creator,Created,ObjectType,ObjectId,Data"
#: The types of transaction that carry a message (its text is read from its attachments).
MESSAGE_TYPES = frozenset({"Create", "Correspond", "Comment"})
#: How the write-back's comment names its key (in its subject and on its last line).
KEY_LABEL = "sla-key"


class PermanentRequestTrackerError(Exception):
    """RT refused the request for good (a 4xx other than 408 and 429); the message says why."""

    def __init__(self, detail: str, status_code: int) -> None:
        super().__init__(detail)
        self.status_code = status_code


@dataclass(frozen=True)
class RtSettings:
    """Where RT is and how we sign in: ``url`` is RT's web root (``https://rt.example.com``),
    ``token`` an RT authentication token of the connector's RT user."""

    url: str
    token: str
    #: The ticket custom fields the SLA state and the next due time are written into
    #: (empty: not written).
    sla_state_field: str = "SLA state"
    next_due_field: str = "SLA next due"
    timeout_seconds: float = 30.0

    @property
    def rest2(self) -> str:
        return f"{self.url.rstrip('/')}/REST/2.0"

    def ticket_url(self, ticket_id: int) -> str:
        """The ticket's page in RT's web UI, for our ticket's page and queue."""
        return f"{self.url.rstrip('/')}/Ticket/Display.html?id={ticket_id}"


@dataclass(frozen=True)
class RtUser:
    name: str
    email: str = ""
    real_name: str = ""
    privileged: bool = False
    organization: str = ""


@dataclass(frozen=True)
class RtTicket:
    id: int
    subject: str
    status: str
    priority: str
    queue: str
    #: The requestors' RT user names (for a mailed-in customer: the address).
    requestors: tuple[str, ...] = ()


@dataclass(frozen=True)
class RtTransaction:
    id: int
    ticket_id: int
    type: str
    created: datetime
    creator: str
    field: str = ""
    old_value: str = ""
    new_value: str = ""
    #: RT's ``Data``: a message's subject for Create, Correspond and Comment.
    data: str = ""
    #: The message's text (its first text/plain part), for the message types.
    content: str = ""


@dataclass(frozen=True)
class RtBatch:
    """One page of ticket transactions after a cursor, with the tickets and the users they
    name (as RT has them now)."""

    transactions: list[RtTransaction]
    tickets: dict[int, RtTicket] = field(default_factory=dict)
    users: dict[str, RtUser] = field(default_factory=dict)
    #: The highest transaction id read (the cursor once this batch is applied).
    cursor: int = 0
    #: The cursor moved (RT may have more after it).
    more: bool = False


def _check(response: httpx.Response) -> None:
    if response.is_success:
        return
    detail = f"RT answered HTTP {response.status_code} to {response.request.method} " \
             f"{response.request.url.path}: {response.text[:300]}"
    if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
        raise PermanentRequestTrackerError(detail, response.status_code)
    raise httpx.HTTPStatusError(detail, request=response.request, response=response)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _name(reference: Any) -> str:
    """A user reference (``{"id": "alice", "type": "user", ...}``) to the user's name."""
    return _text(reference.get("id")) if isinstance(reference, dict) else _text(reference)


def _instant(value: str) -> datetime:
    """RT's ``2026-12-03T21:52:46Z`` (UTC) as an aware datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def key_marker(idempotency_key: str) -> str:
    return f"[{KEY_LABEL}:{idempotency_key}]"


class RequestTrackerClient:
    """REST2 calls for one RT, through the given ``httpx.AsyncClient`` (shared, not owned)."""

    def __init__(self, settings: RtSettings, http: httpx.AsyncClient) -> None:
        self.settings, self.http = settings, http

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = await self.http.request(
            method, f"{self.settings.rest2}{path}", timeout=self.settings.timeout_seconds,
            headers={"Authorization": f"token {self.settings.token}"}, **kwargs)
        _check(response)
        return response.json()

    async def transactions_after(self, cursor: int, limit: int = MAX_PAGE,
                                 ticket_id: int | None = None,
                                 extra: list[dict[str, Any]] | None = None) -> list[RtTransaction]:
        """Ticket transactions with an id above ``cursor``, in id order (one page, at most
        ``limit``; no message text)."""
        query: list[dict[str, Any]] = [
            {"field": "id", "operator": ">", "value": cursor},
            {"field": "ObjectType", "value": "RT::Ticket"}]
        if ticket_id is not None:
            query.append({"field": "ObjectId", "value": ticket_id})
        query += extra or []
        page = await self._request(
            "POST", "/transactions", json=query,
            params={"per_page": min(limit, MAX_PAGE), "orderby": "id", "order": "ASC",
                    "fields": TRANSACTION_FIELDS})
        return [RtTransaction(
            id=int(item["id"]), ticket_id=int(item["ObjectId"]), type=_text(item.get("Type")),
            created=_instant(item["Created"]), creator=_name(item.get("Creator")),
            field=_text(item.get("Field")), old_value=_text(item.get("OldValue")),
            new_value=_text(item.get("NewValue")), data=_text(item.get("Data")))
            for item in page.get("items", [])]

    async def latest_transaction(self) -> int:
        """The highest ticket transaction id RT has now (0 for none): where a new poll starts
        when it is not to read the help desk's whole past."""
        page = await self._request(
            "POST", "/transactions", json=[{"field": "ObjectType", "value": "RT::Ticket"}],
            params={"per_page": 1, "orderby": "id", "order": "DESC", "fields": "Type"})
        items = page.get("items", [])
        return int(items[0]["id"]) if items else 0

    async def content(self, transaction_id: int) -> str:
        """The transaction's message text: its first text/plain attachment with content
        (a listing's ``fields=Content`` is the text itself; only a single attachment's
        record is base64)."""
        page = await self._request("GET", f"/transaction/{transaction_id}/attachments",
                                   params={"fields": "ContentType,Content", "per_page": 20})
        for item in page.get("items", []):
            if _text(item.get("ContentType")).startswith("text/plain") and item.get("Content"):
                return _text(item["Content"])
        return ""

    async def ticket(self, ticket_id: int) -> RtTicket:
        item = await self._request("GET", f"/ticket/{ticket_id}")
        return RtTicket(
            id=int(item["id"]), subject=_text(item.get("Subject")),
            status=_text(item.get("Status")), priority=_text(item.get("Priority")),
            queue=_name(item.get("Queue")),
            requestors=tuple(_name(person) for person in item.get("Requestor") or []))

    async def user(self, name: str) -> RtUser:
        item = await self._request("GET", f"/user/{quote(name, safe='@')}")
        return RtUser(name=_text(item.get("Name")) or name,
                      email=_text(item.get("EmailAddress")),
                      real_name=_text(item.get("RealName")),
                      privileged=_text(item.get("Privileged")) in ("1", "True", "true"),
                      organization=_text(item.get("Organization")))

    async def transaction_exists(self, transaction_id: int) -> bool:
        """Whether RT surely has this transaction, seen or not by us: 200, or 403 (hidden).

        For a user who is not a superuser RT 5.0.3 answers a transaction that does not exist
        with a 500 (a bug of its own), so any other answer counts as "not known to exist":
        the cursor then stays where it is, which never skips a transaction."""
        response = await self.http.get(
            f"{self.settings.rest2}/transaction/{transaction_id}",
            timeout=self.settings.timeout_seconds,
            headers={"Authorization": f"token {self.settings.token}"})
        return response.status_code in (200, 403)

    async def batch_after(self, cursor: int, limit: int = MAX_PAGE) -> RtBatch:
        """The next page of ticket transactions after ``cursor``, each message's text, and
        the tickets and users they name.

        RT pages first and drops what we may not see after (a queue not ours, outgoing mail
        records): a page may be short or empty with more behind it. An empty page whose
        ``limit``-th id after the cursor exists was all hidden: the cursor moves past it
        (every id up to there was in that page), so hidden transactions never stall the
        poll. ``more`` says the cursor moved: poll again at once."""
        limit = min(limit, MAX_PAGE)
        transactions = await self.transactions_after(cursor, limit)
        if not transactions:
            skipped = cursor + limit
            if await self.transaction_exists(skipped):
                return RtBatch(transactions=[], cursor=skipped, more=True)
            return RtBatch(transactions=[], cursor=cursor, more=False)
        with_content = []
        for transaction in transactions:
            if transaction.type in MESSAGE_TYPES:
                transaction = replace(transaction, content=await self.content(transaction.id))
            with_content.append(transaction)
        tickets = {number: await self.ticket(number)
                   for number in sorted({item.ticket_id for item in transactions})}
        names = {item.creator for item in transactions} | {
            name for ticket in tickets.values() for name in ticket.requestors}
        users = {name: await self.user(name) for name in sorted(names) if name}
        return RtBatch(transactions=with_content, tickets=tickets, users=users,
                       cursor=max(item.id for item in transactions), more=True)

    async def find_comment(self, ticket_id: int, idempotency_key: str) -> int | None:
        """The id of the ticket's comment that carries this key, if one was written."""
        found = await self.transactions_after(
            0, MAX_PAGE, ticket_id=ticket_id,
            extra=[{"field": "Type", "value": "Comment"},
                   {"field": "Data", "operator": "LIKE", "value": key_marker(idempotency_key)}])
        return found[0].id if found else None

    async def comment(self, ticket_id: int, subject: str, text: str) -> None:
        await self._request("POST", f"/ticket/{ticket_id}/comment",
                            json={"Subject": subject, "Content": text,
                                  "ContentType": "text/plain"})

    async def set_custom_fields(self, ticket_id: int, values: dict[str, str]) -> None:
        if values:
            await self._request("PUT", f"/ticket/{ticket_id}", json={"CustomFields": values})

    async def write_back(self, ticket_id: int, idempotency_key: str, note: str,
                         custom_fields: dict[str, str]) -> bool:
        """The note as an RT comment carrying its key (unless the ticket already has the
        comment with that key), then the custom fields (setting a value twice is harmless).
        Returns whether a comment was written now."""
        written = False
        if await self.find_comment(ticket_id, idempotency_key) is None:
            first_line = (note.strip().splitlines() or ["SLA"])[0][:120]
            marker = key_marker(idempotency_key)
            await self.comment(ticket_id, f"{first_line} {marker}",
                               f"{note.rstrip()}\n\n{KEY_LABEL}: {idempotency_key}\n")
            written = True
        await self.set_custom_fields(ticket_id, custom_fields)
        return written
