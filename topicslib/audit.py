"""Finding wrong labels: examples whose given topics the examples themselves argue against.

Confident learning (Northcutt et al., 2021) in its multi-label form: each example's probabilities
come from models that never saw it (the out-of-fold probabilities training computes anyway). A topic
an example carries is suspect when its probability falls below what the topic's examples usually get;
a topic it lacks is suspect when its probability reaches what they usually get. Each suspect example
is scored by its most doubtful suspect topic: how far that topic's probability is from the label (1 - p
for a topic given, p for one missing). The largest single disagreement ranks a wrong topic higher than a
sum over topics does, which adds the small doubts of every topic of a long multi-topic paragraph: in 300
examples, 53% of the wrong topics planted rank among the top suspects against 33% (docs/benchmarks.md).

>>> records = [{"text": f"tariffs and exports {i}", "topics": ["trade"]} for i in range(12)]
>>> records += [{"text": f"migrants and asylum {i}", "topics": ["migration"]} for i in range(11)]
>>> records += [{"text": "migrants and asylum seekers crossed", "topics": ["trade"]}]
>>> audit(records, min_df=1, folds=3)[0].suggested
('migration',)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decision import chosen
from .documents import rounded_repr
from .examples import Example, duplicate_key, merge_duplicates, read_examples
from .model import TopicModel
from .taxonomy import Taxonomy, as_taxonomy

log = logging.getLogger("topicslib")
# Below either, audit says its ranking means little. On seeded samples of the shipped examples with 5% of the labels
# made wrong (benchmarks/audit.py --limit N, 5 draws), the share of those wrong labels among the top 2k suspects and of
# the correct labels flagged, with the audit model's out-of-fold micro-F1: 100 examples 28% / 82% (F1 0.456), 300 51% /
# 53% (0.615), 500 66% / 32% (0.790), 1,000 79% / 21% (0.862). Below 500 examples, or an F1 under 0.75, fewer than the
# 60% of issue 20's target rank at the top, and most of what is flagged is right. On a user's 40 correct labels of
# seven topics (F1 0.87) 13 were flagged, up to 0.94: the size says it where the F1 does not.
_MIN_EXAMPLES = 500
_MIN_F1 = 0.75


@dataclass(frozen=True)
class Suspect:
    """An example whose labels look wrong: where it is, what it says, the topics it was given (all of them,
    as read), the topics its out-of-fold probabilities suggest, and how suspicious it is (from 0 to 1,
    higher: more). A topic left out of training (fewer examples than ``min_examples``) cannot be judged: it
    counts in no score and stays in ``suggested`` as given. A paragraph repeated in the examples is judged
    once, with the topics of all its copies: ``copies`` are the places of the others (empty for most), where
    a doubtful topic may be written instead. Shown with its score to two decimals, as a ``TopicScore`` is
    (:func:`~topicslib.documents.rounded_repr`).

    >>> Suspect(3, "a.jsonl:4", "Coca fell.", ("trade",), ("narcotics",), 0.9731224)
    Suspect(index=3, where='a.jsonl:4', text='Coca fell.', given=('trade',), suggested=('narcotics',), score=0.97, copies=())
    """

    index: int
    where: str
    text: str
    given: tuple[str, ...]
    suggested: tuple[str, ...]
    score: float
    copies: tuple[str, ...] = ()

    __repr__ = rounded_repr

    def to_dict(self) -> dict:
        return {"index": self.index, "where": self.where, "text": self.text, "given": list(self.given),
                "suggested": list(self.suggested), "score": round(self.score, 4), "copies": list(self.copies)}


def audit(examples: str | Path | Iterable[Mapping | Example], taxonomy: str | Path | Taxonomy | None = None,
          **options) -> list[Suspect]:
    """Likely label errors among ``examples`` (a file, a folder or records), most suspicious first.

    ``options`` are training options; repeated paragraphs are judged once, at their first place.

    >>> records = [{"text": f"tariffs and exports {i}", "topics": ["trade"]} for i in range(12)]
    >>> records += [{"text": f"migrants and asylum {i}", "topics": ["migration"]} for i in range(11)]
    >>> records += [{"text": "migrants and asylum seekers crossed", "topics": ["trade", "ports"]}]  # one of ports
    >>> s = audit(records, min_df=1, folds=3)[0]
    >>> s.given, s.suggested
    (('trade', 'ports'), ('migration', 'ports'))
    """
    taxonomy = as_taxonomy(taxonomy)
    read = read_examples(examples, taxonomy=taxonomy)
    kept, _ = merge_duplicates(read)
    first, places = {}, {}  # each paragraph's first position, and the places of all its copies
    for i, e in enumerate(read):
        key = duplicate_key(e.text)
        first.setdefault(key, i)
        places.setdefault(key, []).append(e.where)
    model = TopicModel.from_options(**options).fit_examples(kept, taxonomy)
    ids = model.classes_.tolist()
    proba = model.oof_proba_
    Y = np.array([[t in e.topics for t in ids] for e in kept], dtype=bool)
    # Per topic, the probability its own examples usually get: below it a given label is doubtful,
    # at or above it a missing label is likely.
    usual = np.array([proba[Y[:, j], j].mean() if Y[:, j].any() else 1.0 for j in range(len(ids))])
    thresholds = model.thresholds_.tolist()
    suspects = []
    for i, e in enumerate(kept):
        p, y = proba[i], Y[i]
        decided = np.zeros(len(ids), dtype=bool)
        decided[[j for _, j in chosen(p.tolist(), thresholds, model.multi_label_)]] = True
        doubtful = y & ~decided & (p < usual)  # given, yet the model would not give it, nor do its peers score so low
        missing = ~y & decided & (p >= usual)  # not given, yet scored like the topic's own examples
        flagged = doubtful | missing
        if not flagged.any():
            continue
        score = float(np.abs(y - p)[flagged].max())
        unjudged = tuple(t for t in e.topics if t not in ids)  # left out of training: no model to doubt them
        suggested = tuple(ids[j] for j in np.flatnonzero(decided)) + unjudged
        key = duplicate_key(e.text)
        suspects.append(Suspect(first[key], e.where, e.text, e.topics, suggested, score, tuple(places[key][1:])))
    micro_f1 = model.card_["cross_validation"]["micro"]["f1"]
    if suspects and (len(kept) < _MIN_EXAMPLES or (micro_f1 is not None and micro_f1 < _MIN_F1)):
        log.warning(_few_examples_note(len(kept), micro_f1))
    return sorted(suspects, key=lambda s: (-s.score, s.index))


def _few_examples_note(n: int, micro_f1: float | None) -> str:
    """What audit says when its examples are too few, or its model too unsure, for the ranking to mean much.

    >>> print(_few_examples_note(40, 0.872))
    audit's ranking means little with 40 examples (fewer than 500): below 500 examples or an out-of-fold micro-F1 of 0.75, most labels it flags are right and fewer than 60% of wrong ones rank at the top (measured on samples of the shipped examples); read the suspects as the model's doubts, and audit again with more examples
    """
    why = [f"{n:,} examples (fewer than {_MIN_EXAMPLES:,})"] if n < _MIN_EXAMPLES else []
    if micro_f1 is not None and micro_f1 < _MIN_F1:
        why.append(f"an out-of-fold micro-F1 of {micro_f1:.3f} (under {_MIN_F1})")
    return (f"audit's ranking means little with {' and '.join(why)}: below {_MIN_EXAMPLES:,} examples or an out-of-fold "
            f"micro-F1 of {_MIN_F1}, most labels it flags are right and fewer than 60% of wrong ones rank at the top "
            "(measured on samples of the shipped examples); read the suspects as the model's doubts, and audit again "
            "with more examples")
