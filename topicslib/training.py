"""Fitting the per-topic linear models: out-of-fold calibration and thresholds.

For each topic a linear model is fitted one-vs-rest. Every training paragraph gets an out-of-fold
margin, the margin of a model that did not see it: estimated from the model fitted on all of them
(``folds=0``, the default: no refits) or given by K-fold cross-validation. A Platt sigmoid fitted on
those margins turns margins into probabilities, and the threshold that
maximises the topic's out-of-fold F1 becomes its decision threshold. Because a
sigmoid of a linear function is a logistic model, the calibration folds into
the weights: the saved model is just ``coef``, ``intercept`` and thresholds.

The SVMs are fitted by the compiled solver (``_solver.c``, through ``native.py``) when topicslib was
built with it: the full model first, then (with K folds) each fold's model starting from its solution, all
over one copy of the feature matrix. Otherwise, and for the logistic loss, scikit-learn's LIBLINEAR fits each.
The two solvers reach the same optimum to within their tolerances, so models trained with and without
the extension differ in their last digits (each is reproducible byte for byte).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from . import native
from .csr import CSR
from .errors import TrainingError
from .features import stretches
from .options import OPTIONS

log = logging.getLogger("topicslib")

# SCut.FBR (Yang, 2001): a cut whose out-of-fold F1 is this poor comes from too few
# positives to trust; such a topic falls back to a rank cut (see fallback_threshold).
_MIN_TRUSTED_F1 = 0.3
# Below this many positives a topic's threshold is its best cut, not the middle of its near-best ones
# (docs/benchmarks.md: on the fold models of the default examples the thresholds moved 0.020 between
# fold seeds against 0.069; on Reuters-90, where most topics are small, 20 kept micro-F1 and raised macro).
_PLATEAU_MIN_POSITIVES = 20
# The fallback cut lets through this many out-of-fold negatives per positive of the topic.
_FALLBACK_NEGATIVES_PER_POSITIVE = 3
# A topic's cut must separate its examples: one that lets through every out-of-fold negative is "accept everything".
# On a user's first 26 labels that was the F1-best cut (0.000756) of a topic on 12 of them, and every paragraph got it.
# Only that cut is refused: on 50 and 100 of the shipped examples (5 draws each) refusing cuts that let through more
# than 50%, 70%, 80% or 90% of the negatives lowered dev_real micro-F1 (100: 0.479 -> 0.433, 0.473, 0.473, 0.473), as
# such a low cut still tells a hard topic's paragraphs apart; on the default examples, Reuters-90 and CAP bills no cut
# lets through more than 6.3% of its negatives.
# The threshold of a topic no cut separates (and of one with no positive): the model gives it where it finds it more
# likely than not, a calibrated probability that does not depend on the cut its examples cannot yet place.
_DECLARED_THRESHOLD = 0.5
# The compiled solver stops when the spread of its projected gradient falls below this: _EPS for the model
# itself, _FOLD_EPS for the fold models, which only give calibration margins and start close to their
# solution. (LIBLINEAR's own default is 0.1, scikit-learn's LinearSVC asks 1e-4.) Measured on the default
# model: both give the dev-set F1 of scikit-learn's solver at 1e-4 to within +-0.01 (docs/benchmarks.md).
# folds=0 estimates out-of-fold margins from the full fit for the topics with at least this many examples on either
# side; the others get theirs from _REFIT_FOLDS folds: each of a small topic's few examples weighs too much for a
# one-step estimate (Reuters-90 macro-F1: 0.661 with the estimate for every topic, 0.686 with this rule, 0.682 with
# folds for all; docs/benchmarks.md).
_ESTIMATE_MIN_EXAMPLES = 100
_REFIT_FOLDS = 5
_EPS = 1e-2
_FOLD_EPS = 0.3
_MAX_PASSES = 1000
# The compiled solver fits a block of topics side by side: one reading of a row serves each of them, and a column's
# weights and scales sit side by side, 16 bytes per feature and topic (a block of 3 or of 5-7 padded to 4 or 8 places,
# native.state_width; the bytes counted here are the topics'). A block holds at most _BLOCK topics, and as
# many as keep its weights and scales within _BLOCK_BYTES: past that they crowd each other out of the caches and a
# larger block is slower (docs/benchmarks.md, "a block of topics per solver pass, again": on 10,000 pooled paragraphs,
# 245,895 features, blocks of 4 topics trained faster than one at a time and blocks of 10 no faster). But never fewer
# than _MIN_BLOCK: once one topic's weights outgrow the caches, sharing each row's reading still pays (40,000 pooled
# paragraphs, 725,148 features: the full fit 20.5-20.9 s one topic at a time, 15.8-16.8 two, 13.4-13.7 four, 15.8-16.3
# five, 18.3 ten; docs/benchmarks.md).
_BLOCK = 10
_MIN_BLOCK = 4
_BLOCK_BYTES = 16 << 20


@dataclass(frozen=True)
class Unseparated:
    """The cut a topic's examples gave and that :func:`choose_threshold` refused, and how many out-of-fold
    negatives (all of which it let through) the topic has."""

    cut: float
    negatives: int

    def to_dict(self) -> dict:
        return {"cut": self.cut, "negatives": self.negatives}


@dataclass(frozen=True)
class LinearFit:
    """What training learns: calibrated weights, thresholds and out-of-fold probabilities."""

    coef: np.ndarray  # (n_features, n_topics), float32
    intercept: np.ndarray  # (n_topics,)
    thresholds: np.ndarray  # (n_topics,)
    oof_proba: np.ndarray  # (n_examples, n_topics), out-of-fold calibrated probabilities
    # the topics (by column) whose threshold is the declared one because no cut separates their examples
    unseparated: dict[int, Unseparated] = field(default_factory=dict)


def kfold(n: int, k: int, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """``(train, test)`` row numbers of ``k`` shuffled folds of ``n`` rows, each sorted: the splits of
    scikit-learn's ``KFold(k, shuffle=True, random_state=seed)``, without importing it (a second of start-up).

    >>> [test.tolist() for _, test in kfold(5, 2, seed=0)]
    [[0, 1, 2], [3, 4]]
    """
    order = np.random.RandomState(seed).permutation(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    start = 0
    for size in sizes:
        test = np.zeros(n, dtype=bool)
        test[order[start : start + size]] = True
        start += size
        yield np.flatnonzero(~test), np.flatnonzero(test)


def _estimator(loss: str, C: float, class_weight: str | None, seed: int):
    # Imported here: with the compiled solver, training the default SVMs needs no scikit-learn.
    from sklearn.linear_model import LogisticRegression
    from sklearn.svm import LinearSVC

    if loss == "svm":
        return LinearSVC(C=C, class_weight=class_weight, random_state=seed, dual=True, max_iter=5000)
    return LogisticRegression(C=C, class_weight=class_weight, solver="liblinear", random_state=seed, max_iter=1000)


def presence_counts(X: CSR, rows: np.ndarray | None = None) -> np.ndarray:
    """In how many rows (of ``rows``, a 0/1 mask; all by default) each column of ``X`` holds a value,
    counted from the selected rows' stretch of ``X``'s index array alone: no copy of the matrix, and
    work in proportion to the rows selected.

    >>> presence_counts(CSR.of([[1.0, 2.0], [0.0, 3.0]]), np.array([0, 1])).tolist()
    [0.0, 1.0]
    """
    if native.SOLVER and X.indices.dtype == np.int32:  # in place, without gathering the rows' indices first
        counts = np.zeros(X.shape[1])
        picked = np.ones(X.shape[0], np.bool_) if rows is None else np.ascontiguousarray(rows, dtype=np.bool_)
        native.presence_counts(X.indices, X.indptr.astype(np.int64, copy=False), picked.view(np.int8), counts)
        return counts
    indices = X.indices if rows is None else X.indices[stretches(X.indptr, np.flatnonzero(rows))]
    return np.bincount(indices, minlength=X.shape[1]).astype(np.float64)


def nb_scale(positive: np.ndarray, total: np.ndarray, alpha: float = 1.0) -> np.ndarray:
    """How strongly each feature tells this topic apart: |log-count ratio| of presence (NBSVM).

    Wang and Manning (2012) scale features by the naive-Bayes log-count ratio
    before fitting a linear SVM; we keep the magnitude only, so the SVM still
    learns each weight's sign. Topic-neutral terms shrink and telling ones grow.
    ``positive`` and ``total`` are :func:`presence_counts` over the topic's rows and over all rows
    (whole counts: exact however they were summed).

    >>> X = CSR.of([[1.0, 1.0], [0.0, 1.0]])
    >>> nb_scale(presence_counts(X, np.array([1, 0])), presence_counts(X)).round(2).tolist()
    [0.41, 0.29]
    """
    p = alpha + positive
    q = alpha + (total - positive)
    return np.abs(np.log((p / p.sum()) / (q / q.sum())))


def scale_columns(X, scale: np.ndarray):
    """``X`` with each column times its ``scale``: a new data array over ``X``'s own index arrays.

    ``X``'s rows must be sorted by column (:func:`fit_linear` sorts them once): the solver
    sums in stored order, and models must come out the same bit for bit.

    >>> scale_columns(CSR.of([[1.0, 2.0], [0.0, 3.0]]), np.array([10.0, 0.5])).toarray().tolist()
    [[10.0, 1.0], [0.0, 1.5]]
    """
    import scipy.sparse as sp  # scikit-learn's fits alone take scaled copies

    return sp.csr_matrix((X.data * scale[X.indices], X.indices, X.indptr), shape=X.shape, copy=False)


def _constant_answer(y: np.ndarray, n_features: int) -> tuple[np.ndarray, float] | None:
    """Zero weights and a bias far to one side for a topic absent from (or on all of) ``y``, else None:
    possible inside a cross-validation fold of a small set, where no solver has two classes to tell apart."""
    if y.any() and not y.all():
        return None
    return np.zeros(n_features), (10.0 if y.any() else -10.0)


def _fit_binary(X, total, y: np.ndarray, loss: str, C: float, class_weight: str | None, seed: int,
                nb: bool) -> tuple[np.ndarray, float]:
    """Weights and bias of one topic; a topic absent from (or on all of) ``y`` gets a constant answer.

    With ``nb`` the features are NB-scaled for the fit and the scale folds into
    the returned weights, so the model stays linear in the plain TF-IDF features.
    """
    constant = _constant_answer(y, X.shape[1])
    if constant is not None:
        return constant
    scale = nb_scale(presence_counts(X, y), total) if nb else None
    est = _estimator(loss, C, class_weight, seed).fit(scale_columns(X, scale) if nb else X, y)
    w = np.asarray(est.coef_, dtype=np.float64).ravel()
    return (w * scale if nb else w), float(est.intercept_[0])


class _SklearnFits:
    """Fits with scikit-learn's solvers (logistic loss, or a topicslib built without its solver): a fold's rows
    are copied out once for all topics and every fit starts from scratch."""

    def __init__(self, X, Y, loss, C, class_weight, seed, nb):
        self.X, self.Y, self.args = X, Y, (loss, C, class_weight, seed, nb)
        self.total_all = presence_counts(X) if nb else None

    def prepare(self, rows: np.ndarray | None) -> None:
        """Fit the following topics on ``rows`` (None: all)."""
        self.rows_X, self.rows_Y = (self.X, self.Y) if rows is None else (self.X[rows], self.Y[rows])
        self.total = self.total_all if rows is None or self.total_all is None else presence_counts(self.rows_X)
        if rows is not None:
            left_out = np.ones(self.X.shape[0], dtype=bool)
            left_out[rows] = False
            self.left_X = self.X[left_out]

    def left_out_margins(self, w: np.ndarray, bias: float) -> np.ndarray:
        """A model's margins on the rows the last :meth:`prepare` left out, in row order."""
        return self.left_X @ w + bias

    def blocks(self, T: int) -> list[np.ndarray]:
        """One topic at a time: LIBLINEAR fits one topic per call."""
        return [np.array([t]) for t in range(T)]

    def fit_block(self, topics: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """Weights and bias of each of ``topics``."""
        return [_fit_binary(self.rows_X, self.total, self.rows_Y[:, t], *self.args) for t in topics]


class _NativeFits:
    """Fits with the compiled solver (``_solver.c``) over one shared copy of ``X``: no copies of the matrix,
    NB scaling applied inside the solver, each fold's fit starting from the full fit's dual variables, and a block
    of topics fitted in each pass over the rows."""

    def __init__(self, X, Y, C, class_weight, seed, nb):
        self.data = np.ascontiguousarray(X.data, dtype=np.float32)  # no copy: training's features are float32
        self.indices = np.ascontiguousarray(X.indices, dtype=np.int32)
        self.indptr = np.ascontiguousarray(X.indptr, dtype=np.int64)
        self.X, self.Y, self.C, self.class_weight, self.seed, self.nb = X, Y, C, class_weight, seed, nb
        self.alpha = np.zeros(Y.shape)  # the full fit's dual variables, where the folds start
        self.total_all = presence_counts(X) if nb else None

    def prepare(self, rows: np.ndarray | None) -> None:
        """Fit the following topics on ``rows`` (None: all, which must come first)."""
        n = self.Y.shape[0]
        self.full = rows is None
        self.rows = np.arange(n, dtype=np.int32) if self.full else np.asarray(rows, dtype=np.int32)
        self.left_out = np.ones(n, dtype=bool)
        self.left_out[self.rows] = False
        # a fold's counts are all rows' minus those of the rows it leaves out (the fewer)
        self.total = (self.total_all - presence_counts(self.X, self.left_out)) if self.nb else None
        self.left_rows = np.flatnonzero(self.left_out).astype(np.int32)

    def left_out_margins(self, w: np.ndarray, bias: float) -> np.ndarray:
        """A model's margins on the rows the last :meth:`prepare` left out, in row order, read in place (scipy's
        product would copy them out, and the values again in double precision for each topic)."""
        out = np.zeros(len(self.left_rows))
        native.row_margins(self.data, self.indices, self.indptr, self.left_rows, np.ascontiguousarray(w), bias, out)
        return out

    def blocks(self, T: int) -> list[np.ndarray]:
        return _blocks(T, self.X.shape[1])

    def fit_block(self, topics: np.ndarray) -> list[tuple[np.ndarray, float]]:
        """Weights and bias of each of ``topics``: those with both classes in the rows fitted on side by side, in one
        call of the solver, the others a constant answer."""
        F = self.X.shape[1]
        y = self.Y[np.ix_(self.rows, topics)].astype(np.int8)
        answers = [_constant_answer(y[:, j], F) for j in range(len(topics))]
        fitted = [j for j, constant in enumerate(answers) if constant is None]
        if not fitted:
            return answers
        ts, y = topics[fitted], np.ascontiguousarray(y[:, fitted])
        # Each column's weights, then the squares of its scales, side by side for the block's topics, padded so that a
        # column's weights never straddle two cache lines (_solver.c; 3 topics padded to 4: the default model's
        # solver 4.16 -> 3.66 s, docs/benchmarks.md)
        state = _zeros_on_cache_lines((F + 1, 2, native.state_width(len(ts))))
        for i, t in enumerate(ts):
            state[:F, 1, i] = squared_scales(self.X, self._fitted(t), self.total)
        costs = np.array([_class_costs(y[:, i], self.C, self.class_weight) for i in range(len(ts))])
        alpha = np.zeros(y.shape) if self.full else np.ascontiguousarray(self.alpha[np.ix_(self.rows, ts)])
        # the block's seed is its first topic's, fitted or not: a fold's row order does not hang on which are
        passes = native.fit_svm(self.data, self.indices, self.indptr, self.rows, y, state,
                                np.ascontiguousarray(costs[:, 0]), np.ascontiguousarray(costs[:, 1]),
                                _EPS if self.full else _FOLD_EPS, _MAX_PASSES, self.seed * 65599 + int(topics[0]), alpha)
        for t, n in zip(ts, passes):
            if n >= _MAX_PASSES:
                log.warning("topic %s: the solver stopped after %d passes before converging", t, n)
        if self.full:
            self.alpha[:, ts] = alpha
        for i, j in enumerate(fitted):
            answers[j] = state[:F, 0, i], float(state[F, 0, i])
        return answers

    def _fitted(self, t: int) -> np.ndarray:
        """Topic ``t``'s rows among those fitted on, as a mask: its scales' counts are made again for each fit rather
        than kept from the full fit (a features x topics array, the size of the weights: counting a topic's rows is
        cheap beside it)."""
        y = self.Y[:, t] > 0
        return y if self.full else y & ~self.left_out


def squared_scales(X: CSR, y: np.ndarray, total: np.ndarray | None) -> np.ndarray:
    """The squares of a topic's column scales (:func:`nb_scale`) in a fit: ``y`` marks the topic's rows among those
    fitted on, ``total`` is :func:`presence_counts` of the rows fitted on (None: no NB weighting, every scale 1).

    >>> X = CSR.of([[1.0, 1.0], [0.0, 1.0]])
    >>> squared_scales(X, np.array([True, False]), presence_counts(X)).round(3).tolist()
    [0.164, 0.083]
    """
    return np.ones(X.shape[1]) if total is None else np.square(nb_scale(presence_counts(X, y), total))


def _zeros_on_cache_lines(shape: tuple[int, ...]) -> np.ndarray:
    """A float64 array of zeros starting on a 64-byte boundary (numpy promises 16): a block's weights and scales,
    a multiple of 4 places wide (``native.state_width``), then fill whole cache lines per column, none straddling two.

    >>> a = _zeros_on_cache_lines((3, 2, 4)); (a.ctypes.data % 64, a.shape, a.flags.c_contiguous)
    (0, (3, 2, 4), True)
    """
    n = int(np.prod(shape))
    buffer = np.zeros(n + 7)
    start = (-buffer.ctypes.data % 64) // 8
    return buffer[start : start + n].reshape(shape)


def _blocks(T: int, F: int) -> list[np.ndarray]:
    """The topics fitted together, for ``T`` topics on ``F`` features: blocks as even as can be, each within
    ``_BLOCK`` topics and ``_BLOCK_BYTES`` of weights and scales, or ``_MIN_BLOCK`` topics where those bytes hold
    fewer. Fixed by the problem's size alone, since a block's topics share the row order of the compiled solver's
    passes and the model must depend on neither ``n_jobs`` nor the machine.

    >>> [b.tolist() for b in _blocks(12, 1_000)]
    [[0, 1, 2, 3, 4, 5], [6, 7, 8, 9, 10, 11]]
    >>> [len(b) for b in _blocks(10, 150_000)], [len(b) for b in _blocks(28, 250_000)], [len(b) for b in _blocks(28, 725_000)]
    ([5, 5], [4, 4, 4, 4, 4, 4, 4], [4, 4, 4, 4, 4, 4, 4])
    """
    size = min(_BLOCK, max(_MIN_BLOCK, _BLOCK_BYTES // (16 * (F + 1))))
    return np.array_split(np.arange(T), -(-T // size))


def _fit_topics(fits, topics: np.ndarray, n_jobs: int | None, rows: np.ndarray | None, left_out: bool = False):
    """The models of ``topics`` on ``rows``: the weights ``(W, b)``, or with ``left_out`` only their margins on the
    rows not in ``rows`` (in row order), a column for each topic in that order.

    Blocks of topics (``fits.blocks``) are fitted in ``n_jobs`` threads (the solvers release the GIL), each writing
    its own columns, so memory holds one weight matrix at most and a fold's models never all at once.
    """
    fits.prepare(rows)
    # Weights in single precision (the model keeps them in steps of a byte: weights.py): the weight matrix
    # is the largest array training holds beside the features.
    T = len(topics)
    out = np.zeros((fits.X.shape[1], T), np.float32) if not left_out else np.zeros((fits.X.shape[0] - len(rows), T))
    b = np.zeros(T)

    def one(block: np.ndarray) -> None:  # a block of positions in ``topics``
        for j, (w, bias) in zip(block, fits.fit_block(topics[block])):
            b[j] = bias
            out[:, j] = w if not left_out else fits.left_out_margins(w, bias)
    blocks = fits.blocks(T)
    if n_jobs is not None and n_jobs > 1:  # threads beyond the blocks would only cost their start-up
        n_jobs = min(n_jobs, len(blocks))
    if n_jobs in (None, 1):
        for block in blocks:
            one(block)
    else:  # joblib imported only for threads: a serial run is spared its 0.05 s of start-up
        from joblib import Parallel, delayed

        Parallel(n_jobs=n_jobs, prefer="threads")(delayed(one)(block) for block in blocks)
    return (out, b) if not left_out else out


def _class_costs(y: np.ndarray, C: float, class_weight: str | None) -> tuple[float, float]:
    """The cost of errors on positives and on negatives: ``C``, each class weighted as scikit-learn's
    ``class_weight="balanced"`` weighs it (n / (2 * its count)) when asked.

    >>> _class_costs(np.array([1, 0, 0, 0]), 1.0, "balanced")
    (2.0, 0.6666666666666666)
    """
    if class_weight != "balanced":
        return C, C
    n, pos = len(y), int(y.sum())
    return C * n / (2 * pos), C * n / (2 * (n - pos))


def estimated_oof_margins(X: CSR, Y: np.ndarray, W: np.ndarray, b: np.ndarray,
                          squared_scales: Callable[[int], np.ndarray], *, loss: str, C: float,
                          class_weight: str | None) -> np.ndarray:
    """Each row's margin under the model fitted without it, estimated from the model fitted on all rows.

    Taking a row's loss out of the objective moves the weights by about one Newton step (after Jaakkola and
    Haussler, 1999; for the squared hinge the step is exact while the rows inside the margin stay so): its
    margin drops by its pull on the model (``2 * cost * hinge`` for the squared hinge, ``cost *
    sigmoid(-margin)`` for the logistic loss) times its squared norm under the inverse curvature of the other
    rows' losses. That curvature is taken feature by feature (its diagonal, the approximation): a feature
    many rows lean on moves little when one of them goes, a feature of this row alone as far as the
    regularizer lets it. One pass over the matrix
    per topic instead of a fit per fold. Rows beyond the margin keep theirs. ``squared_scales(t)``: the
    squares of topic ``t``'s column scales in the fit (NB weighting), which stay those of all rows.

    >>> X = CSR.of(np.eye(3, dtype=np.float32))
    >>> estimated_oof_margins(X, np.array([[1], [0], [0]]), np.array([[0.5], [-0.2], [-1.5]], np.float32),
    ...                       np.array([0.0]), lambda t: np.ones(3), loss="svm", C=1.0, class_weight=None).round(2).ravel().tolist()
    [-0.83, 1.93, -1.5]
    """
    margins = np.asarray(X @ W, dtype=np.float64) + b
    # topics in the solver's blocks: each block's topics share a reading of the matrix, and its arrays stay small
    for block in _blocks(Y.shape[1], X.shape[1]):
        y = Y[:, block] > 0
        sign = np.where(y, 1.0, -1.0)
        costs = np.array([_class_costs(Y[:, t], C, class_weight) for t in block])
        cost = np.where(y, costs[:, 0], costs[:, 1])
        m = sign * margins[:, block]
        if loss == "svm":
            pull, curvature = 2.0 * cost * np.maximum(0.0, 1.0 - m), np.where(m < 1.0, 2.0 * cost, 0.0)
        else:
            p = 0.5 * (1.0 - np.tanh(0.5 * m))  # sigmoid(-m), without overflow
            pull, curvature = cost * p, cost * p * (1.0 - p)
        scale2 = np.stack([squared_scales(t) for t in block], axis=1).astype(np.float64, copy=False)
        # only the rows with a pull move (a row beyond the margin for every topic of the block would subtract its norm
        # times 0): their norms alone are made (on the default model 64-85% of the rows, of each block)
        moved = np.flatnonzero((pull != 0.0).any(axis=1)).astype(np.int32)
        norm = _leave_one_out_norms(X, scale2, curvature, moved)
        norm += 1.0 / ((1.0 + curvature.sum(axis=0)) - curvature[moved])  # the bias feature's
        margins[np.ix_(moved, block)] -= sign[moved] * pull[moved] * norm
    return margins


def _leave_one_out_norms(X: CSR, scale2: np.ndarray, curvature: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each topic (a column of ``scale2``, features by topics, and of ``curvature``, rows by topics), the squared
    norm of each of ``rows`` (columns scaled by ``sqrt(scale2)``) under the inverse of the diagonal of ``1 + sum over
    the other rows of curvature * x^2``, ``rows`` by topics: by the compiled solver when built, else in numpy.

    >>> _leave_one_out_norms(CSR.of(np.array([[1.0, 1.0], [0.0, 1.0]], np.float32)), np.ones((2, 1)),
    ...                      np.array([[1.0], [1.0]]), np.array([1, 0], np.int32)).ravel().tolist()
    [0.5, 1.5]
    """
    if native.SOLVER:
        norm = np.zeros((len(rows), curvature.shape[1]))
        native.leave_one_out_norms(X.data, X.indices, X.indptr.astype(np.int64, copy=False),
                                   np.ascontiguousarray(scale2), np.ascontiguousarray(curvature),
                                   np.ascontiguousarray(rows, dtype=np.int32), norm)
        return norm
    norm = np.zeros(curvature.shape)
    counts = np.diff(X.indptr)
    filled = np.flatnonzero(counts)  # an empty row's stretch is empty: the next row's starts where it would
    squares = np.square(X.data, dtype=np.float64)
    for j in range(curvature.shape[1]):
        values = squares * scale2[X.indices, j]
        own = np.repeat(curvature[:, j], counts) * values
        others = (1.0 + np.bincount(X.indices, weights=own, minlength=X.shape[1])[X.indices]) - own
        if len(filled):
            norm[filled, j] = np.add.reduceat(values / others, X.indptr[filled])
    return norm[rows]


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a @ b`` by numpy's own pairwise sum, not BLAS: OpenBLAS splits a long dot product between its threads,
    so its last bits (and the model file's bytes) would depend on the machine's cores, and its idle threads
    spin on the CPU after each call (0.13 s of CPU for the default model's ten topics on 2 cores).

    >>> _dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    return float(np.sum(a * b))


def platt(scores: np.ndarray, y: np.ndarray, iterations: int = 100) -> tuple[float, float]:
    """Fit ``p = sigmoid(a * score + b)`` to Platt's smoothed targets.

    Newton's method with a backtracking line search (Lin, Lin and Weng's
    refinement of Platt's procedure): plain Newton steps overshoot when most
    scores sit at the SVM margin, and the slope then explodes.

    >>> a, b = platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([0, 0, 1, 1]))
    >>> a > 0
    True
    """
    n_pos = float(y.sum())
    n_neg = len(y) - n_pos
    t = np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    if n_pos < 2 or n_neg < 2:  # too few to fit a slope: the raw margin, shifted to the smoothed targets
        return 1.0, platt_offset(scores, t)

    def loss(a: float, b: float) -> float:
        z = a * scores + b
        return float(np.sum((1.0 - t) * z + np.logaddexp(0.0, -z)))

    a, b = 0.0, float(np.log((n_pos + 1.0) / (n_neg + 1.0)))
    current = loss(a, b)
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(a * scores + b)))
        g = p - t
        w = p * (1.0 - p)
        grad = np.array([_dot(g, scores), g.sum()])
        if np.abs(grad).max() < 1e-6:
            break
        ws = _dot(w, scores)
        hess = np.array([[_dot(w, scores * scores), ws], [ws, w.sum()]]) + 1e-12 * np.eye(2)
        step = np.linalg.solve(hess, grad)
        size = 1.0
        while size >= 1e-10:
            na, nb = a - size * step[0], b - size * step[1]
            new = loss(na, nb)
            if new < current + 1e-4 * size * (grad @ -step):
                break
            size /= 2
        else:
            break
        a, b, current = na, nb, new
    if not np.isfinite(a) or a <= 0:  # no usable slope (the folds' margins do not rank the topic's examples
        return 1.0, platt_offset(scores, t)  # higher): the raw margin, shifted to the smoothed targets
    return float(a), float(b)


def machine_independent(x: np.ndarray) -> np.ndarray:
    """``x`` rounded to single precision (as float64): numpy's exp and log take CPU-specific paths (with AVX-512 or
    without) that differ in their last bits, and what a model file keeps should not depend on the machine that
    trained it.

    >>> machine_independent(np.array([0.1])).tolist()
    [0.10000000149011612]
    """
    return np.asarray(x, np.float64).astype(np.float32).astype(np.float64)


def platt_parameters(margins: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """Each topic's slope and offset of :func:`platt` on its out-of-fold ``margins``, an (n_topics, 2) array,
    :func:`machine_independent`.

    >>> platt_parameters(np.array([[-2.0], [-1.0], [1.0], [2.0]]), np.array([[0], [0], [1], [1]])).shape
    (1, 2)
    """
    return machine_independent([platt(margins[:, t], Y[:, t]) for t in range(Y.shape[1])]).reshape(Y.shape[1], 2)


def platt_offset(scores: np.ndarray, targets: np.ndarray, iterations: int = 100) -> float:
    """The ``b`` of ``p = sigmoid(score + b)`` closest to ``targets`` (log loss), by Newton's method.

    For a topic whose slope cannot be fitted (a single example, or a few that the folds' models do not
    rank above the rest): its raw margin is on no probability scale (an SVM trained on a few positives
    scores most paragraphs near -1, probability 0.27, and a single-label model would then give that
    topic to most texts). Its shift can be fitted: on the smoothed targets it brings the probabilities
    down to about the topic's share of the examples.

    >>> round(platt_offset(np.zeros(98), np.full(98, 0.01)), 2)  # sigmoid(b) = 0.01
    -4.6
    """
    b = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(scores + b, -35, 35)))
        grad, hess = float((p - targets).sum()), float((p * (1.0 - p)).sum()) + 1e-12
        b -= float(np.clip(grad / hess, -5.0, 5.0))  # steps kept bounded: the loss is flat far from the answer
        if abs(grad) < 1e-6:
            break
    return b


def _logit(q: float, eps: float) -> float:
    """log(q / (1 - q)), with q kept ``eps`` away from 0 and 1."""
    q = min(max(q, eps), 1 - eps)
    return float(np.log(q / (1 - q)))


def fallback_threshold(proba: np.ndarray, y: np.ndarray) -> float:
    """A rank cut for a topic whose F1 cut is not trusted: accept what outscores all but a few negatives.

    With few positives a linear model scores every paragraph low and close
    together, so no fixed probability (such as 0.5) separates anything; the
    topic's new positives still rank near the top. The cut lets through
    ``_FALLBACK_NEGATIVES_PER_POSITIVE`` out-of-fold negatives per positive,
    placed half-way (in log-odds) between the last negative let through and the next.

    >>> round(fallback_threshold(np.array([0.9, 0.5, 0.4, 0.3, 0.2, 0.1]), np.array([0, 0, 0, 1, 0, 0])), 4)
    0.2899
    """
    neg = np.sort(proba[y == 0])[::-1]
    j = int(_FALLBACK_NEGATIVES_PER_POSITIVE * max(int(y.sum()), 1))
    if len(neg) <= j:  # a rank cut would let every negative through
        return _DECLARED_THRESHOLD
    # No rounding here: on a large set the cut can be as small as 1e-4.
    return float(1.0 / (1.0 + np.exp(-(_logit(neg[j - 1], 1e-12) + _logit(neg[j], 1e-12)) / 2)))


def best_threshold(proba: np.ndarray, y: np.ndarray) -> float:
    """The probability threshold of best F1 on ``(proba, y)``, read off the plateau of near-best cuts.

    F1 is flat near its peak, so the single best cut moves with a few paragraphs (a change of folds
    moved `trade`'s from 0.38 to 0.43). The cut taken is the middle one, by rank, of those whose F1 is
    within one standard error of the best (``sqrt(F1 (1 - F1) / positives)``); with fewer than
    ``_PLATEAU_MIN_POSITIVES`` positives that band is too wide to say anything, and the best cut is
    taken. The cut is placed half-way (in log-odds) between it and the next lower score, so a new
    paragraph scoring like the weakest accepted positive is still accepted. Where the best F1 is below
    ``_MIN_TRUSTED_F1`` (too few positives to trust it), :func:`fallback_threshold` decides.

    >>> best_threshold(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 1, 0, 0]))
    0.56697
    """
    n_pos = y.sum()
    if n_pos == 0:
        return _DECLARED_THRESHOLD
    order = np.argsort(-proba, kind="stable")
    p, hits = proba[order], y[order].astype(np.float64)
    f1 = 2 * np.cumsum(hits) / (np.arange(1, len(p) + 1) + n_pos)
    last = np.r_[p[1:] != p[:-1], True]  # a cut can only fall between distinct scores
    f1 = np.where(last, f1, -1.0)
    best = float(f1.max())
    if best < _MIN_TRUSTED_F1:
        return fallback_threshold(proba, y)
    if n_pos < _PLATEAU_MIN_POSITIVES:
        i = int(np.argmax(f1))
    else:
        near = np.flatnonzero(f1 >= best - np.sqrt(best * (1.0 - best) / n_pos))
        i = int(near[(len(near) - 1) // 2])  # the middle near-best cut (the lower middle of an even count)
    below = p[i + 1] if i + 1 < len(p) else 0.0
    mid = (_logit(p[i], 1e-6) + _logit(below, 1e-6)) / 2
    return float(round(1.0 / (1.0 + np.exp(-mid)), 6))


def choose_threshold(proba: np.ndarray, y: np.ndarray) -> tuple[float, Unseparated | None]:
    """A topic's threshold: its :func:`best_threshold` when that cut separates its examples, else
    ``_DECLARED_THRESHOLD``, with the cut refused.

    A cut separates when it leaves out at least one of the topic's out-of-fold negatives. With a few dozen
    examples that the model cannot yet tell apart, F1 can be best when a topic on half of them is given to
    every paragraph ("accept everything" has F1 2p/(1+p) at prevalence p): that cut is refused.

    >>> choose_threshold(np.array([0.9, 0.8, 0.3, 0.1]), np.array([1, 1, 0, 0]))
    (0.56697, None)
    >>> choose_threshold(np.array([0.46, 0.45, 0.44, 0.43, 0.42]), np.array([1, 0, 1, 0, 1]))
    (0.5, Unseparated(cut=0.00085, negatives=2))
    """
    cut = best_threshold(proba, y)
    negatives = proba[y == 0]
    if (negatives >= cut).all():  # with no negatives at all (a topic on every example) nothing separates either
        return _DECLARED_THRESHOLD, Unseparated(cut, len(negatives))
    return cut, None


# CPU seconds per stored feature value, topic and pass of the compiled solver, measured on the default model's
# examples (2026-12-05: 2.3e-8); hard topics take more iterations, and the scikit-learn fallback is slower.
_SECONDS_PER_VALUE = 2.5e-8


def refitted_topics(Y: np.ndarray, folds: int) -> np.ndarray:
    """The topics whose out-of-fold margins come from fold refits, not from the estimate: all with
    ``folds`` >= 2; with 0, those with fewer than ``_ESTIMATE_MIN_EXAMPLES`` examples on either side.

    >>> refitted_topics(np.array([[1, 0]] * 150 + [[0, 1]] * 50 + [[0, 0]] * 100), 0).tolist()
    [1]
    """
    if folds:
        return np.arange(Y.shape[1])
    positives = Y.sum(axis=0)
    return np.flatnonzero(np.minimum(positives, len(Y) - positives) < _ESTIMATE_MIN_EXAMPLES)


def training_cost(X: CSR, Y: np.ndarray, folds: int) -> tuple[float, int]:
    """A rough estimate of :func:`fit_linear`'s CPU seconds and of the memory it needs beside ``X``:
    a pass over every stored value for each topic's model, and one more for each of its folds when it
    is refitted (:func:`refitted_topics`); float32 weights per feature and topic, and the duals and
    out-of-fold margins per example and topic.

    >>> seconds, memory = training_cost(CSR.of(np.ones((1000, 50))), np.ones((1000, 10)), folds=5)
    >>> round(seconds, 4), memory
    (0.075, 162000)
    """
    (n, F), T = X.shape, Y.shape[1]
    passes = T + len(refitted_topics(Y, folds)) * (folds or _REFIT_FOLDS)
    return _SECONDS_PER_VALUE * passes * X.nnz, T * (4 * F + 16 * n)


@functools.cache
def _say_no_solver() -> None:
    """Warn, once a process, that training falls back to LIBLINEAR: its model differs in the last digits from
    the one a build with the solver trains (a source checkout run without its built extensions does this)."""
    log.warning("topicslib's compiled training solver is not available (not built, or TOPICSLIB_NO_EXTENSION is set): "
                "fitting with scikit-learn's LIBLINEAR, which is slower and gives weights that differ in their last "
                "digits; in a source checkout, 'pip install -e .' builds the solver in place")


def fit_linear(
    X: CSR,
    Y: np.ndarray,
    *,
    loss: str = "svm",
    C: float = 1.0,
    class_weight: str | None = None,
    folds: int = 0,
    seed: int = 0,
    multi_label: bool = True,
    nb_weighting: bool = True,
    n_jobs: int | None = None,
) -> LinearFit:
    """Fit calibrated one-vs-rest linear models with per-topic thresholds.

    ``Y`` is a 0/1 matrix (n_examples, n_topics). A fit whose numbers overflow (an extreme ``C``) is a
    :class:`TrainingError` naming ``C``, not a model.
    """
    n, T = Y.shape
    C = float(C)  # a whole number is a good C (options.py), and the compiled solver takes its costs as doubles
    X = CSR.of(X)  # sorted once: every fold and topic then reads rows in column order without a copy
    if loss == "svm" and native.SOLVER:
        fits = _NativeFits(X, Y, C, class_weight, seed, nb_weighting)
    else:
        if loss == "svm":
            _say_no_solver()
        fits = _SklearnFits(X.tocsr(), Y, loss, C, class_weight, seed, nb_weighting)
    W, b = _fit_topics(fits, np.arange(T), n_jobs, None)  # first: the compiled solver's folds start from this fit
    # An extreme C (on a file of the shipped examples, 1e20 and up) overflows the margins' estimate and their
    # calibration: numpy's warnings of it, with their source lines, say nothing a user can act on; the fit's numbers
    # are checked at the end instead (_finite).
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if folds == 0:
            oof = estimated_oof_margins(X, Y, W, b, lambda t: squared_scales(X, Y[:, t] > 0, fits.total_all), loss=loss,
                                        C=C, class_weight=class_weight)
        else:
            oof = np.zeros((n, T))
        refit = refitted_topics(Y, folds)
        if len(refit):
            for train, test in kfold(n, max(2, min(folds or _REFIT_FOLDS, n)), seed):
                oof[np.ix_(test, refit)] = _fit_topics(fits, refit, n_jobs, train, left_out=True)
        ab = platt_parameters(oof, Y)
    a, c = ab[:, 0], ab[:, 1]
    proba = 1.0 / (1.0 + np.exp(-np.clip(oof * a + c, -35, 35)))
    unseparated = {}
    if multi_label:
        thresholds = np.zeros(T)
        for t in range(T):
            thresholds[t], refused = choose_threshold(proba[:, t], Y[:, t])
            if refused is not None:
                unseparated[t] = refused
    else:
        proba = proba / proba.sum(axis=1, keepdims=True)
        thresholds = np.zeros(T)
    W *= a  # in place: the weight matrix is the largest array training makes
    # the solver's intercepts read numpy's logs too (naive-Bayes scaling), and the file keeps the intercepts as they are
    fit = LinearFit(coef=W, intercept=machine_independent(b * a + c), thresholds=thresholds, oof_proba=proba,
                    unseparated=unseparated)
    return _finite(fit, C)


def _finite(fit: LinearFit, C: float) -> LinearFit:
    """``fit``, once its weights, intercepts and thresholds are found to be finite numbers; else a
    :class:`TrainingError` naming ``C``: a fit overflows when C is extreme (1e308), and a model of such numbers
    would answer nothing and could not be loaded.

    >>> _finite(LinearFit(np.ones((2, 1), np.float32), np.array([np.nan]), np.zeros(1), np.zeros((3, 1))), 1e308)
    Traceback (most recent call last):
    ...
    topicslib.errors.TrainingError: training overflowed: its intercepts are not finite numbers; C = 1e+308 is most likely too large (the default is 0.25): train with a smaller C
    """
    # by the least and the largest (NaN is both): no array of flags the size of the weights, training's largest
    arrays = {"weights": fit.coef, "intercepts": fit.intercept, "thresholds": fit.thresholds}
    bad = [name for name, values in arrays.items() if not np.isfinite([values.min(), values.max()]).all()]
    if bad:
        raise TrainingError(f"training overflowed: its {' and '.join(bad)} are not finite numbers; C = {C:g} is most "
                            f"likely too large (the default is {OPTIONS['C'].default:g}): train with a smaller C")
    return fit
