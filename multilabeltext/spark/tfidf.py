"""The ``linear`` model's TF-IDF features on Spark: vocabularies and idf from a group-by, vectors in executors.

Both halves run the embedded model's own code inside ``mapInPandas``:

* :func:`fit_vocabularies`: each partition splits its texts into n-grams with the analyzers of an unfitted
  :class:`~multilabeltext.models.tfidf.TfidfFeatures` (the project's tokenizer, the model's
  :class:`~multilabeltext.models.tfidf.TfidfSettings`: word and char n-gram ranges, ``char_max_chars``)
  and counts, per n-gram, the texts holding it and its occurrences; a group-by sums the partitions. The
  driver then applies scikit-learn's vocabulary rules (:func:`select_vocabulary`: ``min_df``, the
  ``max_features`` budget per kind by total count, terms in code-point order, smoothed idf in float32), so
  the vocabulary and idf equal what ``TfidfFeatures.fit_transform`` learns from the same texts.
* :func:`featurize`: every executor builds the fitted features once per Python worker process from the
  broadcast vocabularies (:meth:`TfidfFeatures.from_vocabularies`, what loading a saved model does) and
  transforms its rows with :meth:`TfidfFeatures.transform`: the vectors equal the embedded model's.

The driver holds the n-grams kept by ``min_df`` (with their two counts) while it selects the vocabulary:
with ``min_df = 1`` on tens of millions of texts raise ``min_df`` (e.g. ``--param min_df=3``).

Example:
    >>> select_vocabulary(["b", "a", "c"], np.array([1, 2, 1]), np.array([1, 5, 3]), 4, limit=2)[0]
    ['a', 'c']
"""

from __future__ import annotations

import uuid
from collections import Counter

import numpy as np

_FLUSH = 1_000_000  # distinct n-grams a partition holds before it hands its counts on (bounds executor memory)
_FITTED: dict[str, object] = {}  # broadcast key -> fitted TfidfFeatures, per Python worker process
COUNTS_SCHEMA = "kind string, term string, df long, tf long"


def feature_spec(settings, tokenizer) -> dict:
    """What an executor needs to rebuild the features: the settings and tokenizer settings, as dicts."""
    return {"settings": settings.to_dict(), "settings_type": type(settings), "tokenizer": tokenizer.to_dict()}


def _rebuilt(spec: dict):
    """The settings and the tokenizer ``spec`` describes."""
    from ..config import TokenizerConfig
    from ..data.tokenizer import Tokenizer

    return spec["settings_type"].from_dict(spec["settings"]), Tokenizer(TokenizerConfig.from_dict(spec["tokenizer"]))


def unfitted(spec: dict):
    """A :class:`TfidfFeatures` of ``spec`` without vocabularies (its vectorizers' analyzers and limits)."""
    from ..models.tfidf import TfidfFeatures

    return TfidfFeatures(*_rebuilt(spec))


def fitted(spec: dict, vocabularies: dict[str, list[str]], idf: dict[str, np.ndarray]):
    """The fitted :class:`TfidfFeatures` from learned vocabularies and idf (as a saved model loads them)."""
    from ..models.tfidf import TfidfFeatures

    return TfidfFeatures.from_vocabularies(*_rebuilt(spec), vocabularies, idf)


def count_terms(batches, spec: dict):
    """``mapInPandas``: per n-gram of this partition's texts, ``df`` (texts holding it) and ``tf`` (occurrences)."""
    import pandas as pd

    analyzers = {kind: vec.build_analyzer() for kind, vec in unfitted(spec).vectorizers.items()}
    counts = {kind: (Counter(), Counter()) for kind in analyzers}

    def flush():
        frames = [pd.DataFrame({"kind": kind, "term": list(tf), "df": [df[t] for t in tf], "tf": list(tf.values())})
                  for kind, (df, tf) in counts.items() if tf]
        for df, tf in counts.values():
            df.clear()
            tf.clear()
        return frames

    for batch in batches:
        for text in batch["text"].fillna("").tolist():
            for kind, analyze in analyzers.items():
                grams = Counter(analyze(text))
                df, tf = counts[kind]
                tf.update(grams)
                df.update(grams.keys())
        if sum(len(tf) for _, tf in counts.values()) > _FLUSH:
            yield from flush()
    yield from flush()


def select_vocabulary(terms: list[str], df: np.ndarray, tf: np.ndarray, n_docs: int, limit: int | None = None):
    """scikit-learn's vocabulary rules on counted n-grams (those kept by ``min_df``): ``(terms, idf)``.

    As ``CountVectorizer.fit`` (``_sort_features``, ``_limit_features``): terms sorted by code point; past
    ``limit`` the most frequent by total count, ties broken as its ``argsort`` breaks them (the same call on
    the same float32 array); the idf as ``TfidfTransformer.fit`` computes it (smoothed, float32).
    """
    order = sorted(range(len(terms)), key=terms.__getitem__)
    terms = [terms[i] for i in order]
    df, tf = np.asarray(df)[order], np.asarray(tf)[order]
    if limit is not None and len(terms) > limit:
        keep = np.zeros(len(terms), dtype=bool)
        keep[(-tf.astype(np.float32)).argsort()[:limit]] = True
        terms = [t for t, k in zip(terms, keep) if k]
        df = df[keep]
    idf = np.full(len(terms), n_docs + 1, dtype=np.float32)
    idf /= df.astype(np.float32) + 1.0
    np.log(idf, out=idf)
    idf += 1.0
    return terms, idf


def fit_vocabularies(frame, spec: dict) -> tuple[dict[str, list[str]], dict[str, np.ndarray]]:
    """Vocabularies (terms in column order, by kind) and idf learned from the ``text`` column of ``frame``."""
    from pyspark.sql import functions as F

    from ..errors import EmptyDatasetError

    vectorizers = unfitted(spec).vectorizers
    min_df = min(vec.min_df for vec in vectorizers.values())
    n_docs = frame.count()
    counts = (frame.select("text").mapInPandas(lambda batches: count_terms(batches, spec), COUNTS_SCHEMA)
              .groupBy("kind", "term").agg(F.sum("df").alias("df"), F.sum("tf").alias("tf"))
              .where(F.col("df") >= min_df).toPandas())
    vocabularies, idf = {}, {}
    for kind, vec in vectorizers.items():
        rows = counts[counts["kind"] == kind]
        if rows.empty:
            raise EmptyDatasetError(f"no {kind} n-gram occurs in {min_df} or more training texts, so the linear "
                                    "model has no features.",
                                    fix="lower --param min_df, or check that the train split has texts.")
        vocabularies[kind], idf[kind] = select_vocabulary(rows["term"].tolist(), rows["df"].to_numpy(),
                                                          rows["tf"].to_numpy(), n_docs, vec.max_features)
    return vocabularies, idf


def once_per_worker(cache: dict, key: str, build):
    """``build()``, kept in ``cache`` under ``key`` (a value made on the driver per broadcast): Spark reuses its
    Python workers, so an executor builds the features or the model once, not once per batch."""
    if key not in cache:
        cache.clear()  # one model at a time
        cache[key] = build()
    return cache[key]


def featurize(frame, broadcast, labels: list[str]):
    """``frame`` (id, text, tags, aux) as id, ``features`` (a Spark ML sparse vector: the embedded model's TF-IDF
    row), ``y`` (0/1 per label, in ``labels`` order) and ``aux`` (an auxiliary row; false without the column)."""
    from pyspark.ml.linalg import VectorUDT
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    schema = T.StructType([T.StructField("id", T.StringType()), T.StructField("features", VectorUDT()),
                           T.StructField("y", T.ArrayType(T.DoubleType())), T.StructField("aux", T.BooleanType())])
    if "aux" not in frame.columns:
        frame = frame.withColumn("aux", F.lit(False))
    key = uuid.uuid4().hex

    def rows(batches):
        import pandas as pd
        from pyspark.ml.linalg import SparseVector

        features = once_per_worker(_FITTED, key, lambda: fitted(*broadcast.value))
        index = {tag: j for j, tag in enumerate(labels)}
        for batch in batches:
            X = features.transform(batch["text"].fillna("").tolist())
            vectors = [SparseVector(X.shape[1], X.indices[X.indptr[i]:X.indptr[i + 1]],
                                    X.data[X.indptr[i]:X.indptr[i + 1]].astype(np.float64))
                       for i in range(X.shape[0])]
            y = []
            for tags in batch["tags"]:
                row = np.zeros(len(labels))
                row[[index[t] for t in (tags if tags is not None else []) if t in index]] = 1.0
                y.append(row)
            yield pd.DataFrame({"id": batch["id"].astype(str), "features": vectors, "y": y,
                                "aux": batch["aux"].astype(bool)})

    return frame.select("id", "text", "tags", "aux").mapInPandas(rows, schema)
