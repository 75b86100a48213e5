"""How training went: the per-epoch log of ``history.json`` as curves.

Example:
    >>> fig = training_curves([{"epoch": 1, "loss": 0.3, "val_loss": 0.28}, {"epoch": 2, "loss": 0.2, "val_loss": 0.25}])
    >>> [(t.name, list(t.y)) for t in fig.data]
    [('loss', [0.3, 0.2]), ('val_loss', [0.28, 0.25])]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import plotly.graph_objects as go

NOT_CURVES = frozenset({"epoch", "seconds", "texts_per_s"})


def training_curves(history: Sequence[Mapping], *, title: str | None = None) -> go.Figure:
    """Loss curves per epoch (training and validation; any other per-epoch score on a second axis).

    Models without epochs (``linear``) have an empty history: the figure then says so.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    if not history:
        fig.add_annotation(text="No per-epoch history: this model trains in one pass (e.g. linear).",
                           showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper", font={"size": 14})
        fig.update_layout(template="plotly_white", title=title or "Training curves",
                          xaxis={"visible": False}, yaxis={"visible": False})
        return fig
    epochs = [int(row.get("epoch", i + 1)) for i, row in enumerate(history)]
    keys = [k for k in dict.fromkeys(k for row in history for k in row)
            if k not in NOT_CURVES and all(isinstance(row.get(k), (int, float)) for row in history)]
    for key in keys:
        is_loss = "loss" in key
        fig.add_trace(go.Scatter(x=epochs, y=[row[key] for row in history], mode="lines+markers", name=key,
                                 line={"dash": "dash" if key.startswith("val") else "solid"},
                                 hovertemplate="epoch %{x}: " + key + " %{y:.4f}<extra></extra>"),
                      secondary_y=not is_loss)
    if any("val_loss" in row for row in history):
        best = min(range(len(history)), key=lambda i: history[i].get("val_loss", float("inf")))
        fig.add_vline(x=epochs[best], line_dash="dot", line_color="grey",
                      annotation_text=f"lowest val_loss: epoch {epochs[best]}")
    seconds = sum(float(row.get("seconds", 0)) for row in history)
    fig.update_layout(template="plotly_white", xaxis={"title": "epoch", "dtick": 1},
                      title=title or f"Training curves ({len(history)} epochs"
                                     + (f", {seconds:.0f} s" if seconds else "") + ")")
    fig.update_yaxes(title_text="loss", secondary_y=False)
    fig.update_yaxes(title_text="score", secondary_y=True, showgrid=False,
                     visible=any("loss" not in k for k in keys))
    return fig
