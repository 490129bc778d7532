"""A property-based run over the OpenAPI schema (schemathesis): generated requests to
every operation, with each role's key, must never answer a server error. Bounded:
DIGITIZE_FUZZ_EXAMPLES examples per operation and role (default 10); the README's
testing section has the longer run."""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from tests.service_fixtures import Keys  # noqa: E402

EXAMPLES = int(os.environ.get("DIGITIZE_FUZZ_EXAMPLES", "10"))


def _fuzz(operation: object, role: str, headers: dict[str, str], failures: list[str]) -> int:
    """Run generated cases of one operation as one role; the number of requests sent."""
    sent = [0]

    @given(case=operation.as_strategy())  # type: ignore[attr-defined]
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: object) -> None:
        response = case.call(headers=headers)  # type: ignore[attr-defined]
        sent[0] += 1
        # /health answers 503 by design here: no worker runs in this test.
        expected = response.status_code == 503 and case.path.endswith("/health")  # type: ignore[attr-defined]
        if response.status_code >= 500 and not expected:
            where = f"{case.method} {case.formatted_path}"  # type: ignore[attr-defined]
            failures.append(f"{where} as {role}: {response.status_code} {response.text[:200]}")

    run()
    return sent[0]


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(api, keys: Keys, database_url: str) -> None:
    if not database_url.startswith("sqlite") and not os.environ.get("DIGITIZE_FUZZ_POSTGRES"):
        pytest.skip("on SQLite by default (DIGITIZE_FUZZ_POSTGRES=1 for PostgreSQL too)")
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", api.app)  # type: ignore[attr-defined]
    failures: list[str] = []
    requests = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.method.upper() == "POST" and operation.path == "/api/v1/batches":
            continue  # multipart uploads: tests/test_api.py and test_bad_inputs.py
        for role in ("archive", "onestop", "admin"):
            requests += _fuzz(operation, role, keys.header(role), failures)
    print(f"schemathesis: {requests} requests, {len(failures)} server errors")
    assert not failures, "\n".join(failures[:20])
