"""Every figure from a small real model directory: the traces must carry the model directory's numbers."""

from __future__ import annotations

import itertools
import json
import shutil
import time
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from conftest import PYQ_SAMPLE, REPO
from sklearn.metrics import f1_score

from multilabeltext.data.tags import parse_tags
from multilabeltext.embeddings import VectorsError, load_vectors, most_similar
from multilabeltext.errors import DatasetFormatError
from multilabeltext.modeldir import load_model
from multilabeltext.viz import figures as fg
from multilabeltext.viz.projection import question_map_frame

BENCH = REPO / "bench" / "results" / "models-summary.json"


@pytest.fixture(scope="module")
def data(viz_linear):
    return fg.load_model_data(viz_linear)


@pytest.fixture(scope="module")
def all_rows(viz_dataset):
    return pd.concat([pd.read_parquet(viz_dataset / f"{s}.parquet") for s in ("train", "validation", "test")])


def test_tag_frequencies_bars_are_the_counts_per_split(data, viz_dataset):
    fig = fg.tag_frequencies(data.tag_counts)
    assert [t.name for t in fig.data] == ["train", "validation", "test"]
    for trace in fig.data:
        split = pd.read_parquet(viz_dataset / f"{trace.name}.parquet")
        counts = Counter(t for tags in split["tags"] for t in tags)
        assert list(trace.y) == [counts[tag] for tag in trace.x], trace.name
    totals = [sum(t.y[i] for t in fig.data) for i in range(len(fig.data[0].x))]
    assert totals == sorted(totals, reverse=True) and len(totals) == 10


def test_tag_cooccurrence_cells_count_question_pairs(data, all_rows):
    fig = fg.tag_cooccurrence(data.tag_lists, data.labels)
    heat = fig.data[0]
    tags = [name.rsplit(" (", 1)[0] for name in heat.x]
    assert sorted(tags) == sorted(data.labels) and len(data.tag_lists) == 1000
    sets = [set(t) for t in all_rows["tags"]]
    for (i, a), (j, b) in itertools.product(enumerate(tags), repeat=2):
        expected = sum(1 for s in sets if a in s and b in s)
        assert heat.customdata[i][j] == expected
        assert heat.z[i][j] == (None if i == j else expected)
    assert heat.x[0] == f"{tags[0]} ({sum(tags[0] in s for s in sets)})"


def test_per_tag_scores_are_the_saved_test_table(data, viz_linear):
    fig = fg.per_tag_scores(data.per_tag)
    saved = {r["tag"]: r for r in json.loads((viz_linear / "metrics.json").read_text())["per_tag_test"]}
    precision, recall, f1, support = fig.data
    for i, tag in enumerate(precision.x):
        assert (precision.y[i], recall.y[i], f1.y[i]) == (saved[tag]["precision"], saved[tag]["recall"], saved[tag]["f1"])
    gold = Counter(t for tags in data.predictions["tags"] for t in tags)
    assert list(support.y) == [gold[t] for t in support.x]
    assert list(support.y) == sorted(support.y, reverse=True)
    axis = fig.layout.yaxis2  # support counts questions: whole-number ticks from 0 (not 4.1, 8.2, ...)
    assert axis.tick0 == 0 and isinstance(axis.dtick, int) and axis.dtick >= 1 and axis.tickformat == ",d"
    assert axis.range[1] >= max(support.y) and max(support.y) / axis.dtick <= 6


def test_precision_recall_stars_sit_at_the_chosen_thresholds(data, viz_linear):
    threshold = json.loads((viz_linear / "thresholds.json").read_text())["global_"]
    fig = fg.precision_recall_curves(data.Y, data.proba, data.labels, data.threshold_vector)
    curves = [t for t in fig.data if t.mode == "lines"]
    stars = [t for t in fig.data if t.mode == "markers"]
    assert len(curves) == len(stars) == 10
    for curve, star in zip(curves, stars):
        j = data.labels.index(curve.name)
        chosen = data.proba[:, j] >= threshold
        tp = (chosen & data.Y[:, j]).sum()
        assert star.x[0] == pytest.approx(tp / data.Y[:, j].sum())
        assert star.y[0] == pytest.approx(tp / chosen.sum() if chosen.any() else 1.0)
        assert star.name == f"{curve.name} at {threshold:.2f}"
        assert 0 <= min(curve.x) and max(curve.x) == 1.0  # the curve reaches full recall


def test_f1_by_threshold_at_the_chosen_threshold_is_the_saved_micro_f1(data, viz_linear):
    metrics = json.loads((viz_linear / "metrics.json").read_text())["test"]
    chosen = data.thresholds["global_"]
    scores = fg.f1_by_threshold(data.Y, data.proba, chosen=chosen, min_tags=data.min_tags, grid=[0.1, chosen, 0.9])
    micro = scores.data[0]
    assert micro.name == "micro-F1" and micro.y[1] == pytest.approx(metrics["micro_f1"])
    assert scores.data[1].y[1] == pytest.approx(metrics["macro_f1"])
    assert any(shape.x0 == chosen for shape in scores.layout.shapes)
    assert len(fg.f1_by_threshold(data.Y, data.proba).data[0].x) == 49


def test_training_curves_plot_the_saved_history(viz_lstm, viz_linear):
    history = json.loads((viz_lstm / "history.json").read_text())
    assert len(history) == 2
    fig = fg.training_curves(fg.load_model_data(viz_lstm).history)
    by_name = {t.name: t for t in fig.data}
    assert list(by_name["loss"].y) == [row["loss"] for row in history]
    assert list(by_name["val_loss"].y) == [row["val_loss"] for row in history]
    assert list(by_name["loss"].x) == [1, 2]
    empty = fg.training_curves(fg.load_model_data(viz_linear).history)  # linear: no epochs
    assert not empty.data and "No per-epoch history" in empty.layout.annotations[0].text


def test_model_comparison_of_ours_the_2018_lstm_and_the_peers(viz_linear, viz_lstm, data):
    rows = fg.comparison_rows(viz_linear, [viz_lstm], reference_2018=PYQ_SAMPLE, bench=BENCH)
    names = list(rows)
    assert names[:3] == ["pyq-linear", "pyq-lstm", fg.loader.REFERENCE_NAME]
    assert {"tfidf-lr (bench, 5 folds)", "fasttext (bench, 5 folds)"} <= set(names)
    # the 2018 row: the shipped predictions scored independently on the same test questions
    shipped = pd.read_csv(PYQ_SAMPLE, dtype={"ParentId": str}).set_index("ParentId").loc[data.predictions["id"]]
    gold = [parse_tags(v) for v in shipped["Actual"]]
    pred = [parse_tags(v) for v in shipped["Predictions"]]
    Y = np.array([[t in g for t in data.labels] for g in gold])
    P = np.array([[t in p for t in data.labels] for p in pred])
    assert rows[fg.loader.REFERENCE_NAME]["micro_f1"] == pytest.approx(f1_score(Y, P, average="micro"))
    fig = fg.model_comparison(rows)
    micro = fig.data[0]
    assert list(micro.x) == names
    saved = json.loads((viz_lstm / "metrics.json").read_text())["test"]["micro_f1"]
    assert micro.y[1] == pytest.approx(saved)
    p_at_1 = fig.data[3]
    assert fg.loader.REFERENCE_NAME not in p_at_1.x  # the 2018 predictions have no scores


def test_question_map_frame_and_figure(viz_linear, data):
    bundle = load_model(viz_linear)
    frame = question_map_frame(bundle, data.predictions)
    assert list(frame.columns) == ["id", "x", "y", "title", "tags", "predicted", "first_tag", "outcome"]
    assert frame["id"].tolist() == data.predictions["id"].astype(str).tolist()
    for row, gold, pred in zip(frame.itertuples(), data.predictions["tags"], data.predictions["predicted"]):
        assert row.first_tag == gold[0]
        assert row.outcome == ("correct" if set(gold) == set(pred) else "partial" if set(gold) & set(pred) else "wrong")
    assert set(frame["outcome"]) == {"correct", "partial", "wrong"}
    assert frame[["x", "y"]].std().min() > 0.1  # spread out, not collapsed
    assert frame["title"].iloc[0] and "' '" not in frame["title"].iloc[0]
    fig = fg.question_map(frame)
    positions = [int(c) for t in fig.data if t.customdata is not None for c in t.customdata]
    assert sorted(positions) == list(range(len(frame)))
    for trace in (t for t in fig.data if t.customdata is not None):
        rows = frame.iloc[list(trace.customdata)]
        assert set(rows["first_tag"]) == {trace.name}
        assert list(trace.x) == rows["x"].tolist()
        assert list(trace.marker.symbol) == [{"correct": "circle", "partial": "diamond-open", "wrong": "x"}[o]
                                             for o in rows["outcome"]]
        assert all(t in text for text, ts in zip(trace.hovertext, rows["tags"]) for t in ts)


def test_question_map_with_100_tags_never_repeats_a_colour_and_keeps_symbols_out_of_the_tag_legend():
    rng = np.random.default_rng(0)
    tags = [f"tag{i}" for i in range(100)]
    first = rng.choice(tags, size=5000, p=np.linspace(2, 0.1, 100) / np.linspace(2, 0.1, 100).sum())
    outcomes = rng.choice(["correct", "partial", "wrong"], size=5000)
    frame = pd.DataFrame({"id": [str(i) for i in range(5000)], "x": rng.normal(size=5000),
                          "y": rng.normal(size=5000), "title": "t", "tags": [[t] for t in first],
                          "predicted": [[t] for t in first], "first_tag": first, "outcome": outcomes})
    fig = fg.question_map(frame)
    points = [t for t in fig.data if t.customdata is not None]
    assert sorted(c for t in points for c in t.customdata) == list(range(5000))  # every question once
    colours = [t.marker.color for t in points]
    assert all(isinstance(c, str) for c in colours)
    other = [t for t in points if t.name.startswith("other tags")]
    assert len(other) == 1 and other[0].marker.color == fg.maps.OTHER_COLOUR
    coloured = [t for t in points if t is not other[0]]
    assert len({t.marker.color for t in coloured}) == len(coloured) == fg.maps.COLOURED_TAGS  # no colour twice
    counts = pd.Series(first).value_counts()
    assert {t.name for t in coloured} == set(counts.index[:len(coloured)])  # the most frequent first tags
    assert other[0].name == f"other tags ({counts.size - len(coloured)})"
    legend = [t for t in fig.data if t.showlegend is not False]
    tag_entries = [t for t in legend if t.legendgroup != "outcome"]
    assert sorted(tag_entries, key=lambda t: t.legendrank)[-1].name == other[0].name  # listed last, drawn first
    assert {t.name for t in tag_entries} == {t.name for t in points} and points[0] is other[0]
    assert {t.marker.symbol for t in tag_entries} == {"square"}  # colour only: no outcome symbols mixed in
    outcome_entries = [t for t in legend if t.legendgroup == "outcome"]
    assert {t.marker.symbol for t in outcome_entries} == set(fg.maps.SYMBOLS.values())
    assert {t.marker.color for t in outcome_entries} == {fg.maps.LEGEND_GREY}


def test_question_map_handles_5000_rows_quickly_and_other_vectors(viz_linear, viz_vectors, data):
    bundle = load_model(viz_linear)
    big = pd.concat([data.predictions] * 50, ignore_index=True)
    started = time.perf_counter()
    frame = question_map_frame(bundle, big)
    assert len(frame) == 5000 and time.perf_counter() - started < 5
    fig = fg.question_map(frame)  # thousands of points: WebGL traces, every row once
    points = [t for t in fig.data if t.customdata is not None]
    assert {t.type for t in points} == {"scattergl"} and sorted(c for t in points for c in t.customdata) == list(range(5000))
    assert {t.type for t in fg.question_map(frame.head(100)).data} == {"scatter"}
    by_words = question_map_frame(bundle, data.predictions, vectors=viz_vectors)
    by_scores = question_map_frame(bundle, data.predictions)
    assert not np.allclose(by_words[["x", "y"]], by_scores[["x", "y"]])
    tsne = question_map_frame(bundle, data.predictions, method="tsne")
    assert tsne[["x", "y"]].notna().all().all() and len(tsne) == 100


def test_word_neighbours_shows_most_similar(viz_vectors):
    kv = load_vectors(viz_vectors)
    fig = fg.word_neighbours(kv, ["pandas", "django"], topn=5)
    assert [t.name for t in fig.data] == ["pandas", "django"]
    for trace in fig.data:
        near = most_similar(kv, trace.name, topn=5)
        assert list(trace.hovertext) == [trace.name, *(w for w, _ in near)]
        full = [f"<b>{trace.name}</b>", *(w for w, _ in near)]
        assert trace.text[0] == full[0] and all(t in ("", f) for t, f in zip(trace.text, full))  # or left off
        assert list(trace.customdata[1:]) == pytest.approx([s for _, s in near])
    with pytest.raises(VectorsError, match="not in the vocabulary"):
        fg.word_neighbours(kv, ["qqqqzzzz"])


def test_word_neighbour_labels_do_not_overlap_in_a_dense_cluster():
    from gensim.models import KeyedVectors

    from multilabeltext.viz.figures import words

    rng = np.random.default_rng(1)
    kv = KeyedVectors(vector_size=8)
    centre = rng.normal(size=8)
    names = [f"neighbour_{i}" for i in range(30)]
    kv.add_vectors(["sql", *names, "css", "flexbox"],
                   np.vstack([centre, centre + rng.normal(scale=0.01, size=(30, 8)), -centre, -centre + 0.1]))
    fig = fg.word_neighbours(kv, ["sql", "css"], topn=12)
    texts, boxes = [], []
    x_range, y_range = fig.layout.xaxis.range, fig.layout.yaxis.range
    for trace in fig.data:
        assert list(trace.hovertext)[0] == trace.name  # every word stays in the hover
        for x, y, text, position in zip(trace.x, trace.y, trace.text, trace.textposition):
            if text:
                px = ((x - x_range[0]) * words.PLOT_WIDTH / (x_range[1] - x_range[0]),
                      (y - y_range[0]) * words.PLOT_HEIGHT / (y_range[1] - y_range[0]))
                boxes.append(words._label_box(*px, text.replace("<b>", "").replace("</b>", ""), position,
                                              text.startswith("<b>")))
                texts.append(text)
    assert "<b>sql</b>" in texts and "<b>css</b>" in texts  # query words are always labelled
    assert 3 <= len(texts) < 26  # the dense cluster: some labels left to the hover
    for a, b in itertools.combinations(boxes, 2):
        assert not (a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]), (a, b)
    assert "labels left off" in fig.layout.title.text


def test_loader_errors_and_fallback(viz_linear, tmp_path):
    with pytest.raises(DatasetFormatError, match="not found"):
        fg.load_model_data(tmp_path / "missing")
    copy = tmp_path / "m"
    shutil.copytree(viz_linear, copy)
    meta = json.loads((copy / "model.json").read_text())
    meta["dataset"]["path"] = str(tmp_path / "gone")  # every way the model finds its dataset now points nowhere
    meta["dataset"].pop("absolute_path", None)
    meta["dataset"].pop("path_from_model", None)
    (copy / "model.json").write_text(json.dumps(meta))
    moved = fg.load_model_data(copy)
    assert moved.dataset is None and len(moved.tag_lists) == 100
    assert {r["tag"]: r["test"] for r in moved.tag_counts} == dict(Counter(t for ts in moved.tag_lists for t in ts))
