"""The feature matrix as training holds it: a CSR matrix of float values, column indices sorted within each row,
and row pointers, as plain numpy arrays.

The compiled helpers (``native.py``) read these arrays in place, so training the default model needs no
scipy: importing ``scipy.sparse`` alone costs 0.08 s of CPU, a fortieth of the whole run. scipy is imported
only to hand the matrix to scikit-learn (training without the compiled solver) or to whoever asks for one
(``TextFeatures.transform``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import native


@dataclass(frozen=True)
class CSR:
    """Rows ``i`` of the matrix hold the values ``data[indptr[i]:indptr[i + 1]]`` in the columns
    ``indices[indptr[i]:indptr[i + 1]]``, sorted.

    >>> X = CSR.of([[0.0, 2.0], [1.0, 0.0]])
    >>> X.indices.tolist(), X.indptr.tolist(), X.shape, X.nnz
    ([1, 0], [0, 1, 2], (2, 2), 2)
    >>> (X @ np.array([[1.0], [10.0]], np.float32)).ravel().tolist()
    [20.0, 1.0]
    """

    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        return len(self.data)

    @classmethod
    def of(cls, X) -> "CSR":
        """Any matrix scipy takes (a ``CSR`` as it is), with its column indices sorted, its values' type kept."""
        if isinstance(X, CSR):
            return X
        import scipy.sparse as sp

        X = sp.csr_matrix(X)
        X.sort_indices()
        return cls(X.data, X.indices, X.indptr, X.shape)

    def tocsr(self):
        """The same matrix as a ``scipy.sparse.csr_matrix`` over the same arrays."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def __matmul__(self, W: np.ndarray) -> np.ndarray:
        """The product with a dense matrix, as scipy's product gives it to the last bit (its sums, in its order and
        type: float32 for float32 values and ``W``), compiled when ``native`` can."""
        W = np.asarray(W)
        if (native.SOLVER and W.ndim == 2 and self.data.dtype == np.float32 and W.dtype == np.float32
                and self.indices.dtype == np.int32):
            out = np.zeros((self.shape[0], W.shape[1]), np.float32)
            native.matrix_product(self.data, self.indices, self.indptr.astype(np.int64, copy=False), np.ascontiguousarray(W), out)
            return out
        return self.tocsr() @ W
