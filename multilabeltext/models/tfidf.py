"""TF-IDF n-gram features shared by the ``linear`` and ``mlp`` models: words, characters and code tokens.

Words come from the project's tokenizer (1-2-grams by default), characters from ``char_wb`` 2-5-grams of
the first ``char_max_chars`` characters, lower-cased; optional code-token n-grams keep case. Saved as a JSON
vocabulary per kind plus ``idf_<kind>.npy``: no pickle. ``transform`` counts n-grams with
:mod:`.ngram_count` (NumPy, the same counts as scikit-learn's, 2-4x faster) and weighs them as
scikit-learn's ``TfidfTransformer`` does; ``fit_transform`` learns the vocabularies with :mod:`.ngram_fit`
(NumPy, exactly scikit-learn's vocabulary, idf and matrix).

Example:
    >>> from multilabeltext.config import TokenizerConfig
    >>> from multilabeltext.data.tokenizer import Tokenizer
    >>> features = TfidfFeatures(TfidfSettings(char_ngrams=None, min_df=1), Tokenizer(TokenizerConfig()))
    >>> features.fit_transform(["numpy arrays", "pandas frames"]).shape
    (2, 6)
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..config import Settings, check
from . import ngram_fit
from .ngram_count import counter_for

# Code tokens: identifiers and single punctuation marks, so `print "x"` (Python 2) and `print("x")` differ.
CODE_TOKEN = r"[A-Za-z_][A-Za-z0-9_]*|[^\w\s]"


@dataclass(frozen=True)
class TfidfSettings(Settings):
    """Feature settings; a model's settings dataclass inherits them (``LinearConfig``, ``MlpConfig``)."""

    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] | None = (2, 5)
    code_ngrams: tuple[int, int] | None = None  # n-grams of code tokens (names and punctuation, case kept)
    char_max_chars: int | None = 300  # char n-grams from the first N characters only (None: all of it)
    min_df: int = 2
    max_features: int | None = 400_000
    sublinear_tf: bool = True

    def __post_init__(self):
        for name in ("word_ngrams", "char_ngrams", "code_ngrams"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, tuple(value))
                check(len(value) == 2 and 1 <= value[0] <= value[1],
                      f"{name} must be two increasing n-gram sizes, got {value!r}.", f"use e.g. {name} = [1, 2].")
        check(self.min_df >= 1, f"min_df must be >= 1, got {self.min_df!r}.", "use min_df = 2.")
        check(self.max_features is None or (isinstance(self.max_features, int) and self.max_features >= 1),
              f"max_features must be a positive number of n-grams (or unset for all), got {self.max_features!r}.",
              "leave it out, or use max_features = 200000.")
        check(self.char_max_chars is None or (isinstance(self.char_max_chars, int) and self.char_max_chars >= 1),
              f"char_max_chars must be a positive number of characters (or unset), got {self.char_max_chars!r}.",
              "leave it out, or use char_max_chars = 1000.")


class TfidfFeatures:
    """The fitted vectorizers of one model, by kind; ``transform`` gives one float32 CSR matrix."""

    def __init__(self, settings: TfidfSettings, tokenizer, vocabularies: dict[str, list[str]] | None = None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        cfg = settings
        kinds = {"word": dict(tokenizer=tokenizer, token_pattern=None, lowercase=False, ngram_range=cfg.word_ngrams),
                 # the preprocessor lower-cases (scikit-learn's lowercase applies only without one); lowercase=True
                 # made scikit-learn warn on loading a vocabulary holding a character that is upper case with no
                 # lower-case form (🅱, U+1F171): "Upper case characters found in vocabulary"
                 "char": cfg.char_ngrams and dict(analyzer="char_wb", ngram_range=cfg.char_ngrams, lowercase=False,
                                                  preprocessor=functools.partial(_head_lower, cfg.char_max_chars)),
                 "code": cfg.code_ngrams and dict(token_pattern=CODE_TOKEN, ngram_range=cfg.code_ngrams,
                                                  lowercase=False)}
        kinds = {kind: options for kind, options in kinds.items() if options}
        if vocabularies is not None:
            kinds = {kind: options for kind, options in kinds.items() if vocabularies.get(kind)}
        budget = None if cfg.max_features is None else cfg.max_features // max(len(kinds), 1)
        self.vectorizers = {}
        self._counters = {}  # kind -> fast n-gram counter (or None: scikit-learn's own), built on first use
        for kind, options in kinds.items():
            vocab = None if vocabularies is None else {t: i for i, t in enumerate(vocabularies[kind])}
            self.vectorizers[kind] = TfidfVectorizer(
                **options, min_df=cfg.min_df if vocab is None else 1, max_features=budget if vocab is None else None,
                sublinear_tf=cfg.sublinear_tf, vocabulary=vocab, dtype=np.float32)

    def fit_transform(self, texts: list[str]):
        """Learn vocabularies and idf weights from ``texts``; returns their features."""
        self._counters = {}
        texts = list(texts)
        return self._stack([_fit_transform(vec, texts) for vec in self.vectorizers.values()])

    def transform(self, texts: list[str]):
        """The features of ``texts``: one row each, the kinds side by side (the same as scikit-learn's)."""
        return self._stack([self._transform(kind, vec, texts) for kind, vec in self.vectorizers.items()])

    def _transform(self, kind: str, vectorizer, texts: list[str]):
        if kind not in self._counters:
            self._counters[kind] = counter_for(vectorizer)
        count = self._counters[kind]
        return vectorizer.transform(texts) if count is None else _tfidf(count(texts), vectorizer)

    def restrict(self, X, keep: np.ndarray):
        """Rows ``X`` as if only the columns where ``keep`` is true were in the vocabulary: the others are
        dropped and each kind's block normalized again, as the vectorizers normalize (idf values stay).

        A cross-fit fold scores its held-out rows so: their n-grams that no training row of the fold has
        would be unknown to a model fitted on those rows alone, as a new text's unseen n-grams are.
        """
        from sklearn.preprocessing import normalize

        X = X.tocsr(copy=True)
        X.data *= keep[X.indices]
        X.eliminate_zeros()
        start, blocks = 0, []
        for vec in self.vectorizers.values():
            width = len(vec.vocabulary_)
            block = X[:, start:start + width]
            blocks.append(block if vec.norm is None else normalize(block, norm=vec.norm, copy=False))
            start += width
        return self._stack(blocks)

    @property
    def n_features(self) -> int:
        return sum(len(vec.vocabulary_) for vec in self.vectorizers.values())

    @staticmethod
    def _stack(parts):
        import scipy.sparse as sp

        X = sp.hstack(parts, format="csr") if len(parts) > 1 else parts[0].tocsr()
        # canonical (sorted, no duplicate) indices: joblib hands large matrices to the per-tag workers as
        # read-only memory maps, where scikit-learn's own sorting would fail ("WRITEBACKIFCOPY base is read-only")
        X.sum_duplicates()
        return X

    def save(self, directory: Path) -> None:
        """``vocabulary.json`` (terms in column order, by kind) and ``idf_<kind>.npy``."""
        vocab = {kind: _vocab_list(vec) for kind, vec in self.vectorizers.items()}
        (directory / "vocabulary.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
        for kind, vec in self.vectorizers.items():
            np.save(directory / f"idf_{kind}.npy", vec.idf_.astype(np.float32))

    @classmethod
    def load(cls, settings: TfidfSettings, tokenizer, directory: Path) -> TfidfFeatures:
        saved = json.loads((directory / "vocabulary.json").read_text(encoding="utf-8"))
        return cls.from_vocabularies(settings, tokenizer, saved,
                                     lambda kind: np.load(directory / f"idf_{kind}.npy", allow_pickle=False))

    @classmethod
    def from_vocabularies(cls, settings: TfidfSettings, tokenizer, vocabularies: dict[str, list[str]],
                          idf) -> TfidfFeatures:
        """Fitted features from learned state: terms in column order by kind, and ``idf(kind)`` (or a dict)
        giving each kind's idf vector (what :meth:`save` writes; the Spark engine learns them on a cluster)."""
        features = cls(settings, tokenizer, vocabularies)
        if hasattr(tokenizer, "remember") and vocabularies.get("word"):
            tokenizer.remember(term for term in vocabularies["word"] if " " not in term)  # the unigrams
        for kind, vec in features.vectorizers.items():
            vec.fit([""])  # a fixed vocabulary: fit only validates it; the learned idf is restored below
            vec.idf_ = np.asarray(idf[kind] if isinstance(idf, dict) else idf(kind))
        return features


def _fit_transform(vectorizer, texts: list[str]):
    """``vectorizer.fit_transform(texts)``, by :mod:`.ngram_fit` where it reproduces scikit-learn (most set-ups)."""
    X = ngram_fit.fit_transform(vectorizer, texts)
    return vectorizer.fit_transform(texts) if X is None else X


def _tfidf(counts, vectorizer):
    """Counts weighted as the fitted ``vectorizer`` weighs them: sublinear tf, times idf, rows normalized."""
    from sklearn.preprocessing import normalize

    if vectorizer.sublinear_tf:
        np.log(counts.data, counts.data)
        counts.data += 1.0
    if vectorizer.use_idf:
        counts.data *= vectorizer.idf_[counts.indices]
    return counts if vectorizer.norm is None else normalize(counts, norm=vectorizer.norm, copy=False)


def _head_lower(limit: int | None, text: str) -> str:
    """The text lower-cased, cut to its first ``limit`` characters (all of it when ``limit`` is None)."""
    return (text if limit is None else text[:limit]).lower()


def _vocab_list(vectorizer) -> list[str]:
    terms = [""] * len(vectorizer.vocabulary_)
    for term, index in vectorizer.vocabulary_.items():
        terms[index] = term
    return terms
