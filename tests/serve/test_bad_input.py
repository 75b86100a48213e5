"""Bad input gets a clear 4xx JSON error naming the field and the fix, never a 500, and the service keeps answering."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import MAX_BATCH, MAX_TEXT_BYTES

JSON = {"content-type": "application/json"}

CASES = {  # name: (body bytes, headers, expected status, expected field)
    "malformed JSON": (b'{"text": "unterminated', JSON, 400, "body"),
    "not UTF-8": (b'{"text": "caf\xe9 \xff\xfe"}', JSON, 400, "body"),
    "latin-1 with charset": ('{"text": "café"}'.encode("latin-1"), {"content-type": "application/json; charset=latin-1"},
                             400, "body"),
    "a JSON list": (b'["a", "b"]', JSON, 422, "body"),
    "null": (b"null", JSON, 422, "body"),
    "empty body": (b"", JSON, 422, "body"),
    "text is a number": (b'{"text": 3}', JSON, 422, "text"),
    "texts is a string": (b'{"texts": "abc"}', JSON, 422, "texts"),
    "a text in the batch is null": (b'{"texts": ["ok", null]}', JSON, 422, "texts[1]"),
    "empty text": (b'{"text": ""}', JSON, 422, "text"),
    "blank text": (b'{"text": " \\n\\t "}', JSON, 422, "text"),
    "empty batch": (b'{"texts": []}', JSON, 422, "texts"),
    "both text and texts": (b'{"text": "a", "texts": ["b"]}', JSON, 422, "body"),
    "neither": (b'{"top_k": 3}', JSON, 422, "body"),
    "unknown field": (b'{"text": "a", "lang": "en"}', JSON, 422, "lang"),
    "threshold as a string": (b'{"text": "a", "threshold": "0.5"}', JSON, 422, "threshold"),
    "threshold above 1": (b'{"text": "a", "threshold": 1.5}', JSON, 422, "threshold"),
    "threshold NaN": (b'{"text": "a", "threshold": NaN}', JSON, 422, "threshold"),
    "top_k zero": (b'{"text": "a", "top_k": 0}', JSON, 422, "top_k"),
    "top_k a bool": (b'{"text": "a", "top_k": true}', JSON, 422, "top_k"),
    "top_k a fraction": (b'{"text": "a", "top_k": 2.5}', JSON, 422, "top_k"),
    "lone surrogate": (b'{"text": "\\ud800 broken"}', JSON, 422, "text"),
    "huge text": (json.dumps({"text": "x" * (MAX_TEXT_BYTES + 1)}).encode(), JSON, 413, "text"),
    "huge text in a batch": (json.dumps({"texts": ["ok", "\u00e9" * MAX_TEXT_BYTES]}).encode(), JSON, 413,
                             "texts[1]"),
    "batch over the limit": (json.dumps({"texts": ["a"] * (MAX_BATCH + 1)}).encode(), JSON, 413, "texts"),
    "body over the limit": (b'{"text": "' + b"x" * (4 * MAX_BATCH * MAX_TEXT_BYTES) + b'"}', JSON, 413, "body"),
    "not JSON content type": (b'{"text": "a"}', {"content-type": "text/plain"}, 422, "body"),
}


def assert_clear_error(response, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error", "field", "fix", "details"}, body
    assert body["error"] and body["fix"], body
    if field is not None:
        assert body["field"] == field, body
    return body


@pytest.mark.parametrize("case", list(CASES))
def test_bad_request_gets_a_clear_4xx_and_the_service_keeps_answering(client, case):
    content, headers, status, field = CASES[case]
    assert_clear_error(client.post("/predict", content=content, headers=headers), status, field)
    after = client.post("/predict", json={"text": "python list comprehension"})
    assert after.status_code == 200 and after.json()["tags"], after.text


def test_wrong_method_and_unknown_path_are_json_too(client):
    assert_clear_error(client.get("/predict"), 405)
    assert_clear_error(client.post("/labels", json={}), 405)
    assert_clear_error(client.get("/nope"), 404)


def test_a_body_larger_than_declared_is_refused_while_reading(client):
    def chunks():  # no Content-Length: chunked transfer, the limit is enforced while reading
        yield b'{"text": "'
        for _ in range(4 * MAX_BATCH):
            yield b"y" * MAX_TEXT_BYTES
        yield b'"}'

    assert_clear_error(client.post("/predict", content=chunks(), headers=JSON), 413, "body")
    assert client.get("/health").status_code == 200


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                           lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                       max_size=4), max_leaves=12)
fields = st.sampled_from(["text", "texts", "threshold", "top_k", "extra"])
near_valid = st.dictionaries(fields, json_values, max_size=4)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
@given(body=st.one_of(st.binary(max_size=200), json_values.map(lambda v: json.dumps(v).encode()),
                      near_valid.map(lambda v: json.dumps(v).encode())))
def test_arbitrary_bodies_never_cause_a_server_error(client, body):
    response = client.post("/predict", content=body, headers=JSON)
    assert response.status_code in (200, 400, 413, 422), (body, response.status_code, response.text)
    if response.status_code == 200:
        payload = json.loads(body)
        assert isinstance(payload, dict) and ("text" in payload) != ("texts" in payload)
    else:
        assert_clear_error(response, response.status_code)


def test_still_healthy_after_the_bad_input(client):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["pending_texts"] == 0


@pytest.mark.parametrize("body, words", [
    (b'{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", "nested too deeply"),
    (b'{"text": "caf\xe9"}', "not UTF-8"),
    (b'{"text": "unterminated', "not valid JSON"),
])
def test_an_unreadable_body_says_why(client, body, words):
    """Issue 13: deeply nested JSON was told 'is it UTF-8?'."""
    response = client.post("/predict", content=body, headers=JSON)
    error = assert_clear_error(response, 400, "body")["error"]
    assert words in error and ("UTF-8" not in error or words == "not UTF-8"), error
    assert client.get("/health").status_code == 200
