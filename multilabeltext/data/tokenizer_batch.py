r"""``Tokenizer.batch``'s fast path: a batch of texts cut into pieces and pieces into tokens in C++ (pyarrow).

The tokens are exactly the per-text path's (``Tokenizer.__call__``, see ``tokenizer.py``); only where the
work runs changes. Per batch: each text that is not pure ASCII is lowercased by ``str.lower`` and its
Unicode whitespace made plain spaces in Python (``" ".join(text.split())``), so ``str.lower`` and
``str.split`` keep their Unicode meaning; then all texts are one UTF-8 buffer, in which one
``bytes.translate`` lowercases the ASCII letters and makes every other ASCII character that cannot be part
of a token a space. Arrow splits that on spaces (``ascii_split_whitespace``) and dictionary-encodes the
pieces, so each distinct piece of the batch is worked out once:

* an ASCII piece: stripped as ``Tokenizer.piece_tokens`` strips it (``.'-`` on the right, ``'+#-`` on the
  left), then cut by RE2 with ``(TOKEN)|.`` -> ``\1 `` (what ``findall`` finds, space-separated: on ASCII
  text RE2's leftmost-first match is Python's, and ``\w`` is ``[A-Za-z0-9_]`` in both), a trailing ``'s``
  removed, stopwords and short tokens dropped (``is_in``, ``utf8_length``);
* a piece with non-ASCII characters (``café``, an emoji, ``’``): the shared piece cache, as in the per-text
  path (Python's ``isalnum``, ``\w`` and the emoji pattern).

The per-text token lists are then gathered with NumPy from the distinct pieces' tokens (the same string
objects, not copies) and sliced per text. A text with a lone surrogate (not valid UTF-8) goes through the
per-text path.

Example:
    >>> from multilabeltext.data.tokenizer import Tokenizer
    >>> token_lists(Tokenizer(), ["C++ and .NET's List<T>.", "café ☕ déjà-vu"])
    [['c++', '.net', 'list'], ['café', '☕', 'déjà-vu']]
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import tokenizer as tokenizer_module

# TOKEN_PATTERN (tokenizer.py) on ASCII text, where Python's \w is [A-Za-z0-9_]; a test checks they agree
ASCII_TOKEN_PATTERN = r"\.?[A-Za-z0-9][A-Za-z0-9_]*(?:[.'+-][A-Za-z0-9_]+)*[+#]*|_[A-Za-z0-9_]+"
_FINDALL = f"({ASCII_TOKEN_PATTERN})|."  # a token is kept and followed by a space, any other character a space
_WHOLE = f"^(?:{ASCII_TOKEN_PATTERN})$"  # the piece is one token (then findall gives it whole: see the docstring)

MAX_CHARS = 8_000_000  # characters per Arrow call (memory stays ~10x this in bytes); larger batches are cut


def token_lists(tokenizer, texts: list[str]) -> list[list[str]]:
    """The tokens of each of ``texts`` (non-empty ``str``), exactly as ``tokenizer(text)`` gives them."""
    out: list[list[str]] = []
    start = size = 0
    for end, text in enumerate(texts):
        size += len(text)
        if size > MAX_CHARS and end > start:
            out += _chunk(tokenizer, texts[start:end])
            start, size = end, len(text)
    return out + _chunk(tokenizer, texts[start:])


def _chunk(tokenizer, texts: list[str]) -> list[list[str]]:
    if not texts:
        return []
    lowercase = tokenizer.config.lowercase
    if lowercase:
        prepared = [t if t.isascii() else " ".join(t.lower().split()) for t in texts]
    else:
        prepared = [t if t.isascii() else " ".join(t.split()) for t in texts]
    try:
        arr = pa.array(prepared, pa.large_string())
    except (UnicodeError, pa.ArrowException):  # a lone surrogate: that text alone takes the per-text path
        bad = {i for i, t in enumerate(prepared) if not _is_utf8(t)}
        if not bad:
            raise
        lists = iter(_chunk(tokenizer, [t for i, t in enumerate(texts) if i not in bad]))
        return [tokenizer._tokenize(t) if i in bad else next(lists) for i, t in enumerate(texts)]
    validity, offsets, data = arr.buffers()
    data = pa.py_buffer(data.to_pybytes().translate(tokenizer._batch_table))
    arr = pa.LargeStringArray.from_buffers(len(arr), offsets, data, offset=arr.offset)
    piece_lists = pc.ascii_split_whitespace(arr)
    encoded = pc.dictionary_encode(piece_lists.flatten())
    flat, tokens_of_piece = _distinct_piece_tokens(tokenizer, encoded.dictionary)
    # every occurrence of a piece -> its tokens' places in ``flat`` (C++), then cut per text
    places = pc.take(tokens_of_piece, encoded.indices)
    ends = places.offsets.to_numpy()[piece_lists.offsets.to_numpy()].tolist()
    picked = flat[places.flatten().to_numpy()]
    return [picked[a:b].tolist() for a, b in zip(ends, ends[1:])]


def _distinct_piece_tokens(tokenizer, distinct: pa.Array) -> tuple[np.ndarray, pa.ListArray]:
    """(the batch's token strings, each distinct piece's list of places in them)."""
    ascii_mask = pc.string_is_ascii(distinct)
    ascii_at = np.flatnonzero(ascii_mask.to_numpy(zero_copy_only=False))
    # ASCII pieces: stripped; a word that is one token whole is that token, the others are cut by RE2
    word = pc.utf8_ltrim(pc.utf8_rtrim(distinct.filter(ascii_mask), characters=".'-"), characters="'+#-")
    whole = pc.match_substring_regex(word, pattern=_WHOLE)
    cut = pc.invert(whole)
    if pc.any(cut).as_py():
        word = pc.replace_with_mask(word, cut, pc.replace_substring_regex(word.filter(cut), pattern=_FINDALL,
                                                                              replacement=r"\1 "))
    found = pc.ascii_split_whitespace(word)
    candidates = found.flatten()
    possessive = pc.ends_with(candidates, pattern="'s")  # "NET's" -> "net"
    if pc.any(possessive).as_py():
        candidates = pc.replace_with_mask(candidates, possessive,
                                          pc.utf8_slice_codeunits(candidates.filter(possessive), 0, -2))
    keep = pc.and_(pc.invert(pc.is_in(candidates, value_set=_stop_array(tokenizer._stop))),
                   pc.greater_equal(pc.utf8_length(candidates), tokenizer.config.min_length))
    owner = pc.list_parent_indices(found).to_numpy()[keep.to_numpy(zero_copy_only=False)]
    tokens = candidates.filter(keep).to_pylist()
    counts = np.zeros(len(distinct), dtype=np.int64)
    counts[ascii_at] = np.bincount(owner, minlength=len(ascii_at))
    first = np.zeros(len(distinct), dtype=np.int64)
    first[ascii_at] = np.cumsum(counts[ascii_at]) - counts[ascii_at]
    # other pieces: the shared piece cache (Python's Unicode semantics, emoji)
    other_at = np.flatnonzero(pc.invert(ascii_mask).to_numpy(zero_copy_only=False))
    if len(other_at):
        pieces = tokenizer._pieces
        if len(pieces) > tokenizer_module._CACHE_LIMIT:
            pieces.clear()
        found_other = [pieces[p] for p in distinct.take(pa.array(other_at)).to_pylist()]
        other_counts = np.fromiter(map(len, found_other), dtype=np.int64, count=len(found_other))
        counts[other_at] = other_counts
        first[other_at] = len(tokens) + np.cumsum(other_counts) - other_counts
        tokens += [t for piece_tokens in found_other for t in piece_tokens]
    flat = np.empty(len(tokens), dtype=object)
    flat[:] = tokens
    # piece k's tokens are flat[first[k]:first[k] + counts[k]]: as a list array of places, piece by piece
    offsets = np.concatenate([[0], np.cumsum(counts)])
    owner = np.repeat(np.arange(len(counts)), counts)
    places = first[owner] + np.arange(offsets[-1]) - offsets[:-1][owner]
    return flat, pa.LargeListArray.from_arrays(pa.array(offsets), pa.array(places))


_STOP_ARRAYS: dict[frozenset, pa.Array] = {}


def _stop_array(stop: frozenset) -> pa.Array:
    array = _STOP_ARRAYS.get(stop)
    if array is None:
        array = _STOP_ARRAYS[stop] = pa.array(sorted(stop), pa.large_string())
    return array


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeError:
        return False
    return True
