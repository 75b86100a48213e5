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
# distinct colours for the most frequent first tags (plotly's "Plotly" palette plus D3's brown); more tags
# than colours would repeat them, so the rest are grey
PALETTE = ("#636EFA", "#EF553B", "#00CC96", "#AB63FA", "#FFA15A", "#19D3F3", "#FF6692", "#B6E880", "#FF97FF",
           "#FECB52", "#8c564b")
COLOURED_TAGS = len(PALETTE)
OTHER_COLOUR, LEGEND_GREY = "#c4c4c4", "#555555"


def _hover(row) -> str:
    tags = ", ".join(row.tags) or "(none)"
    predicted = ", ".join(row.predicted) or "(none)"
    return (f"<b>{html.escape(str(row.title))}</b><br>actual: {html.escape(tags)}<br>"
            f"predicted: {html.escape(predicted)}<br>{OUTCOME_TEXT.get(row.outcome, row.outcome)}")


def question_map(frame: pd.DataFrame, *, title: str | None = None, colours: int = COLOURED_TAGS) -> go.Figure:
    """Scatter of :func:`~multilabeltext.viz.projection.question_map_frame`'s rows.

    Colour: the question's first actual tag, for the ``colours`` most frequent first tags (each its own
    colour, none repeated); every other question is grey, in one "other tags" trace (its hover still names
    the tags). Symbol: the outcome (circle: all tags right, open diamond: partly right, cross: no tag
    right). The legend keeps the two apart: tag entries are plain coloured squares (click one to hide that
    tag's questions), outcome entries grey symbols. Hover shows the title, the actual and the predicted tags.
    Each point's ``customdata`` is its row position in ``frame``, so a Dash ``selectedData`` event maps back
    to table rows. Above ``WEBGL_ABOVE`` points the markers are drawn with WebGL (``Scattergl``), which keeps
    thousands of test questions smooth to pan and select.
    """
    import plotly.graph_objects as go

    Trace = go.Scattergl if len(frame) > WEBGL_ABOVE else go.Scatter
    fig = go.Figure()
    by_count = frame["first_tag"].value_counts(sort=True)  # most frequent first; ties in order of appearance
    coloured = [str(t) for t in by_count.index[:min(colours, len(PALETTE))]]
    colour = {tag: PALETTE[i] for i, tag in enumerate(coloured)}
    others = len(by_count) - len(coloured)
    other_name = f"other tags ({others})"
    positions = {name: [] for name in [other_name, *coloured]}  # the grey ones drawn first, underneath
    rank = {name: i for i, name in enumerate(SYMBOLS)}  # correct first, errors drawn on top
    for pos in sorted(range(len(frame)), key=lambda i: rank.get(frame["outcome"].iat[i], 3)):
        tag = str(frame["first_tag"].iat[pos])
        positions[tag if tag in colour else other_name].append(pos)
    legend_rank = {name: i + 1 for i, name in enumerate(coloured)} | {other_name: 500}  # legend: by frequency
    for name, rows in positions.items():
        if not rows:
            continue
        part = frame.iloc[rows]
        fill = colour.get(name, OTHER_COLOUR)
        fig.add_trace(Trace(
            x=part["x"], y=part["y"], mode="markers", name=name, legendgroup=name, showlegend=False,
            customdata=rows, hovertext=[_hover(r) for r in part.itertuples()],
            hovertemplate="%{hovertext}<extra></extra>",
            marker={"symbol": [SYMBOLS.get(o, "circle") for o in part["outcome"]], "size": 8,
                    "opacity": 0.8 if name in colour else 0.45, "color": fill, "line": {"width": 1, "color": fill}},
        ))
        fig.add_trace(go.Scatter(  # the legend entry: colour only, the same square for every tag
            x=[None], y=[None], mode="markers", name=name, legendgroup=name, legendrank=legend_rank[name],
            legendgrouptitle_text="first actual tag" if name == coloured[0] else None, hoverinfo="skip",
            marker={"symbol": "square", "size": 10, "color": fill}))
    counts = frame["outcome"].value_counts()
    for name, symbol in SYMBOLS.items():  # legend entries explaining the symbols, in one neutral colour
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=f"{OUTCOME_TEXT[name]}: "
                                 f"{int(counts.get(name, 0)):,}", legendgroup="outcome",
                                 legendgrouptitle_text="outcome", hoverinfo="skip", legendrank=900,
                                 marker={"symbol": symbol, "size": 9, "color": LEGEND_GREY,
                                         "line": {"width": 1, "color": LEGEND_GREY}}))
    n = len(frame)
    what = (f"colour: first actual tag, the {len(coloured)} most frequent; grey: {others} other tags" if others
            else "colour: first actual tag")
    fig.update_layout(
        title=title or f"Test questions mapped in 2-D ({n:,} questions; {what})",
        xaxis={"title": "component 1", "zeroline": False}, yaxis={"title": "component 2", "zeroline": False},
        legend={"itemsizing": "constant", "tracegroupgap": 6}, template="plotly_white",
        hoverlabel={"align": "left"}, dragmode="lasso", height=650)
    return fig
