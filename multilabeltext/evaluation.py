"""``evaluate``: saved models measured on a dataset split, side by side, and against the 2018 LSTM.

Example:
    >>> report = evaluate_models(["models/pyq-linear"], reference_2018=REFERENCE_2018)   # doctest: +SKIP
    >>> sorted(report["models"])                                                         # doctest: +SKIP
    ['2018-lstm', 'pyq-linear']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .errors import ConfigError, DatasetFormatError

REFERENCE_2018 = Path("../shared/datasets/pythonquestions-sample/predictions_for_plotly.csv")


def trained_on(meta: dict, model_dir: str | Path) -> Path:
    """The dataset a model was trained on, wherever the command runs: the absolute path ``train`` recorded,
    else the same path relative to the model directory (the pair moved together), else as recorded."""
    info = meta.get("dataset") or {}
    recorded = Path(info.get("path", ""))
    candidates = [Path(info["absolute_path"])] if info.get("absolute_path") else []
    if info.get("path_from_model"):
        candidates.append(Path(model_dir) / info["path_from_model"])
    candidates.append(recorded)
    return next((c for c in candidates if (c / "manifest.json").is_file()), candidates[0])


def evaluate_model(model_dir: str | Path, dataset: str | Path | None = None, split: str = "test") -> dict:
    """Metrics of one model directory on a dataset split (default: the dataset it was trained on)."""
    from .data.dataset import load_dataset, read_labels
    from .metrics import binarize, evaluate, per_tag
    from .modeldir import load_model

    bundle = load_model(model_dir)
    dataset = Path(dataset) if dataset else trained_on(bundle.meta, model_dir)
    frame = load_dataset(dataset, split=split)
    if not len(frame):
        raise DatasetFormatError(f"the dataset has no {split} rows.", path=dataset,
                                 fix="pass --split with a split that has rows (train, validation, test).")
    missing = sorted(set(read_labels(dataset)) - set(bundle.labels))
    if missing:
        raise ConfigError(f"{len(missing)} tag(s) of the dataset are unknown to the model: "
                          f"{', '.join(missing[:10])}{' ...' if len(missing) > 10 else ''}.", path=dataset,
                          fix="evaluate on a dataset prepared with the model's tags (its labels.json), "
                              "or train the model on this dataset.")
    Y = binarize(frame["tags"].tolist(), bundle.labels)
    proba = bundle.predict_proba(frame["text"].tolist())
    decided = bundle.decide(proba)
    return {"model": str(model_dir), "model_kind": bundle.meta["model"], "dataset": str(dataset), "split": split,
            "ids": frame["id"].tolist(), "metrics": evaluate(Y, decided, proba, bundle.labels),
            "per_tag": per_tag(Y, decided, bundle.labels), "labels": bundle.labels}


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
        ref = evaluate_reference_2018(reference_2018, first["ids"], first["labels"])
        report["models"]["2018-lstm"] = ref["metrics"]
        report["per_tag"]["2018-lstm"] = ref["per_tag"]
        report["reference_2018_rows"] = ref["rows"]
        if ref["rows"] != len(first["ids"]):  # compare on exactly the same rows
            subset = np.flatnonzero(ref["found"])
            for r in results:
                report["models"][f"{Path(r['model']).name} (2018 rows)"] = _metrics_on(r, subset)
    return report


def _metrics_on(result: dict, rows: np.ndarray) -> dict:
    """Re-evaluate a model result on a subset of its rows."""
    from .metrics import binarize, evaluate
    from .modeldir import load_model

    bundle = load_model(result["model"])
    from .data.dataset import load_dataset

    frame = load_dataset(result["dataset"], split=result["split"]).iloc[rows]
    proba = bundle.predict_proba(frame["text"].tolist())
    return evaluate(binarize(frame["tags"].tolist(), bundle.labels), bundle.decide(proba), proba, bundle.labels)
