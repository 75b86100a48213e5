"""Predict tags for new texts with a saved model directory (batch-efficient: one model call per batch).

Example:
    >>> predictor = Predictor("models/so-titles-linear")                       # doctest: +SKIP
    >>> predictor.predict(["How do I merge two dicts in Python?"], top_k=3)[0]  # doctest: +SKIP
    {'tags': ['python', 'dictionary'], 'probabilities': {'python': 0.91, 'dictionary': 0.72, 'list': 0.08}}
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from .errors import ConfigError

BATCH = 2048


class Predictor:
    """A model directory loaded once, answering batches of texts."""

    def __init__(self, model_dir: str | Path):
        from .modeldir import load_model

        self.bundle = load_model(model_dir)
        self.labels = self.bundle.labels

    def predict(self, texts: list[str], *, threshold: float | None = None, top_k: int | None = None) -> list[dict]:
        """For each text: its tags (saved thresholds, or one ``threshold`` for all tags) and probabilities.

        ``probabilities`` holds the ``top_k`` highest-scored tags (all tags if unset), highest first.
        """
        _check_options(threshold, top_k)
        return self.from_proba(self.bundle.predict_proba(texts), threshold=threshold, top_k=top_k)

    def from_proba(self, proba: np.ndarray, *, threshold: float | None = None,
                   top_k: int | None = None) -> list[dict]:
        """:meth:`predict`'s answers from scores already computed (one row per text, label order).

        Lets a caller score many texts in one model call and decide them with different options (the HTTP
        service batches concurrent requests this way).
        """
        _check_options(threshold, top_k)
        decided = proba >= threshold if threshold is not None else self.bundle.decide(proba)
        k = min(top_k or len(self.labels), len(self.labels))
        order = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        out = []
        for i in range(len(proba)):
            tags = [self.labels[j] for j in order[i] if decided[i, j]]
            tags += [self.labels[j] for j in np.flatnonzero(decided[i]) if self.labels[j] not in tags]
            out.append({"tags": tags,
                        "probabilities": {self.labels[j]: round(float(proba[i, j]), 4) for j in order[i]}})
        return out

    def predict_stream(self, texts: Iterable[str], *, batch_size: int = BATCH,
                       **options) -> Iterator[tuple[str, dict]]:
        """``(text, prediction)`` pairs for a stream of texts, computed ``batch_size`` at a time."""
        batch: list[str] = []
        for text in texts:
            batch.append(text)
            if len(batch) >= batch_size:
                yield from zip(batch, self.predict(batch, **options))
                batch = []
        if batch:
            yield from zip(batch, self.predict(batch, **options))


def _check_options(threshold: float | None, top_k: int | None) -> None:
    if threshold is not None and not 0 <= threshold <= 1:
        raise ConfigError(f"threshold must be between 0 and 1, got {threshold}.", fix="pass e.g. --threshold 0.5.")
    if top_k is not None and top_k < 1:
        raise ConfigError(f"top_k must be >= 1, got {top_k}.", fix="pass e.g. --top-k 5.")
