"""TopicModel: features, calibrated linear weights and per-topic thresholds, with the
classify / explain / evaluate surface built on them."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

from .documents import DocumentResult, Paragraph, TopicScore, aggregate, split_paragraphs
from .errors import InputError, TaxonomyError, TopicslibError, TrainingError
from .estimator import Estimator
from .evaluation import Evaluation, score
from .examples import (Example, _topics_of, check_trainable, examples_digest, indicator, labels_taxonomy, read_examples,
                       topic_counts)
from . import scoring
from .features import _MAX_CHAR_WORD, _PIECE, Analysis, TextFeatures
from .taxonomy import Taxonomy, Topic

log = logging.getLogger("topicslib")
# Many texts are featurized this many characters at a time, so memory stays bounded however many there are.
_BATCH_CHARS = 250_000
# How many words outside the vocabulary keep their subword scores cached; then the cache starts afresh.
_CACHE_LIMIT = 200_000
# The values of TopicModel(loss=...): hinge loss (LinearSVC) or logistic regression.
LOSSES = ("svm", "logistic")


class TermContribution(NamedTuple):
    """A term of the text and how much it moved a topic's log-odds (tf-idf value x coefficient)."""

    term: str
    contribution: float


@dataclass(frozen=True)
class Explanation:
    """Why a topic got its score: the intercept plus each term's contribution give the log-odds.

    ``terms`` holds the ``top_n`` largest contributions by size, positive ones
    raised the score, negative ones lowered it.
    """

    topic: str
    score: float
    threshold: float
    intercept: float
    terms: list[TermContribution]


# A weight this small moves a topic's log-odds by less than this much per feature (every feature value
# is at most 1: each block has unit norm), so it is dropped; a third of the default model's are.
_NEGLIGIBLE = 1e-3


def _stored_precision(coef: np.ndarray) -> np.ndarray:
    """The weights as the model file keeps them: negligible ones zero, half precision where they fit.

    Both shrink the file (a zero compresses to almost nothing; half precision
    halves the rest). Rounding here, at training time, makes a trained model
    and its saved copy score alike. Weights stay well inside float16's range
    in practice (the default model's largest is about 57); larger ones keep
    single precision.
    """
    coef = np.where(np.abs(coef) < _NEGLIGIBLE, 0.0, coef)
    if np.abs(coef).max(initial=0.0) < np.finfo(np.float16).max / 2:
        coef = coef.astype(np.float16)
    return coef.astype(np.float32)


def _check_text(text: object) -> str:
    if isinstance(text, str):
        return text
    if isinstance(text, (bytes, bytearray)):
        raise InputError(f"text must be str, got {type(text).__name__}; decode it first, e.g. data.decode('utf-8')")
    raise InputError(f"text must be str, got {type(text).__name__}")


def _check_texts(texts: object) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise InputError("classify_many takes a list of texts, got a single text; use classify(text)")
    if not isinstance(texts, Iterable):
        raise InputError(f"texts must be an iterable of str, got {type(texts).__name__}")
    return [_check_text(t) for t in texts]


def _batches(texts: list[str]) -> Iterator[slice]:
    """Consecutive slices of ``texts`` of about ``_BATCH_CHARS`` characters (at least one slice)."""
    start = size = 0
    for i, t in enumerate(texts):
        size += len(t)
        if size >= _BATCH_CHARS:
            yield slice(start, i + 1)
            start, size = i + 1, 0
    if start < len(texts) or not texts:
        yield slice(start, len(texts))


class TopicModel(Estimator):
    """A multi-label topic classifier: TF-IDF features and calibrated one-vs-rest linear models.

    Parameters are the training options; learned attributes end in ``_``.

    >>> model = TopicModel(min_df=1, folds=2).fit(
    ...     ["tariffs and exports", "exports grew", "asylum seekers", "migrants crossed"],
    ...     [["trade"], ["trade"], ["migration"], ["migration"]])
    >>> model.classes_.tolist()
    ['migration', 'trade']
    """

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = (3, 5),
        min_df: int = 2,
        max_features: int | None = None,
        loss: str = "svm",
        C: float = 0.25,
        class_weight: str | None = None,
        nb_weighting: bool = True,
        folds: int = 5,
        seed: int = 0,
        min_examples: int = 2,
        n_jobs: int | None = None,
    ):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.loss = loss
        self.C = C
        self.class_weight = class_weight
        self.nb_weighting = nb_weighting
        self.folds = folds
        self.seed = seed
        self.min_examples = min_examples
        self.n_jobs = n_jobs

    # -- training ------------------------------------------------------------
    @classmethod
    def from_options(cls, **options) -> "TopicModel":
        """A model with these training options; an unknown option is a :class:`TrainingError`."""
        try:
            return cls(**options)
        except TypeError as e:
            raise TrainingError(f"unknown training option: {e}") from None

    def _check_params(self) -> None:
        if self.loss not in LOSSES:
            raise TrainingError(f"loss must be one of {', '.join(LOSSES)}, got {self.loss!r}")
        if not (isinstance(self.C, (int, float)) and self.C > 0):
            raise TrainingError(f"C must be a positive number, got {self.C!r}")
        if not (isinstance(self.folds, int) and self.folds >= 2):
            raise TrainingError(f"folds must be an integer >= 2, got {self.folds!r}")
        if self.class_weight not in (None, "balanced"):
            raise TrainingError(f"class_weight must be None or 'balanced', got {self.class_weight!r}")
        for name in ("word_ngrams", "char_ngrams"):
            v = getattr(self, name)
            if v is None and name == "char_ngrams":
                continue
            if not (isinstance(v, (tuple, list)) and len(v) == 2 and all(isinstance(x, int) for x in v) and 1 <= v[0] <= v[1]):
                raise TrainingError(f"{name} must be a pair (low, high) with 1 <= low <= high, got {v!r}")

    def fit(self, texts: Sequence[str], topics: Sequence[Sequence[str]], *, taxonomy: Taxonomy | None = None) -> "TopicModel":
        """Learn from paragraphs and their topic lists; the taxonomy defaults to the labels found."""
        examples = [Example(_check_text(t), _topics_of(ts, path=None, line=n))
                    for n, (t, ts) in enumerate(zip(texts, topics, strict=True), 1)]
        return self._fit_examples(examples, taxonomy)

    def _fit_examples(self, examples: list[Example], taxonomy: Taxonomy | None) -> "TopicModel":
        self._check_params()
        started = time.perf_counter()
        if taxonomy is None:
            taxonomy = labels_taxonomy(examples)
        check_trainable(examples, taxonomy, self.min_examples)
        ids = taxonomy.ids
        Y = indicator(examples, ids).astype(np.int8)
        texts = [e.text for e in examples]
        features = TextFeatures(self.word_ngrams, self.char_ngrams, self.min_df, self.max_features)
        X = features.fit_transform(texts)
        multi_label = bool((Y.sum(1) != 1).any())
        # Imported here: the solvers and joblib cost a process that only classifies memory and start-up time.
        from .training import fit_linear

        fit = fit_linear(
            X, Y, loss=self.loss, C=self.C, class_weight=self.class_weight, folds=self.folds,
            seed=self.seed, multi_label=multi_label, nb_weighting=self.nb_weighting, n_jobs=self.n_jobs,
        )
        self.taxonomy_ = taxonomy
        self.classes_ = np.array(ids)
        self.features_ = features
        self.coef_ = _stored_precision(fit.coef)
        self.intercept_ = fit.intercept
        self.thresholds_ = fit.thresholds
        self.multi_label_ = multi_label
        self._reset_cache()
        cv = score(Y, self._decide(fit.oof_proba), ids, fit.thresholds)
        counts = topic_counts(examples)
        self.card_ = {
            "n_examples": len(examples),
            "n_without_topic": sum(1 for e in examples if not e.topics),
            "examples_sha256": examples_digest(examples),
            "taxonomy_sha256": taxonomy.sha256(),
            "topic_counts": {t: counts.get(t, 0) for t in ids},
            "n_features": int(X.shape[1]),
            "multi_label": multi_label,
            "cross_validation": {"folds": self.folds, "note": "thresholds were chosen on these folds, so the scores are optimistic", **cv.to_dict()},
        }
        log.info("trained on %d examples, %d features, in %.1f s", len(examples), X.shape[1], time.perf_counter() - started)
        return self

    # -- prediction ----------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise TopicslibError("this TopicModel is not trained yet; call fit() or topicslib.train()")

    def _proba(self, logits: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # exp(-z) overflows to inf for z < -709: the probability is then 0
            p = 1.0 / (1.0 + np.exp(-logits))  # the compiled scorer's formula
        if not self.multi_label_:
            p = p / p.sum(axis=-1, keepdims=True)
        return p

    def _decide(self, proba: np.ndarray) -> np.ndarray:
        """0/1 topic indicators of a matrix of probabilities: the rule of ``_chosen``, in numpy."""
        if self.multi_label_:
            return ((proba >= self.thresholds_) & (proba > 0)).astype(np.int8)
        out = np.zeros_like(proba, dtype=np.int8)
        rows = np.flatnonzero(proba.max(1) > 0)
        out[rows, proba[rows].argmax(1)] = 1
        return out

    # Pickling (Dask ships models to its workers so) leaves the per-word caches and the compiled
    # scorer behind: they are rebuilt, and a busy model's caches could be far larger than the model.
    _CACHES = ("_word_scores", "_word_scored", "_unknown_words", "_native")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._CACHES}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if hasattr(self, "coef_"):
            self._reset_cache()

    def _reset_cache(self) -> None:
        """Forget the per-word subword scores (after fitting or loading new weights)."""
        n, k = self.features_.n_word_features_, len(self.intercept_)
        # Row j: word feature j's subword share of each topic's log-odds, then 1 if it has a known char n-gram.
        self._word_scores = np.zeros((n, k + 1))
        self._word_scored = np.zeros(n, dtype=bool)  # set only after its row is written: safe under threads
        self._unknown_words: dict[str, np.ndarray] = {}  # the same rows for words that are no feature
        # The compiled scorer (None without the extension): it reads these very weights, so it is
        # rebuilt here, whenever they change.
        self._native = scoring.build(self.features_, np.ascontiguousarray(self.coef_, dtype=np.float32),
                                     np.ascontiguousarray(self.intercept_, dtype=np.float64), self.multi_label_,
                                     cache_limit=_CACHE_LIMIT, max_char_word=_MAX_CHAR_WORD, piece=_PIECE)

    def _score_words(self, words: list[str]) -> np.ndarray:
        """Rows of ``_word_scores`` for these words: subword vector times weights, and 1 if not all zero."""
        v = self.features_.subword_vectors(words)
        return np.column_stack([v.dot(self.coef_), np.bincount(v.doc, minlength=len(words)) > 0])

    def _subword_scores(self, a: Analysis) -> np.ndarray:
        """Each word of ``a``: its subword share of every topic's log-odds, then 1 if it has a known char n-gram.

        Worked out the first time a word is seen and kept: words that are
        features in a table, others in a bounded cache.
        """
        feature = a.unigram >= 0
        rows = a.unigram[feature]
        new = np.unique(rows[~self._word_scored[rows]])
        others = np.flatnonzero(~feature)
        words = [a.words[i] for i in others]
        cache = self._unknown_words
        got = list(map(cache.get, words))
        missing = [k for k, g in enumerate(got) if g is None]
        if len(new) or missing:  # all first-seen words in one go: numpy's fixed costs are paid once
            fresh = self._score_words([self.features_.terms_[j] for j in new] + [words[k] for k in missing])
            self._word_scores[new] = fresh[: len(new)]
            self._word_scored[new] = True
            if len(cache) + len(missing) > _CACHE_LIMIT:
                cache.clear()
            for k, row in zip(missing, fresh[len(new) :]):
                got[k] = row
                # a longer word (URL, hash, junk) would only pin memory
                if len(words[k]) <= _MAX_CHAR_WORD and len(cache) < _CACHE_LIMIT:
                    cache[words[k]] = row
        scores = np.empty((len(a.words), len(self.intercept_) + 1))
        scores[feature] = self._word_scores[rows]
        if got:
            scores[others] = got
        return scores

    def _analyse(self, texts: Sequence[str]) -> tuple[Analysis, np.ndarray, np.ndarray, np.ndarray]:
        """Analysis of a batch of texts, its words' subword scores, the log-odds and whether each text has a known term."""
        a = self.features_.analyse(texts)
        logits = a.word_block.dot(self.coef_)
        known = np.bincount(a.word_block.doc, minlength=len(texts)) > 0
        scores = np.zeros((len(a.words), len(self.intercept_) + 1))
        if self.features_.char_ngrams:
            scores = self._subword_scores(a)
            sub = a.subwords.dot(scores)
            logits += sub[:, :-1]
            known |= sub[:, -1] > 0
        return a, scores, logits + self.intercept_, known

    def _predict(self, texts: Iterable[str], proba: bool) -> np.ndarray:
        """Log-odds, or probabilities (0 everywhere for a text without a known term), shape (n_texts, n_topics)."""
        self._check_fitted()
        native = self._native
        if native is not None and type(texts) is list:  # the lean path: the scorer checks each text itself
            out = np.empty((len(texts), len(self.intercept_)))
            try:
                native.score(texts, out, proba)
            except TypeError:
                _check_texts(texts)  # names the text that is no str, in the library's own error
                raise
            return out
        texts = _check_texts(texts)
        if native is not None:
            return self._predict(texts, proba)
        out = np.empty((len(texts), len(self.intercept_)))
        known = np.empty(len(texts), dtype=bool)
        for batch in _batches(texts):
            _, _, out[batch], known[batch] = self._analyse(texts[batch])
        if proba:
            out = self._proba(out)
            out[~known] = 0.0
        return out

    def decision_function(self, texts: Iterable[str]) -> np.ndarray:
        """Calibrated log-odds, shape (n_texts, n_topics)."""
        return self._predict(texts, proba=False)

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Topic probabilities, shape (n_texts, n_topics), columns in ``classes_`` order.

        A text without a single known term (empty, or all unseen words) has no
        evidence for any topic and scores 0 everywhere.
        """
        return self._predict(texts, proba=True)

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        """0/1 topic indicators, shape (n_texts, n_topics), using each topic's threshold."""
        return self._decide(self.predict_proba(texts))

    def _chosen(self, row: list[float], thresholds: list[float]) -> list[tuple[float, int]]:
        """The topics one text's probabilities decide for, as ``(-probability, column)``, highest first, ties
        in topic order. Multi-label: each topic at or over its threshold; single-label: the most probable.
        A probability of 0 (no evidence) is never chosen. In plain Python: for one text, numpy's fixed
        costs would be most of the time."""
        if self.multi_label_:
            return sorted((-p, j) for j, (p, t) in enumerate(zip(row, thresholds)) if p >= t and p > 0)
        best = max(row, default=0.0)
        return [(-best, row.index(best))] if best > 0 else []

    def _topic_lists(self, rows: list[list[float]]) -> list[list[TopicScore]]:
        ids, thresholds = self.taxonomy_.ids, self.thresholds_.tolist()
        return [[TopicScore(ids[j], -p) for p, j in self._chosen(row, thresholds)] for row in rows]

    def _score_one(self, text: str) -> tuple[Analysis, np.ndarray, np.ndarray]:
        """One text's analysis, its words' subword scores and its topic probabilities (as ``predict_proba``
        gives them, so that explanations name the topics ``classify`` names)."""
        self._check_fitted()
        text = _check_text(text)
        a, scores, logits, known = self._analyse([text])
        if self._native is not None:
            proba = np.array(self._native.proba(text))
        else:
            proba = self._proba(logits)[0] if known[0] else np.zeros(len(self.intercept_))
        return a, scores, proba

    def classify(self, text: str) -> list[TopicScore]:
        """Topics whose probability reaches their threshold, highest first; ``[]`` when none applies."""
        native = getattr(self, "_native", None)
        if native is None:
            return self._topic_lists([self._score_one(text)[2].tolist()])[0]
        try:  # the lean path: no checks but the scorer's own
            proba = native.proba(text)
        except TypeError:
            _check_text(text)  # the library's own error, naming what was passed
            raise
        return self._topic_lists([proba])[0]

    def classify_many(self, texts: Iterable[str]) -> list[list[TopicScore]]:
        """``classify`` for each of many texts, from one call into the scorer (the same results as one by one)."""
        return self._topic_lists(self.predict_proba(texts).tolist())

    def classify_document(self, text: str) -> DocumentResult:
        """Split a document into paragraphs, classify each, and aggregate the document's topics."""
        paragraphs = split_paragraphs(_check_text(text))
        results = self.classify_many(paragraphs) if paragraphs else []
        paras = [Paragraph(i, p, ts) for i, (p, ts) in enumerate(zip(paragraphs, results))]
        return DocumentResult(paras, aggregate(paras))

    # -- explanation ---------------------------------------------------------
    def _term_contributions(self, a: Analysis, scores: np.ndarray, cols: list[int]) -> list[dict[str, float]]:
        """Each term's share of each topic's log-odds, one dict per topic column in ``cols``.

        A word's share is its own weight (if it is a feature) plus its subword share.
        """
        terms = self.features_.terms_
        names = [terms[j] for j in a.word_block.col.tolist()] + [a.words[i] for i in a.subwords.col.tolist()]
        shares = np.concatenate([a.word_block.val[:, None] * self.coef_[a.word_block.col][:, cols],
                                 a.subwords.val[:, None] * scores[a.subwords.col][:, cols]])
        result = []
        for k in range(len(cols)):
            out: dict[str, float] = {}
            for name, c in zip(names, shares[:, k].tolist()):
                if c:
                    out[name] = out.get(name, 0.0) + c
            result.append(out)
        return result

    def explain(self, text: str, *, topic: str | Sequence[str] | None = None, top_n: int = 10) -> list[Explanation]:
        """For each predicted topic (or the named one, or each of several), the terms that raised or lowered its score.

        The intercept plus the sum of all terms' contributions equals the topic's log-odds.
        Several topics are explained from one reading of the text.
        """
        self._check_fitted()
        text = _check_text(text)
        if not isinstance(top_n, int) or top_n < 0:
            raise InputError(f"top_n must be a non-negative integer, got {top_n!r}")
        ids = list(self.taxonomy_.ids)
        named = [topic] if isinstance(topic, str) else None if topic is None else list(topic)
        for t in named or ():
            if t not in ids:
                raise TaxonomyError(f"unknown topic {t!r}; this model has {', '.join(ids)}")
        a, scores, proba = self._score_one(text)
        chosen = named if named is not None else [ids[j] for _, j in self._chosen(proba.tolist(), self.thresholds_.tolist())]
        cols = [ids.index(t) for t in chosen]
        out = []
        for t, j, contrib in zip(chosen, cols, self._term_contributions(a, scores, cols)):
            top = sorted(contrib.items(), key=lambda kv: (-abs(kv[1]), kv[0]))[:top_n]
            out.append(Explanation(t, float(proba[j]), float(self.thresholds_[j]), float(self.intercept_[j]),
                                   [TermContribution(k, v) for k, v in top]))
        return out

    # -- the rest of the surface ----------------------------------------------
    def topics(self) -> list[Topic]:
        """The taxonomy this model was trained for."""
        self._check_fitted()
        return list(self.taxonomy_.topics)

    def evaluate(self, examples: str | Path | Iterable[Mapping | Example]) -> Evaluation:
        """Per-topic precision, recall, F1 and support, with micro and macro averages, on labeled examples."""
        self._check_fitted()
        examples = read_examples(examples, taxonomy=self.taxonomy_, unique=False)
        ids = self.taxonomy_.ids
        return score(indicator(examples, ids), self.predict([e.text for e in examples]), ids, self.thresholds_)

    def save(self, path: str | Path) -> Path:
        """Write the model (and a ``.card.json`` beside it) atomically; returns the model path."""
        from .storage import save_model

        self._check_fitted()
        return save_model(self, path)

