"""TF-IDF features: word n-grams plus character n-grams within words.

Character n-grams make the model robust to inflection and spelling
("migrant", "migrants", "migratory"); they are computed per distinct word and
cached, so a text costs one regex pass and a dictionary look-up per word. The
vocabulary and idf weights are plain arrays, which is what lets a model be
saved without pickle.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_TOKEN = re.compile(r"\b\w\w+\b")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Words longer than this are URLs, hashes or junk; their char n-grams would only cost memory.
_MAX_CHAR_WORD = 30
_CACHE_LIMIT = 200_000
# A text longer than this many characters is read in pieces, so that its feature occurrences
# never all sit in memory at once: memory stays proportional to the text, not to its n-grams.
_PIECE = 100_000
_SPACE = re.compile(r"[ \t\n\r\f\v]")


def normalize(text: str) -> str:
    """Lower-case, strip accents, drop lone surrogates.

    >>> normalize("Bogotá MIGRACIÓN")
    'bogota migracion'
    """
    text = text.lower()
    if not text.isascii():
        text = _COMBINING.sub("", unicodedata.normalize("NFKD", _SURROGATE.sub(" ", text)))
    return text


def tokenize(text: str) -> list[str]:
    """Word tokens of a text, as the features see them."""
    return _TOKEN.findall(normalize(text))


def pieces(text: str, size: int = _PIECE) -> Iterator[str]:
    """``text`` in consecutive pieces of at least ``size`` characters, each cut just before ASCII whitespace.

    Lower-casing, normalization and tokens never reach across such a cut, so the
    tokens of the pieces, in order, are the tokens of the whole text.

    >>> list(pieces("one two three", size=2))
    ['one', ' two', ' three']
    """
    start = 0
    while start < len(text):
        cut = _SPACE.search(text, start + size) if start + size < len(text) else None
        stop = cut.start() if cut else len(text)
        yield text[start:stop]
        start = stop


def char_ngrams(word: str, lo: int, hi: int) -> list[str]:
    """Character n-grams of one word padded with spaces, as scikit-learn's ``char_wb`` makes them."""
    if len(word) > _MAX_CHAR_WORD:
        return []
    w = f" {word} "
    return [w[i : i + n] for n in range(lo, hi + 1) for i in range(len(w) - n + 1)]


class TextFeatures(TransformerMixin, BaseEstimator):
    """Sublinear TF-IDF over word n-grams and in-word character n-grams.

    The two blocks are L2-normalised separately and stacked, words first.

    >>> f = TextFeatures(min_df=1).fit(["armed groups", "migrants arrived"])
    >>> f.transform(["armed migrants"]).shape[0]
    1
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = (3, 5),
        min_df: int = 2,
        max_features: int | None = None,
    ):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features

    # -- fitting -------------------------------------------------------------
    def _ngrams(self, tokens: Sequence[str], start: int = 0) -> Iterator[str]:
        """The word n-grams (n >= 2) that end among ``tokens[start:]``, each joined by spaces."""
        lo, hi = self.word_ngrams
        for n in range(max(lo, 2), hi + 1):
            first = max(0, start - n + 1)
            yield from map(" ".join, zip(*(islice(tokens, first + k, None) for k in range(n))))

    def _word_terms(self, tokens: Sequence[str]) -> list[str]:
        return (list(tokens) if self.word_ngrams[0] == 1 else []) + list(self._ngrams(tokens))

    def fit(self, texts: Iterable[str], y=None) -> "TextFeatures":
        word_df: Counter = Counter()
        char_df: Counter = Counter()
        grams: dict[str, list[str]] = {}
        n_docs = 0
        for text in texts:
            n_docs += 1
            tokens = tokenize(text)
            word_df.update(set(self._word_terms(tokens)))
            if self.char_ngrams:
                lo, hi = self.char_ngrams
                doc: set[str] = set()
                for w in set(tokens):
                    g = grams.get(w)
                    if g is None:
                        g = grams[w] = char_ngrams(w, lo, hi)
                    doc.update(g)
                char_df.update(doc)
        word_terms = self._select(word_df)
        char_terms = self._select(char_df) if self.char_ngrams else []
        self._set_vocabulary(
            word_terms,
            char_terms,
            np.array([word_df[t] for t in word_terms] + [char_df[t] for t in char_terms], dtype=np.float64),
            n_docs,
        )
        return self

    def _select(self, df: Counter) -> list[str]:
        kept = [t for t, c in df.items() if c >= self.min_df]
        if self.max_features is not None and len(kept) > self.max_features:
            kept.sort(key=lambda t: (-df[t], t))  # most frequent first, ties by term: deterministic
            kept = kept[: self.max_features]
        return sorted(kept)

    def _set_vocabulary(self, word_terms: list[str], char_terms: list[str], df: np.ndarray, n_docs: int) -> None:
        self.n_word_features_ = len(word_terms)
        self.terms_ = word_terms + char_terms
        self.vocabulary_ = {t: i for i, t in enumerate(word_terms)}
        self.char_vocabulary_ = {t: i + len(word_terms) for i, t in enumerate(char_terms)}
        self.idf_ = np.log((1.0 + n_docs) / (1.0 + df)) + 1.0
        self._cache: dict[str, list[int]] = {}

    @classmethod
    def from_arrays(cls, params: dict, word_terms: list[str], char_terms: list[str], idf: np.ndarray) -> "TextFeatures":
        """Rebuild a fitted extractor from its parameters, vocabulary and idf weights (no pickle)."""
        f = cls(**params)
        f._set_vocabulary(word_terms, char_terms, np.zeros(len(word_terms) + len(char_terms)), 0)
        f.idf_ = np.asarray(idf, dtype=np.float64)
        return f

    # -- transforming --------------------------------------------------------
    def _word_indices(self, word: str) -> list[int]:
        """Feature indices a single word contributes (unigram and its char n-grams), cached."""
        got = self._cache.get(word)
        if got is None:
            got = []
            j = self.vocabulary_.get(word) if self.word_ngrams[0] == 1 else None
            if j is not None:
                got.append(j)
            if self.char_ngrams:
                cv = self.char_vocabulary_
                got += [cv[g] for g in char_ngrams(word, *self.char_ngrams) if g in cv]
            if len(word) <= _MAX_CHAR_WORD:  # a longer word (URL, hash, junk) would only pin memory here
                if len(self._cache) >= _CACHE_LIMIT:
                    self._cache.clear()
                self._cache[word] = got
        return got

    def _occurrences(self, tokens: Sequence[str], start: int = 0) -> list[int]:
        """Feature occurrences of the words ``tokens[start:]`` and of the word n-grams ending among them."""
        out: list[int] = []
        cached = self._cache.get  # the hot loop: one dict look-up per word once the cache is warm
        for w in islice(tokens, start, None):
            got = cached(w)
            out += got if got is not None else self._word_indices(w)
        out += [j for j in map(self.vocabulary_.get, self._ngrams(tokens, start)) if j is not None]
        return out

    def indices(self, text: str) -> list[int]:
        """Feature index of every feature occurrence in ``text`` (repeats count)."""
        return self._occurrences(tokenize(text))

    def counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The distinct features of ``text`` (ascending) and how often each occurs.

        A long text is read piece by piece (see :func:`pieces`), so memory stays
        proportional to the text.

        >>> f = TextFeatures(min_df=1, char_ngrams=None).fit(["armed groups"])
        >>> [c.tolist() for c in f.counts("armed armed groups")]
        [[0, 1, 2], [2, 1, 1]]
        """
        if len(text) <= _PIECE:
            return np.unique(np.asarray(self.indices(text), dtype=np.int64), return_counts=True)
        total = np.zeros(len(self.idf_), dtype=np.int64)
        keep = self.word_ngrams[1] - 1  # the words before a cut that n-grams across it need
        context: list[str] = []
        for piece in pieces(text, _PIECE):
            tokens = context + tokenize(piece)
            total += np.bincount(np.asarray(self._occurrences(tokens, len(context)), dtype=np.int64), minlength=len(total))
            context = tokens[max(0, len(tokens) - keep) :]
        feat = np.flatnonzero(total)
        return feat, total[feat]

    def weigh(self, doc: np.ndarray, feat: np.ndarray, counts: np.ndarray, n_docs: int) -> np.ndarray:
        """TF-IDF values of feature counts.

        ``doc``, ``feat`` and ``counts`` give each distinct (document, feature)
        pair, grouped by document, and how often it occurs; returns their values,
        with each block of each row at unit L2 norm.
        """
        val = (1.0 + np.log(counts)) * self.idf_[feat]
        block = doc * 2 + (feat >= self.n_word_features_)
        norms = np.sqrt(np.bincount(block, weights=val * val, minlength=2 * n_docs))
        return val / norms[block]

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The lean path for one text: ``(feature indices, values)`` of its TF-IDF row."""
        feat, counts = self.counts(text)
        return feat, self.weigh(np.zeros(len(feat), dtype=np.int64), feat, counts, 1)

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        # One flat list of occurrences and a CSR matrix of counts: scipy merges repeats row by
        # row in C++, far cheaper than sorting every (document, feature) pair of the batch at once.
        occurrences: list[int] = []
        counted: list[tuple[int, np.ndarray]] = []  # (offset, counts) of long texts' distinct features
        indptr = [0]
        for t in texts:
            if len(t) > _PIECE:  # counted piece by piece, so memory stays proportional to the text
                feat, counts = self.counts(t)
                counted.append((len(occurrences), counts))
                occurrences += feat.tolist()
            else:
                occurrences += self.indices(t)
            indptr.append(len(occurrences))
        n_docs, n_features = len(indptr) - 1, len(self.idf_)
        data = np.ones(len(occurrences))
        for offset, counts in counted:
            data[offset : offset + len(counts)] = counts
        X = sp.csr_matrix((data, np.asarray(occurrences, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
                          shape=(n_docs, n_features))
        X.sum_duplicates()
        doc = np.repeat(np.arange(n_docs, dtype=np.int64), np.diff(X.indptr))
        X.data = self.weigh(doc, X.indices.astype(np.int64), X.data, n_docs)
        return X

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(self.terms_, dtype=object)


