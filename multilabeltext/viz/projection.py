"""The test questions as 2-D points: document vectors projected with PCA (default) or t-SNE.

Document vectors, chosen so the map is cheap and shows what the model saw:

* default: the model's own view of each question, its predicted probability vector (one score per tag,
  read from ``predictions.parquet``, so no model call), log-odds transformed so confident scores spread
  out. Questions the model scores alike sit together; a question far from its actual tag's colour is one
  the model got wrong. Works for every model kind and ~5,000 rows in well under a second.
* ``vectors=``: averaged Word2Vec vectors of each question's tokens (the model's saved tokenizer), a view
  independent of the model: topics as the words place them.

Example (needs a trained model directory, so it is not run as a doctest)::

    from multilabeltext.modeldir import load_model
    bundle = load_model("models/pyq-linear")
    predictions = pd.read_parquet("models/pyq-linear/predictions.parquet")
    question_map_frame(bundle, predictions).columns.tolist()
    # ['id', 'x', 'y', 'title', 'tags', 'predicted', 'first_tag', 'outcome']
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ..errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

METHODS = ("pca", "tsne")
OUTCOMES = ("correct", "partial", "wrong")
NO_TAG = "(no tag)"
TITLE_CHARS = 120


def outcome(tags, predicted) -> str:
    """``"correct"`` (same tag set), ``"partial"`` (some tag shared) or ``"wrong"`` (none shared).

    Example:
        >>> outcome(["a", "b"], ["b", "a"]), outcome(["a", "b"], ["a"]), outcome(["a"], ["c"])
        ('correct', 'partial', 'wrong')
    """
    gold, pred = set(tags), set(predicted)
    if gold == pred:
        return "correct"
    return "partial" if gold & pred else "wrong"


def short_title(text: str, limit: int = TITLE_CHARS) -> str:
    """A question's title from its text: the first quoted part (pythonquestions' ``'title' 'body'``) or the
    first line, cut to ``limit`` characters.

    Example:
        >>> short_title("'Mean tensor product' 'I have another question'")
        'Mean tensor product'
        >>> short_title("How do I merge two dicts?\\nbody")
        'How do I merge two dicts?'
    """
    text = str(text).strip()
    if text.startswith("'") and "' '" in text:
        text = text[1:text.index("' '")]
    text = text.split("\n", 1)[0].strip()
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def probability_vectors(predictions: pd.DataFrame, n_labels: int | None = None) -> np.ndarray:
    """The ``proba`` column as a (rows, labels) matrix of log-odds (scores clipped to [1e-4, 1 - 1e-4])."""
    if "proba" not in predictions.columns:
        raise ConfigError("the predictions have no 'proba' column.",
                          fix="pass the model directory's predictions.parquet (written by `multilabeltext train`).")
    P = np.stack([np.asarray(p, dtype=np.float64) for p in predictions["proba"]])
    if n_labels is not None and P.shape[1] != n_labels:
        raise ConfigError(f"the predictions hold {P.shape[1]} scores per row but the model has {n_labels} labels.",
                          fix="pass the predictions.parquet of the same model directory.")
    P = np.clip(P, 1e-4, 1 - 1e-4)
    return np.log(P / (1 - P))


def average_word_vectors(texts, kv, tokenizer) -> np.ndarray:
    """Each text's mean Word2Vec vector over its in-vocabulary tokens (zeros when it has none).

    Example:
        >>> from gensim.models import KeyedVectors
        >>> kv = KeyedVectors(vector_size=2)
        >>> kv.add_vectors(["sql", "join"], np.array([[1.0, 0.0], [0.0, 1.0]]))
        >>> average_word_vectors(["sql join", "nothing"], kv, str.split).tolist()
        [[0.5, 0.5], [0.0, 0.0]]
    """
    index = kv.key_to_index
    out = np.zeros((len(texts), kv.vector_size), dtype=np.float32)
    for i, text in enumerate(texts):
        rows = [index[t] for t in tokenizer(text) if t in index]
        if rows:
            out[i] = kv.vectors[rows].mean(axis=0)
    return out


def project(X: np.ndarray, method: str = "pca", *, seed: int = 13) -> np.ndarray:
    """``X`` (rows, dims) projected to (rows, 2): ``"pca"`` (fast, deterministic) or ``"tsne"`` (slower:
    ~10-30 s for 5,000 rows on 2 cores; PCA to 50 dimensions first).

    Example:
        >>> project(np.eye(4)[:, :3] + np.arange(4)[:, None], "pca").shape
        (4, 2)
    """
    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {method!r}.",
                          fix='use "pca" (fast) or "tsne".')
    from sklearn.decomposition import PCA

    X = np.asarray(X, dtype=np.float64)
    n, d = X.shape
    if n < 2:
        return np.zeros((n, 2))
    if method == "pca":
        k = min(2, d, n)
        Z = PCA(n_components=k, random_state=seed).fit_transform(X)
        return np.pad(Z, ((0, 0), (0, 2 - k)))
    from sklearn.manifold import TSNE

    if d > 50 and n > 50:
        X = PCA(n_components=50, random_state=seed).fit_transform(X)
    perplexity = float(min(30, max(2, (n - 1) // 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(X)


def question_map_frame(bundle, predictions: pd.DataFrame, *, method: str = "pca", seed: int = 13,
                       vectors=None) -> pd.DataFrame:
    """One row per ``predictions`` row (same order): ``id, x, y, title, tags, predicted, first_tag, outcome``.

    Args:
        bundle: the loaded model directory (:func:`multilabeltext.modeldir.load_model`): its ``labels`` check
            the scores, its model's tokenizer splits texts for ``vectors`` (without ``vectors`` only
            ``bundle.labels`` is read, so any object with the labels will do).
        predictions: the model directory's ``predictions.parquet`` (``id, text, tags, predicted, proba``).
        method: ``"pca"`` or ``"tsne"``.
        seed: random seed of the projection.
        vectors: optional Word2Vec vectors (``KeyedVectors`` or a path for
            :func:`multilabeltext.embeddings.load_vectors`): map averaged word vectors instead of the
            model's probability vectors (see the module docstring).

    ``first_tag`` is the first actual tag (the colour of the map), ``outcome`` compares the tag sets
    (:func:`outcome`).
    """
    import pandas as pd

    if vectors is not None:
        if isinstance(vectors, (str, Path)):
            from ..embeddings import load_vectors

            vectors = load_vectors(vectors)
        X = average_word_vectors(predictions["text"].tolist(), vectors, bundle.model.tokenizer_)
    else:
        X = probability_vectors(predictions, len(bundle.labels))
    xy = project(X, method, seed=seed) if len(predictions) else np.zeros((0, 2))
    tags = [list(t) for t in predictions["tags"]]
    predicted = [list(p) for p in predictions["predicted"]]
    return pd.DataFrame({
        "id": predictions["id"].astype(str).to_numpy(),
        "x": xy[:, 0], "y": xy[:, 1],
        "title": [short_title(t) for t in predictions["text"]],
        "tags": tags, "predicted": predicted,
        "first_tag": [t[0] if t else NO_TAG for t in tags],
        "outcome": [outcome(t, p) for t, p in zip(tags, predicted)],
    })
