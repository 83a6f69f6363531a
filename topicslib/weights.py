"""How a model's weights are kept: negligible ones dropped, each feature's weights in 8-bit steps of its own scale.

A feature's weights (one per topic) are kept as whole numbers from -127 to 127 times a scale of that feature, its
largest weight over 127 in half precision (single precision beyond half precision's range). A model file then holds
one byte a weight and two a feature, and the weights lose at most half a step each: 0.4% of the feature's largest,
which moved no figure of the default model on the dev sets (docs/benchmarks.md, ninth stop). Training rounds the
weights with :func:`round_weights`, so a trained model and its saved copy score alike; saving stores them with
:func:`stored`, which loses nothing, and loading reads them back with :func:`dequantized`.
"""

from __future__ import annotations

import numpy as np

# A weight this small moves a topic's log-odds by less than this much per feature (every feature value
# is at most 1: each block has unit norm), so it is dropped; a third of the default model's are.
NEGLIGIBLE = 1e-3
STEPS = 127  # a weight is a whole number of steps from -STEPS to STEPS
_HALF_MAX = float(np.finfo(np.float16).max)


def stored(coef: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The steps (int8, features x topics) and scales (one a feature) that keep ``coef``; for weights from
    :func:`round_weights` they give back the same weights exactly (:func:`dequantized`).

    >>> steps, scale = stored(np.array([[0.5, -0.25], [0.0004, 0.0]]))
    >>> steps.tolist(), scale.dtype.name, dequantized(steps, scale).astype(float).round(3).tolist()
    ([[127, -64], [0, 0]], 'float16', [[0.5, -0.252], [0.0, 0.0]])
    """
    # Comparisons rather than np.abs, and one float32 array worked in place: the weight matrix is a large model's
    # largest array, and each temporary copy of it would add to training's peak memory.
    largest = np.maximum(coef.max(axis=1, initial=0.0), -coef.min(axis=1, initial=0.0)).astype(np.float32) / STEPS
    scale = largest.astype(np.float16) if largest.max(initial=0.0) <= _HALF_MAX else largest
    wide = scale.astype(np.float32)[:, None]
    work = np.divide(coef, wide, out=np.zeros(coef.shape, np.float32), where=wide > 0)
    np.clip(np.rint(work, out=work), -STEPS, STEPS, out=work)
    steps = work.astype(np.int8)
    work *= wide  # the weights as kept: negligible as kept, not as fitted, so that storing kept weights keeps them all
    steps[(work > -NEGLIGIBLE) & (work < NEGLIGIBLE)] = 0
    scale[~steps.any(axis=1)] = 0  # a feature left with no weight: the same scale as when it is stored again
    return steps, scale


def dequantized(steps: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """The weights (float32) that ``steps`` and ``scale`` keep: each step times its feature's scale. float32 holds
    that product exactly for a half-precision scale (a 7-bit step times an 11-bit one), and rounds it the same way on
    every platform for a single-precision one, so every platform gets the same weights. Scaled in place: a large
    model's weights are its largest array, and a product into a new one would fault in its pages twice."""
    weights = steps.astype(np.float32)
    weights *= scale.astype(np.float32)[:, None]
    return weights


def round_weights(coef: np.ndarray) -> np.ndarray:
    """The weights as a model keeps them (float32): negligible ones zero, the rest in steps of their feature's scale.

    >>> round_weights(np.array([[0.0004, 0.1, -2.0]])).astype(float).round(4).tolist()
    [[0.0, 0.0945, -1.9999]]
    """
    return dequantized(*stored(coef))
