"""The per-address limits of the sign-in form and the feedback page: each counts an
address's last minute, and both hold a bounded number of addresses, so a flood from many
addresses costs bounded memory."""

from __future__ import annotations

import pytest

from api.web_auth import RequestLimiter, SignInLimiter

pytestmark = pytest.mark.pure


def test_sign_ins_that_fail_block_their_address_only() -> None:
    limiter = SignInLimiter()
    for _ in range(5):
        assert not limiter.blocked("10.0.0.1", per_minute=5)
        limiter.failed("10.0.0.1")
    assert limiter.blocked("10.0.0.1", per_minute=5)
    assert not limiter.blocked("10.0.0.2", per_minute=5)


def test_requests_beyond_the_limit_are_turned_away() -> None:
    limiter = RequestLimiter()
    assert [limiter.allow("10.0.0.1", per_minute=2) for _ in range(3)] == [True, True, False]
    assert limiter.allow("10.0.0.2", per_minute=2)


@pytest.mark.parametrize("limiter", [SignInLimiter(addresses=100), RequestLimiter(addresses=100)],
                         ids=["sign-in", "requests"])
def test_a_flood_of_addresses_keeps_the_latest_only(
        limiter: SignInLimiter | RequestLimiter) -> None:
    for number in range(10_000):
        address = f"10.{number // 65536}.{number // 256 % 256}.{number % 256}"
        if isinstance(limiter, SignInLimiter):
            limiter.failed(address)
        else:
            limiter.allow(address, per_minute=1)
    assert len(limiter.recent) == 100
    assert "10.0.39.15" in limiter.recent and "10.0.0.0" not in limiter.recent
