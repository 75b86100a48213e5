"""The dashboard page: four panels (tag a question, thresholds and metrics, question map, predictions table).

Component ids are module constants, shared with :mod:`.callbacks` and the browser test. Styling is one
inline stylesheet in :data:`INDEX_STRING` (no assets folder to package).

Example (a trained model directory is needed; ``tests/viz/test_dashboard.py`` builds one)::

    from multilabeltext.viz.dashboard.data import DashboardData
    page = build_layout(DashboardData.load("models/pyq-linear"))
"""

from __future__ import annotations

from dash import dash_table, dcc, html

from .data import SUMMARY, DashboardData

# component ids
QUESTION, SUBMIT, RESULT = "question-text", "question-submit", "question-result"
THRESHOLDS, TAG_PICKER, SLIDER = "thresholds", "tag-picker", "tag-threshold"
APPLY_ALL, RESET, THRESHOLD_NOTE = "threshold-all", "threshold-reset", "threshold-note"
METRICS, PER_TAG = "metrics", "per-tag-table"
MAP, TABLE, ROW_COUNT, SELECTION_NOTE = "question-map", "predictions-table", "row-count", "selection-note"

PAGE_SIZE = 15
METRIC_NAMES = {"micro_precision": "micro P", "micro_recall": "micro R", "micro_f1": "micro F1",
                "macro_precision": "macro P", "macro_recall": "macro R", "macro_f1": "macro F1",
                "samples_f1": "samples F1"}
assert set(METRIC_NAMES) == set(SUMMARY)


def _filter(hint: str) -> dict:
    """A column's filter box with a short example as its placeholder (Dash's "filter data..." is cut off in
    narrow columns; every hint must fit its column: the browser test measures them)."""
    return {"filter_options": {"placeholder_text": hint, "case": "insensitive"}}


TABLE_COLUMNS = [
    {"id": "id", "name": "id", **_filter("filter")},
    {"id": "title", "name": "question", **_filter("words in the title")},
    {"id": "tags", "name": "actual tags", **_filter("e.g. pandas")},
    {"id": "predicted", "name": "predicted tags", **_filter("e.g. pandas")},
    {"id": "false_pos", "name": "false positives", **_filter("filter")},
    {"id": "false_neg", "name": "false negatives", **_filter("filter")},
    {"id": "outcome", "name": "outcome", **_filter("wrong")},
    {"id": "top_score", "name": "top score", "type": "numeric", **_filter("> 0.9")},
]
FP_COLOUR, FN_COLOUR = "#fbd5d5", "#fde8c4"
TABLE_STYLES = [
    {"if": {"filter_query": '{false_pos} != ""', "column_id": "false_pos"},
     "backgroundColor": FP_COLOUR, "color": "#9b1c1c", "fontWeight": "600"},
    {"if": {"filter_query": '{false_neg} != ""', "column_id": "false_neg"},
     "backgroundColor": FN_COLOUR, "color": "#8a4b08", "fontWeight": "600"},
    {"if": {"filter_query": '{outcome} = "correct"', "column_id": "outcome"}, "color": "#1e7b34"},
    {"if": {"filter_query": '{outcome} = "partial"', "column_id": "outcome"}, "color": "#8a4b08"},
    {"if": {"filter_query": '{outcome} = "wrong"', "column_id": "outcome"}, "color": "#9b1c1c", "fontWeight": "600"},
]
PER_TAG_COLUMNS = [
    {"id": "tag", "name": "tag", **_filter("filter")},
    {"id": "support", "name": "support", "type": "numeric", **_filter("> 10")},
    {"id": "predicted", "name": "predicted", "type": "numeric", **_filter("> 10")},
    {"id": "threshold", "name": "threshold", "type": "numeric", **_filter("< 0.5")},
    {"id": "precision", "name": "P", "type": "numeric", "format": {"specifier": ".3f"}, **_filter("< .5")},
    {"id": "recall", "name": "R", "type": "numeric", "format": {"specifier": ".3f"}, **_filter("< .5")},
    {"id": "f1", "name": "F1", "type": "numeric", "format": {"specifier": ".3f"}, **_filter("< .5")},
]

CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; background: #f4f5f7;
       color: #1f2328; }
.page { max-width: 1500px; margin: 0 auto; padding: 12px 20px 40px; }
.header h1 { font-size: 1.5rem; margin: 8px 0 2px; }
.header .about { color: #57606a; font-size: 0.9rem; }
.grid { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; margin-top: 16px; }
@media (max-width: 1100px) { .grid { grid-template-columns: minmax(0, 1fr); } }
.panel { background: #fff; border: 1px solid #d0d7de; border-radius: 8px; padding: 12px 16px; }
.panel.wide { grid-column: 1 / -1; }
.panel h2 { font-size: 1.1rem; margin: 0 0 8px; }
.hint { color: #57606a; font-size: 0.85rem; margin: 4px 0 8px; }
textarea#question-text { width: 100%; box-sizing: border-box; font: inherit; padding: 8px; min-height: 70px; }
button { font: inherit; padding: 5px 12px; margin: 6px 6px 6px 0; border: 1px solid #8c959f; border-radius: 6px;
         background: #f6f8fa; cursor: pointer; }
button.primary { background: #1f6feb; color: #fff; border-color: #1f6feb; }
.tag-row { display: grid; grid-template-columns: 140px 1fr 60px; align-items: center; gap: 8px; margin: 4px 0; }
.tag-name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; }
.tag-row.predicted .tag-name::after { content: " \\2713"; color: #1e7b34; }
.bar { background: #eaeef2; border-radius: 4px; height: 14px; position: relative; }
.bar .fill { background: #8c959f; height: 100%; border-radius: 4px; }
.tag-row.predicted .bar .fill { background: #2da44e; }
.bar .mark { position: absolute; top: -3px; width: 2px; height: 20px; background: #cf222e; }
.words { grid-column: 2 / -1; font-size: 0.82rem; color: #57606a; margin-bottom: 4px; }
.word-pos { color: #1a7f37; } .word-neg { color: #cf222e; }
.highlighted { line-height: 1.9; padding: 8px; background: #f6f8fa; border-radius: 6px; margin-top: 8px; }
.predicted-tags .chip { display: inline-block; background: #dafbe1; border: 1px solid #2da44e; border-radius: 12px;
                        padding: 1px 10px; margin: 2px 4px 2px 0; font-weight: 600; }
.metrics { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 8px; margin: 8px 0; }
.metric { background: #f6f8fa; border-radius: 6px; padding: 6px 8px; }
.metric .name { font-size: 0.78rem; color: #57606a; }
.metric .value { font-size: 1.25rem; font-weight: 600; }
.delta-up { color: #1a7f37; font-size: 0.8rem; } .delta-down { color: #cf222e; font-size: 0.8rem; }
.controls { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1.3fr); gap: 12px; align-items: center; }
/* the slider's number box: Dash sizes it for 4 characters, so a tuned 0.309 was cut off */
#tag-threshold input[type=number] { width: 5.8em !important; padding: 0 6px !important; box-sizing: border-box;
                                    text-align: right; font-variant-numeric: tabular-nums; }
/* every filter box shows its short example (Dash shows only the first column's, the others on hover) */
.dash-table-container .dash-spreadsheet-container .dash-spreadsheet-inner th.dash-filter input::placeholder {
    color: #8c959f !important; }
.legend span { display: inline-block; padding: 0 8px; border-radius: 4px; margin-right: 6px; font-size: 0.85rem; }
.row-count { font-weight: 600; margin: 4px 0; }
"""

INDEX_STRING = """<!DOCTYPE html>
<html>
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
        <style>""" + CSS + """</style>
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def _header(data: DashboardData) -> html.Div:
    d = data.description
    about = (f"{d['model']} model · {d['rows']:,} test questions · {d['labels']} tags · thresholds: "
             f"{d['thresholds']}, at least {d['min_tags']} tag(s) per question"
             + (f" · dataset {d['dataset']}" if d["dataset"] else ""))
    return html.Div(className="header", children=[html.H1(f"multilabeltext dashboard: {d['name']}"),
                                                  html.Div(about, className="about")])


def _question_panel() -> html.Div:
    return html.Div(className="panel", children=[
        html.H2("Tag a question"),
        html.Div("Paste a question (title, or title and body); the model's best tags appear with their "
                 "probabilities (red mark: the tag's threshold) and the words that pushed each up (green) or "
                 "down (red), found by removing one word at a time.", className="hint"),
        dcc.Textarea(id=QUESTION, placeholder="e.g. How do I merge two dicts in Python?", value=""),
        html.Button("Tag it", id=SUBMIT, n_clicks=0, className="primary"),
        dcc.Loading(html.Div(id=RESULT), type="dot"),
    ])


def _thresholds_panel(data: DashboardData) -> html.Div:
    first = data.tag_options[0]["value"] if data.tag_options else None
    value = float(data.saved_thresholds[data.labels.index(first)]) if first else 0.5
    return html.Div(className="panel", children=[
        html.H2("Thresholds and test metrics"),
        html.Div("Pick a tag (or click it in the table) and move its threshold: the metrics, the per-tag table "
                 "and the predictions table are recomputed on the test rows.", className="hint"),
        dcc.Store(id=THRESHOLDS, data=[float(t) for t in data.saved_thresholds]),
        html.Div(className="controls", children=[
            dcc.Dropdown(id=TAG_PICKER, options=data.tag_options, value=first, clearable=False),
            # no floating tooltip: the number box beside the slider shows (and takes) the exact value; an
            # always-visible tooltip covered the 0.25 mark and, near 0, the buttons below. Step 0.001 keeps
            # a tuned threshold such as 0.309 as it is.
            dcc.Slider(id=SLIDER, min=0, max=1, step=0.001, value=value,
                       marks={v: f"{v:g}" for v in (0, 0.25, 0.5, 0.75, 1)}),
        ]),
        html.Button("Apply this threshold to all tags", id=APPLY_ALL, n_clicks=0),
        html.Button("Reset to the saved thresholds", id=RESET, n_clicks=0),
        html.Div(id=THRESHOLD_NOTE, className="hint"),
        html.Div(id=METRICS, className="metrics"),
        dash_table.DataTable(
            id=PER_TAG, columns=PER_TAG_COLUMNS, data=[], sort_action="native", filter_action="native",
            page_action="native", page_size=8, style_table={"overflowX": "auto"},
            style_cell={"fontSize": "0.85rem", "padding": "3px 6px", "fontFamily": "inherit"},
            style_data_conditional=[{"if": {"filter_query": "{threshold} != {saved}", "column_id": "threshold"},
                                     "backgroundColor": "#ddf4ff", "fontWeight": "600"}]),
    ])


def _map_panel(data: DashboardData) -> html.Div:
    from ..figures import question_map

    figure = question_map(data.map_frame()) if data.n_rows else {}
    return html.Div(className="panel wide", children=[
        html.H2("Question map"),
        html.Div("Each test question as a point (the model's score vectors, PCA); select points with the lasso "
                 "or box to show only them in the table below; double-click the map to clear.", className="hint"),
        dcc.Graph(id=MAP, figure=figure, config={"displaylogo": False}),
    ])


def _table_panel(data: DashboardData) -> html.Div:
    legend = html.Div(className="legend", children=[
        html.Span("false positives: predicted, not actual", style={"background": FP_COLOUR}),
        html.Span("false negatives: actual, missed", style={"background": FN_COLOUR})])
    return html.Div(className="panel wide", children=[
        html.H2("Test predictions"),
        html.Div("Sort by clicking a header; filter by typing in the row under it (e.g. pandas, "
                 "> 0.9 in top score, wrong in outcome); Export saves the filtered rows as CSV.",
                 className="hint"),
        legend,
        html.Div(id=SELECTION_NOTE, className="hint"),
        html.Div(id=ROW_COUNT, className="row-count"),
        dash_table.DataTable(
            id=TABLE, columns=TABLE_COLUMNS, data=data.table_rows(data.saved_thresholds),
            sort_action="native", filter_action="native", page_action="native", page_size=PAGE_SIZE,
            filter_options={"case": "insensitive"}, export_format="csv", export_headers="display",
            style_table={"overflowX": "auto"},
            style_cell={"fontSize": "0.85rem", "padding": "4px 6px", "textAlign": "left", "fontFamily": "inherit",
                        "whiteSpace": "normal", "height": "auto", "maxWidth": "420px"},
            style_cell_conditional=[{"if": {"column_id": "title"}, "minWidth": "280px"}],
            style_header={"fontWeight": "600", "backgroundColor": "#f6f8fa"},
            style_data_conditional=TABLE_STYLES),
    ])


def build_layout(data: DashboardData) -> html.Div:
    """The whole page for ``data`` (the initial table and map already filled in)."""
    return html.Div(className="page", children=[
        _header(data),
        html.Div(className="grid", children=[
            _question_panel(), _thresholds_panel(data), _map_panel(data), _table_panel(data)]),
    ])
