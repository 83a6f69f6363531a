"""How a model's weights are kept: negligible ones dropped, half precision where it is exact.

Both shrink the model file (a zero compresses to almost nothing; half precision halves the
rest). Training rounds the weights with :func:`round_weights`, so a trained model and its
saved copy score alike; saving stores them with :func:`stored`, which loses nothing.
"""

from __future__ import annotations

import numpy as np

# A weight this small moves a topic's log-odds by less than this much per feature (every feature value
# is at most 1: each block has unit norm), so it is dropped; a third of the default model's are.
NEGLIGIBLE = 1e-3
_HALF_MAX = float(np.finfo(np.float16).max)


def round_weights(coef: np.ndarray) -> np.ndarray:
    """The weights as a model keeps them (float32): negligible ones zero, rounded to half precision where
    they fit. Weights stay well inside float16's range in practice (the default model's largest is
    about 57); a model with larger ones keeps single precision.

    >>> round_weights(np.array([0.0004, 0.1, -2.0])).tolist()
    [0.0, 0.0999755859375, -2.0]
    """
    # Comparisons rather than np.abs: no temporary copy of the (largest) weight matrix.
    negligible = (coef > -NEGLIGIBLE) & (coef < NEGLIGIBLE)
    largest = max(float(coef.max(initial=0.0)), -float(coef.min(initial=0.0)))
    out = (coef.astype(np.float16) if largest < _HALF_MAX / 2 else coef).astype(np.float32)
    out[negligible] = 0.0
    return out


def stored(a: np.ndarray) -> np.ndarray:
    """``a`` as a model file stores it: float16 when that loses nothing (as after :func:`round_weights`),
    else float32.

    >>> stored(np.array([0.5, 2.0], np.float32)).dtype, stored(np.array([0.1], np.float32)).dtype
    (dtype('float16'), dtype('float32'))
    """
    if np.abs(a).max(initial=0.0) > _HALF_MAX:
        return a.astype(np.float32)
    half = a.astype(np.float16)
    return half if np.array_equal(half.astype(a.dtype), a) else a.astype(np.float32)
