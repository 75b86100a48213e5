"""``train --model mlp|lstm --engine spark``: two TensorFlow workers in a barrier stage on ``local[2]`` learn (the loss
falls, better than chance), write a normal model directory the embedded ``predict`` and ``evaluate`` read, whose
scores equal Spark's batch predict; the user errors (more workers than task slots) are messages.

One small so-titles dataset (the first 1,500 titles, their 5 commonest tags) prepared by the embedded engine;
tiny networks and a few epochs (each training is 30-60 s on 2 cores, most of it starting TensorFlow twice).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import SO_TITLES, describe, leftovers, prepare_ok, run_cli
from spark_session import assert_user_error, spark  # noqa: F401  (spark: the shared session fixture)

from multilabeltext.data.dataset import load_dataset
from multilabeltext.predict import Predictor

pytestmark = pytest.mark.spark
ROWS, TAGS = 1500, 5
FAST = {"mlp": {"char_ngrams": None, "hidden": 32, "learning_rate": 0.01, "batch_size": 32, "epochs": 4},
        "lstm": {"units": 16, "embedding_dim": 16, "max_length": 30, "learning_rate": 0.01, "batch_size": 32,
                 "epochs": 3}}


@pytest.fixture(scope="module")
def titles(tmp_path_factory):
    base = tmp_path_factory.mktemp("spark-train-keras")
    with open(SO_TITLES, encoding="utf-8") as f:
        head = [next(f) for _ in range(ROWS + 1)]
    (base / "titles.tsv").write_text("".join(head), encoding="utf-8")
    return prepare_ok(base / "titles.tsv", base / "ds", "--text-column", "title", "--label-column", "tags",
                      "--top-n", str(TAGS))


def params(name: str) -> list[str]:
    return [a for key, value in FAST[name].items() for a in ("--param", f"{key}={json.dumps(value)}")]


_trained: dict = {}


def trained(name: str, titles) -> object:
    """``name`` trained on Spark with 2 workers through the real CLI (once per module)."""
    if name not in _trained:
        out = titles.parent / f"spark-{name}"
        result = run_cli("train", titles, "--out", out, "--model", name, "--engine", "spark",
                         "--param", "spark_workers=2", *params(name))
        assert result.exit_code == 0, describe(result)
        assert "2 TensorFlow workers" in result.stderr and "Model written to" in result.stdout, describe(result)
        _trained[name] = out
    return _trained[name]


@pytest.mark.parametrize("name", sorted(FAST))
def test_two_workers_learn_and_write_a_normal_model_directory(spark, titles, name):  # noqa: F811
    model = trained(name, titles)
    meta = json.loads((model / "model.json").read_text(encoding="utf-8"))
    assert meta["model"] == name and meta["engine"]["name"] == "spark", meta.get("engine")
    assert meta["engine"]["workers"] == 2 and meta["engine"]["strategy"].endswith("MultiWorkerMirroredStrategy")
    rows = meta["engine"]["train_rows_per_worker"]
    assert len(rows) == 2 and sum(rows) == meta["dataset"]["splits"]["train"] and abs(rows[0] - rows[1]) <= 1
    history = json.loads((model / "weights" / "history.json").read_text(encoding="utf-8"))
    assert len(history) == FAST[name]["epochs"] and all(h["val_loss"] is not None for h in history)
    assert history[-1]["loss"] < history[0]["loss"] and min(h["val_loss"] for h in history) < history[0]["val_loss"]
    test = json.loads((model / "metrics.json").read_text(encoding="utf-8"))["test"]
    tags = load_dataset(titles, "test")["tags"]
    commonest = pd.Series([t for ts in tags for t in ts]).value_counts().iloc[0] / len(tags)
    assert test["p_at_1"] > commonest + 0.1, (test["p_at_1"], commonest)  # better than always the commonest tag
    result = run_cli("evaluate", model, "--no-per-tag")
    assert result.exit_code == 0, describe(result)


@pytest.mark.parametrize("name", sorted(FAST))
def test_embedded_predict_of_the_spark_model_equals_spark_batch_predict(spark, titles, name, tmp_path):  # noqa: F811
    model = trained(name, titles)
    out = tmp_path / "scored.parquet"
    result = run_cli("predict", model, "--engine", "spark", "--input", titles, "--split", "test", "--out", out)
    assert result.exit_code == 0, describe(result)
    test = load_dataset(titles, "test")
    scored = pd.read_parquet(out).set_index("id").loc[test["id"]]
    predictor = Predictor(model)  # the embedded predict, in this process
    proba = predictor.model.predict_proba(test["text"].tolist())
    expected = predictor.predict(test["text"].tolist())
    assert [list(t) for t in scored["tags"]] == [e["tags"] for e in expected]
    got = np.array([[dict(p)[t] for t in predictor.labels] for p in scored["probabilities"]])
    np.testing.assert_allclose(got, proba, rtol=0, atol=1e-5)
    saved = pd.read_parquet(model / "predictions.parquet").set_index("id").loc[test["id"]]  # scored at training
    np.testing.assert_allclose(np.vstack(saved["proba"].tolist()), proba, rtol=0, atol=1e-5)



def test_more_workers_than_task_slots_and_other_settings_are_refused(spark, titles, tmp_path):  # noqa: F811
    def spark_train(*args):
        return run_cli("train", titles, "--out", tmp_path / "m", "--model", "mlp", "--engine", "spark", "--quiet",
                       *args)

    assert_user_error(spark_train("--param", "spark_workers=3"), "3 task slots", "has 2", "spark_workers=2")
    assert_user_error(spark_train("--param", "spark_workers=0"), "spark_workers")
    assert_user_error(spark_train("--param", "spark_max_iter=5"), "spark_max_iter", "spark_workers")
    assert_user_error(spark_train("--param", "hidden=0"), "hidden")
    assert not (tmp_path / "m").exists() and not leftovers(tmp_path, "m")


def test_auxiliary_rows_train_on_two_workers_with_their_weights(spark, titles, tmp_path):  # noqa: F811
    """``--auxiliary``: the next 1,500 titles join at weight 0.3 for the tags they annotate; the workers read
    each row's weights, so the first epoch's loss (the masked loss) is the embedded fit's within 10%."""
    with open(SO_TITLES, encoding="utf-8") as f:
        lines = f.readlines()[: 2 * ROWS + 1]
    (tmp_path / "next.tsv").write_text(lines[0] + "".join(lines[ROWS + 1:]), encoding="utf-8")
    extra = prepare_ok(tmp_path / "next.tsv", tmp_path / "aux", "--text-column", "title", "--label-column", "tags",
                       "--top-n", "3")
    common = ["--model", "mlp", "--auxiliary", extra, "--quiet", *params("mlp")]
    result = run_cli("train", titles, "--out", tmp_path / "spark", "--engine", "spark", "--param", "spark_workers=2",
                     *common)
    assert result.exit_code == 0, describe(result)
    embedded = run_cli("train", titles, "--out", tmp_path / "embedded", *common)
    assert embedded.exit_code == 0, describe(embedded)
    spark_meta, embedded_meta = (json.loads((tmp_path / d / "model.json").read_text()) for d in ("spark", "embedded"))
    assert spark_meta["dataset"]["auxiliary"] == embedded_meta["dataset"]["auxiliary"]
    aux_rows = spark_meta["dataset"]["auxiliary"]["rows"]
    assert aux_rows > 500 and sum(spark_meta["engine"]["train_rows_per_worker"]) == \
        spark_meta["dataset"]["splits"]["train"] + aux_rows
    losses = [json.loads((tmp_path / d / "weights" / "history.json").read_text())[0]["loss"]
              for d in ("spark", "embedded")]
    assert abs(losses[0] - losses[1]) <= 0.1 * losses[1], losses
    test = json.loads((tmp_path / "spark" / "metrics.json").read_text())["test"]
    assert test["micro_f1"] > 0.3, test
