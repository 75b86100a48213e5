"""The 2-D question map: one marker per test question, coloured by its first actual tag.

Example:
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": ["1", "2"], "x": [0.0, 1.0], "y": [1.0, 0.0], "title": ["a", "b"],
    ...                       "tags": [["sql"], ["php"]], "predicted": [["sql"], ["sql"]],
    ...                       "first_tag": ["sql", "php"], "outcome": ["correct", "wrong"]})
    >>> fig = question_map(frame)
    >>> sorted(int(c) for t in fig.data for c in (t.customdata if t.customdata is not None else []))
    [0, 1]
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import plotly.graph_objects as go

# marker symbol per outcome: errors stand out as open diamonds (partial) and crosses (wrong)
SYMBOLS = {"correct": "circle", "partial": "diamond-open", "wrong": "x"}
OUTCOME_TEXT = {"correct": "correct (all tags)", "partial": "partly right", "wrong": "wrong (no tag right)"}
WEBGL_ABOVE = 1_500  # more points than this are drawn with WebGL (Scattergl): SVG gets slow in the browser


def _hover(row) -> str:
    tags = ", ".join(row.tags) or "(none)"
    predicted = ", ".join(row.predicted) or "(none)"
    return (f"<b>{html.escape(str(row.title))}</b><br>actual: {html.escape(tags)}<br>"
            f"predicted: {html.escape(predicted)}<br>{OUTCOME_TEXT.get(row.outcome, row.outcome)}")


def question_map(frame: pd.DataFrame, *, title: str | None = None) -> go.Figure:
    """Scatter of :func:`~multilabeltext.viz.projection.question_map_frame`'s rows.

    One trace per first actual tag (click the legend to hide tags); the marker symbol shows the outcome
    (circle: all tags right, open diamond: partly right, cross: no tag right); hover shows the title, the
    actual and the predicted tags. Each point's ``customdata`` is its row position in ``frame``, so a Dash
    ``selectedData`` event maps back to table rows. Above ``WEBGL_ABOVE`` points the markers are drawn
    with WebGL (``Scattergl``), which keeps thousands of test questions smooth to pan and select.
    """
    import plotly.graph_objects as go

    Trace = go.Scattergl if len(frame) > WEBGL_ABOVE else go.Scatter
    fig = go.Figure()
    positions = {tag: [] for tag in dict.fromkeys(frame["first_tag"])}
    rank = {name: i for i, name in enumerate(SYMBOLS)}  # correct first: the legend shows a trace's first symbol
    for pos in sorted(range(len(frame)), key=lambda i: rank.get(frame["outcome"].iat[i], 3)):
        positions[frame["first_tag"].iat[pos]].append(pos)
    for tag, rows in positions.items():
        part = frame.iloc[rows]
        fig.add_trace(Trace(
            x=part["x"], y=part["y"], mode="markers", name=str(tag), legendgroup=str(tag),
            customdata=rows, hovertext=[_hover(r) for r in part.itertuples()],
            hovertemplate="%{hovertext}<extra>%{fullData.name}</extra>",
            marker={"symbol": [SYMBOLS.get(o, "circle") for o in part["outcome"]], "size": 8, "opacity": 0.8,
                    "line": {"width": 1}},
        ))
    counts = frame["outcome"].value_counts()
    for name, symbol in SYMBOLS.items():  # legend entries explaining the symbols
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"{OUTCOME_TEXT[name]}: "
                                 f"{int(counts.get(name, 0)):,}", legendgroup="outcome",
                                 legendgrouptitle_text="outcome", hoverinfo="skip",
                                 marker={"symbol": symbol, "size": 9, "color": "#555"}))
    n = len(frame)
    fig.update_layout(
        title=title or f"Test questions mapped in 2-D ({n:,} questions; colour: first actual tag)",
        xaxis={"title": "component 1", "zeroline": False}, yaxis={"title": "component 2", "zeroline": False},
        legend={"title": "first actual tag", "itemsizing": "constant"}, template="plotly_white",
        hoverlabel={"align": "left"}, dragmode="lasso", height=650)
    return fig
