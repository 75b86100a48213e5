"""multilabeltext.predict.Predictor on a small model directory written in tmp_path (no CLI, a second)."""

from __future__ import annotations

import numpy as np
import pytest

from multilabeltext.errors import ConfigError
from multilabeltext.modeldir import save_model
from multilabeltext.models import get_model
from multilabeltext.predict import Predictor
from multilabeltext.thresholds import Thresholds

TEXTS = ["numpy array shape", "pandas dataframe groupby", "numpy matrix product", "pandas series index",
         "plot numpy array with pandas", "regex digits"] * 4
Y = np.array([[1, 0], [0, 1], [1, 0], [0, 1], [1, 1], [0, 0]] * 4)


@pytest.fixture(scope="module")
def predictor(tmp_path_factory):
    model = get_model("linear", char_ngrams=None, cross_fit=0).fit(TEXTS, Y, labels=["numpy", "pandas"])
    path = save_model(tmp_path_factory.mktemp("predict") / "m", model,
                      thresholds=Thresholds(method="global", global_=0.5, min_tags=1),
                      train_config={}, dataset={}, metrics={}, timings={})
    return Predictor(path)


def test_answers_follow_the_saved_rule_and_order_tags_by_score(predictor):
    proba = predictor.model.predict_proba(TEXTS[:6])
    answers = predictor.predict(TEXTS[:6])
    for row, answer in zip(proba, answers):
        expected = [predictor.labels[j] for j in np.argsort(-row, kind="stable") if row[j] >= 0.5]
        assert answer["tags"] == (expected or [predictor.labels[int(row.argmax())]])  # min_tags = 1
        assert list(answer["probabilities"]) == [predictor.labels[j] for j in np.argsort(-row, kind="stable")]


def test_an_overriding_threshold_keeps_the_minimum_and_top_k_bounds_the_scores(predictor):
    strict = predictor.predict(TEXTS[:6], threshold=1.0, top_k=1)
    assert all(len(a["tags"]) == 1 and len(a["probabilities"]) == 1 for a in strict)
    assert all(a["tags"] == list(a["probabilities"]) for a in strict)  # the forced tag is the best one
    loose = predictor.predict(TEXTS[:6], threshold=0.0, top_k=1)
    assert all(len(a["tags"]) == 2 and len(a["probabilities"]) == 1 for a in loose)


def test_from_proba_and_streams_answer_like_predict(predictor):
    proba = predictor.model.predict_proba(TEXTS)
    assert predictor.from_proba(proba, top_k=2) == predictor.predict(TEXTS, top_k=2)
    streamed = list(predictor.predict_stream(iter(TEXTS), batch_size=5, threshold=0.3))
    assert [t for t, _ in streamed] == TEXTS and [r for _, r in streamed] == predictor.predict(TEXTS, threshold=0.3)


@pytest.mark.parametrize("options, message", [({"threshold": 1.5}, "threshold must be between 0 and 1"),
                                              ({"top_k": 0}, "top_k must be >= 1")])
def test_bad_options_are_refused(predictor, options, message):
    with pytest.raises(ConfigError, match=message):
        predictor.predict(["numpy"], **options)
