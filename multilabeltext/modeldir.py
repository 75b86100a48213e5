"""The model directory: everything needed to predict, evaluate and explain a trained model.

Layout (format version 1)::

    DIR/model.json           format, version, model name, train settings, dataset, timings
    DIR/labels.json          the labels, in score-column order
    DIR/thresholds.json      the tuned thresholds (method, global, per tag, min_tags, the fixed 0.25)
    DIR/metrics.json         validation and test metrics, per-tag test table
    DIR/history.json         per-epoch training log (empty for models without epochs)
    DIR/predictions.parquet  test rows: id, text, tags (gold), predicted, proba
    DIR/weights/             the model's own files (model_config.json, .npy / .keras / .json)

Written atomically; :func:`load_model` refuses a directory from another format version.

Example:
    >>> bundle = load_model("models/so-titles-linear")            # doctest: +SKIP
    >>> bundle.predict_proba(["How do I merge two dicts?"]).shape   # doctest: +SKIP
    (1, 100)
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .errors import DatasetFormatError

FORMAT_NAME = "multilabeltext-model"
FORMAT_VERSION = 1


@dataclass
class ModelBundle:
    """A loaded model directory: the model, its thresholds and its metadata."""

    model: object
    thresholds: object
    meta: dict
    path: Path
    metrics: dict = field(default_factory=dict)

    @property
    def labels(self) -> list[str]:
        return self.model.labels_

    def predict_proba(self, texts) -> np.ndarray:
        return self.model.predict_proba(texts)

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Decisions from scores with the saved thresholds (and at-least-``min_tags`` rule)."""
        from .thresholds import apply

        return apply(proba, self.thresholds.vector(len(self.labels)), min_tags=self.thresholds.min_tags)


def _write_json(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def save_model(directory: str | Path, model, *, thresholds, train_config: dict, dataset: dict, metrics: dict,
               timings: dict, predictions=None, force: bool = False) -> Path:
    """Write a complete model directory atomically (refuses an existing one unless ``force``)."""
    from .data.dataset import atomic_directory

    directory = Path(directory)
    with atomic_directory(directory, force=force, marker="model.json") as tmp:
        model.save(tmp / "weights")
        _write_json(tmp / "labels.json", model.labels_)
        _write_json(tmp / "thresholds.json", thresholds.to_dict())
        _write_json(tmp / "metrics.json", metrics)
        _write_json(tmp / "history.json", list(getattr(model, "history_", [])))
        if predictions is not None:
            predictions.to_parquet(tmp / "predictions.parquet", index=False)
        _write_json(tmp / "model.json", {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "multilabeltext_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "model": model.name,
            "train": train_config,
            "dataset": dataset,
            "timings": timings,
            **({"device": model.device_} if getattr(model, "device_", None) else {}),  # where a network trained
        })
    return directory


def read_model_meta(directory: str | Path) -> dict:
    """``model.json`` of a model directory, checked for format and version."""
    from .jsonfile import read_description

    directory = Path(directory)
    path = directory / "model.json"
    meta = read_description(directory, "model.json", kind="model", format_name=FORMAT_NAME,
                            made_by="`multilabeltext train`",
                            create="train one first: multilabeltext train DATASET_DIR --out DIR.",
                            redo="train the model again.")
    if meta.get("format_version") != FORMAT_VERSION:
        raise DatasetFormatError(
            f"model format version {meta.get('format_version')} is not supported (this multilabeltext, "
            f"{__version__}, reads version {FORMAT_VERSION}).", path=path,
            fix="train the model again with this version, or use the multilabeltext version that wrote it "
                f"({meta.get('multilabeltext_version', 'unknown')}).")
    return meta


def load_model(directory: str | Path) -> ModelBundle:
    """Load a model directory written by :func:`save_model`."""
    from .models import model_class
    from .thresholds import Thresholds

    directory = Path(directory)
    meta = read_model_meta(directory)
    model = model_class(meta["model"]).load(directory / "weights")
    thresholds = Thresholds.from_dict(json.loads((directory / "thresholds.json").read_text(encoding="utf-8")))
    metrics_path = directory / "metrics.json"
    metrics = json.loads(metrics_path.read_text(encoding="utf-8")) if metrics_path.exists() else {}
    return ModelBundle(model=model, thresholds=thresholds, meta=meta, path=directory, metrics=metrics)
