"""prepare's ``--split column`` de-duplication (``_Leaks``), checked against the plain set-and-dict version it
replaced, on random batches with copies within and across splits and blank questions."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from multilabeltext.config import PrepareConfig
from multilabeltext.data.prepare import _blank_questions, _Leaks
from multilabeltext.data.transforms import question_keys


def _reference(batches, config):
    """The former implementation: a set of (rank, key), a dict key -> best rank, a list of first copies."""
    counts, seen, best, records, keeps = Counter(), set(), {}, [], []
    for q in batches:
        keep = np.ones(len(q), dtype=bool)
        blank = _blank_questions(q, config.fields)
        for i, (key, name, row) in enumerate(zip(question_keys(q, config.fields), q["split"], q["row"])):
            if blank[i]:
                continue
            rank = _Leaks.RANK[name]
            if (rank, key) in seen:
                if config.dedupe:
                    keep[i] = False
                    counts["duplicates"] += 1
                continue
            seen.add((rank, key))
            best[key] = max(best.get(key, rank), rank)
            records.append((row, key, rank))
        keeps.append(keep)
    return keeps, sorted(row for row, key, rank in records if best[key] > rank), counts


@pytest.mark.parametrize("dedupe", [True, False])
def test_matches_the_set_based_version(dedupe):
    rng = np.random.default_rng(3)
    config = PrepareConfig(split="column", dedupe=dedupe)
    batches, row = [], 0
    for size in rng.integers(0, 60, size=40):
        words = rng.integers(0, 25, size=size)
        titles = ["" if w == 0 else f"question {w}" for w in words]  # 0: a blank question (no title, no body)
        batches.append(pd.DataFrame({"title": titles, "body": [""] * size, "row": np.arange(row, row + size),
                                     "split": rng.choice(["train", "validation", "test"], size=size)}))
        row += size
    counts = Counter()
    leaks = _Leaks(counts)
    keeps = [leaks.add(q, config, "q.csv") for q in batches]
    want_keeps, want_rows, want_counts = _reference(batches, config)
    assert all(np.array_equal(a, b) for a, b in zip(keeps, want_keeps))
    assert leaks.rows().tolist() == want_rows and len(want_rows) > 10
    assert counts == want_counts and (counts["duplicates"] > 10) == dedupe


def test_no_rows_no_leaks():
    assert _Leaks(Counter()).rows().tolist() == []
