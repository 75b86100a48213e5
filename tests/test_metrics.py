"""Metrics: every number checked against scikit-learn (an independent implementation), P@k by hand."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from conftest import REPO, SO_TITLES
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    hamming_loss,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)

from multilabeltext.errors import ConfigError, MultilabeltextError
from multilabeltext.metrics import (
    LabelMatrixError,
    as_label_matrix,
    binarize,
    compare_table,
    evaluate,
    format_table,
    per_tag,
    precision_at_k,
    top_k_indices,
    unbinarize,
)

# ------------------------------------------------------------------------------------------- oracle


def sklearn_metrics(Y: np.ndarray, P: np.ndarray) -> dict:
    """The same numbers from scikit-learn, with ``zero_division=0``.

    scikit-learn reads a one-column matrix as binary (not multi-label) targets, so an all-zero column is
    appended: it changes no count except the number of cells, so only ``hamming_loss`` and ``macro_f1_all``
    (taken per label, without the extra one) are computed apart.
    """
    L = Y.shape[1]
    hamming = hamming_loss(Y, P)
    Y, P = (np.hstack([M, np.zeros((len(M), 1), dtype=M.dtype)]) for M in (Y, P))
    present = np.flatnonzero(Y.sum(0) > 0)
    kw = {"zero_division": 0}
    out = {}
    for avg in ("micro", "samples"):
        out[f"{avg}_precision"] = precision_score(Y, P, average=avg, **kw)
        out[f"{avg}_recall"] = recall_score(Y, P, average=avg, **kw)
        out[f"{avg}_f1"] = f1_score(Y, P, average=avg, **kw)
    if present.size:
        out["macro_precision"] = precision_score(Y, P, average="macro", labels=present, **kw)
        out["macro_recall"] = recall_score(Y, P, average="macro", labels=present, **kw)
        out["macro_f1"] = f1_score(Y, P, average="macro", labels=present, **kw)
    else:
        out["macro_precision"] = out["macro_recall"] = out["macro_f1"] = 0.0
    out["macro_f1_all"] = f1_score(Y, P, average=None, **kw)[:L].mean()
    out["hamming_loss"] = hamming
    out["subset_accuracy"] = accuracy_score(Y, P)
    return out


def assert_matches_sklearn(Y: np.ndarray, P: np.ndarray) -> None:
    ours = evaluate(Y, P)
    for key, expected in sklearn_metrics(Y, P).items():
        assert ours[key] == pytest.approx(expected, abs=1e-12), (key, ours[key], expected)


def random_case(rng: np.random.Generator, n: int, L: int, p_true: float, p_pred: float) -> tuple:
    Y = (rng.random((n, L)) < p_true).astype(np.uint8)
    P = (rng.random((n, L)) < p_pred).astype(np.uint8)
    return Y, P


# ------------------------------------------------------------------------------------------- against sklearn


@pytest.mark.parametrize("seed", range(8))
def test_random_matrices_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    n, L = int(rng.integers(1, 60)), int(rng.integers(1, 12))
    Y, P = random_case(rng, n, L, rng.uniform(0.05, 0.6), rng.uniform(0.05, 0.6))
    assert_matches_sklearn(Y, P)


def test_edge_cases_match_sklearn():
    rng = np.random.default_rng(1)
    Y, P = random_case(rng, 40, 8, 0.3, 0.3)
    Y[:5] = 0                      # rows without tags
    P[3:8] = 0                     # rows without prediction (some also without tags)
    Y[:, 2] = 0                    # a label never true ...
    P[:, 2] = 1                    # ... but always predicted
    Y[:, 5] = 1                    # a label always true ...
    P[:, 5] = 0                    # ... never predicted
    Y[:, 6] = 0
    P[:, 6] = 0                    # a label never true and never predicted
    assert_matches_sklearn(Y, P)
    m = evaluate(Y, P)
    assert m["n_labels_present"] == 6
    assert m["rows_without_tags"] == int((Y.sum(1) == 0).sum())
    assert m["rows_without_prediction"] == int((P.sum(1) == 0).sum())


@pytest.mark.parametrize("case", ["all_zero_pred", "all_zero_true", "all_zero_both", "perfect", "all_ones",
                                  "one_row", "one_label"])
def test_degenerate_matrices_match_sklearn(case):
    rng = np.random.default_rng(7)
    Y, P = random_case(rng, 25, 6, 0.3, 0.3)
    if case == "all_zero_pred":
        P[:] = 0
    elif case == "all_zero_true":
        Y[:] = 0
    elif case == "all_zero_both":
        Y[:] = 0
        P[:] = 0
    elif case == "perfect":
        P = Y.copy()
    elif case == "all_ones":
        P[:] = 1
    elif case == "one_row":
        Y, P = Y[:1], P[:1]
    elif case == "one_label":
        Y, P = Y[:, :1], P[:, :1]
    assert_matches_sklearn(Y, P)


def test_all_zero_predictions_score_zero_and_are_counted():
    Y = np.eye(4, dtype=int)
    m = evaluate(Y, np.zeros_like(Y))
    assert m["micro_f1"] == m["macro_f1"] == m["samples_f1"] == 0.0
    assert m["rows_without_prediction"] == 4 and m["pred_label_cardinality"] == 0.0
    assert m["hamming_loss"] == 0.25 and m["subset_accuracy"] == 0.0


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 15).flatmap(lambda n: st.integers(1, 6).flatmap(
    lambda L: st.tuples(arrays(np.bool_, (n, L)), arrays(np.bool_, (n, L))))))
def test_any_matrices_match_sklearn(pair):
    Y, P = pair
    assert_matches_sklearn(Y.astype(np.uint8), P.astype(np.uint8))


def test_macro_over_present_labels_and_over_all():
    # label 0: F1 1; label 1: never true, predicted once -> F1 0; only label 0 occurs in Y
    Y = [[1, 0], [1, 0]]
    P = [[1, 1], [1, 0]]
    m = evaluate(Y, P)
    assert m["macro_f1"] == 1.0 and m["macro_f1_all"] == 0.5
    assert m["macro_precision"] == 1.0 and m["macro_recall"] == 1.0
    assert m["n_labels_present"] == 1


def test_cardinality_and_counts():
    Y = [[1, 1, 0], [0, 0, 1], [0, 0, 0]]
    P = [[1, 0, 0], [0, 0, 0], [1, 1, 1]]
    m = evaluate(Y, P, labels=["a", "b", "c"])
    assert (m["n_rows"], m["n_labels"], m["n_labels_present"]) == (3, 3, 3)
    assert m["label_cardinality"] == pytest.approx(1.0)
    assert m["pred_label_cardinality"] == pytest.approx(4 / 3)
    assert m["rows_without_tags"] == 1 and m["rows_without_prediction"] == 1


def test_result_is_plain_json():
    rng = np.random.default_rng(3)
    Y, P = random_case(rng, 30, 5, 0.3, 0.3)
    m = evaluate(Y.astype(bool), P.astype(np.int64), proba=rng.random((30, 5)).astype(np.float32))
    assert json.loads(json.dumps(m)) == m
    for key, value in m.items():
        assert type(value) in (int, float), (key, type(value))
    without = evaluate(Y, P)
    assert without["p_at_1"] is None and without["p_at_5"] is None
    assert json.loads(json.dumps(without)) == without


# ------------------------------------------------------------------------------------------- P@k


def test_precision_at_k_by_hand():
    Y = np.array([[1, 0, 0, 1, 0, 0],     # top by score: 1 (no), 0 (yes), 3 (yes), 2, 4, 5
                  [0, 0, 1, 0, 0, 0],     # top: 2 (yes), ...
                  [0, 0, 0, 0, 0, 0],     # no true tag: not ranked
                  [0, 1, 1, 1, 1, 1]])    # all scores equal: ties go to lower column -> 0 (no), 1, 2, 3, 4
    proba = np.array([[0.8, 0.9, 0.3, 0.7, 0.2, 0.1],
                      [0.1, 0.2, 0.9, 0.3, 0.4, 0.0],
                      [0.9, 0.9, 0.9, 0.9, 0.9, 0.9],
                      [0.5, 0.5, 0.5, 0.5, 0.5, 0.5]])
    # P@1: row0 0, row1 1, row3 0 -> 1/3
    # P@3: row0 2/3, row1 1/3, row3 2/3 -> 5/9
    # P@5: row0 2/5, row1 1/5, row3 4/5 -> 7/15
    m = evaluate(Y, proba >= 0.5, proba=proba)
    assert m["p_at_1"] == pytest.approx(1 / 3)
    assert m["p_at_3"] == pytest.approx(5 / 9)
    assert m["p_at_5"] == pytest.approx(7 / 15)
    assert precision_at_k(Y, proba, 3) == pytest.approx(5 / 9)


def test_precision_at_k_more_than_labels_divides_by_labels():
    Y = [[1, 1], [1, 0]]
    proba = [[0.2, 0.1], [0.1, 0.9]]
    assert precision_at_k(Y, proba, 5) == pytest.approx((2 / 2 + 1 / 2) / 2)
    assert evaluate(Y, Y, proba=proba)["p_at_5"] == pytest.approx(0.75)


def test_precision_at_k_without_true_tags_is_zero_and_k_checked():
    assert precision_at_k([[0, 0]], [[0.3, 0.2]], 1) == 0.0
    with pytest.raises(ConfigError, match="k must be >= 1"):
        precision_at_k([[1, 0]], [[0.3, 0.2]], 0)


def test_precision_at_k_matches_brute_force():
    rng = np.random.default_rng(5)
    Y = rng.random((200, 9)) < 0.2
    proba = np.round(rng.random((200, 9)), 1)  # many ties
    for k in (1, 3, 5):
        rows = [r for r in range(len(Y)) if Y[r].any()]
        expected = np.mean([Y[r, sorted(range(9), key=lambda j: (-proba[r, j], j))[:k]].sum() / k for r in rows])
        assert precision_at_k(Y, proba, k) == pytest.approx(expected)


def test_top_k_indices_order_and_ties():
    proba = np.array([[0.1, 0.5, 0.5, 0.9], [0.0, 0.0, 0.0, 0.0]])
    assert top_k_indices(proba, 3).tolist() == [[3, 1, 2], [0, 1, 2]]
    assert top_k_indices(proba, 10).shape == (2, 4)
    assert proba[0, 3] == 0.9  # the input is not modified


# ------------------------------------------------------------------------------------------- per tag


def test_per_tag_matches_sklearn_and_is_sorted_by_support():
    rng = np.random.default_rng(11)
    Y, P = random_case(rng, 80, 7, 0.3, 0.25)
    Y[:, 4] = 0
    labels = [f"t{j}" for j in range(7)]
    rows = per_tag(Y, P, labels)
    p, r, f, support = precision_recall_fscore_support(Y, P, average=None, zero_division=0)
    assert [row["support"] for row in rows] == sorted(support.tolist(), reverse=True)
    for row in rows:
        j = labels.index(row["tag"])
        assert row["support"] == support[j] and row["predicted"] == int(P[:, j].sum())
        assert (row["precision"], row["recall"], row["f1"]) == pytest.approx((p[j], r[j], f[j]))
    assert json.loads(json.dumps(rows)) == rows


def test_per_tag_ties_keep_column_order():
    rows = per_tag([[1, 1, 0], [0, 0, 1]], [[1, 0, 0], [0, 0, 0]], ["z", "a", "m"])
    assert [r["tag"] for r in rows] == ["z", "a", "m"]


# ------------------------------------------------------------------------------------------- tables


def test_format_table_shows_the_numbers():
    rng = np.random.default_rng(2)
    Y, P = random_case(rng, 50, 4, 0.4, 0.4)
    proba = rng.random((50, 4))
    m = evaluate(Y, P, proba)
    text = format_table(m, per_tag(Y, P, ["python", "pandas", "numpy", "regex"]))
    for key in ("micro_f1", "macro_f1", "samples_f1", "p_at_1", "hamming_loss", "subset_accuracy", "macro_f1_all"):
        assert f"{m[key]:.4f}" in text, key
    for tag in ("python", "pandas", "numpy", "regex"):
        assert tag in text
    assert "rows 50, labels 4" in text
    short = format_table(m, per_tag(Y, P, ["python", "pandas", "numpy", "regex"]), max_tags=2)
    assert "... 2 more tag(s)" in short
    assert "per tag" not in format_table(m) and "support" not in format_table(m)


def test_compare_table_marks_best_and_handles_missing():
    rows = {
        "tfidf-lr": {"micro_f1": 0.61, "macro_f1": 0.40, "hamming_loss": 0.02, "p_at_1": None},
        "lstm": {"micro_f1": 0.58, "macro_f1": 0.47, "hamming_loss": 0.03, "p_at_1": 0.8},
        "baseline": {"micro_f1": 0.20},
    }
    text = compare_table(rows, keys=("micro_f1", "macro_f1", "hamming_loss", "p_at_1"))
    lines = text.splitlines()
    assert lines[0].split() == ["model", "micro_f1", "macro_f1", "hamming_loss", "p_at_1"]
    tfidf, lstm, baseline = lines[2], lines[3], lines[4]
    assert "0.6100*" in tfidf and "0.0200*" in tfidf and "0.4000*" not in tfidf
    assert "0.4700*" in lstm and "0.8000" in lstm
    assert "0.8000*" not in lstm  # a single value is not marked as the best of one
    assert baseline.split() == ["baseline", "0.2000", "-", "-", "-"]
    assert compare_table({"a": evaluate([[1]], [[1]])}).splitlines()[0].split() == [
        "model", "micro_f1", "macro_f1", "samples_f1", "p_at_1"]


# ------------------------------------------------------------------------------------------- tag lists


def test_binarize_and_unbinarize():
    labels = ["numpy", "pandas", "python"]
    M = binarize([["python", "pandas"], [], ["django"], ["numpy", "numpy"]], labels)
    assert M.dtype == np.uint8
    assert M.tolist() == [[0, 1, 1], [0, 0, 0], [0, 0, 0], [1, 0, 0]]
    assert unbinarize(M, labels) == [["pandas", "python"], [], [], ["numpy"]]
    assert unbinarize(np.zeros((2, 3), dtype=bool), labels) == [[], []]
    assert binarize([], labels).shape == (0, 3)


def test_binarize_round_trip_on_real_tags():
    table = pd.read_csv(SO_TITLES, sep="\t", dtype=str, keep_default_na=False)
    tags = [ast.literal_eval(t) for t in table["tags"]]
    labels = sorted({t for row in tags for t in row})[:50]
    M = binarize(tags, labels)
    assert M.shape == (len(tags), 50)
    keep = set(labels)
    expected = [sorted(t for t in set(row) if t in keep) for row in tags]
    assert [sorted(row) for row in unbinarize(M, labels)] == expected
    assert M.sum() == sum(len(row) for row in expected)


def test_binarize_rejects_duplicate_labels_and_strings():
    with pytest.raises(ConfigError, match="duplicates: a"):
        binarize([["a"]], ["a", "b", "a"])
    with pytest.raises(LabelMatrixError, match="not a list of tags"):
        binarize(["python"], ["python"])


# ------------------------------------------------------------------------------------------- input errors


def test_input_errors_say_what_and_how_to_fix():
    with pytest.raises(LabelMatrixError, match=r"Y has shape \(2, 2\) but P has shape \(2, 3\)") as err:
        evaluate([[1, 0], [0, 1]], [[1, 0, 0], [0, 1, 0]])
    assert isinstance(err.value, MultilabeltextError) and isinstance(err.value, ValueError)
    assert err.value.fix
    with pytest.raises(LabelMatrixError, match="only 0/1") as err:
        evaluate([[1, 0]], [[0.7, 0.2]])
    assert "thresholds.apply" in err.value.fix
    with pytest.raises(LabelMatrixError, match="2-D"):
        evaluate([1, 0], [1, 0])
    with pytest.raises(LabelMatrixError, match="3 labels were given"):
        evaluate([[1, 0]], [[1, 0]], labels=["a", "b", "c"])
    with pytest.raises(LabelMatrixError, match="NaN"):
        evaluate([[1, 0]], [[1, 0]], proba=[[0.5, np.nan]])
    with pytest.raises(LabelMatrixError, match="proba has shape"):
        evaluate([[1, 0]], [[1, 0]], proba=[[0.5, 0.2, 0.1]])
    with pytest.raises(LabelMatrixError, match="empty"):
        evaluate(np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(LabelMatrixError, match="dtype"):
        as_label_matrix([["a", "b"]])


def test_sparse_input_is_accepted():
    from scipy import sparse

    Y = np.array([[1, 0, 1], [0, 1, 0]])
    P = np.array([[1, 0, 0], [0, 1, 1]])
    assert evaluate(sparse.csr_matrix(Y), sparse.csr_matrix(P)) == evaluate(Y, P)


def test_import_is_light():
    code = ("import sys, multilabeltext.metrics, multilabeltext.thresholds; "
            "print(sorted(m for m in ('sklearn', 'scipy', 'pandas', 'tensorflow') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
