"""The REST2 client against the real RT: the transactions after a cursor (keyset pages),
a ticket's requester and agent replies told apart, and a 404 that is permanent."""

from __future__ import annotations

import httpx
import pytest

from channels.request_tracker import (
    PermanentRequestTrackerError,
    RequestTrackerClient,
    RtSettings,
)
from tests.support.request_tracker import RequestTracker
from tickets.connectors.events import HelpDeskEventKind
from tickets.connectors.request_tracker import events_from_batch


def settings(rt: RequestTracker) -> RtSettings:
    return RtSettings(url=rt.url, token=rt.connector_token)


async def test_a_tickets_life_reads_as_events_after_a_cursor(rt: RequestTracker) -> None:
    async with httpx.AsyncClient() as http:
        client = RequestTrackerClient(settings(rt), http)
        start = await client.latest_transaction()
        ticket = rt.create_ticket("Printer on fire", "carol@customer.test", "It is burning")
        rt.agent_reply(ticket, "We are on it")
        rt.mail_in("carol@customer.test", ticket, "Printer on fire", "Still burning")
        batch = await client.batch_after(start)
    events = [event for event in events_from_batch(batch, settings(rt))
              if event.external_ticket_id == str(ticket)]
    kinds = [event.kind for event in events if event.kind is not HelpDeskEventKind.OTHER]
    assert kinds == [HelpDeskEventKind.CREATED, HelpDeskEventKind.PUBLIC_AGENT_COMMENT,
                     HelpDeskEventKind.STATUS_CHANGED, HelpDeskEventKind.REQUESTER_COMMENT]
    created, reply, opened, customer = (event for event in events
                                        if event.kind is not HelpDeskEventKind.OTHER)
    assert (created.subject, created.body, created.requester_email) == (
        "Printer on fire", "It is burning", "carol@customer.test")
    assert (reply.author_email, reply.body) == ("alice@example.test", "We are on it")
    assert opened.status == "open"
    assert customer.body.strip() == "Still burning"
    assert all(event.sequence == int(event.event_id) > start for event in events)
    assert batch.cursor == max(event.sequence for event in events)


async def test_pages_follow_one_another_by_id(rt: RequestTracker) -> None:
    async with httpx.AsyncClient() as http:
        # As root, who sees every transaction: pages are full.
        client = RequestTrackerClient(RtSettings(url=rt.url, token=rt.root_token), http)
        for number in range(3):
            rt.create_ticket(f"Ticket {number}", "erin@customer.test", "hello")
        first = await client.transactions_after(0, limit=2)
        second = await client.transactions_after(first[-1].id, limit=2)
    assert len(first) == len(second) == 2
    assert [item.id for item in first + second] == sorted({item.id for item in first + second})


async def test_transactions_the_connector_may_not_see_never_stall_the_poll(
        rt: RequestTracker) -> None:
    """Another team's queue: RT pages, then drops what the connector may not see, so whole
    pages come back empty; the cursor moves past them to the next ticket it may see."""
    async with httpx.AsyncClient() as http:
        client = RequestTrackerClient(settings(rt), http)
        cursor = await client.latest_transaction()
        with rt.client() as root:
            hidden = root.post("/ticket", json={"Queue": "Internal", "Subject": "not ours",
                                                "Content": "x", "ContentType": "text/plain"})
            hidden.raise_for_status()
            for number in range(6):
                root.post(f"/ticket/{hidden.json()['id']}/comment",
                          json={"Content": f"note {number}", "ContentType": "text/plain"}
                          ).raise_for_status()
        ticket = rt.create_ticket("Ours", "carol@customer.test", "visible")
        seen: list[str] = []
        for _ in range(20):
            batch = await client.batch_after(cursor, limit=3)
            assert batch.cursor >= cursor
            cursor = batch.cursor
            seen += [str(item.ticket_id) for item in batch.transactions]
            if not batch.more:
                break
    assert str(ticket) in seen and str(hidden.json()["id"]) not in seen
    assert not batch.more


async def test_a_missing_ticket_is_a_permanent_error(rt: RequestTracker) -> None:
    async with httpx.AsyncClient() as http:
        client = RequestTrackerClient(settings(rt), http)
        with pytest.raises(PermanentRequestTrackerError) as raised:
            await client.ticket(999_999)
        assert raised.value.status_code == 404
        bad = RequestTrackerClient(RtSettings(url=rt.url, token="1-1-wrong"), http)
        with pytest.raises(PermanentRequestTrackerError) as refused:
            await bad.ticket(1)
        assert refused.value.status_code == 401
