"""The decision rule: which topics a text's probabilities give it.

Multi-label models give each topic whose probability reaches its threshold; single-label
models give the most probable topic. A probability of 0 (a text without evidence) is never
chosen. Every decision in topicslib (``classify``, ``predict``, evaluation, the training
card) goes through :func:`chosen`.
"""

from __future__ import annotations

import numpy as np


def chosen(row: list[float], thresholds: list[float], multi_label: bool) -> list[tuple[float, int]]:
    """The topics one text's probabilities decide for, as ``(-probability, column)``, highest first,
    ties in topic order. In plain Python: for one text, numpy's fixed costs would be most of the time.

    >>> chosen([0.9, 0.2, 0.6], [0.5, 0.5, 0.5], True)
    [(-0.9, 0), (-0.6, 2)]
    >>> chosen([0.1, 0.7, 0.2], [0.0, 0.0, 0.0], False)
    [(-0.7, 1)]
    """
    if multi_label:
        return sorted((-p, j) for j, (p, t) in enumerate(zip(row, thresholds)) if p >= t and p > 0)
    best = max(row, default=0.0)
    return [(-best, row.index(best))] if best > 0 else []


def indicators(proba: np.ndarray, thresholds: np.ndarray, multi_label: bool) -> np.ndarray:
    """0/1 topic indicators (int8) of a matrix of probabilities, by :func:`chosen` row by row.

    >>> indicators(np.array([[0.9, 0.2], [0.0, 0.0]]), np.array([0.5, 0.5]), True).tolist()
    [[1, 0], [0, 0]]
    """
    out = np.zeros(proba.shape, dtype=np.int8)
    limits = np.asarray(thresholds, dtype=np.float64).tolist()
    for i, row in enumerate(proba.tolist()):
        for _, j in chosen(row, limits, multi_label):
            out[i, j] = 1
    return out
