"""Schema-driven tests: schemathesis generates requests from the server's own /openapi.json (valid and invalid).

Every answer must be documented (status code, content type, body schema) and none may be a server error.
Bounded: a few dozen examples per operation and mode. (schemathesis' pytest plugin does not run on this
pytest, so the strategies are driven with hypothesis directly.)
"""

from __future__ import annotations

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

POSITIVE, NEGATIVE = GenerationMode.POSITIVE, GenerationMode.NEGATIVE
# (operation, mode, examples): the GET endpoints take no input, so they have no invalid requests to generate
CASES = [("POST /predict", POSITIVE, 100), ("POST /predict", NEGATIVE, 100), ("GET /labels", POSITIVE, 3),
         ("GET /health", POSITIVE, 3), ("GET /model", POSITIVE, 3)]


@pytest.fixture(scope="module")
def operations(server):
    schema = schemathesis.openapi.from_url(f"{server}/openapi.json")
    ops = {f"{op.method.upper()} {op.path}": op for op in (r.ok() for r in schema.get_all_operations())}
    assert set(ops) == {"POST /predict", "GET /labels", "GET /health", "GET /model"}
    return ops


@pytest.mark.parametrize(("name", "mode", "examples"), CASES, ids=[f"{c[0]}-{c[1].value}" for c in CASES])
def test_every_answer_matches_the_openapi_schema(operations, server, name, mode, examples):
    seen: dict[int, int] = {}

    @given(case=operations[name].as_strategy(generation_mode=mode))
    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=list(HealthCheck), database=None)
    def check(case):
        response = case.call_and_validate(base_url=server)
        seen[response.status_code] = seen.get(response.status_code, 0) + 1

    check()
    assert all(code < 500 for code in seen), seen
    if name == "POST /predict" and mode is POSITIVE:
        assert seen.get(200, 0) > sum(seen.values()) // 2, seen  # valid requests mostly succeed (413: limits)
    assert httpx.get(f"{server}/health", timeout=10).status_code == 200
    if name == "POST /predict" and mode is NEGATIVE:
        assert set(seen) <= {400, 413, 422}, seen  # every invalid request is refused, with a documented code
