"""Predict tags for new texts with a saved model directory (batch-efficient: one model call per batch).

:class:`Predictor` is a :class:`~multilabeltext.modeldir.TrainedModel` with its weights loaded, answering
lists and streams of texts as ``{"tags", "probabilities"}`` dicts (what ``multilabeltext predict`` prints and
``serve`` returns). The tags come from :meth:`TrainedModel.decide <multilabeltext.modeldir.TrainedModel.decide>`.

Example:
    >>> import tempfile
    >>> from multilabeltext.modeldir import save_model
    >>> from multilabeltext.models import get_model
    >>> from multilabeltext.thresholds import Thresholds
    >>> fitted = get_model("linear", {"char_ngrams": None, "cross_fit": 0}).fit(
    ...     ["numpy array", "pandas frame"] * 4, [[1, 0], [0, 1]] * 4, labels=["numpy", "pandas"])
    >>> path = save_model(tempfile.mkdtemp() + "/m", fitted, thresholds=Thresholds(method="fixed", min_tags=1),
    ...                   train_config={}, dataset={}, metrics={}, timings={})
    >>> Predictor(path).predict(["a numpy array"], top_k=1)[0]["tags"]
    ['numpy']
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

        self.model = load_model(model_dir)
        self.labels = self.model.labels

    def predict(self, texts: list[str], *, threshold: float | None = None, top_k: int | None = None) -> list[dict]:
        """For each text: its tags (the saved rule, or one ``threshold`` for all tags, keeping the rule's
        ``min_tags``) and probabilities.

        ``probabilities`` holds the ``top_k`` highest-scored tags (all tags if unset), highest first.
        """
        _check_options(threshold, top_k)
        return self.from_proba(self.model.predict_proba(texts), threshold=threshold, top_k=top_k)

    def from_proba(self, proba: np.ndarray, *, threshold: float | None = None,
                   top_k: int | None = None) -> list[dict]:
        """:meth:`predict`'s answers from scores already computed (one row per text, label order).

        Lets a caller score many texts in one model call and decide them with different options (the HTTP
        service batches concurrent requests this way).
        """
        _check_options(threshold, top_k)
        return self.model.decide(proba, threshold, top_k).answers()

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
    from .modeldir import check_top_k

    if threshold is not None and not 0 <= threshold <= 1:
        raise ConfigError(f"threshold must be between 0 and 1, got {threshold}.", fix="pass e.g. --threshold 0.5.")
    check_top_k(top_k)
