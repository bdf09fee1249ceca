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
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from healthqa.app import errors
from healthqa.app.api.diseases import router as disease_router
from healthqa.app.api.routes import document_limits
from healthqa.app.api.routes import router as api_router
from healthqa.app.guard import Guard
from healthqa.app.service import Service
from healthqa.app.web.pages import error_page
from healthqa.app.web.pages import router as web_router
from healthqa.config import Settings

log = logging.getLogger("healthqa.app")
STATIC_DIR = Path(__file__).resolve().parent / "web" / "static"

DESCRIPTION = (
    "Answers health questions only from trusted sources: every answer is a quoted passage with its "
    "source, link and date, and healthqa says when it does not know. Errors have one shape: "
    '`{"error": {"status": N, "code": "...", "message": "..."}}`; a condition that is not found (404) or '
    "that a name leaves ambiguous (409) adds `candidates`, the conditions to choose from."
)


def create_app(store_url: str | None = None, settings: Settings | None = None) -> FastAPI:
    """The healthqa app over the knowledge base at ``store_url`` (default: ``HEALTHQA_DB``).

    The Answerer (and its sentence model) is built once, when the app starts (its lifespan).
    """
    config = settings or Settings.from_env()
    service = Service(config, store_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await anyio.to_thread.run_sync(service.start)
        if not service.problem:
            log.info("healthqa: the knowledge base is ready")
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
    app.include_router(web_router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    if config.cors_origins:
        app.add_middleware(
            CORSMiddleware, allow_origins=list(config.cors_origins), allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "Authorization"], max_age=600,
        )
    app.add_middleware(Guard, settings=config, store_url=store_url)
    return app


def app_from_env() -> FastAPI:
    """For ``uvicorn --factory healthqa.app:app_from_env``: everything from the environment."""
    return create_app()
