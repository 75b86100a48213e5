"""Multi-label metrics: micro, macro and per-row (samples) P/R/F1, precision at k, and readable tables.

Everything is computed from a true binary matrix ``Y`` and a predicted binary matrix ``P`` of shape
``(rows, labels)`` (plus, for precision at k, the scores ``proba``). The numbers agree with scikit-learn's
``precision/recall/f1_score(..., zero_division=0)``, ``hamming_loss`` and ``accuracy_score``; the tests
check that. Conventions, stated once:

* zero division gives 0 (a label never true and never predicted has F1 0; so does a row with no true
  and no predicted tag in the samples average), as with scikit-learn's ``zero_division=0``;
* ``macro_*`` average over the labels that occur in ``Y`` (the benchmark protocol: "macro-F1 over labels
  that occur in the test part"); ``macro_f1_all`` averages over every label column;
* ``p_at_k`` is the fraction of each row's ``k`` highest-scored labels that are true, averaged over the
  rows with at least one true label (rows without tags cannot be ranked); ties in the scores go to the
  lower column; when there are fewer than ``k`` labels, ``k`` is the number of labels.

Example:
    >>> Y = binarize([["python", "pandas"], ["php"], ["python"]], ["pandas", "php", "python"])
    >>> P = binarize([["python"], ["php", "python"], []], ["pandas", "php", "python"])
    >>> m = evaluate(Y, P)
    >>> m["micro_precision"], m["micro_recall"], round(m["micro_f1"], 4), m["rows_without_prediction"]
    (0.6666666666666666, 0.5, 0.5714, 1)
    >>> unbinarize(P, ["pandas", "php", "python"])
    [['python'], ['php', 'python'], []]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from .errors import ConfigError, MultilabeltextError

K_VALUES = (1, 3, 5)
# metrics where a lower value is better (compare_table marks the best value per column)
LOWER_IS_BETTER = frozenset({"hamming_loss", "rows_without_prediction"})


class LabelMatrixError(MultilabeltextError, ValueError):
    """A label or score matrix has the wrong shape or values (not 2-D, shapes differ, not 0/1, not finite)."""


# ---------------------------------------------------------------------------------------------- inputs


def as_label_matrix(M: object, name: str = "Y", *, n_labels: int | None = None) -> np.ndarray:
    """``M`` as a 2-D boolean array, checking it holds only 0/1 (scipy sparse matrices are densified).

    Example:
        >>> as_label_matrix([[1, 0], [0, 1]]).dtype
        dtype('bool')
        >>> as_label_matrix([[0.7, 0.2]], "P")
        Traceback (most recent call last):
        ...
        multilabeltext.metrics.LabelMatrixError: P must hold only 0/1 or booleans, found 0.7. Fix: turn scores into tags first, e.g. multilabeltext.thresholds.apply(proba, 0.5).
    """
    if hasattr(M, "toarray"):  # scipy.sparse, without importing scipy
        M = M.toarray()
    a = np.asarray(M)
    _check_2d(a, name, n_labels)
    if a.dtype == bool:
        return a
    if not (np.issubdtype(a.dtype, np.integer) or np.issubdtype(a.dtype, np.floating)):
        raise LabelMatrixError(f"{name} must be a numeric or boolean matrix, got dtype {a.dtype}.",
                               fix="pass 0/1 integers or booleans; binarize(tag_lists, labels) builds them.")
    ok = (a == 0) | (a == 1)
    if not ok.all():
        bad = a[~ok].flat[0]
        raise LabelMatrixError(f"{name} must hold only 0/1 or booleans, found {bad.item()!r}.",
                               fix="turn scores into tags first, e.g. multilabeltext.thresholds.apply(proba, 0.5).")
    return a.astype(bool)


def as_scores(proba: object, name: str = "proba", *, shape: tuple[int, int] | None = None) -> np.ndarray:
    """``proba`` as a 2-D float array of finite scores (float32 stays float32), optionally of a given shape."""
    if hasattr(proba, "toarray"):
        proba = proba.toarray()
    a = np.asarray(proba)
    if not (np.issubdtype(a.dtype, np.floating) or np.issubdtype(a.dtype, np.integer) or a.dtype == bool):
        raise LabelMatrixError(f"{name} must be a numeric matrix of scores, got dtype {a.dtype}.",
                               fix="pass the model's predicted probabilities, shape (rows, labels).")
    if not np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float64)
    _check_2d(a, name, None)
    if shape is not None and a.shape != tuple(shape):
        raise LabelMatrixError(f"{name} has shape {a.shape} but the label matrix has shape {tuple(shape)}.",
                               fix="pass scores for the same rows and label columns.")
    if not np.isfinite(a).all():
        raise LabelMatrixError(f"{name} holds NaN or infinite scores ({int((~np.isfinite(a)).sum())} of them).",
                               fix="check the model's output; scores must be finite numbers.")
    return a


def _check_2d(a: np.ndarray, name: str, n_labels: int | None) -> None:
    if a.ndim != 2:
        raise LabelMatrixError(f"{name} must be a 2-D (rows, labels) matrix, got shape {a.shape}.",
                               fix="pass one row per text and one column per label; "
                                   "binarize(tag_lists, labels) builds such a matrix.")
    if a.shape[0] == 0 or a.shape[1] == 0:
        raise LabelMatrixError(f"{name} is empty (shape {a.shape}).", fix="pass at least one row and one label.")
    if n_labels is not None and a.shape[1] != n_labels:
        raise LabelMatrixError(f"{name} has {a.shape[1]} label columns but {n_labels} labels were given.",
                               fix="pass the labels in label-matrix column order (the dataset's labels.json).")


def _pair(Y: object, P: object, labels: Sequence[str] | None) -> tuple[np.ndarray, np.ndarray]:
    n_labels = len(labels) if labels is not None else None
    Y = as_label_matrix(Y, "Y", n_labels=n_labels)
    P = as_label_matrix(P, "P", n_labels=n_labels)
    if Y.shape != P.shape:
        raise LabelMatrixError(f"Y has shape {Y.shape} but P has shape {P.shape}.",
                               fix="pass true and predicted tags for the same rows and label columns.")
    return Y, P


def _div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (scikit-learn's ``zero_division=0``)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def _prf(tp: np.ndarray, n_pred: np.ndarray, n_true: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _div(tp, n_pred), _div(tp, n_true), _div(2 * tp, n_pred + n_true)


def _mean(x: np.ndarray) -> float:
    return float(x.mean()) if x.size else 0.0


# ---------------------------------------------------------------------------------------------- ranking


def top_k_indices(proba: np.ndarray, k: int) -> np.ndarray:
    """Column indices of each row's ``k`` highest scores, best first; ties go to the lower column.

    Runs ``k`` vectorized arg-max passes, so it is fast for the small ``k`` of tag prediction.

    Example:
        >>> top_k_indices(np.array([[0.1, 0.9, 0.9, 0.3]]), 3).tolist()
        [[1, 2, 3]]
    """
    scores = np.array(proba, dtype=np.float64)  # a copy: taken scores are set to -inf
    k = min(int(k), scores.shape[1])
    out = np.empty((scores.shape[0], k), dtype=np.intp)
    rows = np.arange(scores.shape[0])
    for i in range(k):
        j = scores.argmax(axis=1)
        out[:, i] = j
        scores[rows, j] = -np.inf
    return out


def precision_at_k(Y: object, proba: object, k: int = 1) -> float:
    """Mean over rows with at least one true label of (true labels among the row's ``k`` top-scored) / ``k``.

    ``k`` larger than the number of labels counts as the number of labels. No row with a true label gives 0.

    Example:
        >>> Y = [[1, 0, 0], [0, 1, 1], [0, 0, 0]]
        >>> proba = [[0.9, 0.5, 0.1], [0.8, 0.7, 0.1], [0.2, 0.3, 0.4]]
        >>> precision_at_k(Y, proba, 1), precision_at_k(Y, proba, 2)
        (0.5, 0.5)
    """
    Y = as_label_matrix(Y, "Y")
    S = as_scores(proba, shape=Y.shape)
    return _precision_at_ks(Y, S, (k,))[k]


def _precision_at_ks(Y: np.ndarray, S: np.ndarray, ks: Iterable[int]) -> dict[int, float]:
    ks = [int(k) for k in ks]
    if any(k < 1 for k in ks):
        raise ConfigError(f"k must be >= 1, got {min(ks)}.", fix="use k = 1, 3 or 5.")
    ranked = Y.any(axis=1)
    if not ranked.any():
        return dict.fromkeys(ks, 0.0)
    Yr = Y[ranked]
    top = top_k_indices(S[ranked], max(ks))
    hits = np.cumsum(Yr[np.arange(len(Yr))[:, None], top], axis=1)  # hits among the first i+1
    L = Y.shape[1]
    return {k: float(hits[:, min(k, L) - 1].mean() / min(k, L)) for k in ks}


# ---------------------------------------------------------------------------------------------- metrics


def evaluate(Y: object, P: object, proba: object | None = None, labels: Sequence[str] | None = None) -> dict:
    """All summary metrics of predicted tags ``P`` against true tags ``Y``, as plain JSON-safe numbers.

    Args:
        Y: true tags, a (rows, labels) 0/1 or boolean matrix.
        P: predicted tags, same shape.
        proba: optional scores, same shape, for ``p_at_1``, ``p_at_3``, ``p_at_5`` (else these are ``None``).
        labels: optional label names in column order; only checked against the number of columns here
            (:func:`per_tag` gives per-name numbers).

    Returns:
        ``micro_/macro_/samples_`` ``precision``, ``recall``, ``f1``; ``macro_f1_all``; ``p_at_1/3/5``;
        ``hamming_loss``, ``subset_accuracy``; ``n_rows``, ``n_labels``, ``n_labels_present`` (labels that
        occur in ``Y``, the ones ``macro_*`` averages over), ``label_cardinality`` and
        ``pred_label_cardinality`` (mean tags per row), ``rows_without_tags`` (in ``Y``) and
        ``rows_without_prediction`` (in ``P``). See the module docstring for the conventions.
    """
    Y, P = _pair(Y, P, labels)
    n, L = Y.shape
    TP = Y & P
    # per label (columns)
    tp_l, pred_l, true_l = TP.sum(0), P.sum(0), Y.sum(0)
    prec_l, rec_l, f1_l = _prf(tp_l, pred_l, true_l)
    present = true_l > 0
    # per row (samples)
    tp_r, pred_r, true_r = TP.sum(1), P.sum(1), Y.sum(1)
    prec_r, rec_r, f1_r = _prf(tp_r, pred_r, true_r)
    # micro
    micro_p, micro_r, micro_f = (float(v) for v in _prf(tp_l.sum(), pred_l.sum(), true_l.sum()))

    out: dict = {
        "micro_precision": micro_p, "micro_recall": micro_r, "micro_f1": micro_f,
        "macro_precision": _mean(prec_l[present]), "macro_recall": _mean(rec_l[present]),
        "macro_f1": _mean(f1_l[present]), "macro_f1_all": _mean(f1_l),
        "samples_precision": _mean(prec_r), "samples_recall": _mean(rec_r), "samples_f1": _mean(f1_r),
    }
    if proba is not None:
        pk = _precision_at_ks(Y, as_scores(proba, shape=Y.shape), K_VALUES)
        out.update({f"p_at_{k}": pk[k] for k in K_VALUES})
    else:
        out.update({f"p_at_{k}": None for k in K_VALUES})
    out.update({
        "hamming_loss": float((Y != P).mean()),
        "subset_accuracy": float((Y == P).all(axis=1).mean()),
        "n_rows": int(n), "n_labels": int(L), "n_labels_present": int(present.sum()),
        "label_cardinality": float(true_r.mean()), "pred_label_cardinality": float(pred_r.mean()),
        "rows_without_tags": int((true_r == 0).sum()), "rows_without_prediction": int((pred_r == 0).sum()),
    })
    return out


def per_tag(Y: object, P: object, labels: Sequence[str]) -> list[dict]:
    """Per tag: ``tag``, ``support`` (true count), ``predicted`` (predicted count), ``precision``, ``recall``,
    ``f1``; sorted by support, largest first (ties by column order).

    Example:
        >>> per_tag([[1, 0], [1, 1]], [[1, 1], [0, 0]], ["a", "b"])[0]
        {'tag': 'a', 'support': 2, 'predicted': 1, 'precision': 1.0, 'recall': 0.5, 'f1': 0.6666666666666666}
    """
    labels = list(labels)
    Y, P = _pair(Y, P, labels)
    tp, pred, true = (Y & P).sum(0), P.sum(0), Y.sum(0)
    prec, rec, f1 = _prf(tp, pred, true)
    order = np.argsort(-true, kind="stable")
    return [{"tag": str(labels[j]), "support": int(true[j]), "predicted": int(pred[j]),
             "precision": float(prec[j]), "recall": float(rec[j]), "f1": float(f1[j])} for j in order]


# ---------------------------------------------------------------------------------------------- tables


def _fmt(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return f"{int(value):,}"
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4f}"
    return str(value)


def _grid(header: Sequence[str], rows: Sequence[Sequence[str]], align_left: int = 1) -> list[str]:
    """Aligned columns: the first ``align_left`` columns left-aligned, the rest right-aligned."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) if i < align_left else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return [line(header), line(["-" * w for w in widths]), *(line(r) for r in rows)]


def format_table(metrics: Mapping, per_tag: Sequence[Mapping] | None = None, *, max_tags: int | None = None) -> str:
    """A plain-text report of :func:`evaluate`'s dict (and optionally :func:`per_tag`'s rows) for CLI and logs.

    ``max_tags`` keeps only the first (most frequent) tags of the per-tag table.

    Example:
        >>> Y, P = [[1, 0], [1, 1], [0, 1]], [[1, 0], [0, 1], [0, 0]]
        >>> print(format_table(evaluate(Y, P), per_tag(Y, P, ["a", "b"])))
        rows 3, labels 2 (2 occur in Y), tags per row 1.3333 true / 0.6667 predicted
        rows without tags 0, rows without prediction 1
        <BLANKLINE>
        average  precision  recall      f1
        -------  ---------  ------  ------
        micro       1.0000  0.5000  0.6667
        macro       1.0000  0.5000  0.6667
        samples     0.6667  0.5000  0.5556
        <BLANKLINE>
        macro F1 over all 2 labels  0.6667
        P@1 / P@3 / P@5             - / - / -
        hamming loss                0.3333
        subset accuracy             0.3333
        <BLANKLINE>
        tag  support  predicted  precision  recall      f1
        ---  -------  ---------  ---------  ------  ------
        a          2          1     1.0000  0.5000  0.6667
        b          2          1     1.0000  0.5000  0.6667
    """
    m = metrics
    lines = [
        f"rows {_fmt(m.get('n_rows'))}, labels {_fmt(m.get('n_labels'))} "
        f"({_fmt(m.get('n_labels_present'))} occur in Y), tags per row "
        f"{_fmt(m.get('label_cardinality'))} true / {_fmt(m.get('pred_label_cardinality'))} predicted",
        f"rows without tags {_fmt(m.get('rows_without_tags'))}, "
        f"rows without prediction {_fmt(m.get('rows_without_prediction'))}",
        "",
    ]
    lines += _grid(["average", "precision", "recall", "f1"],
                   [[avg, *(_fmt(m.get(f"{avg}_{k}")) for k in ("precision", "recall", "f1"))]
                    for avg in ("micro", "macro", "samples")])
    pk = " / ".join(_fmt(m.get(f"p_at_{k}")) for k in K_VALUES)
    extra = [(f"macro F1 over all {_fmt(m.get('n_labels'))} labels", _fmt(m.get("macro_f1_all"))),
             ("P@1 / P@3 / P@5", pk),
             ("hamming loss", _fmt(m.get("hamming_loss"))),
             ("subset accuracy", _fmt(m.get("subset_accuracy")))]
    width = max(len(k) for k, _ in extra)
    lines += ["", *(f"{k.ljust(width)}  {v}" for k, v in extra)]
    if per_tag:
        shown = list(per_tag)[:max_tags] if max_tags is not None else list(per_tag)
        cols = ("support", "predicted", "precision", "recall", "f1")
        lines += ["", *_grid(["tag", *cols], [[str(r["tag"]), *(_fmt(r.get(c)) for c in cols)] for r in shown])]
        if len(shown) < len(per_tag):
            lines.append(f"... {len(per_tag) - len(shown)} more tag(s)")
    return "\n".join(lines)


def compare_table(rows: Mapping[str, Mapping], keys: Sequence[str] = ("micro_f1", "macro_f1", "samples_f1", "p_at_1"),
                  ) -> str:
    """Several models' :func:`evaluate` dicts side by side (model name -> metrics); ``*`` marks each column's best.

    Missing or ``None`` values show as ``-``; for ``hamming_loss`` and ``rows_without_prediction`` lower is
    better.

    Example:
        >>> print(compare_table({"tfidf": {"micro_f1": 0.61, "macro_f1": 0.40},
        ...                      "lstm": {"micro_f1": 0.58, "macro_f1": 0.47}}, keys=("micro_f1", "macro_f1")))
        model  micro_f1   macro_f1
        -----  ---------  ---------
        tfidf    0.6100*    0.4000
        lstm     0.5800     0.4700*
    """
    keys = list(keys)
    best: dict[str, float] = {}
    for k in keys:
        values = [float(r[k]) for r in rows.values() if r.get(k) is not None]
        if len(values) > 1:
            best[k] = min(values) if k in LOWER_IS_BETTER else max(values)

    def cell(r: Mapping, k: str) -> str:
        v = r.get(k)
        mark = "*" if k in best and v is not None and float(v) == best[k] else " "
        return _fmt(v) + mark

    table = [[str(name), *(cell(r, k) for k in keys)] for name, r in rows.items()]
    return "\n".join(_grid(["model", *(k + " " for k in keys)], table))


# ---------------------------------------------------------------------------------------------- tag lists


def _label_index(labels: Sequence[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    dupes = []
    for i, t in enumerate(labels):
        if t in index:
            dupes.append(t)
        index.setdefault(t, i)
    if dupes:
        raise ConfigError(f"labels must be distinct, found duplicates: {', '.join(map(str, sorted(set(dupes))))}.",
                          fix="pass each label once (the dataset's labels.json lists them in column order).")
    return index


def binarize(tag_lists: Iterable[Iterable[str]], labels: Sequence[str]) -> np.ndarray:
    """A (rows, labels) ``uint8`` matrix from per-row tag lists; tags not in ``labels`` are ignored.

    Example:
        >>> binarize([["b", "zzz"], [], ["a", "b"]], ["a", "b"]).tolist()
        [[0, 1], [0, 0], [1, 1]]
    """
    index = _label_index(labels)
    rows: list[int] = []
    cols: list[int] = []
    n = 0
    for r, tags in enumerate(tag_lists):
        n = r + 1
        if tags is None:
            continue
        if isinstance(tags, str):
            raise LabelMatrixError(f"row {r} holds the string {tags!r}, not a list of tags.",
                                   fix="pass one list of tags per row, e.g. [['python', 'pandas'], ['php']].")
        for t in tags:
            j = index.get(t)
            if j is not None:
                rows.append(r)
                cols.append(j)
    out = np.zeros((n, len(index)), dtype=np.uint8)
    out[rows, cols] = 1
    return out


def unbinarize(P: object, labels: Sequence[str]) -> list[list[str]]:
    """Per row, the names of the labels set in ``P``, in column order (the inverse of :func:`binarize`)."""
    labels = list(labels)
    P = as_label_matrix(P, "P", n_labels=len(labels))
    rows, cols = np.nonzero(P)
    bounds = np.searchsorted(rows, np.arange(1, P.shape[0]))
    return [[labels[j] for j in part] for part in np.split(cols, bounds)]
