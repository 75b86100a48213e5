"""``predict --engine spark`` equals the embedded ``predict`` for every registered model (same tags,
probabilities to 1e-5), and each Python worker process loads the model directory once."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import PYQ_SAMPLE, describe, prepare_ok, run_cli
from spark_session import spark  # noqa: F401  (the shared session fixture)

from multilabeltext.data.dataset import load_dataset
from multilabeltext.models import MODELS
from multilabeltext.predict import Predictor

pytestmark = pytest.mark.spark

# tiny, fast settings per model (seconds each on 2 cores): they only have to be real trained models
LINEAR = {"char_ngrams": None, "cross_fit": 0}
MLP = {"char_ngrams": None, "hidden": 16, "epochs": 3}
LSTM = {"epochs": 2, "units": 8, "embedding_dim": 8, "max_length": 50}
FAST = {
    "linear": LINEAR,
    "mlp": MLP,
    "lstm": LSTM,
    "tree": {"char_ngrams": None},
    "ensemble": {"members": [{"model": "linear", "params": LINEAR}, {"model": "lstm", "params": LSTM}],
                 "weight_resamples": 0},
}


def test_every_registered_model_has_fast_settings_here():
    assert sorted(FAST) == sorted(MODELS)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return prepare_ok(PYQ_SAMPLE, tmp_path_factory.mktemp("spark-predict") / "ds", "--text-column", "clean",
                      "--label-column", "Actual", "--id-column", "ParentId")


_trained: dict = {}


def trained(name: str, data, base) -> object:
    """The model directory of ``name`` trained tiny on ``data`` through the real CLI (once per module)."""
    if name not in _trained:
        params = [a for key, value in FAST[name].items() for a in ("--param", f"{key}={json.dumps(value)}")]
        out = base / name
        result = run_cli("train", data, "--model", name, "--out", out, "--quiet", *params)
        assert result.exit_code == 0, describe(result)
        _trained[name] = out
    return _trained[name]


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("spark-predict-models")


@pytest.mark.parametrize(("name", "top_k"), [(name, None) for name in sorted(FAST)] + [("linear", 3)])
def test_batch_predict_equals_the_embedded_predict(spark, data, models_dir, name, top_k, tmp_path):  # noqa: F811
    """All tags' probabilities for every model (the top 3, best first, once), tags decided alike."""
    model = trained(name, data, models_dir)
    out = tmp_path / "scored.parquet"
    options = ["--top-k", str(top_k)] if top_k else []
    result = run_cli("predict", model, "--engine", "spark", "--input", data, "--out", out, *options)
    assert result.exit_code == 0, describe(result)
    rows = load_dataset(data)
    assert f"{len(rows):,} rows scored" in result.stdout
    table = pd.read_parquet(out)
    assert list(table.columns) == ["id", "text", "tags", "probabilities"]
    assert sorted(table["id"]) == sorted(rows["id"])  # every row once
    scored = table.set_index("id").loc[rows["id"]]
    predictor = Predictor(model)  # the embedded predict, in this process
    proba = predictor.model.predict_proba(rows["text"].tolist())
    expected = predictor.predict(rows["text"].tolist(), top_k=top_k)
    assert [list(t) for t in scored["tags"]] == [e["tags"] for e in expected]
    labels = predictor.labels
    for i, probabilities in enumerate(scored["probabilities"]):
        got = dict(probabilities)
        assert list(got) == list(expected[i]["probabilities"])  # the same tags shown, best first
        assert len(got) == (top_k or len(labels))
        np.testing.assert_allclose([got[t] for t in got], [proba[i, labels.index(t)] for t in got], atol=1e-5,
                                   err_msg=f"{name}: row {i}")


def test_each_worker_process_loads_the_model_once(spark, data, models_dir, tmp_path):  # noqa: F811
    """Many small Arrow batches (16 rows) and more tasks than cores: still one load per Python worker (the
    lstm: TensorFlow and the saved tokenizer are the costly part of a load)."""
    from multilabeltext.spark.predict import predict_spark

    model = trained("lstm", data, models_dir)
    spark.conf.set("spark.sql.execution.arrow.maxRecordsPerBatch", "16")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "131072")  # small splits: more tasks than cores
    try:
        done = predict_spark(model, data, tmp_path / "scored.parquet")
    finally:
        spark.conf.unset("spark.sql.execution.arrow.maxRecordsPerBatch")
        spark.conf.unset("spark.sql.files.maxPartitionBytes")
    workers = done["worker_processes"]
    batches = sum(w["batches"] for w in workers.values())
    tasks = sum(w["tasks"] for w in workers.values())
    assert batches >= done["rows"] / 16 and tasks > len(workers), workers  # a reload would have shown
    assert len(workers) <= spark.sparkContext.defaultParallelism + 1, workers
    assert {w["loads"] for w in workers.values() if w["batches"]} == {1}, workers  # not once per batch or task
    assert max(w["loads"] for w in workers.values()) == 1, workers


def test_batch_predict_refuses_an_existing_output_and_a_missing_input(data, models_dir, tmp_path):
    model = trained("linear", data, models_dir)
    out = tmp_path / "taken"
    out.mkdir()
    result = run_cli("predict", model, "--engine", "spark", "--input", data, "--out", out)
    assert result.exit_code == 2 and "--force" in result.stderr, describe(result)
    result = run_cli("predict", model, "--engine", "spark", "--input", tmp_path / "nope", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "nope" in result.stderr, describe(result)
    result = run_cli("predict", model, "--engine", "spark", "--input", data)
    assert result.exit_code == 2 and "--out" in result.stderr, describe(result)
