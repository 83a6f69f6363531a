"""TF-IDF features: word n-grams, plus the character n-grams of each word.

Two blocks, each L2-normalised per text, with an offset added to the squared norm (so that
short texts are shrunk toward no evidence; see ``_sublinear``):

* words: sublinear TF-IDF of word 1-2-grams;
* subwords: every distinct word of the text brings a fixed unit vector over its
  character n-grams ("migrant", "migrants", "migratory" share most of theirs),
  weighted by the word's sublinear count and idf.

Because a word's subword vector does not depend on the text around it, a
linear model's share of it is one number per topic and word, worked out once
and reused: scoring a text costs a dictionary look-up per word, not one per
character n-gram. The vocabulary and idf weights are plain arrays, which is
what lets a model be saved without pickle.

The compiled scorer (``topicslib/_scorer.c``, see ``native.py``) computes the
same features and scores in C when classifying; this module is what training,
explanations and a topicslib built without a C compiler use. Training's heaviest
loops here (numbering tokens and character n-grams, document frequencies, each
text's counts and the matrix's rows) run in the compiled training helpers
(``_solver.c``) when built, with the same results to the bit as their numpy and
scipy forms, which stay for a build without them.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, count, islice, repeat

import numpy as np

from . import native
from .csr import CSR
from .estimator import Estimator

# Words of two or more word characters; the same tokens as scikit-learn's r"\b\w\w+\b" (a greedy run
# of word characters starts and ends at a word boundary anyway), found twice as fast.
_TOKEN = re.compile(r"\w\w+")
# Deleted from a word, which they neither belong to nor break: combining diacritics (after NFKD), and the invisible
# format characters of web text (soft hyphen, zero-width joiners, word joiner, direction marks, byte-order mark),
# which Unicode's word boundaries also pass over; "elec\u00adtions" is "elections". A zero-width space breaks.
DROPPED = "\u0300-\u036f\u00ad\u200c-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
_DROPPED = re.compile(f"[{DROPPED}]+")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Words longer than this are URLs, hashes or junk: no character n-grams.
MAX_CHAR_WORD = 30
# A text longer than this many characters is read in pieces, and a batch's tokens are counted
# every _FLUSH tokens: memory stays proportional to the distinct words and n-grams, not the text.
_FLUSH = 1 << 18
# Marks a word first met in the current round of counting (see TextFeatures._count_many).
_NEW = 1 << 62
PIECE = 100_000
# TextFeatures.transform weighs texts this many characters at a time.
_CHUNK = 1 << 21
# TextFeatures.fit measures the typical text's squared norm on at most this many texts, spread evenly.
_NORM_SAMPLE = 2000
_SPACE = re.compile(r"[ \t\n\r\f\v]")


def normalize(text: str) -> str:
    """Lower-case, strip accents and invisible format characters, drop lone surrogates.

    >>> normalize("Bogotá MIGRACIÓN"), normalize("elec\u00adtions")
    ('bogota migracion', 'elections')
    """
    text = text.lower()
    if not text.isascii():
        text = _DROPPED.sub("", unicodedata.normalize("NFKD", _SURROGATE.sub(" ", text)))
    return text


def python_tokenize(text: str) -> list[str]:
    """Word tokens of a text, as the features see them: runs of two or more word characters of ``normalize(text)``.

    >>> python_tokenize("Bogotá's MIGRANTS, 2024")
    ['bogota', 'migrants', '2024']
    """
    return _TOKEN.findall(normalize(text))


# The compiled scorer's tokenizer gives the same tokens (tests/test_scorer.py checks every code point)
# several times as fast, so training and the numpy path use it too when it is built.
tokenize = native.tokenizer() or python_tokenize

# Words as they appear in a text (combining accents and invisible format characters included); tokenize() then
# gives the model's token
_WORD = re.compile(rf"[\w{DROPPED}]+")


def token_spans(text: str) -> list[tuple[int, int, str]]:
    """The model's tokens of ``text``, each with where it sits in the text as written: ``(start, end, token)``.

    >>> token_spans("Subsidios energéticos, 2024")
    [(0, 9, 'subsidios'), (10, 21, 'energeticos'), (23, 27, '2024')]
    """
    return [(m.start(), m.end(), tok) for m in _WORD.finditer(text) for tok in tokenize(m.group())]


def pieces(text: str, size: int = PIECE) -> Iterator[str]:
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
    if len(word) > MAX_CHAR_WORD:
        return []
    w = f" {word} "
    return [w[i : i + n] for n in range(lo, hi + 1) for i in range(len(w) - n + 1)]


def _gram_counts(words: list[str], lo: int, hi: int) -> np.ndarray:
    """How many character n-grams :func:`char_ngrams` makes of each word.

    >>> _gram_counts(["ab", "x" * 31], 3, 4).tolist(), len(char_ngrams("ab", 3, 4))
    ([3, 0], 3)
    """
    length = np.fromiter(map(len, words), np.int64, len(words))
    counts = np.maximum(0, length[:, None] + 3 - np.arange(lo, hi + 1)).sum(axis=1)
    return np.where(length <= MAX_CHAR_WORD, counts, 0)


def number_tokens(tokens: list[str], index: dict[str, int], names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Each token's number in ``index`` (words numbered as first met, ``names`` in that order), adding
    the new words to both; returns the numbers and the new words, in one dictionary pass.

    >>> index, names = {"a": 0}, ["a"]
    >>> ids, new = number_tokens(["b", "a", "b", "c"], index, names)
    >>> ids.tolist(), new, names
    ([1, 0, 1, 2], ['b', 'c'], ['a', 'b', 'c'])
    """
    n = len(tokens)
    if native.SOLVER and type(tokens) is list:  # one compiled dictionary pass
        ids, first = np.empty(n, np.int64), len(names)
        native.number_strings(tokens, index, names, ids)
        return ids, names[first:]
    # A known word gives its number; a new one is stored as _NEW + its first position, which
    # tells where each new word first occurs (only there does the value equal _NEW + position).
    raw = np.fromiter(map(index.setdefault, tokens, count(_NEW)), np.int64, n)
    first = np.flatnonzero(raw == _NEW + np.arange(n))
    number = np.zeros(n, np.int64)
    number[first] = np.arange(len(names), len(names) + len(first))
    ids = np.where(raw >= _NEW, number[np.maximum(raw - _NEW, 0)], raw)
    new = [tokens[i] for i in first.tolist()]
    index.update(zip(new, count(len(names))))
    names.extend(new)
    return ids, new


def stretches(indptr: np.ndarray, picked: np.ndarray) -> np.ndarray:
    """Positions of the entries of rows ``picked`` of a CSR structure, row after row.

    >>> stretches(np.array([0, 2, 2, 5]), np.array([2, 0])).tolist()
    [2, 3, 4, 0, 1]
    """
    starts = indptr[picked]
    lengths = indptr[picked + 1] - starts
    # entry p of the selection, in row j, sits at starts[j] + (p - the entries selected before row j)
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return shift + np.arange(len(shift))


def _row_keys(rows: np.ndarray) -> np.ndarray:
    """One int64 key per row of a matrix of integers from 0 to 2**31 - 1, ordered as the rows are (first column
    first): two rows are equal exactly when their keys are.

    >>> _row_keys(np.array([[1, 0], [0, 5], [1, 0]])).tolist()
    [6, 5, 6]
    """
    key, size = np.zeros(len(rows), np.int64), 1
    for column in rows.T:
        base = int(column.max(initial=0)) + 1
        if size * base > 1 << 63:  # the key would overflow: number the distinct keys so far, in order, instead
            _, key = np.unique(key, return_inverse=True)
            size = int(key.max(initial=0)) + 1
        key = key * base + column
        size *= base
    return key


def _distinct_rows(rows: np.ndarray, inverse: bool = False):
    """The distinct rows of an integer matrix in sorted order (and where each row went).

    The rows are sorted as int64 keys: on the default model's word pairs, one sort of keys takes a fifth of the time
    of a lexsort of the columns (0.06 s instead of 0.28 s).

    >>> distinct, where = _distinct_rows(np.array([[1, 0], [0, 5], [1, 0]]), inverse=True)
    >>> distinct.tolist(), where.tolist()
    ([[0, 5], [1, 0]], [1, 0, 1])
    """
    key = _row_keys(rows)
    order = np.argsort(key)  # equal keys are equal rows: their order does not matter
    ordered = key[order]
    first = np.r_[True, ordered[1:] != ordered[:-1]]
    if not inverse:
        return rows[order[first]]
    where = np.empty(len(rows), np.int64)
    where[order] = np.cumsum(first) - 1
    return rows[order[first]], where


def _kept(names: list[str], counts: np.ndarray, min_df: int) -> dict[str, int]:
    """The names whose count is at least ``min_df``, with their counts as Python integers.

    >>> _kept(["a", "b", "c"], np.array([2, 1, 3]), 2)
    {'a': 2, 'c': 3}
    """
    keep = np.flatnonzero(counts >= min_df)
    return dict(zip(map(names.__getitem__, keep.tolist()), counts[keep].tolist()))


def _grow(counts: np.ndarray, size: int) -> np.ndarray:
    return counts if len(counts) >= size else np.concatenate([counts, np.zeros(size - len(counts), counts.dtype)])


class DocumentFrequencies:
    """In how many texts each word, word n-gram and character n-gram occurs, counted in numpy rounds.

    Words are numbered once (a dictionary of the distinct words); a word n-gram is a row of word
    numbers and a character n-gram a number, so memory holds arrays, not a string per n-gram.
    The texts' word numbers are kept (4 bytes a token, see :meth:`numbered`), so that the training
    texts' matrix is built from them without tokenizing the texts again.
    """

    def __init__(self, word_ngrams: tuple[int, int], char_ngrams: tuple[int, int] | None):
        self.word_ngrams, self.char_ngrams = word_ngrams, char_ngrams
        self.index: dict[str, int] = {}
        self.words: list[str] = []
        self.word_df = np.zeros(0, np.int64)
        self.ngram_df: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # n: (distinct rows of n words, counts)
        self.gram_index: dict[str, int] = {}
        self.grams: list[str] = []  # the character n-grams in the order numbered
        self.gram_ptr = np.zeros(1, np.int64)  # each word's character n-gram numbers: a CSR structure
        self.gram_numbers = np.zeros(0, np.int64)
        self.char_df = np.zeros(0, np.int64)
        self.tokens: list[str] = []
        self.lengths: list[int] = []
        self.n_docs = 0
        self.rounds: list[np.ndarray] = []  # each round's word numbers, int32: word numbers stay far below 2**31
        self.text_lengths: list[int] = []  # every text's number of tokens

    def add(self, text: str) -> None:
        tokens = tokenize(text)
        self.tokens += tokens
        self.lengths.append(len(tokens))
        if len(self.tokens) >= _FLUSH:
            self.flush()

    def flush(self) -> None:
        self.text_lengths += self.lengths
        if not self.tokens:
            self.n_docs += len(self.lengths)
            self.lengths = []
            return
        ids, new = number_tokens(self.tokens, self.index, self.words)
        self.rounds.append(ids.astype(np.int32))
        n_texts = len(self.lengths)
        doc = np.repeat(np.arange(n_texts), self.lengths)
        self.n_docs += n_texts
        self.tokens, self.lengths = [], []
        W = len(self.words)
        if native.SOLVER:  # each text's tokens as they come: counting a word or n-gram twice marks its bit twice
            present = (np.r_[0, np.cumsum(np.bincount(doc, minlength=n_texts))].astype(np.int64), self.rounds[-1])
        else:  # texts x words, one entry per distinct word of a text (scipy sums the repeats)
            import scipy.sparse as sp

            present = sp.csr_matrix((np.ones(len(ids), np.float32), (doc, ids)), shape=(n_texts, W))
            present.sum_duplicates()
        if self.word_ngrams[0] == 1:
            self.word_df = _grow(self.word_df, W) + self._texts_holding(present, np.arange(W + 1), np.arange(W), W)
        for n in range(max(self.word_ngrams[0], 2), self.word_ngrams[1] + 1):
            start = np.flatnonzero(doc[: len(doc) - n + 1] == doc[n - 1 :]) if len(doc) >= n else np.zeros(0, np.int64)
            if not len(start):
                continue
            # int32: word numbers stay far below 2**31, and these rows are the counter's largest arrays
            rows = _distinct_rows(np.column_stack([doc[start], *(ids[start + k] for k in range(n))]).astype(np.int32))[:, 1:]
            if n in self.ngram_df:
                old_rows, old_counts = self.ngram_df[n]
                rows = np.vstack([old_rows, rows])
                weights = np.concatenate([old_counts, np.ones(len(rows) - len(old_rows), np.int64)])
            else:
                weights = np.ones(len(rows), np.int64)
            seen, where = _distinct_rows(rows, inverse=True)
            self.ngram_df[n] = (seen, np.bincount(where, weights=weights).astype(np.int64))
        if self.char_ngrams:
            # the new words' n-grams numbered in one dictionary pass, as the words are (compiled: no list of them)
            if native.SOLVER:
                lengths = _gram_counts(new, *self.char_ngrams)
                numbers = np.empty(int(lengths.sum()), np.int64)
                native.char_gram_numbers(new, *self.char_ngrams, MAX_CHAR_WORD, self.gram_index, self.grams, numbers)
            else:
                grams = [char_ngrams(w, *self.char_ngrams) for w in new]
                numbers, _ = number_tokens(list(chain.from_iterable(grams)), self.gram_index, self.grams)
                lengths = np.fromiter(map(len, grams), np.int64, len(grams))
            self.gram_ptr = np.concatenate([self.gram_ptr, self.gram_ptr[-1] + np.cumsum(lengths)])
            self.gram_numbers = np.concatenate([self.gram_numbers, numbers])
            G = len(self.grams)
            self.char_df = _grow(self.char_df, G) + self._texts_holding(present, self.gram_ptr, self.gram_numbers, G)

    @staticmethod
    def _texts_holding(present, set_ptr: np.ndarray, sets: np.ndarray, n: int) -> np.ndarray:
        """In how many texts each of ``n`` things occurs, where word ``w`` holds ``sets[set_ptr[w]:set_ptr[w + 1]]``
        and ``present`` gives each text's words: compiled, ``(row pointers, words)`` with repeats, each text's things
        marked with a bit each (no texts x things matrix: 0.2 s for the default examples' character n-grams); else
        a scipy matrix of texts by words, one value per distinct word."""
        if native.SOLVER:
            counts = np.zeros(n, np.int64)
            native.union_counts(present[0], present[1], np.asarray(set_ptr, np.int64), np.asarray(sets, np.int64), counts)
            return counts
        import scipy.sparse as sp

        things = sp.csr_matrix((np.ones(len(sets), np.float32), sets, set_ptr), shape=(present.shape[1], n))
        return np.bincount((present @ things).indices, minlength=n)

    def numbered(self) -> tuple[np.ndarray, np.ndarray]:
        """Every text counted, as word numbers (positions in ``words``), one text after another, and where each
        text starts: text d's tokens are ``ids[indptr[d] : indptr[d + 1]]``. Call after :meth:`flush`.

        >>> counter = DocumentFrequencies((1, 2), None)
        >>> for text in ["the border", "", "border towns"]:
        ...     counter.add(text)
        >>> counter.flush()
        >>> ids, indptr = counter.numbered()
        >>> ids.tolist(), indptr.tolist(), counter.words
        ([0, 1, 1, 2], [0, 2, 2, 4], ['the', 'border', 'towns'])
        """
        self.rounds = [np.concatenate(self.rounds) if self.rounds else np.zeros(0, np.int32)]
        return self.rounds[0], np.r_[0, np.cumsum(self.text_lengths, dtype=np.int64)]

    def word_counts(self, min_df: int) -> dict[str, int]:
        """The words and word n-grams in at least ``min_df`` texts, with their counts."""
        words = self.words
        out = _kept(words, self.word_df, min_df) if self.word_ngrams[0] == 1 else {}
        for rows, counts in self.ngram_df.values():
            keep = counts >= min_df
            # an n-gram's words column by column, then joined: half the time of a generator per n-gram
            grams = zip(*(map(words.__getitem__, column) for column in rows[keep].T.tolist()))
            out.update(zip(map(" ".join, grams), counts[keep].tolist()))
        return out

    def char_counts(self, min_df: int) -> dict[str, int]:
        """The character n-grams in at least ``min_df`` texts, with their counts."""
        return _kept(self.grams, self.char_df, min_df)


class NgramIndex:
    """The word n-gram features (n >= 2) as integer keys, so that a batch's n-grams are found in numpy.

    A level-n key is (id of the n-gram's first n-1 words at level n-1) x
    (number of words) + (id of its last word); each level's keys are sorted.
    """

    def __init__(self, vocabulary: dict[str, int], lo: int, hi: int):
        """
        >>> index = NgramIndex({"armed": 0, "armed groups": 1, "armed groups met": 2, "groups": 3}, 2, 3)
        >>> [(keys.tolist(), feature.tolist()) for keys, feature in index.levels]
        [([1], [1]), ([2], [2])]
        """
        terms = [t for t in vocabulary if " " in t]
        flat = " ".join(terms).split(" ") if terms else []  # every n-gram's words in turn: one split, not one a term
        self.word_id = {w: i for i, w in enumerate(sorted(set(flat)))}
        self.lo = max(lo, 2)
        self.levels: list[tuple[np.ndarray, np.ndarray]] = []  # per n = 2, 3, ...: (sorted keys, feature or -1)
        # In numpy, level by level (a Python tuple per prefix took 0.23 s on the default model's word pairs, this
        # 0.06 s): every n-gram's words in one flat array, and for each n-gram the id of its n-word prefix at level n.
        width = len(self.word_id)
        length = np.fromiter(map(str.count, terms, repeat(" ")), np.int64, len(terms)) + 1
        words = np.fromiter(map(self.word_id.__getitem__, flat), np.int64, len(flat))
        start = np.cumsum(length) - length
        column = np.fromiter(map(vocabulary.__getitem__, terms), np.int64, len(terms))
        prefix = words[start]  # the id of each n-gram's first word, its level-1 prefix
        for n in range(2, hi + 1):
            longer = np.flatnonzero(length >= n)
            # a prefix is keyed by its own prefix's id and its last word; np.unique sorts the keys
            keys, at = np.unique(prefix[longer] * width + words[start[longer] + n - 1], return_inverse=True)
            feature = np.full(len(keys), -1, np.int64)
            whole = length[longer] == n  # the n-grams that are this prefix whole: features themselves
            feature[at[whole]] = column[longer[whole]]
            self.levels.append((keys, feature))
            prefix = np.full(len(terms), -1, np.int64)
            prefix[longer] = at

    def find(self, word: np.ndarray, doc: np.ndarray, start: int) -> tuple[np.ndarray, np.ndarray]:
        """The n-gram features in a token sequence: ``(position of the last word, feature)`` per occurrence.

        ``word`` holds each token's id in ``word_id`` (-1 for none), ``doc`` its
        document; only n-grams inside one document that end at ``start`` or
        later count (the tokens before are context).
        """
        ends, feats = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)]
        width, prefix = len(self.word_id), word
        for n, (keys, feature) in enumerate(self.levels, start=2):
            k = len(word) - n + 1
            if k <= 0 or not len(keys):
                break
            last = word[n - 1 :]
            key = prefix[:k] * width + last
            at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
            hit = (prefix[:k] >= 0) & (last >= 0) & (doc[:k] == doc[n - 1 :]) & (keys[at] == key)
            prefix = np.where(hit, at, -1)
            if n >= self.lo:
                i = np.flatnonzero(hit & (feature[at] >= 0))
                i = i[i + n - 1 >= start]
                ends.append(i + n - 1)
                feats.append(feature[at[i]])
        return np.concatenate(ends), np.concatenate(feats)


class WordCounts:
    """A batch's counts, added round by round of numbered tokens: each text's distinct words with their counts, and
    its word-block features (words and word n-grams) with theirs. The last tokens of a round are kept as the next
    round's context, so that an n-gram across two rounds is found once.

    >>> f = TextFeatures(min_df=1, char_ngrams=None).fit(["armed groups"])
    >>> counts = WordCounts(f._ngram_index(), 1, len(f.idf_), longest=2)
    >>> counts.add(np.array([0, 0]), np.array([0, 1]), np.array([0, 1]), 2)  # "armed" ...
    >>> counts.add(np.array([0]), np.array([1]), np.array([1]), 2)  # ... "groups", "groups"
    >>> (doc, col, n), (wd, wi, wn) = counts.result(np.array([0, 2]))
    >>> [f.terms_[j] for j in col], n.tolist(), wi.tolist(), wn.tolist()
    (['armed', 'armed groups', 'groups'], [1.0, 1.0, 2.0], [0, 1], [1, 2])
    """

    def __init__(self, ngrams: NgramIndex, n_docs: int, n_features: int, longest: int):
        import scipy.sparse as sp

        self.ngrams, self.shape, self.longest = ngrams, (n_docs, n_features), longest
        self.block = sp.csr_matrix(self.shape)  # counts of the n-gram features found so far
        self.context = (np.zeros(0, np.int64), np.zeros(0, np.int64))  # (document, word) of the last tokens read
        self.counted: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # (doc, word, count) of each round

    def add(self, doc: np.ndarray, ids: np.ndarray, word: np.ndarray, n_words: int) -> None:
        """One round of tokens: each token's document (in order), word number (below ``n_words``) and id in the
        n-gram index's ``word_id`` (-1: none)."""
        import scipy.sparse as sp

        # each text's distinct words with their counts, in order of first appearance
        _, at, times = np.unique(doc * n_words + ids, return_index=True, return_counts=True)
        order = np.argsort(at, kind="stable")
        self.counted.append((doc[at[order]], ids[at[order]], times[order]))
        word = np.concatenate([self.context[1], word])
        doc = np.concatenate([self.context[0], doc])
        end, feature = self.ngrams.find(word, doc, len(self.context[0]))
        self.block = self.block + sp.csr_matrix((np.ones(len(end)), (doc[end], feature)), shape=self.shape)
        keep = max(0, len(doc) - self.longest + 1)
        self.context = (doc[keep:], word[keep:])

    def result(self, unigram: np.ndarray) -> tuple:
        """The word block's ``(doc, column, count)`` by column within each text, and each text's ``(doc, word, count)``
        with its words in order of first appearance; ``unigram`` is each word number's column (-1: none)."""
        import scipy.sparse as sp

        wd, wi, wn = (np.concatenate(a) for a in zip(*self.counted))
        if len(self.counted) > 1:  # a long text's words were counted in several rounds: add them up
            pair, at, inverse = np.unique(wd * len(unigram) + wi, return_index=True, return_inverse=True)
            order = np.argsort(at, kind="stable")
            wn = np.bincount(inverse, weights=wn, minlength=len(pair)).astype(np.int64)[order]
            wd, wi = wd[at[order]], wi[at[order]]
        feature = unigram[wi] >= 0
        block = self.block + sp.csr_matrix((wn[feature].astype(np.float64), (wd[feature], unigram[wi[feature]])),
                                           shape=self.shape)
        block.sum_duplicates()  # and sorts each row by column
        bd = np.repeat(np.arange(self.shape[0]), np.diff(block.indptr))
        return (bd, block.indices.astype(np.int64), block.data), (wd, wi, wn)


class Numbered:
    """Fitted texts as the counter numbered their tokens: text d's tokens are ``ids[indptr[d] : indptr[d + 1]]``,
    positions in ``words``. Their counts come from these numbers, with no tokenizing and a dictionary look-up per
    distinct word, not per token."""

    def __init__(self, ids: np.ndarray, indptr: np.ndarray, words: list[str], features: "TextFeatures"):
        self.ids, self.indptr, self.words, self.features = ids, indptr, words, features
        ngrams, vocabulary = features._ngram_index(), features.vocabulary_
        # each word's column in the word block and id in the n-gram index (-1: none)
        self.unigram = np.fromiter(map(vocabulary.get, words, repeat(-1)), np.int64, len(words))
        self.ngram_word = np.fromiter(map(ngrams.word_id.get, words, repeat(-1)), np.int64, len(words))

    def count(self, picked: np.ndarray) -> tuple:
        """``TextFeatures._count_many`` of the texts ``picked`` (with all the words, not just theirs, as names).

        >>> f = TextFeatures(min_df=1, char_ngrams=None)
        >>> _, numbered = f._fit(["armed groups", "groups"])
        >>> _, _, (doc, col, n), (wd, wi, wn) = numbered.count(np.array([1]))
        >>> [f.terms_[j] for j in col], [numbered.words[i] for i in wi]
        (['groups'], ['groups'])
        """
        if native.SOLVER:
            return self._compiled_count(np.asarray(picked, np.int64))
        starts = self.indptr[picked]
        doc = np.repeat(np.arange(len(picked)), self.indptr[picked + 1] - starts)
        ids = self.ids[stretches(self.indptr, picked)]
        counts = WordCounts(self.features._ngram_index(), len(picked), len(self.features.idf_), self.features.word_ngrams[1])
        counts.add(doc, ids, self.ngram_word[ids], len(self.words))
        return self.words, self.unigram, *counts.result(self.unigram)


    def _compiled_count(self, picked: np.ndarray) -> tuple:
        """:meth:`count` in one compiled pass over the texts (``native.count_rows``): the same counts, in the same order."""
        ngrams = self.features._ngram_index()
        levels = getattr(self, "_levels", None)
        if levels is None:  # the n-gram index's levels end to end
            keys = [k for k, _ in ngrams.levels]
            levels = self._levels = (np.r_[0, np.cumsum([len(k) for k in keys], dtype=np.int64)].astype(np.int64),
                                     np.concatenate(keys + [np.zeros(0, np.int64)]).astype(np.int64),
                                     np.concatenate([f for _, f in ngrams.levels] + [np.zeros(0, np.int64)]).astype(np.int64))
        tokens = int((self.indptr[picked + 1] - self.indptr[picked]).sum())
        words = [np.empty(tokens, np.int64) for _ in range(3)]
        size = tokens * len(levels[0])  # a column for each token at each n at most
        block = [np.empty(size, np.int64), np.empty(size, np.int64), np.empty(size, np.float64)]
        n_words, n_block = native.count_rows(self.ids, self.indptr, picked, self.unigram, self.ngram_word, *levels,
                                             len(ngrams.word_id), self.features.n_word_features_, ngrams.lo, *words, *block)
        return self.words, self.unigram, tuple(a[:n_block] for a in block), tuple(a[:n_words] for a in words)


def _parts(indptr: np.ndarray, size: int) -> list[np.ndarray]:
    """Consecutive texts in parts of about ``size`` tokens: the texts whose first token falls in the same ``size``
    tokens go together (a text of more tokens ends its part), given where each text's tokens start.

    >>> [p.tolist() for p in _parts(np.array([0, 0, 3, 4, 9, 10]), 4)]
    [[0, 1, 2], [3], [4]]
    """
    key = indptr[:-1] // size
    return np.split(np.arange(len(key)), np.flatnonzero(key[1:] != key[:-1]) + 1) if len(key) else []


def _stack(parts: list, n_cols: int):
    """The rows of float32 CSR ``parts``, one after another, as one matrix; each part is freed as it is copied, so that
    memory peaks at about the matrix plus one part."""
    import scipy.sparse as sp

    nnz = sum(p.nnz for p in parts)
    # np.empty commits no memory until written
    data, indices = np.empty(nnz, np.float32), np.empty(nnz, np.int32)
    indptr = [np.zeros(1, np.int64)]
    at = n_rows = 0
    parts.reverse()
    while parts:
        p = parts.pop()
        data[at : at + p.nnz], indices[at : at + p.nnz] = p.data, p.indices
        indptr.append(p.indptr[1:] + at)
        at += p.nnz
        n_rows += p.shape[0]
        del p
    return sp.csr_matrix((data, indices, np.concatenate(indptr)), shape=(n_rows, n_cols))


_FIRST = np.zeros(1, dtype=np.intp)


def row_sums(doc: np.ndarray, values: np.ndarray, n_docs: int) -> np.ndarray:
    """Sum the rows of ``values`` that belong to each document; ``doc`` is sorted.

    Each document's rows are added in their order, so a text's sum does not
    depend on which other texts share its batch.

    >>> row_sums(np.array([0, 0, 2]), np.array([[1.0], [2.0], [5.0]]), 3).ravel().tolist()
    [3.0, 0.0, 5.0]
    """
    if n_docs == 1 and len(doc):  # the latency of one text: one segment, no grouping
        return np.add.reduceat(values, _FIRST, axis=0)
    out = np.zeros((n_docs, values.shape[1]))
    if len(doc):
        starts = np.flatnonzero(np.concatenate(([True], doc[1:] != doc[:-1])))
        out[doc[starts]] = np.add.reduceat(values, starts, axis=0)
    return out


@dataclass(frozen=True)
class Weighted:
    """One feature block of a batch of texts: ``(doc, column, value)`` entries, sorted by document."""

    n_docs: int
    doc: np.ndarray
    col: np.ndarray
    val: np.ndarray

    def matrix(self, n_cols: int):
        """The entries as a ``scipy.sparse.csr_matrix`` of ``n_cols`` columns."""
        import scipy.sparse as sp  # only training and explanations need matrices: scipy costs a classifying process memory

        indptr, col, val = self.rows
        return sp.csr_matrix((val, col, indptr), shape=(self.n_docs, n_cols))

    @functools.cached_property
    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries as CSR arrays: row pointers, columns (int64) and values (float64). Worked out once: the
        subword vectors of ``fit_rows`` serve every batch.

        >>> [x.tolist() for x in Weighted(3, np.array([0, 2]), np.array([4, 1]), np.array([0.5, 1.0])).rows]
        [[0, 1, 1, 2], [4, 1], [0.5, 1.0]]
        """
        indptr = np.r_[0, np.cumsum(np.bincount(self.doc, minlength=self.n_docs))].astype(np.int64)
        return indptr, np.asarray(self.col, np.int64), np.asarray(self.val, np.float64)

    def dot(self, rows: np.ndarray) -> np.ndarray:
        """``matrix() @ rows`` for a dense ``rows``, without building the sparse matrix."""
        return row_sums(self.doc, self.val[:, None] * rows[self.col], self.n_docs)


@dataclass(frozen=True)
class Analysis:
    """A batch of texts, weighed: the word block and each text's distinct words with their weights."""

    words: list[str]  # the distinct words of the batch; ``subwords.col`` indexes this list
    unigram: np.ndarray  # each word's word-block column, -1 for a word that is no feature
    word_block: Weighted  # columns: word features
    subwords: Weighted  # columns: ``words``


def _unit(val: np.ndarray, doc: np.ndarray, n_docs: int, offset: float = 0.0) -> np.ndarray:
    """``val`` divided by each document's sqrt(sum of squares + ``offset``): unit L2 norm with ``offset`` 0."""
    return val / np.sqrt(np.bincount(doc, weights=val * val, minlength=n_docs) + offset)[doc]


def _sublinear(counts: np.ndarray, idf: np.ndarray, doc: np.ndarray, n_docs: int, offset: float) -> np.ndarray:
    """Sublinear TF-IDF values, each document's divided by sqrt(the sum of their squares + ``offset``).

    With ``offset`` 0 that is the unit L2 norm. A positive offset leaves a long text's values
    almost at unit norm and shrinks a short text's toward 0, so that a few words cannot carry it
    to a confident score on their own: the model's scores for it stay nearer its prior.
    """
    return _unit((1.0 + np.log(counts)) * idf, doc, n_docs, offset)


class TextFeatures(Estimator):
    """Sublinear TF-IDF over word n-grams, and each word's character n-grams.

    ``transform`` stacks the two blocks, words first; the subword block of a text
    is the weighted sum of its words' unit vectors over character n-grams.

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
        norm_offset: float = 0.0,
    ):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.norm_offset = norm_offset

    # -- fitting -------------------------------------------------------------
    def _ngrams(self, tokens: Sequence[str], start: int = 0) -> Iterator[str]:
        """The word n-grams (n >= 2) that end among ``tokens[start:]``, each joined by spaces."""
        lo, hi = self.word_ngrams
        return chain.from_iterable(
            map(" ".join, zip(*(islice(tokens, max(0, start - n + 1) + k, None) for k in range(n))))
            for n in range(max(lo, 2), hi + 1))

    def fit(self, texts: Iterable[str], y=None) -> "TextFeatures":
        self._fit(list(texts))
        return self

    def _fit(self, texts: list[str]) -> tuple[DocumentFrequencies, Numbered]:
        """Fit on ``texts``; the counter (with each word's character n-grams) and the texts' numbered tokens, which
        ``fit_transform`` builds the matrix from."""
        counter = DocumentFrequencies(self.word_ngrams, self.char_ngrams)
        for text in texts:
            counter.add(text)
        counter.flush()
        word_df = counter.word_counts(self.min_df)
        char_df = counter.char_counts(self.min_df) if self.char_ngrams else {}
        word_terms = self._select(word_df)
        char_terms = self._select(char_df)
        df = np.array([word_df[t] for t in word_terms] + [char_df[t] for t in char_terms], dtype=np.float64)
        self._set_vocabulary(word_terms, char_terms, np.log((1.0 + len(texts)) / (1.0 + df)) + 1.0)
        numbered = Numbered(*counter.numbered(), counter.words, self)
        self.norm_offset_ = self._offset(numbered, np.arange(0, len(texts), max(1, len(texts) // _NORM_SAMPLE)))
        return counter, numbered

    def _offset(self, numbered: Numbered, sample: np.ndarray) -> float:
        """``norm_offset`` times the median squared norm of the word block over the texts ``sample``, before normalising.

        Relative to the training texts, so that the offset shrinks what is short for this corpus:
        a corpus of headlines is not flattened, and a longer text keeps nearly unit norm.
        """
        if not self.norm_offset or not len(sample):
            return 0.0
        _, _, (doc, col, n), _ = numbered.count(sample)
        val = (1.0 + np.log(n)) * self.idf_[col]
        return float(self.norm_offset * np.median(np.bincount(doc, weights=val * val, minlength=len(sample))))

    def _select(self, df: dict[str, int]) -> list[str]:
        """The terms in at least ``min_df`` texts (the ``max_features`` most frequent), most frequent first, ties
        by term. Columns are numbered in this order, so the weights of the commonest terms, which nearly every
        row holds, share cache lines: the solver gathers a weight for every value it reads (on the default
        model's features, 16% less solver CPU than columns in the terms' alphabetical order).

        >>> TextFeatures(min_df=2)._select({"b": 3, "a": 3, "c": 5, "d": 1})
        ['c', 'a', 'b']
        """
        # the terms of each count sorted apart, counts highest first: most terms share a few low counts, and sorting
        # strings within them is the work (the default model's 164,202 words 0.14-0.17 -> 0.06-0.09 s against all the
        # terms sorted, then a stable sort by count; that was twice as fast as one sort on a (-count, term) key)
        groups: dict[int, list[str]] = {}
        for t, c in df.items():
            if c >= self.min_df:
                groups.setdefault(c, []).append(t)
        kept = []
        for c in sorted(groups, reverse=True):
            kept += sorted(groups[c])
        return kept if self.max_features is None else kept[: self.max_features]

    def _set_vocabulary(self, word_terms: list[str], char_terms: list[str], idf: np.ndarray) -> None:
        self.n_word_features_ = len(word_terms)
        self.terms_ = word_terms + char_terms
        self._vocabulary_ = self._char_vocabulary_ = None  # built on first use (the compiled scorer needs neither)
        self.idf_ = np.asarray(idf, dtype=np.float64)
        # A word that is no feature weighs in the subword block as the rarest word feature does.
        self.unknown_idf_ = float(self.idf_[: self.n_word_features_].max(initial=1.0))

    @classmethod
    def from_arrays(cls, params: dict, word_terms: list[str], char_terms: list[str], idf: np.ndarray,
                    norm_offset: float) -> "TextFeatures":
        """Rebuild a fitted extractor from its parameters, vocabulary, idf weights and learned offset (no pickle)."""
        f = cls(**params)
        f._set_vocabulary(word_terms, char_terms, idf)
        f.norm_offset_ = norm_offset
        return f

    def __getstate__(self) -> dict:
        lazy = ("_ngram_index_", "_vocabulary_", "_char_vocabulary_")  # rebuilt on first use
        return {k: (None if k in lazy[1:] else v) for k, v in self.__dict__.items() if k != lazy[0]}

    @property
    def vocabulary_(self) -> dict[str, int]:
        """Word term -> column. Built on first use, so loading a model stays quick (1,088,041 terms: 0.38 s);
        two threads may both build it."""
        vocabulary = self.__dict__.get("_vocabulary_")
        if vocabulary is None:
            vocabulary = self._vocabulary_ = {t: i for i, t in enumerate(self.terms_[: self.n_word_features_])}
        return vocabulary

    @property
    def char_vocabulary_(self) -> dict[str, int]:
        """Character n-gram term -> column (after the word columns), built on first use like :attr:`vocabulary_`."""
        vocabulary = self.__dict__.get("_char_vocabulary_")
        if vocabulary is None:
            n = self.n_word_features_
            vocabulary = self._char_vocabulary_ = {t: i for i, t in enumerate(self.terms_[n:], n)}
        return vocabulary

    # -- analysing -----------------------------------------------------------
    def _ngram_index(self) -> NgramIndex:
        index = getattr(self, "_ngram_index_", None)
        if index is None:  # built on first use, so loading a model stays quick; two threads may both build it
            index = self._ngram_index_ = NgramIndex(self.vocabulary_, *self.word_ngrams)
        return index

    def analyse(self, texts: Sequence[str]) -> Analysis:
        """Count and weigh the words and word n-grams of a batch of texts.

        >>> f = TextFeatures(min_df=1, char_ngrams=None).fit(["armed groups"])
        >>> a = f.analyse(["armed armed groups"])
        >>> a.words, [f.terms_[j] for j in a.word_block.col]
        (['armed', 'groups'], ['armed', 'armed groups', 'groups'])
        """
        one = len(texts) == 1 and len(texts[0]) <= PIECE
        return self._weigh(len(texts), *(self._count_one(texts[0]) if one else self._count_many(texts)))

    def _weigh(self, n_docs: int, names: list[str], unigram: np.ndarray, block: tuple, counts: tuple) -> Analysis:
        """The :class:`Analysis` of ``n_docs`` texts from their counts (see ``_count_many``)."""
        (bd, bc, bn), (wd, wi, wn) = block, counts
        word_block = Weighted(n_docs, bd, bc, _sublinear(bn, self.idf_[bc], bd, n_docs, self.norm_offset_))
        if self.char_ngrams:
            idf = np.full(len(names), self.unknown_idf_)
            idf[unigram >= 0] = self.idf_[unigram[unigram >= 0]]
            subwords = Weighted(n_docs, wd, wi, _sublinear(wn, idf[wi], wd, n_docs, self.norm_offset_))
        else:
            subwords = Weighted(n_docs, wd[:0], wi[:0], np.zeros(0))
        return Analysis(names, unigram, word_block, subwords)

    def _count_one(self, text: str) -> tuple:
        """``_count_many`` for one text of one piece, in a few dictionary passes: the latency of ``classify``."""
        tokens = tokenize(text)
        words = Counter(tokens)
        terms = Counter(map(self.vocabulary_.get, self._ngrams(tokens)))
        terms.pop(None, None)  # the n-grams that are no feature
        known = self.vocabulary_.get
        names = list(words)
        n = len(names)
        unigram = np.array([known(w, -1) for w in names], dtype=np.int64)
        counts = np.fromiter(words.values(), np.int64, n)
        feature = unigram >= 0
        col = np.concatenate([unigram[feature], np.fromiter(terms, np.int64, len(terms))])
        block = np.concatenate([counts[feature], np.fromiter(terms.values(), np.int64, len(terms))])
        order = np.argsort(col)
        return names, unigram, (np.zeros(len(col), np.int64), col[order], block[order]), (np.zeros(n, np.int64), np.arange(n), counts)

    def _count_many(self, texts: Sequence[str]) -> tuple:
        """The batch's distinct words, their word-block columns (-1: none), the word block's
        ``(doc, column, count)`` by column within each text, and each text's ``(doc, word, count)``
        with its words in order of first appearance.

        Every ``_FLUSH`` tokens, the tokens read so far are numbered in one
        dictionary pass and the rest is numpy: each text's word counts, and the
        batch's n-grams (see :class:`NgramIndex`).
        """
        ngrams = self._ngram_index()
        index: dict[str, int] = {}  # the batch's distinct words, numbered as they first appear
        names: list[str] = []
        ngram_word = [np.zeros(0, np.int64)]  # each word's id in ``ngrams.word_id``, -1 for none
        tokens: list[str] = []
        runs: list[tuple[int, int]] = []  # (document, number of tokens) of each text or piece in ``tokens``
        counts = WordCounts(ngrams, len(texts), len(self.idf_), self.word_ngrams[1])

        def flush() -> None:
            ids, new = number_tokens(tokens, index, names)
            ngram_word.append(np.fromiter(map(ngrams.word_id.get, new, repeat(-1)), np.int64, len(new)))
            doc = np.repeat(*np.array(runs, dtype=np.int64).reshape(-1, 2).T)
            counts.add(doc, ids, np.concatenate(ngram_word)[ids], len(names))
            tokens.clear()
            runs.clear()

        for d, text in enumerate(texts):
            for piece in pieces(text, PIECE) if len(text) > PIECE else (text,):
                got = tokenize(piece)
                tokens += got
                runs.append((d, len(got)))
                if len(tokens) >= _FLUSH:
                    flush()
        flush()
        unigram = np.fromiter(map(self.vocabulary_.get, names, repeat(-1)), np.int64, len(names))
        return names, unigram, *counts.result(unigram)

    def subword_vectors(self, words: Sequence[str]) -> Weighted:
        """Each word's unit vector over the character n-gram features (one row per word, full feature space).

        A word without a known character n-gram gets a row of zeros.

        >>> f = TextFeatures(min_df=1).fit(["armed groups"])
        >>> v = f.subword_vectors(["armed", "qqq"]).matrix(len(f.idf_))
        >>> np.diff(v.indptr).tolist(), round(float(v[0].multiply(v[0]).sum()), 6)
        ([12, 0], 1.0)
        """
        grams = [char_ngrams(w, *self.char_ngrams) for w in words] if self.char_ngrams else [[] for _ in words]
        lengths = np.fromiter(map(len, grams), np.int64, len(words))
        col = np.fromiter(map(self.char_vocabulary_.get, chain.from_iterable(grams), repeat(-1)), np.int64, int(lengths.sum()))
        return self._unit_vectors(lengths, col)

    def _unit_vectors(self, lengths: np.ndarray, col: np.ndarray) -> Weighted:
        """Each word's unit vector over its character n-grams' columns: word i's are the next ``lengths[i]`` of
        ``col`` (-1: no feature), repeats included."""
        known = col >= 0  # n-grams that are no feature drop out
        # each (word, column) once with its count: sorted by word, then column
        key = np.sort(np.repeat(np.arange(len(lengths)), lengths)[known] * len(self.idf_) + col[known])
        first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if len(key) else np.zeros(0, np.int64)
        counts = np.diff(np.r_[first, len(key)]).astype(np.float64)
        row, col = np.divmod(key[first], len(self.idf_))
        return Weighted(len(lengths), row, col, _unit(counts * self.idf_[col], row, len(lengths)))

    def transform(self, texts: Iterable[str]):
        """The feature matrix of ``texts``: a float32 ``scipy.sparse.csr_matrix``, word block then subword block.

        Texts are weighed ``_CHUNK`` characters at a time, so the intermediate arrays stay small beside
        the matrix itself, and the pieces are moved into the matrix one by one: memory peaks at about
        the matrix plus one piece, whatever the number of texts.
        """
        texts = list(texts)

        def batches() -> Iterator[tuple[Analysis, Weighted | None]]:
            start, size = 0, 0
            for end, text in enumerate(texts, 1):
                size += len(text)
                if size >= _CHUNK or end == len(texts):
                    a = self.analyse(texts[start:end])
                    yield a, self.subword_vectors(a.words) if self.char_ngrams else None
                    start, size = end, 0
        return self._stacked(batches()).tocsr()

    def _stacked(self, batches: Iterable[tuple[Analysis, Weighted | None]]) -> CSR:
        """The float32 matrix of analysed batches, one after another; each batch comes with the subword vector of
        each word of its ``words`` (a row per word; None without character n-grams)."""
        if native.SOLVER:
            return self._compiled_stack(batches)
        return CSR.of(_stack([self._matrix(a, vectors) for a, vectors in batches], len(self.idf_)))

    def _matrix(self, a: Analysis, vectors: Weighted | None):
        """The float32 CSR matrix of one analysed batch (see :meth:`_stacked`)."""
        X = a.word_block.matrix(len(self.idf_))
        if self.char_ngrams:
            # The product's rows come out of scipy unsorted. Transposing twice sorts them in linear time, and the sum of
            # two sorted matrices is a merge and comes out sorted: about half the time of adding the unsorted product
            # and sorting the sum (the same values: the word and subword columns do not overlap, so nothing adds up).
            X = X + (a.subwords.matrix(len(a.words)) @ vectors.matrix(len(self.idf_))).tocsc().tocsr()
        return X.astype(np.float32)  # single precision: the matrix is training's largest array

    def _compiled_stack(self, batches: Iterable[tuple[Analysis, Weighted | None]]) -> CSR:
        """:meth:`_stacked` in one compiled pass a batch (``native.feature_rows``), the same bits: no product,
        transposition or sum of matrices in double precision, and each batch written straight into the matrix
        (on the default model's features 0.45 of 1.5 s)."""
        data, indices, indptr, at = np.empty(0, np.float32), np.empty(0, np.int32), [np.zeros(1, np.int64)], 0
        no_vectors = (np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0))
        for a, vectors in batches:
            words, subwords = a.word_block.rows, a.subwords.rows
            vec = vectors.rows if vectors is not None else no_vectors
            # at most every word-block value and every value of each word's vector (within 10%: words share n-grams)
            bound = at + len(words[1]) + int(np.diff(vec[0])[subwords[1]].sum())
            if bound > len(data):  # realloc: the pages move, their contents are not copied
                data.resize(bound, refcheck=False)
                indices.resize(bound, refcheck=False)
            ptr = np.empty(a.word_block.n_docs + 1, np.int64)
            n = native.feature_rows(*words, *subwords, *vec, self.n_word_features_, len(self.idf_), data[at:], indices[at:], ptr)
            indptr.append(ptr[1:] + at)
            at += n
        data.resize(at, refcheck=False)
        indices.resize(at, refcheck=False)
        indptr = np.concatenate(indptr)
        return CSR(data, indices, indptr, (len(indptr) - 1, len(self.idf_)))

    def fit_transform(self, texts: Iterable[str], y=None):
        """``fit(texts).transform(texts)``, from what fitting counted: each text is tokenized once, and each distinct
        word's character n-grams are made once (``transform`` would make them again, per batch of texts).

        >>> texts = ["armed groups crossed", "the armed groups", "groups crossed"]
        >>> f = TextFeatures(min_df=1, norm_offset=0.35)
        >>> X = f.fit_transform(texts)
        >>> (X != f.transform(texts)).nnz, X.shape == (3, len(f.idf_))
        (0, True)
        """
        return self.fit_rows(texts).tocsr()

    def fit_rows(self, texts: Iterable[str]) -> CSR:
        """:meth:`fit_transform`'s matrix as training takes it (its arrays, without scipy where the compiled helpers
        build it)."""
        counter, numbered = self._fit(list(texts))
        vectors = None
        if self.char_ngrams:
            gram_column = np.fromiter(map(self.char_vocabulary_.get, counter.grams, repeat(-1)), np.int64, len(counter.grams))
            vectors = self._unit_vectors(np.diff(counter.gram_ptr), gram_column[counter.gram_numbers])
        del counter
        # a part at a time (about as many tokens as a counting round), so that the arrays that build it stay small
        return self._stacked((self._weigh(len(p), *numbered.count(p)), vectors) for p in _parts(numbered.indptr, _FLUSH))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        return np.asarray(self.terms_, dtype=object)
