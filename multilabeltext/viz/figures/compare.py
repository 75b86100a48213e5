"""Models side by side: headline metrics of ours, the peers and the 2018 LSTM as grouped bars.

Example:
    >>> fig = model_comparison({"linear": {"micro_f1": 0.8, "macro_f1": 0.7},
    ...                         "2018-lstm": {"micro_f1": 0.76, "macro_f1": None}}, metrics=("micro_f1", "macro_f1"))
    >>> [(t.name, list(t.x), list(t.y)) for t in fig.data]
    [('micro-F1', ['linear', '2018-lstm'], [0.8, 0.76]), ('macro-F1', ['linear'], [0.7])]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

HEADLINE = ("micro_f1", "macro_f1", "samples_f1", "p_at_1")
NAMES = {"micro_f1": "micro-F1", "macro_f1": "macro-F1", "samples_f1": "samples-F1", "p_at_1": "P@1",
         "p_at_3": "P@3", "micro_precision": "micro precision", "micro_recall": "micro recall",
         "subset_accuracy": "subset accuracy", "hamming_loss": "Hamming loss"}


def model_comparison(models: Mapping[str, Mapping], *, metrics: Sequence[str] = HEADLINE,
                     title: str | None = None) -> go.Figure:
    """Grouped bars: one group per model (``{name: metrics dict}``, in the given order), one bar per metric.

    A metric a model lacks (``None``: e.g. P@1 of the 2018 predictions, which have no scores) is left out.
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for key in metrics:
        names = [n for n, m in models.items() if m.get(key) is not None]
        values = [float(models[n][key]) for n in names]
        fig.add_trace(go.Bar(x=names, y=values, name=NAMES.get(key, key), text=[f"{v:.3f}" for v in values],
                             textposition="outside", hovertemplate="%{x}: " + NAMES.get(key, key)
                             + " %{y:.4f}<extra></extra>"))
    fig.update_layout(barmode="group", template="plotly_white", yaxis={"title": "score", "range": [0, 1.08]},
                      legend={"title": "metric"}, title=title or "Models compared (test split)")
    return fig
