"""``evaluate``: saved models measured on a dataset split, side by side, and against the 2018 LSTM.

Example (needs a trained model directory, so it is not run as a doctest)::

    report = evaluate_models(["models/pyq-linear"], reference_2018=REFERENCE_2018)
    sorted(report["models"])
    # ['2018-lstm', 'pyq-linear']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ConfigError, DatasetFormatError
from .modeldir import trained_on  # noqa: F401  (where evaluate looked for it before)

REFERENCE_2018 = Path("../shared/datasets/pythonquestions-sample/predictions_for_plotly.csv")


def evaluate_model(model_dir: str | Path, dataset: str | Path | None = None, split: str = "test") -> dict:
    """Metrics of one model directory on a dataset split (default: the dataset it was trained on).

    Besides the metrics, the result holds the rows' ``ids``, their ``predicted`` tags (highest score first) and,
    under ``arrays``, the matrices ``Y``, ``decided`` and ``proba`` the metrics were computed from."""
    from .data.dataset import load_dataset, read_labels
    from .metrics import binarize, evaluate, per_tag
    from .modeldir import TrainedModel

    trained = TrainedModel(model_dir)
    dataset = Path(dataset) if dataset else trained_on(trained.meta, model_dir)
    frame = load_dataset(dataset, split=split)
    if not len(frame):
        raise DatasetFormatError(f"the dataset has no {split} rows.", path=dataset,
                                 fix="pass --split with a split that has rows (train, validation, test).")
    labels = trained.labels
    missing = sorted(set(read_labels(dataset)) - set(labels))
    if missing:
        raise ConfigError(f"{len(missing)} tag(s) of the dataset are unknown to the model: "
                          f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}.", path=dataset,
                          fix="evaluate on a dataset prepared with the model's tags (its labels.json), "
                              "or train the model on this dataset.")
    Y = binarize(frame["tags"].tolist(), labels)
    decisions = trained.predict(frame["text"].tolist())
    return {"model": str(model_dir), "model_kind": trained.kind, "dataset": str(dataset), "split": split,
            "ids": frame["id"].tolist(), "predicted": decisions.tags,
            "metrics": evaluate(Y, decisions.matrix, decisions.proba, labels),
            "per_tag": per_tag(Y, decisions.matrix, labels), "labels": labels,
            "arrays": {"Y": Y, "decided": decisions.matrix, "proba": decisions.proba}}


def evaluate_reference_2018(csv_path: str | Path, ids: list[str], labels: list[str]) -> dict:
    """Metrics of the 2018 Keras LSTM's shipped predictions (``Predictions`` column) on the rows ``ids``."""
    import pandas as pd

    from .data.tags import parse_tags
    from .metrics import binarize, evaluate, per_tag

    csv_path = Path(csv_path)
    if not csv_path.exists():
        raise DatasetFormatError("the 2018 predictions file was not found.", path=csv_path,
                                 fix="pass --reference-2018 ../shared/datasets/pythonquestions-sample/"
                                     "predictions_for_plotly.csv.")
    table = pd.read_csv(csv_path, dtype={"ParentId": str})
    table = table.set_index("ParentId").reindex([str(i) for i in ids])
    found = table["Actual"].notna().to_numpy()
    if not found.any():
        raise ConfigError("none of the evaluated rows are in the 2018 predictions file.", path=csv_path,
                          fix="compare on the pythonquestions sample prepared with --id-column ParentId.")
    table = table[found]
    Y = binarize([parse_tags(v) for v in table["Actual"]], labels)
    P = binarize([parse_tags(v) for v in table["Predictions"]], labels)
    return {"model": "2018-lstm", "rows": int(found.sum()), "metrics": evaluate(Y, P, None, labels),
            "per_tag": per_tag(Y, P, labels), "found": found}


def compare_with_reference_2018(csv_path: str | Path, ids: list[str], labels: list[str], Y, decided,
                                proba) -> tuple[dict, dict | None]:
    """The 2018 LSTM's result on the rows ``ids`` (:func:`evaluate_reference_2018`) and, when its file covers
    only some of them, a model's metrics on exactly those rows (its ``Y``, ``decided`` tags and ``proba`` for
    every row of ``ids``); ``None`` when the file covers every row. ``evaluate`` and the report both use it."""
    from .metrics import evaluate

    ref = evaluate_reference_2018(csv_path, ids, labels)
    if ref["rows"] == len(ids):
        return ref, None
    rows = np.flatnonzero(ref["found"])
    return ref, evaluate(np.asarray(Y)[rows], np.asarray(decided)[rows], np.asarray(proba)[rows], labels)


def evaluate_models(model_dirs: list[str | Path], dataset: str | Path | None = None, split: str = "test",
                    reference_2018: str | Path | None = None) -> dict:
    """Several models on the same rows, plus optionally the 2018 LSTM's predictions on those rows."""
    if not model_dirs:
        raise ConfigError("no model directory given.", fix="pass one or more model directories.")
    results = [evaluate_model(m, dataset, split) for m in model_dirs]
    first = results[0]
    for r in results[1:]:
        if r["ids"] != first["ids"]:
            raise ConfigError(f"{r['model']} was evaluated on other rows than {first['model']}.",
                              fix="pass --dataset so every model is measured on the same dataset split.")
    report = {"dataset": first["dataset"], "split": split, "rows": len(first["ids"]),
              "models": {Path(r["model"]).name: r["metrics"] for r in results},
              "per_tag": {Path(r["model"]).name: r["per_tag"] for r in results}}
    if reference_2018:
        for i, r in enumerate(results):  # compare on exactly the same rows
            ref, subset = compare_with_reference_2018(reference_2018, first["ids"], r["labels"], **r["arrays"])
            if i == 0:
                report["models"]["2018-lstm"] = ref["metrics"]
                report["per_tag"]["2018-lstm"] = ref["per_tag"]
                report["reference_2018_rows"] = ref["rows"]
            if subset is not None:
                report["models"][f"{Path(r['model']).name} (2018 rows)"] = subset
    return report
