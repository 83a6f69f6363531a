"""The decision rule: which topics a text's probabilities give it.

Multi-label models give each topic whose probability reaches its threshold; single-label
models give the most probable topic. A probability of 0 (a text without evidence) is never
chosen. Every decision in topicslib (``classify``, ``predict``, evaluation, the training
card) goes through :func:`chosen`, or for a batch (``classify_many``) through :func:`chosen_rows`, which
gives the same topics in the same order (tests/test_fast_paths.py).
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
        picks = [(-p, j) for j, p, t in zip(range(len(row)), row, thresholds) if p >= t and p > 0]
        if len(picks) > 1:
            picks.sort()
        return picks
    best = max(row, default=0.0)
    return [(-best, row.index(best))] if best > 0 else []


def chosen_rows(proba: np.ndarray, thresholds: np.ndarray, multi_label: bool) -> tuple[list[int], list[float], list[int]]:
    """:func:`chosen` of every row of a matrix of probabilities at once, in numpy: the chosen columns and
    their probabilities, row after row in :func:`chosen`'s order, and how many each row has. A matrix
    holding NaN (which no scorer gives) is decided row by row by :func:`chosen` itself.

    >>> chosen_rows(np.array([[0.9, 0.2, 0.9], [0.1, 0.0, 0.0]]), np.array([0.5, 0.5, 0.5]), True)
    ([0, 2], [0.9, 0.9], [2, 0])
    """
    n, k = proba.shape
    if k == 0 or np.isnan(proba).any():
        limits = np.asarray(thresholds, dtype=np.float64).tolist()
        picks = [chosen(row, limits, multi_label) for row in proba.tolist()]
        return [j for row in picks for _, j in row], [-p for row in picks for p, _ in row], list(map(len, picks))
    if multi_label:
        rows, cols = np.nonzero((proba >= thresholds) & (proba > 0))
        p = proba[rows, cols]
        order = np.lexsort((cols, -p, rows))  # by row, then highest first, then in topic order
        rows, cols, p = rows[order], cols[order], p[order]
    else:
        cols = proba.argmax(axis=1)  # the first of equal highest, as max() and list.index find it
        p = proba[np.arange(n), cols]
        rows = np.flatnonzero(p > 0)
        cols, p = cols[rows], p[rows]
    return cols.tolist(), p.tolist(), np.bincount(rows, minlength=n).tolist()


def indicators(proba: np.ndarray, thresholds: np.ndarray, multi_label: bool) -> np.ndarray:
    """0/1 topic indicators (int8) of a matrix of probabilities, by :func:`chosen_rows` (the topics :func:`chosen`
    gives each row, in numpy: the training card's 36,787 rows took 0.15 s one by one).

    >>> indicators(np.array([[0.9, 0.2], [0.0, 0.0]]), np.array([0.5, 0.5]), True).tolist()
    [[1, 0], [0, 0]]
    """
    out = np.zeros(proba.shape, dtype=np.int8)
    cols, _, counts = chosen_rows(proba, thresholds, multi_label)
    out[np.repeat(np.arange(len(out)), counts), cols] = 1
    return out


def sure_indicators(proba: np.ndarray, thresholds: np.ndarray, multi_label: bool, sure: float) -> np.ndarray:
    """:func:`indicators` of the rows whose best probability reaches ``sure``, and no topic for the others:
    the labels a model gives the texts it is fairly sure of (bootstrap and self-training learn from them).

    >>> sure_indicators(np.array([[0.9, 0.2], [0.4, 0.1]]), np.array([0.3, 0.3]), True, 0.5).tolist()
    [[1, 0], [0, 0]]
    """
    out = indicators(proba, thresholds, multi_label)
    out[proba.max(axis=1, initial=0.0) < sure] = 0
    return out
