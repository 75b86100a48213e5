"""Plotly figures, one function each, from plain data read from a model directory.

Every function takes frames, arrays or dicts and returns a ``plotly.graph_objects.Figure``; the library,
the tutorial notebook, the HTML report and the dashboard share them. :func:`load_model_data` reads what
they need from a model directory; nothing heavy is imported until a function is used.

========================== ========================================================= ==============
figure                     shows                                                     module
========================== ========================================================= ==============
tag_frequencies            questions per tag (stacked by split)                      tags
tag_cooccurrence           heatmap of tag pairs                                      tags
per_tag_scores             per-tag precision / recall / F1 with support              quality
precision_recall_curves    per-tag precision-recall curves, chosen thresholds marked quality
f1_by_threshold            micro/macro-F1 against one global threshold               quality
training_curves            loss per epoch (history.json)                             history
model_comparison           headline metrics of several models side by side           compare
question_map               the test questions in 2-D, coloured by tag, errors marked maps
word_neighbours            Word2Vec nearest neighbours in 2-D                        words
========================== ========================================================= ==============

Example (needs a trained model directory, so it is not run as a doctest)::

    data = load_model_data("models/pyq-linear")
    tag_frequencies(data.tag_counts).show()
    precision_recall_curves(data.Y, data.proba, data.labels, data.threshold_vector).show()
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "tag_frequencies": "tags",
    "tag_cooccurrence": "tags",
    "per_tag_scores": "quality",
    "precision_recall_curves": "quality",
    "f1_by_threshold": "quality",
    "training_curves": "history",
    "model_comparison": "compare",
    "question_map": "maps",
    "word_neighbours": "words",
    "ModelData": "loader",
    "load_model_data": "loader",
    "comparison_rows": "loader",
    "external_rows": "loader",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
