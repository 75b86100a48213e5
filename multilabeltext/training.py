"""``train``: a dataset directory in, a model directory out (fit, tune thresholds, evaluate, save).

Fits on the train split (plus any auxiliary rows, :mod:`multilabeltext.auxiliary`), tunes thresholds
(and early-stops, for models that can) on the validation split (a cross-fitted model, e.g. ``linear``,
tunes them on held-out scores of every train and validation row instead, see ``TagModel.tuning_``),
measures on the test split, and saves everything :mod:`multilabeltext.modeldir` describes.

Example:
    >>> result = train("data/so-titles", "models/so-titles-linear", TrainConfig(model="linear"))  # doctest: +SKIP
    >>> round(result.metrics["test"]["micro_f1"], 3)                                              # doctest: +SKIP
    0.697
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import TokenizerConfig, TrainConfig
from .errors import DatasetFormatError
from .progress import plain, status


@dataclass
class TrainResult:
    """Where the model went, and what it measured."""

    out: Path
    metrics: dict
    timings: dict
    labels: list[str]


def _split(directory: Path, split: str, labels: list[str]):
    from .data.dataset import load_dataset
    from .metrics import binarize

    frame = load_dataset(directory, split=split)
    return frame, frame["text"].tolist(), binarize(frame["tags"].tolist(), labels)


def train(dataset: str | Path, out: str | Path, config: TrainConfig | None = None, *, force: bool = False) -> TrainResult:
    """Train ``config.model`` on a prepared dataset and write a model directory at ``out``."""
    from .data.dataset import check_replaceable
    from .outputs import claim_output

    config = config or TrainConfig()
    with claim_output(out, inputs=[dataset, config.vectors, config.auxiliary]):  # before any work
        check_replaceable(out, force=force, marker="model.json")
        return _train(Path(dataset), out, config, force)


def _train(dataset: Path, out: str | Path, config: TrainConfig, force: bool) -> TrainResult:
    from .data.dataset import read_labels, read_manifest, sha256_file, verify_files
    from .metrics import evaluate, per_tag
    from .modeldir import save_model
    from .models import get_model
    from .thresholds import Thresholds, apply

    manifest = read_manifest(dataset)
    verify_files(dataset, manifest)  # a swapped train.parquet is refused before it is learned from
    labels = read_labels(dataset)
    model = get_model(config.model, config.params)  # validates the settings before any heavy work
    if config.auxiliary:
        model.require_auxiliary_support()
    train_frame, train_texts, Y_train = _split(dataset, "train", labels)
    if not train_texts:
        raise DatasetFormatError("the dataset has no training rows.", path=dataset,
                                 fix="prepare it again with a train split (--split-ratios 0.8,0.1,0.1).")
    _, val_texts, Y_val = _split(dataset, "validation", labels)
    test_frame, test_texts, Y_test = _split(dataset, "test", labels)
    vectors = None
    if config.vectors:
        from .embeddings import load_vectors

        vectors = load_vectors(config.vectors)
    auxiliary = None
    if config.auxiliary:
        from .auxiliary import load_auxiliary

        status(f"Reading auxiliary data from {plain(config.auxiliary)}")
        auxiliary = load_auxiliary(config.auxiliary, labels, weight=config.auxiliary_weight,
                                   require_tag=config.auxiliary_tag, exclude=val_texts + test_texts)
    np.random.seed(config.seed)

    status(f"Training {config.model} on {len(train_texts):,} texts, {len(labels)} labels "
           f"(validation {len(val_texts):,}, test {len(test_texts):,})"
           + (f", plus {len(auxiliary.texts):,} auxiliary texts at weight {auxiliary.weight:g}" if auxiliary else ""))
    warnings: list[str] = []
    started = time.perf_counter()
    model.fit(train_texts, Y_train, labels=labels, validation=(val_texts, Y_val) if val_texts else None,
              tokenizer=TokenizerConfig.from_dict(manifest["tokenizer"]), vectors=vectors, auxiliary=auxiliary)
    fit_seconds = time.perf_counter() - started

    if model.tuning_ is not None:  # held-out scores: the validation split's, or every row's for cross-fitted models
        Y_tune, proba_tune = model.tuning_
    else:  # no validation split: the training texts (thresholds will be optimistic)
        Y_tune, proba_tune = Y_train, model.predict_proba(train_texts)
        warnings.append(f"the dataset has no validation rows, so the {config.threshold} threshold was tuned on the "
                        "training rows the model learned: the thresholds and the 'validation' metrics are "
                        "optimistic (no early stopping either). Prepare the dataset with a validation split, e.g. "
                        "--split-ratios 0.8,0.1,0.1.")
    thresholds = Thresholds.fit(Y_tune, proba_tune, method=config.threshold, min_tags=config.min_tags,
                                fixed=config.fixed_threshold)
    vector = thresholds.vector(len(labels))
    metrics = {"threshold_method": config.threshold, "threshold_rows": int(len(Y_tune)), "warnings": warnings,
               "validation": evaluate(Y_tune, apply(proba_tune, vector, min_tags=thresholds.min_tags),
                                      proba_tune, labels)}
    timings = {"fit_seconds": round(fit_seconds, 2),
               "train_texts_per_second": round(len(train_texts) / max(fit_seconds, 1e-9), 1)}
    predictions = None
    if test_texts:
        started = time.perf_counter()
        proba = model.predict_proba(test_texts)
        predict_seconds = time.perf_counter() - started
        decided = apply(proba, vector, min_tags=thresholds.min_tags)
        metrics["test"] = evaluate(Y_test, decided, proba, labels)
        metrics["test_fixed_threshold"] = evaluate(Y_test, proba >= config.fixed_threshold, proba, labels)
        metrics["per_tag_test"] = per_tag(Y_test, decided, labels)
        timings["predict_texts_per_second"] = round(len(test_texts) / max(predict_seconds, 1e-9), 1)
        predictions = test_frame[["id", "text", "tags"]].copy()
        predictions["predicted"] = [[labels[j] for j in np.flatnonzero(row)] for row in decided]
        predictions["proba"] = [row.astype(np.float32) for row in proba]
    dataset_info = {"path": str(dataset), "absolute_path": str(dataset.resolve()),
                    "path_from_model": os.path.relpath(dataset.resolve(), Path(out).resolve()),
                    "manifest_sha256": sha256_file(dataset / "manifest.json"),
                    "splits": manifest["counts"]["splits"]}
    if auxiliary is not None:
        dataset_info["auxiliary"] = auxiliary.summary()
    save_model(out, model, thresholds=thresholds, train_config=config.to_dict(), dataset=dataset_info,
               metrics=metrics, timings=timings, predictions=predictions, force=force)
    return TrainResult(out=Path(out), metrics=metrics, timings=timings, labels=labels)
