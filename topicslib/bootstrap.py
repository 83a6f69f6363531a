"""A first model from a taxonomy's seed terms and an unlabeled corpus, with no labels.

Each paragraph is scored for each topic by the seed terms it holds, each term weighted by how
specific it is (its inverse document frequency in the corpus: a seed found everywhere says little).
Paragraphs with a clear seed score become pseudo-labeled examples, a model is trained on them, and
then, ``rounds`` times, the model labels the corpus again (keeping the paragraphs it is sure of) and
is retrained: what the seeds found teaches the words that come with them.

>>> from topicslib.taxonomy import Taxonomy, Topic
>>> tax = Taxonomy((Topic("trade", seeds=("tariffs", "exports")), Topic("migration", seeds=("migrants", "asylum"))))
>>> texts = [f"tariffs on exports of coffee {i}" for i in range(6)] + [f"migrants sought asylum {i}" for i in range(6)]
>>> model = bootstrap(texts, taxonomy=tax, min_df=1, folds=2)
>>> [t for t, _ in model.classify("new tariffs hit coffee")]
['trade']
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .errors import TaxonomyError, TrainingError
from .examples import Example
from .features import tokenize
from .model import TopicModel
from .taxonomy import Taxonomy, as_taxonomy

# A paragraph is pseudo-labeled with every topic whose seed score reaches this share of its best one
# (1: the best only, ties kept). Measured on the CAP bills (benchmarks/bootstrap.py): 0.5 gave 0.572,
# 1.0 gave 0.592 accuracy, the model's rounds then adding second topics where the text has them.
_SHARE_OF_BEST = 1.0
# Between rounds, the model's labels replace the seeds' for paragraphs whose best probability reaches
# this (0.3 gave 0.592, 0.5 0.582, 0.7 0.577 on the same bills).
_SURE = 0.3


def seed_scores(texts: Sequence[str], taxonomy: Taxonomy) -> np.ndarray:
    """Each text's score for each topic: the idf-weighted count of the topic's seed terms in it.

    >>> from topicslib.taxonomy import Topic
    >>> tax = Taxonomy((Topic("a", seeds=("coca crops",)), Topic("b", seeds=("migrants",))))
    >>> seed_scores(["Coca crops grew.", "Migrants and coca crops.", "Nothing."], tax).round(2).tolist()
    [[0.29, 0.0], [0.29, 0.69], [0.0, 0.0]]
    """
    seeds = [[tuple(tokenize(s)) for s in t.seeds if tokenize(s)] for t in taxonomy.topics]
    if not any(seeds):
        raise TaxonomyError("the taxonomy has no seed terms to bootstrap from; give each topic a few 'seeds'")
    tokens = [tokenize(t) for t in texts]
    grams = [_ngrams(tok, {len(s) for ss in seeds for s in ss}) for tok in tokens]
    n = len(texts)
    df = {s: sum(1 for g in grams if s in g) for ss in seeds for s in ss}
    out = np.zeros((n, len(seeds)))
    for j, ss in enumerate(seeds):
        for s in ss:
            if df[s]:
                weight = math.log((n + 1) / (df[s] + 1)) + 1e-9
                out[:, j] += [g.get(s, 0) * weight for g in grams]
    return out


def _ngrams(tokens: list[str], sizes: set[int]) -> dict[tuple[str, ...], int]:
    counts: dict[tuple[str, ...], int] = {}
    for k in sizes:
        for i in range(len(tokens) - k + 1):
            g = tuple(tokens[i : i + k])
            counts[g] = counts.get(g, 0) + 1
    return counts


def _labels(scores: np.ndarray, ids: Sequence[str]) -> list[tuple[str, ...] | None]:
    """Pseudo-labels from seed scores: the topics near the best, or None for a paragraph no seed found."""
    out = []
    for row in scores:
        best = row.max()
        out.append(tuple(ids[j] for j in np.flatnonzero(row >= _SHARE_OF_BEST * best)) if best > 0 else None)
    return out


def bootstrap(texts: Sequence[str], *, taxonomy: str | Path | Taxonomy, rounds: int = 3, **options) -> TopicModel:
    """A model for ``taxonomy``'s topics from its seed terms and the unlabeled ``texts`` (see the module).

    ``options`` are training options (``min_examples`` defaults to 1 here: a topic whose seeds are
    rare still gets a model).
    """
    taxonomy = as_taxonomy(taxonomy)
    if taxonomy is None:
        raise TaxonomyError("bootstrap needs a taxonomy with seed terms")
    texts = list(texts)
    ids = list(taxonomy.ids)
    labels = _labels(seed_scores(texts, taxonomy), ids)
    options = {"min_examples": 1, **options}
    model = None
    for _ in range(rounds + 1):
        examples = [Example(t, labs) for t, labs in zip(texts, labels) if labs]
        if not examples:
            raise TrainingError("no paragraph of the corpus holds a seed term; add seeds the corpus uses")
        model = TopicModel.from_options(**options).fit_examples(examples, taxonomy)
        proba = model.predict_proba(texts)
        sure = proba.max(axis=1) >= _SURE
        decided = model.predict(texts).astype(bool)
        classes = model.classes_.tolist()
        labels = [tuple(classes[j] for j in np.flatnonzero(row)) if ok and row.any() else seed
                  for row, ok, seed in zip(decided, sure, labels)]
    return model
