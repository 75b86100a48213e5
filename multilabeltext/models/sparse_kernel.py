"""The compiled loop of :func:`~.sparse_product.sparse_times_dense` (imported only when it runs: numba loads in
about half a second).

Example:
    >>> import numpy as np
    >>> out = np.zeros((2, 1), dtype=np.float32)
    >>> add_products(np.array([0, 1, 2]), np.array([1, 0]), np.array([2.0, 3.0], dtype=np.float32),
    ...              np.array([[10.0], [100.0]], dtype=np.float32), out)
    >>> out.ravel().tolist()
    [300.0, 20.0]
"""

from numba import njit


@njit(nogil=True, cache=True)
def add_products(indptr, indices, data, W, out):  # pragma: no cover (compiled)
    """``out += X @ W`` for a CSC block ``X`` (``indptr``, ``indices``, ``data``): feature by feature, so each row
    of ``W`` is read once, and each output entry adds its products in ascending feature order (as scipy's CSR
    product does)."""
    for feature in range(len(indptr) - 1):
        weights = W[feature]
        for k in range(indptr[feature], indptr[feature + 1]):
            row, value = out[indices[k]], data[k]
            for j in range(W.shape[1]):
                row[j] += value * weights[j]
