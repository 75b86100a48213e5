"""A compiled linear SVM solver: dual coordinate descent for the L2-regularised squared-hinge loss, on CSR arrays.

What scikit-learn's ``LinearSVC(dual=True)`` runs (liblinear's ``L2R_L2LOSS_SVC_DUAL``, Hsieh et al. 2008, with
its shrinking and its stopping rule on the projected gradient; the intercept is the weight of an extra feature of
value 1, regularised like the others, as ``intercept_scaling=1``), rewritten with numba so that it

* reads the CSR arrays as they are: liblinear, through scikit-learn, copies the whole matrix into its own
  structs on every call (~0.1 s of each 0.12-0.3 s per-tag fit on so-titles' 330k features);
* trains on a subset of the rows given as indices (a cross-fit fold) without slicing the matrix;
* takes one cost per row (``C`` times a sample weight; 0 leaves the row out, as liblinear does);
* can start from given dual variables (``alpha``: a warm start) and returns them;
* runs tags in parallel threads (``nogil``) and visits the rows in a seeded order of its own (splitmix64), so
  the same data and seed give the same model whatever the threads.

It minimises ``0.5 |w|^2 + sum_i c_i max(0, 1 - y_i (w . x_i + b))^2`` over ``(w, b)``. Its decisions match
``LinearSVC(C, dual=True)``'s once both converge (tests/models/test_svm_dual.py); with a few passes (the
``linear`` model's 3 and 10) both stop early, each after its own row order.

Compiled on first use and cached (``cache=True``, in ``__pycache__``): the first call of a fresh install
compiles for ~2 s; later processes load it in well under a second.

Example:
    >>> import numpy as np, scipy.sparse as sp
    >>> X = sp.csr_matrix(np.array([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.8]]))
    >>> y = np.array([1, 1, 0, 0])
    >>> w, b, alpha, passes = fit_svm(X, y, np.full(4, 1.0), max_iter=100)
    >>> (np.sign(X @ w + b) > 0).astype(int).tolist()
    [1, 1, 0, 0]
"""

from __future__ import annotations

import numpy as np
from numba import njit

_MIX = 0x9E3779B97F4A7C15  # spreads small seeds over the 64 bits


@njit(nogil=True, cache=True)
def _next(state):
    """splitmix64: the next state and a 64-bit random number."""
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return state, z ^ (z >> np.uint64(31))


CHUNK = 8  # rows visited in matrix order inside a chunk; the chunks' order is shuffled on every pass


@njit(nogil=True, cache=True)
def _solve(indptr, indices, data, norms, rows, y, cost, alpha, w, max_iter, eps, seed, chunk):
    """Dual coordinate descent in place: ``w`` (features + 1, the last one the bias) and ``alpha`` (per row of the
    matrix; only ``rows`` are read and written). ``y`` is +1 / -1 per matrix row, ``cost`` its ``c_i`` (> 0 for
    every row in ``rows``), ``norms`` its ``x_i . x_i`` (:func:`prepare`). ``w`` must hold ``sum_i alpha_i y_i x_i``
    on entry. Returns the passes made.

    liblinear shuffles every row on each pass; here the chunks of :data:`CHUNK` consecutive entries of ``rows``
    are shuffled and each chunk is read in order, so the matrix streams through the cache (2-3x faster per pass
    than a random jump per row); callers give the rows in a random order of their own (or a shuffled matrix,
    rows ascending: the fastest). Shrinking drops rows from the active list without reordering it.
    """
    n = rows.shape[0]
    nb = w.shape[0] - 1  # the bias feature's index
    inf = np.inf
    active = rows.copy()
    shrunk = np.zeros(n, dtype=np.bool_)
    state = np.uint64(seed)
    chunks = np.empty((n + chunk - 1) // chunk, dtype=np.int64)
    m = n  # active rows
    pg_max_old, pg_min_old = inf, -inf
    passes = 0
    while passes < max_iter:
        pg_max_new, pg_min_new = -inf, inf
        k = (m + chunk - 1) // chunk
        for c in range(k):
            chunks[c] = c
        for c in range(k):  # Fisher-Yates on the chunks
            state, r = _next(state)
            t = c + np.int64(r % np.uint64(k - c))
            chunks[c], chunks[t] = chunks[t], chunks[c]
        for c in range(k):
            first = chunks[c] * chunk
            for s in range(first, min(first + chunk, m)):
                i = active[s]
                yi = y[i]
                g = np.float64(w[nb])
                for p in range(indptr[i], indptr[i + 1]):
                    g += np.float64(w[indices[p]]) * data[p]
                diag = 0.5 / cost[i]
                g = g * yi - 1.0 + alpha[i] * diag
                pg = 0.0
                if alpha[i] == 0.0:
                    if g > pg_max_old:  # shrink: at its bound and likely to stay there
                        shrunk[s] = True
                        continue
                    elif g < 0.0:
                        pg = g
                else:
                    pg = g
                if pg > pg_max_new:
                    pg_max_new = pg
                if pg < pg_min_new:
                    pg_min_new = pg
                if abs(pg) > 1.0e-12:
                    old = alpha[i]
                    new = old - g / (norms[i] + 1.0 + diag)  # + the bias feature's 1 * 1
                    if new < 0.0:
                        new = 0.0
                    alpha[i] = new
                    d = (new - old) * yi
                    for p in range(indptr[i], indptr[i + 1]):
                        w[indices[p]] += d * data[p]
                    w[nb] += d
        kept = 0
        for s in range(m):  # drop the shrunk rows, keeping the others' order
            if not shrunk[s]:
                active[kept] = active[s]
                kept += 1
            shrunk[s] = False
        m = kept
        passes += 1
        if pg_max_new - pg_min_new <= eps:
            if m == n:
                break
            active[:] = rows  # converged on the active rows: check all of them once more
            m = n
            pg_max_old, pg_min_old = inf, -inf
            continue
        pg_max_old, pg_min_old = pg_max_new, pg_min_new
        if pg_max_old <= 0.0:
            pg_max_old = inf
        if pg_min_old >= 0.0:
            pg_min_old = -inf
    return passes


@njit(nogil=True, cache=True)
def _primal(indptr, indices, data, rows, y, alpha, w):
    """``w = sum_i alpha_i y_i x_i`` over ``rows`` (the bias last), into ``w`` (zeroed first)."""
    w[:] = 0.0
    nb = w.shape[0] - 1
    for s in range(rows.shape[0]):
        i = rows[s]
        d = alpha[i] * y[i]
        if d != 0.0:
            for p in range(indptr[i], indptr[i + 1]):
                w[indices[p]] += d * data[p]
            w[nb] += d


def prepare(X):
    """What :func:`solve` reads, made once for all tags: ``(indptr, indices, data, norms)``, the CSR arrays
    (int64 / int32 / float32) and each row's squared norm (float64)."""
    import scipy.sparse as sp

    X = sp.csr_matrix(X)
    X.sort_indices()
    data = np.asarray(X.data, dtype=np.float32)
    squares = sp.csr_matrix((np.square(data, dtype=np.float64), X.indices, X.indptr), shape=X.shape)
    norms = np.asarray(squares.sum(axis=1), dtype=np.float64).ravel()
    return np.asarray(X.indptr, dtype=np.int64), np.asarray(X.indices, dtype=np.int32), data, norms


def solve(arrays, n_features: int, y, cost, *, rows=None, alpha=None, max_iter: int = 1000, tol: float = 1e-4,
          seed: int = 0, chunk: int = CHUNK):
    """Fit one SVM on ``arrays`` (:func:`prepare`): ``(w, b, alpha, passes)``; releases the GIL while it runs.

    ``y``: 0/1 (or boolean) per matrix row; ``cost``: ``c_i`` per row (``C`` x class weight x sample weight;
    rows with 0 are left out); ``rows``: the rows to train on (default all); ``alpha``: dual variables to start
    from (per matrix row, a warm start; default zeros), copied, not changed; ``max_iter``: passes at most;
    ``tol``: liblinear's stopping tolerance on the projected gradient (scikit-learn's ``tol``); ``chunk``: rows
    read in order between random jumps (1: liblinear's order, every row shuffled on each pass).
    """
    indptr, indices, data, norms = arrays
    n_rows = indptr.shape[0] - 1
    sign = np.where(np.asarray(y) > 0.5, 1.0, -1.0)
    cost = np.asarray(cost, dtype=np.float64)
    rows = np.arange(n_rows, dtype=np.int64) if rows is None else np.asarray(rows, dtype=np.int64)
    rows = rows[cost[rows] > 0]
    alpha = np.zeros(n_rows) if alpha is None else np.array(alpha, dtype=np.float64)
    w = np.zeros(n_features + 1, dtype=np.float32)  # float32: half the cache of float64, 1.6x faster
    if alpha.any():
        _primal(indptr, indices, data, rows, sign, alpha, w)
    state = np.uint64((int(seed) * _MIX) % 2 ** 64)
    passes = _solve(indptr, indices, data, norms, rows, sign, cost, alpha, w, int(max_iter), float(tol), state,
                    int(chunk))
    return w[:-1], float(w[-1]), alpha, int(passes)


def ready() -> float:
    """Compile (first run) or load (cached) the solver now, on a tiny problem; the seconds it took."""
    import time

    started = time.perf_counter()
    indptr, indices = np.array([0, 1, 2], dtype=np.int64), np.array([0, 1], dtype=np.int32)
    arrays = (indptr, indices, np.ones(2, dtype=np.float32), np.ones(2))
    solve(arrays, 2, np.array([1, 0]), np.ones(2), alpha=np.array([0.1, 0.0]), max_iter=2)
    return time.perf_counter() - started


def is_ready() -> bool:
    """Whether this process has the solver compiled or loaded already."""
    return bool(_solve.signatures) and bool(_primal.signatures)


def fit_svm(X, y, cost, **kwargs):
    """:func:`solve` on a sparse matrix ``X`` (converted by :func:`prepare`): ``(w, b, alpha, passes)``."""
    return solve(prepare(X), X.shape[1], y, cost, **kwargs)
