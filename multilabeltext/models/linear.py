"""``linear``: TF-IDF (word 1-2-grams + char 2-5-grams) and one linear classifier per tag: the fast baseline.

Character n-grams are taken from the first ``char_max_chars`` (300) characters of a text, the words from all
of it: on the pythonquestions sample (2,000-character questions with answers) that kept micro-F1 (0.755,
5 folds) and raised P@1 (0.803 -> 0.809) while training 3.7x and predicting 5x faster (~300 -> ~1,500
texts/s); titles are shorter than that, so nothing changes for them. Every n-gram seen in training is a
feature (``min_df = 1``, unlike ``mlp``'s 2): in the benchmark that raised micro-F1 from 0.700 to 0.705 on
so-titles, 0.571 to 0.577 on cooking and 0.771 to 0.773 on pythonquestions (5 folds).

Scores are calibrated with Platt scaling (a sigmoid of the decision value per tag). By default the model
is *cross-fitted*: the training and validation texts are pooled and split into ``cross_fit`` (5) folds; a
model fitted without each fold scores it, so every row gets an honest held-out score; the sigmoids (and,
through ``tuning_``, the thresholds) are fitted on all those scores, and the final model on all the rows.
With 736 cooking tags a 1,240-row validation split gives each tag only a few positives to calibrate on;
with all 12,404 rows micro-F1 went from 0.539 to 0.567 (P@1 0.683 to 0.724); so-titles 0.698 to 0.700,
pythonquestions (5 folds) 0.755 to 0.763. It costs ``cross_fit + 1`` fits; ``cross_fit = 0`` calibrates
on the validation split instead. Saved as JSON vocabularies and ``.npy`` arrays, no pickle.

The SVMs are fitted by :mod:`.svm_dual` (liblinear's dual coordinate descent, compiled with numba): it reads
the CSR matrix in place, a fold's rows by index, and runs the tags in threads; the final fit starts from
the folds' solution (3 passes instead of 10 from zero). On so-titles that took training from 111 s (194 CPU
s; scikit-learn's ``LinearSVC``, one process per core) to the figures in bench/README.md ("Training the
linear model"), the same micro-F1 and P@1 to 0.003.

Example:
    >>> m = LinearModel(char_ngrams=None).fit(["numpy arrays", "pandas frames"] * 5, [[1, 0], [0, 1]] * 5,
    ...                                      labels=["numpy", "pandas"])
    >>> m.predict(["arrays in numpy"], threshold=0.5).tolist()
    [[True, False]]
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..config import check
from .base import TagModel
from .sparse_product import sparse_times_dense
from .tfidf import TfidfFeatures, TfidfSettings


@dataclass(frozen=True)
class LinearConfig(TfidfSettings):
    """Settings of the ``linear`` model: the TF-IDF features (:class:`~.tfidf.TfidfSettings`) and these."""

    section: ClassVar[str] = "linear"
    min_df: int = 1  # n-grams seen once count too: +0.005 micro-F1 on so-titles, +0.006 cooking, +0.002 pyq
    C: float = 0.5
    class_weight: str | None = None  # None | "balanced"
    max_iter: int = 10  # passes of the SVM solver (dual coordinate descent, models/svm_dual.py) in a fit from zero
    fold_max_iter: int = 3  # passes in each cross-fit fold's fit: held-out scores for calibration only
    warm_start_iter: int = 3  # passes of a cross-fitted model's final fit, from the folds' mean dual variables
    # (as good as max_iter = 10 from zero, bench/README.md); 0: from zero, max_iter passes
    jobs: int = 0  # threads for the per-tag fits; 0 = one per core (never more than the cores)
    cross_fit: int = 5  # folds for held-out calibration over train + validation (0: calibrate on validation)
    seed: int = 0  # assigns rows to the cross-fit folds and seeds the solvers' row order (same data, same model)

    @classmethod
    def from_dict(cls, data, *, source: str = "settings"):
        """As :meth:`Settings.from_dict`; a saved ``classifier = "svm"`` (the only one left) is accepted."""
        data = dict(data)
        classifier = data.pop("classifier", "svm")
        check(classifier == "svm", f"the {classifier!r} classifier of the linear model was removed (an experiment "
              "that did not beat the SVM).", "leave classifier out (the linear model is a linear SVM).")
        return super().from_dict(data, source=source)

    def __post_init__(self):
        super().__post_init__()
        check(self.C > 0, f"C must be > 0, got {self.C!r}.", "use C = 0.5.")
        for name in ("max_iter", "fold_max_iter"):
            value = getattr(self, name)
            check(isinstance(value, int) and value >= 1, f"{name} must be a whole number >= 1, got {value!r}.",
                  f"use {name} = {getattr(LinearConfig, name)}.")
        check(isinstance(self.warm_start_iter, int) and self.warm_start_iter >= 0, f"warm_start_iter must be a whole "
              f"number >= 0, got {self.warm_start_iter!r}.", "use warm_start_iter = 3 (0: a final fit from zero).")
        check(isinstance(self.jobs, int) and self.jobs >= 0, f"jobs must be a whole number >= 0, got {self.jobs!r}.",
              "use jobs = 0 (one per core).")
        check(self.cross_fit == 0 or self.cross_fit >= 2, f"cross_fit must be 0 (off) or at least 2 folds, got "
              f"{self.cross_fit!r}.", "use cross_fit = 5, or 0 to calibrate on the validation split.")
        check(self.class_weight in (None, "balanced"), f"class_weight must be unset or \"balanced\", got "
              f"{self.class_weight!r}.", "leave it out, or use \"balanced\".")


SMALL_FIT = 200_000_000  # nonzeros x tags below which the solver visits rows in a fully random order (pyq 14M,
# so-titles 630M, cooking 1,300M)


class LinearModel(TagModel):
    """TF-IDF features, one-vs-rest linear SVM, Platt-calibrated scores."""

    name = "linear"
    Config = LinearConfig
    supports_auxiliary = True

    def _fit(self, texts, Y, validation):
        rows = len(texts) + (len(validation[0]) if validation else 0)
        if self.config.cross_fit and rows >= 2 * self.config.cross_fit:
            return self._cross_fit(texts, Y, validation)
        X, Y_all, weights = self._features(texts, Y)
        _, shuffled = self._shuffled(X, Y_all, weights)
        self._set_weights(*self._classifiers(*shuffled, self.config.max_iter, "linear: fit", salt=0))
        if validation is not None:
            d = self._decision(validation[0])
            self.platt_ = fit_platt(d, validation[1])
            self.validation_proba_ = self._calibrated(d)  # scored once, not again by fit()
        else:
            self.platt_ = fit_platt(self._scores(X[:len(texts)]), Y)

    def _cross_fit(self, texts, Y, validation):
        """Held-out decision values for every row (k-fold), Platt on them, then the final fit on all rows.

        The features (vocabulary and idf, no labels) are learned once from all the rows; each fold's
        classifiers learn from the other folds' rows with ``fold_max_iter`` solver passes and score the
        held-out rows without the n-grams those training rows lack (:meth:`TfidfFeatures.restrict`), as a
        model fitted on them alone would; the final fit over every row starts from the folds' mean dual
        variables (each row's mean over the folds it trained in) and makes ``warm_start_iter`` passes
        (``warm_start_iter = 0``: ``max_iter`` passes from zero).
        """
        from ..progress import status

        cfg, k = self.config, self.config.cross_fit
        if validation is not None:
            texts, Y = texts + validation[0], np.vstack([Y, validation[1]])
        n = len(texts)
        status(f"linear: features of {n:,} texts" + (f" (+{len(self.auxiliary_.texts):,} auxiliary)"
                                                     if self.auxiliary_ else ""))
        X, Y_all, weights = self._features(texts, Y)
        # auxiliary rows (fold -1): in every fold's training, never held out
        folds = np.concatenate([np.random.default_rng(cfg.seed).permutation(n) % k, np.full(X.shape[0] - n, -1)])
        order, (X, Y_all, weights) = self._shuffled(X, Y_all, weights)
        folds = folds[order]  # from here on, rows in the shuffled order
        heldout = np.zeros(Y.shape, dtype=np.float32)
        alpha = np.zeros(Y_all.shape[::-1], dtype=np.float32) if cfg.warm_start_iter else None  # (tags, rows)
        for fold in range(k):
            inside, out = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
            coef, intercept = self._classifiers(X, Y_all, weights, cfg.fold_max_iter,
                                                f"linear: cross-fit fold {fold + 1}/{k}", rows=inside,
                                                salt=fold + 1, dual=alpha)
            known = np.zeros(X.shape[1], dtype=bool)
            known[X[inside].indices] = True  # n-grams the fold's training rows have; the others are unseen
            heldout[order[out]] = np.asarray(self.features_.restrict(X[out], known) @ coef) + intercept
        start = None
        if alpha is not None:
            start = alpha / np.where(folds >= 0, k - 1, k).astype(np.float32)  # the mean over a row's folds
        passes = cfg.warm_start_iter if start is not None else cfg.max_iter
        self._set_weights(*self._classifiers(X, Y_all, weights, passes, f"linear: final fit, {n:,} rows",
                                             salt=0, start=start))
        self.platt_ = fit_platt(heldout, Y)
        proba = self._calibrated(heldout)
        self.tuning_ = (Y, proba)
        if validation is not None:
            self.validation_proba_ = proba[n - len(validation[0]):]

    def _shuffled(self, X, Y, weights):
        """The rows in a seeded random order (``order``) and ``(X, Y, weights)`` in it: the solver reads rows in
        matrix order, a few at a time (:data:`.svm_dual.CHUNK`), so the matrix itself is shuffled once."""
        order = np.random.default_rng([self.config.seed, 1]).permutation(X.shape[0])
        return order, (X[order], Y[order], weights[order] if len(weights) > 1 else weights)

    def _features(self, texts, Y):
        """New vectorizers fitted on ``texts`` plus any auxiliary rows; their features, labels and weights.

        Returns ``(X, Y_all, weights)``: one row per text then per auxiliary row; ``weights`` (rows, tags)
        says what each entry counts for: 1 for a text, the auxiliary weight for a tag its source
        annotates, 0 for the others (no evidence either way).
        """
        aux = self.auxiliary_
        self.features_ = TfidfFeatures(self.config, self.tokenizer_)
        X = self.features_.fit_transform(texts + (aux.texts if aux else []))
        if aux is None:
            return X, Y, np.ones((1, Y.shape[1]), dtype=np.float32)  # broadcast: every entry counts 1
        weights = np.vstack([np.ones_like(Y), np.tile(aux.label_weights, (len(aux.texts), 1))])
        return X, np.vstack([Y, aux.Y]), weights.astype(np.float32)

    def _classifiers(self, X, Y, weights, max_iter: int, what: str, *, salt: int, rows=None, start=None,
                     dual=None) -> tuple[np.ndarray, np.ndarray]:
        """One linear SVM per tag on ``X`` (:mod:`.svm_dual`): weights ``(features, tags)`` and intercepts.

        ``rows``: the rows to train on (ascending; default all); ``start``: dual variables ``(tags, rows)`` to
        start from (a warm start); ``dual``: if given, ``(tags, rows)``, each tag's final dual variables are
        added to it (the rows trained on). ``salt`` tells the fits of one model apart in the seed of each tag's row order.
        A tag seen in every row or in none (common in a cross-fit fold) gets a constant score, no classifier.
        Tags run in ``jobs`` threads (the solver releases the GIL); progress advances as tags finish.
        """
        from concurrent.futures import ThreadPoolExecutor, as_completed

        from ..parallel import resolve_jobs
        from ..progress import status, task
        from . import svm_dual

        if not svm_dual.is_ready():
            status("linear: loading the compiled SVM solver (its first run on a machine compiles it: a few seconds)")
            svm_dual.ready()
        cfg = self.config
        rows = np.arange(X.shape[0]) if rows is None else np.asarray(rows)
        weights = np.broadcast_to(weights, Y.shape)
        seen = weights[rows] > 0  # entries that are evidence
        low, high = np.where(seen, Y[rows], 1).min(axis=0), np.where(seen, Y[rows], 0).max(axis=0)
        varying = np.flatnonzero(low != high)
        # (features, tags), as returned: each tag's column is written as its fit ends, while the other tags' fits run
        # (a transposed copy of the whole matrix after them took 0.1-0.7 s per call on so-titles)
        coef = np.zeros((X.shape[1], Y.shape[1]), dtype=np.float32)
        intercept = np.where(high > 0.5, 10.0, -10.0).astype(np.float32)
        arrays = svm_dual.prepare(X)
        # the row order: liblinear's (every row shuffled) for a small fit, where it costs little; chunks of rows
        # for a large one (2x faster passes; the same accuracy on so-titles and cooking, not on pyq: bench/README.md)
        work = int(np.diff(X.indptr)[rows].sum()) * len(varying)
        chunk = 1 if work < SMALL_FIT else svm_dual.CHUNK
        uniform = np.full(X.shape[0], cfg.C) if bool((weights == 1).all()) else None
        labels = np.ascontiguousarray(Y.T > 0.5)  # (tags, rows): one tag's column read whole
        costs = None if uniform is not None else np.ascontiguousarray(cfg.C * weights.T, dtype=np.float64)

        def fit(j):
            y = labels[j]
            cost = uniform if uniform is not None else costs[j]
            if cfg.class_weight == "balanced":
                cost = cost * _balanced(y[rows], weights[rows, j])[y.astype(int)]
            seed = int(np.random.SeedSequence([cfg.seed, salt, int(j)]).generate_state(1)[0])
            w, b, alpha, _ = svm_dual.solve(arrays, X.shape[1], y, cost, rows=rows, max_iter=max_iter, seed=seed,
                                            chunk=chunk,
                                            alpha=None if start is None else start[j])
            return j, w, b, alpha

        jobs = min(resolve_jobs(cfg.jobs), max(len(varying), 1))  # never more than the cores
        pool = ThreadPoolExecutor(jobs, thread_name_prefix="linear")
        try:
            with task(what, total=len(varying)) as bar:
                for future in as_completed([pool.submit(fit, j) for j in varying]):
                    j, w, b, alpha = future.result()
                    coef[:, j], intercept[j] = w, b
                    if dual is not None:
                        dual[j, rows] += alpha[rows]
                    bar.advance(1)
        finally:  # Ctrl-C / SIGTERM: the tags not started are dropped; the running ones end within a second
            pool.shutdown(wait=True, cancel_futures=True)
        return coef, intercept

    @classmethod
    def assemble(cls, config: LinearConfig, labels: list[str], tokenizer, features: TfidfFeatures,
                 weights: np.ndarray, intercept: np.ndarray, platt: np.ndarray) -> LinearModel:
        """A fitted model from learned parts (``weights`` (features, labels), as :meth:`_fit` sets them), without
        fitting: the Spark engine learns them on a cluster. ``tokenizer`` is a :class:`TokenizerConfig`."""
        model = cls(config)
        model._start_fit(labels, tokenizer, None)
        model.features_ = features
        model._set_weights(np.asarray(weights, dtype=np.float32), np.asarray(intercept, dtype=np.float32))
        model.platt_ = np.asarray(platt, dtype=np.float32)
        return model

    def _set_weights(self, coef: np.ndarray, intercept: np.ndarray) -> None:
        self.weights_, self.intercept_ = np.ascontiguousarray(coef), intercept

    def _scores(self, X) -> np.ndarray:
        return sparse_times_dense(X, self.weights_) + self.intercept_

    def _decision(self, texts) -> np.ndarray:
        return self._scores(self.features_.transform(texts))

    def _calibrated(self, decision: np.ndarray) -> np.ndarray:
        return _sigmoid(decision * self.platt_[0] + self.platt_[1])

    def _predict_proba(self, texts):
        return self._calibrated(self._decision(texts))

    def _save(self, directory: Path) -> None:
        self.features_.save(directory)
        np.save(directory / "coef.npy", self.weights_.T)  # (labels, features), as scikit-learn's coef_
        np.save(directory / "intercept.npy", self.intercept_)
        np.save(directory / "platt.npy", self.platt_)

    def _load(self, directory: Path) -> None:
        settings = json.loads((directory / "model_config.json").read_text(encoding="utf-8"))["config"]
        if "char_max_chars" not in settings:  # saved before the setting existed: char n-grams of the whole text
            self.config = dataclasses.replace(self.config, char_max_chars=None)
        self.features_ = TfidfFeatures.load(self.config, self.tokenizer_, directory)
        self.weights_ = _feature_major(np.load(directory / "coef.npy", allow_pickle=False))
        self.intercept_ = np.load(directory / "intercept.npy", allow_pickle=False)
        self.platt_ = np.load(directory / "platt.npy", allow_pickle=False)


def _balanced(y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """scikit-learn's ``class_weight="balanced"`` for 0/1 labels ``y`` with sample weights: ``[w_0, w_1]``."""
    counts = np.array([weight[~y].sum(), weight[y].sum()], dtype=np.float64)
    return counts.sum() / (2 * np.maximum(counts, 1e-12))


def _feature_major(coef: np.ndarray) -> np.ndarray:
    """Per-tag weights ``(labels, features)`` as a C-contiguous ``(features, labels)`` float32 matrix.

    ``X @ weights`` then runs on the matrix as stored: with ``coef.T`` scipy copied the whole matrix on every
    call (~25 ms for 100 tags x 100k features, whatever the number of texts; ~1 ms now for one title).
    """
    return np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def fit_platt(decision: np.ndarray, Y: np.ndarray, iterations: int = 50, tolerance: float = 1e-10) -> np.ndarray:
    """Per-column sigmoid ``1 / (1 + exp(-(a d + b)))`` fitted by Newton's method (Platt's targets).

    Returns an array of shape (2, n_labels): slopes ``a`` and offsets ``b``. At most ``iterations`` steps per
    column; a column stops once its step is below ``tolerance`` (Newton converges quadratically: its next steps
    would be far below float32's precision, which the result is rounded to), usually after 5-10 steps, and the
    remaining steps compute only the columns still moving (on cooking's 736 tags, a few slow tags kept all of
    them at work for 50 steps: 8.9 s, now 2.8 s).

    Example:
        >>> d = np.array([[-2.0], [-1.0], [1.0], [2.0]]); y = np.array([[0], [0], [1], [1]])
        >>> bool(fit_platt(d, y)[0, 0] > 0)
        True
    """
    d_all = np.asarray(decision, dtype=np.float64)
    y = np.asarray(Y, dtype=np.float64)
    pos = y.sum(axis=0)
    neg = len(y) - pos
    t_all = np.where(y > 0, (pos + 1) / (pos + 2), 1 / (neg + 2))  # Platt's regularized targets
    a = np.ones(d_all.shape[1])
    b = np.zeros(d_all.shape[1])
    active = np.arange(d_all.shape[1])
    d, t = d_all, t_all
    for _ in range(iterations):
        if len(active) == 0:
            break
        p = _sigmoid(a[active] * d + b[active])
        w = p * (1 - p) + 1e-9
        g_a, g_b = ((p - t) * d).sum(0), (p - t).sum(0)
        h_aa, h_ab, h_bb = (w * d * d).sum(0) + 1e-6, (w * d).sum(0), w.sum(0) + 1e-6
        det = h_aa * h_bb - h_ab * h_ab
        step_a, step_b = (h_bb * g_a - h_ab * g_b) / det, (h_aa * g_b - h_ab * g_a) / det
        a[active] -= step_a
        b[active] -= step_b
        moving = np.maximum(np.abs(step_a), np.abs(step_b)) >= tolerance
        if not moving.all():
            active = active[moving]
            d, t = d_all[:, active], t_all[:, active]
    return np.vstack([a, b]).astype(np.float32)
