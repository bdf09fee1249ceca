"""Who is asking, and may they: session cookies, personal tokens, CSRF tokens, and the library's errors as
HTTP errors (the one error shape of :mod:`healthqa.app.errors`).

- The session cookie (``hq_session``) is HttpOnly, SameSite=Lax, Secure when the request came over HTTPS, and a
  new one is made at each sign-in (the old one ends). Anonymous visitors who are shown a form get a random
  ``hq_visitor`` cookie with the same flags.
- Every form carries a CSRF token: an HMAC, under the community database's secret, of the cookie in use; a new
  session cookie thus changes it. JSON requests authenticated by cookie send it as ``X-CSRF-Token``; those
  authenticated by a personal token (``Authorization: Bearer hqp_...``) need none (a browser never adds it).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Callable
from typing import TypeVar

from fastapi import Request
from starlette.responses import Response

from healthqa.app.errors import ApiError
from healthqa.app.ratelimit import client_address, parse_networks
from healthqa.community import Account, Community
from healthqa.errors import (
    BadInputError,
    CommunityError,
    CommunityNotFoundError,
    EmailNotConfirmedError,
    EmergencyNoticeError,
    NotAllowedError,
    PostingLimitError,
    SignInFailedError,
)

SESSION_COOKIE = "hq_session"
VISITOR_COOKIE = "hq_visitor"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
T = TypeVar("T")


def community(request: Request) -> Community:
    found: Community = request.app.state.community
    return found


def secure(request: Request) -> bool:
    """Whether the person reached the site over HTTPS: this request's own scheme, a public address that is
    https (``HEALTHQA_PUBLIC_URL``), or ``X-Forwarded-Proto: https`` from a trusted proxy (the TLS proxy in front
    of ``healthqa serve`` talks plain HTTP to it)."""
    settings = request.app.state.settings
    if request.url.scheme == "https" or (settings.public_url or "").startswith("https://"):
        return True
    peer = request.scope.get("client")
    if not peer or not settings.trusted_proxies:
        return False
    try:
        address = ipaddress.ip_address(str(peer[0]))
    except ValueError:
        return False
    trusted = any(address in network for network in parse_networks(settings.trusted_proxies))
    return trusted and request.headers.get("x-forwarded-proto", "").strip().lower() == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=secure(request))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=secure(request))


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    return header[7:].strip() if header.lower().startswith("bearer ") else ""


def viewer(request: Request) -> Account | None:
    """The signed-in account (session cookie or personal token), or None; cached on the request."""
    if "community_viewer" in request.scope:
        cached: Account | None = request.scope["community_viewer"]
        return cached
    people = community(request).accounts
    token = bearer(request)
    if token:
        # A request that names a token is that token's or nobody's: never the cookie's, else a page could
        # add any "Bearer hqp_..." header to skip the CSRF check of a cookie session (review defect 6).
        found = people.by_personal_token(token) if token.startswith("hqp_") else None
        request.scope["community_by_token"] = found is not None
    else:
        found = people.by_session(request.cookies.get(SESSION_COOKIE, ""))
    request.scope["community_viewer"] = found
    return found


class Visitor:
    """The cookie a page's forms are tied to: the session's, or a new or existing visitor cookie."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.session = request.cookies.get(SESSION_COOKIE, "")
        existing = request.cookies.get(VISITOR_COOKIE, "")
        self.new_visitor = "" if self.session or existing else secrets.token_urlsafe(24)
        self.cookie = self.session or existing or self.new_visitor

    def csrf(self) -> str:
        return csrf_token(community(self.request), self.cookie)

    def finish(self, response: Response) -> Response:
        if self.new_visitor:
            set_cookie(response, self.request, VISITOR_COOKIE, self.new_visitor)
        return response


def csrf_token(people: Community, cookie: str) -> str:
    return hmac.new(people.db.secret(), b"csrf:" + cookie.encode(), hashlib.sha256).hexdigest()


def check_csrf(request: Request, given: str | None) -> None:
    """403 unless ``given`` is the CSRF token of the cookie this request carries (personal tokens need none)."""
    viewer(request)
    if request.scope.get("community_by_token"):  # authenticated by a valid personal token: no cookie in play
        return
    cookie = request.cookies.get(SESSION_COOKIE, "") or request.cookies.get(VISITOR_COOKIE, "")
    expected = csrf_token(community(request), cookie) if cookie else ""
    if not expected or not given or not hmac.compare_digest(expected, given):
        raise ApiError(403, "csrf_failed", "This form has expired or did not come from this site. "
                                           "Please go back, reload the page and send it again.")


def client(request: Request) -> str:
    settings = request.app.state.settings
    return client_address(request.scope, parse_networks(settings.trusted_proxies))


def link_base(request: Request) -> str:
    """The site's address for mailed links: ``HEALTHQA_PUBLIC_URL``, else the address this server listens on.
    Never the request's Host header, which anyone can set: a reset link to their own site would hand them the
    token (review defect 19)."""
    configured: str | None = request.app.state.settings.public_url
    if configured:
        return configured
    scheme = str(request.scope.get("scheme", "http"))
    server = request.scope.get("server")
    if not server:
        return f"{scheme}://localhost"
    host, port = str(server[0]), server[1]
    shown = f"[{host}]" if ":" in host else host
    default_port = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{shown}" + ("" if port in (None, default_port) else f":{port}")


def http_error(error: CommunityError | BadInputError, signed_in: bool) -> ApiError:
    """The library's refusal as the one error shape (messages are the library's: they quote no input)."""
    if isinstance(error, BadInputError):
        return ApiError(422, "invalid_input", f"The {error.source}: {error.reason}.", extra={"field": error.source})
    if isinstance(error, EmailNotConfirmedError):
        return ApiError(403, "email_not_confirmed", str(error))
    if isinstance(error, NotAllowedError):
        return ApiError(403 if signed_in else 401, "not_allowed" if signed_in else "sign_in_required", str(error))
    if isinstance(error, SignInFailedError):
        return ApiError(401, "sign_in_failed", str(error))
    if isinstance(error, PostingLimitError):
        return ApiError(429, "posting_limit", str(error))
    if isinstance(error, EmergencyNoticeError):
        return ApiError(409, "emergency_notice", str(error), extra={"emergency_kind": error.kind})
    if isinstance(error, CommunityNotFoundError):
        return ApiError(404, "not_found", str(error))
    return ApiError(400, "bad_request", str(error))


def attempt(request: Request, call: Callable[[], T]) -> T:
    """Run a library call; its refusals become :class:`ApiError`."""
    try:
        return call()
    except (CommunityError, BadInputError) as error:
        raise http_error(error, viewer(request) is not None) from None
