"""Honest k-fold cross-validation of training: each fold is scored by a model that never saw it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path

import numpy as np

from .errors import TrainingError
from .evaluation import Evaluation, grouped, score
from .examples import Example, indicator, iter_examples, labels_taxonomy, prepare_examples, trainable_topics
from .model import TopicModel
from .taxonomy import Taxonomy, as_taxonomy


def cross_validate(
    examples: str | Path | Iterable[Mapping | Example],
    *,
    taxonomy: str | Path | Taxonomy | None = None,
    folds: int = 5,
    by: str | None = None,
    **options,
) -> Evaluation:
    """Train on k-1 folds, predict the held-out fold, and score all held-out predictions together.

    Thresholds and calibration are learned inside each training part (by the
    model's own inner cross-validation), so the figures estimate how a model
    trained on these examples does on new paragraphs. ``by`` also scores the held-out predictions of each
    value of a field of the examples apart, as :meth:`TopicModel.evaluate` does.

    >>> records = [{"text": f"tariffs on {g} exports", "topics": ["trade"]} for g in ("coffee", "steel", "oil", "tin")]
    >>> records += [{"text": f"migrants from {c} sought asylum", "topics": ["migration"]}
    ...             for c in ("Haiti", "Cuba", "Peru", "Chile")]
    >>> ev = cross_validate(records, folds=2, min_df=1)
    >>> ev.micro.support, 0.0 <= ev.micro.f1 <= 1.0
    (8, True)
    """
    from .training import kfold  # here, not at the top: training's solvers cost a classifying process memory

    if not (isinstance(folds, int) and folds >= 2):
        raise TrainingError(f"folds must be an integer >= 2, got {folds!r}")
    params = TopicModel.from_options(**options).get_params()  # bad options fail before any reading
    taxonomy = as_taxonomy(taxonomy)
    # Repeats counted once before the split, so no paragraph is both trained on and tested.
    examples, _ = prepare_examples(iter_examples(examples, taxonomy=taxonomy, by=by), params["on_duplicate"])
    if taxonomy is None:
        taxonomy = labels_taxonomy(examples)
    # Each fold must hold a topic's example, so a topic needs at least as many examples as folds.
    need = max(params["min_examples"], folds)
    taxonomy, left_out = trainable_topics(examples, taxonomy, need, params["rare_topics"],
                                          why="the number of folds" if folds > params["min_examples"] else
                                          "the min_examples option")
    # A topic left out is still in the gold labels: scored as always missed and named, as evaluate scores a topic
    # the model lacks, so the estimate is of the model a user would get, not of its easier topics alone.
    ids, unknown = taxonomy.ids, tuple(left_out)
    Y = indicator(examples, ids + unknown)
    pred = np.zeros_like(Y)
    for train, test in kfold(len(examples), folds, options.get("seed", 0)):
        model = TopicModel.from_options(**{**options, "min_examples": 1, "rare_topics": "error"}).fit_examples(
            [examples[i] for i in train], taxonomy)
        pred[np.ix_(test, range(len(ids)))] = model.predict([examples[i].text for i in test]).astype(bool)

    def scored(rows) -> Evaluation:
        return replace(score(Y[rows], pred[rows], ids + unknown), unknown=unknown)

    ev = scored(slice(None))
    if by is None:
        return ev
    return replace(ev, by=by, groups=grouped(examples, by, scored))
