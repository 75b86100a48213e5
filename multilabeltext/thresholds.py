"""Decision thresholds: settings that turn scores into tags, tuned on validation data (never on test data).

A model scores every label; a tag is predicted when its score is ``>=`` the threshold. The 2018 tutorial
used a fixed 0.25; here the threshold can also be tuned on the validation part, globally (one value that
maximizes micro-F1) or per tag (each tag's own F1, with a fallback for rare tags), like spaCy's
``find_threshold``. ``min_tags`` forces each row's top-scoring tags when fewer pass the threshold (every
Stack Overflow question has at least one tag).

Tuning is vectorized: each score is binned once against the sorted candidate grid
(``np.searchsorted``), then ``np.bincount`` and cumulative sums give the true/predicted counts at every
threshold at once; 50,000 rows x 100 labels take a fraction of a second.

Example:
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> proba = np.array([[0.4, 0.1], [0.2, 0.3], [0.6, 0.35], [0.1, 0.05]])
    >>> t = Thresholds.fit(Y, proba, method="global")
    >>> t.method, t.global_
    ('global', 0.26)
    >>> apply(proba, t.global_).astype(int).tolist()
    [[1, 0], [0, 1], [1, 1], [0, 0]]
    >>> apply(proba, t.global_, min_tags=1).astype(int).tolist()[3]
    [1, 0]
    >>> Thresholds.from_dict({"method": "nope"})
    Traceback (most recent call last):
    ...
    multilabeltext.errors.ConfigError: method must be one of fixed, global, per-tag, got 'nope'. Fix: use "fixed" (the fixed threshold), "global" (one tuned threshold) or "per-tag".
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from .errors import ConfigError
from .metrics import as_label_matrix, as_scores, top_k_indices
from .settings import Settings

METHODS = ("fixed", "global", "per-tag")
TUNE_METRICS = ("micro_f1", "macro_f1", "samples_f1")
DEFAULT_FIXED = 0.25  # the 2018 tutorial's threshold
#: what ``multilabeltext train`` tunes by default (:class:`~multilabeltext.config.TrainConfig` refers to these):
#: one global threshold (per-tag thresholds overfit small validation splits, see bench/README.md) and at least
#: one tag per text (every Stack Overflow question has one)
TRAIN_METHOD = "global"
TRAIN_MIN_TAGS = 1
#: the metric a rule is tuned for (``train --optimize``): micro-F1 (every tag decision counts alike, so frequent
#: tags dominate), macro-F1 (every tag counts alike, rare ones too) or samples-F1 (every text counts alike)
OPTIMIZE = ("micro", "macro", "samples")
TRAIN_OPTIMIZE = "micro"
#: per-tag thresholds are pulled toward the global one as if it came with this many validation positives:
#: a tag with n positives keeps n / (n + TRAIN_SHRINK) of its own threshold (``train --shrink``); chosen on
#: held-out scores of so-titles training rows (tuned on 4,000, measured on others; no test rows): see
#: bench/README.md, "Decision rules"
TRAIN_SHRINK = 50.0
#: the fixed part of the candidate grid: 0.02, 0.03, ..., 0.95
BASE_GRID = np.round(np.arange(0.02, 0.96, 0.01), 2)
_TIE = 1e-12
_SAMPLES_CHUNK = 8192  # rows per block when counting per row (bounds memory for samples_f1)


# ---------------------------------------------------------------------------------------------- grid


def default_grid(Y: object, proba: object) -> np.ndarray:
    """Candidate thresholds: 0.02, 0.03, ..., 0.95 plus the 1st..99th percentiles of the true labels' scores.

    The percentiles (rounded to 4 decimals, clipped to [0, 1]) add candidates where the scores actually
    are, which matters for models whose scores are small or bunched. Sorted and distinct.
    """
    Y = as_label_matrix(Y, "Y")
    S = as_scores(proba, shape=Y.shape)
    return _default_grid(Y, S)


def _default_grid(Y: np.ndarray, S: np.ndarray) -> np.ndarray:
    pos = S[Y]
    if pos.size:
        if pos.size > 200_000:  # a strided sample is plenty for percentiles
            pos = pos[:: pos.size // 100_000]
        q = np.round(np.quantile(pos, np.linspace(0.01, 0.99, 99)), 4)
        return np.unique(np.clip(np.concatenate([BASE_GRID, q]), 0.0, 1.0))
    return BASE_GRID.copy()


def check_grid(grid: object) -> np.ndarray:
    """``grid`` as a sorted, distinct float array of thresholds in [0, 1]; :class:`ConfigError` otherwise."""
    try:
        g = np.asarray(grid, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        raise ConfigError(f"grid must be a list of numbers, got {grid!r}.",
                          fix="pass e.g. grid=np.arange(0.05, 0.95, 0.05), or leave it out.") from None
    if g.size == 0 or not np.isfinite(g).all() or g.min() < 0 or g.max() > 1:
        raise ConfigError(f"grid must hold thresholds in [0, 1], got {g.tolist()[:10]}"
                          f"{' ...' if g.size > 10 else ''}.",
                          fix="pass e.g. grid=np.arange(0.05, 0.95, 0.05), or leave it out.")
    return np.unique(g)


def _inputs(Y: object, proba: object, grid: object | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    Y = as_label_matrix(Y, "Y")
    S = as_scores(proba, shape=Y.shape)
    g = _default_grid(Y, S) if grid is None else check_grid(grid)
    return Y, S, g


# ---------------------------------------------------------------------------------------------- counting


_FINE = 1 << 16  # fine bins per unit for _bin_index (a power of two: s * _FINE is exact)


def _bin_index(S: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """For each score, how many grid values are ``<=`` it: exactly ``np.searchsorted(grid, S, side="right")``.

    So ``S >= grid[j]`` exactly when ``j < bins``, with the same float64 comparison :func:`apply` makes.
    Three times faster than a binary search per score: a lookup table over 2**16 fine bins gives a lower
    bound, and one comparison with the next grid value fixes it when a fine bin holds a grid value.
    Grids with two values closer than 2**-16 fall back to ``np.searchsorted``.
    """
    if S.dtype not in (np.float32, np.float64):
        S = S.astype(np.float64)
    edges = np.arange(_FINE + 1, dtype=np.float64) / _FINE
    inside = np.searchsorted(grid, edges[1:], side="left") - np.searchsorted(grid, edges[:-1], side="right")
    if inside.max(initial=0) > 1:
        return np.searchsorted(grid, S, side="right")
    table = np.concatenate([[0], np.searchsorted(grid, edges, side="right")])  # [0]: scores below 0
    k = S * _FINE
    np.clip(k, -1, _FINE, out=k)
    np.floor(k, out=k)
    k += 1
    bins = table[k.astype(np.intp)]
    bins += S >= np.append(grid, np.inf)[bins]
    return bins


def _count_ge(bins: np.ndarray, group: np.ndarray | int, n_groups: int, G: int) -> np.ndarray:
    """(n_groups, G) counts of entries with score >= grid[j], from ``bins`` = number of grid values <= score."""
    flat = bins if n_groups == 1 else group * (G + 1) + bins
    c = np.bincount(flat.ravel(), minlength=n_groups * (G + 1)).reshape(n_groups, G + 1)
    return np.cumsum(c[:, ::-1], axis=1)[:, ::-1][:, 1:]


def _count_lt(bins: np.ndarray, group: np.ndarray | int, n_groups: int, G: int) -> np.ndarray:
    """(n_groups, G) counts of entries with score < grid[j]."""
    flat = bins if n_groups == 1 else group * (G + 1) + bins
    c = np.bincount(flat.ravel(), minlength=n_groups * (G + 1)).reshape(n_groups, G + 1)
    return np.cumsum(c, axis=1)[:, :G]


def _counts(Y: np.ndarray, S: np.ndarray, bins: np.ndarray, G: int, by: str, min_tags: int,
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True positives, predicted and true counts at every grid threshold, grouped ``by`` "all", "label", "row".

    ``bins`` is :func:`_bin_index` of ``S``. Returns ``tp`` and ``pred`` of shape (groups, G) and ``true`` of
    shape (groups, 1). With ``min_tags``, each row's top ``min_tags`` labels count as predicted even below
    the threshold, exactly as :func:`apply` forces them (under one threshold t, the tags a row gets are
    those scored >= t plus its top ``min_tags``).
    """
    n, L = S.shape
    if by == "all":
        groups, n_groups = 0, 1
        true = np.array([[Y.sum()]])
    elif by == "label":
        groups, n_groups = np.broadcast_to(np.arange(L), (n, L)), L
        true = Y.sum(0)[:, None]
    else:
        groups, n_groups = np.broadcast_to(np.arange(n)[:, None], (n, L)), n
        true = Y.sum(1)[:, None]
    tp = _count_ge(bins[Y], groups[Y] if n_groups > 1 else 0, n_groups, G)
    pred = _count_ge(bins, groups, n_groups, G)
    if min_tags > 0:
        top = top_k_indices(S, min_tags)  # (n, m)
        rows = np.arange(n)[:, None]
        tbins, ty = bins[rows, top], Y[rows, top]
        tgroups = {"all": 0, "label": top, "row": np.broadcast_to(rows, top.shape)}[by]
        pred = pred + _count_lt(tbins, tgroups, n_groups, G)
        tp = tp + _count_lt(tbins[ty], tgroups[ty] if n_groups > 1 else 0, n_groups, G)
    return tp, pred, true


def _f1(tp: np.ndarray, pred: np.ndarray, true: np.ndarray) -> np.ndarray:
    den = (pred + true).astype(np.float64)
    return np.divide(2.0 * tp, den, out=np.zeros(np.broadcast(tp, den).shape), where=den > 0)


def _best(scores: np.ndarray) -> np.ndarray:
    """Per row of ``scores`` (groups, G), the index of the best; ties go to the middle tied candidate.

    A tie is a flat stretch with no validation score in between; its middle generalizes better than its edge.
    """
    best = scores.max(axis=1, keepdims=True)
    tied = scores >= best - _TIE
    middle = tied.sum(axis=1, keepdims=True) // 2  # the middle-th tied index (0-based)
    return np.argmax(tied & (np.cumsum(tied, axis=1) == middle + 1), axis=1)


def _metric_curve(Y: np.ndarray, S: np.ndarray, grid: np.ndarray, metric: str, min_tags: int,
                  bins: np.ndarray | None = None) -> np.ndarray:
    """The metric of ``apply(S, t, min_tags=min_tags)`` for every t in ``grid`` (shape (G,))."""
    G = grid.size
    if bins is None:
        bins = _bin_index(S, grid)
    if metric == "micro_f1":
        return _f1(*_counts(Y, S, bins, G, "all", min_tags))[0]
    if metric == "macro_f1":
        present = Y.any(axis=0)
        per_label = _f1(*_counts(Y, S, bins, G, "label", min_tags))
        return per_label[present].mean(axis=0) if present.any() else np.zeros(G)
    total = np.zeros(G)
    for start in range(0, len(S), _SAMPLES_CHUNK):  # per-row counts are (n, G): go block by block
        part = slice(start, start + _SAMPLES_CHUNK)
        total += _f1(*_counts(Y[part], S[part], bins[part], G, "row", min_tags)).sum(axis=0)
    return total / len(S)


# ---------------------------------------------------------------------------------------------- tuning


def check_min_tags(min_tags: object, name: str = "min_tags") -> int:
    """``min_tags`` as an int >= 0; :class:`ConfigError` otherwise."""
    if isinstance(min_tags, bool) or not isinstance(min_tags, (int, np.integer)) or min_tags < 0:
        raise ConfigError(f"{name} must be an integer >= 0, got {min_tags!r}.",
                          fix=f"use {name} = 1 to give every row at least one tag, or 0 for none forced.")
    return int(min_tags)


def check_method(method: object, name: str = "method") -> str:
    """``method`` if it is one of :data:`METHODS`; :class:`ConfigError` otherwise."""
    if method not in METHODS:
        raise ConfigError(f"{name} must be one of {', '.join(METHODS)}, got {method!r}.",
                          fix='use "fixed" (the fixed threshold), "global" (one tuned threshold) or "per-tag".')
    return str(method)


def _check_min_support(min_support: object) -> int:
    if isinstance(min_support, bool) or not isinstance(min_support, (int, np.integer)) or min_support < 0:
        raise ConfigError(f"min_support must be an integer >= 0, got {min_support!r}.", fix="use min_support = 5.")
    return int(min_support)


def tune_global(Y: object, proba: object, grid: object | None = None, metric: str = "micro_f1", *,
                min_tags: int = 0) -> float:
    """The threshold in ``grid`` maximizing ``metric`` of ``apply(proba, t, min_tags=min_tags)`` against ``Y``.

    Args:
        Y: true tags of the validation rows, (rows, labels) 0/1.
        proba: the model's scores for the same rows.
        grid: candidate thresholds in [0, 1]; default :func:`default_grid`.
        metric: ``"micro_f1"`` (default), ``"macro_f1"`` (over labels present in ``Y``) or ``"samples_f1"``,
            computed as :func:`multilabeltext.metrics.evaluate` does.
        min_tags: tune for predictions that force each row's top ``min_tags`` tags (see :func:`apply`).

    Ties go to the middle tied candidate (so with no true tags at all, every F1 is 0 and the middle of the
    grid is returned).

    Example:
        >>> tune_global([[1, 0], [0, 1]], [[0.7, 0.2], [0.1, 0.4]], grid=[0.1, 0.3, 0.5])
        0.3
    """
    if metric not in TUNE_METRICS:
        raise ConfigError(f"metric must be one of {', '.join(TUNE_METRICS)}, got {metric!r}.",
                          fix='use metric="micro_f1".')
    min_tags = check_min_tags(min_tags)
    Y, S, g = _inputs(Y, proba, grid)
    curve = _metric_curve(Y, S, g, metric, min_tags)
    return float(g[_best(curve[None, :])[0]])


def tune_per_tag(Y: object, proba: object, grid: object | None = None, min_support: int = 5,
                 fallback: float | None = None) -> np.ndarray:
    """Per label, the threshold in ``grid`` maximizing that label's F1 on the validation rows.

    Labels with fewer than ``min_support`` true rows in ``Y`` (too few to tune on), whose best F1 is 0, or
    whose predictions at their best threshold are less precise than half the micro-F1 at ``fallback`` (they
    would lower micro-F1) get ``fallback`` (default: :func:`tune_global` on the same data and grid). Ties go
    to the middle tied candidate. Returns a float64 array of shape (labels,).

    Example:
        >>> Y = [[1, 0], [1, 0], [0, 1], [0, 0]]
        >>> proba = [[0.9, 0.1], [0.6, 0.2], [0.5, 0.3], [0.2, 0.1]]
        >>> tune_per_tag(Y, proba, grid=[0.15, 0.25, 0.55, 0.7], min_support=2, fallback=0.5).tolist()
        [0.55, 0.5]
    """
    min_support = _check_min_support(min_support)
    Y, S, g = _inputs(Y, proba, grid)
    return _tune_per_tag(Y, S, g, min_support, fallback)[0]


def _tune_per_tag(Y: np.ndarray, S: np.ndarray, g: np.ndarray, min_support: int, fallback: float | None,
                  metric: str = "micro_f1") -> tuple[np.ndarray, float]:
    """Per-label thresholds and the fallback used (tuned for ``metric`` when ``None``), binning the scores once.

    With ``metric="macro_f1"`` a label's own best F1 is what the metric rewards, so only rare labels (and those
    never found) fall back; for micro- and samples-F1 imprecise labels fall back too (see below)."""
    bins = _bin_index(S, g)
    if fallback is None:
        fallback = float(g[_best(_metric_curve(Y, S, g, metric, 0, bins)[None, :])[0]])
    fallback = check_threshold(fallback, "fallback")
    tp, pred, true = _counts(Y, S, bins, g.size, "label", 0)  # (L, G), (L, G), (L, 1)
    f1 = _f1(tp, pred, true)
    best = _best(f1)
    out = g[best]
    labels = np.arange(S.shape[1])
    precision = np.divide(tp[labels, best], pred[labels, best], out=np.zeros(len(labels)),
                          where=pred[labels, best] > 0)
    decided = S >= fallback
    micro = 2.0 * (decided & Y).sum() / max(decided.sum() + Y.sum(), 1)
    # A prediction raises micro-F1 only when its precision is above half of it (Lipton et al., 2014): a label
    # whose best own-F1 threshold is less precise than that (e.g. 1 hit among 2,000 rows at threshold 0.001)
    # would flood the test rows with wrong tags, so it keeps the fallback.
    rare = (Y.sum(axis=0) < min_support) | (f1.max(axis=1) <= 0)
    if metric != "macro_f1":
        rare |= precision < micro / 2
    out[rare] = fallback
    return out, fallback


def shrink_toward(per_tag: object, global_: float, positives: object, strength: float) -> np.ndarray:
    """Per-tag thresholds pulled toward ``global_``: ``(n * t + strength * global_) / (n + strength)`` for a tag
    with ``n`` validation positives, so a tag tuned on few examples stays near the global threshold.

    Example:
        >>> shrink_toward([0.2, 0.6], 0.4, [180, 20], strength=20).round(3).tolist()
        [0.22, 0.5]
    """
    t = np.asarray(per_tag, dtype=np.float64)
    n = np.asarray(positives, dtype=np.float64)
    strength = check_shrink(strength)
    if strength == 0:
        return t.copy()
    return (n * t + strength * global_) / (n + strength)


def check_shrink(strength: object, name: str = "shrink") -> float:
    """``strength`` as a finite float >= 0; :class:`ConfigError` otherwise."""
    if isinstance(strength, bool) or not isinstance(strength, (int, float, np.integer, np.floating)) \
            or not math.isfinite(strength) or strength < 0:
        raise ConfigError(f"{name} must be a number >= 0 (validation positives), got {strength!r}.",
                          fix=f"use {name} = {TRAIN_SHRINK:g}, or 0 for plain per-tag thresholds.")
    return float(strength)


def check_optimize(optimize: object, name: str = "optimize") -> str:
    """``optimize`` if it is one of :data:`OPTIMIZE`; :class:`ConfigError` otherwise."""
    if optimize not in OPTIMIZE:
        raise ConfigError(f"{name} must be one of {', '.join(OPTIMIZE)}, got {optimize!r}.",
                          fix="use micro (every tag decision alike), macro (every tag alike) or samples "
                              "(every text alike).")
    return str(optimize)


# ---------------------------------------------------------------------------------------------- applying


def check_threshold(value: object, name: str = "threshold") -> float:
    """``value`` as a float threshold in [0, 1]; :class:`ConfigError` naming ``name`` otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not math.isfinite(value) or not 0.0 <= value <= 1.0:
        shown = value.item() if isinstance(value, np.generic) else value
        raise ConfigError(f"{name} must be a threshold between 0 and 1, got {shown!r}.",
                          fix=f"use e.g. {name} = {DEFAULT_FIXED}.")
    return float(value)


def threshold_vector(thresholds: object, n_labels: int) -> np.ndarray:
    """A scalar or per-label thresholds as a float64 array of shape (n_labels,), each checked to be in [0, 1]."""
    t = np.asarray(thresholds)
    if t.ndim == 0:
        return np.full(n_labels, check_threshold(t.item(), "threshold"))
    if t.ndim != 1 or t.shape[0] != n_labels:
        raise ConfigError(f"per-label thresholds must be {n_labels} numbers (one per label column), "
                          f"got shape {t.shape}.", fix="tune them on data with the same labels, or pass one number.")
    try:
        t = t.astype(np.float64)
    except (TypeError, ValueError):
        raise ConfigError("per-label thresholds must be numbers.", fix="tune them with tune_per_tag.") from None
    bad = ~np.isfinite(t) | (t < 0) | (t > 1)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        raise ConfigError(f"thresholds must be between 0 and 1, got {t[j].item()!r} for label column {j}.",
                          fix="tune them with tune_per_tag, or pass numbers in [0, 1].")
    return t


def apply(proba: object, thresholds: object, *, min_tags: int = 0) -> np.ndarray:
    """Predicted tags ``proba >= thresholds`` (a scalar or one threshold per label), as a boolean matrix.

    With ``min_tags`` >= 1, a row with fewer predicted tags gets its highest-scoring other tags added
    (ties to the lower column) until it has ``min_tags`` (or every label).

    Example:
        >>> apply([[0.9, 0.3, 0.2], [0.1, 0.2, 0.15]], [0.5, 0.25, 0.5], min_tags=2).astype(int).tolist()
        [[1, 1, 0], [0, 1, 1]]
    """
    min_tags = check_min_tags(min_tags)
    S = as_scores(proba)
    pred = S >= threshold_vector(thresholds, S.shape[1])
    m = min(min_tags, S.shape[1])
    if m:
        need = m - pred.sum(axis=1)
        rows = np.flatnonzero(need > 0)
        if rows.size:
            masked = np.where(pred[rows], -np.inf, S[rows])  # already predicted: never chosen again
            order = top_k_indices(masked, int(need[rows].max()))
            take = np.arange(order.shape[1]) < need[rows][:, None]
            pred[np.broadcast_to(rows[:, None], order.shape)[take], order[take]] = True
    return pred


# ---------------------------------------------------------------------------------------------- settings


@dataclass(frozen=True)
class Thresholds(Settings):
    """How scores become tags: a setting saved with a model, tuned on validation data with :meth:`fit`.

    Attributes:
        method: ``"fixed"`` (use ``fixed``), ``"global"`` (use ``global_``) or ``"per-tag"`` (use ``per_tag``).
        global_: the tuned global threshold (with ``"per-tag"``: the fallback used for rare tags).
        per_tag: one threshold per label column (lists are stored as tuples), for ``"per-tag"``.
        min_tags: force each row's top-scoring tags up to this many (0: none forced).
        fixed: the fixed threshold (0.25, the 2018 tutorial's).

    Example:
        >>> t = Thresholds(method="per-tag", global_=0.3, per_tag=[0.2, 0.45], min_tags=1)
        >>> t.vector(2).tolist(), Thresholds.from_dict(t.to_dict()) == t
        ([0.2, 0.45], True)
        >>> Thresholds.from_dict(t.to_dict(), n_labels=3)
        Traceback (most recent call last):
        ...
        multilabeltext.errors.ConfigError: per_tag has 2 thresholds but there are 3 labels. Fix: tune the thresholds again on validation data with the same labels.
    """

    section: ClassVar[str] = "thresholds"
    method: str = "fixed"
    global_: float | None = None
    per_tag: tuple[float, ...] | None = None
    min_tags: int = 0
    fixed: float = DEFAULT_FIXED
    metric: str = "micro_f1"
    shrink: float = 0.0

    def __post_init__(self):
        check_method(self.method)
        if self.metric not in TUNE_METRICS:
            raise ConfigError(f"metric must be one of {', '.join(TUNE_METRICS)}, got {self.metric!r}.",
                              fix='use metric="micro_f1".')
        object.__setattr__(self, "shrink", check_shrink(self.shrink))
        object.__setattr__(self, "fixed", check_threshold(self.fixed, "fixed"))
        if self.global_ is not None:
            object.__setattr__(self, "global_", check_threshold(self.global_, "global_"))
        if self.per_tag is not None:
            values = self.per_tag
            if isinstance(values, (str, bytes, Mapping)) or not hasattr(values, "__iter__"):
                raise ConfigError(f"per_tag must be a list of thresholds, got {values!r}.",
                                  fix="tune it with Thresholds.fit(..., method='per-tag').")
            object.__setattr__(self, "per_tag",
                               tuple(check_threshold(v, f"per_tag[{i}]") for i, v in enumerate(values)))
        object.__setattr__(self, "min_tags", check_min_tags(self.min_tags))
        if self.method == "global" and self.global_ is None:
            raise ConfigError('method "global" needs global_ (the tuned threshold).',
                              fix="tune it with Thresholds.fit(Y_val, proba_val, method='global').")
        if self.method == "per-tag" and self.per_tag is None:
            raise ConfigError('method "per-tag" needs per_tag (one threshold per label).',
                              fix="tune them with Thresholds.fit(Y_val, proba_val, method='per-tag').")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict (``per_tag`` as a list)."""
        d = super().to_dict()
        if d["per_tag"] is not None:
            d["per_tag"] = list(d["per_tag"])
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, n_labels: int | None = None,
                  source: str = "thresholds") -> Thresholds:
        """Build from a dict (as :meth:`to_dict` writes), validating every value; with ``n_labels``, also
        check that ``per_tag`` has one threshold per label. Raises :class:`ConfigError` naming bad values."""
        if not isinstance(data, Mapping):
            raise ConfigError(f"thresholds settings must be a mapping, got {type(data).__name__}.",
                              fix='pass e.g. {"method": "global", "global_": 0.3}.')
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(f"unknown option(s) {', '.join(unknown)} in {source}.", fix=f"use only: {', '.join(known)}.")
        out = cls(**data)  # __post_init__ checks every value with the rule's own messages
        if n_labels is not None:
            out.vector(n_labels)
        return out

    def vector(self, n_labels: int) -> np.ndarray:
        """The threshold of each of ``n_labels`` label columns for the chosen method (float64 array)."""
        if self.method == "per-tag":
            assert self.per_tag is not None
            if len(self.per_tag) != n_labels:
                raise ConfigError(f"per_tag has {len(self.per_tag)} thresholds but there are {n_labels} labels.",
                                  fix="tune the thresholds again on validation data with the same labels.")
            return np.array(self.per_tag, dtype=np.float64)
        value = self.fixed if self.method == "fixed" else self.global_
        return np.full(n_labels, value, dtype=np.float64)

    def decide(self, proba: object, threshold: object | None = None) -> np.ndarray:
        """Predicted tags for scores ``proba`` (a boolean matrix): :func:`apply` with these settings.

        ``threshold`` (one number, or one per label column) overrides the tuned thresholds for this call;
        ``min_tags`` still applies, so an override never leaves a row with fewer tags than the rule promises.
        This is the one place scores become tags: the model directory (``TrainedModel.decide``), ``predict``,
        ``serve``, the dashboard, the report and ``evaluate`` all call it.

        Example:
            >>> rule = Thresholds(method="global", global_=0.5, min_tags=1)
            >>> rule.decide([[0.9, 0.6], [0.2, 0.1]]).tolist()
            [[True, True], [True, False]]
            >>> rule.decide([[0.9, 0.6], [0.2, 0.1]], threshold=0.95).tolist()
            [[True, False], [True, False]]
        """
        S = np.asarray(proba)
        if S.ndim == 2 and S.shape[0] == 0:  # no rows: no tags (apply refuses an empty matrix)
            return np.zeros(S.shape, dtype=bool)
        S = as_scores(S)
        vector = self.vector(S.shape[1]) if threshold is None else threshold_vector(threshold, S.shape[1])
        return apply(S, vector, min_tags=self.min_tags)

    def describe(self) -> str:
        """The rule in a few words, e.g. ``"global 0.31, at least 1 tag"`` (the report and dashboard show it).

        Example:
            >>> Thresholds(method="per-tag", global_=0.3, per_tag=[0.2, 0.45], min_tags=1).describe()
            'per tag (0.20 to 0.45), at least 1 tag'
        """
        if self.method == "per-tag":
            assert self.per_tag is not None
            what = f"per tag ({min(self.per_tag):.2f} to {max(self.per_tag):.2f})"
        else:
            what = f"{self.method} {self.fixed if self.method == 'fixed' else self.global_:g}"
        return what + (f", at least {self.min_tags} tag{'s' if self.min_tags > 1 else ''}" if self.min_tags else "")

    @classmethod
    def fit(cls, Y_val: object, proba_val: object, method: str = "global", *, min_tags: int = 0,
            metric: str = "micro_f1", grid: object | None = None, min_support: int = 5,
            fixed: float = DEFAULT_FIXED, shrink: float = 0.0) -> Thresholds:
        """Tune thresholds on validation tags and scores and return the settings.

        ``"fixed"`` tunes nothing; ``"global"`` runs :func:`tune_global` (for ``metric``, with ``min_tags``
        forced); ``"per-tag"`` runs :func:`tune_per_tag` (each label's F1, rare labels falling back to the
        global threshold for ``metric``, which is kept in ``global_``), then pulls each tag's threshold toward
        that global one by ``shrink`` (:func:`shrink_toward`; 0: not at all); ``min_tags`` is applied on top.
        """
        check_method(method)
        min_tags = check_min_tags(min_tags)
        if metric not in TUNE_METRICS:
            raise ConfigError(f"metric must be one of {', '.join(TUNE_METRICS)}, got {metric!r}.",
                              fix='use metric="micro_f1".')
        shrink = check_shrink(shrink)
        if method == "fixed":
            return cls(method="fixed", fixed=fixed, min_tags=min_tags, metric=metric)
        Y, S, g = _inputs(Y_val, proba_val, grid)
        if method == "global":
            return cls(method="global", global_=tune_global(Y, S, g, metric, min_tags=min_tags),
                       min_tags=min_tags, fixed=fixed, metric=metric)
        per_label, fallback = _tune_per_tag(Y, S, g, _check_min_support(min_support), None, metric)
        per_label = shrink_toward(per_label, fallback, Y.sum(axis=0), shrink)
        return cls(method="per-tag", global_=fallback, per_tag=tuple(per_label.tolist()),
                   min_tags=min_tags, fixed=fixed, metric=metric, shrink=shrink)
