"""Train / validation / test assignment: iterative stratification, or the split the data carries.

Iterative stratification (Sechidis, Tsoumakas & Vlahavas, 2011) places the rows of the rarest tag first,
each in the part that most lacks that tag, so rare tags spread over every part. We also ask for at least
one row of a tag in each part when the tag has enough rows for that.

Example:
    >>> rows = [["a"], ["a"], ["a", "b"], ["b"], ["b"], ["c"], ["c"], ["c"], [], ["a"]]
    >>> parts = iterative_split(rows, (0.6, 0.2, 0.2), seed=0)
    >>> sorted(set(parts.tolist()))
    [0, 1, 2]
    >>> normalize_split_names(["train", "dev", "Test"], source="data.csv")
    ['train', 'validation', 'test']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from ..config import SPLITS
from ..errors import ConfigError

SPLIT_ALIASES = {
    "train": "train", "training": "train", "trn": "train",
    "validation": "validation", "valid": "validation", "val": "validation", "dev": "validation",
    "development": "validation",
    "test": "test", "testing": "test", "tst": "test", "eval": "test", "evaluation": "test",
}


def iterative_split(label_sets: Sequence[Iterable[str]], ratios: Sequence[float], seed: int = 13) -> np.ndarray:
    """Part index (0 = train, 1 = validation, 2 = test) for each row, stratified over its tags.

    Reproducible for the same rows, ratios and seed. Rows without tags fill the parts by size.
    """
    n = len(label_sets)
    ratios = np.asarray(ratios, dtype=float)
    active = [j for j in range(len(ratios)) if ratios[j] > 0]
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    labels = sorted({t for tags in label_sets for t in tags})
    index = {t: i for i, t in enumerate(labels)}
    rows_labels = [[index[t] for t in label_sets[r]] for r in range(n)]

    rows_by_label: list[list[int]] = [[] for _ in labels]
    for r in order.tolist():
        for li in rows_labels[r]:
            rows_by_label[li].append(r)
    counts = np.array([len(rows) for rows in rows_by_label], dtype=float)
    desired = np.outer(ratios, counts)  # (parts, labels)
    enough = counts >= len(active)
    for j in active:  # at least one row of each tag in each part, when the tag has enough rows
        desired[j, enough] = np.maximum(desired[j, enough], 1.0)
    for j in set(range(len(ratios))) - set(active):
        desired[j, :] = -np.inf
    desired_total = ratios * n
    desired_total[[j for j in range(len(ratios)) if j not in active]] = -np.inf
    desired_rows = desired.T.tolist()  # per label: list over parts (plain lists: fast scalar updates)
    total = desired_total.tolist()
    tiebreak = rng.random(len(ratios)).tolist()

    assigned = np.full(n, -1, dtype=np.int8)
    remaining = counts.copy()
    remaining[remaining == 0] = np.inf
    for _ in range(len(labels)):
        li = int(np.argmin(remaining))
        if not np.isfinite(remaining[li]):
            break
        for r in rows_by_label[li]:
            if assigned[r] >= 0:
                continue
            want = desired_rows[li]
            j = max(active, key=lambda k: (want[k], total[k], tiebreak[k]))
            assigned[r] = j
            total[j] -= 1
            for lm in rows_labels[r]:
                desired_rows[lm][j] -= 1
                remaining[lm] -= 1
        remaining[li] = np.inf
    for r in order.tolist():  # rows without (kept) tags
        if assigned[r] < 0:
            j = max(active, key=lambda k: (total[k], tiebreak[k]))
            assigned[r] = j
            total[j] -= 1
    _fill_gaps(assigned, rows_labels, rows_by_label, counts, active)
    return assigned


def _fill_gaps(assigned: np.ndarray, rows_labels: list[list[int]], rows_by_label: list[list[int]],
               counts: np.ndarray, active: list[int], have: np.ndarray | None = None) -> None:
    """Move single rows so that every tag with enough rows appears in every part, rarest tags first.

    A row moves only from the part holding most of the tag, and only if that part keeps at least one row
    of each of the row's tags; so a repair never opens a new gap. ``have`` (tags x parts row counts) is
    computed from the rows unless given: a distributed engine passes the counts over all rows and only
    the rows of the tags with a gap (see ``multilabeltext.spark.split``).
    """
    if have is None:
        have = np.zeros((len(rows_by_label), int(max(active)) + 1), dtype=np.int64)
        for r, labels in enumerate(rows_labels):
            for li in labels:
                have[li, assigned[r]] += 1
    for li in np.argsort(counts, kind="stable").tolist():
        if counts[li] < len(active):
            continue
        for part in active:
            if have[li, part] > 0:
                continue
            donor = max(active, key=lambda k: have[li, k])
            for r in rows_by_label[li]:
                if assigned[r] == donor and all(have[m, donor] >= 2 for m in rows_labels[r]):
                    for m in rows_labels[r]:
                        have[m, donor] -= 1
                        have[m, part] += 1
                    assigned[r] = part
                    break


def normalize_split_names(values: Iterable[object], *, source: str, column: str = "split",
                          mapping: Mapping[str, str] | None = None) -> list[str]:
    """Map a column's split values (``train``, ``dev``, ``valid``, ``Test``...) to train/validation/test.

    Raises :class:`ConfigError` listing values it does not know, with the fix.
    """
    aliases = {**SPLIT_ALIASES, **{k.lower(): v for k, v in (mapping or {}).items()}}
    out, unknown = [], set()
    for value in values:
        key = str(value).strip().lower() if value is not None else ""
        name = aliases.get(key)
        if name is None:
            unknown.add(key or "(empty)")
        out.append(name)
    if unknown:
        raise ConfigError(
            f"split column '{column}' has value(s) {', '.join(sorted(unknown)[:10])}, expected one of "
            f"{', '.join(SPLITS)} (or train/dev/valid/val/test aliases).",
            path=source, fix="rename the values, or pass --split iterative to make a stratified split instead.")
    return out
