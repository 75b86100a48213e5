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


def word_neighbours(kv, words: Sequence[str], *, topn: int = 8, title: str | None = None) -> go.Figure:
    """For each query word its ``topn`` nearest words (:func:`multilabeltext.embeddings.most_similar`,
    cosine similarity), all projected together to 2-D with PCA; one colour per query word.

    A word not in the vocabulary raises :class:`~multilabeltext.embeddings.VectorsError` suggesting others.
    """
    import plotly.graph_objects as go

    from ...embeddings import most_similar
    from ..projection import project

    groups = [(w, most_similar(kv, w, topn=topn)) for w in words]
    keys = [w if w in kv.key_to_index else w.lower() for w, _ in groups]
    all_words = [k for k, (_, near) in zip(keys, groups) for k in [k, *(n for n, _ in near)]]
    xy = project(np.stack([kv[w] for w in all_words]), "pca")
    fig = go.Figure()
    start = 0
    for key, (_, near) in zip(keys, groups):
        n = 1 + len(near)
        part = xy[start:start + n]
        start += n
        sims = [1.0, *(s for _, s in near)]
        fig.add_trace(go.Scatter(
            x=part[:, 0], y=part[:, 1], mode="markers+text", name=key,
            text=[f"<b>{key}</b>", *(w for w, _ in near)], textposition="top center",
            customdata=sims, hovertemplate="%{text}: similarity to " + key + " %{customdata:.3f}<extra></extra>",
            marker={"size": [16, *(6 + 10 * max(s, 0) for s in sims[1:])], "symbol": ["star", *["circle"] * len(near)]},
        ))
    fig.update_layout(template="plotly_white", legend={"title": "query word"},
                      xaxis={"title": "PCA 1", "zeroline": False}, yaxis={"title": "PCA 2", "zeroline": False},
                      title=title or f"Word2Vec: the {topn} nearest words of {', '.join(keys)} "
                                     f"({len(kv):,} words, {kv.vector_size} dimensions)")
    return fig
