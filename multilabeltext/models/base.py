"""The contract every model keeps, scikit-learn style.

* the constructor only stores settings (a model-specific ``Config`` dataclass);
* ``fit(texts, Y, ...)`` learns and returns ``self``; learned state ends in ``_``;
* ``predict_proba(texts)`` gives scores in [0, 1], shape (n, n_labels); ``predict(texts, threshold=...)``
  turns them into decisions at one threshold (the tuned rule lives in the model directory, see
  :mod:`multilabeltext.thresholds` and :class:`multilabeltext.modeldir.TrainedModel`);
* ``fit(..., auxiliary=...)`` adds down-weighted rows from a related labelled source
  (:class:`~multilabeltext.auxiliary.AuxiliaryData`) for the models that can use them
  (``supports_auxiliary``);
* after ``fit``, ``validation_proba_`` holds out-of-sample scores of the validation texts (for ensemble
  weights) and ``tuning_`` the ``(Y, proba)`` rows to tune thresholds on: the validation split by default,
  every training row's held-out score for a cross-fitted model (see ``linear``);
* ``save(directory)`` writes only safe formats (JSON, NumPy ``.npy``/``.npz`` without pickle, Keras
  ``.keras``); ``load(directory)`` reads them back and predicts the same numbers.

Example:
    >>> from multilabeltext.models import get_model
    >>> model = get_model("linear")
    >>> model.fit(["numpy array", "pandas frame"] * 4, [[1, 0], [0, 1]] * 4, labels=["numpy", "pandas"]).labels_
    ['numpy', 'pandas']
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from ..config import Settings, TokenizerConfig
from ..data.tokenizer import Tokenizer
from ..errors import ConfigError


class TagModel:
    """Base class: multi-label text classifier over a fixed, ordered list of labels."""

    name: ClassVar[str] = ""
    Config: ClassVar[type[Settings]] = Settings
    supports_auxiliary: ClassVar[bool] = False  # fit(auxiliary=...) trains on the extra rows too

    def __init__(self, config: Settings | dict | None = None, **params: Any):
        if isinstance(config, dict):
            config = self.Config.from_dict(config, source=f"{self.name} model settings")
        config = config or self.Config()
        self.config = config.replace(**params) if params else config

    # --- to implement -------------------------------------------------------------------------------
    def _fit(self, texts: list[str], Y: np.ndarray, validation: tuple[list[str], np.ndarray] | None) -> None:
        """Learn; a model with ``supports_auxiliary`` finds the extra rows in ``self.auxiliary_``."""
        raise NotImplementedError

    def _predict_proba(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _save(self, directory: Path) -> None:
        raise NotImplementedError

    def _load(self, directory: Path) -> None:
        raise NotImplementedError

    # --- the contract -------------------------------------------------------------------------------
    def fit(self, texts, Y, *, labels: list[str], validation: tuple[list[str], Any] | None = None,
            tokenizer: TokenizerConfig | None = None, vectors=None, auxiliary=None,
            rule: dict | None = None) -> TagModel:
        """Learn from ``texts`` and their binary label matrix ``Y`` (n, len(labels)); returns ``self``.

        ``validation`` (texts, Y) may be used for early stopping; ``vectors`` (gensim KeyedVectors) by
        models with word embeddings; ``tokenizer`` settings are saved with the model and reused by predict;
        ``auxiliary`` (:class:`~multilabeltext.auxiliary.AuxiliaryData`) extra rows, trained on only;
        ``rule``: how the decision rule will be tuned afterwards (:meth:`Thresholds.fit
        <multilabeltext.thresholds.Thresholds.fit>` options, default ``TrainConfig().rule_options()``), for
        models that tune something of their own under it (the ensemble's weights); kept as ``rule_options_``.
        """
        texts = list(texts)
        Y = np.asarray(Y, dtype=np.float32)
        if Y.ndim != 2 or Y.shape != (len(texts), len(labels)):
            raise ConfigError(f"Y must have shape (n_texts, n_labels) = ({len(texts)}, {len(labels)}), "
                              f"got {Y.shape}.", fix="binarize the tags with multilabeltext.metrics.binarize.")
        if len(texts) == 0:
            raise ConfigError("no training texts.", fix="check the dataset's train split.")
        if auxiliary is not None:
            self.require_auxiliary_support()
        if auxiliary is not None and len(auxiliary.known) != len(labels):
            raise ConfigError(f"the auxiliary data has {len(auxiliary.known)} labels, the model {len(labels)}.",
                              fix="build it over the model's labels (AuxiliaryData.from_tags(labels=...)).")
        self._start_fit(labels, tokenizer or TokenizerConfig(), vectors, rule)
        self.auxiliary_ = auxiliary
        if validation is not None:
            validation = (list(validation[0]), np.asarray(validation[1], dtype=np.float32))
            if not validation[0]:
                validation = None
        self._fit(texts, Y, validation)
        self.auxiliary_ = None  # trained on; not kept with the model
        self._end_fit(validation)
        return self

    def require_auxiliary_support(self) -> None:
        """Raise a :class:`ConfigError` unless ``fit(auxiliary=...)`` can use the rows (checked before heavy work)."""
        if not self.supports_auxiliary:
            raise ConfigError(f"the {self.name} model cannot learn from auxiliary data.",
                              fix="use the linear or mlp model (or an ensemble with one), or leave the auxiliary "
                                  "data out.")

    def _start_fit(self, labels: list[str], tokenizer: TokenizerConfig, vectors, rule: dict | None = None) -> None:
        """The state every fit starts from (also an ensemble assembled from fitted members)."""
        from ..config import TrainConfig

        self.rule_options_ = dict(rule) if rule is not None else TrainConfig().rule_options()
        self.labels_ = list(labels)
        self.tokenizer_config_ = tokenizer
        self.tokenizer_ = Tokenizer(tokenizer)
        self.vectors_ = vectors
        self.history_: list[dict] = []
        self.validation_proba_: np.ndarray | None = None  # _fit may set both, e.g. from held-out folds
        self.tuning_: tuple[np.ndarray, np.ndarray] | None = None

    def _end_fit(self, validation: tuple[list[str], np.ndarray] | None) -> None:
        """Default held-out scores when ``_fit`` set none: the fitted model's on the validation split."""
        if validation is not None and self.validation_proba_ is None:
            self.validation_proba_ = self.predict_proba(validation[0])
        if self.tuning_ is None and validation is not None:
            self.tuning_ = (validation[1], self.validation_proba_)

    def predict_proba(self, texts) -> np.ndarray:
        """Scores in [0, 1], shape (n_texts, n_labels), float32; empty input gives shape (0, n_labels)."""
        self._check_fitted()
        texts = [t if isinstance(t, str) else "" for t in texts]
        if not texts:
            return np.zeros((0, len(self.labels_)), dtype=np.float32)
        return np.asarray(self._predict_proba(texts), dtype=np.float32)

    def predict(self, texts, threshold: float | np.ndarray = 0.5) -> np.ndarray:
        """Boolean decisions ``predict_proba(texts) >= threshold`` (a scalar or one value per label), no tag forced.

        A bare model has no tuned rule; a trained model directory decides with its own
        (:meth:`multilabeltext.modeldir.TrainedModel.decide`), and both go through
        :meth:`multilabeltext.thresholds.Thresholds.decide`.
        """
        from ..thresholds import Thresholds

        return Thresholds(method="fixed", min_tags=0).decide(self.predict_proba(texts), threshold)

    def save(self, directory: str | Path) -> Path:
        """Write the model's own files (settings, labels, weights) into ``directory``."""
        self._check_fitted()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        meta = {"model": self.name, "config": self.config.to_dict(), "labels": self.labels_,
                "tokenizer": self.tokenizer_config_.to_dict()}
        (directory / "model_config.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        self._save(directory)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TagModel:
        """Read a model written by :meth:`save`."""
        directory = Path(directory)
        meta = json.loads((directory / "model_config.json").read_text(encoding="utf-8"))
        model = cls(meta["config"])
        model.labels_ = meta["labels"]
        model.tokenizer_config_ = TokenizerConfig.from_dict(meta["tokenizer"])
        model.tokenizer_ = Tokenizer(model.tokenizer_config_)
        model.vectors_ = None
        model.history_ = []
        model.validation_proba_, model.tuning_ = None, None  # fit-time only, not saved
        model._load(directory)
        return model

    def _check_fitted(self) -> None:
        if not hasattr(self, "labels_"):
            raise ConfigError(f"this {self.name} model is not fitted.", fix="call fit() or load a saved model.")

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.config!r})"
