"""The Spark engine's split functions on their own (no Spark): the hash order, the cut points, the repair."""

from __future__ import annotations

import numpy as np

from multilabeltext.spark.split import boundaries, gap_tags, hash_keys, repair


def test_hash_keys_depend_on_the_id_and_seed_only():
    ids = [str(i) for i in range(1000)]
    keys = dict(zip(ids, hash_keys(ids, 13).tolist()))
    shuffled = list(reversed(ids))
    assert dict(zip(shuffled, hash_keys(shuffled, 13).tolist())) == keys  # order/partitioning does not matter
    assert hash_keys(ids, 14).tolist() != list(keys.values())
    assert min(keys.values()) >= 0  # 63 bits: a Spark long


def test_boundaries_give_the_rounded_ratios():
    assert boundaries(10, (0.8, 0.1, 0.1)) == [8, 9]
    assert boundaries(15403, (0.8, 0.1, 0.1)) == [12322, 13863]
    assert boundaries(7, (1.0, 0.0, 0.0)) == [7, 7]


def test_repair_closes_every_gap_without_opening_one():
    rng = np.random.default_rng(0)
    labels = [f"t{i}" for i in range(30)]
    rows = []
    for r in range(400):
        tags = sorted({labels[int(i)] for i in rng.zipf(1.6, size=2) if i < 30} | {labels[0]})
        rows.append((r, [t for t in tags if t in labels], 0 if r % 10 < 8 else (1 if r % 10 == 8 else 2)))
    have = np.zeros((len(labels), 3), dtype=np.int64)
    index = {t: i for i, t in enumerate(labels)}
    for _, tags, part in rows:
        for t in tags:
            have[index[t], part] += 1
    gaps = gap_tags(have, labels, [0, 1, 2])
    assert gaps  # the rare tags miss a part before the repair
    moves = repair([r for r in rows if set(r[1]) & set(gaps)], have, labels, [0, 1, 2])
    assert moves
    after = np.zeros_like(have)
    for r, tags, part in rows:
        for t in tags:
            after[index[t], moves.get(r, part)] += 1
    assert (after == have).all()  # the counts it keeps are the real ones
    assert gap_tags(after, labels, [0, 1, 2]) == []
