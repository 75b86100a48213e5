"""How good the tags are: per-tag precision/recall/F1, precision-recall curves, F1 against the threshold.

Example:
    >>> rows = [{"tag": "sql", "support": 4, "predicted": 3, "precision": 1.0, "recall": 0.75, "f1": 0.857}]
    >>> fig = per_tag_scores(rows)
    >>> [t.name for t in fig.data], list(fig.data[3].y)
    (['precision', 'recall', 'F1', 'support'], [4])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import plotly.graph_objects as go


def per_tag_scores(per_tag: Sequence[Mapping], *, top: int = 30, title: str | None = None) -> go.Figure:
    """Grouped bars of each tag's precision, recall and F1, with its support (true count) as diamonds on a
    second axis; ``per_tag`` is :func:`multilabeltext.metrics.per_tag`'s rows (``metrics.json``'s
    ``per_tag_test``), shown most frequent first."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    rows = sorted(per_tag, key=lambda r: -int(r["support"]))[:top]
    tags = [r["tag"] for r in rows]
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    for key, name in (("precision", "precision"), ("recall", "recall"), ("f1", "F1")):
        fig.add_trace(go.Bar(x=tags, y=[float(r[key]) for r in rows], name=name,
                             hovertemplate="%{x}: " + name + " %{y:.3f}<extra></extra>"), secondary_y=False)
    fig.add_trace(go.Scatter(x=tags, y=[int(r["support"]) for r in rows], name="support", mode="markers",
                             marker={"symbol": "diamond", "size": 9, "color": "#333"},
                             hovertemplate="%{x}: %{y:,} test questions<extra></extra>"), secondary_y=True)
    fig.update_layout(barmode="group", template="plotly_white", xaxis={"tickangle": -45},
                      title=title or f"Per-tag precision, recall and F1 on the test split ({len(tags)} tags)")
    fig.update_yaxes(title_text="score", range=[0, 1.05], secondary_y=False)
    most = max((int(r["support"]) for r in rows), default=1)
    step = count_step(most)
    fig.update_yaxes(title_text="support (test questions)", secondary_y=True, showgrid=False, tick0=0, dtick=step,
                     tickformat=",d", range=[0, max(most, 1) * 1.08])
    return fig


def count_step(most: int, ticks: int = 6) -> int:
    """A whole-number tick step (1, 2, 5, 10, 20, 50, ...) giving at most ``ticks`` steps up to ``most``:
    counts get integer ticks, never 4.1 or 8.2.

    Example:
        >>> count_step(3), count_step(20), count_step(968), count_step(0)
        (1, 5, 200, 1)
    """
    scale = 1
    while True:
        for step in (scale, 2 * scale, 5 * scale):
            if most <= step * ticks:
                return step
        scale *= 10


def _order_by_support(Y: np.ndarray, top: int) -> np.ndarray:
    return np.argsort(-Y.sum(axis=0), kind="stable")[:top]


def precision_recall_curves(Y, proba, labels: Sequence[str], thresholds, *, top: int = 10,
                            title: str | None = None) -> go.Figure:
    """One precision-recall curve per tag (the ``top`` tags by support), each with a star where its chosen
    threshold puts it (``thresholds``: one number, or one per label in ``labels`` order).

    ``Y`` is the true 0/1 matrix and ``proba`` the scores, shape (rows, labels), e.g. the test predictions.
    """
    import plotly.colors
    import plotly.graph_objects as go
    from sklearn.metrics import precision_recall_curve

    from ...metrics import as_label_matrix, as_scores
    from ...thresholds import threshold_vector

    Y = as_label_matrix(Y, "Y", n_labels=len(labels))
    S = as_scores(proba, shape=Y.shape)
    vector = threshold_vector(thresholds, Y.shape[1])
    palette = plotly.colors.qualitative.Plotly + plotly.colors.qualitative.D3
    fig = go.Figure()
    for k, j in enumerate(_order_by_support(Y, top)):
        if not Y[:, j].any():
            continue
        colour = palette[k % len(palette)]
        precision, recall, cuts = precision_recall_curve(Y[:, j], S[:, j])
        tag = str(labels[j])
        fig.add_trace(go.Scatter(x=recall, y=precision, mode="lines", name=tag, legendgroup=tag,
                                 line={"color": colour, "shape": "hv"},
                                 customdata=np.append(cuts, np.nan),
                                 hovertemplate=tag + ": recall %{x:.2f}, precision %{y:.2f}, threshold "
                                               "%{customdata:.2f}<extra></extra>"))
        chosen = S[:, j] >= vector[j]
        tp = int((chosen & Y[:, j]).sum())
        p = tp / chosen.sum() if chosen.any() else 1.0
        r = tp / Y[:, j].sum()
        fig.add_trace(go.Scatter(x=[r], y=[p], mode="markers", name=f"{tag} at {vector[j]:.2f}", legendgroup=tag,
                                 showlegend=False, marker={"symbol": "star", "size": 14, "color": colour,
                                                           "line": {"width": 1, "color": "black"}},
                                 hovertemplate=f"{tag}: chosen threshold {vector[j]:.3f}<br>recall %{{x:.2f}}, "
                                               "precision %{y:.2f}<extra></extra>"))
    fig.update_layout(template="plotly_white", xaxis={"title": "recall", "range": [0, 1.02]},
                      yaxis={"title": "precision", "range": [0, 1.02]}, legend={"title": "tag"},
                      title=title or "Precision-recall per tag (stars: the chosen thresholds)")
    return fig


def f1_scores_by_threshold(Y, proba, grid, *, min_tags: int = 0) -> dict[str, np.ndarray]:
    """Micro-F1 and macro-F1 (over labels present in ``Y``) for one global threshold per ``grid`` value.

    Example:
        >>> out = f1_scores_by_threshold([[1, 0], [0, 1]], [[0.9, 0.2], [0.4, 0.6]], [0.3, 0.5])
        >>> out["micro_f1"].round(3).tolist()
        [0.8, 1.0]
    """
    from ...metrics import as_label_matrix, as_scores
    from ...thresholds import Thresholds

    Y = as_label_matrix(Y, "Y")
    S = as_scores(proba, shape=Y.shape)
    present = Y.any(axis=0)
    micro, macro = [], []
    for t in grid:
        P = Thresholds(method="fixed", fixed=float(t), min_tags=min_tags).decide(S)
        tp, n_pred, n_true = (Y & P).sum(0), P.sum(0), Y.sum(0)
        micro.append(2 * tp.sum() / max(n_pred.sum() + n_true.sum(), 1))
        f1 = np.divide(2 * tp, n_pred + n_true, out=np.zeros(len(tp)), where=(n_pred + n_true) > 0)
        macro.append(f1[present].mean() if present.any() else 0.0)
    return {"threshold": np.asarray(grid, dtype=float), "micro_f1": np.array(micro), "macro_f1": np.array(macro)}


def f1_by_threshold(Y, proba, *, chosen: float | None = None, min_tags: int = 0, grid=None,
                    title: str | None = None) -> go.Figure:
    """Micro- and macro-F1 if every tag used one threshold, over a grid (default 0.02 to 0.98), with the
    chosen threshold as a dashed line (``min_tags`` as the model applies it)."""
    import plotly.graph_objects as go

    grid = np.round(np.arange(0.02, 0.981, 0.02), 2) if grid is None else np.asarray(grid, dtype=float)
    scores = f1_scores_by_threshold(Y, proba, grid, min_tags=min_tags)
    fig = go.Figure()
    for key, name in (("micro_f1", "micro-F1"), ("macro_f1", "macro-F1")):
        fig.add_trace(go.Scatter(x=scores["threshold"], y=scores[key], mode="lines+markers", name=name,
                                 marker={"size": 4},
                                 hovertemplate="threshold %{x:.2f}: " + name + " %{y:.3f}<extra></extra>"))
    best = int(np.argmax(scores["micro_f1"]))
    if chosen is not None:
        fig.add_vline(x=float(chosen), line_dash="dash", line_color="black",
                      annotation_text=f"chosen {chosen:.2f}", annotation_position="top")
    fig.update_layout(template="plotly_white", xaxis={"title": "threshold (one for all tags)", "range": [0, 1]},
                      yaxis={"title": "F1", "range": [0, 1]},
                      title=title or f"F1 against the threshold (best micro-F1 {scores['micro_f1'][best]:.3f} at "
                                     f"{scores['threshold'][best]:.2f}" + (f"; min {min_tags} tag per question"
                                                                           if min_tags else "") + ")")
    return fig
