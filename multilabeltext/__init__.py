"""multilabeltext: multi-label text classification, with Stack Overflow tag prediction as its showcase.

The public API is small and imports lazily, so ``import multilabeltext`` (and ``--help``) stays instant.

Example:
    >>> import multilabeltext as mlt
    >>> mlt.tokenize("Sorting a pandas DataFrame")
    ['sorting', 'pandas', 'dataframe']
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

_EXPORTS = {
    "prepare": "multilabeltext.data.prepare",
    "PrepareResult": "multilabeltext.data.prepare",
    "load_dataset": "multilabeltext.data.dataset",
    "read_manifest": "multilabeltext.data.dataset",
    "PrepareConfig": "multilabeltext.config",
    "TokenizerConfig": "multilabeltext.config",
    "Tokenizer": "multilabeltext.data.tokenizer",
    "tokenize": "multilabeltext.data.tokenizer",
    "MultilabeltextError": "multilabeltext.errors",
    "Word2VecConfig": "multilabeltext.config",
    "train_word2vec": "multilabeltext.embeddings",
    "load_vectors": "multilabeltext.embeddings",
    "most_similar": "multilabeltext.embeddings",
    "TrainConfig": "multilabeltext.config",
    "train": "multilabeltext.training",
    "get_model": "multilabeltext.models",
    "fit_tune_score": "multilabeltext.core",
    "load_model": "multilabeltext.modeldir",
    "TrainedModel": "multilabeltext.modeldir",
    "Thresholds": "multilabeltext.thresholds",
    "Predictor": "multilabeltext.predict",
    "evaluate_models": "multilabeltext.evaluation",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'multilabeltext' has no attribute {name!r}")
