"""Small real model directories for the figure, report and dashboard tests, built once per session.

The pythonquestions sample (1,000 real questions, 10 tags) is prepared in a temporary directory, then:
``viz_linear`` (the linear model without character n-grams: ~3 s), ``viz_vectors`` (a 32-dimension
Word2Vec, 2 epochs) and ``viz_lstm`` (a tiny LSTM on those vectors, 2 epochs: a real ``history.json``).
"""

from __future__ import annotations

import pytest
from conftest import PYQ_SAMPLE, describe, prepare_ok, run_cli


@pytest.fixture(scope="session")
def viz_dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("viz") / "pyq"
    return prepare_ok(PYQ_SAMPLE, out, "--text-column", "clean", "--label-column", "Actual", "--id-column", "ParentId")


@pytest.fixture(scope="session")
def viz_vectors(viz_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("viz") / "vectors"
    result = run_cli("word2vec", viz_dataset, "--out", out, "--epochs", "2", "--workers", "1", "--vector-size", "32")
    assert result.exit_code == 0, describe(result)
    return out


@pytest.fixture(scope="session")
def viz_linear(viz_dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("viz") / "pyq-linear"
    result = run_cli("train", viz_dataset, "--out", out, "--quiet", "--param", "char_ngrams=null", "--param", "jobs=1")
    assert result.exit_code == 0, describe(result)
    return out


@pytest.fixture(scope="session")
def viz_lstm(viz_dataset, viz_vectors, tmp_path_factory):
    out = tmp_path_factory.mktemp("viz") / "pyq-lstm"
    result = run_cli("train", viz_dataset, "--out", out, "--quiet", "--model", "lstm", "--vectors", viz_vectors,
                     "--param", "epochs=2", "--param", "units=8", "--param", "max_length=80",
                     "--param", "bidirectional=false")
    assert result.exit_code == 0, describe(result)
    return out
