"""The Spark engine's split: a hash of each row's id with the seed, then a repair pass for the rare tags.

How it differs from the embedded engine's iterative stratification (:mod:`multilabeltext.data.split`):
that one looks at every row's tags at once (on one machine) and balances each tag's share per part; this
one orders the rows by ``blake2b(seed:id)`` (ties by source row) and deals the first 80 % to train, the
next 10 % to validation, the rest to test, so it is reproducible and independent of how the data is
partitioned, and costs two small aggregations to distribute (a histogram of the keys finds the exact
cut points). Part sizes are the rounded ratios; a tag's share per part follows the ratios up to
sampling noise, so frequent tags end up close to them and rare ones less so. The guarantee the embedded
split gives is kept: every tag with at least as many rows as there are parts appears in every part. The
few tags that miss a part are repaired on the driver with the embedded engine's own ``_fill_gaps`` over
only their rows (the counts of all other tags come from Spark), and for each row a repair moved, one
row whose tags are all plentiful moves back the other way, so the sizes stay the rounded ratios.

Example:
    >>> boundaries(10_000, (0.8, 0.1, 0.1))
    [8000, 9000]
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from ..data.split import _fill_gaps


def hash_keys(ids: Sequence[str], seed: int) -> np.ndarray:
    """A 63-bit key per id, ``blake2b(seed:id)``: the order rows are dealt to the parts in.

    Example:
        >>> hash_keys(["1", "2"], seed=13).tolist() == hash_keys(["1", "2"], seed=13).tolist()
        True
    """
    return np.fromiter((int.from_bytes(hashlib.blake2b(f"{seed}:{i}".encode(), digest_size=8).digest(), "big") >> 1
                        for i in ids), dtype=np.int64, count=len(ids))


def boundaries(n: int, ratios: Sequence[float]) -> list[int]:
    """Ranks where train ends and validation ends, for ``n`` rows (each part gets its rounded share).

    Example:
        >>> boundaries(332, (0.8, 0.1, 0.1))
        [266, 299]
    """
    ratios = np.asarray(ratios, dtype=float)
    cum = np.cumsum(ratios / ratios.sum())[:-1]
    return [int(v) for v in np.floor(cum * n + 0.5)]


def gap_tags(have: np.ndarray, labels: Sequence[str], active: Sequence[int]) -> list[str]:
    """Tags with at least one row per active part that still miss a part (``have``: tags x parts counts)."""
    totals = have.sum(axis=1)
    missing = (have[:, list(active)] == 0).any(axis=1)
    return [labels[i] for i in np.flatnonzero(missing & (totals >= len(active)))]


def repair(rows: list[tuple[int, list[str], int]], have: np.ndarray, labels: Sequence[str],
           active: Sequence[int]) -> dict[str, int]:
    """Moves ``{row: new part}`` that close the gaps, from the rows (row, tags, part) carrying a gap tag.

    ``have`` holds every tag's rows per part over the whole dataset; it is updated in place.

    Example:
        >>> have = np.array([[3, 0, 0], [2, 1, 1]])
        >>> repair([(0, ["x"], 0), (1, ["x", "y"], 0), (2, ["x"], 0)], have, ["x", "y"], [0, 1, 2])
        {0: 1, 1: 2}
    """
    index = {t: i for i, t in enumerate(labels)}
    rows_labels = [[index[t] for t in tags] for _, tags, _ in rows]
    rows_by_label: list[list[int]] = [[] for _ in labels]
    for r, tags in enumerate(rows_labels):
        for li in tags:
            rows_by_label[li].append(r)
    assigned = np.array([part for _, _, part in rows], dtype=np.int8)
    before = assigned.copy()
    _fill_gaps(assigned, rows_labels, rows_by_label, have.sum(axis=1).astype(float), list(active), have=have)
    return {rows[r][0]: int(assigned[r]) for r in np.flatnonzero(assigned != before).tolist()}
