"""sparse_times_dense equals scipy's CSR x dense product (the first step of linear and mlp predict)."""

import numpy as np
import pytest
import scipy.sparse as sp

from multilabeltext.models import sparse_product
from multilabeltext.models.sparse_product import sparse_times_dense


def tfidf_like(rows: int, features: int, per_row: int, seed: int) -> sp.csr_matrix:
    """Random non-negative rows with about ``per_row`` non-zeros, some rows empty, indices sorted."""
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 2 * per_row, size=rows)
    counts[rng.random(rows) < 0.05] = 0
    indptr = np.concatenate([[0], np.cumsum(counts)])
    indices = np.concatenate([np.sort(rng.choice(features, size=c, replace=False)) for c in counts])
    data = rng.random(indptr[-1], dtype=np.float32)
    return sp.csr_matrix((data, indices.astype(np.int32), indptr), shape=(rows, features))


@pytest.mark.parametrize("block_rows, threads", [(4096, 1), (97, 2), (10, 3)])
def test_equals_scipy_for_every_blocking(monkeypatch, block_rows, threads):
    monkeypatch.setattr(sparse_product, "BLOCK_ROWS", block_rows)
    monkeypatch.setattr(sparse_product, "resolve_jobs", lambda jobs: threads)
    X = tfidf_like(1_003, 5_000, 40, seed=block_rows)
    W = np.random.default_rng(1).standard_normal((5_000, 37)).astype(np.float32)
    got = sparse_times_dense(X, W, min_nonzeros=0)
    assert got.dtype == np.float32 and got.shape == (1_003, 37)
    np.testing.assert_array_equal(got, np.asarray(X @ W))  # the same products added in the same order


def test_small_or_other_inputs_take_scipy(monkeypatch):
    calls = []
    monkeypatch.setattr(sparse_product, "_compiled", lambda: calls.append(1))
    X = tfidf_like(50, 300, 5, seed=2)
    W = np.random.default_rng(3).standard_normal((300, 4)).astype(np.float32)
    for x, w, least in ((X, W, sparse_product.MIN_NONZEROS), (X.astype(np.float64), W, 0),
                        (X, np.asfortranarray(W), 0), (X.tocsc(), W, 0)):
        np.testing.assert_allclose(sparse_times_dense(x, w, min_nonzeros=least), np.asarray(X @ W), rtol=1e-5, atol=1e-6)
    assert calls == []  # the compiled kernel was never asked for


def test_an_empty_batch():
    W = np.ones((6, 2), dtype=np.float32)
    assert sparse_times_dense(sp.csr_matrix((0, 6), dtype=np.float32), W, min_nonzeros=0).shape == (0, 2)
