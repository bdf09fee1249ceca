"""One error shape for every 4xx and 5xx: ``{"error": {"status": N, "code": "...", "message": "..."}}``.

API clients get that JSON object; a browser asking for a page gets the same status, code and message
as an HTML page. Messages say what was wrong without echoing the request (a question may be private)
and never carry a stack trace. A few errors add fields of their own next to these three (a condition
that is not found or is ambiguous adds ``candidates``); clients may rely on the three always being there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse, Response
from starlette.routing import Match
from starlette.types import Scope

from healthqa.errors import NotFoundError, StoreError

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "body_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
    504: "timeout",
}
INTERNAL_MESSAGE = "Something went wrong on our side. Please try again later."
# Paths that are always answered in JSON; the web pages answer browsers in HTML.
_JSON_PREFIXES = ("/api/", "/healthz", "/openapi.json", "/static/")
_PAGE_PREFIXES = ("/topics/", "/diseases/")
_PAGES = frozenset({"/", "/sources", "/docs", "/symptoms", "/diseases"})


class ApiError(StarletteHTTPException):
    """An error with its HTTP status, a stable machine-readable code and a message for people."""

    def __init__(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(status_code=status, detail=message, headers=dict(headers) if headers else None)
        self.code = code
        self.message = message
        self.extra: dict[str, Any] = dict(extra or {})


def error_body(status: int, code: str, message: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"status": status, "code": code, "message": message}
    # An extra field never replaces one of the three.
    error.update((name, value) for name, value in (extra or {}).items() if name not in error)
    return {"error": error}


def wants_html(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    if path.startswith(_JSON_PREFIXES):
        return False
    if path in _PAGES or path.startswith(_PAGE_PREFIXES):
        return True
    accept = ""
    for name, value in scope.get("headers", []):
        if name == b"accept":
            accept = value.decode("latin-1").lower()
    return "text/html" in accept


def error_response(
    scope: Scope, status: int, code: str, message: str, headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> Response:
    if wants_html(scope):
        render = _html_renderer(scope)
        if render is not None:
            return render(status, code, message, headers)
    return JSONResponse(error_body(status, code, message, extra), status_code=status, headers=headers)


def _default_message(request: Request, status: int, detail: str) -> str:
    if status == 404:
        return f"There is nothing at {request.url.path}."
    if status == 405:
        return f"{request.method} is not allowed here."
    if status >= 500:
        return INTERNAL_MESSAGE
    return detail


# FastAPI's 400 for a body it cannot decode (JSON that is not UTF-8, a broken form): the 422 of any other
# unusable body, so that every operation with a body documents one status for it.
_UNREADABLE_BODY = "There was an error parsing the body"


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> str:
    """The methods of the resource at this path, for ``Allow``: Starlette's 405 names only the first route's
    (``Allow: GET`` where a POST twin shares the path). Asked of the router itself, prefixes included. A path
    that the OpenAPI schema names literally (``/api/diseases/record``, POST) is that resource: a route that
    also matches it through a path parameter (``GET /api/diseases/{ref}``) is not counted there."""
    routes = request.app.router.routes
    served = [
        method for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes)
    ]
    openapi = getattr(request.app, "openapi", None)
    documented = openapi()["paths"].get(request.url.path) if callable(openapi) else None
    if documented:
        served = [method for method in served if method.lower() in documented]
    return ", ".join(served)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    extra: dict[str, Any] = {}
    headers = dict(exc.headers or {})
    if isinstance(exc, ApiError):
        code, message, extra = exc.code, exc.message, exc.extra
    elif status == 400 and exc.detail == _UNREADABLE_BODY:
        status, code = 422, "invalid_request"
        message = "The request body could not be read: it is not UTF-8 text or not well formed."
    else:
        code, message = CODES.get(status, "error"), _default_message(request, status, str(exc.detail))
    if status == 405:
        headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
    return error_response(request.scope, status, code, message, headers or None, extra)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    where = str(loc[0]) if loc else "request"
    name = ".".join(str(part) for part in loc[1:])
    if where == "body" and not name:
        return "the request body"
    if where == "query":
        return f"query parameter '{name}'"
    return f"{where} field '{name}'" if name else where


def validation_message(errors: list[dict[str, Any]] | Any) -> str:
    parts = []
    for error in list(errors)[:5]:
        kind = error.get("type", "")
        if kind == "json_invalid":
            parts.append("the request body is not valid JSON")
        elif kind == "missing":
            parts.append(f"{_field(error.get('loc', ()))} is required")
        else:
            parts.append(f"{_field(error.get('loc', ()))}: {error.get('msg', 'invalid value')}")
    return "; ".join(parts) or "the request is not valid"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    message = validation_message(exc.errors())
    return error_response(request.scope, 422, "invalid_request", message[0].upper() + message[1:] + ".")


_log = logging.getLogger("healthqa.app")
STORE_UNAVAILABLE = "The knowledge base is not available right now. Please try again in a few seconds."
COMMUNITY_UNAVAILABLE = "The community is not available right now. Please try again in a few seconds."
STORE_RETRY_SECONDS = 10


async def _store_error(request: Request, exc: Exception) -> Response:
    """A store that fails while a request uses it (a database server restarted, a statement timeout, a full
    connection pool) is a 503 to retry, not a server error; a record that vanished meanwhile is a 404."""
    if isinstance(exc, NotFoundError):
        return error_response(request.scope, 404, "not_found", str(exc))
    community = request.url.path.startswith(("/community", "/api/community"))
    _log.error("the %s failed while answering a request: %s", "community database" if community else
               "knowledge base", type(exc).__name__)
    return error_response(request.scope, 503, "unavailable", COMMUNITY_UNAVAILABLE if community else
                          STORE_UNAVAILABLE, {"Retry-After": str(STORE_RETRY_SECONDS)})


# Renders an error as an HTML page: (status, code, message, headers) -> response.
HtmlErrorRenderer = Callable[[int, str, str, Mapping[str, str] | None], Response]


def _html_renderer(scope: Scope) -> HtmlErrorRenderer | None:
    """The renderer the app registered (see :func:`install`); Starlette puts the app in every request's scope."""
    app = scope.get("app")
    render: HtmlErrorRenderer | None = getattr(getattr(app, "state", None), "html_error_page", None)
    return render


def install(app: FastAPI, html_error_page: HtmlErrorRenderer | None = None) -> None:
    """The error handlers; ``html_error_page`` renders errors for browsers (the web layer's page), so that this
    module, below the web pages, never imports them. Without one, browsers get the JSON shape too."""
    app.state.html_error_page = html_error_page
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StoreError, _store_error)  # NotFoundError derives from it: 404 there
