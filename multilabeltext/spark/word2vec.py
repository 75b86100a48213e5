"""``word2vec --engine spark``: skip-gram Word2Vec trained by Spark ML, for corpora past one machine.

The same corpus as the embedded :func:`multilabeltext.embeddings.train_word2vec`: the chosen (training)
splits of one or more dataset directories, each tokenized inside the executors (``mapInPandas``) by the
very :class:`~multilabeltext.data.tokenizer.Tokenizer` its ``manifest.json`` describes. The vectors come
back as gensim ``KeyedVectors`` with the same ``metadata`` layout, so
:func:`~multilabeltext.embeddings.save_vectors` writes the same vectors directory (``vectors.npy``,
``vocab.json`` most frequent word first, ``word2vec.json``), atomically, that ``train --vectors`` and
``word2vec --vectors ... --similar`` read.

Settings (:class:`~multilabeltext.config.Word2VecConfig`) and their Spark ML equivalents
(:class:`pyspark.ml.feature.Word2Vec`):

==============  ===================  ==========================================================
embedded        Spark ML             note
==============  ===================  ==========================================================
vector_size     vectorSize
window          windowSize
min_count       minCount             the vocabulary: tokens seen at least this often
epochs          maxIter              raised for a small corpus exactly as embedded (:func:`epochs_for`)
seed            seed
workers         numPartitions        0 = one per core of the session; 1 is reproducible; more train in
                                     parallel, Spark merging their updates after each epoch
max_vocab       minCount (raised)    the smallest min_count that keeps at most max_vocab words
(gensim alpha)  stepSize             0.025, gensim's default learning rate
(gensim 10000)  maxSentenceLength    10,000 tokens, gensim's longest document (longer ones split)
sg = 1          (skip-gram only)     ``sg = 0`` (CBOW) is refused: Spark ML has no CBOW
negative        none                 Spark ML trains hierarchical softmax, not negative sampling:
                                     a non-default value is refused
sample          none                 no down-sampling of frequent words: a non-default value is refused
corpus          none                 Spark keeps the tokens in its own storage: a non-``auto`` value is
                                     refused
==============  ===================  ==========================================================

Example:
    >>> from multilabeltext.config import Word2VecConfig
    >>> spark_params(Word2VecConfig(vector_size=50), corpus_words=10_000_000, cores=8)["vectorSize"]
    50

Training starts Spark (15-35 s), so it is not run as a doctest (``tests/spark`` runs it)::

    kv = train_word2vec_spark(["data/so-titles"], Word2VecConfig())
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from ..config import Word2VecConfig
from ..errors import ConfigError, EmptyDatasetError, MultilabeltextError
from ..progress import status

STEP_SIZE = 0.025  # gensim's default alpha (the embedded engine's learning rate)
MAX_SENTENCE_LENGTH = 10_000  # gensim's MAX_WORDS_IN_BATCH: longer documents are cut (gensim) or split (Spark)
TOKENS_SCHEMA = "dataset string, split string, tokens array<string>"
OBJECTIVE = "skip-gram, hierarchical softmax (Spark ML)"


def unsupported_settings(config: Word2VecConfig) -> list[str]:
    """The settings of ``config`` Spark ML cannot honour (each with why), empty when it can train them all.

    Example:
        >>> unsupported_settings(Word2VecConfig())
        []
        >>> unsupported_settings(Word2VecConfig(sg=0, negative=10))[0]
        'sg = 0 (CBOW): Spark ML trains skip-gram only'
    """
    default = Word2VecConfig()
    problems = []
    if config.sg != 1:
        problems.append("sg = 0 (CBOW): Spark ML trains skip-gram only")
    if config.negative != default.negative:
        problems.append(f"negative = {config.negative}: Spark ML trains hierarchical softmax, it has no "
                        "negative sampling")
    if config.sample != default.sample:
        problems.append(f"sample = {config.sample}: Spark ML does not down-sample frequent words")
    if config.corpus != default.corpus:
        problems.append(f"corpus = {config.corpus!r}: Spark keeps the tokens in its own storage")
    return problems


def effective_min_count(counts: Sequence[int], min_count: int, max_vocab: int | None) -> int:
    """``min_count``, raised (as gensim's ``max_final_vocab`` does) until at most ``max_vocab`` words are kept.

    ``counts``: the distinct tokens' counts (all, or the ``max_vocab + 1`` largest). Example:
        >>> effective_min_count([9, 5, 5, 3, 1], 2, None), effective_min_count([9, 5, 5, 3, 1], 2, 3)
        (2, 4)
        >>> effective_min_count([9, 5, 5, 3, 1], 2, 2)
        6
    """
    if not max_vocab:
        return min_count
    ordered = sorted((c for c in counts if c >= min_count), reverse=True)
    if len(ordered) <= max_vocab:
        return min_count
    return ordered[max_vocab] + 1  # every word as frequent as the first one cut goes too (ties are not split)


def spark_params(config: Word2VecConfig, *, corpus_words: int, cores: int, min_count: int | None = None) -> dict:
    """The :class:`pyspark.ml.feature.Word2Vec` parameters for ``config`` (see the module's table)."""
    from ..embeddings import epochs_for

    return {
        "vectorSize": config.vector_size,
        "windowSize": config.window,
        "minCount": config.min_count if min_count is None else min_count,
        "maxIter": epochs_for(config, corpus_words),
        "seed": config.seed,
        "numPartitions": config.workers or max(1, cores),
        "stepSize": STEP_SIZE,
        "maxSentenceLength": MAX_SENTENCE_LENGTH,
    }


def train_word2vec_spark(datasets: Sequence[str | Path] | str | Path, config: Word2VecConfig | None = None, *,
                         master: str | None = None, spark_conf: dict[str, str] | None = None):
    """Train skip-gram Word2Vec with Spark ML on the chosen splits of ``datasets``; returns ``KeyedVectors``.

    The result is what :func:`multilabeltext.embeddings.train_word2vec` returns (its ``metadata`` says
    ``engine: spark`` and holds the Spark parameters used): pass it to
    :func:`~multilabeltext.embeddings.save_vectors`. Raises :class:`ConfigError` for a setting Spark ML
    cannot honour (:func:`unsupported_settings`), the embedded engine's errors for bad datasets, and a
    short :class:`MultilabeltextError` (no JVM stack trace) when the Spark job fails.
    """
    from ..embeddings import TokenCorpus

    config = config or Word2VecConfig()
    problems = unsupported_settings(config)
    if problems:
        raise ConfigError(f"--engine spark cannot train with {'; '.join(problems)}.",
                          fix="leave these settings at their defaults (Spark ML trains skip-gram with hierarchical "
                              "softmax), or train with --engine embedded.")
    if isinstance(datasets, (str, Path)):
        datasets = [datasets]
    datasets = list(datasets)
    if not datasets:
        raise ConfigError("no dataset directory given.",
                          fix="pass one or more directories written by `multilabeltext prepare`.")
    repeated = sorted({str(d) for d in datasets if sum(Path(e).resolve() == Path(d).resolve() for e in datasets) > 1})
    if repeated:
        raise ConfigError(f"dataset {', '.join(repeated)} is given more than once (its text would count twice).",
                          fix="pass each dataset directory once.")
    corpus = TokenCorpus(datasets, config.splits)  # the manifests and Parquet metadata, checked on the driver
    if corpus.rows == 0:
        raise EmptyDatasetError(f"the {', '.join(config.splits)} split(s) of {', '.join(map(str, datasets))} "
                                "hold no rows to train on.", fix="prepare with more data, or add --splits validation.")
    from .session import get_session

    started = time.perf_counter()
    status("Starting Spark")
    spark = get_session(master, spark_conf)
    try:
        return _train(spark, corpus, config, datasets, started)
    except MultilabeltextError:
        raise
    except Exception as exc:  # a failed job: short, no JVM stack trace
        from .task_errors import job_failure

        raise job_failure(exc, fix="rerun with --engine embedded to see whether the input is at fault, or check "
                                   "the executors' logs.") from None


def _tokens(spark, corpus):
    """One DataFrame of ``dataset, split, tokens``: each split file tokenized in the executors by its
    dataset's own tokenizer (the :class:`Tokenizer` pickles as its settings)."""
    frames = []
    for source in corpus.sources:
        if source.path is None:
            continue
        tokenizer, dataset, split = source.tokenizer, str(source.dataset), source.split

        def tokenize(batches, tokenizer=tokenizer, dataset=dataset, split=split):
            import pandas as pd

            for df in batches:
                yield pd.DataFrame({"dataset": dataset, "split": split,
                                    "tokens": tokenizer.batch(df["text"].tolist())})

        frames.append(spark.read.parquet(Path(source.path).resolve().as_uri()).select("text")
                      .mapInPandas(tokenize, TOKENS_SCHEMA))
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionByName(frame)
    return union


def _train(spark, corpus, config: Word2VecConfig, datasets: list, started: float):
    import numpy as np
    import pyspark
    from gensim.models import KeyedVectors
    from pyspark import StorageLevel
    from pyspark.ml.feature import Word2Vec
    from pyspark.sql import functions as F

    from ..embeddings import corpus_totals, vectors_metadata

    cores = spark.sparkContext.defaultParallelism
    status(f"Tokenizing on Spark ({cores} cores)")
    tokens = _tokens(spark, corpus).persist(StorageLevel.MEMORY_AND_DISK)
    try:
        for row in tokens.groupBy("dataset", "split").agg(
                F.count(F.lit(1)).alias("documents"), F.sum(F.size("tokens")).alias("tokens")).collect():
            corpus.counts[(row["dataset"], row["split"])] = {"documents": int(row["documents"]),
                                                             "tokens": int(row["tokens"] or 0)}
        for source in corpus.sources:  # a split with no rows: counted as empty, as the embedded corpus does
            corpus.counts.setdefault((str(source.dataset), source.split), {"documents": 0, "tokens": 0})
        documents, total = corpus_totals(corpus, config, datasets)
        # only the words kept come to the driver (a big corpus has millions of words seen once or twice)
        frequent = tokens.select(F.explode("tokens").alias("word")).groupBy("word").count() \
            .where(F.col("count") >= config.min_count)
        min_count = config.min_count
        if config.max_vocab:
            top = frequent.orderBy(F.desc("count")).limit(config.max_vocab + 1).collect()
            min_count = effective_min_count([int(r["count"]) for r in top], config.min_count, config.max_vocab)
        counts = {row["word"]: int(row["count"]) for row in frequent.where(F.col("count") >= min_count).collect()}
        kept = sorted(counts, key=lambda w: (-counts[w], w))
        if not kept:
            raise EmptyDatasetError(f"no word occurs at least min_count={config.min_count} times in the "
                                    f"{total:,} tokens of the corpus.", fix="lower --min-count (1 keeps every word).")
        params = spark_params(config, corpus_words=total, cores=cores, min_count=min_count)
        status(f"Word2Vec on Spark ML: {OBJECTIVE}, {len(kept):,} words, {params['maxIter']} epoch(s), "
               f"{params['numPartitions']} partition(s)")
        prepared = time.perf_counter()
        model = Word2Vec(inputCol="tokens", outputCol="vector", **params).fit(tokens.select("tokens"))
        found = {row["word"]: row["vector"].toArray() for row in model.getVectors().collect()}
        finished = time.perf_counter()
    finally:
        tokens.unpersist()
    if set(found) != set(kept):  # Spark counted differently from the groupBy: never save a mismatched vocabulary
        raise MultilabeltextError(f"Spark ML's vocabulary ({len(found):,} words) differs from the counted one "
                                  f"({len(kept):,} words).", fix="report this with the dataset's manifest.json.")
    vectors = np.vstack([found[w] for w in kept]).astype(np.float32)
    kv = KeyedVectors(vector_size=int(vectors.shape[1]), count=0, dtype=np.float32)
    kv.index_to_key = kept
    kv.key_to_index = {w: i for i, w in enumerate(kept)}
    kv.vectors = vectors
    raw = total * params["maxIter"]
    effective = sum(counts[w] for w in kept) * params["maxIter"]
    kv.metadata = {"engine": "spark", **vectors_metadata(
        config, corpus, documents, total, mode="spark", workers=params["numPartitions"], epochs=params["maxIter"],
        raw_words=raw, effective_words=effective, seconds=finished - prepared, total_seconds=finished - started,
        spark={"version": pyspark.__version__, "master": spark.sparkContext.master, "cores": cores,
               "objective": OBJECTIVE, "params": params, "min_count_used": min_count})}
    return kv
