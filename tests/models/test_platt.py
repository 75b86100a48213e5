"""Platt scaling stops each column when its Newton steps vanish, with the float32 result of all 50 steps (to
an ulp: a column stopped early misses steps far below float32's precision, which can round either way)."""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import pytest
from conftest import SO_TITLES

from multilabeltext.data.tokenizer import Tokenizer
from multilabeltext.metrics import binarize
from multilabeltext.models.linear import fit_platt
from multilabeltext.models.tfidf import TfidfFeatures, TfidfSettings


@pytest.fixture(scope="module")
def decisions():
    """Decision values of real titles for their 30 most common tags: a centroid score per tag."""
    frame = pd.read_csv(SO_TITLES, sep="\t", nrows=4000)
    tags = [ast.literal_eval(t) for t in frame["tags"]]
    labels = pd.Series([t for ts in tags for t in ts]).value_counts().index[:30].tolist()
    Y = binarize(tags, labels)
    X = TfidfFeatures(TfidfSettings(char_ngrams=None, min_df=2), Tokenizer()).fit_transform(frame["title"].tolist())
    centroids = (X.T @ (Y / np.maximum(Y.sum(0), 1) - (1 - Y) / np.maximum((1 - Y).sum(0), 1))).astype(np.float32)
    return np.asarray(X @ centroids) * 5, Y


def test_stopping_early_gives_the_fifty_step_result(decisions):
    d, Y = decisions
    full = fit_platt(d, Y, tolerance=0.0)  # a step is never < 0: all 50 steps, as before
    ulp = np.spacing(np.abs(full))
    assert (np.abs(fit_platt(d, Y) - full) <= ulp).all()
    assert (np.abs(fit_platt(d, Y, iterations=15) - full) <= ulp).all()  # it had converged well before 50
    assert not np.array_equal(fit_platt(d, Y, iterations=2), full)  # ... but not after 2
    assert (full[0] > 0).all()


def test_a_slow_column_does_not_change_the_others(decisions):
    """Columns stop one by one: fitting a column alone or beside others gives the same result."""
    d, Y = decisions
    together = fit_platt(d, Y)
    for j in (0, 7, 29):
        alone = fit_platt(d[:, [j]], Y[:, [j]])
        assert (np.abs(alone[:, 0] - together[:, j]) <= np.spacing(np.abs(together[:, j]))).all()
