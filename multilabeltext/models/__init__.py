"""Models behind one interface (:class:`~.base.TagModel`), registered by name.

Example:
    >>> "linear" in MODELS and "ensemble" in MODELS
    True
    >>> get_model("linear", C=1.0).config.C
    1.0
"""

from __future__ import annotations

import importlib

from ..errors import ConfigError
from .base import TagModel

# name -> "module:Class", imported on first use (Keras models are heavy)
MODELS: dict[str, str] = {
    "linear": "multilabeltext.models.linear:LinearModel",
    "lstm": "multilabeltext.models.lstm:LstmModel",
    "mlp": "multilabeltext.models.mlp:MlpModel",
    "ensemble": "multilabeltext.models.ensemble:EnsembleModel",
    "tree": "multilabeltext.models.tree:TreeModel",  # needs the omikuji package (the [tree] extra)
}


def model_class(name: str) -> type[TagModel]:
    """The model class registered under ``name``."""
    if name not in MODELS:
        raise ConfigError(f"unknown model {name!r}.", fix=f"use one of: {', '.join(sorted(MODELS))}.")
    module, cls = MODELS[name].split(":")
    return getattr(importlib.import_module(module), cls)


def get_model(name: str, config=None, **params) -> TagModel:
    """A new, unfitted model by name, with settings from ``config`` (dict or dataclass) and ``params``."""
    return model_class(name)(config, **params)


__all__ = ["MODELS", "TagModel", "get_model", "model_class"]
