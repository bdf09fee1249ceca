"""What the access log may say about a request: the route it reached, never the path or query it sent.

A path such as ``/diseases/huntington disease`` or ``/api/topics/...`` names a person's condition, and a
query string holds their question; both would sit in the log (and in whatever collects it) for good. The
log writes the matched route's template (``/diseases/{ref}``), a fixed placeholder for a path that no
route matches, and the method only when it is a standard one, so no byte of the request reaches it.
"""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import Scope

UNMATCHED = "<unmatched>"
OTHER_METHOD = "<other>"
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"})


def logged_method(scope: Scope) -> str:
    method = scope.get("method")
    return method if method in METHODS else OTHER_METHOD


def route_template(scope: Scope) -> str:
    """The template of the route that answered (or would answer) the request, e.g. ``/api/diseases/{ref}``."""
    route = scope.get("route")  # set by the router for its own routes once it has matched
    if route is None:
        # A mount (the static files) leaves no route behind, and a request refused before routing (size,
        # rate limit) never reached one: match the app's routes without running them. A mount has moved
        # its prefix into root_path; the app's own root path is kept in app_root_path.
        root = scope.get("app_root_path", scope.get("root_path", ""))
        outer = {**scope, "root_path": root}
        for candidate in getattr(getattr(scope.get("app"), "router", None), "routes", ()):
            match, _ = candidate.matches(outer)
            if match is not Match.NONE:
                route = candidate
                break
    template = getattr(route, "path_format", None)  # a mount's ends in /{path}
    return template if isinstance(template, str) and template.startswith("/") else UNMATCHED
