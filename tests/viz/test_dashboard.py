"""The dashboard without a browser: its data layer, its callbacks through Dash's HTTP endpoint, and the command.

Uses ``viz_linear`` (tests/viz/conftest.py): a linear model trained on the real pythonquestions sample.
The browser walk-through is tests/browser/test_dashboard_browser.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request

import numpy as np
import pandas as pd
import pytest
from conftest import CLI_ENV, REPO, describe, run_cli

from multilabeltext.errors import DatasetFormatError
from multilabeltext.viz.dashboard import layout as ids
from multilabeltext.viz.dashboard.app import build_app
from multilabeltext.viz.dashboard.callbacks import edit_thresholds, selected_rows
from multilabeltext.viz.dashboard.data import DashboardData


@pytest.fixture(scope="module")
def data(viz_linear):
    return DashboardData.load(viz_linear)


@pytest.fixture(scope="module")
def client(data, viz_linear):
    return build_app(viz_linear, data=data).server.test_client()


def call(client, outputs: list[tuple[str, str]], inputs: list[tuple[str, str, object]],
         state: list[tuple[str, str, object]] = (), changed: str | None = None) -> dict:
    """POST one callback to Dash's ``/_dash-update-component``, as the browser does; returns ``response``."""
    many = len(outputs) > 1
    output = "...".join(f"{i}.{p}" for i, p in outputs)
    body = {
        "output": f"..{output}.." if many else output,
        "outputs": [{"id": i, "property": p} for i, p in outputs] if many else
        {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
        "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
        "changedPropIds": [changed or f"{inputs[0][0]}.{inputs[0][1]}"],
    }
    response = client.post("/_dash-update-component", json=body)
    assert response.status_code == 200, response.data[:2000]
    return json.loads(response.data)["response"]


# ------------------------------------------------------------------------------------------------ data


def test_saved_thresholds_reproduce_the_saved_test_metrics_and_predictions(data, viz_linear):
    saved = json.loads((viz_linear / "metrics.json").read_text())["test"]
    metrics = data.metrics(data.saved_thresholds)
    for key in ("micro_f1", "macro_f1", "micro_precision", "samples_f1"):
        assert metrics[key] == pytest.approx(saved[key]), key
    predictions = pd.read_parquet(viz_linear / "predictions.parquet")
    rows = data.table_rows(None)
    assert len(rows) == len(predictions) == data.n_rows == 100
    for row, gold, predicted in zip(rows, predictions["tags"], predictions["predicted"]):
        shown = row["predicted"].split(", ") if row["predicted"] else []
        assert set(shown) == set(predicted)
        assert row["tags"] == ", ".join(gold)
        fp = set(row["false_pos"].split(", ")) - {""}
        fn = set(row["false_neg"].split(", ")) - {""}
        assert fp == set(predicted) - set(gold) and fn == set(gold) - set(predicted)
        assert row["outcome"] == ("correct" if not fp and not fn else "partial" if set(gold) & set(predicted)
                                  else "wrong")
    assert {r["outcome"] for r in rows} >= {"correct", "partial"}


def test_threshold_vectors_change_the_metrics(data):
    L = len(data.labels)
    strict = data.metrics([1.0] * L)
    assert strict["pred_label_cardinality"] == 1.0  # min_tags = 1: only each row's best tag survives
    loose = data.metrics([0.0] * L)
    assert loose["micro_recall"] == 1.0 and loose["pred_label_cardinality"] == L
    one = data.thresholds(None)
    j = data.labels.index(data.tag_options[0]["value"])
    one[j] = 1.0
    per_tag = {r["tag"]: r for r in data.per_tag(one)}
    top = per_tag[data.labels[j]]
    assert top["threshold"] == 1.0 and top["saved"] == round(float(data.saved_thresholds[j]), 4)
    assert top["predicted"] < top["support"]  # its tag is now predicted only where it is a row's best
    assert data.metrics(one)["micro_recall"] < data.saved_metrics["micro_recall"]
    with pytest.raises(Exception, match="thresholds must be between 0 and 1"):
        data.metrics([2.0] * L)


def test_table_rows_for_a_selection_and_tag_options(data):
    rows = data.table_rows(None, rows=[5, 2, 999])
    assert [r["row"] for r in rows] == [5, 2]
    support = [int(o["label"].split("(")[1].split()[0]) for o in data.tag_options]
    assert support == sorted(support, reverse=True) and len(support) == len(data.labels)


def test_tag_question_follows_the_thresholds(data):
    text = "How do I plot a pandas dataframe column with matplotlib?"
    result = data.tag_question(text, None)
    assert len(result["tags"]) == 5 and result["tags"][0]["probability"] >= result["tags"][1]["probability"]
    assert {"pandas", "matplotlib"} & set(result["predicted"])
    assert all(t["predicted"] == (t["tag"] in result["predicted"]) for t in result["tags"])
    best = result["tags"][0]
    assert best["tag"] == result["highlight"]["tag"]
    assert [text[s:e] for s, e, _ in result["highlight"]["spans"]][:3] == ["How", "do", "I"]
    assert len(data.tag_question(text, [1.0] * len(data.labels))["predicted"]) == 1  # min_tags
    assert len(data.tag_question(text, [0.0] * len(data.labels))["predicted"]) == len(data.labels)


def test_a_model_dir_without_predictions_is_a_clear_error(viz_linear, tmp_path):
    copy = tmp_path / "model"
    shutil.copytree(viz_linear, copy)
    (copy / "predictions.parquet").unlink()
    with pytest.raises(DatasetFormatError, match="no test predictions"):
        DashboardData.load(copy)


# ------------------------------------------------------------------------------------------- callbacks


def test_threshold_controls():
    labels, current, saved = ["a", "b", "c"], [0.3, 0.3, 0.3], [0.3, 0.3, 0.3]
    assert edit_thresholds(labels, current, ids.TAG_PICKER, "c", 0.9, saved) == (None, 0.3)
    assert edit_thresholds(labels, current, ids.SLIDER, "b", 0.8, saved) == ([0.3, 0.8, 0.3], None)
    assert edit_thresholds(labels, current, ids.SLIDER, "b", 0.3, saved) == (None, None)
    assert edit_thresholds(labels, current, ids.APPLY_ALL, "b", 0.6, saved) == ([0.6] * 3, None)
    assert edit_thresholds(labels, [0.1, 0.9, 0.5], ids.RESET, "b", 0.9, saved) == (saved, 0.3)
    assert edit_thresholds(labels, current, ids.SLIDER, None, 0.5, saved) == (None, None)
    assert selected_rows({"points": []}) == [] and selected_rows({}) is None


def test_page_layout_holds_every_component(client, data):
    layout = client.get("/_dash-layout").get_data(as_text=True)
    for component in (ids.QUESTION, ids.SUBMIT, ids.TAG_PICKER, ids.SLIDER, ids.METRICS, ids.PER_TAG, ids.MAP,
                      ids.TABLE, ids.ROW_COUNT):
        assert f'"{component}"' in layout, component
    page = client.get("/").get_data(as_text=True)
    assert "<style>" in page and ".tag-row" in page
    table = json.loads(layout)
    assert '"export_format": "csv"' in json.dumps(table) and len(data.table_rows(None)) == 100


def test_metrics_callback_recomputes_for_new_thresholds(client, data):
    L = len(data.labels)
    response = call(client, [(ids.METRICS, "children"), (ids.PER_TAG, "data"), (ids.THRESHOLD_NOTE, "children")],
                    [(ids.THRESHOLDS, "data", [0.0] * L)])
    per_tag = response[ids.PER_TAG]["data"]
    assert len(per_tag) == L and all(r["threshold"] == 0.0 and r["recall"] == 1.0 for r in per_tag)
    assert all(r["id"] == r["tag"] for r in per_tag)  # row ids: clicking a row picks its tag
    assert f"{L} of {L} tag thresholds differ" in response[ids.THRESHOLD_NOTE]["children"]
    assert "micro F1" in json.dumps(response[ids.METRICS]["children"])


def test_map_selection_filters_the_table(client, data):
    selected = {"points": [{"customdata": 7, "curveNumber": 0}, {"customdata": 3, "curveNumber": 1}]}
    response = call(client, [(ids.TABLE, "data"), (ids.SELECTION_NOTE, "children")],
                    [(ids.THRESHOLDS, "data", list(data.saved_thresholds)), (ids.MAP, "selectedData", selected)],
                    changed=f"{ids.MAP}.selectedData")
    assert [r["id"] for r in response[ids.TABLE]["data"]] == [data.ids[3], data.ids[7]]
    assert "2 questions selected" in response[ids.SELECTION_NOTE]["children"]


def test_question_callback_renders_tags_and_words(client, data):
    response = call(client, [(ids.RESULT, "children")],
                    [(ids.SUBMIT, "n_clicks", 1), (ids.THRESHOLDS, "data", list(data.saved_thresholds))],
                    [(ids.QUESTION, "value", "django model form and views")])
    shown = json.dumps(response[ids.RESULT]["children"])
    assert '"chip"' in shown and "django" in shown and "Words behind" in shown
    empty = call(client, [(ids.RESULT, "children")],
                 [(ids.SUBMIT, "n_clicks", 2), (ids.THRESHOLDS, "data", list(data.saved_thresholds))],
                 [(ids.QUESTION, "value", "   ")])
    assert "Type or paste a question first" in json.dumps(empty)


def test_map_points_carry_their_row(data):
    from multilabeltext.viz.figures import question_map

    figure = question_map(data.map_frame())
    rows = sorted(int(c) for trace in figure.data if trace.customdata is not None for c in trace.customdata)
    assert rows == list(range(data.n_rows))
    frame = data.map_frame()
    assert np.isfinite(frame[["x", "y"]].to_numpy()).all()


# --------------------------------------------------------------------------------------------- command


def test_help_teaches():
    result = run_cli("dashboard", "--help")
    assert result.exit_code == 0 and "Examples" in result.stdout and "--port" in result.stdout


@pytest.mark.parametrize("case", ["missing", "not-a-model", "bad-port", "port-in-use"])
def test_bad_options_are_clear_errors(case, viz_linear, viz_dataset, tmp_path):
    if case == "missing":
        result = run_cli("dashboard", "--model", tmp_path / "nope")
    elif case == "not-a-model":
        result = run_cli("dashboard", "--model", viz_dataset)
    elif case == "bad-port":
        result = run_cli("dashboard", "--model", viz_linear, "--port", "70000")
    else:
        with socket.socket() as busy:
            busy.bind(("127.0.0.1", 0))
            busy.listen()
            result = run_cli("dashboard", "--model", viz_linear, "--port", busy.getsockname()[1])
        assert "already in use" in result.stderr
    assert result.exit_code == 2, describe(result)
    assert "Fix:" in result.stderr and "Traceback" not in result.output, describe(result)


def test_serves_on_localhost_and_prints_the_url(viz_linear):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([str(REPO / ".venv" / "bin" / "python"), "-m", "multilabeltext", "dashboard",
                             str(viz_linear), "--port", str(port)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, **CLI_ENV})
    try:
        line = proc.stdout.readline()
        url = f"http://127.0.0.1:{port}/"
        assert url in line, line
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "_dash-layout", timeout=2) as response:
                    assert ids.TABLE in response.read().decode()
                    break
            except OSError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stdout.read()
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
