"""``predict --engine spark`` equals the embedded ``predict``: same tags, probabilities to 1e-5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import PYQ_SAMPLE, describe, prepare_ok, run_cli
from spark_session import spark  # noqa: F401  (the shared session fixture)

from multilabeltext.data.dataset import load_dataset
from multilabeltext.predict import Predictor

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def linear(tmp_path_factory):
    base = tmp_path_factory.mktemp("spark-predict")
    data = prepare_ok(PYQ_SAMPLE, base / "ds", "--text-column", "clean", "--label-column", "Actual",
                      "--id-column", "ParentId")
    result = run_cli("train", data, "--out", base / "linear", "--quiet")
    assert result.exit_code == 0, describe(result)
    return data, base / "linear"


def test_batch_predict_equals_the_embedded_predict(spark, linear, tmp_path):  # noqa: F811
    data, model = linear
    out = tmp_path / "scored.parquet"
    result = run_cli("predict", model, "--engine", "spark", "--input", data, "--out", out, "--top-k", "3")
    assert result.exit_code == 0, describe(result)
    rows = load_dataset(data)
    assert f"{len(rows):,} rows scored" in result.stdout
    scored = pd.read_parquet(out).set_index("id").loc[rows["id"]]
    predictor = Predictor(model)
    proba = predictor.model.predict_proba(rows["text"].tolist())
    expected = predictor.predict(rows["text"].tolist(), top_k=3)
    assert [list(t) for t in scored["tags"]] == [e["tags"] for e in expected]
    labels = predictor.labels
    for i, probabilities in enumerate(scored["probabilities"]):
        got = dict(probabilities)
        assert list(got) == list(expected[i]["probabilities"])  # the same top 3, best first
        np.testing.assert_allclose([got[t] for t in got], [proba[i, labels.index(t)] for t in got], atol=1e-5)


def test_batch_predict_refuses_an_existing_output_and_a_missing_input(linear, tmp_path):
    data, model = linear
    out = tmp_path / "taken"
    out.mkdir()
    result = run_cli("predict", model, "--engine", "spark", "--input", data, "--out", out)
    assert result.exit_code == 2 and "--force" in result.stderr, describe(result)
    result = run_cli("predict", model, "--engine", "spark", "--input", tmp_path / "nope", "--out", tmp_path / "o")
    assert result.exit_code == 2 and "nope" in result.stderr, describe(result)
    result = run_cli("predict", model, "--engine", "spark", "--input", data)
    assert result.exit_code == 2 and "--out" in result.stderr, describe(result)
