"""The NumPy vocabulary fit learns exactly scikit-learn's vocabulary, idf and tf-idf matrix.

The same real samples as ``test_ngram_count.py`` (Stack Overflow titles, pythonquestions questions with
code and Unicode, cooking questions) plus its edge cases (blank texts, emoji, accents), with ``min_df``
above 1, ``max_features`` cutting through terms of equal counts, and the character set-ups of the
``linear`` model (first 300 characters, or all of them).
"""

from __future__ import annotations

import copy
import functools
import re

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from test_ngram_count import EDGE_CASES, _texts

from multilabeltext.data.tokenizer import Tokenizer
from multilabeltext.models import ngram_fit
from multilabeltext.models.tfidf import CODE_TOKEN, TfidfFeatures, TfidfSettings, _head_lower

VECTORIZERS = {
    "char_wb 2-5, first 300 chars, cut": dict(analyzer="char_wb", ngram_range=(2, 5), min_df=2, max_features=3000,
                                              lowercase=False, preprocessor=functools.partial(_head_lower, 300)),
    "char_wb 2-5, whole text": dict(analyzer="char_wb", ngram_range=(2, 5), min_df=3, lowercase=False,
                                    preprocessor=functools.partial(_head_lower, None)),
    "char_wb 1-3, case kept": dict(analyzer="char_wb", ngram_range=(1, 3), lowercase=False),
    "our tokenizer 1-2, cut": dict(tokenizer=Tokenizer(), token_pattern=None, lowercase=False, ngram_range=(1, 2),
                                   min_df=2, max_features=700),
    "code tokens 1-3": dict(token_pattern=CODE_TOKEN, ngram_range=(1, 3), lowercase=False, min_df=2),
    "default words 2-3, max_df": dict(ngram_range=(2, 3), max_df=0.05, max_features=500),
}


@pytest.fixture(scope="module", params=["so-titles", "pythonquestions", "cooking"])
def texts(request):
    return _texts(request.param) + EDGE_CASES


def _fits(options, texts, kind=TfidfVectorizer):
    ours, theirs = kind(**options, dtype=np.float32), kind(**options, dtype=np.float32)
    X = ngram_fit.fit_transform(ours, texts)
    assert X is not None  # the fast path, not a fallback
    return ours, X, theirs, theirs.fit_transform(texts)


def _assert_same(ours, X, theirs, Y):
    assert ours.vocabulary_ == theirs.vocabulary_ and not ours.fixed_vocabulary_
    assert X.shape == Y.shape and X.dtype == Y.dtype and X.nnz == Y.nnz > 0
    assert X.has_canonical_format
    Y = Y.copy()
    Y.sum_duplicates()  # scikit-learn's columns are not sorted within a row after max_features: the same entries
    assert np.array_equal(X.indptr, Y.indptr) and np.array_equal(X.indices, Y.indices)
    np.testing.assert_allclose(X.data, Y.data, rtol=1e-6)
    assert np.array_equal(X.data, Y.data)


@pytest.mark.parametrize("options", VECTORIZERS.values(), ids=VECTORIZERS.keys())
def test_vocabulary_idf_and_matrix_equal_scikit_learn(texts, options):
    ours, X, theirs, Y = _fits(options, texts)
    _assert_same(ours, X, theirs, Y)
    assert ours.idf_.dtype == theirs.idf_.dtype
    np.testing.assert_allclose(ours.idf_, theirs.idf_, rtol=1e-6)
    later = texts[:50] + EDGE_CASES  # the fitted vectorizer transforms as scikit-learn's does
    assert (ours.transform(later) != theirs.transform(later)).nnz == 0


def test_count_vectorizer_counts_equal_scikit_learn(texts):
    _assert_same(*_fits(VECTORIZERS["code tokens 1-3"], texts, kind=CountVectorizer))


@pytest.mark.parametrize("name", ["char_wb 2-5, first 300 chars, cut", "our tokenizer 1-2, cut"])
def test_max_features_cuts_through_equal_counts_as_scikit_learn_does(name):
    options, texts = VECTORIZERS[name], _texts("so-titles") + EDGE_CASES
    uncut = CountVectorizer(**{**options, "max_features": None}).fit(texts)
    counts = np.asarray(uncut.transform(texts).sum(axis=0)).ravel()
    last = np.sort(counts)[::-1][options["max_features"] - 1]
    assert (counts > last).sum() < options["max_features"] < (counts >= last).sum()  # a tie at the cut
    _assert_same(*_fits(options, texts))


@pytest.mark.parametrize("settings", [TfidfSettings(), TfidfSettings(char_max_chars=None, max_features=5000),
                                      TfidfSettings(code_ngrams=(1, 2), min_df=1, max_features=3001)],
                         ids=["defaults", "all characters, cut", "code tokens, min_df 1"])
def test_tfidf_features_fit_as_scikit_learn_fits(settings):
    texts = _texts("pythonquestions") + EDGE_CASES
    features = TfidfFeatures(settings, Tokenizer())
    reference = [copy.deepcopy(vec) for vec in features.vectorizers.values()]
    ours = features.fit_transform(texts)
    theirs = features._stack([vec.fit_transform(texts) for vec in reference])
    for vec, ref in zip(features.vectorizers.values(), reference):
        assert vec.vocabulary_ == ref.vocabulary_
        np.testing.assert_allclose(vec.idf_, ref.idf_, rtol=1e-6)
    assert np.array_equal(ours.indices, theirs.indices) and np.array_equal(ours.indptr, theirs.indptr)
    assert np.array_equal(ours.data, theirs.data)  # bit for bit


def _phrases(text):  # "new york" is one token: the term "new york" could be a unigram or a bigram
    return re.findall(r"new york|\w+", text.lower())


@pytest.mark.parametrize("options", [
    dict(analyzer="char", ngram_range=(2, 4)),  # not char_wb
    dict(analyzer="char_wb", ngram_range=(4, 5)),  # padded words shorter than 4 characters count whole
    dict(stop_words="english"),
    dict(analyzer=str.split),
    dict(tokenizer=_phrases, token_pattern=None, ngram_range=(1, 2)),
    dict(tokenizer=str.split, token_pattern=None, ngram_range=(1, 2)),  # a control character inside a token
    dict(binary=True),
    dict(min_df=0.01),
], ids=["char", "char_wb 4-5", "stop words", "callable analyzer", "spaces in tokens", "control character",
        "binary", "min_df as a share"])
def test_set_ups_it_does_not_reproduce_are_left_to_scikit_learn(options):
    texts = ["new york pizza", "york new", "pizza in new\x01york", "numpy arrays", "pandas data frames"]
    assert ngram_fit.fit_transform(TfidfVectorizer(**options), texts) is None
    features = TfidfFeatures(TfidfSettings(char_ngrams=None, min_df=1), _phrases)  # falls back inside
    assert len(features.fit_transform(texts).indptr) == len(texts) + 1
