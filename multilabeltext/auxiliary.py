"""Auxiliary training data: labelled texts from another source whose tags only partly match the model's.

A small dataset learns from a bigger, related one: the 1,000-question pythonquestions sample (10 tags)
from the 4,577 Stack Overflow titles tagged ``python`` in so-titles, which carry 7 of those 10 tags. The
other source's rows join the training set with a lower ``weight``, and only for the tags it annotates
(``known``): a so-titles title is no evidence against ``matplotlib``, a tag so-titles does not have, so
that tag's classifier never sees those rows. Auxiliary rows are only ever trained on, never scored,
calibrated on or tuned on.

Rows that may be the same question as one the model is evaluated on are dropped first
(:func:`drop_overlap`): a title that starts an evaluation text (title + body) would leak its tags.

Example:
    >>> aux = AuxiliaryData.from_tags(["numpy arrays", "a django view"], [["numpy"], ["django"]],
    ...                               labels=["numpy", "pandas"], source_labels=["numpy", "django"])
    >>> aux.Y.tolist(), aux.known.tolist()
    ([[1.0, 0.0], [0.0, 0.0]], [True, False])
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ConfigError


@dataclass(frozen=True)
class AuxiliaryData:
    """Texts, their labels over the model's label list, and which of those labels the source annotates."""

    texts: list[str]
    Y: np.ndarray  # (n_texts, n_labels), 0/1 over the model's labels
    known: np.ndarray  # (n_labels,) bool: False = the source never uses this tag (its rows are no evidence)
    weight: float = 0.3  # each auxiliary row counts this much against one training row
    source: str = ""  # where the rows came from, for messages and model metadata

    def __post_init__(self):
        if not 0 < self.weight <= 1:
            raise ConfigError(f"the auxiliary data's weight must be in (0, 1], got {self.weight!r}.",
                              fix="use auxiliary_weight = 0.3.")
        if self.Y.shape != (len(self.texts), len(self.known)):
            raise ConfigError(f"auxiliary labels must have shape ({len(self.texts)}, {len(self.known)}), got "
                              f"{self.Y.shape}.", fix="build it with AuxiliaryData.from_tags.")

    @classmethod
    def from_tags(cls, texts: list[str], tags: list[list[str]], *, labels: list[str], source_labels,
                  weight: float = 0.3, source: str = "") -> AuxiliaryData:
        """Binarize ``tags`` over the model's ``labels``; ``source_labels`` are all tags the source uses."""
        from .metrics import binarize

        known = np.isin(np.asarray(labels, dtype=object), np.asarray(list(source_labels), dtype=object))
        return cls(list(texts), binarize(tags, labels).astype(np.float32), known.astype(bool), float(weight),
                   source)

    @property
    def label_weights(self) -> np.ndarray:
        """What one auxiliary row counts for each label: ``weight`` where the source annotates it, else 0."""
        return np.where(self.known, self.weight, 0.0)

    def summary(self) -> dict:
        """What the model directory records about the auxiliary rows."""
        return {"source": self.source, "rows": len(self.texts), "weight": self.weight,
                "known_labels": int(self.known.sum()), "positives": int(self.Y.sum())}


def load_auxiliary(directory: str | Path, labels: list[str], *, weight: float = 0.3, require_tag: str | None = None,
                   exclude: list[str] = ()) -> AuxiliaryData:
    """Every row of a prepared dataset directory as auxiliary data for a model over ``labels``.

    ``require_tag`` keeps only the rows carrying that tag (e.g. ``python`` rows of a many-language set);
    rows overlapping an ``exclude`` text (the main dataset's validation and test texts) are dropped.

    Example:
        >>> import tempfile
        >>> from multilabeltext.config import PrepareConfig
        >>> from multilabeltext.data.prepare import prepare
        >>> from multilabeltext.progress import quiet
        >>> beer = tempfile.mkdtemp() + "/beer"
        >>> with quiet():
        ...     _ = prepare(["../shared/datasets/stackexchange-samples/beer_se_AaronNie_Posts.xml"], beer,
        ...                 PrepareConfig(top_n=5))
        >>> aux = load_auxiliary(beer, ["brewing", "taste", "lager"], require_tag="brewing")
        >>> aux.summary()["rows"], aux.known.tolist()   # 43 rows tagged brewing; "lager" is not a tag of theirs
        (43, [True, True, False])
    """
    from .data.dataset import load_dataset, read_labels

    directory = Path(directory)
    source_labels = read_labels(directory)
    if not set(source_labels) & set(labels):
        raise ConfigError(f"the auxiliary dataset {directory} shares no tag with the model's labels.",
                          fix="pick a dataset that annotates some of the same tags.")
    if require_tag is not None and require_tag not in source_labels:
        raise ConfigError(f"auxiliary_tag {require_tag!r} is not a tag of the auxiliary dataset {directory}.",
                          fix=f"use one of its tags ({', '.join(source_labels[:8])}, ...) or leave it out.")
    frame = load_dataset(directory)
    texts, tags = frame["text"].tolist(), [list(t) for t in frame["tags"]]
    if require_tag is not None:
        rows = [i for i, t in enumerate(tags) if require_tag in t]
        texts, tags = [texts[i] for i in rows], [tags[i] for i in rows]
    kept = drop_overlap(texts, exclude)
    texts, tags = [texts[i] for i in kept], [tags[i] for i in kept]
    return AuxiliaryData.from_tags(texts, tags, labels=labels, source_labels=source_labels, weight=weight,
                                   source=str(directory) + (f" (rows tagged {require_tag})" if require_tag else ""))


def _normalized(text: str) -> str:
    return _NON_WORD.sub(" ", text.lower()).strip()


_NON_WORD = re.compile(r"[\W_]+")


def drop_overlap(texts: list[str], exclude: list[str]) -> list[int]:
    """Indices of ``texts`` that neither equal nor begin (as whole words) one of the ``exclude`` texts.

    Compared lower-cased with punctuation folded to spaces, so a question's title overlaps its
    title + body text.

    Example:
        >>> drop_overlap(["Sort a dict", "Read a CSV file"], ["sort a dict by value? I have ..."])
        [1]
    """
    normalized = [_normalized(t) for t in texts]
    candidates = {n for n in normalized if n}
    lengths = sorted({len(n) for n in candidates})
    hit = set()
    for other in map(_normalized, exclude):
        for length in lengths:
            if length > len(other):
                break
            head = other[:length]
            if head in candidates and (length == len(other) or other[length] == " "):
                hit.add(head)
    return [i for i, n in enumerate(normalized) if n and n not in hit]
