r"""``Tokenizer.batch``'s fast path: a batch of texts cut into pieces, and pieces into tokens, in C++ (pyarrow).

The tokens are exactly the per-text path's (``Tokenizer.__call__``, see ``tokenizer.py``); only where the work
runs changes. Per batch (cut at ``MAX_CHARS``):

1. A text that is not pure ASCII is lowercased by ``str.lower`` (Unicode rules); then all the texts are one
   UTF-8 buffer, in which one ``bytes.translate`` lowercases the ASCII capitals and makes every other ASCII
   character that cannot be part of a token a space, as the per-text path does.
2. Arrow splits it at the spaces (``ascii_split_whitespace``) and dictionary-encodes the pieces, so each
   distinct piece of the batch is worked out once.
3. A distinct ASCII piece is stripped as ``Tokenizer.piece_tokens`` strips it (``.'-`` on the right, ``'+#-``
   on the left). A word that is one token whole (alphanumeric, or matching ``ASCII_TOKEN_PATTERN`` from end
   to end) is its own token: the pattern's two branches begin with different characters and each part runs
   as far as it can, so ``findall`` would take the word whole too. Any other word is cut by RE2 with
   ``(TOKEN)|.`` -> ``\1 `` (on ASCII, RE2's leftmost-first match is Python's and ``\w`` is
   ``[A-Za-z0-9_]`` in both). Then a trailing ``'s`` goes, and so do stopwords and short tokens.
4. A distinct piece with a non-ASCII character (``café``, an emoji, ``’``, a no-break space) takes the shared
   piece cache, as in the per-text path (Python's ``isalnum``, ``\w`` and the emoji pattern), after
   ``str.split`` at any Unicode whitespace inside it.
5. Each occurrence of a piece becomes the places of its tokens (``take`` on a list array), and the per-text
   lists are sliced from one NumPy gather of the token strings (the same string objects, not copies).

A batch of at least ``PARALLEL_MIN_CHARS`` is cut in two halves that two threads tokenize at once: Arrow's
kernels release the GIL, so one half's C++ work runs beside the other's Python steps (20,800 pyq texts/s
against 15,900 in one thread, on 2 cores). A text with a lone surrogate (not valid UTF-8) takes the per-text
path. ``tests/data/test_tokenizer_batch.py``
compares this path with the per-text path and the plain regex on adversarial text, and
``tests/data/test_tokenizer_samples.py`` on every line of every sample.

Example:
    >>> from multilabeltext.data.tokenizer import Tokenizer
    >>> token_lists(Tokenizer(), ["C++ and .NET's List<T>.", "café ☕ déjà-vu", "don't a..b"])  # "a" and "don't" are stopwords
    [['c++', '.net', 'list'], ['café', '☕', 'déjà-vu'], ['.b']]
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..parallel import resolve_jobs
from . import tokenizer as tokenizer_module

# TOKEN_PATTERN (tokenizer.py) on ASCII text, where Python's \w is [A-Za-z0-9_]; a test checks they agree
ASCII_TOKEN_PATTERN = r"\.?[A-Za-z0-9][A-Za-z0-9_]*(?:[.'+-][A-Za-z0-9_]+)*[+#]*|_[A-Za-z0-9_]+"
_FINDALL = f"({ASCII_TOKEN_PATTERN})|."  # a token is kept and followed by a space, any other character a space
_WHOLE = f"^(?:{ASCII_TOKEN_PATTERN})$"  # the word is one token

MAX_CHARS = 8_000_000  # characters per Arrow call (bounds its buffers to some tens of MB); larger batches are cut
PARALLEL_MIN_CHARS = 200_000  # a batch this long is tokenized by THREADS threads (smaller ones gain nothing)
THREADS = 2  # the Python half of the work holds the GIL: 4 threads were slower than 2 on 2 cores


def token_lists(tokenizer, texts: list[str]) -> list[list[str]]:
    """The tokens of each of ``texts`` (non-empty ``str``), exactly as ``tokenizer(text)`` gives them."""
    sizes = np.cumsum(np.fromiter(map(len, texts), dtype=np.int64, count=len(texts)))
    total = int(sizes[-1]) if len(texts) else 0
    threads = resolve_jobs(THREADS) if total >= PARALLEL_MIN_CHARS else 1
    count = max(threads, -(-total // MAX_CHARS))
    # cut where the running length passes each k/count of the total: parts of about equal length
    cuts = np.searchsorted(sizes, np.arange(1, count) * total / count, side="right") if count > 1 else []
    bounds = [0, *sorted({int(c) for c in cuts if 0 < c < len(texts)}), len(texts)]
    parts = [texts[a:b] for a, b in zip(bounds, bounds[1:])]
    if threads == 1 or len(parts) == 1:
        return [tokens for part in parts for tokens in _chunk(tokenizer, part)]
    with ThreadPoolExecutor(threads, thread_name_prefix="tokenizer") as pool:
        return [tokens for tokens_of_part in pool.map(partial(_chunk, tokenizer), parts) for tokens in tokens_of_part]


def _chunk(tokenizer, texts: list[str]) -> list[list[str]]:
    if not texts:
        return []
    prepared = [t if t.isascii() else t.lower() for t in texts] if tokenizer.config.lowercase else texts
    try:
        encoded = [t.encode() for t in prepared]
    except UnicodeError:  # a lone surrogate (not valid UTF-8): that text alone takes the per-text path
        bad = {i for i, t in enumerate(prepared) if not _is_utf8(t)}
        lists = iter(_chunk(tokenizer, [t for i, t in enumerate(texts) if i not in bad]))
        return [tokenizer._tokenize(t) if i in bad else next(lists) for i, t in enumerate(texts)]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded)), out=offsets[1:])
    data = b"".join(encoded).translate(tokenizer._batch_table)
    arr = pa.LargeStringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(data))
    piece_lists = pc.ascii_split_whitespace(arr)
    pieces = pc.dictionary_encode(piece_lists.flatten())
    flat, tokens_of_piece = _distinct_piece_tokens(tokenizer, pieces.dictionary)
    # every occurrence of a piece -> its tokens' places in ``flat`` (C++), then cut per text
    places = pc.take(tokens_of_piece, pieces.indices)
    ends = _numpy(places.offsets)[_numpy(piece_lists.offsets)].tolist()
    picked = flat[_numpy(places.flatten())]
    return [picked[a:b].tolist() for a, b in zip(ends, ends[1:])]


def _distinct_piece_tokens(tokenizer, distinct: pa.Array) -> tuple[np.ndarray, pa.ListArray]:
    """(the batch's token strings, each distinct piece's list of places in them)."""
    n = len(distinct)
    ascii_mask = pc.string_is_ascii(distinct)
    ascii_at = _where(ascii_mask)
    # ASCII pieces: stripped; a word that is one token whole is that token, the others are cut by RE2
    word = pc.ascii_ltrim(pc.ascii_rtrim(distinct.filter(ascii_mask), characters=".'-"), characters="'+#-")
    whole = pc.ascii_is_alnum(word)
    rest = pc.invert(whole)
    if pc.any(rest).as_py():
        whole = pc.replace_with_mask(whole, rest, pc.match_substring_regex(word.filter(rest), pattern=_WHOLE))
    cut_at = _where(pc.invert(whole))
    found = pc.ascii_split_whitespace(pc.replace_substring_regex(word.take(_ints(cut_at)), pattern=_FINDALL,
                                                                 replacement=r"\1 "))
    # candidates: each whole word (a cut word's own entry never kept), then the cut words' tokens
    candidates = pa.concat_arrays([word, found.flatten()])
    owner = np.concatenate([ascii_at, ascii_at[cut_at][_numpy(pc.list_parent_indices(found))]])
    possessive = pc.ends_with(candidates, pattern="'s")  # "NET's" -> "net"
    if pc.any(possessive).as_py():
        candidates = pc.replace_with_mask(candidates, possessive,
                                          pc.utf8_slice_codeunits(candidates.filter(possessive), 0, -2))
    keep = pc.and_(pc.invert(pc.is_in(candidates, value_set=_stop_array(tokenizer._stop))),
                   pc.greater_equal(pc.utf8_length(candidates), _ints([tokenizer.config.min_length])[0]))
    kept = _where(pc.and_(keep, pa.concat_arrays([whole, pc.is_valid(found.flatten())])))
    tokens = candidates.take(_ints(kept)).to_pylist()
    owner = owner[kept]
    counts = np.bincount(owner, minlength=n)
    # a piece's tokens are consecutive in ``tokens``: its first is where its owner first appears
    first = np.zeros(n, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate([[True], owner[1:] != owner[:-1]])) if len(owner) else owner
    first[owner[starts]] = starts
    # other pieces: the shared piece cache (Python's Unicode semantics, emoji)
    other_at = _where(pc.invert(ascii_mask))
    if len(other_at):
        pieces = tokenizer._pieces
        if len(pieces) > tokenizer_module._CACHE_LIMIT:
            pieces.clear()
        found_other = [pieces[p] if len(parts := p.split()) == 1 else tuple(t for part in parts for t in pieces[part])
                       for p in distinct.take(_ints(other_at)).to_pylist()]  # split at Unicode whitespace
        other_counts = np.fromiter(map(len, found_other), dtype=np.int64, count=len(found_other))
        counts[other_at] = other_counts
        first[other_at] = len(tokens) + np.cumsum(other_counts) - other_counts
        tokens += [t for piece_tokens in found_other for t in piece_tokens]
    flat = np.empty(len(tokens), dtype=object)
    flat[:] = tokens
    # piece k's tokens are flat[first[k]:first[k] + counts[k]]: as a list array of places, piece by piece
    offsets = np.concatenate([[0], np.cumsum(counts)])
    owner = np.repeat(np.arange(n), counts)
    places = first[owner] + np.arange(offsets[-1]) - offsets[:-1][owner]
    return flat, pa.ListArray.from_arrays(_ints(offsets, np.int32), _ints(places, np.int32))


_STOP_ARRAYS: dict[frozenset, pa.Array] = {}


def _stop_array(stop: frozenset) -> pa.Array:
    array = _STOP_ARRAYS.get(stop)
    if array is None:
        words = [w.encode() for w in sorted(stop)]
        offsets = np.concatenate([[0], np.cumsum([len(w) for w in words], dtype=np.int64)]).astype(np.int64)
        array = _STOP_ARRAYS[stop] = pa.LargeStringArray.from_buffers(len(words), pa.py_buffer(offsets),
                                                                      pa.py_buffer(b"".join(words)))
    return array


def _where(mask: pa.BooleanArray) -> np.ndarray:
    """The positions where ``mask`` is true."""
    return _numpy(pc.indices_nonzero(mask)).astype(np.int64)


def _numpy(array: pa.Array) -> np.ndarray:
    """An Arrow integer array (no nulls) as a NumPy view (``Array.to_numpy`` imports pandas on its first call)."""
    dtype = np.dtype(array.type.to_pandas_dtype())
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _ints(values: np.ndarray, dtype=np.int64) -> pa.Array:
    """A NumPy integer array as an Arrow one (``pa.array`` imports pandas on its first call)."""
    values = np.ascontiguousarray(values, dtype=dtype)
    return pa.Array.from_buffers(pa.from_numpy_dtype(values.dtype), len(values), [None, pa.py_buffer(values)])


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeError:
        return False
    return True
