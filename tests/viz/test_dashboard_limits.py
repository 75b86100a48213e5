"""The dashboard's bounds (issue 13, item 5 and the --debug item): a pasted text is capped before any scoring,
request bodies are bounded, and the code-executing debugger is refused off loopback."""

from __future__ import annotations

import json
import time

import pytest
from conftest import describe, run_cli

from multilabeltext.viz.dashboard import layout as ids
from multilabeltext.viz.dashboard.app import build_app


@pytest.fixture(scope="module")
def client(viz_linear):
    return build_app(viz_linear).server.test_client()


def ask(client, text: str):
    body = {"output": f"{ids.RESULT}.children", "outputs": {"id": ids.RESULT, "property": "children"},
            "inputs": [{"id": ids.SUBMIT, "property": "n_clicks", "value": 1},
                       {"id": ids.THRESHOLDS, "property": "data", "value": None}],
            "state": [{"id": ids.QUESTION, "property": "value", "value": text}],
            "changedPropIds": [f"{ids.SUBMIT}.n_clicks"]}
    return client.post("/_dash-update-component", json=body)


def test_a_huge_pasted_text_is_refused_quickly(client):
    text = " ".join(f"word{i}" for i in range(120_000))  # ~1 MB of distinct words
    started = time.perf_counter()
    response = ask(client, text)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200
    shown = json.dumps(json.loads(response.data)["response"])
    assert "the dashboard tags questions of up to 20,000 bytes" in shown
    assert elapsed < 5, elapsed


def test_a_question_under_the_cap_is_still_tagged(client):
    response = ask(client, "django model form and views " * 100)
    assert "Predicted tags" in json.dumps(json.loads(response.data)["response"])


def test_request_bodies_are_bounded(client):
    response = client.post("/_dash-update-component", data=b"x" * (9 << 20), content_type="application/json")
    assert response.status_code == 413


def test_debug_is_refused_on_a_non_loopback_host(viz_linear):
    result = run_cli("dashboard", "--model", viz_linear, "--host", "0.0.0.0", "--debug")
    assert result.exit_code == 2, describe(result)
    assert "run code" in result.stderr and "Fix:" in result.stderr


def test_debug_help_says_it_executes_code():
    result = run_cli("dashboard", "--help")
    assert "executes code" in " ".join(result.stdout.split())
