"""The application factory: the JSON API, the web pages, the static files and the guard around them."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from healthqa.api import errors
from healthqa.api.diseases import router as disease_router
from healthqa.api.guard import Guard
from healthqa.api.routes import router as api_router
from healthqa.api.service import Service
from healthqa.settings import Settings

log = logging.getLogger("healthqa.api")
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

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
    from healthqa import __version__
    from healthqa.web import router as web_router

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
        title="healthqa", version=__version__, description=DESCRIPTION, lifespan=lifespan,
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.service = service
    app.state.settings = config
    errors.install(app)
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
    """For ``uvicorn --factory healthqa.api:app_from_env``: everything from the environment."""
    return create_app()
