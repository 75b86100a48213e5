"""The trained-model object (multilabeltext.modeldir.TrainedModel) and the one way scores become tags.

``consumers_agree``: predict (the real CLI), the HTTP API, the dashboard's data layer, the report's figure
data and evaluate give the same tags for the same texts and settings, on a real model (pythonquestions
sample, linear, per-tag thresholds, at least one tag per text).
"""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from conftest import PYQ_SAMPLE, describe, prepare_ok, run_cli

from multilabeltext.errors import ConfigError, DatasetFormatError
from multilabeltext.modeldir import TrainedModel, load_model


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("modeldir")
    dataset = prepare_ok(PYQ_SAMPLE, root / "pyq", "--text-column", "clean", "--label-column", "Actual",
                         "--id-column", "ParentId")
    out = root / "pyq-linear"
    result = run_cli("train", dataset, "--out", out, "--quiet", "--threshold", "per-tag", "--param",
                     "char_ngrams=null", "--param", "jobs=1")
    assert result.exit_code == 0, describe(result)
    return out


def test_reads_the_directory_lazily_and_the_weights_only_for_scores(model_dir):
    trained = TrainedModel(model_dir)
    assert "model" not in trained.__dict__  # nothing but model.json read yet
    saved = json.loads((model_dir / "thresholds.json").read_text())
    assert trained.rule.to_dict() == saved and trained.rule.method == "per-tag" and trained.rule.min_tags == 1
    assert trained.labels == json.loads((model_dir / "labels.json").read_text())
    assert trained.metrics["test"]["micro_f1"] == json.loads((model_dir / "metrics.json").read_text())["test"]["micro_f1"]
    assert trained.history == [] and trained.kind == "linear" and trained.name == "pyq-linear"
    test = trained.test
    assert test.Y.shape == test.proba.shape == (len(test.ids), len(trained.labels))
    decided = trained.decide(test.proba)  # scores become tags without the weights
    assert "model" not in trained.__dict__
    assert decided.tags == [sorted(p, key=lambda t: -test.proba[i, trained.labels.index(t)])
                            for i, p in enumerate(test.frame["predicted"])]  # what train() saved, best first
    assert trained.dataset is not None
    proba = trained.predict_proba(test.texts[:5])
    assert "model" in trained.__dict__
    np.testing.assert_allclose(proba, test.proba[:5], atol=1e-6)


def test_decide_keeps_min_tags_under_an_override_and_bounds_only_the_shown_scores(model_dir):
    trained = TrainedModel(model_dir)
    proba = trained.test.proba[:50]
    strict = trained.decide(proba, threshold=1.0)
    assert strict.matrix.sum(axis=1).tolist() == [1] * 50  # min_tags = 1: each row's best tag
    assert [t[0] for t in strict.tags] == [trained.labels[j] for j in proba.argmax(axis=1)]
    every = trained.decide(proba, threshold=0.0, top_k=2)
    assert every.matrix.all() and all(len(a["probabilities"]) == 2 and len(a["tags"]) == len(trained.labels)
                                      for a in every.answers())
    per_label = np.full(len(trained.labels), 0.5)
    assert np.array_equal(trained.decide(proba, per_label).matrix, trained.decide(proba, 0.5).matrix)
    assert trained.decide(np.zeros((0, len(trained.labels)))).tags == []
    with pytest.raises(ConfigError, match="one column per label"):
        trained.decide(proba[:, :3])
    with pytest.raises(ConfigError, match="top_k"):
        trained.decide(proba, top_k=0)


def test_a_damaged_directory_names_the_file(model_dir, tmp_path):
    copy = tmp_path / "m"
    shutil.copytree(model_dir, copy)
    size = (copy / "thresholds.json").stat().st_size  # same size: model.json's declared sizes would catch it first
    (copy / "thresholds.json").write_text("{not json".ljust(size), encoding="utf-8")
    trained = TrainedModel(copy)
    with pytest.raises(DatasetFormatError, match="thresholds.json is not valid JSON"):
        trained.rule  # noqa: B018
    (copy / "predictions.parquet").unlink()
    with pytest.raises(DatasetFormatError, match="no test predictions"):
        trained.test  # noqa: B018
    with pytest.raises(DatasetFormatError, match="not a model directory"):
        TrainedModel(tmp_path)


@pytest.mark.parametrize("threshold", [None, 0.3, 0.97])
def test_consumers_agree(model_dir, tmp_path, threshold):
    """predict CLI, HTTP API, dashboard, report figure data, evaluate: the same tags for the same texts."""
    from fastapi.testclient import TestClient

    from multilabeltext.evaluation import evaluate_model
    from multilabeltext.serve.app import create_app
    from multilabeltext.viz.dashboard.data import DashboardData
    from multilabeltext.viz.figures import load_model_data

    trained = load_model(model_dir)
    labels, test = trained.labels, trained.test
    rows = list(range(0, len(test.ids), 7))[:15]
    texts = [test.texts[i] for i in rows]
    expected = trained.predict(texts, threshold).tags
    assert any(len(t) > 1 for t in expected) or threshold == 0.97
    options = [] if threshold is None else ["--threshold", str(threshold)]

    # predict: the real command
    file = tmp_path / "texts.txt"
    file.write_text("\n".join(texts) + "\n", encoding="utf-8")
    result = run_cli("predict", model_dir, "--file", file, *options)
    assert result.exit_code == 0, describe(result)
    assert [json.loads(line)["tags"] for line in result.stdout.splitlines()] == expected

    # the HTTP API
    body = {"texts": texts, **({} if threshold is None else {"threshold": threshold})}
    with TestClient(create_app(model_dir)) as client:
        answers = client.post("/predict", json=body).json()["results"]
    assert [a["tags"] for a in answers] == expected

    # the dashboard's data layer: the test rows, and the same texts pasted in
    data = DashboardData.load(model_dir)
    vector = None if threshold is None else [threshold] * len(labels)
    matrix = data.decide(vector)
    assert [{labels[j] for j in np.flatnonzero(matrix[i])} for i in rows] == [set(t) for t in expected]
    assert [data.tag_question(t, vector)["predicted"] for t in texts[:3]] == expected[:3]

    # the report's figure data (saved scores, no weights loaded), decided by its model directory object
    figures = load_model_data(model_dir)
    decided = figures.decided if threshold is None else figures.trained.decide(figures.proba, threshold).matrix
    assert [{labels[j] for j in np.flatnonzero(decided[i])} for i in rows] == [set(t) for t in expected]

    # evaluate (its rows are the dataset's test split, in the same order as the saved predictions)
    if threshold is None:
        evaluated = evaluate_model(model_dir)
        assert [str(i) for i in evaluated["ids"]] == test.ids
        assert [evaluated["predicted"][i] for i in rows] == expected
