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
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_TOKEN = re.compile(r"\b\w\w+\b")
_COMBINING = re.compile(r"[\u0300-\u036f]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Words longer than this are URLs, hashes or junk; their char n-grams would only cost memory.
_MAX_CHAR_WORD = 30
_CACHE_LIMIT = 200_000


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
    def _word_terms(self, tokens: Sequence[str]) -> list[str]:
        lo, hi = self.word_ngrams
        terms = list(tokens) if lo == 1 else []
        for n in range(max(lo, 2), hi + 1):
            terms += [" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)]
        return terms

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
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = got
        return got

    def indices(self, text: str) -> list[int]:
        """Feature index of every feature occurrence in ``text`` (repeats count)."""
        tokens = tokenize(text)
        out: list[int] = []
        for w in tokens:
            out += self._word_indices(w)
        lo, hi = self.word_ngrams
        vocab = self.vocabulary_
        for n in range(max(lo, 2), hi + 1):
            for i in range(len(tokens) - n + 1):
                j = vocab.get(" ".join(tokens[i : i + n]))
                if j is not None:
                    out.append(j)
        return out

    def weigh(self, doc: np.ndarray, idx: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Turn feature occurrences into TF-IDF rows.

        ``doc`` and ``idx`` give the document and feature of each occurrence;
        returns ``(doc, feature, value)`` of the non-zero entries, sorted by
        document then feature, with each block of each row at unit L2 norm.
        """
        n_features = len(self.idf_)
        keys, counts = np.unique(doc.astype(np.int64) * n_features + idx, return_counts=True)
        doc, feat = np.divmod(keys, n_features)
        val = (1.0 + np.log(counts)) * self.idf_[feat]
        block = doc * 2 + (feat >= self.n_word_features_)
        norms = np.sqrt(np.bincount(block, weights=val * val, minlength=2 * n_docs))
        val /= norms[block]
        return doc, feat, val

    def transform_one(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The lean path for one text: ``(feature indices, values)`` of its TF-IDF row."""
        idx = np.asarray(self.indices(text), dtype=np.int64)
        _, feat, val = self.weigh(np.zeros(len(idx), dtype=np.int64), idx, 1)
        return feat, val

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        per_doc = [self.indices(t) for t in texts]
        lengths = np.fromiter((len(p) for p in per_doc), dtype=np.int64, count=len(per_doc))
        idx = np.fromiter((j for p in per_doc for j in p), dtype=np.int64, count=int(lengths.sum()))
        doc = np.repeat(np.arange(len(per_doc), dtype=np.int64), lengths)
        doc, feat, val = self.weigh(doc, idx, len(per_doc))
        indptr = np.zeros(len(per_doc) + 1, dtype=np.int64)
        np.cumsum(np.bincount(doc, minlength=len(per_doc)), out=indptr[1:])
        return sp.csr_matrix((val, feat, indptr), shape=(len(per_doc), len(self.idf_)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(self.terms_, dtype=object)


