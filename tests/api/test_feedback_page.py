"""The anonymous feedback page: a link is checked against the ticket's row before its
workflow is asked anything, the workflow is asked within the API's wait, and each address
has a few tries a minute."""

from __future__ import annotations

from tests.support.feedback import anonymous, closed_ticket
from tests.support.in_process import InProcessApi


async def test_a_made_up_link_is_a_404_told_from_the_database_alone(api: InProcessApi) -> None:
    ticket_id, link = await closed_ticket(api)
    async with anonymous(api) as browser:
        assert (await browser.get(link.path, params={"token": link.token})).status_code == 200
        # A workflow that is not a ticket (a rollout's id, say) and no such id at all.
        for path in ("/feedback/rollout-2026-12-02", "/feedback/TCK-NOPE"):
            answer = await browser.get(path, params={"token": link.token})
            assert answer.status_code == 404 and "not valid" in answer.text
        # With the worker gone a workflow query would wait; a wrong token never asks one.
        await api.stop_worker()
        api.wait_for_worker(1)
        wrong = await browser.get(link.path, params={"token": "0" * 32})
        assert wrong.status_code == 404 and "not valid" in wrong.text
        posted = await browser.post(link.path, data={"token": "0" * 32, "rating": "5"})
        assert posted.status_code == 404
        # The right token is asked of the workflow, within the API's wait.
        slow = await browser.get(link.path, params={"token": link.token})
        assert slow.status_code == 503 and "try the link again" in slow.text
    assert ticket_id in link.path


async def test_an_address_trying_links_is_turned_away_after_its_share(api: InProcessApi) -> None:
    _ticket_id, link = await closed_ticket(api)
    allowed = api.settings.feedback_requests_per_minute
    async with anonymous(api) as browser:
        answers = [(await browser.get(link.path, params={"token": f"{n:032x}"})).status_code
                   for n in range(allowed)]
        assert set(answers) == {404}
        turned_away = await browser.get(link.path, params={"token": link.token})
        assert turned_away.status_code == 429 and "wait a minute" in turned_away.text
