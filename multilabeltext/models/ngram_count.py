"""Exact n-gram counts for a fitted scikit-learn vectorizer, computed with NumPy instead of a Python loop.

scikit-learn's ``CountVectorizer.transform`` builds every n-gram of every text as a Python string and looks
it up in a dict, one at a time (``_count_vocab``, ``_char_wb_ngrams``): on the 2,000-character
pythonquestions texts that loop was two thirds of the ``linear`` model's prediction time. Here the
n-grams of a whole batch become integers at once: each vocabulary *unit* (a character for ``char_wb``, a
token for ``word``) gets a code ``1..K``, an n-gram is the number whose base-``K + 1`` digits are its
units' codes (exact, no hashing: distinct n-grams are distinct numbers), and the batch's n-gram numbers
are matched to the vocabulary's with one ``searchsorted``. A unit the vocabulary never uses gets code 0
and no n-gram containing it is counted, as it cannot be in the vocabulary.

The counts equal scikit-learn's exactly (``tests/models/test_ngram_count.py`` compares them on the real samples);
:func:`counter_for` returns ``None`` for a set-up it does not reproduce (stop words, a callable analyzer,
codes too many for 63 bits), and the caller then keeps scikit-learn's own ``transform``.

Example:
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> vec = CountVectorizer(analyzer="char_wb", ngram_range=(2, 3)).fit(["numpy", "pandas"])
    >>> count = counter_for(vec)
    >>> (count(["numpy and pandas"]) != vec.transform(["numpy and pandas"])).nnz
    0
"""

from __future__ import annotations

import re
from itertools import chain, repeat

import numpy as np

_WHITE_SPACES = re.compile(r"\s\s+")  # what char_wb collapses before splitting (as scikit-learn does)
_TABLE_LIMIT = 1 << 22  # largest direct lookup table (entries of 4 bytes: 16 MB)
_CHUNK = 2_000  # texts per NumPy pass: bounds the per-position arrays (~50 bytes a character) for huge batches


def counter_for(vectorizer):
    """A :class:`CharCounter` or :class:`WordCounter` for a fitted vectorizer, or ``None`` if unsupported."""
    vocabulary = getattr(vectorizer, "vocabulary_", None)
    if not vocabulary or vectorizer.stop_words is not None or callable(vectorizer.analyzer):
        return None
    low, high = vectorizer.ngram_range
    if vectorizer.analyzer == "char_wb" and low <= 3:  # a padded word has >= 3 characters: no short-word rule
        counter = CharCounter(vocabulary, (low, high), vectorizer.build_preprocessor(), vectorizer.decode,
                              dtype=vectorizer.dtype)
    elif vectorizer.analyzer == "word":
        counter = WordCounter(vocabulary, (low, high), vectorizer.build_preprocessor(),
                              vectorizer.build_tokenizer(), vectorizer.decode, fallback=vectorizer,
                              dtype=vectorizer.dtype)
    else:
        return None
    return counter if counter.supported else None


def char_wb_units(texts, preprocess, decode):
    """``char_wb``'s units: the characters (UTF-32 code points) of every word padded as ``" word "``, the end of
    each position's padded word and each position's text (a row index)."""
    words_of = [_WHITE_SPACES.sub(" ", preprocess(decode(t))).split() for t in texts]
    words = list(chain.from_iterable(words_of))
    per_text = np.fromiter(map(len, words_of), dtype=np.int64, count=len(texts))
    length = np.fromiter(map(len, words), dtype=np.int64, count=len(words)) + 2  # " word "
    padded = " " + "  ".join(words) + " " if words else ""
    chars = np.frombuffer(padded.encode("utf-32-le"), dtype=np.uint32)
    word_end = np.repeat(np.cumsum(length), length)
    row = np.repeat(np.repeat(np.arange(len(texts), dtype=np.int32), per_text), length)
    return chars, word_end, row


def word_units(texts, preprocess, tokenize, decode):
    """``word``'s units: every token of the batch in order, the end of each token's text and its text (a row)."""
    texts_in = [preprocess(decode(t)) for t in texts]
    batch = getattr(tokenize, "batch", None)  # the project's Tokenizer: the whole batch in C++
    tokens_of = batch(texts_in) if batch is not None else [tokenize(t) for t in texts_in]
    tokens = list(chain.from_iterable(tokens_of))
    per_text = np.fromiter(map(len, tokens_of), dtype=np.int64, count=len(texts))
    text_end = np.repeat(np.cumsum(per_text), per_text)
    row = np.repeat(np.arange(len(texts), dtype=np.int32), per_text)
    return tokens, text_end, row


def ngram_numbers(codes, segment_end, ngram_range, place):
    """For each n of ``ngram_range``: ``(n, start, number)``, the positions where an n-gram of known units
    (codes > 0) lies inside one segment, and its number: the sum of its ``k``-th unit's code times
    ``place(k)`` (``k`` from 1; e.g. ``base ** (k - 1)``)."""
    low, high = ngram_range
    size = len(codes)
    position = np.arange(size)
    key = np.zeros(size, dtype=np.int64)
    known = np.ones(size, dtype=bool)
    for n in range(1, high + 1):
        unit = np.zeros(size, dtype=np.int64)  # the n-th unit of the n-gram starting at each position
        if n <= size:  # a batch shorter than n (a one-letter text) has no n-th unit anywhere
            unit[:size - n + 1] = codes[n - 1:]
        key += unit * place(n)
        known &= unit > 0
        if n >= low:
            start = np.flatnonzero(known & (position + n <= segment_end))
            yield n, start, key[start]


class _Counter:
    """Shared part: the vocabulary as sorted n-gram numbers, and counting a batch from unit codes."""

    def __init__(self, vocabulary: dict[str, int], ngram_range: tuple[int, int], units_of, dtype=np.float32):
        self.ngram_range, self.dtype = ngram_range, dtype
        self.n_features = len(vocabulary)
        terms = list(vocabulary)
        parts = list(map(units_of, terms))
        units = list(chain.from_iterable(parts))
        self.units = {u: code for code, u in enumerate(sorted(set(units)), 1)}
        self.base = len(self.units) + 1
        self.supported = self.base ** max(ngram_range[1], 1) < 2 ** 63
        if not self.supported:
            return
        # each term's number: the sum of its units' codes times base ** (the unit's place in the term)
        length = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
        term = np.repeat(np.arange(len(terms)), length)
        place = np.arange(len(units)) - np.repeat(np.cumsum(length) - length, length)
        codes = np.fromiter(map(self.units.__getitem__, units), dtype=np.int64, count=len(units))
        # a term of more units than the largest n (only tokens holding spaces make one) keeps the number 0,
        # which no counted n-gram has (codes are >= 1); so every power stays below base ** n < 2 ** 63
        short = length[term] <= max(ngram_range[1], 1)
        keys = np.zeros(len(terms), dtype=np.int64)
        np.add.at(keys, term[short], codes[short] * self.base ** place[short])
        columns = np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms))
        order = np.argsort(keys)
        self.keys = keys[order]
        self.columns = columns[order]
        # n-grams of few possible numbers (unigrams; character bigrams) are looked up in a table: column + 1 by
        # number, 0 for none; the others by binary search in the sorted numbers
        self.tables = {}
        for n in range(1, max(ngram_range[1], 1) + 1):
            if self.base ** n <= _TABLE_LIMIT and ngram_range[0] <= n:
                table = np.zeros(self.base ** n, dtype=np.int32)
                of_n = length == n
                table[keys[of_n]] = columns[of_n] + 1
                self.tables[n] = table

    def __call__(self, texts):
        """The counts of ``texts``: a CSR matrix (texts, vocabulary) of ``dtype``, as ``CountVectorizer.transform``."""
        import scipy.sparse as sp

        texts = list(texts)
        parts = [self._count(texts[i:i + _CHUNK]) for i in range(0, max(len(texts), 1), _CHUNK)]
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csr")

    def _count(self, texts):
        raise NotImplementedError

    def _matrix(self, codes: np.ndarray, segment_end: np.ndarray, row: np.ndarray, n_rows: int):
        """Count the n-grams of ``codes`` (units in a row) that lie inside one segment (a word or a text).

        ``segment_end[p]`` is the end (exclusive) of the segment holding position ``p``; ``row[p]`` its text.
        """
        import scipy.sparse as sp

        rows, columns = [], []
        for n, start, key in ngram_numbers(codes, segment_end, self.ngram_range, lambda k: self.base ** (k - 1)):
            table = self.tables.get(n)
            if table is not None:
                column = table[key]
                hit = column > 0
                rows.append(row[start[hit]])
                columns.append(column[hit].astype(np.int64) - 1)
                continue
            slot = np.minimum(np.searchsorted(self.keys, key), len(self.keys) - 1)
            hit = self.keys[slot] == key
            rows.append(row[start[hit]])
            columns.append(self.columns[slot[hit]])
        rows, columns = np.concatenate(rows), np.concatenate(columns)
        counts = sp.csr_matrix((np.ones(len(rows), dtype=self.dtype), (rows, columns)),
                               shape=(n_rows, self.n_features))
        counts.sum_duplicates()
        return counts


class CharCounter(_Counter):
    """``char_wb`` n-grams: each whitespace-separated word padded with one space on each side."""

    def __init__(self, vocabulary, ngram_range, preprocess, decode=lambda text: text, dtype=np.float32):
        self.preprocess, self.decode = preprocess, decode
        super().__init__(vocabulary, ngram_range, lambda term: term, dtype)
        if self.supported:
            lookup = np.zeros(max(map(ord, self.units)) + 2, dtype=np.int64)  # the last slot: any other char
            for char, code in self.units.items():
                lookup[ord(char)] = code
            self.lookup = lookup

    def _count(self, texts):
        chars, word_end, row = char_wb_units(texts, self.preprocess, self.decode)
        codes = self.lookup[np.minimum(chars, len(self.lookup) - 1)]
        return self._matrix(codes, word_end, row, len(texts))


class WordCounter(_Counter):
    """``word`` n-grams: the vectorizer's own preprocessor and tokenizer, n-grams of consecutive tokens.

    A vocabulary term is its tokens joined by spaces, so a tokenizer that puts a space inside a token makes
    terms ambiguous: a batch with such a token is counted by the ``fallback`` vectorizer's own (slow) code.
    """

    def __init__(self, vocabulary, ngram_range, preprocess, tokenize, decode, fallback, dtype=np.float32):
        self.preprocess, self.tokenize, self.decode, self.fallback = preprocess, tokenize, decode, fallback
        super().__init__(vocabulary, ngram_range, lambda term: term.split(" "), dtype)

    def _count(self, texts):
        tokens, text_end, row = word_units(texts, self.preprocess, self.tokenize, self.decode)
        codes = np.fromiter(map(self.units.get, tokens, repeat(0)), dtype=np.int64, count=len(tokens))
        if " " in "\n".join(tokens):  # a token with a space in it: see the class docstring
            from sklearn.feature_extraction.text import CountVectorizer

            return CountVectorizer.transform(self.fallback, texts)
        return self._matrix(codes, text_end, row, len(texts))
