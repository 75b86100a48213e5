"""TF-IDF features of a text with 🅱 (upper case, no lower-case form) save and load without warnings."""

from __future__ import annotations

import warnings

import numpy as np

from multilabeltext.config import TokenizerConfig
from multilabeltext.data.tokenizer import Tokenizer
from multilabeltext.models.tfidf import TfidfFeatures, TfidfSettings


def test_a_vocabulary_with_an_uncased_capital_loads_silently(tmp_path):
    texts = ["press the 🅱 button", "numpy arrays", "the Ⓑ and 🅱 keys"]
    settings = TfidfSettings(min_df=1)
    features = TfidfFeatures(settings, Tokenizer(TokenizerConfig()))
    X = features.fit_transform(texts)
    assert any("🅱" in term for term in features.vectorizers["char"].vocabulary_)
    features.save(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any warning fails the test
        loaded = TfidfFeatures.load(settings, Tokenizer(TokenizerConfig()), tmp_path)
        again = loaded.transform(texts)
    np.testing.assert_allclose(again.toarray(), X.toarray(), atol=1e-6)
    assert loaded.transform(["PRESS THE 🅱 BUTTON"]).nnz == loaded.transform(["press the 🅱 button"]).nnz
