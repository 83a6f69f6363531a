"""The scoring engines: from texts to topic log-odds and probabilities, with fitted features and weights.

Two engines give the same results: the compiled scorer (``native.py``, C) and :class:`NumpyScorer`
(numpy), which serves a topicslib built without a C compiler, ``TOPICSLIB_NO_EXTENSION=1``, and
explanations (which need each term's share, not only the sum). :func:`build` picks the compiled
one where it is built. Both have ``score(texts, out, proba)``, ``proba(text)`` and ``cached()``.

A word's subword share of each topic's log-odds does not depend on the text around it, so both
engines work it out the first time they meet the word and keep it: in a table for words that are
features, in a bounded cache for others.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from itertools import repeat

import numpy as np

from . import native
from .errors import InputError
from .features import MAX_CHAR_WORD, PIECE, Analysis, TextFeatures

# Many texts are featurized this many characters at a time, so memory stays bounded however many there are.
_BATCH_CHARS = 250_000
# How many words outside the vocabulary keep their subword scores cached; then the cache starts afresh.
CACHE_LIMIT = 200_000


def is_missing(value: object) -> bool:
    """Whether ``value`` is a missing value of a table: NaN, or pandas' ``pd.NA``, as a DataFrame's column with gaps
    holds them (told without importing pandas).

    >>> is_missing(float("nan")), is_missing(None), is_missing("")
    (True, False, False)
    """
    return (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType"


def check_text(text: object, position: int | None = None) -> str:
    """``text`` if it is a string; else an :class:`InputError` naming what it is (and its ``position`` in a list
    of texts, when given).

    >>> check_text(b"x")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: text must be str, got bytes; decode it first, e.g. data.decode('utf-8')
    >>> check_text(float("nan"), 2)
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: text 2 must be str, got float nan, a missing value; drop or fill the missing texts first, such as df['text'].dropna() or df['text'].fillna('')
    >>> check_text(None, 3721)
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: text 3721 must be str, got NoneType
    """
    if isinstance(text, str):
        return text
    which = "text" if position is None else f"text {position}"
    if isinstance(text, (bytes, bytearray)):
        raise InputError(f"{which} must be str, got {type(text).__name__}; decode it first, e.g. data.decode('utf-8')")
    if is_missing(text):  # "got float" sent a reader of a column with gaps looking for numbers in it
        raise InputError(f"{which} must be str, got {type(text).__name__} {text}, a missing value; drop or fill the "
                         "missing texts first, such as df['text'].dropna() or df['text'].fillna('')")
    raise InputError(f"{which} must be str, got {type(text).__name__}")


def is_table(value: object) -> bool:
    """Whether ``value`` is a table with columns, such as a pandas (or polars, dask) DataFrame: read as a list,
    it gives its columns, not its rows. Told by its ``columns``, without importing pandas.

    >>> is_table(["Tariffs rose."]), is_table(type("DataFrame", (), {"columns": ["text"]})())
    (False, True)
    """
    return hasattr(value, "columns")


def refuse_table(value: object, expected: str) -> None:
    """An :class:`InputError` for a table (:func:`is_table`) where records are taken, naming the fix: read as a
    list it would give its column names, not its rows. ``expected`` says what is taken.

    >>> refuse_table([{"text": "Tariffs rose."}], "records must be mappings")
    >>> refuse_table(type("DataFrame", (), {"columns": ["text"]})(), "records must be mappings")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: records must be mappings, got a DataFrame; give its rows as mappings, such as df.to_dict('records')
    """
    if is_table(value):
        raise InputError(f"{expected}, got a {type(value).__name__}; give its rows as mappings, such as df.to_dict('records')")


def check_texts(texts: object, call: str = "classify_many", advice: str = "use classify(text)",
                check: Callable[[object, int], str] = check_text) -> list[str]:
    """``texts`` as a list of strings; else an :class:`InputError` naming the problem.

    ``call`` names the function called and ``advice`` (if any) says what to do with a single text: a
    string iterates as its characters, so unchecked it would pass as a list of one-letter texts. A
    DataFrame would pass as its column names, and a dict of texts by id as its ids: each is refused, naming the fix. Unless all are strings, each item
    goes through ``check`` with its position (counted from 0, as the list's index): :func:`check_text` names
    the first that is no string; a caller that takes more than strings gives the string it reads in each.

    >>> check_texts("Tariffs rose.", "classify_documents", "use classify_document(text)")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: classify_documents takes a list of texts, got a single text; use classify_document(text)
    >>> check_texts({"doc-1": "Tariffs rose."}, "classify_many")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: classify_many takes a list of texts, got a dict, which reads as its keys; give its values, such as list(d.values())
    >>> check_texts(["Tariffs rose.", None])
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: text 1 must be str, got NoneType
    """
    if isinstance(texts, (str, bytes)):
        raise InputError(f"{call} takes a list of texts, got a single text" + (f"; {advice}" if advice else ""))
    if is_table(texts):
        raise InputError(f"{call} takes a list of texts, got a {type(texts).__name__}, which reads as its columns; "
                         "give one column, such as df['text']")
    if isinstance(texts, Mapping):  # a dict of texts by id would be read as its ids, and scored so, unsaid
        raise InputError(f"{call} takes a list of texts, got a {type(texts).__name__}, which reads as its keys; give "
                         "its values, such as list(d.values())")
    if not isinstance(texts, Iterable):
        raise InputError(f"texts must be an iterable of str, got {type(texts).__name__}")
    texts = list(texts)
    if not all(map(isinstance, texts, repeat(str))):  # the fast check; then each text's own
        texts = [check(t, i) for i, t in enumerate(texts)]
    return texts


def batches(texts: list[str]) -> Iterator[slice]:
    """Consecutive slices of ``texts`` of about ``_BATCH_CHARS`` characters (at least one slice).

    >>> list(batches(["a", "b"]))
    [slice(0, 2, None)]
    """
    start = size = 0
    for i, t in enumerate(texts):
        size += len(t)
        if size >= _BATCH_CHARS:
            yield slice(start, i + 1)
            start, size = i + 1, 0
    if start < len(texts) or not texts:
        yield slice(start, len(texts))


def probabilities(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """Topic probabilities of log-odds: a sigmoid each, normalised to sum to 1 for a single-label model."""
    with np.errstate(over="ignore"):  # exp(-z) overflows to inf for z < -709: the probability is then 0
        p = 1.0 / (1.0 + np.exp(-logits))  # the compiled scorer's formula
    if not multi_label:
        p = p / p.sum(axis=-1, keepdims=True)
    return p


class NumpyScorer:
    """Scores texts with numpy; keeps each word's subword scores once worked out (safe under threads)."""

    def __init__(self, features: TextFeatures, coef: np.ndarray, intercept: np.ndarray, multi_label: bool):
        self.features, self.coef, self.intercept, self.multi_label = features, coef, intercept, multi_label
        n, k = features.n_word_features_, len(intercept)
        # Row j: word feature j's subword share of each topic's log-odds, then 1 if it has a known char n-gram.
        self.word_scores = np.zeros((n, k + 1))
        self.word_scored = np.zeros(n, dtype=bool)  # set only after its row is written: safe under threads
        self.unknown_words: dict[str, np.ndarray] = {}  # the same rows for words that are no feature

    def cached(self) -> int:
        """How many words outside the vocabulary have their scores cached."""
        return len(self.unknown_words)

    def _score_words(self, words: list[str]) -> np.ndarray:
        """Rows of ``word_scores`` for these words: subword vector times weights, and 1 if not all zero."""
        v = self.features.subword_vectors(words)
        return np.column_stack([v.dot(self.coef), np.bincount(v.doc, minlength=len(words)) > 0])

    def subword_scores(self, a: Analysis) -> np.ndarray:
        """Each word of ``a``: its subword share of every topic's log-odds, then 1 if it has a known char n-gram."""
        feature = a.unigram >= 0
        rows = a.unigram[feature]
        new = np.unique(rows[~self.word_scored[rows]])
        others = np.flatnonzero(~feature)
        words = [a.words[i] for i in others]
        cache = self.unknown_words
        got = list(map(cache.get, words))
        missing = [k for k, g in enumerate(got) if g is None]
        if len(new) or missing:  # all first-seen words in one go: numpy's fixed costs are paid once
            fresh = self._score_words([self.features.terms_[j] for j in new] + [words[k] for k in missing])
            self.word_scores[new] = fresh[: len(new)]
            self.word_scored[new] = True
            if len(cache) + len(missing) > CACHE_LIMIT:
                cache.clear()
            for k, row in zip(missing, fresh[len(new) :]):
                got[k] = row
                # a longer word (URL, hash, junk) would only pin memory
                if len(words[k]) <= MAX_CHAR_WORD and len(cache) < CACHE_LIMIT:
                    cache[words[k]] = row
        scores = np.empty((len(a.words), len(self.intercept) + 1))
        scores[feature] = self.word_scores[rows]
        if got:
            scores[others] = got
        return scores

    def analyse(self, texts: Sequence[str]) -> tuple[Analysis, np.ndarray, np.ndarray, np.ndarray]:
        """Analysis of a batch of texts, its words' subword scores, the log-odds and whether each text has a known term."""
        a = self.features.analyse(texts)
        logits = a.word_block.dot(self.coef)
        known = np.bincount(a.word_block.doc, minlength=len(texts)) > 0
        scores = np.zeros((len(a.words), len(self.intercept) + 1))
        if self.features.char_ngrams:
            scores = self.subword_scores(a)
            sub = a.subwords.dot(scores)
            logits += sub[:, :-1]
            known |= sub[:, -1] > 0
        return a, scores, logits + self.intercept, known

    def score(self, texts: list[str], out: np.ndarray, proba: bool) -> None:
        """Write the log-odds, or probabilities (0 everywhere for a text without a known term), into ``out``."""
        texts = check_texts(texts)
        known = np.empty(len(texts), dtype=bool)
        for batch in batches(texts):
            _, _, out[batch], known[batch] = self.analyse(texts[batch])
        if proba:
            out[:] = probabilities(out, self.multi_label)
            out[~known] = 0.0

    def proba(self, text: str) -> list[float]:
        """One text's topic probabilities."""
        _, _, logits, known = self.analyse([check_text(text)])
        return (probabilities(logits, self.multi_label)[0] if known[0] else np.zeros(len(self.intercept))).tolist()


def build(features: TextFeatures, coef: np.ndarray, intercept: np.ndarray, multi_label: bool, *, compiled: bool = True):
    """The compiled scorer for these features and weights where it is built (and ``compiled``), else a :class:`NumpyScorer`."""
    n = features.n_word_features_
    scorer = native.build(features.terms_[:n], features.terms_[n:], features.idf_,
                          np.ascontiguousarray(coef, dtype=np.float32), np.ascontiguousarray(intercept, dtype=np.float64),
                          features.unknown_idf_, features.norm_offset_, features.word_ngrams, features.char_ngrams, multi_label,
                          cache_limit=CACHE_LIMIT, max_char_word=MAX_CHAR_WORD, piece=PIECE) if compiled else None
    return scorer if scorer is not None else NumpyScorer(features, coef, intercept, multi_label)
