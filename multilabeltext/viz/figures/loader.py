"""Read what the figures need from a model directory, without loading the model itself (no TensorFlow).

Example:
    >>> data = load_model_data("models/pyq-linear")                                   # doctest: +SKIP
    >>> data.Y.shape == data.proba.shape, data.labels[:2]                              # doctest: +SKIP
    (True, ['pandas', 'django'])
    >>> rows = comparison_rows("models/pyq-linear", reference_2018=REFERENCE_2018)    # doctest: +SKIP
    >>> list(rows)                                                                    # doctest: +SKIP
    ['pyq-linear', '2018 LSTM (shipped predictions)']
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...errors import ConfigError, DatasetFormatError

if TYPE_CHECKING:
    import pandas as pd

REFERENCE_NAME = "2018 LSTM (shipped predictions)"
BENCH_ALIASES = {"pythonquestions-sample": "pyq", "pythonquestions": "pyq"}


@dataclass
class ModelData:
    """A model directory's metadata, metrics, history and test predictions as plain Python/NumPy data.

    Attributes:
        name: the directory's name; ``meta``: ``model.json``; ``labels``: label order of the score columns.
        thresholds: ``thresholds.json``; ``threshold_vector``: one threshold per label; ``min_tags``.
        metrics: ``metrics.json``; ``per_tag``: its per-tag test table; ``history``: ``history.json``.
        predictions: ``predictions.parquet``; ``Y`` (bool) and ``proba``: its gold tags and scores as matrices.
        tag_counts: per tag ``{"tag", "train", "validation", "test"}`` from the dataset's manifest when the
            dataset directory is still there, else ``{"tag", "test"}`` counted in the test predictions.
        tag_lists: every question's tags (all splits of the dataset, or the test predictions' gold tags).
        dataset: the dataset directory if it was found (and is the one the model was trained on), else None.
    """

    path: Path
    name: str
    meta: dict
    labels: list[str]
    thresholds: dict
    threshold_vector: np.ndarray
    min_tags: int
    metrics: dict
    per_tag: list[dict]
    history: list[dict]
    predictions: pd.DataFrame
    Y: np.ndarray
    proba: np.ndarray
    tag_counts: list[dict]
    tag_lists: list[list[str]]
    dataset: Path | None


def _json(path: Path, default=None):
    if not path.exists():
        if default is not None:
            return default
        raise DatasetFormatError(f"{path.name} is missing from the model directory.", path=path.parent,
                                 fix="train the model again: multilabeltext train DATASET --out DIR --force.")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise DatasetFormatError(f"{path.name} is not valid JSON ({exc.msg}).", path=path,
                                 fix="train the model again.") from None


def _dataset(meta: dict) -> Path | None:
    """The model's dataset directory if it still exists and is the one it was trained on."""
    from ...data.dataset import sha256_file

    info = meta.get("dataset") or {}
    path = Path(info.get("path", ""))
    manifest = path / "manifest.json"
    if not info.get("path") or not manifest.is_file():
        return None
    if info.get("manifest_sha256") and sha256_file(manifest) != info["manifest_sha256"]:
        return None
    return path


def load_model_data(model_dir: str | Path) -> ModelData:
    """Everything the figures read from ``model_dir`` (checked like :func:`multilabeltext.modeldir.load_model`)."""
    import pandas as pd

    from ...data.dataset import load_dataset, read_manifest
    from ...metrics import binarize
    from ...modeldir import read_model_meta
    from ...thresholds import Thresholds

    path = Path(model_dir)
    meta = read_model_meta(path)
    labels = _json(path / "labels.json")
    thresholds = _json(path / "thresholds.json")
    vector = Thresholds.from_dict(thresholds, n_labels=len(labels)).vector(len(labels))
    metrics = _json(path / "metrics.json", {})
    history = _json(path / "history.json", [])
    preds_path = path / "predictions.parquet"
    if not preds_path.exists():
        raise DatasetFormatError("the model directory has no test predictions (predictions.parquet).", path=path,
                                 fix="train on a dataset with a test split: multilabeltext train DATASET --out DIR.")
    predictions = pd.read_parquet(preds_path)
    predictions["tags"] = predictions["tags"].map(list)
    predictions["predicted"] = predictions["predicted"].map(list)
    Y = binarize(predictions["tags"].tolist(), labels)
    proba = (np.stack([np.asarray(p, dtype=np.float64) for p in predictions["proba"]]) if len(predictions)
             else np.zeros((0, len(labels))))
    dataset = _dataset(meta)
    if dataset is not None:
        tag_counts = [dict(r) for r in read_manifest(dataset).get("labels", [])]
        tag_lists = [list(t) for t in load_dataset(dataset, columns=["tags"])["tags"]]
    else:
        counts = Y.sum(axis=0)
        tag_counts = [{"tag": t, "test": int(c)} for t, c in zip(labels, counts)]
        tag_lists = predictions["tags"].tolist()
    return ModelData(path=path, name=path.name, meta=meta, labels=labels, thresholds=thresholds,
                     threshold_vector=vector, min_tags=int(thresholds.get("min_tags", 0)), metrics=metrics,
                     per_tag=metrics.get("per_tag_test", []), history=history, predictions=predictions, Y=Y,
                     proba=proba, tag_counts=tag_counts, tag_lists=tag_lists, dataset=dataset)


def _bench_key(dataset_name: str, keys: Sequence[str]) -> str | None:
    if dataset_name in keys:
        return dataset_name
    alias = BENCH_ALIASES.get(dataset_name)
    if alias in keys:
        return alias
    return next((k for k in keys if k in dataset_name), None)


def bench_rows(bench: str | Path, dataset_name: str, *, kinds: Sequence[str] = ("peer",)) -> dict[str, dict]:
    """The peers' summary rows of ``bench/results/models-summary.json`` for the dataset named ``dataset_name``
    (measured with the benchmark protocol's own split, so only roughly comparable), ``{}`` if it has none."""
    from ...jsonfile import read_json

    bench = Path(bench)
    results = read_json(bench, missing="the benchmark results file was not found.",
                        fix="pass --bench bench/results/models-summary.json (written by bench/bench_models.py).")
    datasets = results.get("datasets") if isinstance(results, dict) else None
    if not isinstance(datasets, dict):
        raise DatasetFormatError("not a benchmark results file (no 'datasets').", path=bench,
                                 fix="pass bench/results/models-summary.json (written by bench/bench_models.py).")
    key = _bench_key(dataset_name, list(datasets))
    if key is None:
        return {}
    out = {}
    for name, row in (datasets[key].get("summary") or {}).items():
        if row.get("kind") in kinds:
            folds = int(row.get("splits", 1))
            out[f"{name} (bench{f', {folds} folds' if folds > 1 else ''})"] = row
    return out


def _metrics_from_predictions(predictions: pd.DataFrame, labels: list[str]) -> dict:
    from ...metrics import binarize, evaluate

    Y = binarize(predictions["tags"].map(list).tolist(), labels)
    P = binarize(predictions["predicted"].map(list).tolist(), labels)
    proba = np.stack([np.asarray(p, dtype=np.float64) for p in predictions["proba"]])
    return evaluate(Y, P, proba, labels)


def comparison_rows(model_dir: str | Path, compare: Sequence[str | Path] = (), *,
                    reference_2018: str | Path | None = None, bench: str | Path | None = None) -> dict[str, dict]:
    """``{name: test metrics}`` for :func:`~multilabeltext.viz.figures.model_comparison`: the model, the
    ``compare`` models (same test rows required), the 2018 LSTM's shipped predictions on the same rows
    (:func:`multilabeltext.evaluation.evaluate_reference_2018`; if it covers only some rows, the model is
    also measured on exactly those), and the peers from a benchmark results file."""
    from ...evaluation import evaluate_reference_2018

    main = Path(model_dir)
    data = load_model_data(main)
    rows = {data.name: data.metrics.get("test") or _metrics_from_predictions(data.predictions, data.labels)}
    ids = data.predictions["id"].astype(str).tolist()
    for other in compare:
        other_data = load_model_data(other)
        if other_data.predictions["id"].astype(str).tolist() != ids:
            raise ConfigError(f"{other} was tested on other rows than {main}.", path=other,
                              fix="compare models trained on the same dataset (same test split).")
        name = other_data.name if other_data.name not in rows else str(other)
        rows[name] = other_data.metrics.get("test") or _metrics_from_predictions(other_data.predictions,
                                                                                 other_data.labels)
    if reference_2018 is not None:
        ref = evaluate_reference_2018(reference_2018, ids, data.labels)
        if ref["rows"] != len(ids):
            subset = data.predictions[ref["found"]]
            rows[f"{data.name} ({ref['rows']} rows of the 2018 file)"] = _metrics_from_predictions(subset, data.labels)
        rows[REFERENCE_NAME] = ref["metrics"]
    if bench is not None:
        dataset_name = Path((data.meta.get("dataset") or {}).get("path", "")).name
        rows.update(bench_rows(bench, dataset_name))
    return rows
