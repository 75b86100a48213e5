"""The Word2Vec explorer: query words and their nearest neighbours, placed in 2-D by PCA.

Example:
    >>> import numpy as np
    >>> from gensim.models import KeyedVectors
    >>> kv = KeyedVectors(vector_size=3)
    >>> kv.add_vectors(["sql", "mysql", "join", "css"], np.array([[1, 0, 0], [0.9, 0.1, 0], [0.8, 0, 0.2],
    ...                                                           [0, 1, 0.]]))
    >>> fig = word_neighbours(kv, ["sql"], topn=2)
    >>> list(fig.data[0].text)
    ['<b>sql</b>', 'mysql', 'join']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import plotly.graph_objects as go


# the plot area the labels are laid out for (px): the report's width and a bit less; a wider window only adds room
PLOT_WIDTH, PLOT_HEIGHT, FONT_PX = 720, 430, 12
MARGIN = {"l": 60, "r": 20, "t": 70, "b": 60}
POSITIONS = ("top center", "bottom center", "middle right", "middle left", "top right", "top left",
             "bottom right", "bottom left")


def _label_box(x: float, y: float, text: str, position: str, bold: bool) -> tuple[float, float, float, float]:
    """The pixel box (x0, y0, x1, y1; y grows upwards) a label takes at ``position`` around a point at (x, y)."""
    w = len(text) * FONT_PX * (0.66 if bold else 0.6) + 2
    h = FONT_PX * 1.25
    gap = 7  # a marker's radius
    vertical, horizontal = position.split()
    cx = {"center": x - w / 2, "right": x + gap, "left": x - gap - w}[horizontal]
    cy = {"top": y + gap, "bottom": y - gap - h, "middle": y - h / 2}[vertical]
    return cx, cy, cx + w, cy + h


def place_labels(xy: np.ndarray, texts: Sequence[str], priority: Sequence[int], x_range, y_range,
                 bold: Sequence[bool] | None = None) -> list[str | None]:
    """A text position per point (``"top center"``, ...) so that no two labels overlap each other or another
    point, or ``None``: that label is left off (its word stays in the hover). Points are placed in
    ``priority`` order (the query words first), in a plot area of ``PLOT_WIDTH`` x ``PLOT_HEIGHT`` px.

    Example:
        >>> xy = np.array([[0.0, 0.0], [0.0, 0.001], [5.0, 5.0]])
        >>> place_labels(xy, ["alpha", "beta", "gamma"], [0, 1, 2], (-1, 6), (-1, 6))
        ['top center', 'bottom center', 'top center']
    """
    bold = list(bold) if bold is not None else [False] * len(texts)
    sx = PLOT_WIDTH / (x_range[1] - x_range[0])
    sy = PLOT_HEIGHT / (y_range[1] - y_range[0])
    px = [((a - x_range[0]) * sx, (b - y_range[0]) * sy) for a, b in xy]
    r = 6
    taken = [(x - r, y - r, x + r, y + r) for x, y in px]  # the markers themselves

    markers = len(taken)

    def free(box, own: int, first: int = 0) -> bool:
        x0, y0, x1, y1 = box
        if x0 < 0 or x1 > PLOT_WIDTH or y0 < 0 or y1 > PLOT_HEIGHT:
            return False
        return not any(i != own and x0 < b[2] and b[0] < x1 and y0 < b[3] and b[1] < y1
                       for i, b in enumerate(taken[first:], first))

    out: list[str | None] = [None] * len(texts)
    for i in priority:
        boxes = [(position, _label_box(*px[i], texts[i], position, bold[i])) for position in POSITIONS]
        chosen = next(((pos, box) for pos, box in boxes if free(box, i)), None)
        if chosen is None and bold[i]:  # a query word is always labelled: over markers if it must, never labels
            chosen = next(((pos, box) for pos, box in boxes if free(box, i, first=markers)), boxes[0])
        if chosen is not None:
            out[i] = chosen[0]
            taken.append(chosen[1])
    return out


def word_neighbours(kv, words: Sequence[str], *, topn: int = 8, title: str | None = None) -> go.Figure:
    """For each query word its ``topn`` nearest words (:func:`multilabeltext.embeddings.most_similar`,
    cosine similarity), all projected together to 2-D with PCA; one colour per query word.

    Labels never overlap (:func:`place_labels`): in a dense cluster the closest neighbours are labelled
    and the rest are left to the hover. A word not in the vocabulary raises
    :class:`~multilabeltext.embeddings.VectorsError` suggesting others.
    """
    import plotly.graph_objects as go

    from ...embeddings import most_similar
    from ..projection import project

    groups = [(w, most_similar(kv, w, topn=topn)) for w in words]
    keys = [w if w in kv.key_to_index else w.lower() for w, _ in groups]
    all_words = [k for k, (_, near) in zip(keys, groups) for k in [k, *(n for n, _ in near)]]
    xy = project(np.stack([kv[w] for w in all_words]), "pca")
    sims_all = [s for _, near in groups for s in [2.0, *(s for _, s in near)]]  # query words first
    is_key = [s == 2.0 for s in sims_all]
    pad_x = 0.12 * (np.ptp(xy[:, 0]) or 1.0)
    pad_y = 0.12 * (np.ptp(xy[:, 1]) or 1.0)
    x_range = (float(xy[:, 0].min() - pad_x), float(xy[:, 0].max() + pad_x))
    y_range = (float(xy[:, 1].min() - pad_y), float(xy[:, 1].max() + pad_y))
    priority = sorted(range(len(all_words)), key=lambda i: -sims_all[i])
    positions = place_labels(xy, all_words, priority, x_range, y_range, bold=is_key)
    fig = go.Figure()
    start = 0
    for key, (_, near) in zip(keys, groups):
        n = 1 + len(near)
        part, where = xy[start:start + n], positions[start:start + n]
        start += n
        sims = [1.0, *(s for _, s in near)]
        names = [key, *(w for w, _ in near)]
        labels = [f"<b>{key}</b>", *(w for w, _ in near)]
        fig.add_trace(go.Scatter(
            x=part[:, 0], y=part[:, 1], mode="markers+text", name=key,
            text=[label if pos else "" for label, pos in zip(labels, where)],
            textposition=[pos or "top center" for pos in where], hovertext=names,
            customdata=sims, hovertemplate="%{hovertext}: similarity to " + key + " %{customdata:.3f}<extra></extra>",
            marker={"size": [16, *(6 + 10 * max(s, 0) for s in sims[1:])], "symbol": ["star", *["circle"] * len(near)]},
        ))
    hidden = sum(pos is None for pos in positions)
    fig.update_layout(template="plotly_white", legend={"title": "query word"}, height=MARGIN["t"] + MARGIN["b"]
                      + PLOT_HEIGHT, margin=MARGIN,
                      xaxis={"title": "PCA 1", "zeroline": False, "range": list(x_range)},
                      yaxis={"title": "PCA 2", "zeroline": False, "range": list(y_range)},
                      title=title or f"Word2Vec: the {topn} nearest words of {', '.join(keys)} "
                                     f"({len(kv):,} words, {kv.vector_size} dimensions)"
                                     + (f"<br><sup>{hidden} labels left off where they would overlap: hover the "
                                        "points</sup>" if hidden else ""))
    return fig
