"""``train``: a dataset directory in, a model directory out: the in-memory core plus reading and writing.

Reads the dataset's splits (and any vectors and auxiliary rows, :mod:`multilabeltext.auxiliary`), runs
:func:`multilabeltext.core.fit_tune_score` (fit on the train split; tune the decision rule, and early-stop
for models that can, on the validation split, or on held-out scores of every train and validation row for a
cross-fitted model such as ``linear``; measure on the test split), and saves everything
:mod:`multilabeltext.modeldir` describes.

Example (needs a trained model directory, so it is not run as a doctest)::

    result = train("data/so-titles", "models/so-titles-linear", TrainConfig(model="linear"))
    round(result.metrics["test"]["micro_f1"], 3)
    # 0.697
"""

from __future__ import annotations

import os
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


def train(dataset: str | Path, out: str | Path, config: TrainConfig | None = None, *, force: bool = False,
          network_trainer=None, extra=None) -> TrainResult:
    """Train ``config.model`` on a prepared dataset and write a model directory at ``out``.

    ``network_trainer``: a Keras model's network trained elsewhere (see :mod:`multilabeltext.models.
    keras_support`); ``extra``: a function giving more ``model.json`` keys once trained (the Spark engine's).
    """
    from .outputs import check_replaceable, claim_output

    config = config or TrainConfig()
    with claim_output(out, inputs=[dataset, config.vectors, config.auxiliary]):  # before any work
        check_replaceable(out, force=force, marker="model.json")
        return _train(Path(dataset), out, config, force, network_trainer, extra)


def _train(dataset: Path, out: str | Path, config: TrainConfig, force: bool, network_trainer=None,
           extra=None) -> TrainResult:
    from .core import fit_tune_score
    from .data.dataset import read_labels, read_manifest, verify_files
    from .models import get_model

    manifest = read_manifest(dataset)
    verify_files(dataset, manifest)  # a swapped train.parquet is refused before it is learned from
    labels = read_labels(dataset)
    model = get_model(config.model, config.params)  # validates the settings before any heavy work
    if network_trainer is not None:
        model.network_trainer = network_trainer
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
    done = fit_tune_score(model, labels, (train_texts, Y_train), (val_texts, Y_val), (test_texts, Y_test),
                          rule=config.rule_options(), tokenizer=TokenizerConfig.from_dict(manifest["tokenizer"]),
                          vectors=vectors, auxiliary=auxiliary)
    write_model(out, dataset, manifest, done, test_frame, config.to_dict(), force=force,
                auxiliary=auxiliary.summary() if auxiliary is not None else None, extra=extra() if extra else None)
    return TrainResult(out=Path(out), metrics=done.metrics, timings=done.timings, labels=labels)


def write_model(out: str | Path, dataset: Path, manifest: dict, done, test_frame, train_config: dict, *,
                force: bool = False, auxiliary: dict | None = None, extra: dict | None = None) -> None:
    """Save the model directory of ``done`` (a :class:`~multilabeltext.core.Fitted`): weights, rule, metrics, the
    test rows of ``test_frame`` (id, text, tags) with their predictions, and where the dataset is; ``extra``:
    more model.json keys (the Spark engine records itself). ``train`` and the Spark engine both end here."""
    from .modeldir import save_model
    from .safefiles import sha256_file

    labels = done.model.labels_
    predictions = None
    if done.test_decided is not None:
        predictions = test_frame[["id", "text", "tags"]].copy()
        predictions["predicted"] = [[labels[j] for j in np.flatnonzero(row)] for row in done.test_decided]
        predictions["proba"] = [row.astype(np.float32) for row in done.test_proba]
    dataset_info = {"path": str(dataset), "absolute_path": str(dataset.resolve()),
                    "path_from_model": os.path.relpath(dataset.resolve(), Path(out).resolve()),
                    "manifest_sha256": sha256_file(dataset / "manifest.json"),
                    "splits": manifest["counts"]["splits"]}
    if auxiliary is not None:
        dataset_info["auxiliary"] = auxiliary
    save_model(out, done.model, thresholds=done.rule, train_config=train_config, dataset=dataset_info,
               metrics=done.metrics, timings=done.timings, predictions=predictions, force=force, extra=extra)
