"""A bounded schemathesis run over every operation of the OpenAPI schema, in CI (issue 21, defect 11).

The same run as ``schemathesis run URL --checks all``, in-process over the ASGI app: every phase (the
schema's examples, the coverage phase with its boundary values, empty strings and unsupported methods,
fuzzing, stateful links) and every check, among them that schema-valid requests are accepted
(``positive_data_acceptance``) and schema-invalid ones refused (``negative_data_rejection``), that each
status, content type, header and body is documented, and that a 405 names the allowed methods. The full
probe (22,338 requests) found no 5xx; this keeps a small budget per operation so that the whole run stays
well under a minute on two cores. ``POST /api/ingest`` is included: the app has no admin token, so it
answers its documented 403 and reads nothing. Hand-made hostile requests are in test_api.py and, for what
the HTTP protocol refuses before the app, in test_hostile_http.py.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is not installed (the dev extra has it)")
from schemathesis.config import SchemathesisConfig  # noqa: E402 - only once schemathesis is known to be there
from schemathesis.engine import events, from_schema  # noqa: E402

from healthqa.app import create_app  # noqa: E402
from healthqa.config import Settings  # noqa: E402

EXAMPLES = 10  # per operation and phase
SEED = 21  # the same requests every run: a failure here is reproducible
# The checks that apply to every operation with its responses (the others need auth, resources or links).
REQUIRED_CHECKS = {
    "not_a_server_error", "status_code_conformance", "content_type_conformance", "response_headers_conformance",
    "response_schema_conformance", "positive_data_acceptance", "negative_data_rejection",
    "missing_required_header", "unsupported_method", "allow_header_conformance",
}


REJECTIONS = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


def _describe(failure: Any) -> str:
    return f"{getattr(failure, 'code', '')} {failure.operation}: {failure.title}\n{failure.message}"[:1500]


def test_every_operation_answers_as_its_schema_says(kb_path: Path) -> None:
    app = create_app(str(kb_path), Settings(rate_limit=0))  # no admin token: ingest answers 403
    config = SchemathesisConfig.from_dict({
        "seed": SEED, "generation": {"max-examples": EXAMPLES},
        # A body over HEALTHQA_MAX_BODY_BYTES is refused with the documented 413: a rejection too (schemathesis's
        # default list of rejecting statuses leaves 413 out).
        "checks": {"negative_data_rejection": {"expected-statuses": [*REJECTIONS, "413"]}},
    })
    checks: Counter[str] = Counter()
    operations: set[str] = set()
    errors: list[str] = []
    finished: events.EngineFinished | None = None
    with TestClient(app):  # runs the lifespan: the knowledge base is loaded once for the whole run
        schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=config)
        schema.config.checks.update(included_check_names=["all"])  # as `--checks all`
        for event in from_schema(schema).execute():
            if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
                operations.add(event.recorder.label)
                for nodes in event.recorder.checks.values():
                    checks.update(node.name for node in nodes)
            elif isinstance(event, events.NonFatalError | events.FatalError):
                errors.append(str(getattr(event, "value", None) or getattr(event, "exception", event))[:1500])
            elif isinstance(event, events.EngineFinished):
                finished = event
    assert finished is not None and not errors, errors
    assert not finished.failures, "\n\n".join(_describe(f) for f in finished.failures)
    assert len(operations) >= 14, sorted(operations)  # every operation, ingest included
    missing = REQUIRED_CHECKS - set(checks)
    assert not missing, (missing, checks)  # the checks ran, not skipped
    assert checks["positive_data_acceptance"] >= 14 * EXAMPLES // 2, checks
