"""A bounded schemathesis run over every operation of the OpenAPI schema, in CI (issue 21).

The full probe (22,338 requests) found no 5xx; this keeps a small budget per operation (well under a minute
on two cores) so that a regression in any route, or a schema that stops matching the responses, shows up
in every test run. Hand-made hostile requests are in test_api.py and, for what the HTTP protocol refuses
before the app, in test_hostile_http.py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (the dev extra has it)")
from schemathesis.checks import not_a_server_error  # noqa: E402 - only once schemathesis is known to be there
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from healthqa.app import create_app  # noqa: E402
from healthqa.config import Settings  # noqa: E402

EXAMPLES = 20  # per operation


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_every_operation_answers_as_its_schema_says(kb_path: Path) -> None:
    app = create_app(str(kb_path), Settings(rate_limit=0))
    failures: list[str] = []
    calls = 0
    with TestClient(app):  # runs the lifespan: the knowledge base is loaded once for the whole run
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 10
        for operation in operations:

            @given(case=operation.as_strategy())
            @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case: Any) -> None:
                nonlocal calls
                calls += 1
                response = case.call()
                case.validate_response(response, checks=CHECKS)
                if response.status_code >= 400:  # every error is the one JSON shape
                    error = response.json()["error"]
                    assert error["status"] == response.status_code and error["code"] and error["message"]

            try:
                run()
            except Exception as failure:  # every operation is tried; all failures are reported together
                failures.append(f"{operation.method.upper()} {operation.path}: {failure}"[:2000])
    assert not failures, "\n\n".join(failures)
    assert calls >= len(operations) * EXAMPLES // 2, calls  # the budget was spent, not skipped
