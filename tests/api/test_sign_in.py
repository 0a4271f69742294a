"""Signing in, in-process: failed attempts are limited per address, and the cookie is
Secure where the API is served over HTTPS."""

from __future__ import annotations

import httpx

from tests.support.in_process import InProcessApi


def from_address(api: InProcessApi, address: str, base_url: str = "http://api.test",
                 ) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


async def test_a_guesser_is_turned_away_but_others_still_sign_in(api: InProcessApi) -> None:
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Ana"})).json()["key"]
    async with from_address(api, "203.0.113.7") as guesser:
        statuses = [(await guesser.post("/sign-in", data={"key": f"sla_guess{n}"})).status_code
                    for n in range(api.settings.sign_in_attempts_per_minute + 2)]
        assert set(statuses[:api.settings.sign_in_attempts_per_minute]) == {401}
        assert statuses[-1] == 429
        # Even the right key waits out the minute from that address.
        assert (await guesser.post("/sign-in", data={"key": key})).status_code == 429
    async with from_address(api, "198.51.100.4") as person:
        signed_in = await person.post("/sign-in", data={"key": key})
        assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/queue"


async def test_the_cookie_is_secure_behind_https_and_the_next_page_stays_ours(
    api: InProcessApi,
) -> None:
    key = (await api.http.post("/keys", json={"role": "agent", "name": "Bo"})).json()["key"]
    resources = api.app.state.resources
    resources.settings = resources.settings.model_copy(
        update={"public_base_url": "https://support.example.com"})
    async with from_address(api, "192.0.2.1") as browser:
        answer = await browser.post("/sign-in", data={"key": key,
                                                      "next": "https://evil.example/x"})
        cookie = answer.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie
        assert answer.headers["Location"] == "/queue"  # not another site
