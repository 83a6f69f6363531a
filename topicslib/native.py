"""The compiled scorer (``topicslib/_scorer.c``), training solver (``topicslib/_solver.c``) and JSON Lines reader
(``topicslib/_jsonl.c``), when topicslib was built with them.

This is the only module that imports the extensions. The scorer scores texts as the numpy
engine of ``scoring.py`` does, in C, one text at a time: the same tokens, features and weights, the same probabilities up to
the last bits of a float. The solver fits a block of topics' linear SVMs over a shared feature matrix
(``training.py``). Without a C compiler at install time the extensions are missing: every model
scores through numpy, and training fits with scikit-learn's LIBLINEAR. Setting ``TOPICSLIB_NO_EXTENSION=1``
before import makes topicslib ignore built extensions (to compare, or to
rule them out when something looks wrong).
"""

from __future__ import annotations

import os

if os.environ.get("TOPICSLIB_NO_EXTENSION", "") not in ("", "0"):
    _scorer = _solver = _jsonl = None
else:
    try:
        from . import _scorer
    except ImportError:  # built without a C compiler
        _scorer = None
    try:
        from . import _solver
    except ImportError:
        _solver = None
    try:
        from . import _jsonl
    except ImportError:
        _jsonl = None

AVAILABLE = _scorer is not None
SOLVER = _solver is not None
# Characters of words outside the vocabulary kept in a scorer's cache, beyond its word limit
# (a few long junk tokens must not pin memory): 8 Mi code points, 32 MiB.
_POOL_LIMIT = 1 << 23


def tokenizer():
    """The compiled tokenizer (the same tokens as ``features.tokenize``), or None."""
    return _scorer.tokenize if _scorer is not None else None


def jsonl_reader():
    """The compiled JSON Lines reader (``_jsonl.records``: each line's text and members, or None where it leaves the
    line to the general reader), or None without the extension."""
    return _jsonl.records if _jsonl is not None else None


def jsonl_writer():
    """The compiled writer of the output lines of records the JSON Lines reader took (``_jsonl.lines``), or None."""
    return _jsonl.lines if _jsonl is not None else None


def leaning(words: dict[str, int], marks: str, en: str, es: str, und: str):
    """The compiled counter of ``language.detect``'s evidence (``_scorer.Leaning``), or None without the extension."""
    return _scorer.Leaning(words, marks, en, es, und) if _scorer is not None else None


def build(word_terms: list[str], char_terms: list[str], idf, coef, intercept, unknown_idf: float, norm_offset: float,
          word_ngrams: tuple[int, int], char_ngrams: tuple[int, int] | None, multi_label: bool, *,
          cache_limit: int, max_char_word: int, piece: int):
    """A compiled scorer for these fitted features and weights, or None without the extension.

    ``coef`` (float32) and ``intercept`` (float64) must be contiguous and stay alive and unchanged
    while the scorer is used: it reads them in place.
    """
    if _scorer is None:
        return None
    return _scorer.Scorer(word_terms, char_terms, idf, coef, intercept, unknown_idf, norm_offset, tuple(word_ngrams),
                          tuple(char_ngrams or (0, 0)), max_char_word, multi_label, cache_limit, _POOL_LIMIT, piece)


def _training():
    """The compiled training helpers, or a RuntimeError: callers check ``SOLVER`` first and keep a numpy path."""
    if _solver is None:
        raise RuntimeError("topicslib was built without its training solver")
    return _solver


def fit_svm(data, indices, indptr, rows, y, state, c_pos, c_neg, eps: float, max_iter: int, seed: int,
            alpha) -> tuple[int, ...]:
    """Fit a block of topics' L2-loss SVMs (at most 10) on ``rows`` of a CSR matrix in place (see ``_solver.c``);
    each topic's passes.

    ``y`` and ``alpha`` are rows by topics, ``c_pos`` and ``c_neg`` one per topic. ``state`` is
    ``(n_features + 1, 2, state_width(topics))`` (topic ``b`` in place ``b``, the rest padding): ``state[j, 1]`` holds the squares of column ``j``'s scales and ``state[j, 0]``
    receives its weights, ``state[-1, 0]`` the intercepts. ``alpha`` holds the starting dual variables and receives
    the solution.
    """
    return _training().fit_svm(data, indices, indptr, rows, y, state, c_pos, c_neg, eps, max_iter, seed, alpha)


def state_width(topics: int) -> int:
    """The places for topics in each column of :func:`fit_svm`'s state: ``topics`` padded so that no column's weights
    straddle two cache lines (see ``_solver.c``)."""
    return _training().state_width(topics)


def leave_one_out_norms(data, indices, indptr, scale2, curvature, rows, norm) -> None:
    """The squared norm of each of ``rows`` under the inverse diagonal curvature of each topic's other rows, into
    ``norm`` (``rows`` by topics; ``scale2`` is columns by topics, ``curvature`` rows by topics; see ``_solver.c`` and
    ``training.estimated_oof_margins``)."""
    _training().leave_one_out_norms(data, indices, indptr, scale2, curvature, rows, norm)


def row_margins(data, indices, indptr, rows, w, bias: float, out) -> None:
    """A linear model's margins on ``rows`` of a CSR matrix, into ``out``, without copying the rows (``_solver.c``)."""
    _training().row_margins(data, indices, indptr, rows, w, bias, out)


def matrix_product(data, indices, indptr, W, out) -> None:
    """Add ``X @ W`` to ``out`` for a float32 CSR matrix and float32 ``W``, with scipy's sums (see ``_solver.c``)."""
    _training().matrix_product(data, indices, indptr, W, out)


def presence_counts(indices, indptr, picked, counts) -> None:
    """Add to ``counts`` in how many rows with ``picked`` set each column holds a value (see ``_solver.c``)."""
    _training().presence_counts(indices, indptr, picked, counts)


def number_strings(strings: list[str], index: dict[str, int], names: list[str], out) -> int:
    """Number ``strings`` through ``index`` and ``names`` as ``features.number_tokens`` does, into ``out``; how many
    (see ``_solver.c``)."""
    return _training().number_strings(strings, index, names, out)


def char_gram_numbers(words: list[str], lo: int, hi: int, max_len: int, index: dict[str, int], names: list[str],
                      out) -> int:
    """Number ``words``' character n-grams through ``index`` and ``names`` as ``features.number_tokens`` would, into
    ``out``; how many (see ``_solver.c``)."""
    return _training().char_gram_numbers(words, lo, hi, max_len, index, names, out)


def union_counts(row_ptr, row_items, set_ptr, set_items, counts) -> None:
    """Add to ``counts`` in how many rows the union of the row's items' sets holds each element (see ``_solver.c``)."""
    _training().union_counts(row_ptr, row_items, set_ptr, set_items, counts)


def count_rows(ids, indptr, picked, unigram, ngram_word, level_ptr, level_keys, level_features, width: int,
               n_cols: int, lo: int, wd, wi, wn, bd, bc, bn) -> tuple[int, int]:
    """``features.Numbered.count`` of the texts ``picked`` in one compiled pass, into the last six arrays; how many
    words and block values were written (see ``_solver.c``)."""
    return _training().count_rows(ids, indptr, picked, unigram, ngram_word, level_ptr, level_keys, level_features,
                                  width, n_cols, lo, wd, wi, wn, bd, bc, bn)


def feature_rows(word_ptr, word_cols, word_vals, sub_ptr, sub_words, sub_vals, vec_ptr, vec_cols, vec_vals,
                 first_sub: int, n_cols: int, data, indices, indptr) -> int:
    """A batch's CSR feature rows, word block then the sum of its words' subword vectors, into ``data``, ``indices``
    and ``indptr``; the number of values (see ``_solver.c`` and ``features.TextFeatures._matrix``)."""
    return _training().feature_rows(word_ptr, word_cols, word_vals, sub_ptr, sub_words, sub_vals, vec_ptr, vec_cols,
                                    vec_vals, first_sub, n_cols, data, indices, indptr)
