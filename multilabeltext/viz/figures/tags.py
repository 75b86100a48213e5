"""What the data looks like: how often each tag occurs, and which tags occur together.

Example:
    >>> fig = tag_frequencies({"python": 3, "sql": 5})
    >>> list(fig.data[0].x), list(fig.data[0].y)
    (['sql', 'python'], [5, 3])
    >>> fig = tag_cooccurrence([["a", "b"], ["a"], ["a", "b"]])
    >>> fig.data[0].z[0][1], fig.data[0].z[1][0]
    (2, 2)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import plotly.graph_objects as go

SPLITS = ("train", "validation", "test")


def tag_frequencies(counts: Mapping[str, int] | Sequence[Mapping], *, top: int = 30,
                    title: str | None = None) -> go.Figure:
    """Bars of questions per tag, most frequent first (the ``top`` tags).

    ``counts`` is ``{tag: count}``, or the dataset manifest's ``labels`` list (``{"tag", "train",
    "validation", "test", ...}`` per tag), which gives one stacked bar segment per split.
    """
    import plotly.graph_objects as go

    if isinstance(counts, Mapping):
        rows = [{"tag": str(t), "count": int(c)} for t, c in counts.items()]
        parts: tuple[str, ...] = ("count",)
    else:
        rows = [dict(r) for r in counts]
        parts = tuple(s for s in SPLITS if any(s in r for r in rows)) or ("count",)
        for r in rows:
            r.setdefault("count", sum(int(r.get(s, 0)) for s in parts))
    rows.sort(key=lambda r: (-sum(int(r.get(p, 0)) for p in parts), r["tag"]))
    rows = rows[:top]
    tags = [r["tag"] for r in rows]
    fig = go.Figure()
    for part in parts:
        fig.add_trace(go.Bar(x=tags, y=[int(r.get(part, 0)) for r in rows], name=part,
                             hovertemplate="%{x}: %{y:,} questions<extra>" + part + "</extra>"))
    shown = f"the {len(tags)} most frequent tags" if len(tags) < len(counts) else f"all {len(tags)} tags"
    fig.update_layout(barmode="stack", template="plotly_white", title=title or f"Questions per tag ({shown})",
                      xaxis={"title": "tag", "tickangle": -45}, yaxis={"title": "questions"},
                      showlegend=len(parts) > 1, legend={"title": "split"})
    return fig


def cooccurrence_matrix(tag_lists: Iterable[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    """``C[i, j]``: questions tagged both ``labels[i]`` and ``labels[j]`` (``C[i, i]``: questions tagged ``labels[i]``).

    Example:
        >>> cooccurrence_matrix([["a", "b"], ["b"]], ["a", "b"]).tolist()
        [[1, 1], [1, 2]]
    """
    index = {t: i for i, t in enumerate(labels)}
    C = np.zeros((len(labels), len(labels)), dtype=np.int64)
    for tags in tag_lists:
        cols = sorted({index[t] for t in tags if t in index})
        if cols:
            C[np.ix_(cols, cols)] += 1
    return C


def tag_cooccurrence(tag_lists: Iterable[Sequence[str]], labels: Sequence[str] | None = None, *, top: int = 20,
                     title: str | None = None) -> go.Figure:
    """Heatmap of how many questions carry each pair of tags (the ``top`` most frequent tags).

    The diagonal (a tag with itself) is left blank so the pairs set the colour scale; each tag's own count
    is in its axis label.
    """
    import plotly.graph_objects as go

    tag_lists = [list(t) for t in tag_lists]
    freq = Counter(t for tags in tag_lists for t in set(tags))
    if labels is None:
        labels = sorted(freq, key=lambda t: (-freq[t], t))
    labels = sorted(labels, key=lambda t: (-freq.get(t, 0), list(labels).index(t)))[:top]
    C = cooccurrence_matrix(tag_lists, labels)
    z = C.astype(object)
    np.fill_diagonal(z, None)
    names = [f"{t} ({C[i, i]:,})" for i, t in enumerate(labels)]
    fig = go.Figure(go.Heatmap(z=z.tolist(), x=names, y=names, colorscale="Blues", hoverongaps=False,
                               customdata=C.tolist(), colorbar={"title": "questions"},
                               hovertemplate="%{y} + %{x}: %{customdata:,} questions<extra></extra>"))
    fig.update_layout(template="plotly_white", height=max(450, 22 * len(labels) + 200),
                      title=title or f"Tags that occur together ({len(tag_lists):,} questions)",
                      xaxis={"tickangle": -45}, yaxis={"autorange": "reversed"})
    return fig
