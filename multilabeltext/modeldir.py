"""The model directory and the one object that owns it: :class:`TrainedModel`.

Layout (format version 1)::

    DIR/model.json           format, version, model name, train settings, dataset, timings
    DIR/labels.json          the labels, in score-column order
    DIR/thresholds.json      the decision rule (:class:`~multilabeltext.thresholds.Thresholds`)
    DIR/metrics.json         validation and test metrics, per-tag test table
    DIR/history.json         per-epoch training log (empty for models without epochs)
    DIR/predictions.parquet  test rows: id, text, tags (gold), predicted, proba
    DIR/weights/             the model's own files (model_config.json, .npy / .keras / .json)

:func:`save_model` writes it atomically; :class:`TrainedModel` reads it: ``model.json`` (checked for format and
version) at once, every other file when first asked for, the weights (and TensorFlow, for Keras models) only
when scores are needed. Its :meth:`TrainedModel.decide` is what every command (``predict``, ``serve``,
``evaluate``, ``report``, ``dashboard``) uses to turn scores into tags.

Example:
    >>> import tempfile
    >>> from multilabeltext.models import get_model
    >>> from multilabeltext.thresholds import Thresholds
    >>> fitted = get_model("linear", {"char_ngrams": None, "min_df": 1, "cross_fit": 0}).fit(
    ...     ["numpy array", "pandas frame"] * 4, [[1, 0], [0, 1]] * 4, labels=["numpy", "pandas"])
    >>> path = save_model(tempfile.mkdtemp() + "/m", fitted, thresholds=Thresholds(method="global", global_=0.5,
    ...                   min_tags=1), train_config={}, dataset={}, metrics={}, timings={})
    >>> model = TrainedModel(path)
    >>> model.labels, model.rule.describe()
    (['numpy', 'pandas'], 'global 0.5, at least 1 tag')
    >>> model.predict(["numpy array question"]).tags
    [['numpy']]
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import __version__
from .errors import DatasetFormatError

if TYPE_CHECKING:
    import pandas as pd

    from .thresholds import Thresholds

FORMAT_NAME = "multilabeltext-model"
FORMAT_VERSION = 1
RETRAIN = "train the model again: multilabeltext train DATASET --out DIR --force."


@dataclass(frozen=True)
class Decisions:
    """Tags decided for some rows of scores: the boolean ``matrix`` and, per row, the tags and top scores.

    Attributes:
        labels: label names, score-column order; ``proba``: the scores, (rows, labels).
        matrix: the decisions, (rows, labels) bool; ``top_k``: how many scores :meth:`answers` shows (None: all).
    """

    labels: list[str]
    proba: np.ndarray
    matrix: np.ndarray
    top_k: int | None = None

    @cached_property
    def _order(self) -> np.ndarray:
        return np.argsort(-self.proba, axis=1, kind="stable")

    @cached_property
    def tags(self) -> list[list[str]]:
        """Each row's decided tags, highest score first."""
        return [[self.labels[j] for j in order if row[j]] for order, row in zip(self._order, self.matrix)]

    def answers(self) -> list[dict]:
        """Per row ``{"tags": [...], "probabilities": {tag: score}}``: what ``predict`` prints and ``serve``
        returns; ``probabilities`` holds the ``top_k`` highest-scored tags (all if unset), highest first,
        rounded to 4 decimals (the decisions used the exact scores)."""
        k = min(self.top_k or len(self.labels), len(self.labels))
        return [{"tags": tags, "probabilities": {self.labels[j]: round(float(p[j]), 4) for j in order[:k]}}
                for tags, order, p in zip(self.tags, self._order, self.proba)]


@dataclass(frozen=True)
class SavedPredictions:
    """The test rows saved at training time (``predictions.parquet``) as lists and matrices."""

    frame: pd.DataFrame
    ids: list[str]
    texts: list[str]
    gold: list[list[str]]
    Y: np.ndarray
    proba: np.ndarray


class TrainedModel:
    """A trained model directory: its metadata, labels, decision rule, metrics, history, test predictions and
    (loaded when first needed) the model itself, with the one :meth:`decide` that turns scores into tags.

    Every attribute but :attr:`meta` is read on first use; :attr:`model` loads the weights.
    """

    def __init__(self, directory: str | Path):
        self.path = Path(directory)
        self.meta: dict = read_model_meta(self.path)  # checked now: a wrong directory fails before anything else

    def __repr__(self) -> str:
        return f"TrainedModel({str(self.path)!r}, model={self.kind!r})"

    @property
    def name(self) -> str:
        """The directory's name (what reports and comparisons call the model)."""
        return self.path.resolve().name

    @property
    def kind(self) -> str:
        """The registered model name (``linear``, ``lstm``, ...)."""
        return self.meta.get("model", "?")

    # ------------------------------------------------------------------------------------------ the files

    def _json(self, name: str, default=None):
        from .jsonfile import read_json

        path = self.path / name
        if default is not None and not path.exists():
            return default
        return read_json(path, missing=f"{name} is missing from the model directory.", fix=RETRAIN)

    @cached_property
    def labels(self) -> list[str]:
        """The labels, in score-column order (``labels.json``)."""
        labels = self._json("labels.json")
        if not isinstance(labels, list) or not all(isinstance(t, str) for t in labels):
            raise DatasetFormatError("labels.json is not a list of tag names.", path=self.path / "labels.json",
                                     fix=RETRAIN)
        return labels

    @cached_property
    def rule(self) -> Thresholds:
        """The decision rule (``thresholds.json``), checked against the labels."""
        from .thresholds import Thresholds

        return Thresholds.from_dict(self._json("thresholds.json"), n_labels=len(self.labels),
                                    source=str(self.path / "thresholds.json"))

    @property
    def thresholds(self) -> Thresholds:
        """The decision rule (another name for :attr:`rule`)."""
        return self.rule

    @cached_property
    def metrics(self) -> dict:
        """``metrics.json`` (validation and test metrics, the per-tag test table); ``{}`` if absent."""
        return self._json("metrics.json", {})

    @cached_property
    def history(self) -> list[dict]:
        """``history.json``: one dict per training epoch (``[]`` for models without epochs)."""
        return self._json("history.json", [])

    @cached_property
    def test(self) -> SavedPredictions:
        """The saved test rows (``predictions.parquet``); a :class:`DatasetFormatError` when there are none."""
        import pandas as pd

        from .metrics import binarize

        path = self.path / "predictions.parquet"
        if not path.is_file():
            raise DatasetFormatError("the model directory has no test predictions (predictions.parquet).",
                                     path=self.path, fix="train on a dataset with a test split: "
                                                         "multilabeltext train DATASET --out DIR --force.")
        frame = pd.read_parquet(path)
        frame["tags"] = frame["tags"].map(list)
        frame["predicted"] = frame["predicted"].map(list)
        labels = self.labels
        proba = (np.stack([np.asarray(p, dtype=np.float32) for p in frame["proba"]]) if len(frame)
                 else np.zeros((0, len(labels)), dtype=np.float32))
        if proba.shape[1] != len(labels):
            raise DatasetFormatError(f"predictions.parquet holds {proba.shape[1]} scores per row but the model "
                                     f"has {len(labels)} labels.", path=path,
                                     fix="train the model again; the directory was changed after training.")
        gold = frame["tags"].tolist()
        Y = binarize(gold, labels).astype(bool) if gold else np.zeros((0, len(labels)), dtype=bool)
        return SavedPredictions(frame=frame, ids=frame["id"].astype(str).tolist(),
                               texts=frame["text"].astype(str).tolist(), gold=gold, Y=Y, proba=proba)

    @cached_property
    def dataset(self) -> Path | None:
        """The dataset directory the model was trained on, if it is still there unchanged (else ``None``)."""
        from .safefiles import sha256_file

        info = self.meta.get("dataset") or {}
        path = Path(info.get("path", ""))  # as recorded (evaluate also looks beside the model: trained_on)
        manifest = path / "manifest.json"
        if not info.get("path") or not manifest.is_file():
            return None
        if info.get("manifest_sha256") and sha256_file(manifest) != info["manifest_sha256"]:
            return None
        return path

    # ----------------------------------------------------------------------------------- scores and tags

    @cached_property
    def model(self):
        """The fitted :class:`~multilabeltext.models.base.TagModel` (its weights are read now)."""
        from .errors import MultilabeltextError
        from .models import model_class

        try:
            return model_class(self.kind).load(self.path / "weights")
        except MultilabeltextError:
            raise
        except Exception as exc:  # any damage to the weights (missing, truncated, random, pickled) ends here
            detail = str(exc).splitlines()[0][:300] if str(exc) else "no detail"
            raise DatasetFormatError(f"cannot load the model's weights ({type(exc).__name__}: {detail}).",
                                     path=getattr(exc, "filename", None) or self.path / "weights",
                                     fix=RETRAIN) from None

    def predict_proba(self, texts) -> np.ndarray:
        """Scores in [0, 1], (len(texts), len(labels)), label order."""
        return self.model.predict_proba(texts)

    def decide(self, proba, threshold=None, top_k: int | None = None) -> Decisions:
        """The tags for scores ``proba`` under the saved rule (:meth:`Thresholds.decide
        <multilabeltext.thresholds.Thresholds.decide>`); ``threshold`` (one number, or one per label) overrides
        the tuned thresholds and keeps the rule's ``min_tags``; ``top_k`` bounds the scores
        :meth:`Decisions.answers` shows (not the tags)."""
        from .errors import ConfigError

        check_top_k(top_k)
        proba = np.asarray(proba)
        if proba.ndim != 2 or proba.shape[1] != len(self.labels):
            raise ConfigError(f"scores must have one column per label ({len(self.labels)}), got shape {proba.shape}.",
                              fix="pass this model's predict_proba output.")
        return Decisions(labels=self.labels, proba=proba, matrix=self.rule.decide(proba, threshold), top_k=top_k)

    def predict(self, texts, threshold=None, top_k: int | None = None) -> Decisions:
        """:meth:`decide` on :meth:`predict_proba` of ``texts``."""
        return self.decide(self.predict_proba(list(texts)), threshold, top_k)


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


def check_top_k(top_k) -> None:
    from .errors import ConfigError

    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
        raise ConfigError(f"top_k must be >= 1, got {top_k}.", fix="pass e.g. --top-k 5.")


def save_model(directory: str | Path, model, *, thresholds, train_config: dict, dataset: dict, metrics: dict,
               timings: dict, predictions=None, force: bool = False, extra: dict | None = None) -> Path:
    """Write a complete model directory atomically (refuses an existing one unless ``force``); ``extra``: more
    ``model.json`` keys (e.g. ``engine``: what trained it, when not this process)."""
    from .jsonfile import write_json
    from .outputs import atomic_directory

    directory = Path(directory)
    with atomic_directory(directory, force=force, marker="model.json") as tmp:
        model.save(tmp / "weights")
        write_json(tmp / "labels.json", model.labels_)
        write_json(tmp / "thresholds.json", thresholds.to_dict())
        write_json(tmp / "metrics.json", metrics)
        write_json(tmp / "history.json", list(getattr(model, "history_", [])))
        if predictions is not None:
            predictions.to_parquet(tmp / "predictions.parquet", index=False)
        from .safefiles import file_sizes

        files = file_sizes(tmp)  # sizes declared, checked before anything is read back (safefiles.check_tree)
        write_json(tmp / "model.json", {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "multilabeltext_version": __version__,
            "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "model": model.name,
            "train": train_config,
            "dataset": dataset,
            "timings": timings,
            **({"device": model.device_} if getattr(model, "device_", None) else {}),  # where a network trained
            **({"teacher": model.teacher_} if getattr(model, "teacher_", None) else {}),  # lstm: distilled from
            **(extra or {}),
            "files": files,
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
    from .safefiles import check_tree

    declared = meta.get("files")
    check_tree(directory, declared=declared if isinstance(declared, dict) else None)  # nothing read from elsewhere
    if meta.get("format_version") != FORMAT_VERSION:
        raise DatasetFormatError(
            f"model format version {meta.get('format_version')} is not supported (this multilabeltext, "
            f"{__version__}, reads version {FORMAT_VERSION}).", path=path,
            fix="train the model again with this version, or use the multilabeltext version that wrote it "
                f"({meta.get('multilabeltext_version', 'unknown')}).")
    return meta


def load_model(directory: str | Path) -> TrainedModel:
    """The :class:`TrainedModel` of ``directory`` with its weights loaded (fails now if they cannot be read)."""
    trained = TrainedModel(directory)
    trained.model  # noqa: B018  (load now)
    return trained
