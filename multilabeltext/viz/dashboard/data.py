"""A model directory loaded once for the dashboard, and what follows from any per-tag threshold vector.

Everything the callbacks show is computed here with plain numpy, so it is testable without a browser:
decisions (:meth:`multilabeltext.modeldir.TrainedModel.decide`, with the model's ``min_tags``), live metrics
(:func:`multilabeltext.metrics.evaluate` and :func:`~multilabeltext.metrics.per_tag`), the table rows with
their false positives and false negatives, and a pasted question's tags and the words that drove them
(:func:`multilabeltext.explain.explain`). For ~5,000 test rows and 100 tags a threshold change costs
tens of milliseconds.

Example (needs a trained model directory, so it is not run as a doctest)::

    data = DashboardData.load("models/pyq-linear")
    round(data.metrics(data.saved_thresholds)["micro_f1"], 4)
    # 0.7589
    data.table_rows(data.saved_thresholds)[0]["false_pos"]
    # ''
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

SUMMARY = ("micro_precision", "micro_recall", "micro_f1", "macro_precision", "macro_recall", "macro_f1",
           "samples_f1")
TOP_TAGS = 5  # tags shown for a pasted question
TOP_WORDS = 5  # words shown per tag


def _join(tags) -> str:
    return ", ".join(tags)


@dataclass
class DashboardData:
    """The test predictions of a model directory as matrices, plus the loaded model for new questions.

    Attributes:
        path: the model directory; ``trained``: its :class:`~multilabeltext.modeldir.TrainedModel` (weights
            loaded), which decides every tag shown here.
        labels: label names, score-column order.
        ids, titles, texts: per test row (``titles`` is a short one-line title for the table and map).
        Y: true tags, (rows, labels) bool; ``proba``: the saved scores, (rows, labels).
        saved_thresholds: the model's per-tag threshold vector (thresholds.json); ``min_tags`` its rule.
    """

    path: Path
    trained: object
    labels: list[str]
    ids: list[str]
    titles: list[str]
    texts: list[str]
    gold: list[list[str]]
    Y: np.ndarray
    proba: np.ndarray
    saved_thresholds: np.ndarray
    min_tags: int
    predictions: object = field(repr=False, default=None)

    @classmethod
    def load(cls, model_dir: str | Path) -> DashboardData:
        """Load ``model_dir`` (checked by :class:`~multilabeltext.modeldir.TrainedModel`) and its test rows."""
        from ...modeldir import load_model
        from ..projection import short_title

        trained = load_model(model_dir)
        test = trained.test
        return cls(path=Path(model_dir), trained=trained, labels=list(trained.labels), ids=test.ids,
                   titles=[short_title(t) for t in test.texts], texts=test.texts, gold=test.gold, Y=test.Y,
                   proba=test.proba, saved_thresholds=trained.rule.vector(len(trained.labels)),
                   min_tags=trained.rule.min_tags, predictions=test.frame)

    # ------------------------------------------------------------------------------------------ thresholds

    @property
    def n_rows(self) -> int:
        return len(self.ids)

    def thresholds(self, values=None) -> np.ndarray:
        """``values`` (one per label, e.g. from the browser) checked as a float64 vector; ``None``: the saved."""
        from ...thresholds import threshold_vector

        return self.saved_thresholds.copy() if values is None else threshold_vector(values, len(self.labels))

    def decide(self, thresholds) -> np.ndarray:
        """Predicted tags of the test rows for ``thresholds`` (:meth:`TrainedModel.decide
        <multilabeltext.modeldir.TrainedModel.decide>`: the model's rule, its ``min_tags`` kept)."""
        return self.trained.decide(self.proba, self.thresholds(thresholds)).matrix

    def metrics(self, thresholds) -> dict:
        """:func:`multilabeltext.metrics.evaluate` of the test rows decided with ``thresholds``."""
        from ...metrics import evaluate

        if not self.n_rows:
            return {}
        return evaluate(self.Y, self.decide(thresholds), self.proba)

    @cached_property
    def saved_metrics(self) -> dict:
        return self.metrics(self.saved_thresholds)

    def per_tag(self, thresholds) -> list[dict]:
        """Per tag (most frequent first): support, predicted, precision, recall, F1, its threshold and the saved one."""
        from ...metrics import per_tag

        t = self.thresholds(thresholds)
        if not self.n_rows:
            return []
        rows = per_tag(self.Y, self.decide(t), self.labels)
        column = {label: j for j, label in enumerate(self.labels)}
        for row in rows:
            j = column[row["tag"]]
            row["threshold"] = round(float(t[j]), 4)
            row["saved"] = round(float(self.saved_thresholds[j]), 4)
        return rows

    @cached_property
    def tag_options(self) -> list[dict]:
        """Dropdown options ``{"label": "tag (support)", "value": tag}``, most frequent tag first."""
        support = self.Y.sum(axis=0)
        order = np.argsort(-support, kind="stable")
        return [{"label": f"{self.labels[j]} ({int(support[j]):,} test rows)", "value": self.labels[j]}
                for j in order]

    # ----------------------------------------------------------------------------------------------- table

    def table_rows(self, thresholds, rows=None) -> list[dict]:
        """One dict per test row (all, or the positions in ``rows``) for the predictions table.

        Keys: ``row`` (position), ``id``, ``title``, ``tags`` (gold), ``predicted`` (highest score first),
        ``false_pos`` (predicted, not gold), ``false_neg`` (gold, missed), ``outcome`` (correct | partial |
        wrong | no tags) and ``top_score``.
        """
        P = self.decide(thresholds)
        positions = range(self.n_rows) if rows is None else [int(r) for r in rows if 0 <= int(r) < self.n_rows]
        out = []
        for i in positions:
            order = np.argsort(-self.proba[i], kind="stable")
            predicted = [self.labels[j] for j in order if P[i, j]]
            gold = self.gold[i]
            gold_set, pred_set = set(gold), set(predicted)
            false_pos = [t for t in predicted if t not in gold_set]
            false_neg = [t for t in gold if t not in pred_set]
            if not gold:
                outcome = "no tags"
            elif not false_pos and not false_neg:
                outcome = "correct"
            else:
                outcome = "partial" if gold_set & pred_set else "wrong"
            out.append({"row": i, "id": self.ids[i], "title": self.titles[i], "tags": _join(gold),
                        "predicted": _join(predicted), "false_pos": _join(false_pos), "false_neg": _join(false_neg),
                        "outcome": outcome, "top_score": round(float(self.proba[i, order[0]]), 3)})
        return out

    # ------------------------------------------------------------------------------------------------- map

    def map_frame(self, method: str = "pca"):
        """:func:`multilabeltext.viz.projection.question_map_frame` of the test rows (cached per method)."""
        cache = self.__dict__.setdefault("_map_frames", {})
        if method not in cache:
            from ..projection import question_map_frame

            cache[method] = question_map_frame(self.trained, self.predictions, method=method)
        return cache[method]

    # ----------------------------------------------------------------------------------------- a question

    def tag_question(self, text: str, thresholds, *, k: int = TOP_TAGS, words: int = TOP_WORDS) -> dict:
        """A pasted question's ``k`` best tags, which of them ``thresholds`` predict, and the words behind each.

        Returns ``{"tags": [{"tag", "probability", "predicted", "threshold", "words": [(word, contribution)]}],
        "predicted": [...], "highlight": {"tag", "spans": [(start, end, contribution)]}}`` (``highlight``:
        each word occurrence's contribution to the best tag, for colouring the text).
        """
        from ...explain import explain

        t = self.thresholds(thresholds)
        exp = explain(self.trained, text)
        decisions = self.trained.decide(exp.proba[None, :], t)
        decided, predicted = decisions.matrix[0], decisions.tags[0]
        top = exp.top_tags(k)
        column = {label: j for j, label in enumerate(self.labels)}
        tags = [{"tag": tag, "probability": p, "predicted": bool(decided[column[tag]]),
                 "threshold": round(float(t[column[tag]]), 4),
                 "words": exp.top_words(tag, words, positive_only=False)} for tag, p in top]
        best = top[0][0] if top else None
        scores = exp.word_scores(best) if best else {}
        spans = [(s, e, scores.get(w, 0.0)) for s, e, w in exp.spans]
        return {"text": text, "tags": tags, "predicted": predicted, "highlight": {"tag": best, "spans": spans}}

    # ----------------------------------------------------------------------------------------------- about

    @cached_property
    def description(self) -> dict:
        """Model name, kind, dataset and the threshold rule, for the page header."""
        meta = self.trained.meta
        dataset = meta.get("dataset") or {}
        t = self.trained.rule
        rule = "per tag" if t.method == "per-tag" else t.describe().split(",")[0]
        return {"name": self.path.resolve().name, "model": meta.get("model", "?"),
                "dataset": dataset.get("path") or dataset.get("name") or "", "rows": self.n_rows,
                "labels": len(self.labels), "thresholds": rule, "min_tags": self.min_tags,
                "created": meta.get("created", "")}
