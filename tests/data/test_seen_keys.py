"""SeenKeys: the de-duplication's set of question keys, checked against a Python set."""

import numpy as np

from multilabeltext.data.seen_keys import SeenKeys


def test_matches_a_python_set_over_many_batches():
    rng = np.random.default_rng(0)
    seen, reference = SeenKeys(), set()
    for size in rng.integers(0, 400, size=200):
        keys = rng.integers(-2_000, 2_000, size=size) * (2 ** 50)  # repeats within and across batches, large values
        expected = []
        for key in keys.tolist():
            expected.append(key not in reference)
            reference.add(key)
        assert seen.add_new(keys).tolist() == expected
    assert len(seen) == len(reference)
    assert len(seen._runs) <= 12  # about log2(keys) runs, each at least twice the next
    assert all(len(a) >= 2 * len(b) for a, b in zip(seen._runs, seen._runs[1:]))


def test_extreme_and_empty_batches():
    seen = SeenKeys()
    assert seen.add_new([]).tolist() == []
    edge = [np.iinfo(np.int64).min, np.iinfo(np.int64).max, 0]
    assert seen.add_new(edge).tolist() == [True, True, True]
    assert seen.add_new(edge[::-1] + [1]).tolist() == [False, False, False, True]
