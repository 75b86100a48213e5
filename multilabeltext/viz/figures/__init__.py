"""Plotly figures, one function each, from plain data read from a model directory.

Every function takes frames, arrays or dicts and returns a ``plotly.graph_objects.Figure``; the library,
the tutorial notebook, the HTML report and the dashboard share them. :func:`load_model_data` reads what
they need from a model directory.

Example:
    >>> data = load_model_data("models/pyq-linear")                         # doctest: +SKIP
    >>> tag_frequencies(data.tag_counts).show()                              # doctest: +SKIP
    >>> precision_recall_curves(data.Y, data.proba, data.labels, data.threshold_vector).show()  # doctest: +SKIP
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "question_map": "maps",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
