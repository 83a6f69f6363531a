"""TopicModel, the estimator: training, prediction, explanations, evaluation, and its arrays for a model file.

A model is TF-IDF features (``features.py``), calibrated one-vs-rest linear weights
(``training.py``) and per-topic thresholds. Scoring runs in an engine of ``scoring.py``;
which topics a text gets is the rule of ``decision.py``; the file container is ``storage.py``,
which knows nothing of models: :meth:`TopicModel.to_arrays` and :meth:`TopicModel.from_arrays`
are the whole exchange between them.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from itertools import islice
from numbers import Integral
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from . import scoring, storage
from .decision import chosen, chosen_rows, indicators, sure_indicators
from .documents import DocumentResult, Paragraph, TopicScore, aggregate, plain_text, rounded_repr, split_paragraphs
from .errors import ExampleError, InputError, ModelFileError, NotFittedError, TaxonomyError, TrainingError, in_short
from .estimator import Estimator
from .evaluation import Evaluation, calibration, find_mistakes, grouped, score
from .examples import (Example, duplicate_key, examples_digest, indicator, iter_examples, labels_taxonomy, paired_examples,
                       prepare_examples, read_examples, revised_examples, topic_counts, trainable_topics,
                       unasked_message, unasked_topics)
from .features import Analysis, TextFeatures
from .files import check_path
from .language import detect_many
from .navigation import is_navigation, navigation_rows
from .options import OPTIONS, check_options
from .records import find_sources, read_records
from .taxonomy import Taxonomy, Topic, as_taxonomy
from .version import __version__
from .weights import dequantized, round_weights, stored

if TYPE_CHECKING:  # training (and its solvers) is imported only when a model is trained
    from .training import LinearFit

log = logging.getLogger("topicslib")
# The card's note on its out-of-fold scores, by whether folds gave them (False) or the estimate (True).
_CV_NOTES = {
    False: "thresholds were chosen on these folds, so the scores are optimistic",
    True: "out-of-fold scores estimated from the model fitted on all examples (folds for topics with few examples "
          "on a side); thresholds were chosen on them, so the scores are optimistic",
}
_FEATURE_PARAMS = ("word_ngrams", "char_ngrams", "min_df", "max_features", "norm_offset")
# What a model file written before norm_offset existed lacks: the option, and so the learned offset (0).
_OLDER_OPTIONS = {"norm_offset": 0.0}
# Fewest features a topic needs for a model to tell the topics apart: a max_features that keeps fewer is warned
# about. On examples/ (10 topics), max_features 50 (100 features) gave the card's micro-F1 0.43 (5,000: 0.87), and
# 20 (40 features) tagged a trade sentence with 4 topics.
FEATURES_PER_TOPIC = 10
# A training run whose estimate (training.training_cost) passes either of these says so before it starts.
_LONG_RUN = (600.0, 2 * 2**30)  # CPU seconds, bytes
# Self-training labels an unlabeled paragraph when its best probability reaches this. Measured with 500
# labels (benchmarks/active_learning.py --unlabeled): 0.5 beat 0.3 and 0.7 on the CAP bills.
_SURE = 0.5
# Card fields that a model file's metadata holds beside the training card itself.
_FILE_FIELDS = ("format", "format_version", "options", "taxonomy", "thresholds", "norm_offset", "topicslib_version",
                "sklearn_version", "numpy_version")

# A topic's evidence is drawn from this many of its strongest terms (the report, classify --evidence, explain).
EVIDENCE_TERMS = 10


class TermContribution(NamedTuple):
    """A term of the text and how much it moved a topic's log-odds (tf-idf value x coefficient). Shown to two
    decimals, as :class:`Explanation` is."""

    term: str
    contribution: float

    __repr__ = rounded_repr


@dataclass(frozen=True)
class Explanation:
    """Why a topic got its score: the intercept plus each term's contribution give the log-odds.

    ``terms`` holds the ``top_n`` largest contributions by size, positive ones
    raised the score, negative ones lowered it. Shown with its numbers to two decimals, as a ``TopicScore`` is
    (:func:`~topicslib.documents.rounded_repr`); they keep full precision.

    >>> Explanation("narcotics", 0.999997876468245, 0.122785, -6.034653663635254, [TermContribution("coca", 11.340761731)])
    Explanation(topic='narcotics', score=1.00, threshold=0.12, intercept=-6.03, terms=[TermContribution(term='coca', contribution=11.34)])
    """

    topic: str
    score: float
    threshold: float | None  # None for a single-label model: it gives the most probable topic, no threshold decides
    intercept: float
    terms: list[TermContribution]

    __repr__ = rounded_repr

    def evidence(self, top_n: int = EVIDENCE_TERMS, *, strong: float = 1.0, min_share: float = 0.3,
                 min_contribution: float = 0.5) -> list[TermContribution]:
        """The terms a reader should see as the topic's evidence: of the ``top_n`` largest, those that raised its
        log-odds by ``strong`` or more, or by ``min_share`` of the strongest one's contribution, but never by less
        than ``min_contribution`` (not every common word with a small positive weight).

        >>> e = Explanation("narcotics", 0.99, 0.12, -3.0, [TermContribution("coca", 11.4), TermContribution("crops", 2.2),
        ...                 TermContribution("in", 0.4), TermContribution("putumayo", -0.2)])
        >>> [t.term for t in e.evidence()]
        ['coca', 'crops']
        """
        best = max((c for _, c in self.terms[:top_n]), default=0.0)
        cut = max(min_contribution, min(strong, min_share * best))
        return [t for t in self.terms[:top_n] if t.contribution >= cut]


def _scored_text(text: object, position: int | None = None) -> str:
    """The text explained for ``text``: a string as it is, as ``classify`` reads it; a :class:`Paragraph` of
    ``classify_document`` as that scored it, without its Markdown. Else an :class:`InputError` naming it (by its
    ``position`` in a list, when given)."""
    if isinstance(text, Paragraph):
        return plain_text(scoring.check_text(text.text, position))
    return scoring.check_text(text, position)


class TopicModel(Estimator):
    """A multi-label topic classifier: TF-IDF features and calibrated one-vs-rest linear models.

    Parameters are the training options, declared and checked in ``options.py``; learned
    attributes end in ``_``. ``options_`` holds the options the model was trained with, which its card
    records: ``set_params`` on a trained model takes effect at the next ``fit``, as in scikit-learn.

    >>> model = TopicModel(min_df=1, folds=2).fit(
    ...     ["tariffs and exports", "exports grew", "asylum seekers", "migrants crossed"],
    ...     [["trade"], ["trade"], ["migration"], ["migration"]])
    >>> model.classes_.tolist()
    ['migration', 'trade']
    >>> TopicModel(C=-1).fit(["a b"], [["x"]])
    Traceback (most recent call last):
    ...
    topicslib.errors.OptionError: option 'C': got -1; it must be a positive finite number
    """

    def __init__(
        self,
        *,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] | None = (3, 5),
        min_df: int = 2,
        max_features: int | None = None,
        norm_offset: float = 0.35,
        loss: str = "svm",
        C: float = 0.25,
        class_weight: str | None = None,
        nb_weighting: bool = True,
        folds: int = 0,
        seed: int = 0,
        min_examples: int = 2,
        rare_topics: str = "leave_out",
        on_duplicate: str = "merge",
        n_jobs: int | None = None,
    ):
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.min_df = min_df
        self.max_features = max_features
        self.norm_offset = norm_offset
        self.loss = loss
        self.C = C
        self.class_weight = class_weight
        self.nb_weighting = nb_weighting
        self.folds = folds
        self.seed = seed
        self.min_examples = min_examples
        self.rare_topics = rare_topics
        self.on_duplicate = on_duplicate
        self.n_jobs = n_jobs

    # -- training ------------------------------------------------------------
    @classmethod
    def from_options(cls, **options) -> "TopicModel":
        """A model with these training options; an unknown option or a bad value is an :class:`OptionError`.

        >>> TopicModel.from_options(bogus=1)
        Traceback (most recent call last):
        ...
        topicslib.errors.OptionError: option 'bogus': no such option; the options are word_ngrams, char_ngrams, min_df, max_features, norm_offset, loss, C, class_weight, nb_weighting, folds, seed, min_examples, rare_topics, on_duplicate, n_jobs
        """
        return cls(**check_options(options))

    def fit(self, texts: Sequence[str], topics: Sequence[Sequence[str] | str], *,
            taxonomy: str | Path | Taxonomy | None = None) -> "TopicModel":
        """Learn from paragraphs and their topics (for each paragraph a list of topic ids); the taxonomy (a file, or a
        :class:`Taxonomy`) defaults to the labels found, and a topic it lacks is an error, as ``train`` gives.

        A paragraph's topics may also be one topic id, a string, as scikit-learn's single-label ``y`` holds them:
        a string is read as an example file's topics field is (README), so ids separated by ``;``, ``|`` or
        ``,`` are several, but a name whose comma-separated parts hold spaces ("Law, Crime, and Family Issues") is
        one (a list holds any id with a comma). Trained on one topic per paragraph, the model is
        single-label (``multi_label_`` False). ``predict`` gives 0/1 indicators, one column per topic in
        ``classes_`` order, as scikit-learn's multi-label classifiers do, not the labels: ``classify_many``
        names them, the best first (none for a text without a known term).

        >>> model = TopicModel(min_df=1, folds=2).fit(
        ...     ["tariffs and exports", "exports grew", "asylum seekers", "migrants crossed"],
        ...     ["trade", "trade", "migration", "migration"])
        >>> model.multi_label_, model.classes_.tolist(), model.predict(["exports of coffee", "asylum"]).tolist()
        (False, ['migration', 'trade'], [[0, 1], [1, 0]])
        >>> [ts[0].topic if ts else None for ts in model.classify_many(["exports of coffee", "asylum", "zzz"])]
        ['trade', 'migration', None]
        >>> TopicModel().fit(["tariffs rose", "migrants crossed"], [["trade"]])
        Traceback (most recent call last):
        ...
        topicslib.errors.ExampleError: fit got 2 texts and 1 topic list; give one list of topic ids (or one id) per text
        """
        # checked as train checks a file's: a path read, a topic the taxonomy lacks an error (it was dropped unsaid)
        taxonomy = as_taxonomy(taxonomy)
        return self.fit_examples(iter_examples(_paired_examples(texts, topics), taxonomy=taxonomy), taxonomy)

    def fit_examples(self, examples: Iterable[Example], taxonomy: Taxonomy | None = None, *,
                     unlabeled: Iterable[str] | None = None) -> "TopicModel":
        """Learn from examples as :func:`read_examples` (or ``iter_examples``) gives them; the taxonomy defaults
        to the labels found.

        A repeated paragraph counts once (``on_duplicate``); a topic with fewer than ``min_examples``
        examples is left out with a warning (``rare_topics``). The card records both.

        ``unlabeled``: paragraphs of the same kind with no labels, for self-training. The model trained on
        the examples labels those it is fairly sure of (best probability at least 0.5, the topics it
        decides), and is trained again on the examples and them; a paragraph that repeats an example is
        not used. The card's cross-validation stays that of the model of the examples alone (figures: docs/benchmarks.md).
        """
        params = check_options(self.get_params())
        if unlabeled is not None:  # checked before the training it would otherwise end
            unlabeled = scoring.check_texts(unlabeled, "unlabeled", "give a list of paragraphs")
        started = time.perf_counter()
        examples, duplicates = prepare_examples(examples, params["on_duplicate"])
        if taxonomy is None:
            taxonomy = labels_taxonomy(examples)
        taxonomy, left_out = trainable_topics(examples, taxonomy, params["min_examples"], params["rare_topics"])
        unasked = unasked_topics(examples, taxonomy.ids)
        if unasked:  # training cannot leave a paragraph out of one topic only: said, not silent
            log.warning(unasked_message(unasked, taxonomy.ids))
        fit, Y, n_features = self._fit(examples, taxonomy, params)
        # The card's figures are this model's, of the examples alone: self-training's pseudo-labels come from it, so
        # they carry each example's own label into the folds that leave it out, and the model trained with them
        # scored its examples out of fold far above what it does on new paragraphs (AG News, 200 labels and 2,800
        # unlabeled: 0.915 against 0.720 on 1,500 held out; its examples alone 0.805 against 0.665).
        examples_fit = fit
        self_training = None
        if unlabeled is not None:
            pseudo, n_unlabeled = self._sure_examples(unlabeled, examples)
            if pseudo:
                fit, _, n_features = self._fit(examples + pseudo, taxonomy, params)
            self_training = {"unlabeled": n_unlabeled, "pseudo_labeled": len(pseudo), "sure": _SURE}
        ids = taxonomy.ids
        # Each training example's probabilities from models that did not see it (rows: the examples once
        # repeats are merged, in order). Kept for label audits; not saved in model files.
        self.oof_proba_ = examples_fit.oof_proba
        # a single-label model's thresholds (0) decide nothing: on the card they read as "every topic given"
        cv = score(Y, indicators(self.oof_proba_, examples_fit.thresholds, self.multi_label_), ids,
                   examples_fit.thresholds if self.multi_label_ else None)
        counts = topic_counts(examples)
        # Of no topic trained: given none, or only topics left out as rare; either is trained on as a paragraph of none.
        trained = set(ids)
        without, given_none = (sum(1 for e in examples if trained.isdisjoint(e.topics)),
                               sum(1 for e in examples if not e.topics))
        self.card_ = {
            "n_examples": len(examples),
            "n_without_topic": without,
            "examples_sha256": examples_digest(examples),
            "taxonomy_sha256": taxonomy.sha256(),
            "topic_counts": {t: counts.get(t, 0) for t in ids},
            "n_features": int(n_features),
            "duplicates": duplicates,
            "left_out": left_out,
            "multi_label": self.multi_label_,
            "cross_validation": {"folds": params["folds"], "note": _CV_NOTES[params["folds"] == 0] + (
                "; of the model of the examples alone, before self-training" if self_training else ""), **cv.to_dict()},
        }
        if without > given_none:  # said only then: a card whose examples were all given their topics stays as it was
            self.card_["n_without_topic_note"] = (
                f"{without:,} example{'s' if without > 1 else ''} of none of the topics trained, trained on as "
                f"paragraphs of no topic: "
                f"{given_none:,} given none, {without - given_none:,} whose every topic is left out (left_out)")
        if self_training is not None:
            self.card_["self_training"] = self_training
        if fit.unseparated:
            unseparated = {ids[t]: refused for t, refused in fit.unseparated.items()}
            self.card_["unseparated"] = {tid: refused.to_dict() for tid, refused in unseparated.items()}
            log.warning(_unseparated_message(unseparated, float(fit.thresholds[next(iter(fit.unseparated))])))
        log.info("trained on %d examples, %d features, in %.1f s", len(examples), n_features, time.perf_counter() - started)
        return self

    def _sure_examples(self, unlabeled: Iterable[str], examples: list[Example]) -> tuple[list[Example], int]:
        """The unlabeled paragraphs this model is fairly sure of, labeled with the topics it decides for them,
        and how many were judged (each distinct paragraph once, none that repeats an example)."""
        seen = {duplicate_key(e.text) for e in examples}
        texts = []
        for text in unlabeled:
            key = duplicate_key(text)
            if key not in seen:
                seen.add(key)
                texts.append(text)
        decided = sure_indicators(self.predict_proba(texts), self.thresholds_, self.multi_label_, _SURE)
        ids = self.classes_.tolist()
        pseudo = [Example(t, tuple(ids[j] for j in np.flatnonzero(row))) for t, row in zip(texts, decided) if row.any()]
        return pseudo, len(texts)

    def _fit(self, examples: list[Example], taxonomy: Taxonomy, params: dict) -> tuple["LinearFit", np.ndarray, int]:
        """Fit the features and weights on prepared examples; the solver's fit, the examples' topic indicators
        and the number of features."""
        ids = taxonomy.ids
        Y = indicator(examples, ids).astype(np.int8)
        features = TextFeatures(*(params[k] for k in _FEATURE_PARAMS))
        X = features.fit_rows([e.text for e in examples])
        if X.shape[1] == 0:  # a model of no feature would answer nothing, whatever it read
            raise TrainingError(f"no term is in at least {params['min_df']} of the {len(examples)} examples (min_df): "
                                "the model would have nothing to read; lower min_df")
        cap = params["max_features"]
        cut = cap in (features.n_word_features_, X.shape[1] - features.n_word_features_)  # the words or n-grams
        if cut and X.shape[1] < FEATURES_PER_TOPIC * len(ids):
            log.warning("max_features=%d keeps %d features for %d topics, fewer than %d a topic: too few to tell the "
                        "topics apart, and the model will give text topics it shows no sign of; raise max_features, or "
                        "leave it null to keep every term found in at least min_df examples",
                        cap, X.shape[1], len(ids), FEATURES_PER_TOPIC)
        # Multi-label when an example was given several of the topics trained, or none: not when its one topic is
        # left out for too few examples, nor when copies given one topic each were merged, each of which made a
        # codebook's model multi-label, unsaid (CAP bills, 2 such copies in 4,449: 5-fold micro-F1 0.782, 0.804 without
        # them). One topic trained is one yes-or-no: single-label, the model would give it to every text.
        several = (Y.sum(1) > 1) & ~np.array([e.merged for e in examples], dtype=bool)
        multi_label = bool(several.any()) or any(not e.topics for e in examples) or len(ids) == 1
        # Imported here: the solvers and joblib cost a process that only classifies memory and start-up time.
        from .training import fit_linear, training_cost

        seconds, memory = training_cost(X, Y, params["folds"])
        if seconds > _LONG_RUN[0] or memory > _LONG_RUN[1]:
            log.warning("training %d topics on %d examples of %d features will take about %.0f minutes of CPU and "
                        "%.1f GB of memory beyond the features (it grows with topics x features and topics x examples); "
                        "fewer topics (min_examples) or features (min_df, max_features) cut it",
                        len(ids), X.shape[0], X.shape[1], seconds / 60, memory / 1e9)
        fit = fit_linear(
            X, Y, loss=params["loss"], C=params["C"], class_weight=params["class_weight"], folds=params["folds"],
            seed=params["seed"], multi_label=multi_label, nb_weighting=params["nb_weighting"], n_jobs=params["n_jobs"],
        )
        n_features = X.shape[1]
        del X  # the features are done with: free them before the weights are rounded and the scorer built
        self.options_ = params
        self.taxonomy_ = taxonomy
        self.classes_ = np.array(ids)
        self.features_ = features
        self.coef_ = round_weights(fit.coef)
        self.intercept_ = fit.intercept
        self.thresholds_ = fit.thresholds
        self.multi_label_ = multi_label
        self._set_scorer()
        return fit, Y, n_features

    # -- the scoring engine ----------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise NotFittedError("this TopicModel is not trained yet; call fit() or topicslib.train(), or load one with "
                                 "topicslib.load_model()")

    def _set_scorer(self) -> None:
        """Build the scoring engine for the current weights (after fitting or loading): it reads them in place."""
        self._scorer = scoring.build(self.features_, self.coef_, self.intercept_, self.multi_label_)
        self._numpy = self._scorer if isinstance(self._scorer, scoring.NumpyScorer) else None

    def _numpy_scorer(self) -> scoring.NumpyScorer:
        """The numpy engine, which explanations need (built on first use when the compiled one scores)."""
        if self._numpy is None:  # two threads may both build one: each is complete, one is kept
            self._numpy = scoring.NumpyScorer(self.features_, self.coef_, self.intercept_, self.multi_label_)
        return self._numpy

    # Pickling (Dask ships models to its workers so) leaves the engines and their per-word caches
    # behind: they are rebuilt, and a busy model's caches could be far larger than the model.
    _ENGINES = ("_scorer", "_numpy")

    def __getstate__(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if k not in self._ENGINES}

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if hasattr(self, "coef_"):
            self._set_scorer()

    # -- prediction ----------------------------------------------------------
    def _predict(self, texts: Iterable[str], proba: bool, call: str,
                 advice: str = "give a list of one text") -> np.ndarray:
        """Log-odds, or probabilities (0 everywhere for a text without a known term), shape (n_texts, n_topics);
        ``call``: the public method asked, which an error about ``texts`` names, with ``advice`` for a single text."""
        self._check_fitted()
        if type(texts) is not list:  # a list goes straight to the engine, which checks each text itself
            texts = scoring.check_texts(texts, call, advice)
        out = np.empty((len(texts), len(self.intercept_)))
        try:
            self._scorer.score(texts, out, proba)
        except TypeError:
            scoring.check_texts(texts, call, advice)  # names the text that is no str, in the library's own error
            raise
        if proba:
            out[navigation_rows(texts)] = 0.0  # navigation lines carry no topic (navigation.py)
        return out

    def decision_function(self, texts: Iterable[str]) -> np.ndarray:
        """Calibrated log-odds, shape (n_texts, n_topics)."""
        return self._predict(texts, False, "decision_function")

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """Topic probabilities, shape (n_texts, n_topics), columns in ``classes_`` order.

        A text without a single known term (empty, or all unseen words) has no
        evidence for any topic and scores 0 everywhere; so does a navigation line (``navigation.py``): a link
        to another story ("Read more: …", "Lea también: …"), whatever story it names; a web address, a wordless
        image or an embedded post's attribution alone on its line; or an office's or organisation's name
        standing alone ("Office of the Spokesperson", "Comisión de la Verdad").
        """
        return self._predict(texts, True, "predict_proba")

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        """0/1 topic indicators, shape (n_texts, n_topics), by each topic's threshold (``decision.py``)."""
        return indicators(self._predict(texts, True, "predict"), self.thresholds_, self.multi_label_)

    def score(self, texts: Iterable[str], topics: Sequence[Sequence[str] | str]) -> float:
        """Micro-F1 of the topics predicted for ``texts`` against ``topics`` (given as to :meth:`fit`), as
        :meth:`evaluate` scores them: what scikit-learn's ``GridSearchCV`` and ``cross_val_score`` maximise when no
        ``scoring`` is named (its classification scorers cannot compare ``predict``'s 0/1 columns with topic ids).
        For a single-label model on single-label data it is the accuracy, a text of no known term counting as
        wrong. NaN where neither the topics nor the predictions hold a topic, as there F1 is undefined.

        >>> model = TopicModel(min_df=1, folds=2).fit(
        ...     ["tariffs and exports", "exports grew", "asylum seekers", "migrants crossed"],
        ...     ["trade", "trade", "migration", "migration"])
        >>> model.score(["exports of coffee", "asylum"], ["trade", "trade"])
        0.5
        """
        f1 = self.evaluate(_paired_examples(texts, topics)).micro.f1
        return math.nan if f1 is None else f1

    def classify(self, text: str) -> list[TopicScore]:
        """Topics whose probability reaches their threshold, highest first; ``[]`` when none applies."""
        self._check_fitted()
        try:  # the lean path: no checks but the engine's own
            proba = self._scorer.proba(text)
        except TypeError:
            scoring.check_text(text)  # the library's own error, naming what was passed
            raise
        picks = chosen(proba, self.thresholds_.tolist(), self.multi_label_)
        if not picks or is_navigation(text):  # a text with no topic need not be looked at as navigation
            return []
        ids = self.taxonomy_.ids
        return [TopicScore(ids[j], -p) for p, j in picks]

    def classify_many(self, texts: Iterable[str]) -> list[list[TopicScore]]:
        """``classify`` for each of many texts, from one call into the scorer (the same results as one by one)."""
        cols, probs, counts = chosen_rows(self._predict(texts, True, "classify_many", "use classify(text)"),
                                          self.thresholds_, self.multi_label_)
        ids = self.taxonomy_.ids
        scores = iter(list(map(TopicScore, [ids[j] for j in cols], probs)))
        return [list(islice(scores, c)) if c else [] for c in counts]

    def classify_document(self, text: str) -> DocumentResult:
        """Split a document into paragraphs, classify each, and aggregate the document's topics."""
        return self.classify_documents([scoring.check_text(text)])[0]

    def classify_documents(self, texts: Iterable[str]) -> list[DocumentResult]:
        """``classify_document`` for each of many documents, their paragraphs scored in one call into the
        scorer (the same results as one by one)."""
        texts = scoring.check_texts(texts, "classify_documents", "use classify_document(text)")
        split = [split_paragraphs(text) for text in texts]
        flat = [p for paragraphs in split for p in paragraphs]
        results = iter(self.classify_many([plain_text(p) for p in flat]) if flat else ())
        langs = iter(detect_many(flat))
        out = []
        for paragraphs in split:
            paras = [Paragraph(i, p, next(results), next(langs)) for i, p in enumerate(paragraphs)]
            out.append(DocumentResult(paras, aggregate(paras)))
        return out

    # -- explanation ---------------------------------------------------------
    def _term_contributions(self, a: Analysis, scores: np.ndarray, cols: list[int], words: slice,
                            subwords: slice) -> list[dict[str, float]]:
        """Each term's share of each topic's log-odds, one dict per topic column in ``cols``, for the text whose
        entries are ``words`` of the word block and ``subwords`` of the subword block of ``a``.

        A word's share is its own weight (if it is a feature) plus its subword share.
        """
        terms = self.features_.terms_
        word_block, sub = a.word_block, a.subwords
        features = [terms[j] for j in word_block.col[words].tolist()]  # each once: a text's distinct features
        own = (word_block.val[words, None] * self.coef_[word_block.col[words]][:, cols]).T.tolist()
        text_words = [a.words[i] for i in sub.col[subwords].tolist()]  # each once too
        shared = (sub.val[subwords, None] * scores[sub.col[subwords]][:, cols]).T.tolist()
        result = []
        for k in range(len(cols)):
            out = {name: c for name, c in zip(features, own[k]) if c}
            for name, c in zip(text_words, shared[k]):
                if c:
                    out[name] = out.get(name, 0.0) + c
            result.append(out)
        return result

    def explain(self, text: str | Paragraph, *, topic: str | Sequence[str] | None = None,
                top_n: int = 10) -> list[Explanation]:
        """For each predicted topic (or the named one, or each of several), the terms that raised or lowered its score.

        The intercept plus the sum of all terms' contributions equals the topic's log-odds.
        Several topics are explained from one reading of the text. A text is read as it is, as :meth:`classify`
        reads it; a :class:`Paragraph` of :meth:`classify_document` as that scored it, without its Markdown (a
        link's text, not its address).
        """
        return self.explain_many([_scored_text(text)], topics=None if topic is None else [topic], top_n=top_n)[0]

    def explain_many(self, texts: Iterable[str | Paragraph], *, topics: Iterable[str | Sequence[str]] | None = None,
                     top_n: int = 10) -> list[list[Explanation]]:
        """``explain`` for each of many texts, from one reading of them all (the same explanations as one by one,
        several times faster a text): of each text's predicted topics, or of ``topics[i]`` (an id or a list of
        them) for text ``i``. A text is a string or a :class:`Paragraph`, read as :meth:`explain` reads it.

        >>> model = load_model("models/default.npz")
        >>> [[e.topic for e in es] for es in model.explain_many(["Coca crops grew.", "Tariffs rose."])]
        [['narcotics'], ['trade']]
        >>> model.explain_many(["Coca crops grew."], topics=[["trade"]])[0][0].topic
        'trade'
        >>> doc = model.classify_document("Coca crops grew near [the border](https://example.org/trade-tariffs).")
        >>> [[e.topic for e in es] for es in model.explain_many(doc.paragraphs)]  # no word of the link's address
        [['narcotics']]
        """
        self._check_fitted()
        texts = scoring.check_texts(texts, "explain_many", "use explain(text)", _scored_text)
        if not isinstance(top_n, Integral) or isinstance(top_n, bool) or top_n < 0:
            raise InputError(f"top_n must be a non-negative integer, got {top_n!r}")
        if topics is not None:  # any iterable, as texts: a generator failed on len() with Python's TypeError
            if isinstance(topics, (str, bytes, Mapping)) or not isinstance(topics, Iterable):
                raise InputError(f"topics must be a list of each text's topics (an id or a list of ids), got "
                                 f"{type(topics).__name__}")
            topics = list(topics)
        if topics is not None and len(topics) != len(texts):
            raise InputError(f"topics must name the topics of each text: {len(topics)} for {len(texts)} texts")
        ids = list(self.taxonomy_.ids)
        named = None if topics is None else [self._named_topics(t, ids) for t in topics]
        if not texts:
            return []
        thresholds = self.thresholds_.tolist()
        out = []
        # a batch at a time, as the scorer reads texts: read at once, 20,000 paragraphs held 265 MB of analysis
        for batch in scoring.batches(texts):
            a, scores, _, _ = self._numpy_scorer().analyse(texts[batch])
            proba = self.predict_proba(texts[batch])  # as classify gives them: explanations name the topics it names
            bounds = np.arange(len(proba) + 1)
            words, subwords = np.searchsorted(a.word_block.doc, bounds), np.searchsorted(a.subwords.doc, bounds)
            for i, row in enumerate(proba):
                picked = (named[batch.start + i] if named is not None
                          else [ids[j] for _, j in chosen(row.tolist(), thresholds, self.multi_label_)])
                cols = [ids.index(t) for t in picked]
                contributions = self._term_contributions(a, scores, cols, slice(words[i], words[i + 1]),
                                                         slice(subwords[i], subwords[i + 1]))
                out.append([Explanation(t, float(row[j]), float(self.thresholds_[j]) if self.multi_label_ else None,
                                        float(self.intercept_[j]),
                                        [TermContribution(name, c) for _, name, c in  # by size, ties by name
                                         sorted([(-abs(c), name, c) for name, c in contrib.items()])[: int(top_n)]])
                            for t, j, contrib in zip(picked, cols, contributions)])
        return out

    def _named_topics(self, topic: object, ids: list[str]) -> list[str]:
        """The topic ids ``explain`` was asked about: one id or a list of them, each checked against ``ids``; a
        topic's name given for its id (in any language of the taxonomy) is told the id."""
        if isinstance(topic, str):
            named = [topic]
        elif isinstance(topic, Iterable) and not isinstance(topic, (bytes, bytearray, Mapping)):
            named = list(topic)
        else:
            raise InputError(f"topic must be a topic id or a list of them, got {type(topic).__name__}")
        if not all(isinstance(t, str) for t in named):
            raise InputError(f"topic must be a topic id or a list of them, got {named!r}")
        for t in named:
            if t not in ids:
                # "Seguridad", read off a Spanish report, was refused with the ids alone (QA pass 7)
                names = {topic.name.casefold(): topic.id for lang in (None, *self.taxonomy_.languages)
                         for topic in self.taxonomy_.localized(lang)}
                meant = names.get(t.casefold()) or (t.casefold() in ids and t.casefold())
                hint = f" ({t!r} names the topic {meant!r}: name topics by their ids)" if meant else ""
                raise TaxonomyError(f"unknown topic {t!r}{hint}; this model has {', '.join(ids)}")
        return named

    # -- the rest of the surface ----------------------------------------------
    def topics(self, lang: str | None = None) -> list[Topic]:
        """The taxonomy this model was trained for, named in ``lang`` (e.g. ``"es"``) where it has that language
        (``taxonomy.language_code`` refuses a value that is no language code).

        >>> load_model("models/default.npz").topics(["es"])
        Traceback (most recent call last):
        ...
        topicslib.errors.InputError: lang: ['es'] is no language code; give a two-letter ISO 639-1 code, perhaps with a region: en for English, es for Spanish (es-MX)
        """
        self._check_fitted()
        return list(self.taxonomy_.localized(lang).topics)

    def evaluate(self, examples: str | Path | Iterable[Mapping | Example], *, by: str | None = None,
                 mistakes: bool = False) -> Evaluation:
        """Per-topic precision, recall, F1 and support, with micro and macro averages, on labeled examples.

        A gold topic the model does not have (such as one left out of training for having too few
        examples) is scored as never predicted and listed in ``unknown``. Where no example's gold labels
        hold a topic, the averages are undefined: None, not 0 (:func:`~topicslib.evaluation.score`). With
        ``by`` (a field of the examples, such as ``"lang"``, ``"site"`` or ``"genre"``) the result's ``groups``
        also score the examples of each value of that field apart, in order of value; examples without one
        form the group ``"(none)"``, except for ``by="lang"``, where the built-in detector gives their language.
        With ``mistakes``, the result's ``mistakes`` lists the examples whose predicted topics are not their
        gold ones (:class:`~topicslib.evaluation.Mistake`), most confidently wrong first.

        >>> records = [{"text": "Tariffs on coffee exports fell.", "topics": ["trade"], "lang": "en"},
        ...            {"text": "Los aranceles al café bajaron.", "topics": ["trade"], "lang": "es"}]
        >>> ev = load_model("models/default.npz").evaluate(records, by="lang")
        >>> sorted(ev.groups), ev.groups["es"].n_examples
        (['en', 'es'], 1)
        >>> load_model("models/default.npz").evaluate(records[:1] + [{"text": "Tariffs rose.", "topics": []}],
        ...                                           mistakes=True).mistakes[0].extra
        ('trade',)
        """
        self._check_fitted()
        examples = revised_examples(read_examples(examples, by=by))  # a replaced label answer is not scored
        ids = list(self.taxonomy_.ids)
        unknown = sorted({t for e in examples for t in e.topics} - set(ids))
        texts = [e.text for e in examples]
        proba = self.predict_proba(texts)
        predicted = np.hstack([indicators(proba, self.thresholds_, self.multi_label_),
                               np.zeros((len(texts), len(unknown)), dtype=bool)])
        gold = indicator(examples, ids + unknown)
        lengths = np.array([len(t.split()) for t in texts])

        def scored(rows: np.ndarray | slice) -> Evaluation:
            # a single-label model gives the most probable topic: its thresholds (0) decide nothing, and a column
            # of 0.000 read as "every topic given"
            thresholds = [*self.thresholds_, *[None] * len(unknown)] if self.multi_label_ else None
            ev = score(gold[rows], predicted[rows], ids + unknown, thresholds)
            return replace(ev, unknown=tuple(unknown),
                           calibration=calibration(gold[rows, : len(ids)], proba[rows], lengths[rows]))

        ev = scored(slice(None))
        if mistakes:
            ev = replace(ev, mistakes=find_mistakes(examples, gold, predicted, proba, ids + unknown))
        if by is None:
            return ev
        return replace(ev, by=by, groups=grouped(examples, by, scored))

    # -- model files -----------------------------------------------------------
    def card(self) -> dict:
        """The model card: taxonomy, options, versions, data digest, counts and cross-validated scores; the
        thresholds (null, as each topic's cross-validated threshold, for a single-label model: it has none)."""
        self._check_fitted()
        from importlib import metadata  # here: importing it costs every process 12 ms, and only a card reads it

        return {
            "format": storage.FORMAT,
            "format_version": storage.FORMAT_VERSION,
            "topicslib_version": __version__,
            "sklearn_version": metadata.version("scikit-learn"),  # without importing it (a second of start-up)
            "numpy_version": np.__version__,
            "options": {k: list(v) if isinstance(v, tuple) else v for k, v in self.options_.items()},
            "taxonomy": self.taxonomy_.to_dict(),
            # null for a single-label model, which gives the most probable topic (its file keeps the zeros it scores with)
            "thresholds": dict(zip(self.taxonomy_.ids, map(float, self.thresholds_))) if self.multi_label_ else None,
            "norm_offset": self.features_.norm_offset_,
            **self.card_,
        }

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """The model as named numpy arrays and its card (JSON-ready): everything a model file holds."""
        self._check_fitted()
        f = self.features_
        steps, scale = stored(self.coef_)
        arrays = {
            "coef": steps,
            "coef_scale": scale,
            "intercept": np.asarray(self.intercept_, np.float64),
            "thresholds": np.asarray(self.thresholds_, np.float64),
            "idf": np.asarray(f.idf_, np.float64),
            "word_terms": storage.text_array(f.terms_[: f.n_word_features_]),
            "char_terms": storage.text_array(f.terms_[f.n_word_features_ :]),
        }
        return arrays, self.card()

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, np.ndarray], card: Mapping) -> "TopicModel":
        """A fitted model from :meth:`to_arrays`' output; anything missing or inconsistent is a
        ``KeyError`` (a missing card field) or a ``ValueError``/``TypeError`` saying what disagrees."""
        # options that would fail later, at classify time, fail now
        model = cls.from_options(**{**_OLDER_OPTIONS, **card["options"]})
        if not isinstance(card["multi_label"], bool):
            raise TypeError(f"multi_label must be true or false, got {card['multi_label']!r}")
        taxonomy = Taxonomy.from_dict(card["taxonomy"], source="model card", strict=False)  # any label training accepts
        word, char = storage.text_lines(arrays["word_terms"]), storage.text_lines(arrays["char_terms"])
        n_features, n_topics = len(word) + len(char), len(taxonomy)
        stepped = "coef_scale" in arrays  # format 3: the weights in steps of a scale (weights.py); format 2: floats
        shapes = {"coef": (n_features, n_topics), "coef_scale": (n_features,), "intercept": (n_topics,),
                  "thresholds": (n_topics,), "idf": (n_features,)}
        if not stepped:
            del shapes["coef_scale"]
        for name, want in shapes.items():
            a = arrays[name]
            steps = name == "coef" and stepped  # whole steps of the scales; the others floating-point numbers
            if (a.dtype != np.int8) if steps else (a.dtype.kind != "f"):
                raise TypeError(f"{name} holds {a.dtype} values, not {'int8 steps' if steps else 'floating-point numbers'}")
            if a.shape != want:
                raise ValueError(f"{name} has shape {a.shape}, expected {want} for {n_topics} topics and {n_features} features")
        if stepped and not np.all(arrays["coef_scale"] >= 0):
            raise ValueError("coef_scale holds negative scales (no trained model has them)")
        if not np.all(arrays["idf"] > 0):
            raise ValueError("idf holds weights that are not positive (no trained model has them)")
        if card.get("n_features", n_features) != n_features:
            raise ValueError(f"card says {card['n_features']} features, arrays hold {n_features}")
        offset = card.get("norm_offset", _OLDER_OPTIONS["norm_offset"])
        if not OPTIONS["norm_offset"].valid(offset):  # the learned offset takes the option's values
            raise ValueError(f"norm_offset must be {OPTIONS['norm_offset'].allowed}, got {offset!r}")
        params = model.get_params()
        model.options_ = params
        model.taxonomy_ = taxonomy
        model.classes_ = np.array(taxonomy.ids)
        model.features_ = TextFeatures.from_arrays({k: params[k] for k in _FEATURE_PARAMS}, word, char, arrays["idf"],
                                                   float(offset))
        # a format-2 model's weights are rounded to steps as training now keeps them: it then saves as it scores
        model.coef_ = dequantized(arrays["coef"], arrays["coef_scale"]) if stepped else round_weights(arrays["coef"])
        model.intercept_ = arrays["intercept"].astype(np.float64)
        model.thresholds_ = arrays["thresholds"].astype(np.float64)
        model.multi_label_ = card["multi_label"]
        model._set_scorer()
        model.card_ = {k: v for k, v in card.items() if k not in _FILE_FIELDS}
        return model

    def save(self, path: str | Path) -> Path:
        """Write the model (and a ``.card.json`` beside it) atomically; returns the model path.

        >>> load_model("models/default.npz").save(None)
        Traceback (most recent call last):
        ...
        topicslib.errors.InputError: save takes the path of the model file to write (str or Path), got NoneType
        """
        check_path(path, "save takes the path of the model file to write")
        return storage.write_model_file(path, *self.to_arrays())


# A warning names each topic no cut separates up to this many, and counts the others (the card names them all).
_NAMED_UNSEPARATED = 5


def _unseparated_message(unseparated: dict, threshold: float) -> str:
    """The warning for topics whose best cut would let every out-of-fold negative through
    (``training.choose_threshold``): which, the threshold they get instead and what to do.

    >>> from topicslib.training import Unseparated
    >>> print(_unseparated_message({"water": Unseparated(0.000756, 14)}, 0.5))
    no cut separates the examples of 'water' yet: its best cut (0.000756) would give it to all 14 examples without it, and so to every paragraph; its threshold is 0.5 instead: the model gives it only where it finds it more likely than not; label more paragraphs with and without it, and train again (the model card's "unseparated" records this)
    >>> print(_unseparated_message({f"t{i}": Unseparated(0.001, 20) for i in range(7)}, 0.5))  # doctest: +ELLIPSIS
    no cut separates the examples of 7 topics yet ('t0', 't1', 't2', 't3', 't4' and 2 more): the best cut of each would give it to all the examples without it, and so to every paragraph; their threshold is 0.5 instead: ...
    """
    if len(unseparated) == 1:
        (tid, r), = unseparated.items()
        head = (f"no cut separates the examples of {tid!r} yet: its best cut ({r.cut:g}) would give it to all "
                f"{r.negatives:,} examples without it, and so to every paragraph; its threshold is")
        it = "it"
    else:
        named = list(map(repr, unseparated))
        names = (in_short(named, _NAMED_UNSEPARATED) if len(named) > _NAMED_UNSEPARATED
                 else f"{', '.join(named[:-1])} and {named[-1]}")
        head = (f"no cut separates the examples of {len(unseparated):,} topics yet ({names}): the best cut of each would "
                "give it to all the examples without it, and so to every paragraph; their threshold is")
        it = "them"
    return (f"{head} {threshold:g} instead: the model gives {it} only where it finds {it} more likely than not; label "
            f"more paragraphs with and without {it}, and train again (the model card's \"unseparated\" records this)")


def _paired_examples(texts: object, topics: object) -> list[Example]:
    """:meth:`TopicModel.fit`'s arguments as examples, checked: texts or topic lists of the wrong type, or not one
    topic list per text, are the library's own errors (each still a ``TypeError`` or ``ValueError`` as before)."""
    texts = scoring.check_texts(texts, "fit", "")
    table = scoring.is_table(topics)  # it would pass as its column names
    if table or isinstance(topics, (str, bytes, Mapping)) or not isinstance(topics, Iterable):
        raise InputError(f"topics must be a list of each text's topics (a topic id or a list of them), got "
                         f"{type(topics).__name__}" + ("; give one column, such as df['topics']" if table else ""))
    topics = list(topics)
    if len(topics) != len(texts):
        raise ExampleError(f"fit got {len(texts)} text{'s' if len(texts) != 1 else ''} and {len(topics)} topic "
                           f"list{'s' if len(topics) != 1 else ''}; give one list of topic ids (or one id) per text")
    return list(paired_examples(texts, topics))


def load_model(path: str | Path) -> TopicModel:
    """Load a model file safely: arrays and JSON only, never pickle.

    Raises :class:`ModelFileError` for a missing, truncated, corrupt, pickled,
    inconsistent or newer-format file, and :class:`InputError` for a ``path`` that is no path.

    >>> load_model("models/default.npz").classes_[:2].tolist()
    ['migration', 'climate']
    >>> load_model(None)
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: load_model takes a model file's path (str or Path), got NoneType
    """
    check_path(path, "load_model takes a model file's path")
    arrays, card = storage.read_model_file(path)
    try:
        return TopicModel.from_arrays(arrays, card)
    except KeyError as e:
        raise ModelFileError(f"{path}: the model card lacks the field {e}; {storage.retrain_advice(card)}") from None
    except (AttributeError, TypeError, ValueError, TaxonomyError) as e:
        raise ModelFileError(f"{path}: the model card disagrees with its arrays or is incomplete ({e}); "
                             f"{storage.retrain_advice(card)}") from None


def train(
    examples: str | Path | Iterable[Mapping | Example],
    *,
    taxonomy: str | Path | Taxonomy | None = None,
    unlabeled: str | Path | Iterable[str] | None = None,
    **options,
) -> TopicModel:
    """Train a model from examples (a file, a folder, or records).

    With ``taxonomy=None`` the topics are the labels found in the examples;
    with a taxonomy (file or object) every label is checked against it.
    ``unlabeled``: paragraphs of the same kind without labels, to self-train on
    (:meth:`TopicModel.fit_examples`): texts, or a file or folder of them (.txt/.md, or .jsonl/.csv
    records with a ``text`` field, as ``topicslib classify`` reads them).
    ``options`` are :class:`TopicModel` parameters (``C``, ``loss``, ``char_ngrams``, ...).

    >>> records = [{"text": f"tariffs on {g} exports", "topics": ["trade"]} for g in ("coffee", "steel", "oil")]
    >>> records += [{"text": f"migrants from {c} sought asylum", "topics": ["migration"]}
    ...             for c in ("Haiti", "Cuba", "Peru")]
    >>> model = train(records, min_df=1, folds=3)
    >>> model.classes_.tolist(), [t.topic for t in model.classify("asylum for migrants")]
    (['migration', 'trade'], ['migration'])

    ``train("examples/", taxonomy="seeds/topics.toml")`` trains the default model from the repository's examples.
    """
    model = TopicModel.from_options(**options)  # a bad option fails before the examples are read
    taxonomy = as_taxonomy(taxonomy)
    if isinstance(unlabeled, (str, Path)):
        unlabeled = [r.text for r in read_records(find_sources([str(unlabeled)]))]
    return model.fit_examples(iter_examples(examples, taxonomy=taxonomy), taxonomy, unlabeled=unlabeled)
