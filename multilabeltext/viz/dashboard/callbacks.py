"""What reacts to what: thin Dash callbacks around :class:`~.data.DashboardData` and pure render helpers.

* tag picker / slider / "apply to all" / "reset" -> the threshold vector (a ``dcc.Store``) -> metrics,
  per-tag table, predictions table and the pasted question's decisions;
* map selection -> the predictions table shows only the selected questions;
* "Tag it" -> the question's tags, probabilities and the words behind them;
* the filtered row count is computed in the browser (a clientside callback: no round trip).

Example:
    >>> edit_thresholds(["a", "b"], [0.5, 0.5], "threshold-all", "a", 0.3)
    ([0.3, 0.3], None)
"""

from __future__ import annotations

from dash import Input, Output, State, ctx, html, no_update

from . import layout as ids
from .data import SUMMARY, DashboardData

MAX_TEXT_BYTES = 20_000  # longest question tagged and explained (as `serve --max-text-bytes`'s default)
MAX_REQUEST_BYTES = 8 << 20  # largest request the dashboard's server reads (a callback's inputs and state)

ROW_COUNT_JS = """
function(indices, data) {
    var total = (data || []).length;
    var shown = (indices === undefined || indices === null) ? total : indices.length;
    return shown === total ? total.toLocaleString() + " rows"
                           : shown.toLocaleString() + " of " + total.toLocaleString() + " rows match the filter";
}
"""


# ------------------------------------------------------------------------------------------ pure helpers


def edit_thresholds(labels: list[str], current: list[float], trigger: str | None, tag: str | None,
                    value: float | None, saved: list[float] | None = None) -> tuple[list[float] | None, float | None]:
    """The new threshold vector and slider value after a control changed (``None``: leave it as it is).

    ``trigger`` is the id of the control: picking a tag moves the slider to its threshold; moving the slider
    sets that tag's threshold; "apply to all" copies the slider value to every tag; "reset" restores ``saved``.

    Example:
        >>> edit_thresholds(["a", "b"], [0.5, 0.4], "tag-picker", "b", 0.5)
        (None, 0.4)
        >>> edit_thresholds(["a", "b"], [0.5, 0.4], "tag-threshold", "b", 0.7)
        ([0.5, 0.7], None)
    """
    column = labels.index(tag) if tag in labels else None
    if trigger == ids.TAG_PICKER:
        return None, (current[column] if column is not None else None)
    if trigger == ids.SLIDER and column is not None and value is not None:
        if current[column] == value:
            return None, None
        return [value if j == column else t for j, t in enumerate(current)], None
    if trigger == ids.APPLY_ALL and value is not None:
        return [float(value)] * len(labels), None
    if trigger == ids.RESET and saved is not None:
        return list(saved), (saved[column] if column is not None else None)
    return None, None


def selected_rows(selected: dict | None) -> list[int] | None:
    """Row positions (``customdata``) of the points in a ``selectedData`` event; ``None`` when nothing is selected.

    Example:
        >>> selected_rows({"points": [{"customdata": 4}, {"customdata": [7]}, {"x": 1}]})
        [4, 7]
        >>> selected_rows(None) is None
        True
    """
    if not selected or "points" not in selected:
        return None
    rows = []
    for point in selected["points"]:
        c = point.get("customdata")
        if isinstance(c, list):
            c = c[0] if c else None
        if c is not None:
            rows.append(int(c))
    return sorted(set(rows))


def render_metrics(metrics: dict, saved: dict) -> list:
    """One card per summary metric, with its change from the saved thresholds' value."""
    cards = []
    for key in SUMMARY:
        value = metrics.get(key)
        if value is None:
            continue
        delta = value - saved.get(key, value)
        shown = f"{delta:+.3f}" if abs(delta) >= 0.0005 else ""
        cards.append(html.Div(className="metric", id=f"metric-{key}", children=[
            html.Div(ids.METRIC_NAMES[key], className="name"),
            html.Div([f"{value:.3f} ", html.Span(shown, className="delta-up" if delta > 0 else "delta-down")],
                     className="value")]))
    if metrics:
        cards.append(html.Div(className="metric", children=[
            html.Div("tags per question", className="name"),
            html.Div(f"{metrics['pred_label_cardinality']:.2f} (true {metrics['label_cardinality']:.2f})",
                     className="value")]))
    return cards


def _word_list(words: list[tuple[str, float]]) -> list:
    out: list = ["words: "] if words else ["no word changes this tag"]
    for i, (word, c) in enumerate(words):
        out += [", " if i else "", html.Span(f"{word} {c:+.2f}", className="word-pos" if c > 0 else "word-neg")]
    return out


def _highlight(text: str, highlight: dict) -> html.Div:
    spans = highlight["spans"]
    strongest = max((abs(c) for _, _, c in spans), default=0.0) or 1.0
    parts: list = []
    last = 0
    for start, end, c in spans:
        parts.append(text[last:start])
        alpha = min(1.0, abs(c) / strongest) * 0.6
        colour = f"rgba(45, 164, 78, {alpha:.2f})" if c > 0 else f"rgba(207, 34, 46, {alpha:.2f})"
        parts.append(html.Span(text[start:end], title=f"{c:+.3f}",
                               style={"backgroundColor": colour, "borderRadius": "3px"} if abs(c) >= 0.005 else {}))
        last = end
    parts.append(text[last:])
    return html.Div(className="highlighted", children=[html.B(f"Words behind {highlight['tag']}: "), *parts])


def render_question(result: dict) -> list:
    """The tags of a pasted question (from :meth:`DashboardData.tag_question`) as components."""
    chips = [html.Span(t, className="chip") for t in result["predicted"]]
    out: list = [html.Div(className="predicted-tags", id="predicted-tags",
                          children=[html.B("Predicted tags: "), *(chips or ["(none)"])])]
    for row in result["tags"]:
        out.append(html.Div(className="tag-row predicted" if row["predicted"] else "tag-row", children=[
            html.Div(row["tag"], className="tag-name"),
            html.Div(className="bar", title=f"threshold {row['threshold']:g}", children=[
                html.Div(className="fill", style={"width": f"{100 * row['probability']:.1f}%"}),
                html.Div(className="mark", style={"left": f"{100 * row['threshold']:.1f}%"})]),
            html.Div(f"{row['probability']:.3f}"),
            html.Div(_word_list([(w, c) for w, c in row["words"] if abs(c) >= 0.005]), className="words"),
        ]))
    if result["highlight"]["tag"] and result["highlight"]["spans"]:
        out.append(_highlight(result["text"], result["highlight"]))
    return out


def text_too_long(text: str, limit: int | None = None) -> str | None:
    """A note when ``text`` is over ``limit`` UTF-8 bytes (the API's ``--max-text-bytes`` default), else ``None``.

    Explaining a question scores it once per distinct word (up to 200): a pasted 1 MB text took 55 s and 6 GB.

    Example:
        >>> text_too_long("short") is None
        True
    """
    limit = MAX_TEXT_BYTES if limit is None else limit
    size = len(text.encode("utf-8", errors="replace"))
    if size <= limit:
        return None
    return (f"This text is {size:,} bytes; the dashboard tags questions of up to {limit:,} bytes "
            "(about the length of a long Stack Overflow question). Paste a shorter part of it.")


def threshold_note(data: DashboardData, thresholds: list[float]) -> str:
    changed = sum(abs(a - b) > 1e-9 for a, b in zip(thresholds, data.saved_thresholds))
    if not changed:
        return f"Saved thresholds ({data.description['thresholds']})."
    return f"{changed} of {len(data.labels)} tag thresholds differ from the saved ones; metrics show the change."


# ---------------------------------------------------------------------------------------------- wiring


def register(app, data: DashboardData) -> None:
    """Attach every callback of the page to ``app`` (built on :func:`.layout.build_layout` of ``data``)."""
    saved = [float(t) for t in data.saved_thresholds]

    @app.callback(Output(ids.THRESHOLDS, "data"), Output(ids.SLIDER, "value"),
                  Input(ids.TAG_PICKER, "value"), Input(ids.SLIDER, "value"), Input(ids.APPLY_ALL, "n_clicks"),
                  Input(ids.RESET, "n_clicks"), State(ids.THRESHOLDS, "data"), prevent_initial_call=True)
    def update_thresholds(tag, value, _all, _reset, current):
        thresholds, slider = edit_thresholds(data.labels, current, ctx.triggered_id, tag, value, saved)
        return (no_update if thresholds is None else thresholds), (no_update if slider is None else slider)

    @app.callback(Output(ids.METRICS, "children"), Output(ids.PER_TAG, "data"), Output(ids.THRESHOLD_NOTE, "children"),
                  Input(ids.THRESHOLDS, "data"))
    def update_metrics(thresholds):
        rows = [{**row, "id": row["tag"]} for row in data.per_tag(thresholds)]
        return render_metrics(data.metrics(thresholds), data.saved_metrics), rows, threshold_note(data, thresholds)

    @app.callback(Output(ids.TAG_PICKER, "value"), Input(ids.PER_TAG, "active_cell"), prevent_initial_call=True)
    def pick_from_table(cell):
        return cell["row_id"] if cell and cell.get("row_id") in data.labels else no_update

    @app.callback(Output(ids.TABLE, "data"), Output(ids.SELECTION_NOTE, "children"),
                  Input(ids.THRESHOLDS, "data"), Input(ids.MAP, "selectedData"), prevent_initial_call=True)
    def update_table(thresholds, selected):
        rows = selected_rows(selected)
        note = "" if rows is None else f"Showing the {len(rows):,} questions selected on the map."
        return data.table_rows(thresholds, rows), note

    @app.callback(Output(ids.RESULT, "children"), Input(ids.SUBMIT, "n_clicks"), Input(ids.THRESHOLDS, "data"),
                  State(ids.QUESTION, "value"), prevent_initial_call=True)
    def tag_question(clicks, thresholds, text):
        if not clicks:  # thresholds moved before any question was asked
            return no_update
        if not text or not text.strip():
            return html.Div("Type or paste a question first.", className="hint")
        too_long = text_too_long(text)
        if too_long:
            return html.Div(too_long, className="hint")
        return render_question(data.tag_question(text, thresholds))

    app.clientside_callback(ROW_COUNT_JS, Output(ids.ROW_COUNT, "children"),
                            Input(ids.TABLE, "derived_virtual_indices"), Input(ids.TABLE, "data"))
