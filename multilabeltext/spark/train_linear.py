"""``train --model linear --engine spark``: the ``linear`` model learned on Spark, saved as a normal model directory.

The steps, each the embedded engine's own code where it has one:

1. the TF-IDF vocabularies and idf of the train split, counted on Spark (:mod:`.tfidf`), and every row's
   vector built in executors by the embedded :class:`~multilabeltext.models.tfidf.TfidfFeatures`;
2. one binary classifier per tag with Spark ML over the cached vectors (``OneVsRest`` is multiclass-only):
   ``LinearSVC`` (hinge loss; ``--param spark_classifier=logistic`` for ``LogisticRegression``), the
   embedded ``C`` as ``regParam = 1 / (C n)`` (the same objective scaled by ``1 / (C n)``), no
   standardization (as liblinear), several tags at a time from driver threads (``spark_parallel_tags``);
   a tag in every row or none gets a constant score, as embedded;
3. the validation and test rows scored in executors (the assembled :class:`~multilabeltext.models.linear.
   LinearModel`'s own decision function); Platt calibration on the validation split (the embedded
   ``cross_fit = 0`` path: cross-fitting would cost ``k + 1`` passes of step 2, so it is not done on Spark);
   the decision rule tuned on validation and the test split measured by :func:`multilabeltext.core.
   tune_and_score`; the directory written by :func:`multilabeltext.training.write_model`, with
   ``"engine": {"name": "spark", ...}`` in ``model.json``.

With ``--auxiliary`` the other dataset's rows are chosen on the driver by the embedded loader
(:func:`multilabeltext.auxiliary.load_auxiliary`: its tag filter, minus texts overlapping validation or test),
join the train split for the vocabulary, and count ``auxiliary_weight`` for the tags their source annotates
(Spark ML's ``weightCol``; left out for the others), as the embedded model's per-entry weights.

Only the vocabularies, the weights and the validation and test splits' scores come back to the driver;
the train split stays on the cluster.

Example (starting Spark takes 15-35 s, so this is not run as a doctest; ``tests/spark`` runs it)::

    from multilabeltext.config import TrainConfig
    train_linear_spark("data/so-titles", "models/so-titles-spark", TrainConfig())
"""

from __future__ import annotations

import dataclasses
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from ..config import SPLITS, TrainConfig, check
from ..errors import ConfigError, DatasetFormatError, MultilabeltextError
from ..progress import status
from ..settings import Settings

_MODELS: dict[str, object] = {}  # broadcast key -> assembled LinearModel, per Python worker process
SCORES_SCHEMA = "id string, text string, tags array<string>, decision array<float>"


@dataclass(frozen=True)
class SparkLinearConfig(Settings):
    """Spark-only settings of the linear model, given as ``--param spark_<name>=value``."""

    section: ClassVar[str] = "spark"
    classifier: str = "svm"  # svm (Spark ML LinearSVC) | logistic (LogisticRegression)
    max_iter: int = 50  # the solver's (L-BFGS) iterations per tag: one Spark job each
    parallel_tags: int = 4  # tags fitted at the same time (driver threads; their jobs share the executors)

    def __post_init__(self):
        check(self.classifier in ("svm", "logistic"), f"spark_classifier must be svm or logistic, got "
              f"{self.classifier!r}.", "use --param spark_classifier=svm.")
        for name in ("max_iter", "parallel_tags"):
            value = getattr(self, name)
            check(isinstance(value, int) and value >= 1, f"spark_{name} must be a whole number >= 1, got "
                  f"{value!r}.", f"use --param spark_{name}={getattr(SparkLinearConfig, name)}.")


def settings(config: TrainConfig):
    """``(LinearConfig, SparkLinearConfig)`` from ``config.params`` (``spark_*`` keys go to the second);
    raises :class:`ConfigError` for what the Spark engine cannot train."""
    from ..models.linear import LinearConfig

    if config.model != "linear":
        raise ConfigError(f"only the linear, mlp and lstm models train on Spark; got --model {config.model}.",
                          fix=f"use --model linear, mlp or lstm with --engine spark, or leave --engine out to train "
                              f"{config.model} here (its batch predict runs on Spark: predict --engine spark).")
    if config.vectors:
        raise ConfigError("--vectors is not supported with --engine spark --model linear (it takes no vectors).",
                          fix="leave --vectors out.")
    params = dict(config.params)
    spark = {k.removeprefix("spark_"): params.pop(k) for k in list(params) if k.startswith("spark_")}
    known = [f.name for f in dataclasses.fields(SparkLinearConfig)]
    unknown = sorted(f"spark_{k}" for k in spark if k not in known)
    if unknown:
        raise ConfigError(f"unknown option(s) {', '.join(unknown)} in --param.",
                          fix=f"use only: {', '.join('spark_' + k for k in known)} (and the linear model's settings).")
    if params.get("cross_fit", 0) != 0:
        raise ConfigError("the Spark engine calibrates on the validation split (cross_fit = 0); cross-fitting "
                          "is not done on Spark.", fix="leave --param cross_fit out.")
    params["cross_fit"] = 0
    return (LinearConfig.from_dict(params, source="--param"),
            SparkLinearConfig.from_dict(spark, source="--param spark_*"))


def train_linear_spark(dataset: str | Path, out: str | Path, config: TrainConfig | None = None, *,
                       force: bool = False, master: str | None = None, spark_conf: dict[str, str] | None = None):
    """Train the linear model on Spark on a prepared dataset; writes a model directory at ``out``.

    Returns a :class:`~multilabeltext.training.TrainResult`, as :func:`multilabeltext.training.train`.
    """
    from ..outputs import check_replaceable, claim_output

    config = config or TrainConfig()
    linear, spark_settings = settings(config)
    with claim_output(out, inputs=[dataset]):
        check_replaceable(out, force=force, marker="model.json")
        try:
            return _train(Path(dataset), Path(out), config, linear, spark_settings, force, master, spark_conf)
        except MultilabeltextError:
            raise
        except Exception as exc:  # a failed Spark job: short, no JVM stack trace
            if type(exc).__module__.split(".")[0] not in ("py4j", "pyspark"):
                raise
            from .task_errors import job_failure

            raise job_failure(exc, fix="train with the embedded engine to see whether the data is at fault, "
                                       "or check the executors' logs.") from None


def _train(dataset: Path, out: Path, config: TrainConfig, linear, spark_settings, force, master, spark_conf):
    import pandas as pd
    from pyspark.sql import functions as F

    from ..config import TokenizerConfig
    from ..core import tune_and_score
    from ..data.dataset import read_labels, read_manifest, split_file, verify_files
    from ..models.linear import fit_platt
    from ..training import TrainResult, write_model
    from .session import get_session
    from .tfidf import feature_spec, featurize, fit_vocabularies

    manifest = read_manifest(dataset)
    verify_files(dataset, manifest)
    labels = read_labels(dataset)
    tokenizer = TokenizerConfig.from_dict(manifest["tokenizer"])
    status("Starting Spark")
    spark = get_session(master, spark_conf)  # local: Spark ML's pure-Java BLAS (session.LOCAL_JAVA_OPTIONS)
    frames = {s: spark.read.parquet(split_file(dataset, s).resolve().as_uri()) for s in SPLITS
              if split_file(dataset, s).exists()}
    if "validation" not in frames or not manifest["counts"]["splits"].get("validation"):
        raise DatasetFormatError("the dataset has no validation rows: the Spark engine calibrates the scores "
                                 "and tunes the thresholds on them.", path=dataset,
                                 fix="prepare it again with a validation split (--split-ratios 0.8,0.1,0.1).")
    started = time.perf_counter()
    train = frames["train"].select("id", "text", "tags").withColumn("aux", F.lit(False))
    auxiliary = None
    if config.auxiliary:  # the embedded loader's rules on the driver; its rows join the train split on Spark
        auxiliary = _auxiliary(frames, labels, config)
        rows = pd.DataFrame({"id": [f"auxiliary-{i}" for i in range(len(auxiliary.texts))], "text": auxiliary.texts,
                             "tags": [[labels[j] for j in np.flatnonzero(y)] for y in auxiliary.Y]})
        train = train.unionByName(spark.createDataFrame(rows, "id string, text string, tags array<string>")
                                  .withColumn("aux", F.lit(True)))
    spec = feature_spec(linear, tokenizer)
    status(f"Spark: TF-IDF vocabularies of the train split ({spark.sparkContext.defaultParallelism} cores)")
    vocabularies, idf = fit_vocabularies(train, spec)
    vocabulary_seconds = time.perf_counter() - started
    learned = spark.sparkContext.broadcast((spec, vocabularies, idf))
    features = featurize(train, learned, labels).cache()
    try:
        n_rows = features.count()
        if not n_rows:
            raise DatasetFormatError("the dataset has no training rows.", path=dataset,
                                     fix="prepare it again with a train split (--split-ratios 0.8,0.1,0.1).")
        classifiers_started = time.perf_counter()
        coef, intercept = fit_classifiers(features, len(labels), linear, spark_settings,
                                          auxiliary.label_weights if auxiliary else None)
        classifiers_seconds = time.perf_counter() - classifiers_started
    finally:
        features.unpersist()
    model = _assemble(spec, vocabularies, idf, labels, coef, intercept, np.zeros((2, len(labels))))
    fit_seconds = time.perf_counter() - started
    weights = spark.sparkContext.broadcast((spec, vocabularies, idf, labels, coef, intercept))
    status("Spark: scoring the validation split")
    _, Y_val, d_val = _collect(decisions(frames["validation"], weights), labels)
    model.platt_ = fit_platt(d_val, Y_val)  # the embedded calibration, on the validation split (cross_fit = 0)
    model.validation_proba_ = model._calibrated(d_val)
    test, timings = None, {"fit_seconds": round(fit_seconds, 2),
                           "train_texts_per_second": round(n_rows / max(fit_seconds, 1e-9), 1),
                           "spark_vocabulary_seconds": round(vocabulary_seconds, 2),  # of fit_seconds
                           "spark_classifiers_seconds": round(classifiers_seconds, 2)}
    test_frame = None
    if "test" in frames:
        status("Spark: scoring the test split")
        started = time.perf_counter()
        test_frame, Y_test, d_test = _collect(decisions(frames["test"], weights), labels)
        timings["predict_texts_per_second"] = round(len(test_frame) / max(time.perf_counter() - started, 1e-9), 1)
        test = (Y_test, model._calibrated(d_test)) if len(test_frame) else None
    done = tune_and_score(model, labels, (Y_val, model.validation_proba_), test, rule=config.rule_options(),
                          timings=timings)
    engine = {"name": "spark", "master": spark.sparkContext.master, "spark_version": spark.version,
              "solver": {"svm": "pyspark.ml LinearSVC", "logistic": "pyspark.ml LogisticRegression"}[
                  spark_settings.classifier], **spark_settings.to_dict(),
              "calibration": "Platt on the validation split (cross_fit = 0)"}
    write_model(out, dataset, manifest, done, test_frame, config.to_dict(), force=force, extra={"engine": engine},
                auxiliary=auxiliary.summary() if auxiliary else None)
    return TrainResult(out=out, metrics=done.metrics, timings=done.timings, labels=labels)


def _auxiliary(frames: dict, labels: list[str], config: TrainConfig):
    """``train --auxiliary``'s rows (:func:`multilabeltext.auxiliary.load_auxiliary`, read on the driver: they
    must fit in its memory), minus those overlapping a validation or test text."""
    from ..auxiliary import load_auxiliary

    status(f"Reading auxiliary data from {config.auxiliary}")
    held_out = [t for s in ("validation", "test") if s in frames for (t,) in frames[s].select("text").collect()
                if isinstance(t, str)]
    return load_auxiliary(config.auxiliary, labels, weight=config.auxiliary_weight, require_tag=config.auxiliary_tag,
                          exclude=held_out)


def fit_classifiers(features, n_labels: int, linear, spark_settings,
                    auxiliary_weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """One Spark ML binary classifier per tag over ``features`` (id, features, y, aux): weights (features, tags),
    intercepts. An auxiliary row counts ``auxiliary_weights[j]`` for tag ``j`` (0: left out), as the embedded
    model's per-entry weights. Tags run ``parallel_tags`` at a time; progress counts the tags done."""
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from pyspark.ml.classification import LinearSVC, LogisticRegression
    from pyspark.sql import functions as F

    from ..progress import task

    rows = {False: 0, True: 0}  # training rows, auxiliary rows
    positives = {False: np.zeros(n_labels), True: np.zeros(n_labels)}
    for row in features.groupBy("aux").agg(F.count("*").alias("n")).collect():
        rows[row["aux"]] = row["n"]
    for row in features.select("aux", F.posexplode("y")).groupBy("aux", "pos").agg(F.sum("col").alias("n")).collect():
        positives[row["aux"]][row["pos"]] = row["n"]
    weight = np.zeros(n_labels) if auxiliary_weights is None else np.asarray(auxiliary_weights, dtype=np.float64)
    used = weight > 0
    seen = rows[False] + np.where(used, rows[True], 0)  # rows that are evidence for each tag
    seen_positives = positives[False] + np.where(used, positives[True], 0)
    total = rows[False] + weight * rows[True]  # their summed weights
    weighted_positives = positives[False] + weight * positives[True]
    n_features = len(features.first()["features"])
    coef = np.zeros((n_features, n_labels), dtype=np.float32)
    intercept = np.where(seen_positives > 0, 10.0, -10.0).astype(np.float32)  # in every row or none: constant
    varying = [j for j in range(n_labels) if 0 < seen_positives[j] < seen[j]]
    Estimator = LinearSVC if spark_settings.classifier == "svm" else LogisticRegression

    def fit(j: int):
        data = features if used[j] else features.where(~F.col("aux"))
        data = data.select("features", F.col("y")[j].alias("label"), "aux")
        # the embedded objective C * sum(w_i loss_i) + |beta|^2 / 2, as Spark's weighted mean loss + regParam / 2
        estimator = Estimator(regParam=1.0 / (linear.C * total[j]), maxIter=spark_settings.max_iter,
                              standardization=False, fitIntercept=True)
        entry = F.when(F.col("aux"), float(weight[j])).otherwise(1.0)
        if linear.class_weight == "balanced":  # scikit-learn's total / (2 * class total), of weighted counts
            pos = weighted_positives[j]
            entry = entry * F.when(F.col("label") > 0.5, total[j] / (2 * pos)).otherwise(total[j] / (2 * (total[j] - pos)))
        if linear.class_weight == "balanced" or used[j]:
            data, estimator = data.withColumn("weight", entry), estimator.setWeightCol("weight")
        fitted = estimator.fit(data)
        return fitted.coefficients.toArray(), fitted.intercept

    with task(f"linear on Spark: {len(varying)} tags", total=len(varying)) as bar, \
            ThreadPoolExecutor(max_workers=spark_settings.parallel_tags) as pool:
        futures = {pool.submit(fit, j): j for j in varying}
        for future in as_completed(futures):
            j = futures[future]
            coef[:, j], intercept[j] = future.result()
            bar.advance(1)
    return coef, intercept


def _assemble(spec, vocabularies, idf, labels, coef, intercept, platt):
    """The :class:`LinearModel` of learned parts (on the driver, or once per executor process)."""
    from ..config import TokenizerConfig
    from ..models.linear import LinearModel
    from .tfidf import fitted

    config = spec["settings_type"].from_dict(spec["settings"])
    return LinearModel.assemble(config, labels, TokenizerConfig.from_dict(spec["tokenizer"]),
                                fitted(spec, vocabularies, idf), coef, intercept, platt)


def decisions(frame, weights):
    """``frame`` (id, text, tags) with each row's decision values (before calibration), scored in executors by
    the assembled model's own decision function (``weights``: a broadcast of its parts)."""

    from .tfidf import once_per_worker

    key = uuid.uuid4().hex

    def score(batches):
        import pandas as pd

        model = once_per_worker(_MODELS, key, lambda: _assemble(*weights.value, np.zeros((2, len(weights.value[3])))))
        for batch in batches:
            texts = [t if isinstance(t, str) else "" for t in batch["text"]]
            d = model._decision(texts).astype(np.float32) if texts else np.zeros((0, len(model.labels_)))
            yield pd.DataFrame({"id": batch["id"].astype(str), "text": batch["text"], "tags": batch["tags"],
                                "decision": list(d)})

    return frame.select("id", "text", "tags").mapInPandas(score, SCORES_SCHEMA)


def _collect(frame, labels: list[str]):
    """The scored rows on the driver: ``(rows (id, text, tags), Y, decision values)``."""
    from ..metrics import binarize

    rows = frame.toPandas()
    d = np.vstack(rows.pop("decision").tolist()) if len(rows) else np.zeros((0, len(labels)), dtype=np.float32)
    rows["tags"] = [list(t) if t is not None else [] for t in rows["tags"]]
    return rows, binarize(rows["tags"].tolist(), labels), d
