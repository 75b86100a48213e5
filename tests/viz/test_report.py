"""``multilabeltext report`` through the real CLI: one self-contained HTML file with every figure."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from conftest import PYQ_SAMPLE, REPO, describe, run_cli

from multilabeltext.viz.report import FIGURE_IDS

BENCH = REPO / "bench" / "results" / "models-summary.json"


@pytest.fixture(scope="module")
def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


@pytest.fixture(scope="module")
def full_report(viz_lstm, viz_linear, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "sub" / "pyq.html"
    result = run_cli("report", "--model", viz_lstm, "--out", out, "--compare", viz_linear,
                     "--reference-2018", PYQ_SAMPLE, "--bench", BENCH)
    assert result.exit_code == 0, describe(result)
    assert f"Report written to {out}" in result.stdout
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained_with_every_figure(full_report, plotly_js):
    html = full_report
    assert html.count(plotly_js[:2000]) == 1 and plotly_js[-2000:] in html  # plotly.js inline, once
    assert not re.search(r"<script[^>]*\bsrc\s*=", html)  # no script loaded from anywhere
    assert not re.search(r"<(link|img|iframe)[^>]*(src|href)\s*=\s*['\"]https?:", html)
    for fid in FIGURE_IDS:
        assert f'id="{fid}"' in html, fid  # each figure's div
    assert html.count("Plotly.newPlot(") == len(FIGURE_IDS)


def test_report_summary_and_comparison_hold_the_models_numbers(full_report, viz_lstm, viz_linear):
    html = full_report
    lstm = json.loads((viz_lstm / "metrics.json").read_text())["test"]
    linear = json.loads((viz_linear / "metrics.json").read_text())["test"]
    thresholds = json.loads((viz_lstm / "thresholds.json").read_text())
    assert f"<th>test micro-F1</th><td>{lstm['micro_f1']:.4f}</td>" in html
    assert f"global {thresholds['global_']:.4f} (tuned on validation)" in html
    assert "train 800, validation 100, test 100" in html
    assert f"<td>pyq-linear</td><td class='num'>{linear['micro_f1']:.4f}</td>" in html
    assert "2018 LSTM (shipped predictions)" in html and "tfidf-lr (bench, 5 folds)" in html


def test_default_output_is_in_the_model_dir_and_vectors_come_from_the_model(viz_lstm, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(viz_lstm, model)
    result = run_cli("report", "--model", model)
    assert result.exit_code == 0, describe(result)
    html = (model / "report.html").read_text(encoding="utf-8")
    assert 'id="word-neighbours"' in html  # the vectors the model was trained with
    assert not list(model.glob(".report.html.*"))  # no temporary file left behind


def test_linear_report_without_vectors_says_how_to_add_them(viz_linear, tmp_path):
    out = tmp_path / "r.html"
    result = run_cli("report", "--model", viz_linear, "--out", out)
    assert result.exit_code == 0, describe(result)
    html = out.read_text(encoding="utf-8")
    assert "No word vectors: pass --vectors DIR" in html and 'id="word-neighbours"' not in html
    assert 'id="question-map"' in html
    # no epochs: one sentence instead of an empty "Training curves" box
    training = html.split("<section id='section-training-curves'>")[1].split("</section>")[0]
    assert "No training curves: the linear model trains in one pass" in training and "<div" not in training
    assert 'id="training-curves"' not in html


def test_report_file_mode_is_like_every_other_output(viz_linear, tmp_path):
    import os

    old = os.umask(0o022)
    try:
        out = tmp_path / "r.html"
        assert run_cli("report", "--model", viz_linear, "--out", out).exit_code == 0
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == (viz_linear / "metrics.json").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("case", ["missing-model", "not-a-model", "bad-method", "out-is-dir", "bad-bench"])
def test_user_errors_are_messages_not_tracebacks(case, viz_linear, viz_dataset, tmp_path):
    args = {"missing-model": ["--model", tmp_path / "nope"],
            "not-a-model": ["--model", viz_dataset],
            "bad-method": ["--model", viz_linear, "--method", "umap", "--out", tmp_path / "r.html"],
            "out-is-dir": ["--model", viz_linear, "--out", tmp_path],
            "bad-bench": ["--model", viz_linear, "--bench", viz_dataset / "manifest.json", "--out", tmp_path / "r.html"],
            }[case]
    result = run_cli("report", *args)
    assert result.exit_code == 2, describe(result)
    assert "Fix:" in result.stderr and "Traceback" not in result.output, describe(result)
    assert not (tmp_path / "r.html").exists()


def test_help_teaches_with_examples():
    result = run_cli("report", "--help")
    assert result.exit_code == 0
    assert "Examples" in result.stdout and "multilabeltext report --model" in result.stdout
