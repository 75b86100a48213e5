"""``multilabeltext report``: one self-contained HTML file with a model's figures and a summary.

plotly.js is inlined once (about 4.8 MB), so the file opens offline and can be mailed around; every figure
is a ``<div>`` drawn by that one script. Sections: summary table (dataset, model, sizes, thresholds,
headline metrics, timings), the data (tag frequencies, co-occurrence), training curves, quality (per-tag
scores, precision-recall curves with the chosen thresholds, F1 against the threshold), the comparison of
models (the ``compare`` models, the 2018 LSTM's predictions, the benchmark's peers), the map of the test
questions, and the Word2Vec explorer (when vectors are given or the model was trained with them).

Example (needs trained model directories, so it is not run as a doctest)::

    write_report("models/pyq-linear", compare=["models/pyq-lstm"], reference_2018=REFERENCE_2018)
    # PosixPath('models/pyq-linear/report.html')
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace

from .. import __version__
from ..errors import ConfigError

FIGURE_IDS = ("tag-frequencies", "tag-cooccurrence", "training-curves", "per-tag-scores", "precision-recall",
              "f1-threshold", "model-comparison", "question-map", "word-neighbours")
EXPLORER_WORDS = 4  # query words of the Word2Vec explorer (the most frequent tags that are words)

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto; max-width: 1200px;
       padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2rem; } .sub { color: #666; margin-top: 0; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { padding: 0.25rem 0.8rem; text-align: left;
        border-bottom: 1px solid #ddd; vertical-align: top; } th { background: #f5f5f5; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section { margin: 2.5rem 0; } .note { color: #555; } nav a { margin-right: 1rem; }
"""


def _table(rows: Sequence[tuple[str, object]]) -> str:
    cells = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in rows)
    return f"<table>{cells}</table>"


def _metrics_table(models: dict[str, dict]) -> str:
    keys = ("micro_f1", "macro_f1", "samples_f1", "p_at_1", "micro_precision", "micro_recall", "subset_accuracy")
    head = "".join(f"<th>{k}</th>" for k in ("model", *keys))
    body = "".join("<tr><td>" + html.escape(name) + "</td>" + "".join(
        f"<td class='num'>{m[k]:.4f}</td>" if isinstance(m.get(k), (int, float)) else "<td class='num'>-</td>"
        for k in keys) + "</tr>" for name, m in models.items())
    return f"<table><tr>{head}</tr>{body}</table>"


def _fmt(value, digits: int = 4) -> str:
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


def summary_rows(data) -> list[tuple[str, object]]:
    """The summary table's rows: dataset, model, sizes, thresholds, headline metrics, timings."""
    meta, test = data.meta, data.metrics.get("test") or {}
    dataset = meta.get("dataset") or {}
    splits = dataset.get("splits") or {}
    rule = data.trained.rule
    threshold = {"global": f"global {_fmt(rule.global_)} (tuned on validation)", "fixed": f"fixed {_fmt(rule.fixed)}",
                 "per-tag": f"per tag ({min(data.threshold_vector):.2f} to {max(data.threshold_vector):.2f})",
                 }[rule.method]
    timings = meta.get("timings") or {}
    train = meta.get("train") or {}
    rows = [
        ("model", f"{meta.get('model')} ({data.name}), trained {meta.get('created', '?')}"),
        ("settings", ", ".join(f"{k}={v}" for k, v in (train.get("params") or {}).items()) or "defaults"),
        ("word vectors", train.get("vectors") or "none"),
        ("dataset", dataset.get("path", "?")),
        ("rows", ", ".join(f"{k} {v:,}" for k, v in splits.items())),
        ("labels", f"{len(data.labels)}: {', '.join(data.labels[:12])}{' ...' if len(data.labels) > 12 else ''}"),
        ("thresholds", f"{threshold}; at least {rule.min_tags} tag(s) per question"),
    ]
    for key, name in (("micro_f1", "test micro-F1"), ("macro_f1", "test macro-F1"), ("samples_f1", "test samples-F1"),
                      ("p_at_1", "test P@1"), ("subset_accuracy", "test exact match")):
        if test.get(key) is not None:
            rows.append((name, _fmt(test[key])))
    if timings:
        rows.append(("timings", f"fit {timings.get('fit_seconds', '?')} s, "
                                f"{timings.get('train_texts_per_second', 0):,.0f} texts/s training"
                     + (f", {timings['predict_texts_per_second']:,.0f} texts/s predicting"
                        if "predict_texts_per_second" in timings else "")))
    return rows


def _resolve_vectors(vectors, meta: dict):
    from ..embeddings import load_vectors

    if vectors is not None:
        return load_vectors(vectors)
    saved = (meta.get("train") or {}).get("vectors")
    return load_vectors(saved) if saved and Path(saved).exists() else None


def _explorer_words(kv, data) -> list[str]:
    order = sorted(data.tag_counts, key=lambda r: -sum(int(r.get(s, 0)) for s in ("train", "validation", "test")))
    return [r["tag"] for r in order if r["tag"] in kv.key_to_index][:EXPLORER_WORDS]


def build_sections(model_dir, *, compare: Sequence = (), vectors=None, reference_2018=None, bench=None,
                   method: str = "pca") -> tuple[object, list[tuple[str, str, str, object]]]:
    """The model's data and the report's sections: ``(id, heading, explanation, figure or None)``."""
    from . import figures as fg
    from .projection import question_map_frame

    data = fg.load_model_data(model_dir)
    kv = _resolve_vectors(vectors, data.meta)
    where = "all splits of the dataset" if data.dataset is not None else "the test split (dataset not found)"
    rule = data.trained.rule
    chosen = None if rule.method == "per-tag" else float(rule.vector(1)[0])
    models = fg.comparison_rows(model_dir, compare, reference_2018=reference_2018, bench=bench)
    frame = question_map_frame(data.trained, data.predictions, method=method)
    sections = [
        ("tag-frequencies", "Tags", f"How many questions carry each tag ({where}).",
         fg.tag_frequencies(data.tag_counts)),
        ("tag-cooccurrence", "Tags together", "How many questions carry each pair of tags: multi-label data "
         "in one picture.", fg.tag_cooccurrence(data.tag_lists, data.labels)),
        ("training-curves", "Training", "Loss per epoch on the training and validation texts; early stopping "
         "keeps the epoch with the lowest validation loss.", fg.training_curves(data.history)) if data.history
        else ("training-curves", "Training", f"No training curves: the {data.meta.get('model', 'model')} model "
              "trains in one pass, without epochs (history.json is empty).", None),
        ("per-tag-scores", "Per tag", "Precision (how many predicted tags are right), recall (how many true "
         "tags are found) and F1 per tag on the test split; diamonds: how many test questions carry the tag.",
         fg.per_tag_scores(data.per_tag)),
        ("precision-recall", "Precision against recall", "Each curve sweeps one tag's threshold from high "
         "(precise, few found) to low (many found, less precise); the star is where the chosen threshold puts it.",
         fg.precision_recall_curves(data.Y, data.proba, data.labels, data.threshold_vector)),
        ("f1-threshold", "Choosing the threshold", "Test F1 if every tag used the same threshold; the threshold "
         "was tuned on the validation split, so its line need not sit exactly on the test peak.",
         fg.f1_by_threshold(data.Y, data.proba, chosen=chosen, min_tags=rule.min_tags)),
        ("model-comparison", "Models compared", "Headline test metrics. The 2018 LSTM row scores the tutorial's "
         "shipped predictions on the same questions (it has no scores, so no P@1); benchmark rows were measured "
         "with the benchmark protocol's own split, so they compare only roughly.", fg.model_comparison(models)),
        ("question-map", "Map of the test questions", f"Each point is a test question placed by {method.upper()} "
         "of the model's predicted scores (questions the model scores alike sit together), coloured by its first "
         "actual tag; circles are fully right, open diamonds partly right, crosses wrong. Hover for the title "
         "and the tags.", fg.question_map(frame)),
    ]
    if kv is not None:
        words = _explorer_words(kv, data)
        if words:
            sections.append(("word-neighbours", "Word2Vec neighbours", "The words nearest to the most frequent "
                             "tags in the Word2Vec space (cosine similarity), projected to 2-D.",
                             fg.word_neighbours(kv, words)))
    else:
        sections.append(("word-neighbours", "Word2Vec neighbours", "No word vectors: pass --vectors DIR "
                         "(from `multilabeltext word2vec`) to explore them here.", None))
    return SimpleNamespace(data=data, models=models, frame=frame), sections


def render_report(model_dir, **options) -> str:
    """The report as one HTML string (see :func:`write_report` for the options)."""
    import plotly.io as pio
    from plotly.offline import get_plotlyjs

    context, sections = build_sections(model_dir, **options)
    data = context.data
    outcomes = context.frame["outcome"].value_counts()
    nav = "".join(f"<a href='#{sid}'>{html.escape(heading)}</a>" for sid, heading, _, _ in sections)
    parts = []
    for sid, heading, text, fig in sections:
        div = (pio.to_html(fig, include_plotlyjs=False, full_html=False, div_id=sid,
                           config={"displaylogo": False, "responsive": True}) if fig is not None else "")
        parts.append(f"<section id='section-{sid}'><h2>{html.escape(heading)}</h2>"
                     f"<p class='note'>{html.escape(text)}</p>{div}</section>")
    created = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    return "\n".join([
        "<!DOCTYPE html>", "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>multilabeltext report: {html.escape(data.name)}</title>",
        f"<style>{STYLE}</style>",
        f"<script type='text/javascript'>{get_plotlyjs()}</script>",
        "</head><body>",
        f"<h1>Model report: {html.escape(data.name)}</h1>",
        f"<p class='sub'>multilabeltext {__version__}, written {created}</p>",
        f"<nav>{nav}</nav>",
        "<section id='summary'><h2>Summary</h2>", _table(summary_rows(data)),
        f"<p>Test questions: {len(context.frame):,}; all tags right {int(outcomes.get('correct', 0)):,}, "
        f"partly right {int(outcomes.get('partial', 0)):,}, no tag right {int(outcomes.get('wrong', 0)):,}.</p>",
        _metrics_table(context.models), "</section>",
        *parts, "</body></html>", ""])


def write_report(model_dir: str | Path, out: str | Path | None = None, *, compare: Sequence[str | Path] = (),
                 vectors=None, reference_2018: str | Path | None = None, bench: str | Path | None = None,
                 method: str = "pca") -> Path:
    """Write the HTML report of ``model_dir`` to ``out`` (default ``model_dir/report.html``) atomically.

    Args:
        compare: other model directories tested on the same rows, shown in the comparison.
        vectors: Word2Vec vectors (path or ``KeyedVectors``) for the explorer; default: the vectors the model
            was trained with, if that path still exists.
        reference_2018: the tutorial's ``predictions_for_plotly.csv``, scored on the same test questions.
        bench: ``bench/results/models-summary.json``, for the peers' rows on this dataset.
        method: projection of the question map, ``"pca"`` or ``"tsne"``.
    """
    from .projection import METHODS

    if method not in METHODS:
        raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {method!r}.", fix="pass --method pca.")
    from ..modeldir import TrainedModel
    from ..outputs import check_regular_file_target, claim_output, write_text_atomically

    TrainedModel(model_dir)  # a wrong model directory fails before the output is claimed (which creates its folder)
    out = Path(out) if out is not None else Path(model_dir) / "report.html"
    check_regular_file_target(out, looks_like=lambda head: b"<html" in head.lower() or b"<!doctype" in head.lower())
    with claim_output(out, inputs=[model_dir, *compare, vectors, reference_2018, bench], directory=False):
        from ..modeldir import read_model_meta
        from ..safefiles import check_tree

        declared = read_model_meta(model_dir).get("files")  # the report never loads the weights: check them here
        check_tree(model_dir, declared=declared if isinstance(declared, dict) else None, verify=True)
        text = render_report(model_dir, compare=compare, vectors=vectors, reference_2018=reference_2018,
                             bench=bench, method=method)
        write_text_atomically(out, text)
    return out
