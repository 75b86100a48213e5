"""The tags of each post, read from a separate file (Kaggle's Tags.csv), held as compact arrays.

A ``dict`` of lists cost about 320 bytes per question (188 MiB for the Kaggle dump's 607k questions, 750 MiB at
four times its size): the one part of ``prepare`` whose memory grew with the input. Here a post id is an int64
when every id in the file is a plain decimal integer (the Kaggle dumps), else a string; its tags are int32 codes
into the list of distinct tags, sorted by post so one post's tags are one slice.

    >>> lookup = TagLookup()
    >>> lookup.add(["7", "3", "7"], ["pandas", "numpy", "python"])
    >>> lookup.freeze().tags_of(["7", "5", "3"])
    [['pandas', 'python'], [], ['numpy']]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


class TagLookup:
    """Post id -> its tags (in file order); fill with :meth:`add`, then :meth:`freeze`, then :meth:`tags_of`."""

    def __init__(self) -> None:
        self._ids: list[pa.Array] = []
        self._tags: list[pa.Array] = []
        self._index: pd.Index | None = None
        self._int_keys = False

    def add(self, post_ids: Sequence[str], tags: Sequence[str]) -> None:
        """Record one batch of (post id, tag) pairs; a missing tag (``None``) is skipped."""
        ids, names = pa.array(post_ids, pa.string()), pa.array(tags, pa.string())
        keep = pc.is_valid(names)
        self._ids.append(ids.filter(keep))
        self._tags.append(names.filter(keep))

    def freeze(self) -> TagLookup:
        """Sort the pairs by post and build the index; returns ``self``."""
        ids = pa.chunked_array(self._ids, pa.string()).combine_chunks()
        names = pa.chunked_array(self._tags, pa.string()).combine_chunks()
        self._ids = self._tags = []
        ints = _canonical_ints(ids)
        self._int_keys = ints is not None
        keys = (ints if self._int_keys else ids).to_numpy(zero_copy_only=False)
        codes, self._names = pd.factorize(names.to_numpy(zero_copy_only=False))
        order = np.argsort(keys, kind="stable")  # a post's tags stay in file order
        keys, self._codes = keys[order], codes[order].astype(np.int32)
        starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, np.int64)
        self._index = pd.Index(keys[starts])
        self._bounds = np.r_[starts, len(keys)].astype(np.int64)
        return self

    def __len__(self) -> int:
        """The number of posts with at least one tag."""
        return 0 if self._index is None else len(self._index)

    def tags_of(self, post_ids: Sequence[str]) -> list[list[str]]:
        """The tags of each post, ``[]`` for a post the file does not list."""
        if self._index is None:
            raise RuntimeError("TagLookup.freeze() must be called before tags_of()")
        if not len(self):
            return [[] for _ in post_ids]
        found = self._positions(post_ids)
        present = found >= 0
        starts = np.where(present, self._bounds[np.maximum(found, 0)], 0)
        lengths = np.where(present, self._bounds[np.maximum(found, 0) + 1] - starts, 0)
        offsets = np.r_[0, np.cumsum(lengths)]
        # the positions in self._codes of every requested tag, row after row
        flat = np.repeat(starts - offsets[:-1], lengths) + np.arange(offsets[-1])
        values = pa.array(self._names[self._codes[flat]], pa.string())
        return pa.ListArray.from_arrays(pa.array(offsets, pa.int32()), values).to_pylist()

    def _positions(self, post_ids: Sequence[str]) -> np.ndarray:
        """Each id's position in the index, -1 when absent."""
        if not self._int_keys:
            return self._index.get_indexer(pd.Index(list(post_ids), dtype=object))
        queries = pa.array(post_ids, pa.string())
        ints = _canonical_ints(queries)
        if ints is not None:
            return self._index.get_indexer(ints.to_numpy())
        # some ids are not plain integers, so the file (all plain integers) cannot list them
        plain = [_plain_int(i) for i in post_ids]
        found = self._index.get_indexer(np.array([int(i) if ok else 0 for i, ok in zip(post_ids, plain)], np.int64))
        found[~np.array(plain, dtype=bool)] = -1
        return found


def _plain_int(text) -> bool:
    """Whether ``text`` is an integer written the way Python writes it."""
    try:
        return isinstance(text, str) and str(int(text)) == text and abs(int(text)) < 2 ** 63
    except ValueError:
        return False


def _canonical_ints(ids: pa.Array) -> pa.Array | None:
    """``ids`` as int64 when every one is written the way Python writes the integer ("12", not "012" or " 12")."""
    if ids.null_count:
        return None
    try:
        ints = pc.cast(ids, pa.int64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return ints if pc.all(pc.equal(pc.cast(ints, pa.string()), ids)).as_py() is not False else None
