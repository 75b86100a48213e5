"""The NumPy n-gram counter gives exactly scikit-learn's counts, and the TF-IDF features built on it are the same.

Real texts: Stack Overflow titles, pythonquestions questions with answers (long, code, Unicode) and cooking
questions, plus edge cases a user sends: empty and blank texts, tabs and newlines, characters the vocabulary
never saw (outside the Basic Multilingual Plane too).
"""

from __future__ import annotations

import functools
import re

import numpy as np
import pandas as pd
import pytest
from conftest import COOKING_TXT, PYQ_SAMPLE, SO_TITLES
from sklearn.feature_extraction.text import CountVectorizer

from multilabeltext.data.tokenizer import Tokenizer
from multilabeltext.models import ngram_count
from multilabeltext.models.ngram_count import counter_for
from multilabeltext.models.tfidf import CODE_TOKEN, TfidfFeatures, TfidfSettings, _head_lower

EDGE_CASES = ["", "   ", "\t\n", "a", "été à Paris \U0001F600 x", "a\tb\n\nc  d", "C++ vs C# \u2603", "x" * 50]


def _texts(name: str) -> list[str]:
    if name == "so-titles":
        return pd.read_csv(SO_TITLES, sep="\t", nrows=3000)["title"].tolist()
    if name == "pythonquestions":
        return pd.read_csv(PYQ_SAMPLE)["clean"].fillna("").tolist()[:600]
    lines = COOKING_TXT.read_text(encoding="utf-8").splitlines()[:3000]
    return [" ".join(w for w in line.split() if not w.startswith("__label__")) for line in lines]


@pytest.fixture(scope="module", params=["so-titles", "pythonquestions", "cooking"])
def corpus(request):
    texts = _texts(request.param)
    cut = len(texts) * 2 // 3
    return texts[:cut], texts[cut:] + EDGE_CASES


VECTORIZERS = {
    "char_wb 2-5, first 300 chars": dict(analyzer="char_wb", ngram_range=(2, 5), min_df=2,
                                         preprocessor=functools.partial(_head_lower, 300)),
    "char_wb 1-3, whole text": dict(analyzer="char_wb", ngram_range=(1, 3), lowercase=False),
    "our tokenizer 1-2": dict(tokenizer=Tokenizer(), token_pattern=None, lowercase=False, ngram_range=(1, 2)),
    "code tokens 1-3": dict(token_pattern=CODE_TOKEN, ngram_range=(1, 3), lowercase=False, min_df=2),
    "default words 2-3": dict(ngram_range=(2, 3)),
}


@pytest.mark.parametrize("options", VECTORIZERS.values(), ids=VECTORIZERS.keys())
def test_counts_equal_scikit_learn(corpus, options):
    train, test = corpus
    vectorizer = CountVectorizer(**options, dtype=np.float32).fit(train)
    count = counter_for(vectorizer)
    assert count is not None
    ours, theirs = count(test), vectorizer.transform(test)
    assert ours.shape == theirs.shape and ours.dtype == theirs.dtype
    assert (ours != theirs).nnz == 0
    assert theirs.nnz > 0 and ours.has_canonical_format


@pytest.mark.parametrize("options", VECTORIZERS.values(), ids=VECTORIZERS.keys())
def test_each_edge_case_alone_and_an_empty_batch(options):
    vectorizer = CountVectorizer(**options, dtype=np.float32).fit(_texts("so-titles")[:500] + EDGE_CASES)
    count = counter_for(vectorizer)
    for texts in [[text] for text in EDGE_CASES] + [[]]:
        assert (count(texts) != vectorizer.transform(texts)).nnz == 0, texts


def test_large_batches_are_counted_in_chunks_with_the_same_result(monkeypatch):
    train, test = _texts("so-titles")[:2000], _texts("so-titles")[2000:]
    vectorizer = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5)).fit(train)
    monkeypatch.setattr(ngram_count, "_CHUNK", 97)
    assert (counter_for(vectorizer)(test) != vectorizer.transform(test)).nnz == 0


def test_tfidf_features_are_scikit_learns_after_save_and_load(tmp_path):
    texts = _texts("pythonquestions")
    features = TfidfFeatures(TfidfSettings(code_ngrams=(1, 2)), Tokenizer())
    features.fit_transform(texts[:400])
    features.save(tmp_path)
    loaded = TfidfFeatures.load(TfidfSettings(code_ngrams=(1, 2)), Tokenizer(), tmp_path)
    test = texts[400:] + EDGE_CASES
    theirs = features._stack([vec.transform(test) for vec in features.vectorizers.values()])
    for ours in (features.transform(test), loaded.transform(test)):
        assert ours.dtype == theirs.dtype == np.float32
        assert np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices)
        assert np.array_equal(ours.data, theirs.data)  # bit for bit: the same operations in the same order
    assert all(count is not None for count in loaded._counters.values())


def test_a_tokenizer_that_puts_spaces_in_tokens_falls_back_to_scikit_learn():
    def phrases(text):  # "new york" is one token: the term "new york" could be a unigram or a bigram
        return re.findall(r"new york|\w+", text.lower())

    vectorizer = CountVectorizer(tokenizer=phrases, token_pattern=None, ngram_range=(1, 2))  # int64 counts
    vectorizer.fit(["new york pizza", "york new", "pizza in new york"])
    texts = ["best new york pizza", "new pizza york"]
    ours, theirs = counter_for(vectorizer)(texts), vectorizer.transform(texts)
    assert ours.dtype == theirs.dtype == np.int64 and (ours != theirs).nnz == 0
    assert (counter_for(vectorizer)(["pizza york new"]) != vectorizer.transform(["pizza york new"])).nnz == 0


@pytest.mark.parametrize("options", [
    dict(analyzer="char", ngram_range=(2, 4)),  # not char_wb
    dict(analyzer="char_wb", ngram_range=(4, 5)),  # padded words shorter than 4 characters count whole
    dict(stop_words="english"),
    dict(analyzer=str.split),
], ids=["char", "char_wb 4-5", "stop words", "callable analyzer"])
def test_set_ups_it_does_not_reproduce_are_left_to_scikit_learn(options):
    vectorizer = CountVectorizer(**options).fit(["numpy arrays", "pandas data frames"])
    assert counter_for(vectorizer) is None
