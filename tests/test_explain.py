"""``explain``: occlusion word contributions, on a linear model trained on real Stack Overflow titles."""

from __future__ import annotations

import ast

import numpy as np
import pandas as pd
import pytest
from conftest import SO_TITLES

from multilabeltext.errors import ConfigError
from multilabeltext.explain import explain, word_spans
from multilabeltext.models.linear import LinearModel

LABELS = ["php", "javascript", "java", "python", "c#"]


@pytest.fixture(scope="module")
def model():
    df = pd.read_csv(SO_TITLES, sep="\t")
    df["tags"] = df["tags"].map(ast.literal_eval)
    df = df[df["tags"].map(lambda t: any(tag in LABELS for tag in t))].head(3000)
    Y = np.array([[tag in tags for tag in LABELS] for tags in df["tags"]], dtype=np.float32)
    return LinearModel(char_ngrams=None, min_df=1).fit(df["title"].tolist(), Y, labels=LABELS)


class Counting:
    """A bundle-like wrapper (``.labels``) counting ``predict_proba`` calls."""

    def __init__(self, model):
        self.model, self.labels, self.calls = model, model.labels_, 0

    def predict_proba(self, texts):
        self.calls += 1
        return self.model.predict_proba(texts)


def test_one_batch_call_and_contributions_are_probability_drops(model):
    counting = Counting(model)
    text = "PHP: mysqli query returns false in my PHP script"
    exp = explain(counting, text)
    assert counting.calls == 1
    assert exp.words == ["php", "mysqli", "query", "returns", "false", "in", "my", "script"]  # distinct, lower
    assert exp.contributions.shape == (len(exp.words), len(LABELS))
    np.testing.assert_allclose(exp.proba, model.predict_proba([text])[0], atol=1e-6)
    # removing "php" removes both occurrences
    without = model.predict_proba([" : mysqli query returns false in my   script"])[0]
    np.testing.assert_allclose(exp.contributions[0], exp.proba - without, atol=1e-6)


def test_the_tag_word_drives_its_tag(model):
    exp = explain(model, "how to read a file line by line in python")
    assert exp.top_tags(1)[0][0] == "python"
    word, contribution = exp.top_words("python", 1)[0]
    assert word == "python" and contribution > 0.2
    other = explain(model, "javascript onclick event not firing on button")
    assert other.top_tags(1)[0][0] == "javascript"
    assert "javascript" in dict(other.top_words("javascript", 3))
    assert other.word_scores("javascript")["javascript"] > other.word_scores("javascript")["button"]


def test_summary_and_spans(model):
    exp = explain(model, "Java ArrayList vs array in Java")
    summary = exp.to_dict(k=2)
    assert list(summary["probabilities"]) == [t for t, _ in exp.top_tags(2)]
    assert set(summary["words"]) == set(summary["probabilities"])
    assert all(len(words) <= 2 for words in summary["words"].values())
    assert [exp.text[s:e].lower() for s, e, _ in exp.spans] == ["java", "arraylist", "vs", "array", "in", "java"]
    assert word_spans("Sort a C++ vector") == [(0, 4, "sort"), (5, 6, "a"), (7, 10, "c++"), (11, 17, "vector")]


def test_empty_text_and_limits(model):
    empty = explain(model, "")
    assert empty.words == [] and empty.contributions.shape == (0, len(LABELS)) and empty.proba.shape == (5,)
    assert empty.top_words("php") == [] and empty.word_scores("php") == {}
    capped = explain(model, "one two three four", max_words=2)
    assert capped.words == ["one", "two"]
    with pytest.raises(ConfigError, match="unknown tag"):
        empty.top_words("cobol")
    with pytest.raises(ConfigError, match="text must be a string"):
        explain(model, None)
