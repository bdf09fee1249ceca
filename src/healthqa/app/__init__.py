"""The application: the JSON API, the web pages and the server, thin layers over the library.

:func:`create_app` builds the ASGI app (the Answerer is built once per process, in its lifespan);
:func:`app_from_env` reads everything from the environment (``uvicorn --factory healthqa.app:app_from_env``).

- :mod:`healthqa.app.service` — what the HTTP layer needs from the library: the knowledge base, the Answerer,
  the indexes, timeouts, input cleaning, ingest and reload;
- :mod:`healthqa.app.api` — the JSON endpoints; :mod:`healthqa.app.web` — the HTML pages;
- :mod:`healthqa.app.guard` — limits, security headers, the access log and the last-resort 500, around both;
  with :mod:`healthqa.app.ratelimit`, :mod:`healthqa.app.access` and :mod:`healthqa.app.logsafe`;
- :mod:`healthqa.app.errors` — the one error shape (the web pages register their HTML rendering of it);
- :mod:`healthqa.app.ingest_paths` — what ``POST /api/ingest`` may read;
- :mod:`healthqa.app.server` — the HTTP protocol and the worker processes of ``healthqa serve``.
- :mod:`healthqa.app.community` — the condition communities' pages and JSON API (over :mod:`healthqa.community`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractContextManager, asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from healthqa.app import community, errors
from healthqa.app.api.diseases import router as disease_router
from healthqa.app.api.routes import document_limits
from healthqa.app.api.routes import router as api_router
from healthqa.app.guard import Guard
from healthqa.app.service import Service
from healthqa.app.web.pages import error_page, getting_ready_page
from healthqa.app.web.pages import router as web_router
from healthqa.config import Settings
from healthqa.errors import HealthQAError

if TYPE_CHECKING:
    from healthqa.retrieve.encoder import Encoder

log = logging.getLogger("healthqa.app")
STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"

DESCRIPTION = (
    "Answers health questions only from trusted sources: every answer is a quoted passage with its "
    "source, link and date, and healthqa says when it does not know. Errors have one shape: "
    '`{"error": {"status": N, "code": "...", "message": "..."}}`; a condition that is not found (404) or '
    "that a name leaves ambiguous (409) adds `candidates`, the conditions to choose from."
)


def create_app(
    store_url: str | None = None, settings: Settings | None = None, *, ready_in_background: bool = False,
    getting_ready_page: bool = False, first_embedding_lock: AbstractContextManager[object] | None = None,
) -> FastAPI:
    """The healthqa app over the knowledge base at ``store_url`` (default: ``HEALTHQA_DB``).

    The Answerer (and its sentence model) is built once, when the app starts (its lifespan), after the passages
    without vectors are embedded (minutes on a knowledge base's first start, said in log lines). With
    ``ready_in_background`` (``healthqa serve``) the lifespan does not wait for that: the server listens at once
    and, until healthqa is ready, answers every request but the static files with a 503 saying "healthqa is
    getting ready" (a page that reloads itself, or the JSON error shape) instead of refusing connections.
    ``getting_ready_page`` gives that 503 to a server that accepts requests before the lifespan has finished
    (the workers of ``healthqa serve --workers N``), while the lifespan still waits until healthqa is ready.
    ``first_embedding_lock`` is held around the first embedding: processes that share it and a knowledge base
    embed its passages once, the first to take it, while the others wait (and answer 503).
    """
    config = settings or Settings.from_env()
    service = Service(config, store_url)
    ready = threading.Event()

    def get_ready() -> None:
        try:
            with first_embedding_lock or contextlib.nullcontext():
                embed_first(store_url, log.info)
            service.start()
            if not service.problem:
                log.info("healthqa: the knowledge base is ready")
        finally:
            ready.set()  # a start that failed says so itself (/healthz and the pages answer 503)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        log.info("healthqa is getting ready…")
        if ready_in_background:
            threading.Thread(target=get_ready, name="healthqa-getting-ready", daemon=True).start()
        else:
            await anyio.to_thread.run_sync(get_ready)
        try:
            yield
        finally:
            service.close()

    app = FastAPI(
        title="healthqa", version=version("healthqa"), description=DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.service = service

    def openapi() -> dict[str, Any]:  # the schema states the limits this app was configured with
        if app.openapi_schema is None:
            app.openapi_schema = document_limits(FastAPI.openapi(app), config)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.state.settings = config
    errors.install(app, html_error_page=error_page)
    app.include_router(api_router)
    app.include_router(disease_router)
    community.install(app, config, store_url)  # /community pages and /api/community (healthqa.app.community)
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if ready_in_background or getting_ready_page:
        app.add_middleware(GettingReady, ready=ready)  # inside the guard: its limits, headers and log apply
    if config.cors_origins:  # added after GettingReady, so outside it: its 503s carry the CORS headers too
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization"], max_age=600,
        )
    app.add_middleware(Guard, settings=config, store_url=store_url)
    return app


GETTING_READY = (
    "healthqa is getting ready: it is loading its knowledge base (the first start also prepares every passage "
    "for search, which can take minutes). This page will try again by itself in a few seconds."
)
RETRY_SECONDS = 10


class GettingReady:
    """Until ``ready`` is set, every request but the static files gets a 503 saying that healthqa is getting
    ready (a page that reloads itself, or the JSON error shape), with ``Retry-After``."""

    def __init__(self, app: ASGIApp, ready: threading.Event) -> None:
        self.app = app
        self.ready = ready

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.ready.is_set() or scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        headers = {"Retry-After": str(RETRY_SECONDS)}
        if scope.get("path") == "/" and errors.wants_html(scope):  # the question form: its page keeps the question
            response = await getting_ready_page(Request(scope, receive), GETTING_READY, headers)
        else:
            response = errors.error_response(scope, 503, "getting_ready", GETTING_READY, headers)
        await response(scope, receive, send)


class _CountingEncoder:
    """An encoder that reports how many texts it has encoded, at most once per tenth of ``total``."""

    def __init__(self, encoder: Encoder, total: int, report: Callable[[str], None]) -> None:
        self.name = encoder.name
        self._encoder = encoder
        self._total = total
        self._report = report
        self._done = 0
        self._next_percent = 10

    def encode(self, texts: Sequence[str], batch_size: int = 64, max_tokens: int | None = None) -> Any:
        vectors = self._encoder.encode(texts, batch_size=batch_size, max_tokens=max_tokens)
        self._done += len(texts)
        percent = self._done * 100 // max(self._total, 1)
        if percent >= self._next_percent or self._done >= self._total:
            self._report(f"healthqa is getting ready: embedded {self._done:,} of {self._total:,} passages ({percent}%)")
            self._next_percent = percent // 10 * 10 + 10
        return vectors


def _silent(line: str) -> None:
    """A report that says nothing."""


def embed_first(store_url: str | None, report: Callable[[str], None], quiet_below: int = 0) -> int:
    """Embed the passages of the knowledge base at ``store_url`` that have no vector yet, with progress lines
    through ``report`` (counts and percent, a line per tenth; none when fewer than ``quiet_below`` are missing,
    seconds of work): the first start of a knowledge base spends minutes here, which the Answerer would
    otherwise spend silently. Returns how many were embedded; 0 when none were missing, or when the knowledge
    base or the model cannot be opened (the start says why)."""
    from healthqa.answer.rank import build_vectors
    from healthqa.retrieve.encoder import Encoder
    from healthqa.store import open_store

    try:
        store = open_store(store_url)
    except HealthQAError:
        return 0
    try:
        total = len(store.vector_texts_missing(Encoder.name))
        if not total:
            return 0
        if total < quiet_below:
            report = _silent
        report(f"healthqa is getting ready: {total:,} passages to embed (done once per knowledge base)")
        counting = _CountingEncoder(Encoder(), total, report)
        return build_vectors(store, cast(Encoder, counting))
    except HealthQAError:
        return 0
    finally:
        store.close()


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory healthqa.app:app_from_env``: everything from the environment."""
    return create_app()
