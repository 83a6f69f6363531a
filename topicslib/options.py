"""The training options of a model, declared once: each option's default, the values it takes and why.

:class:`TopicModel`'s parameters, ``topicslib.train(**options)``, ``--options`` on the command
line and the options stored in a model file are all checked here, by :func:`check_options`,
so a bad value is refused with the same :class:`OptionError` (naming the option, the value and
what is allowed) before any work starts, whichever way it came in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real

from .errors import OptionError

# The values of TopicModel(loss=...): hinge loss (LinearSVC) or logistic regression.
LOSSES = ("svm", "logistic")
# Longest n-grams: beyond these, feature counts explode with no gain (the compiled scorer allows 64 words).
MAX_WORD_NGRAM = 8
MAX_CHAR_NGRAM = 12


@dataclass(frozen=True)
class Option:
    """One option: its default, a test of its values, what they may be, and what it does."""

    default: object
    valid: Callable[[object], bool]
    allowed: str
    help: str


# More threads than any machine has cores; joblib refuses counts past a million with its own traceback.
_MAX_JOBS = 1024


def _integer(value: object, low: int, high: float = math.inf) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool) and low <= value <= high


def _pair(high: int) -> Callable[[object], bool]:
    def valid(value: object) -> bool:
        return (isinstance(value, (tuple, list)) and len(value) == 2 and all(_integer(v, 1, high) for v in value)
                and value[0] <= value[1])
    return valid


OPTIONS: dict[str, Option] = {
    "word_ngrams": Option((1, 2), _pair(MAX_WORD_NGRAM), f"a pair [low, high] of integers, 1 <= low <= high <= {MAX_WORD_NGRAM}",
                          "lengths of the word n-grams"),
    "char_ngrams": Option((3, 5), lambda v: v is None or _pair(MAX_CHAR_NGRAM)(v),
                          f"null, or a pair [low, high] of integers, 1 <= low <= high <= {MAX_CHAR_NGRAM}",
                          "lengths of the character n-grams of each word (null: none)"),
    "min_df": Option(2, lambda v: _integer(v, 1), "an integer >= 1", "keep terms found in at least this many examples"),
    "max_features": Option(None, lambda v: v is None or _integer(v, 1), "null or an integer >= 1",
                           "keep at most this many terms of each kind (words, character n-grams), the most frequent; "
                           "fewer than model.FEATURES_PER_TOPIC features a topic is warned about in training"),
    "norm_offset": Option(0.35, lambda v: isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v) and v >= 0,
                          "a finite number >= 0",
                          "added to each text's squared TF-IDF norm, as a share of the median training text's: "
                          "short texts score nearer the prior (0: plain L2)"),
    "loss": Option("svm", lambda v: v in LOSSES, f"one of {', '.join(map(repr, LOSSES))}",
                   "svm (hinge loss, LinearSVC) or logistic regression"),
    "C": Option(0.25, lambda v: isinstance(v, Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0,
                "a positive finite number", "inverse regularization strength"),
    "class_weight": Option(None, lambda v: v in (None, "balanced"), "null or 'balanced'", "weighting of rare topics"),
    "nb_weighting": Option(True, lambda v: isinstance(v, bool), "true or false", "scale features by naive-Bayes ratios"),
    "folds": Option(0, lambda v: _integer(v, 0, 0) or _integer(v, 2), "0 or an integer >= 2",
                    "where calibration and thresholds get each example's out-of-fold score: 0, estimated from the "
                    "model fitted on all examples (no refits); K >= 2, from K-fold cross-validation"),
    "seed": Option(0, lambda v: _integer(v, 0, 2**32 - 1), "an integer from 0 to 2**32 - 1",
                   "random seed of the folds and of the order in which the solver visits the examples"),
    "min_examples": Option(2, lambda v: _integer(v, 1), "an integer >= 1", "fewest examples a topic needs"),
    "rare_topics": Option("leave_out", lambda v: v in ("leave_out", "error"), "'leave_out' or 'error'",
                          "a topic with fewer than min_examples examples is left out with a warning, or an error"),
    "on_duplicate": Option("merge", lambda v: v in ("merge", "error"), "'merge' or 'error'",
                           "a repeated paragraph counts once with every topic its copies carry, or is an error"),
    "n_jobs": Option(None, lambda v: v is None or (_integer(v, -_MAX_JOBS, _MAX_JOBS) and v != 0),
                     f"null or a non-zero integer from -{_MAX_JOBS} to {_MAX_JOBS} (negative counts back from the "
                     "number of cores, as in joblib)",
                     "parallel jobs for the per-topic fits"),
}


def check_options(options: Mapping[str, object]) -> dict[str, object]:
    """``options`` checked against :data:`OPTIONS`, n-gram pairs as tuples and numbers as Python's; the first bad one
    raises.

    >>> check_options({"C": 1, "word_ngrams": [1, 3]})
    {'C': 1, 'word_ngrams': (1, 3)}
    >>> check_options({"min_df": "2"})
    Traceback (most recent call last):
    ...
    topicslib.errors.OptionError: option 'min_df': got '2'; it must be an integer >= 1
    """
    out = {}
    for name, value in options.items():
        option = OPTIONS.get(name) if isinstance(name, str) else None
        if option is None:
            raise OptionError(str(name), f"no such option; the options are {', '.join(OPTIONS)}")
        if not option.valid(value):
            raise OptionError(name, f"got {value!r}; it must be {option.allowed}")
        out[name] = _plain(value)
    return out


def _plain(value: object) -> object:
    """A number as Python's own int or float, a pair as a tuple of them, anything else as it is: numpy's scalars,
    as a scikit-learn grid of ``np.arange(1, 4)`` gives them, pass the checks but are no JSON (a trained model
    failed to save) nor an int to the compiled solver (``seed`` failed to train).

    >>> import numpy as np
    >>> _plain(np.int64(3)), _plain(np.float32(0.5)), _plain([np.int64(1), 2]), _plain(True), _plain("svm")
    (3, 0.5, (1, 2), True, 'svm')
    """
    if isinstance(value, (list, tuple)):
        return tuple(map(_plain, value))
    if isinstance(value, bool) or not isinstance(value, Real):
        return value
    return int(value) if isinstance(value, Integral) else float(value)
