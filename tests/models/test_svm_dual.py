"""The compiled SVM solver (models/svm_dual.py) against scikit-learn's ``LinearSVC(dual=True)`` on real titles.

Real Stack Overflow titles (so-titles, 3,000 rows, 10 common tags) as the ``linear`` model's TF-IDF features:
converged, both solve the same problem, so their weights, intercepts and decisions must agree; with sample
weights (auxiliary rows) and ``class_weight="balanced"`` too; with a few passes the accuracy must match.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from conftest import so_titles_subset

from multilabeltext.data.tokenizer import Tokenizer
from multilabeltext.models import svm_dual
from multilabeltext.models.linear import LinearConfig, _balanced
from multilabeltext.models.tfidf import TfidfFeatures


@pytest.fixture(scope="module")
def data():
    from multilabeltext.config import TokenizerConfig

    labels, texts, Y = so_titles_subset(3000, 10)
    features = TfidfFeatures(LinearConfig(), Tokenizer(TokenizerConfig()))
    X = features.fit_transform(texts).tocsr().astype(np.float64)
    return labels, X, Y


def sklearn_svm(X, y, C=0.5, max_iter=1000, tol=1e-6, **kwargs):
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LinearSVC(C=C, dual=True, max_iter=max_iter, tol=tol, random_state=0, **kwargs).fit(X, y)


@pytest.mark.parametrize("tag", [0, 3, 9])
def test_converged_weights_and_decisions_equal_liblinears(data, tag):
    _, X, Y = data
    y = Y[:, tag]
    w, b, alpha, passes = svm_dual.fit_svm(X, y, np.full(X.shape[0], 0.5), max_iter=1000, tol=1e-6)
    assert passes < 1000  # converged
    ref = sklearn_svm(X, y)
    np.testing.assert_allclose(w, ref.coef_.ravel(), atol=2e-3)
    assert abs(b - ref.intercept_[0]) < 2e-3
    d, d_ref = X @ w + b, ref.decision_function(X)
    assert np.abs(d - d_ref).max() < 5e-3
    assert ((d > 0) == (d_ref > 0)).mean() > 0.999
    # the dual variables give the weights back (w = sum alpha_i y_i x_i, the bias last)
    sign = np.where(y > 0, 1.0, -1.0)
    np.testing.assert_allclose(X.T @ (alpha * sign), w, atol=1e-3)
    assert abs((alpha * sign).sum() - b) < 1e-3


def test_sample_weights_and_balanced_classes_as_liblinear(data):
    _, X, Y = data
    y = Y[:, 1]
    weight = np.where(np.arange(X.shape[0]) % 3 == 0, 0.2, 1.0)
    weight[::7] = 0.0  # left out, as liblinear leaves out zero-weight rows
    cost = 0.5 * weight * _balanced(y > 0, weight)[(y > 0).astype(int)]
    w, b, _, passes = svm_dual.fit_svm(X, y, cost, max_iter=1000, tol=1e-6)
    ref = sklearn_svm(X, y, class_weight="balanced")
    ref.fit(X, y, sample_weight=weight)
    assert passes < 1000
    d, d_ref = X @ w + b, ref.decision_function(X)
    assert np.abs(d - d_ref).max() < 5e-3


def test_a_few_passes_are_as_accurate_as_liblinears(data):
    """The ``linear`` model's 3 passes: another row order than liblinear's, the same training accuracy (+-0.5%)."""
    _, X, Y = data
    ours, theirs = [], []
    for tag in range(Y.shape[1]):
        w, b, _, _ = svm_dual.fit_svm(X, Y[:, tag], np.full(X.shape[0], 0.5), max_iter=3, seed=tag)
        ours.append(((X @ w + b > 0) == (Y[:, tag] > 0)).mean())
        theirs.append(((sklearn_svm(X, Y[:, tag], max_iter=3, tol=1e-4).decision_function(X) > 0)
                       == (Y[:, tag] > 0)).mean())
    assert abs(np.mean(ours) - np.mean(theirs)) < 0.005, (ours, theirs)


def test_same_seed_same_model_and_rows_subset(data):
    _, X, Y = data
    y, cost = Y[:, 2], np.full(X.shape[0], 0.5)
    arrays = svm_dual.prepare(X)
    a = svm_dual.solve(arrays, X.shape[1], y, cost, max_iter=3, seed=7)
    b = svm_dual.solve(arrays, X.shape[1], y, cost, max_iter=3, seed=7)
    c = svm_dual.solve(arrays, X.shape[1], y, cost, max_iter=3, seed=8)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    # rows=: the same as a matrix of those rows alone; the other rows' dual variables stay 0
    rows = np.arange(0, X.shape[0], 2)
    full = svm_dual.solve(arrays, X.shape[1], y, cost, rows=rows, max_iter=1000, tol=1e-6)
    alone = svm_dual.fit_svm(X[rows], y[rows], cost[rows], max_iter=1000, tol=1e-6)
    np.testing.assert_allclose(full[0], alone[0], atol=1e-3)
    assert not full[2][1::2].any()


def test_a_warm_start_from_a_solution_stays_there(data):
    _, X, Y = data
    y, cost = Y[:, 4], np.full(X.shape[0], 0.5)
    arrays = svm_dual.prepare(X)
    w, b, alpha, _ = svm_dual.solve(arrays, X.shape[1], y, cost, max_iter=1000, tol=1e-6)
    w2, b2, alpha2, passes = svm_dual.solve(arrays, X.shape[1], y, cost, alpha=alpha, max_iter=1000, tol=1e-4)
    assert passes <= 2
    np.testing.assert_allclose(w2, w, atol=1e-4)
    assert alpha2 is not alpha
