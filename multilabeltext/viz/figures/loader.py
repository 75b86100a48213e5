"""What the figures need from a model directory, read by its :class:`~multilabeltext.modeldir.TrainedModel`
without loading the model itself (no TensorFlow).

Example (needs a trained model directory, so it is not run as a doctest)::

    data = load_model_data("models/pyq-linear")
    data.Y.shape == data.proba.shape, data.labels[:2]
    # (True, ['pandas', 'django'])
    rows = comparison_rows("models/pyq-linear", reference_2018=REFERENCE_2018)
    list(rows)
    # ['pyq-linear', '2018 LSTM (shipped predictions)']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from ...errors import ConfigError, DatasetFormatError

if TYPE_CHECKING:
    import pandas as pd

    from ...modeldir import TrainedModel

REFERENCE_NAME = "2018 LSTM (shipped predictions)"


@dataclass
class ModelData:
    """A model directory's metadata, metrics, history and test predictions as plain Python/NumPy data.

    Attributes:
        name: the directory's name; ``meta``: ``model.json``; ``labels``: label order of the score columns.
        thresholds: the decision rule as a dict (``thresholds.json``); ``threshold_vector``: one threshold per
            label; ``min_tags``.
        metrics: ``metrics.json``; ``per_tag``: its per-tag test table; ``history``: ``history.json``.
        predictions: ``predictions.parquet``; ``Y`` (bool) and ``proba``: its gold tags and scores as matrices;
            ``decided``: the tags the model's rule gives those scores (:meth:`TrainedModel.decide
            <multilabeltext.modeldir.TrainedModel.decide>`), (rows, labels) bool.
        tag_counts: per tag ``{"tag", "train", "validation", "test"}`` from the dataset's manifest when the
            dataset directory is still there, else ``{"tag", "test"}`` counted in the test predictions.
        tag_lists: every question's tags (all splits of the dataset, or the test predictions' gold tags).
        dataset: the dataset directory if it was found (and is the one the model was trained on), else None.
        trained: the :class:`~multilabeltext.modeldir.TrainedModel` all of this was read from (its ``rule``
            is the decision rule; its ``decide`` turns other scores into tags the same way).
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
    decided: np.ndarray | None = None
    trained: TrainedModel | None = None


def load_model_data(model_dir: str | Path) -> ModelData:
    """Everything the figures read from ``model_dir``, through its :class:`~multilabeltext.modeldir.TrainedModel`
    (the weights are not loaded)."""
    from ...data.dataset import load_dataset, read_manifest
    from ...modeldir import TrainedModel

    trained = TrainedModel(model_dir)
    test, labels, rule = trained.test, trained.labels, trained.rule
    dataset = trained.dataset
    if dataset is not None:
        tag_counts = [dict(r) for r in read_manifest(dataset).get("labels", [])]
        tag_lists = [list(t) for t in load_dataset(dataset, columns=["tags"])["tags"]]
    else:
        counts = test.Y.sum(axis=0)
        tag_counts = [{"tag": t, "test": int(c)} for t, c in zip(labels, counts)]
        tag_lists = test.frame["tags"].tolist()
    return ModelData(path=trained.path, name=trained.path.name, meta=trained.meta, labels=labels,
                     thresholds=rule.to_dict(), threshold_vector=rule.vector(len(labels)), min_tags=rule.min_tags,
                     metrics=trained.metrics, per_tag=trained.metrics.get("per_tag_test", []),
                     history=trained.history, predictions=test.frame, Y=test.Y,
                     proba=test.proba.astype(np.float64), tag_counts=tag_counts, tag_lists=tag_lists,
                     dataset=dataset, decided=trained.decide(test.proba).matrix, trained=trained)


EXTERNAL_FORMAT = "multilabeltext-external-results"
EXTERNAL_VERSION = 1


def external_rows(path: str | Path, dataset_name: str) -> dict[str, dict]:
    """The rows an external results file holds for the dataset named ``dataset_name`` (``{}`` if none).

    An external results file (``report --bench FILE``) brings metrics measured elsewhere (the benchmark's peers,
    another tool) into the report's comparison. It is JSON, format ``multilabeltext-external-results``
    version 1::

        {"format": "multilabeltext-external-results", "format_version": 1,
         "external": {"DATASET": {"aliases": ["other names of the dataset"],
                                  "rows": {"ROW NAME": {"micro_f1": 0.65, "macro_f1": 0.52, ...}}}}}

    A dataset matches by its key, one of its aliases, or a key contained in the model's dataset directory
    name. ``bench/bench_models.py`` writes one in ``bench/results/models-summary.json``; rows measured on
    another split compare only roughly.
    """
    from ...jsonfile import read_json

    path = Path(path)
    fix = (f"pass a {EXTERNAL_FORMAT} file (version {EXTERNAL_VERSION}), e.g. bench/results/models-summary.json "
           "(written by bench/bench_models.py).")
    data = read_json(path, missing="the external results file was not found.", fix=fix)
    if not isinstance(data, dict) or data.get("format") != EXTERNAL_FORMAT or not isinstance(data.get("external"), dict):
        raise DatasetFormatError(f"not an external results file (no format {EXTERNAL_FORMAT!r} with 'external').",
                                 path=path, fix=fix)
    if data.get("format_version") != EXTERNAL_VERSION:
        raise DatasetFormatError(f"external results format version {data.get('format_version')} is not supported "
                                 f"(this multilabeltext reads version {EXTERNAL_VERSION}).", path=path, fix=fix)
    datasets = data["external"]
    key = next((k for k, d in datasets.items() if k == dataset_name or dataset_name in (d.get("aliases") or [])),
               None) or next((k for k in datasets if k in dataset_name), None)
    if key is None:
        return {}
    rows = datasets[key].get("rows") or {}
    return {name: row for name, row in rows.items() if isinstance(row, dict)}


def _test_metrics(data: ModelData) -> dict:
    """The saved test metrics, or (a directory written without them) the rule's decisions scored again."""
    from ...metrics import evaluate

    if data.metrics.get("test"):
        return data.metrics["test"]
    return evaluate(data.Y, data.decided, data.proba, data.labels)


def comparison_rows(model_dir: str | Path, compare: Sequence[str | Path] = (), *,
                    reference_2018: str | Path | None = None, bench: str | Path | None = None) -> dict[str, dict]:
    """``{name: test metrics}`` for :func:`~multilabeltext.viz.figures.model_comparison`: the model, the
    ``compare`` models (same test rows required), the 2018 LSTM's shipped predictions on the same rows
    (:func:`multilabeltext.evaluation.compare_with_reference_2018`; if it covers only some rows, the model is
    also measured on exactly those), and the rows of an external results file (:func:`external_rows`)."""
    from ...evaluation import compare_with_reference_2018

    main = Path(model_dir)
    data = load_model_data(main)
    rows = {data.name: _test_metrics(data)}
    ids = data.predictions["id"].astype(str).tolist()
    for other in compare:
        other_data = load_model_data(other)
        if other_data.predictions["id"].astype(str).tolist() != ids:
            raise ConfigError(f"{other} was tested on other rows than {main}.", path=other,
                              fix="compare models trained on the same dataset (same test split).")
        name = other_data.name if other_data.name not in rows else str(other)
        rows[name] = _test_metrics(other_data)
    if reference_2018 is not None:
        ref, subset = compare_with_reference_2018(reference_2018, ids, data.labels, data.Y, data.decided, data.proba)
        if subset is not None:
            rows[f"{data.name} ({ref['rows']} rows of the 2018 file)"] = subset
        rows[REFERENCE_NAME] = ref["metrics"]
    if bench is not None:
        dataset_name = Path((data.meta.get("dataset") or {}).get("path", "")).name
        rows.update(external_rows(bench, dataset_name))
    return rows
