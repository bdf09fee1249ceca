"""The HTTP API and web server: ``create_app`` builds the ASGI app, ``app_from_env`` reads the environment.

- :mod:`healthqa.api.app` — the factory and its lifespan (the Answerer is built once per process);
- :mod:`healthqa.api.routes` — the JSON endpoints (``/healthz``, ``/api/*``);
- :mod:`healthqa.api.service` — the knowledge base, the Answerer, timeouts and input cleaning;
- :mod:`healthqa.api.symptom_search` — symptom search: the person's words and corrections, checked;
- :mod:`healthqa.api.diseases` — the disease records (``/api/diseases``) and their OpenAPI description;
- :mod:`healthqa.api.condition_search` — conditions for a search box (names that start like the words typed);
- :mod:`healthqa.api.guard` — limits, security headers, the access log and the last-resort 500;
- :mod:`healthqa.api.errors` — the one error shape;
- :mod:`healthqa.api.workers` — several server processes on one port (``healthqa serve --workers N``).

The web pages are in :mod:`healthqa.web`.
"""

from healthqa.api.app import app_from_env, create_app

__all__ = ["app_from_env", "create_app"]
