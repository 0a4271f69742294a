"""Who is at the browser: the session cookie set at sign-in, and the form token every page
form carries.

The cookie is HttpOnly and SameSite=Strict, Secure when the API is served over HTTPS (its
``PUBLIC_BASE_URL`` says so behind a proxy), and ends after the configured idle time or
maximum lifetime, whichever comes first. The JSON API never reads it: API clients send
``Authorization: Bearer``, so a page cannot be made to write through the API on a
signed-in agent's behalf.

The sign-in form carries a token of its own, before there is any session: the same random
value in a cookie and in the form (double submit). Another site can make a browser post
the form, but cannot read or set our cookie, so it cannot sign a victim in to the
attacker's account (login CSRF).
"""

from __future__ import annotations

import hmac
import math
import secrets
import time
from collections import deque
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Header, HTTPException, Request, Response, status

from api.auth import Principal, principal
from api.deps import ResourcesDep, SessionDep
from config import Settings
from store.web_sessions import find_session

COOKIE = "sla_session"
SIGN_IN_COOKIE = "sla_sign_in"
#: Long enough to type a key after opening the form; a stale form is shown again.
SIGN_IN_FORM_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class WebCaller(Principal):
    name: str
    csrf_token: str
    session_id: int


def secure_cookies(request: Request, public_base_url: str | None) -> bool:
    if public_base_url:
        return public_base_url.lower().startswith("https://")
    return request.url.scheme == "https"


def set_session_cookie(response: Response, request: Request, token: str,
                       public_base_url: str | None, idle: timedelta) -> None:
    response.set_cookie(COOKIE, token, max_age=int(idle.total_seconds()), httponly=True,
                        samesite="strict", secure=secure_cookies(request, public_base_url),
                        path="/")


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/")


def new_sign_in_token() -> str:
    return secrets.token_urlsafe(24)


def set_sign_in_cookie(response: Response, request: Request, token: str,
                       public_base_url: str | None) -> None:
    response.set_cookie(SIGN_IN_COOKIE, token,
                        max_age=int(SIGN_IN_FORM_LIFETIME.total_seconds()), httponly=True,
                        samesite="strict", secure=secure_cookies(request, public_base_url),
                        path="/sign-in")


def sign_in_form_is_ours(request: Request, form_token: str) -> bool:
    """The form's token matches the cookie set when our page showed the form."""
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), form_token.encode())


def session_limits(settings: Settings) -> tuple[timedelta, timedelta]:
    """A session's idle time and its maximum lifetime."""
    return (timedelta(minutes=settings.web_session_idle_minutes),
            timedelta(hours=settings.web_session_max_hours))


def _to_sign_in(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(status.HTTP_303_SEE_OTHER, detail="sign in first",
                         headers={"Location": f"/sign-in?next={quote(target)}"})


def web_caller(request: Request, session: SessionDep, resources: ResourcesDep,
               authorization: Annotated[str | None, Header()] = None) -> WebCaller:
    """The signed-in person, or a redirect to the sign-in page. A script may read the
    pages with ``Authorization: Bearer`` instead; it gets no form token, so it cannot
    post their forms."""
    token = request.cookies.get(COOKIE)
    idle, lifetime = session_limits(resources.settings)
    found = find_session(session, token, idle, lifetime) if token else None
    if found is None:
        if authorization:
            caller = principal(session, authorization)
            return WebCaller(role=caller.role, customer_id=caller.customer_id,
                             key_id=caller.key_id, name=f"{caller.role} #{caller.key_id}",
                             csrf_token="", session_id=0)
        raise _to_sign_in(request)
    row, key = found
    assert row.id is not None
    return WebCaller(role=key.role, customer_id=key.customer_id, key_id=key.id,
                     name=key.name or f"{key.role} #{key.id}", csrf_token=row.csrf_token,
                     session_id=row.id)


def _staff(caller: Annotated[WebCaller, Depends(web_caller)]) -> WebCaller:
    if caller.role not in ("agent", "admin"):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail=f"a {caller.role} key may not open the agents' pages")
    return caller


def _customer(caller: Annotated[WebCaller, Depends(web_caller)]) -> WebCaller:
    if caller.customer_id is None:
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail="these pages are for a customer's own key")
    return caller


SignedIn = Annotated[WebCaller, Depends(web_caller)]
StaffPage = Annotated[WebCaller, Depends(_staff)]
CustomerPage = Annotated[WebCaller, Depends(_customer)]


def check_form_token(caller: WebCaller, token: str) -> None:
    """A form posted from another site cannot know the session's token: refused."""
    if not caller.csrf_token or not hmac.compare_digest(caller.csrf_token.encode(),
                                                        token.encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN,
                            detail="this form did not come from our page (missing or wrong "
                                   "form token): reload the page and try again")


class _LastMinute:
    """Per client address, the instants counted in the last minute. Holds at most
    ``addresses`` addresses with something counted: the least recently counted are
    forgotten first, so a flood of addresses costs bounded memory."""

    def __init__(self, addresses: int = 10_000) -> None:
        self.addresses = addresses
        self.recent: dict[str, deque[float]] = {}

    def counted(self, client: str, add_below: float = 0) -> int:
        """How many were counted in the last minute; one more is counted now if fewer than
        ``add_below`` were."""
        now = time.monotonic()
        recent = self.recent.pop(client, None) or deque()
        while recent and now - recent[0] > 60:
            recent.popleft()
        counted = len(recent)
        if counted < add_below:
            recent.append(now)
        if recent:
            # Re-inserted last: the dict's order is the order addresses were last counted.
            self.recent[client] = recent
            while len(self.recent) > self.addresses:
                del self.recent[next(iter(self.recent))]
        return counted


class SignInLimiter(_LastMinute):
    """A client address with ``per_minute`` failed sign-ins in the last minute is turned
    away until the oldest of them is a minute old (a guesser, not a person who signs in)."""

    def blocked(self, client: str, per_minute: int) -> bool:
        return self.counted(client) >= per_minute

    def failed(self, client: str) -> None:
        self.counted(client, add_below=math.inf)


class RequestLimiter(_LastMinute):
    """At most ``per_minute`` requests per client address in any minute; the rest are
    turned away until the oldest counted is a minute old."""

    def allow(self, client: str, per_minute: int) -> bool:
        return self.counted(client, add_below=per_minute) < per_minute


def client_address(request: Request) -> str:
    """The address a request came from, as the limits count it: behind a proxy named in
    ``FORWARDED_ALLOW_IPS``, uvicorn has already put the client its X-Forwarded-For names
    here; anyone else's X-Forwarded-For is ignored."""
    return request.client.host if request.client else "unknown"
