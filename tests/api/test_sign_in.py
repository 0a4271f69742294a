"""Signing in, in-process: the site's root, the sign-in form's own token, where a person
lands, failed attempts limited per client (the real one behind a trusted proxy), the
cookies Secure and the pages' security headers."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from sqlmodel import Session, func, select
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.__main__ import proxy_options
from api.web_auth import COOKIE, SIGN_IN_COOKIE
from store.db import make_engine
from store.models import WebSession
from tests.support.in_process import InProcessApi, post_sign_in


def from_address(api: InProcessApi, address: str, base_url: str = "http://api.test",
                 ) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=api.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=base_url)


def through_proxy(api: InProcessApi, peer: str) -> httpx.AsyncClient:
    """A client whose requests reach the API from ``peer``, served as ``python -m api``
    serves them (uvicorn's proxy handling with the settings' options)."""
    options = proxy_options(api.app.state.resources.settings)
    app: Any = (ProxyHeadersMiddleware(api.app,  # type: ignore[arg-type]
                                       trusted_hosts=options["forwarded_allow_ips"])
                if options["proxy_headers"] else api.app)
    transport = httpx.ASGITransport(app=app, client=(peer, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://api.test")


async def new_key(api: InProcessApi, role: str = "agent", customer: bool = False) -> str:
    body: dict[str, object] = {"role": role, "name": f"{role} person"}
    if customer:
        created = await api.http.post("/customers", json={
            "name": "Own Co", "plan": "fast", "tam_name": "Tess", "tam_email": "t@example.com"})
        body["customer_id"] = created.json()["id"]
    answer = await api.http.post("/keys", json=body)
    assert answer.status_code == 201, answer.text
    key: str = answer.json()["key"]
    return key


def sessions(api: InProcessApi) -> int:
    engine = make_engine(api.settings.database_url)
    with Session(engine) as session:
        count = session.exec(select(func.count()).select_from(WebSession)).one()
    engine.dispose()
    return count


def trust_proxy(api: InProcessApi, addresses: str) -> None:
    resources = api.app.state.resources
    resources.settings = resources.settings.model_copy(
        update={"forwarded_allow_ips": addresses})


async def test_a_guesser_is_turned_away_but_others_still_sign_in(api: InProcessApi) -> None:
    key = await new_key(api)
    limit = api.settings.sign_in_attempts_per_minute
    async with from_address(api, "203.0.113.7") as guesser:
        statuses = [(await post_sign_in(guesser, f"sla_guess{n}")).status_code
                    for n in range(limit + 2)]
        assert set(statuses[:limit]) == {401}
        assert statuses[-1] == 429
        # Even the right key waits out the minute from that address.
        assert (await post_sign_in(guesser, key)).status_code == 429
    async with from_address(api, "198.51.100.4") as person:
        signed_in = await post_sign_in(person, key)
        assert signed_in.status_code == 303 and signed_in.headers["Location"] == "/queue"


async def test_the_cookies_are_secure_behind_https(api: InProcessApi) -> None:
    key = await new_key(api)
    resources = api.app.state.resources
    resources.settings = resources.settings.model_copy(
        update={"public_base_url": "https://support.example.com"})
    # The proxy speaks HTTPS to the browser, which then sends Secure cookies back.
    async with from_address(api, "192.0.2.1", base_url="https://api.test") as browser:
        form = await browser.get("/sign-in")
        assert "Secure" in form.headers["set-cookie"] and SIGN_IN_COOKIE in form.headers[
            "set-cookie"]
        assert form.headers["strict-transport-security"].startswith("max-age=")
        answer = await post_sign_in(browser, key)
        cookie = next(value for value in answer.headers.get_list("set-cookie")
                      if value.startswith(f"{COOKIE}="))
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" in cookie


async def test_the_root_sends_each_person_home(api: InProcessApi) -> None:
    async with from_address(api, "192.0.2.2") as stranger:
        root = await stranger.get("/")
        assert root.status_code == 303 and root.headers["location"] == "/sign-in"
    for key, home in ((await new_key(api), "/queue"),
                      (await new_key(api, "customer", customer=True), "/my/tickets")):
        async with from_address(api, "192.0.2.3") as browser:
            assert (await post_sign_in(browser, key)).status_code == 303
            root = await browser.get("/")
            assert root.status_code == 303 and root.headers["location"] == home
            assert (await browser.get(home)).status_code == 200


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com",
                                    "/\\/evil.com", "\\\\evil.com", "javascript:alert(1)",
                                    "/\t/evil.com"])
async def test_next_is_never_another_site(api: InProcessApi, target: str) -> None:
    key = await new_key(api)
    async with from_address(api, "192.0.2.4") as browser:
        form = await browser.get("/sign-in", params={"next": target})
        assert 'name="next" value=""' in form.text
        answer = await post_sign_in(browser, key, next=target)
        assert answer.status_code == 303 and answer.headers["location"] == "/queue"


async def test_each_person_lands_on_a_page_they_may_open(api: InProcessApi) -> None:
    agent, customer = await new_key(api), await new_key(api, "customer", customer=True)
    cases = [(agent, "/queue?severity=critical", "/queue?severity=critical"),
             (agent, "/my/tickets", "/queue"),
             (customer, "/queue", "/my/tickets"),
             (customer, "/queue/tickets/T-1", "/my/tickets"),
             (customer, "/reports", "/my/tickets"),
             (customer, "/my/tickets/T-1", "/my/tickets/T-1")]
    for key, target, landing in cases:
        async with from_address(api, "192.0.2.5") as browser:
            answer = await post_sign_in(browser, key, next=target)
            assert answer.headers["location"] == landing, (target, landing)


async def test_a_sign_in_form_from_elsewhere_signs_nobody_in(api: InProcessApi) -> None:
    key = await new_key(api)
    before = sessions(api)
    async with from_address(api, "192.0.2.6") as browser:
        missing = await browser.post("/sign-in", data={"key": key})
        await browser.get("/sign-in")  # our cookie is set, but the form sends another token
        wrong = await browser.post("/sign-in", data={"key": key, "sign_in_token": "forged"})
        for refused in (missing, wrong):
            assert refused.status_code == 403
            assert "did not come from our page" in refused.text
            assert COOKIE not in refused.headers.get("set-cookie", "")
        assert (await browser.get("/")).headers["location"] == "/sign-in"
    async with from_address(api, "192.0.2.7") as attacker:
        # A token of the attacker's own form is no good with another browser's cookie.
        form = await attacker.get("/sign-in")
        found = re.search(r'name="sign_in_token" value="([^"]+)"', form.text)
        assert found is not None
        token = found.group(1)
    async with from_address(api, "192.0.2.8") as victim:
        await victim.get("/sign-in")
        stolen = await victim.post("/sign-in", data={"key": key, "sign_in_token": token})
        assert stolen.status_code == 403
    assert sessions(api) == before


async def test_pages_carry_the_security_headers(api: InProcessApi) -> None:
    key = await new_key(api)
    async with from_address(api, "192.0.2.9") as browser:
        assert (await post_sign_in(browser, key)).status_code == 303
        for path in ("/sign-in", "/queue", "/feedback/T-1?token=wrong", "/nowhere"):
            answer = await browser.get(path)
            policy = answer.headers["content-security-policy"]
            assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
            assert "unsafe-inline" not in policy
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["referrer-policy"] == "same-origin"
            assert "strict-transport-security" not in answer.headers  # plain HTTP here
            # Each inline block carries this answer's nonce, and only this one.
            nonce = re.search(r"'nonce-([^']+)'", policy)
            assert nonce is not None
            blocks = re.findall(r"<(?:style|script)\b([^>]*)>", answer.text)
            assert all(f'nonce="{nonce.group(1)}"' in attributes for attributes in blocks), path
        other = (await browser.get("/queue")).headers["content-security-policy"]
        assert other != policy


async def test_clients_behind_a_trusted_proxy_are_limited_apart(api: InProcessApi) -> None:
    key = await new_key(api)
    limit = api.settings.sign_in_attempts_per_minute
    trust_proxy(api, "10.0.0.1")
    async with through_proxy(api, "10.0.0.1") as proxy:
        guesser = {"x-forwarded-for": "203.0.113.20"}
        statuses = [(await post_sign_in(proxy, f"sla_guess{n}", headers=guesser)).status_code
                    for n in range(limit)]
        assert set(statuses) == {401}
        assert (await post_sign_in(proxy, key, headers=guesser)).status_code == 429
        person = {"x-forwarded-for": "198.51.100.20"}
        assert (await post_sign_in(proxy, key, headers=person)).status_code == 303


async def test_an_untrusted_peer_cannot_name_another_client(api: InProcessApi) -> None:
    limit = api.settings.sign_in_attempts_per_minute
    assert proxy_options(api.app.state.resources.settings)["proxy_headers"] is False
    trust_proxy(api, "10.0.0.1")
    async with through_proxy(api, "203.0.113.30") as guesser:
        statuses = []
        for n in range(limit + 1):
            # A new X-Forwarded-For each time: ignored, the peer's own address is counted.
            statuses.append((await post_sign_in(guesser, f"sla_guess{n}")).status_code)
            guesser.headers["x-forwarded-for"] = f"198.51.100.{n + 1}"
        assert statuses[-1] == 429


async def test_the_feedback_limit_counts_the_client_behind_the_proxy(api: InProcessApi) -> None:
    per_minute = api.settings.feedback_requests_per_minute
    trust_proxy(api, "10.0.0.1")
    async with through_proxy(api, "10.0.0.1") as proxy:
        guesser = {"x-forwarded-for": "203.0.113.40"}
        statuses = [(await proxy.get("/feedback/T-1", params={"token": "wrong"},
                                     headers=guesser)).status_code
                    for _ in range(per_minute + 1)]
        assert statuses[-1] == 429
        other = await proxy.get("/feedback/T-1", params={"token": "wrong"},
                                headers={"x-forwarded-for": "198.51.100.40"})
        assert other.status_code == 404
    async with through_proxy(api, "203.0.113.41") as untrusted:
        statuses = [(await untrusted.get("/feedback/T-1", params={"token": "wrong"},
                                         headers={"x-forwarded-for": f"198.51.100.{n}"}
                                         )).status_code for n in range(per_minute + 1)]
        assert statuses[-1] == 429
