"""Learn a scikit-learn vectorizer's vocabulary exactly with NumPy: ``TfidfVectorizer.fit_transform`` without its loop.

scikit-learn's ``fit_transform`` builds every n-gram of every text as a Python string and adds it to a dict
(``_count_vocab``): on the so-titles split that loop was a quarter of the ``linear`` model's training time.
Here, as in :mod:`.ngram_count`, every *unit* of the batch (a character for ``char_wb``, a token for
``word``) gets a code ``1..K`` in string order, and an n-gram becomes the number whose base-``K + 1`` digits
are its units' codes, the first unit the most significant and a shorter n-gram padded with zeros: so the
numbers sort as the term strings do (a prefix first), and sorting them once gives document frequencies,
total counts and the alphabetical order scikit-learn gives its columns. scikit-learn's rules are then
applied as it applies them (``min_df``/``max_df`` on document counts, ``max_features`` keeping the largest
total counts with the same ``argsort`` on the same array, so ties break the same way), and only the kept
numbers are turned back into strings.

:func:`fit_transform` returns ``None`` for a set-up it does not reproduce (stop words, a callable analyzer,
a fixed vocabulary, binary counts, codes too many for 63 bits, word tokens holding a space or a control
character, whose joined strings would not sort as their tokens do); the caller then keeps scikit-learn's
own ``fit_transform``. ``tests/models/test_ngram_fit.py`` compares both on the real samples.

Example:
    >>> from sklearn.feature_extraction.text import TfidfVectorizer
    >>> texts = ["numpy arrays", "pandas frames", "numpy frames"]
    >>> ours, theirs = (TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 3)) for _ in "12")
    >>> abs(fit_transform(ours, texts) - theirs.fit_transform(texts)).max() < 1e-12
    np.True_
    >>> ours.vocabulary_ == theirs.vocabulary_, (ours.idf_ == theirs.idf_).all()
    (True, np.True_)
"""

from __future__ import annotations

import re
from numbers import Integral

import numpy as np

from .ngram_count import char_wb_units, ngram_numbers, word_units

_LOW_CHARACTER = re.compile(r"[\x00- ]")  # a token holding one would not sort as its joined n-grams do


def fit_transform(vectorizer, texts):
    """Fit ``vectorizer`` (a ``TfidfVectorizer`` or ``CountVectorizer``) on ``texts`` as its own
    ``fit_transform`` does and return the same matrix, or return ``None`` (nothing fitted) if unsupported."""
    texts = list(texts)
    if (vectorizer.vocabulary is not None or vectorizer.stop_words is not None or callable(vectorizer.analyzer)
            or vectorizer.binary or not isinstance(vectorizer.min_df, Integral) or not texts):
        return None
    low, high = vectorizer.ngram_range
    if vectorizer.analyzer == "char_wb" and low <= 3:  # a padded word has >= 3 characters: no short-word rule
        units = _char_units(vectorizer, texts)
    elif vectorizer.analyzer == "word":
        units = _word_units(vectorizer, texts)
    else:
        return None
    if units is None:
        return None
    codes, segment_end, row, names = units
    base = len(names) + 1
    if base ** high >= 2 ** 63:
        return None
    keys, rows = _ngrams(codes, segment_end, row, (low, high), base)
    if not len(keys):
        return None  # scikit-learn raises (an empty vocabulary): let it say so
    # one stable sort: equal numbers side by side, and within them the texts in order (each n's n-grams were
    # listed text by text, and a number belongs to one n)
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    del order
    first = np.ones(len(keys), dtype=bool)  # the first occurrence of a number
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    pair = first.copy()  # the first occurrence of a number in a text
    pair[1:] |= rows[1:] != rows[:-1]
    term_of = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    terms = keys[starts]
    tf = np.diff(np.append(starts, len(keys)))
    pair_at = np.flatnonzero(pair)
    in_pair = np.diff(np.append(pair_at, len(keys)))  # the count of a number in a text
    rows, term_of = rows[pair_at], term_of[pair_at]
    n_rows = len(texts)
    df = np.bincount(term_of, minlength=len(terms))
    max_df = vectorizer.max_df
    high_df = max_df if isinstance(max_df, Integral) else max_df * n_rows
    if high_df < vectorizer.min_df:
        return None
    # scikit-learn's _limit_features, on the same arrays in the same (alphabetical) order
    mask = (df <= high_df) & (df >= vectorizer.min_df)
    limit = vectorizer.max_features
    if limit is not None and mask.sum() > limit:
        tfs = tf.astype(vectorizer.dtype if np.dtype(vectorizer.dtype).kind == "f" else np.int64)
        mask_inds = (-tfs[mask]).argsort()[:limit]
        new_mask = np.zeros(len(df), dtype=bool)
        new_mask[np.where(mask)[0][mask_inds]] = True
        mask = new_mask
    if not mask.any():
        return None
    kept = np.flatnonzero(mask)
    column = np.cumsum(mask) - 1
    strings = _decode(terms[kept], base, high, names, vectorizer.analyzer)
    import scipy.sparse as sp

    hit = mask[term_of]  # one entry per (text, kept term), columns in increasing order: a canonical matrix
    X = sp.csr_matrix((in_pair[hit].astype(vectorizer.dtype), (rows[hit], column[term_of[hit]])),
                      shape=(n_rows, len(kept)))
    X.sum_duplicates()
    vectorizer._validate_ngram_range()
    vectorizer._validate_vocabulary()  # sets fixed_vocabulary_ = False
    vectorizer.vocabulary_ = dict(zip(strings, range(len(strings))))
    from sklearn.feature_extraction.text import TfidfTransformer, TfidfVectorizer

    if not isinstance(vectorizer, TfidfVectorizer):  # a CountVectorizer: the counts
        return X

    vectorizer._check_params()
    vectorizer._tfidf = TfidfTransformer(norm=vectorizer.norm, use_idf=vectorizer.use_idf,
                                         smooth_idf=vectorizer.smooth_idf, sublinear_tf=vectorizer.sublinear_tf)
    vectorizer._tfidf.fit(X)
    return vectorizer._tfidf.transform(X, copy=False)


def _char_units(vectorizer, texts):
    """Character codes of the padded words (``" word "``), each word's end and text, and the characters."""
    chars, word_end, row = char_wb_units(texts, vectorizer.build_preprocessor(), vectorizer.decode)
    present = np.zeros(int(chars.max(initial=0)) + 1, dtype=bool)
    present[chars] = True
    if present[0]:
        return None  # a NUL character: the decoded strings below would lose it
    names = np.flatnonzero(present)  # the characters in code point order: code i + 1 for names[i]
    codes = np.cumsum(present)[chars]
    return codes, word_end, row, names


def _word_units(vectorizer, texts):
    """Token codes, each token's text end and text, and the distinct tokens in string order."""
    tokens, text_end, row = word_units(texts, vectorizer.build_preprocessor(), vectorizer.build_tokenizer(),
                                       vectorizer.decode)
    if _LOW_CHARACTER.search("".join(tokens)):
        return None
    names = sorted(set(tokens))
    code_of = {token: code for code, token in enumerate(names, 1)}
    codes = np.fromiter(map(code_of.__getitem__, tokens), dtype=np.int64, count=len(tokens))
    return codes, text_end, row, names


def _ngrams(codes, segment_end, row, ngram_range, base):
    """The number of every n-gram inside a segment (first unit most significant, zero-padded to the
    largest n), and its text."""
    high = ngram_range[1]
    keys, rows = [], []
    for _, start, key in ngram_numbers(codes, segment_end, ngram_range, lambda k: base ** (high - k)):
        keys.append(key)
        rows.append(row[start])
    return np.concatenate(keys), np.concatenate(rows)


def _decode(numbers, base, high, names, analyzer) -> list[str]:
    """The term strings of n-gram numbers."""
    digits = np.empty((len(numbers), high), dtype=np.int64)
    rest = numbers.copy()
    for place in range(high - 1, -1, -1):
        digits[:, place] = rest % base
        rest //= base
    if analyzer == "char_wb":
        chars = np.concatenate([[0], names]).astype(np.uint32)[digits]  # code 0 (padding) -> NUL, dropped
        return np.ascontiguousarray(chars).view(f"<U{high}").ravel().tolist()
    words = [""] + list(names)
    if high == 1:
        return [words[d] for d in digits[:, 0].tolist()]
    return [" ".join(words[d] for d in term if d) for term in digits.tolist()]
