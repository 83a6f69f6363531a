"""A first model from a taxonomy's seed terms and an unlabeled corpus, with no labels.

Each paragraph is scored for each topic by the seed terms it holds (those of every language the taxonomy
gives the topic in: a corpus may mix them), each term weighted by how
specific it is (its inverse document frequency in the corpus: a seed found everywhere says little).
Paragraphs with a clear seed score become pseudo-labeled examples and a model is trained on them.
Then, ``rounds`` times, every paragraph is labeled again and the model retrained on the new labels:
a pseudo-labeled paragraph by its out-of-fold probabilities (from the models of the folds that did
not see its label, which training computes anyway), any other by the model; a paragraph none of
them is fairly sure of is left out (and when a round's labels would lose a topic or put one on every
paragraph, as on a corpus too small for folds to judge, the rounds stop there). What the seeds found teaches the words that come with them, and
judging each paragraph by models that never saw its label keeps the seeds' mistakes from teaching
themselves back (measured in docs/benchmarks.md: 0.585 -> 0.617 accuracy on the CAP bill titles).

``multi_label=False`` says the topics exclude each other (a codebook that gives each text one code):
each paragraph is then relabeled with its most probable topic only; by default it gets every topic
whose probability reaches the topic's threshold, and paragraphs no seed matches (and, after the seed
round, the model gives no topic) are also trained on, as paragraphs of no topic (a fixed sample, a
quarter as many as the labeled ones), so that the model can say "none": a real corpus is mostly about
other things. A warning says when the rounds pseudo-label
many times what the seeds found, or put one topic on most of the corpus.

>>> from topicslib.taxonomy import Taxonomy, Topic
>>> tax = Taxonomy((Topic("trade", seeds=("tariffs", "exports")), Topic("migration", seeds=("migrants", "asylum"))))
>>> texts = [f"tariffs on exports of coffee {i}" for i in range(6)] + [f"migrants sought asylum {i}" for i in range(6)]
>>> model = bootstrap(texts, taxonomy=tax, min_df=1, folds=2)
>>> [t for t, _ in model.classify("new tariffs hit coffee")]
['trade']
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from .decision import sure_indicators
from .errors import InputError, TaxonomyError, TrainingError, in_short
from .examples import Example, duplicate_key, example_line, left_out_in_short
from .features import tokenize
from .files import atomic_output, check_writable
from .model import TopicModel
from .scoring import check_texts
from .taxonomy import Taxonomy, Topic, as_taxonomy

log = logging.getLogger("topicslib")

# A paragraph is pseudo-labeled with every topic whose seed score reaches this share of its best one
# (1: the best only, ties kept). Measured on the CAP bills (benchmarks/bootstrap.py, with the earlier
# in-sample relabeling): 0.5 gave 0.572, 1.0 gave 0.592 accuracy, the rounds then adding second topics.
_SHARE_OF_BEST = 1.0
# Between rounds, a paragraph is labeled when its best probability reaches this, else left out (on the
# CAP bills, single-label: 0.2 gave 0.609, 0.3 0.617, 0.5 0.612; on AG News 0.635, 0.638, 0.631).
_SURE = 0.3
# A warning when the rounds pseudo-label more than this many times the paragraphs the seeds found, or put one topic
# on more than this share of the corpus.
_RUNAWAY_GROWTH = 3
# Multi-label: the topic-less examples are at most this many for each pseudo-labeled paragraph, a fixed random
# sample of the candidates. Many paragraphs no seed matches do have a topic (79% on the shipped examples); all of
# them as "none" cost dev_real micro-F1 (0.514 against 0.525 with 0.25) and made every round train on the whole
# corpus (State Department: 27,049 paragraphs a round, 863 MB; with 0.25, 3,983 and 26 s), for 4.2% tagged there
# against 12.4% with 0.25.
_TOPICLESS_PER_LABELED = 0.25
_RUNAWAY_SHARE = 0.5


def seed_scores(texts: Sequence[str], taxonomy: Taxonomy) -> np.ndarray:
    """Each text's score for each topic: the idf-weighted count of the topic's seed terms in it, those of every
    language the taxonomy gives the topic in (:attr:`Topic.all_seeds`).

    >>> from topicslib.taxonomy import Topic
    >>> tax = Taxonomy((Topic("a", seeds=("coca crops",)), Topic("b", seeds=("migrants",))))
    >>> seed_scores(["Coca crops grew.", "Migrants and coca crops.", "Nothing."], tax).round(2).tolist()
    [[0.29, 0.0], [0.29, 0.69], [0.0, 0.0]]
    """
    return _seed_matches(texts, taxonomy)[0]


def seed_counts(texts: Sequence[str], taxonomy: Taxonomy) -> dict[str, dict[str, int]]:
    """How many of ``texts`` hold each seed term, topic by topic, each seed as the taxonomy writes it (those of every
    language); 0 for a seed that matched none, which is worth rewording or dropping. Seeds match as
    :func:`seed_scores` matches them: by words, case aside ("China" and "china" match the same texts).

    >>> tax = Taxonomy((Topic("a", seeds=("coca crops", "tailings")), Topic("b", seeds=("migrants",))))
    >>> seed_counts(["Coca crops grew.", "Migrants and coca crops.", "Nothing."], tax)
    {'a': {'coca crops': 2, 'tailings': 0}, 'b': {'migrants': 1}}
    """
    return _seed_matches(texts, taxonomy)[1]


def unmatched_seeds(counts: dict[str, dict[str, int]]) -> dict[str, list[str]]:
    """The seeds of :func:`seed_counts` that matched no text, for each topic that has any.

    >>> unmatched_seeds({"a": {"coca crops": 2, "tailings": 0}, "b": {"migrants": 1}})
    {'a': ['tailings']}
    """
    return {t: none for t, seeds in counts.items() if (none := [s for s, n in seeds.items() if not n])}


def _seed_matches(texts: Sequence[str], taxonomy: Taxonomy) -> tuple[np.ndarray, dict[str, dict[str, int]]]:
    """:func:`seed_scores` and :func:`seed_counts` from one pass over ``texts``: bootstrap needs both, and finding
    the seeds' n-grams is most of the time the seed round takes on a large corpus."""
    # Each term once a topic: "China" and "china" (or a seed shared by two languages) are one term, not a double weight.
    seeds = [list(dict.fromkeys(tuple(tokenize(s)) for s in t.all_seeds if tokenize(s))) for t in taxonomy.topics]
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
    # a seed of no words (punctuation only) matches nothing: listed with 0, for the user to see it does not count
    counts = {t.id: {s: df.get(tuple(tokenize(s)), 0) for s in t.all_seeds} for t in taxonomy.topics}
    return out, counts


def _warn_unread_seeds(taxonomy: Taxonomy) -> None:
    """Warn of seeds with a word the model does not read (letters one by one: "U.S.", "A.I."): such a seed matches
    as its other words alone ("U.S. sanctions" as every "sanctions"), or nothing, where it was listed as matching no
    paragraph, or as many as its other words, unsaid (QA pass 6)."""
    unread = [(s, t.id, " ".join(tokenize(s))) for t in taxonomy.topics for s in t.all_seeds
              # a lone letter ("y" of "Franja y la Ruta") is dropped from the paragraphs too, and the seed matches
              if any(not tokenize(w) and sum(c.isalnum() for c in w) > 1 for w in s.split())]
    if unread:
        log.warning("%s seed%s with words the model does not read (letters one by one, as in \"U.S.\"; write "
                    "\"US\"): %s", len(unread), "s" if len(unread) > 1 else "",
                    in_short([f"{s!r} ({t}) matches {f'as {read!r}' if read else 'nothing'}" for s, t, read in unread],
                             10))


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


def bootstrap(texts: Iterable[str], *, taxonomy: str | Path | Taxonomy, rounds: int = 3, multi_label: bool = True,
              on_round: Callable[[int, int, int], None] | None = None, pseudo_labels: str | Path | None = None,
              fields: Sequence[Mapping] | None = None, **options) -> TopicModel:
    """A model for ``taxonomy``'s topics from its seed terms and the unlabeled ``texts`` (see the module).

    ``multi_label=False`` when each text has exactly one of the topics. ``options`` are training
    options (``min_examples`` defaults to 1 here: a topic whose seeds are rare still gets a model; ``folds``
    to 5, since the rounds relabel by the models of folds that never saw a seed's label, and an estimate
    from the model that did keeps more of the seeds' mistakes: CAP bills 0.609 against 0.617).

    A topic whose seeds label no paragraph is left out with a warning that says why (no seeds, none
    matched); a taxonomy of one topic is a :class:`TaxonomyError`, fewer than two topics found in the corpus a
    :class:`TrainingError`, as is a corpus of no text but blank ones (none, an empty file), and a topic on every
    paragraph the seeds label, with none to learn it against: two topics whose seeds match the very same
    paragraphs, equally, where no other topic's seeds label any, say.

    ``on_round(round, rounds, pseudo_labeled)`` is called as each round's training starts (round 0: the seeds'),
    with how many paragraphs it trains on as pseudo-labeled (the command line's progress line shows it). The
    model's card has a ``bootstrap`` section: the rounds, ``multi_label``, the corpus's paragraphs, how many each
    topic's seeds matched (``seed_matched``) and each seed (``per_seed``, :func:`seed_counts`), the seeds that matched
    none (``unmatched_seeds``), and what each round trained on; its cross-validation measures agreement with the
    pseudo-labels, not accuracy.

    ``pseudo_labels``, a path: the paragraphs the last round pseudo-labeled are written there as examples (JSON Lines
    that ``train``, ``audit`` and ``evaluate`` read; :func:`~topicslib.examples.example_line`), in corpus order, each
    duplicate once, for the labels to be read, audited and corrected; the paragraphs trained on as of no topic are
    not among them. ``fields``, one mapping a text, are written beside each one's text and topics (its corpus
    record's). The file is written whole or not at all, and checked writable before the training.

    >>> import tempfile, pathlib
    >>> tax = Taxonomy((Topic("trade", seeds=("tariffs", "quotas")), Topic("migration", seeds=("migrants",))))
    >>> texts = [f"tariffs on coffee {i}" for i in range(6)] + [f"migrants crossed {i}" for i in range(6)]
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "pseudo.jsonl"
    >>> model = bootstrap(texts, taxonomy=tax, min_df=1, folds=2, pseudo_labels=out,
    ...                   fields=[{"id": i} for i in range(12)])
    >>> model.card_["bootstrap"]["per_seed"], model.card_["bootstrap"]["unmatched_seeds"]
    ({'trade': {'tariffs': 6, 'quotas': 0}, 'migration': {'migrants': 6}}, {'trade': ['quotas']})
    >>> print(out.read_text().splitlines()[0])
    {"text": "tariffs on coffee 0", "topics": ["trade"], "id": 0}

    >>> tax = Taxonomy((Topic("trade", seeds=("tariffs",)), Topic("economy", seeds=("exports",))))
    >>> bootstrap([f"tariffs on exports {i}" for i in range(6)] + ["rain"], taxonomy=tax, min_df=1, folds=2)
    Traceback (most recent call last):
    ...
    topicslib.errors.TrainingError: the seeds of 'trade' and 'economy' match the very same paragraphs, equally, ...
    """
    taxonomy = as_taxonomy(taxonomy)
    if taxonomy is None:
        raise TaxonomyError("bootstrap needs a taxonomy with seed terms")
    if len(taxonomy) < 2:  # each topic is learned against the others: one alone would be on every paragraph
        raise TaxonomyError(f"bootstrap needs at least two topics, and the taxonomy has only one ({taxonomy.ids[0]!r}); "
                            "add the topics it is to be told apart from")
    if not isinstance(rounds, int) or isinstance(rounds, bool) or rounds < 0:
        raise InputError(f"rounds must be a non-negative integer, got {rounds!r}")
    first: dict[str, int] = {}
    advice = "give the corpus as a list of paragraphs (the command `topicslib bootstrap CORPUS` reads files)"
    given = check_texts(texts, "bootstrap", advice)
    if fields is not None and len(fields) != len(given):
        raise InputError(f"fields must give one mapping a text: {len(fields):,} for {len(given):,} texts")
    for i, t in enumerate(given):  # each paragraph once: the out-of-fold rows are the examples
        first.setdefault(duplicate_key(t), i)
    texts = [given[i] for i in first.values()]
    # said as such: the seeds' search below would call an empty corpus one that holds none of them (QA pass 6)
    if not any(t.strip() for t in texts):
        raise TrainingError(f"the corpus holds no paragraph to find the seeds in ({len(given):,} texts, "
                            "none but blank ones): give the paragraphs to bootstrap from")
    if pseudo_labels is not None:  # now, not after the training, which a bad path would waste
        check_writable(pseudo_labels)
    _warn_unread_seeds(taxonomy)
    scores, per_seed = _seed_matches(texts, taxonomy)
    labels = _labels(scores, list(taxonomy.ids))
    found = _found_topics(taxonomy, scores, labels)
    options = {"min_examples": 1, "folds": 5, **options}
    # Multi-label: paragraphs no seed matches, and (after the seed round) the model gives no topic, are kept as
    # topic-less examples, so that the model learns to give none. Trained only on what some topic labels, it
    # gave a topic to nearly every paragraph of a mostly off-topic corpus, each round pulling more in (97% of
    # the State Department's press releases). A codebook (single-label) gives every text a code: none there.
    unmatched = ~scores.any(axis=1) if multi_label else np.zeros(len(texts), dtype=bool)
    rank = np.random.default_rng(TopicModel.from_options(**options).seed).permutation(len(texts)).argsort()
    labels = _with_topicless(labels, unmatched, rank)
    model = None
    trained_on: list[dict[str, int]] = []  # each round's pseudo-labeled and topic-less paragraphs, for the card
    for round_ in range(rounds + 1):
        rows = [i for i, labs in enumerate(labels) if labs is not None]
        trained_on.append({"pseudo_labeled": sum(1 for i in rows if labels[i]),
                           "without_topic": sum(1 for i in rows if not labels[i])})
        if on_round is not None:
            on_round(round_, rounds, trained_on[-1]["pseudo_labeled"])
        model = TopicModel.from_options(**options).fit_examples([Example(texts[i], labels[i]) for i in rows], found)
        if round_ == rounds:
            break
        proba = model.predict_proba(texts)
        proba[rows] = model.oof_proba_  # the paragraphs trained on judged by the folds that did not see them
        classes = model.classes_.tolist()
        decided = sure_indicators(proba, model.thresholds_, multi_label, _SURE)
        relabeled = [tuple(classes[j] for j in np.flatnonzero(row)) or None for row in decided]
        if not _trainable(relabeled, classes):
            break  # too few paragraphs for folds to judge (a topic lost, or on every one): keep this model
        labels = _with_topicless(relabeled, unmatched & ~decided.any(axis=1), rank)
    _warn_runaway(labels, trained_on[0]["pseudo_labeled"], len(texts))
    # The card says how the model was made, and that its cross-validation judged the model against labels that
    # the seeds and the model itself gave: a model tagging 97% of a corpus wrongly scored micro-F1 0.995 there.
    model.card_["bootstrap"] = {
        "rounds": rounds, "rounds_run": len(trained_on) - 1, "multi_label": multi_label, "paragraphs": len(texts),
        "seed_matched": {t: int(n) for t, n in zip(taxonomy.ids, (scores > 0).sum(axis=0).tolist())},
        "per_seed": per_seed, "unmatched_seeds": unmatched_seeds(per_seed), "trained_on": trained_on,
    }
    model.card_["cross_validation"]["note"] = (
        "bootstrapped: these figures measure agreement with the pseudo-labels (the seeds' and the model's own), not "
        "accuracy; label a sample and run `evaluate` for that")
    # The model lacks the topics the seeds found no paragraph for: its card's left_out names them (0 examples)
    # beside any topic that training left out.
    model.card_["left_out"] = {**{t: 0 for t in taxonomy.ids if t not in found}, **model.card_["left_out"]}
    if pseudo_labels is not None:  # `labels` are what the last model trained on: the last round's
        kept = list(first.values())
        with atomic_output(pseudo_labels) as out:
            out.writelines(example_line(texts[k], labs, None if fields is None else fields[kept[k]])
                           for k, labs in enumerate(labels) if labs)
    return model


def _with_topicless(labels: list[tuple[str, ...] | None], candidates: np.ndarray,
                    rank: np.ndarray) -> list[tuple[str, ...] | None]:
    """``labels`` with ``candidates`` (paragraphs no seed matches, nor the model labels) made examples of no topic,
    ``()``: up to :data:`_TOPICLESS_PER_LABELED` of them for each labeled paragraph, the first by ``rank`` (a fixed
    random order, so that the same corpus gives the same model). None stays for a paragraph left out."""
    limit = int(_TOPICLESS_PER_LABELED * sum(1 for labs in labels if labs))
    picked = np.flatnonzero(candidates)
    out = list(labels)
    for i in picked[np.argsort(rank[picked], kind="stable")][:limit].tolist():
        out[i] = ()
    return out


def _warn_runaway(labels: list[tuple[str, ...] | None], n_seeded: int, n_texts: int) -> None:
    """Warn when the rounds grew the pseudo-labeled paragraphs many times over what the seeds found, or put one
    topic on most of the corpus: signs that the model learned the corpus's common words, not the topics."""
    labeled = [labs for labs in labels if labs]
    if len(labeled) > _RUNAWAY_GROWTH * n_seeded:
        log.warning("the rounds pseudo-labeled %s paragraphs, %.0f times the %s the seeds found: the model may be "
                    "learning what the corpus is about rather than the topics; check a sample of what it tags, and "
                    "compare with fewer rounds (--rounds 0: the seeds' paragraphs only)", f"{len(labeled):,}",
                    len(labeled) / max(1, n_seeded), f"{n_seeded:,}")
    for t, n in Counter(t for labs in labeled for t in labs).items():
        if n > _RUNAWAY_SHARE * n_texts:
            log.warning("%r is on %s of the %s paragraphs (%.0f%%) after the rounds: if the corpus is not mostly about "
                        "it, its seeds are too common here (a country's name, say); give it more specific seeds",
                        t, f"{n:,}", f"{n_texts:,}", 100 * n / n_texts)


def _found_topics(taxonomy: Taxonomy, scores: np.ndarray, labels: list[tuple[str, ...] | None]) -> Taxonomy:
    """The topics of ``taxonomy`` that the seeds pseudo-labeled some paragraph with; the others are left out
    with a warning saying why. Each topic is learned against the others, so fewer than two found is a
    :class:`TrainingError`, as is a topic on every paragraph the seeds labeled (:func:`_everywhere`)."""
    given = {t for labs in labels if labs for t in labs}
    kept = tuple(t for t in taxonomy.topics if t.id in given)
    if not kept:
        raise TrainingError("no paragraph of the corpus holds a seed term; add seeds the corpus uses")
    missed = {t.id: _why_missed(t, scores[:, j]) for j, t in enumerate(taxonomy.topics) if t.id not in given}
    if len(kept) < 2:
        raise TrainingError(f"bootstrap needs at least two topics found in the corpus, and the seeds found only "
                            f"{kept[0].id!r} ({_missed_reasons(missed)}); add seeds the corpus uses")
    everywhere = _everywhere([t.id for t in kept], labels)
    if everywhere:
        raise TrainingError(everywhere + (f" (and {_missed_reasons(missed)})" if missed else ""))
    if missed:
        log.warning("left out %s topic%s of the taxonomy: %s", f"{len(missed):,}", "s" if len(missed) != 1 else "",
                    _missed_reasons(missed, beyond="; the model card's left_out names them all"))
    return Taxonomy(kept, taxonomy.lang)


def _everywhere(found: list[str], labels: list[tuple[str, ...] | None]) -> str | None:
    """Why a topic of ``found`` cannot be learned when the seeds put it on every paragraph they labeled
    (``labels``), with no paragraph to learn it against; None when none is on every one. A paragraph gets
    each topic whose seeds weigh most in it, so such a topic ties with every other one where both match.

    >>> print(_everywhere(["a", "b"], [("a", "b"), ("a", "b"), None]))
    the seeds of 'a' and 'b' match the very same paragraphs, equally, and no other topic's seeds label any: bootstrap \
has no paragraph to learn them against; give them seeds that tell them apart, or give other topics seeds the corpus uses
    >>> print(_everywhere(["a", "b", "c"], [("a", "b"), ("a",), ("a", "c")]))
    the seeds of 'a' match every paragraph the seeds label, weighing there at least as much as any other topic's: \
bootstrap has no paragraph to learn it against; give 'b' and 'c' seeds that weigh more than those of 'a' in some \
paragraphs
    >>> _everywhere(["a", "b"], [("a",), ("b",)]) is None
    True
    """
    labeled = [labs for labs in labels if labs]
    on_all = [t for t in found if all(t in labs for labs in labeled)]
    if not on_all:
        return None
    names = _names(on_all)
    if len(on_all) == len(found):
        return (f"the seeds of {names} match the very same paragraphs, equally, and no other topic's seeds label any: "
                "bootstrap has no paragraph to learn them against; give them seeds that tell them apart, or give "
                "other topics seeds the corpus uses")
    them = "it" if len(on_all) == 1 else "them"
    return (f"the seeds of {names} match every paragraph the seeds label, weighing there at least as much as any other "
            f"topic's: bootstrap has no paragraph to learn {them} against; give "
            f"{_names([t for t in found if t not in on_all])} seeds that weigh more than those of {names} in some "
            "paragraphs")


def _names(ids: list[str]) -> str:
    """Topic ids for a message: 'a', 'a' and 'b', 'a', 'b' and 'c'."""
    quoted = [repr(t) for t in ids]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


# Why the seeds pseudo-labeled no paragraph with a topic: each reason worded for one topic, and for a group of them.
_REASONS = {
    "no seeds": ("{} has no seeds", "with no seeds"),
    "no match": ("the seeds of {} matched no paragraph", "whose seeds matched no paragraph"),
    "outweighed": ("the seeds of {} matched only paragraphs where another topic's seeds weigh more",
                   "whose seeds matched only paragraphs where another topic's seeds weigh more"),
}

def _why_missed(topic: Topic, scores: np.ndarray) -> str:
    """Why the seeds pseudo-labeled no paragraph with ``topic`` (a key of :data:`_REASONS`), given its seed
    score in each paragraph."""
    if not topic.all_seeds:
        return "no seeds"
    if not scores.any():
        return "no match"
    return "outweighed"


def _missed_reasons(missed: dict[str, str], beyond: str = "") -> str:
    """The reasons of :func:`_why_missed` for the topics left out (id: reason), for a message: each topic's
    own, or past ten topics, a count of each reason with its first few topics, and ``beyond``
    (:func:`~topicslib.examples.left_out_in_short`).

    >>> _missed_reasons({"a": "no seeds", "b": "no match"})
    "'a' has no seeds; the seeds of 'b' matched no paragraph"
    >>> _missed_reasons({f"t{i}": "no match" for i in range(12)})
    "12 whose seeds matched no paragraph: 't0', 't1', 't2', 't3', 't4' and 7 more"
    """
    return left_out_in_short({repr(t): why for t, why in missed.items()}, _REASONS, beyond=beyond)


def _trainable(labels: list[tuple[str, ...] | None], classes: list[str]) -> bool:
    """Whether every topic is on some, and none on every, labeled paragraph."""
    given = [set(labs) for labs in labels if labs]
    return bool(given) and all(0 < sum(t in g for g in given) < len(given) for t in classes)
