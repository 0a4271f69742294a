"""Feedback links signed with the server's secret: the token is in no workflow history,
a link opens while its secret is listed (newest first), and customer text in the Web UI's
details of a ticket is plain text."""

from __future__ import annotations

import re

from pydantic import SecretStr

from sla.ticket.feedback_link import server_token
from tests.support.feedback import anonymous, closed_ticket
from tests.support.history_text import history_text
from tests.support.in_process import InProcessApi
from tests.support.stack import FEEDBACK_LINK_SECRET
from workflow_client import connect


async def ticket_history(api: InProcessApi, ticket_id: str) -> str:
    client = await connect(api.settings)
    return history_text(await client.get_workflow_handle(ticket_id).fetch_history())


async def test_the_link_is_signed_by_the_server_and_its_token_is_in_no_history(
        api: InProcessApi) -> None:
    ticket_id, link = await closed_ticket(api)
    assert link.token == server_token(FEEDBACK_LINK_SECRET, ticket_id, 1)
    async with anonymous(api) as browser:
        page = await browser.get(link.path, params={"token": link.token})
        assert page.status_code == 200 and "Bounces" in page.text
        rated = await browser.post(link.path, data={"token": link.token, "rating": "4"})
        assert rated.status_code == 200 and "you rated 4/5" in rated.text
    text = await ticket_history(api, ticket_id)
    # The search reads the payloads: the subject and the rating are there, the token is not,
    # nor any secret of the ticket's own.
    assert "Bounces" in text and '"rating":4' in text.replace(" ", "")
    assert link.token not in text and link.token[:32] not in text
    assert not re.search(r'"feedback_secret":\s*"[^"]', text)


async def test_a_link_opens_while_its_secret_is_listed_after_a_rotation(
        api: InProcessApi) -> None:
    ticket_id, link = await closed_ticket(api)
    settings = api.settings
    settings.feedback_link_secret = SecretStr("rotated secret")
    settings.feedback_link_old_secrets = [SecretStr(FEEDBACK_LINK_SECRET)]
    newer = server_token("rotated secret", ticket_id, 1)
    async with anonymous(api) as browser:
        for token in (link.token, newer):
            assert (await browser.get(link.path, params={"token": token})).status_code == 200
        # Dropped from the list, the old secret's links are links no more.
        settings.feedback_link_old_secrets = []
        dropped = await browser.get(link.path, params={"token": link.token})
        assert dropped.status_code == 404 and "not valid" in dropped.text
        posted = await browser.post(link.path, data={"token": link.token, "rating": "5"})
        assert posted.status_code == 404
        # A token made with a guessed secret, or for another closure, is no link either.
        for wrong in (server_token("guess", ticket_id, 1), server_token("rotated secret",
                                                                        ticket_id, 2)):
            assert (await browser.get(link.path, params={"token": wrong})).status_code == 404
        assert (await browser.get(link.path, params={"token": newer})).status_code == 200
    # The API with a key is refused the same way for a wrong link.
    refused = await api.http.post(f"/tickets/{ticket_id}/feedback", json={
        "rating": 5, "token": link.token})
    assert refused.status_code == 409 and "not valid" in refused.text


HOSTILE = "[Open in the console](https://evil.example/x) <img src=x> # now"


async def test_a_hostile_subject_is_plain_text_in_the_web_ui(api: InProcessApi) -> None:
    ticket_id, _link = await closed_ticket(api, HOSTILE)
    client = await connect(api.settings)
    handle = client.get_workflow_handle(ticket_id)
    description = await handle.describe()
    summary = await description.static_summary() or ""
    details = await description.static_details() or ""
    metadata = await handle.query("__temporal_workflow_metadata")
    current = metadata.current_details
    escaped = "\\[Open in the `console](https://evil.example/x)` &lt;img src\\=x&gt; \\# now"
    for shown in (summary, details, current):
        assert escaped in shown, shown
        assert "](https://evil" not in shown.replace("`console](https://evil", "")
        assert "<img" not in shown
