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
from .tfidf import TfidfFeatures, TfidfSettings


@dataclass(frozen=True)
class LinearConfig(TfidfSettings):
    """Settings of the ``linear`` model: the TF-IDF features (:class:`~.tfidf.TfidfSettings`) and these."""

    section: ClassVar[str] = "linear"
    min_df: int = 1  # n-grams seen once count too: +0.005 micro-F1 on so-titles, +0.006 cooking, +0.002 pyq
    classifier: str = "svm"  # svm (LinearSVC) | logreg (LogisticRegression, liblinear dual)
    C: float = 0.5
    class_weight: str | None = None  # None | "balanced"
    jobs: int = 0  # processes for the per-tag fits; 0 = one per core
    cross_fit: int = 5  # folds for held-out calibration over train + validation (0: calibrate on validation)
    seed: int = 0  # assigns rows to the cross-fit folds

    def __post_init__(self):
        super().__post_init__()
        check(self.classifier in ("svm", "logreg"), f"classifier must be svm or logreg, got {self.classifier!r}.",
              "use classifier = \"svm\".")
        check(self.C > 0, f"C must be > 0, got {self.C!r}.", "use C = 0.5.")
        check(self.cross_fit == 0 or self.cross_fit >= 2, f"cross_fit must be 0 (off) or at least 2 folds, got "
              f"{self.cross_fit!r}.", "use cross_fit = 5, or 0 to calibrate on the validation split.")
        check(self.class_weight in (None, "balanced"), f"class_weight must be unset or \"balanced\", got "
              f"{self.class_weight!r}.", "leave it out, or use \"balanced\".")


class LinearModel(TagModel):
    """TF-IDF features, one-vs-rest linear SVM (or logistic regression), Platt-calibrated scores."""

    name = "linear"
    Config = LinearConfig
    supports_auxiliary = True

    def _fit(self, texts, Y, validation):
        rows = len(texts) + (len(validation[0]) if validation else 0)
        if self.config.cross_fit and rows >= 2 * self.config.cross_fit:
            return self._cross_fit(texts, Y, validation)
        X = self._fit_weights(texts, Y)
        if validation is not None:
            d = self._decision(validation[0])
            self.platt_ = fit_platt(d, validation[1])
            self.validation_proba_ = self._calibrated(d)  # scored once, not again by fit()
        else:
            self.platt_ = fit_platt(self._scores(X), Y)

    def _cross_fit(self, texts, Y, validation):
        """Held-out decision values for every row (k-fold), Platt on them, then the final fit on all rows."""
        from ..progress import status

        k = self.config.cross_fit
        if validation is not None:
            texts, Y = texts + validation[0], np.vstack([Y, validation[1]])
        folds = np.random.default_rng(self.config.seed).permutation(len(texts)) % k
        heldout = np.zeros(Y.shape, dtype=np.float32)
        for fold in range(k):
            status(f"linear: cross-fit fold {fold + 1}/{k}")
            inside = np.flatnonzero(folds != fold)
            self._fit_weights([texts[i] for i in inside], Y[inside])
            out = np.flatnonzero(folds == fold)
            heldout[out] = self._decision([texts[i] for i in out])
        status(f"linear: final fit on all {len(texts):,} rows")
        self._fit_weights(texts, Y)
        self.platt_ = fit_platt(heldout, Y)
        proba = self._calibrated(heldout)
        self.tuning_ = (Y, proba)
        if validation is not None:
            self.validation_proba_ = proba[len(texts) - len(validation[0]):]

    def _fit_weights(self, texts, Y):
        """Fit new vectorizers and the per-tag classifiers on ``texts`` (plus any auxiliary rows).

        Returns the feature matrix of ``texts``. Auxiliary rows count ``weight`` each, and only for the tags
        their source annotates: for the others they get weight 0, so they are no evidence either way.
        """
        from joblib import Parallel, delayed
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        from ..parallel import resolve_jobs

        cfg = self.config
        aux = self.auxiliary_
        self.features_ = TfidfFeatures(cfg, self.tokenizer_)
        X_all = self.features_.fit_transform(texts + (aux.texts if aux else []))
        X = X_all[:len(texts)] if aux else X_all
        Y_all = np.vstack([Y, aux.Y]) if aux else Y
        if cfg.classifier == "svm":
            base = LinearSVC(C=cfg.C, class_weight=cfg.class_weight, dual="auto", max_iter=5000)
        else:
            base = LogisticRegression(C=cfg.C * 8, solver="liblinear", dual=True, class_weight=cfg.class_weight,
                                      max_iter=1000)
        # a tag seen in every row or in none (common in a cross-fit fold) gets a constant score, no classifier
        seen = np.ones(Y_all.shape, dtype=bool)  # entries that are evidence: not an auxiliary row's unknown tag
        if aux:
            seen[len(texts):] = aux.label_weights > 0
        low, high = np.where(seen, Y_all, 1).min(axis=0), np.where(seen, Y_all, 0).max(axis=0)
        varying = np.flatnonzero(low != high)
        weights = np.zeros((X.shape[1], Y.shape[1]), dtype=np.float32)
        self.intercept_ = np.where(high > 0.5, 10.0, -10.0).astype(np.float32)
        def sample_weight(j):  # 1 for each training row, then what an auxiliary row counts for tag j
            return None if aux is None else np.repeat([1.0, aux.label_weights[j]], [len(texts), len(aux.texts)])

        fitted = Parallel(n_jobs=min(resolve_jobs(cfg.jobs), max(len(varying), 1)))(
            delayed(_fit_tag)(base, X_all, Y_all[:, j], sample_weight(j)) for j in varying)
        for j, (coef, intercept) in zip(varying, fitted):
            weights[:, j], self.intercept_[j] = coef, intercept
        self.weights_ = np.ascontiguousarray(weights)
        return X

    def _scores(self, X) -> np.ndarray:
        return np.asarray(X @ self.weights_) + self.intercept_

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


def _fit_tag(base, X, y, sample_weight):
    """One tag's classifier (a fresh copy of ``base``): its weight vector and intercept."""
    from sklearn.base import clone

    clf = clone(base).fit(X, y, sample_weight=sample_weight)
    return np.ravel(clf.coef_).astype(np.float32), float(np.ravel(clf.intercept_)[0])


def _feature_major(coef: np.ndarray) -> np.ndarray:
    """Per-tag weights ``(labels, features)`` as a C-contiguous ``(features, labels)`` float32 matrix.

    ``X @ weights`` then runs on the matrix as stored: with ``coef.T`` scipy copied the whole matrix on every
    call (~25 ms for 100 tags x 100k features, whatever the number of texts; ~1 ms now for one title).
    """
    return np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -50.0, 50.0)))


def fit_platt(decision: np.ndarray, Y: np.ndarray, iterations: int = 50) -> np.ndarray:
    """Per-column sigmoid ``1 / (1 + exp(-(a d + b)))`` fitted by Newton's method (Platt's targets).

    Returns an array of shape (2, n_labels): slopes ``a`` and offsets ``b``.

    Example:
        >>> d = np.array([[-2.0], [-1.0], [1.0], [2.0]]); y = np.array([[0], [0], [1], [1]])
        >>> bool(fit_platt(d, y)[0, 0] > 0)
        True
    """
    d = np.asarray(decision, dtype=np.float64)
    y = np.asarray(Y, dtype=np.float64)
    pos = y.sum(axis=0)
    neg = len(y) - pos
    t = np.where(y > 0, (pos + 1) / (pos + 2), 1 / (neg + 2))  # Platt's regularized targets
    a = np.ones(d.shape[1])
    b = np.zeros(d.shape[1])
    for _ in range(iterations):
        p = _sigmoid(a * d + b)
        w = p * (1 - p) + 1e-9
        g_a, g_b = ((p - t) * d).sum(0), (p - t).sum(0)
        h_aa, h_ab, h_bb = (w * d * d).sum(0) + 1e-6, (w * d).sum(0), w.sum(0) + 1e-6
        det = h_aa * h_bb - h_ab * h_ab
        a -= (h_bb * g_a - h_ab * g_b) / det
        b -= (h_aa * g_b - h_ab * g_a) / det
    return np.vstack([a, b]).astype(np.float32)
