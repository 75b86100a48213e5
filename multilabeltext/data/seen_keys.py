"""The 64-bit keys of the questions seen so far (de-duplication), in a few sorted NumPy runs.

A Python ``set`` of ints costs about 60 bytes a key: 140 MiB for the 2.4M questions of the benchmark's dump at
four times the Kaggle size, the larger part of what embedded ``prepare`` still grew by. Here a key costs 8 bytes:
the keys are kept as sorted runs, each at least twice as long as the next (so there are about log2(n) of
them), and a batch is looked up in every run with a binary search.

    >>> seen = SeenKeys()
    >>> seen.add_new([5, 3, 5]).tolist()
    [True, True, False]
    >>> seen.add_new([3, 9]).tolist(), len(seen)
    ([False, True], 3)
"""

from __future__ import annotations

import numpy as np


class SeenKeys:
    """A growing set of int64 keys, added and looked up a batch at a time."""

    def __init__(self) -> None:
        self._runs: list[np.ndarray] = []  # sorted, disjoint, each at least twice the length of the next

    def __len__(self) -> int:
        return sum(len(run) for run in self._runs)

    def add_new(self, keys) -> np.ndarray:
        """Add ``keys``; returns True where a key is new (not seen before, and its first place in ``keys``)."""
        keys = np.asarray(keys, dtype=np.int64)
        unique, first = np.unique(keys, return_index=True)
        fresh = np.ones(len(unique), dtype=bool)
        for run in self._runs:
            at = np.minimum(np.searchsorted(run, unique), len(run) - 1)
            fresh &= run[at] != unique
        new = np.zeros(len(keys), dtype=bool)
        new[first[fresh]] = True
        self._push(unique[fresh])
        return new

    def _push(self, run: np.ndarray) -> None:
        if not len(run):
            return
        self._runs.append(run)
        while len(self._runs) > 1 and 2 * len(self._runs[-1]) > len(self._runs[-2]):
            newer, older = self._runs.pop(), self._runs.pop()
            merged = np.concatenate([older, newer])
            merged.sort(kind="stable")
            self._runs.append(merged)
