"""Which words drove a prediction: occlusion, so it works for any model (linear, lstm, ensemble).

The text is scored once as it is and once with each distinct word removed (every occurrence, case-insensitive),
all in ONE ``predict_proba`` batch. A word's contribution to a tag is the drop in that tag's probability when
the word is removed: positive words pushed the tag up, negative ones held it down. Words are found with the
shared tokenizer's pattern (so ``c++``, ``.net`` and ``python-3.x`` stay whole); stopwords are occluded too,
since models that read characters can use them. A tag scored near 1 by several words at once shows small
drops for each (any one of them suffices): the contributions are one-word-at-a-time effects.

Example (needs a trained model directory, so it is not run as a doctest)::

    from multilabeltext.modeldir import load_model
    model = load_model("models/pyq-linear")
    exp = explain(model, "plot a pandas dataframe with matplotlib")
    exp.top_tags(2)
    # [('pandas', 1.0), ('matplotlib', 0.9979)]
    exp.top_words("pandas", 2)
    # [('pandas', 0.0206), ('dataframe', 0.0099)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .data.tokenizer import TOKEN_PATTERN
from .errors import ConfigError

MAX_WORDS = 200  # distinct words occluded; beyond this the batch (and the wait) grows for little insight
_WORD = re.compile(TOKEN_PATTERN, re.IGNORECASE)


@dataclass(frozen=True)
class Explanation:
    """The scores of one text and how much each of its distinct words contributed to each tag.

    Attributes:
        text: the text explained.
        labels: the model's labels (score-column order).
        proba: the text's scores, shape (labels,).
        words: the distinct words (lower-cased), in order of first appearance.
        contributions: shape (words, labels): ``proba`` minus the scores without that word.
        spans: ``(start, end, word)`` of every word occurrence in ``text``, to highlight it.
    """

    text: str
    labels: list[str]
    proba: np.ndarray
    words: list[str]
    contributions: np.ndarray
    spans: list[tuple[int, int, str]]

    def _column(self, tag: str) -> int:
        try:
            return self.labels.index(tag)
        except ValueError:
            raise ConfigError(f"unknown tag {tag!r}.", fix="pick one of the model's labels (labels.json).") from None

    def top_tags(self, k: int = 5) -> list[tuple[str, float]]:
        """The ``k`` highest-scored tags and their probabilities (rounded to 4 places), best first."""
        order = np.argsort(-self.proba, kind="stable")[:k]
        return [(self.labels[j], round(float(self.proba[j]), 4)) for j in order]

    def word_scores(self, tag: str) -> dict[str, float]:
        """Every word's contribution to ``tag`` (rounded to 4 places), in text order."""
        column = self.contributions[:, self._column(tag)]
        return {w: round(float(c), 4) for w, c in zip(self.words, column)}

    def top_words(self, tag: str, k: int = 5, *, positive_only: bool = True) -> list[tuple[str, float]]:
        """The ``k`` words that raised ``tag``'s probability most (with ``positive_only=False``: largest |effect|)."""
        scores = self.word_scores(tag)
        items = [(w, c) for w, c in scores.items() if c > 0 or not positive_only]
        items.sort(key=lambda wc: -(wc[1] if positive_only else abs(wc[1])))
        return items[:k]

    def to_dict(self, tags: list[str] | None = None, k: int = 5) -> dict:
        """JSON-safe summary: ``probabilities`` of the top ``k`` tags and, per tag in ``tags`` (default those
        top tags), its ``k`` most influential words."""
        top = self.top_tags(k)
        tags = [t for t, _ in top] if tags is None else tags
        return {"probabilities": dict(top),
                "words": {t: dict(self.top_words(t, k, positive_only=False)) for t in tags}}


def word_spans(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, lower-cased word)`` of each word in ``text``, found with the tokenizer's pattern.

    Example:
        >>> word_spans("Sort a C++ vector")
        [(0, 4, 'sort'), (5, 6, 'a'), (7, 10, 'c++'), (11, 17, 'vector')]
    """
    return [(m.start(), m.end(), m.group(0).lower()) for m in _WORD.finditer(text or "")]


def _without(text: str, spans: list[tuple[int, int, str]], word: str) -> str:
    """``text`` with every occurrence of ``word`` replaced by a space (so neighbours do not fuse)."""
    parts, last = [], 0
    for start, end, w in spans:
        if w == word:
            parts.append(text[last:start])
            parts.append(" ")
            last = end
    parts.append(text[last:])
    return "".join(parts)


def explain(model, text: str, *, max_words: int = MAX_WORDS) -> Explanation:
    """Score ``text`` and each occlusion of one distinct word with ``model`` in one batch; see the module doc.

    ``model`` is anything with ``predict_proba(texts)`` and labels: a :class:`~multilabeltext.modeldir.TrainedModel`
    (``.labels``) or a fitted :class:`~multilabeltext.models.base.TagModel` (``.labels_``). Only the first
    ``max_words`` distinct words are occluded (the rest get contribution 0).

    Example:
        >>> from multilabeltext.models.linear import LinearModel
        >>> m = LinearModel(char_ngrams=None, min_df=1).fit(
        ...     ["numpy arrays", "pandas frames", "numpy matrix", "pandas groupby"] * 3,
        ...     [[1, 0], [0, 1], [1, 0], [0, 1]] * 3, labels=["numpy", "pandas"])
        >>> exp = explain(m, "numpy matrix question")
        >>> exp.top_words("numpy", 2)[0][0] in ("numpy", "matrix"), exp.words
        (True, ['numpy', 'matrix', 'question'])
    """
    if not isinstance(text, str):
        raise ConfigError(f"text must be a string, got {type(text).__name__}.", fix="pass the question as text.")
    if max_words < 0:
        raise ConfigError(f"max_words must be >= 0, got {max_words}.", fix=f"use e.g. max_words={MAX_WORDS}.")
    labels = list(getattr(model, "labels", None) or model.labels_)
    spans = word_spans(text)
    words = list(dict.fromkeys(w for _, _, w in spans))[:max_words]
    scores = np.asarray(model.predict_proba([text] + [_without(text, spans, w) for w in words]), dtype=np.float64)
    proba = scores[0]
    contributions = proba[None, :] - scores[1:] if words else np.zeros((0, len(labels)))
    return Explanation(text=text, labels=labels, proba=proba, words=words, contributions=contributions,
                       spans=spans)
