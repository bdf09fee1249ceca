"""The outermost layer of the app: limits, security headers, the access log and the last-resort 500.

Everything a request passes through before the routes, written as plain ASGI so that it also covers
the responses of unknown routes, of the static files and of errors raised anywhere below.
"""

from __future__ import annotations

import logging
import time
import traceback

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from healthqa.app import logsafe
from healthqa.app.access import logged_method, route_template
from healthqa.app.errors import CODES, INTERNAL_MESSAGE, ApiError, error_response
from healthqa.app.ratelimit import Limiter, client_address, parse_networks, retry_after, shared_limiter
from healthqa.config import Settings

access_log = logging.getLogger("healthqa.access")
log = logging.getLogger("healthqa.app")
# Defence in depth: whatever else is logged here from a request (a question, when opted in) stays one line.
logsafe.install(access_log.name, log.name)

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
# Never rate limited: probes and the stylesheet of a page that was already allowed.
_UNLIMITED_PREFIXES = ("/healthz", "/static/")


def body_too_large(limit: int) -> ApiError:
    return ApiError(413, "body_too_large", f"The request body is larger than the limit of {limit:,} bytes.")


class Guard:
    def __init__(self, app: ASGIApp, settings: Settings, store_url: str | None = None) -> None:
        self.app = app
        self.settings = settings
        self.limiter: Limiter | None = None
        if settings.rate_limit > 0:
            self.limiter = shared_limiter(
                settings.rate_limit, redis_url=settings.redis_url, redis_prefix=settings.redis_prefix,
                db_path=settings.rate_limit_db or _limits_beside(store_url),
            )
        # uvicorn's own proxy-header handling is off (healthqa serve): the forwarded address is read here.
        self.trusted_proxies = parse_networks(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started_at = time.perf_counter()
        state = {"status": 500, "started": False}
        path: str = scope.get("path", "")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                state["status"], state["started"] = message["status"], True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if not path.startswith("/static/"):
                    headers["cache-control"] = "no-store"
            await send(message)

        limit = self.settings.max_body_bytes
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise body_too_large(limit)
            return message

        try:
            refusal = await self._refuse(scope)
            if refusal is not None:
                response = error_response(
                    scope, refusal.status_code, refusal.code, refusal.message, refusal.headers
                )
                await response(scope, receive, send_with_headers)
            else:
                await self.app(scope, limited_receive, send_with_headers)
        except Exception as error:
            if state["started"]:
                _log_error(error)
                raise
            if isinstance(error, StarletteHTTPException):
                status = error.status_code
                code = error.code if isinstance(error, ApiError) else CODES.get(status, "error")
                message = error.message if isinstance(error, ApiError) else str(error.detail)
                extra = error.extra if isinstance(error, ApiError) else None
                response = error_response(scope, status, code, message, error.headers, extra)
            else:
                _log_error(error)
                response = error_response(scope, 500, "internal_error", INTERNAL_MESSAGE)
            await response(scope, receive, send_with_headers)
        finally:
            elapsed = (time.perf_counter() - started_at) * 1000
            # The route's template only: the path may name a condition and the query holds a question.
            route = route_template(scope)
            access_log.info("%s %s %s %.1fms", logged_method(scope), route, state["status"], elapsed)

    async def _refuse(self, scope: Scope) -> ApiError | None:
        length = None
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                length = value
        if length is not None:
            try:
                size = int(length)
            except ValueError:
                return ApiError(400, "bad_request", "The Content-Length header is not a number.")
            if size > self.settings.max_body_bytes:
                return body_too_large(self.settings.max_body_bytes)
        path: str = scope.get("path", "")
        if self.limiter is not None and not path.startswith(_UNLIMITED_PREFIXES):
            wait = await self.limiter.take(client_address(scope, self.trusted_proxies))
            if wait > 0:
                retry = retry_after(wait)
                message = f"Too many requests from your address; try again in {retry} seconds."
                return ApiError(429, "rate_limited", message, headers={"Retry-After": retry})
        return None


def _limits_beside(store_url: str | None) -> str:
    """The rate-limit file of a knowledge base: beside a SQLite file, so that every worker serving it finds the
    same; for a database server (several hosts share it: see HEALTHQA_REDIS_URL to share the counts too), one
    file per database in this machine's cache folder, named by a digest of its URL without the password."""
    from healthqa.config import database_url
    from healthqa.retrieve.derived import url_key
    from healthqa.retrieve.encoder import cache_dir

    target = store_url or database_url()
    if target.startswith(("postgresql://", "postgres://")):
        folder = cache_dir() / "ratelimit"
        folder.mkdir(parents=True, exist_ok=True)
        return str(folder / (url_key(target) + ".db"))
    if target.startswith("sqlite:///"):
        target = target[len("sqlite:///"):]
    return target + "-ratelimit"


def _log_error(error: BaseException) -> None:
    """Log where an unexpected error happened without its message, which may quote the request."""
    frames = "".join(traceback.format_tb(error.__traceback__))
    log.error("unexpected %s while answering a request:\n%s", type(error).__name__, logsafe.Verbatim(frames))
