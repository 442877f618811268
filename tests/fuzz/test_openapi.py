"""Schemathesis against both OpenAPI documents: no server error, every response as documented,
every operation's parameters declared. Bounded (``MAX_EXAMPLES`` per operation) and
derandomised, so ``make test`` stays fast and repeatable.

Each operation is driven through its Hypothesis strategy in one test per app and backend
(schemathesis's pytest plugin does not run under pytest 9 yet).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance
from schemathesis.specs.openapi.schemas import OpenApiSchema

from models.reporting import intake
from tests.conftest import submission
from web.public import create_public_app

MAX_EXAMPLES = 15
FUZZ = settings(max_examples=MAX_EXAMPLES, derandomize=True, deadline=None, database=None,
                suppress_health_check=list(HealthCheck))


def fuzz(schema: OpenApiSchema, headers: Callable[[], dict[str, str]] | None = None,
         excluded: tuple[Any, ...] = ()) -> dict[str, set[int]]:
    """Run every operation of ``schema`` with all checks but ``excluded``; return each operation's
    status codes seen.

    ``headers`` is called for every case: ``DELETE /session`` ends every token of the caller, so a
    token shared by all cases would leave every later operation fuzzed only as far as its 401.
    """
    done: dict[str, set[int]] = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        _fuzz_one(operation, done.setdefault(operation.label, set()), headers, excluded)
    return done


def _fuzz_one(operation: Any, seen: set[int], headers: Callable[[], dict[str, str]] | None,
              excluded: tuple[Any, ...]) -> None:
    @FUZZ
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers() if headers else None, excluded_checks=list(excluded))
        seen.add(response.status_code)

    run()


def test_public_api(config, public_rt, custodians) -> None:  # type: ignore[no-untyped-def]
    intake.submit_report(public_rt, submission())
    app = create_public_app(config.with_changes(public_rate_limit="1000 per minute",
                                                receipt_rate_limit="1000 per minute",
                                                receipt_global_rate_limit="1000 per minute"), public_rt)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    assert len(fuzz(schema)) >= 4


def test_staff_api(staff_app, make_staff, api_token, public_rt) -> None:  # type: ignore[no-untyped-def]
    intake.submit_report(public_rt, submission())
    head = make_staff("head", "unit_head")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", staff_app)
    # The staff document does not yet spell out every constraint of its request bodies (minLength,
    # const), so a schema-valid body may still be refused with a 400; everything else is checked.
    done = fuzz(schema, lambda: api_token(head), excluded=(positive_data_acceptance,))
    assert len(done) >= 5
    # Every operation was fuzzed past the token check, not only as far as its 401 (sign-in itself
    # with made-up credentials can only fail).
    assert [label for label, seen in done.items() if seen <= {401} and label != "POST /session"] == []


def _undeclared(document: dict[str, Any]) -> list[str]:
    missing = []
    for path, item in document["paths"].items():
        wanted = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            declared = {p["name"] for p in [*item.get("parameters", []), *op.get("parameters", [])]
                        if p.get("in") == "path"}
            if wanted - declared:
                missing.append(f"{method.upper()} {path}: {sorted(wanted - declared)}")
    return missing


def test_every_operation_declares_its_path_parameters(staff_app, public_app_factory) -> None:  # type: ignore[no-untyped-def]
    for app in (staff_app, public_app_factory()):
        document = app.test_client().get("/api/v1/openapi.json").get_json()
        assert _undeclared(document) == []


def test_unknown_api_paths_answer_json_404(staff_app, public_app_factory) -> None:  # type: ignore[no-untyped-def]
    for app in (staff_app, public_app_factory()):
        response = app.test_client().get("/api/v1/no-such-thing")
        assert response.status_code == 404
        assert response.is_json


@pytest.fixture
def public_app_factory(config, public_rt):  # type: ignore[no-untyped-def]
    return lambda: create_public_app(config, public_rt)
