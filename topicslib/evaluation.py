"""Scoring predictions against gold labels: per-topic and averaged precision, recall, F1, and how far
the probabilities can be trusted (expected calibration error, precision of confident tags by length)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .jsonio import encode
from .language import detect_many
from .writers import table_text

if TYPE_CHECKING:
    from .examples import Example


@dataclass(frozen=True)
class Scores:
    """Precision, recall, F1 and support of one topic or an average. An average's figure is None where it is
    undefined: when no example's gold labels hold a topic (see :func:`score`)."""

    name: str
    precision: float | None
    recall: float | None
    f1: float | None
    support: int
    threshold: float | None = None


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return float(p), float(r), float(f)


# What a table says under figures it shows as "-".
_UNDEFINED = "-: undefined where no example's gold labels hold a topic (no topic to average over, no label to recall)"


# Text lengths (whitespace words) the precision of confident tags is reported for, and what "confident" is.
LENGTHS = (("under 12 words", 0, 12), ("12-40 words", 12, 41), ("over 40 words", 41, 10**9))
CONFIDENT = 0.9


@dataclass(frozen=True)
class Calibration:
    """How far the probabilities can be trusted.

    ``ece``: expected calibration error over every (paragraph, topic) probability, 10 equal bins;
    ``confident``: for each text length, how many tags had probability >= 0.9 and the share of them
    that were right.
    """

    ece: float
    confident: dict[str, dict[str, float | int | None]]

    def table(self) -> str:
        """The error, then a table (``writers.table_text``) of each text length's confident tags and the share of
        them that were right (``-`` where there were none)."""
        rows = [[name, c["tags"], c["precision"]] for name, c in self.confident.items()]
        return "\n".join([f"expected calibration error (10 bins): {self.ece:.3f}",
                          f"tags with probability >= {CONFIDENT}: how many were right, by text length",
                          table_text(["text length", "tags", "share right"], rows).rstrip("\n")])


def calibration(Y_true: np.ndarray, proba: np.ndarray, lengths: Sequence[int]) -> Calibration:
    """:class:`Calibration` of probabilities against 0/1 gold topics; ``lengths`` are the texts' word counts.

    >>> c = calibration(np.array([[1, 0], [0, 0]]), np.array([[0.95, 0.1], [0.92, 0.0]]), [3, 50])
    >>> round(c.ece, 3), c.confident["under 12 words"], c.confident["over 40 words"]["precision"]
    (0.243, {'tags': 1, 'precision': 1.0}, 0.0)
    """
    Y_true, proba = np.asarray(Y_true, bool), np.asarray(proba, float)
    p, y = proba.ravel(), Y_true.ravel()
    bins = np.minimum((p * 10).astype(int), 9)
    ece = sum(abs(p[bins == b].mean() - y[bins == b].mean()) * (bins == b).sum() for b in range(10) if (bins == b).any())
    n = np.asarray(lengths)
    confident = {}
    for name, lo, hi in LENGTHS:
        tags = (proba >= CONFIDENT) & ((n >= lo) & (n < hi))[:, None]
        confident[name] = {"tags": int(tags.sum()), "precision": float(Y_true[tags].mean()) if tags.any() else None}
    return Calibration(float(ece / max(len(p), 1)), confident)


@dataclass(frozen=True)
class Mistake:
    """An example whose predicted topics are not its gold ones: where it is (``index`` in the examples as
    read, ``where`` as file:line, or ``example N`` for a record given in memory), its text, its gold topics,
    the topics predicted with their probabilities (highest first), the gold topics ``missed`` and the
    ``extra`` ones, and how confidently wrong the model was (``score``, 0 to 1: the largest probability of an
    extra topic or 1 - that of a missed one).

    >>> m = Mistake(0, "gold.jsonl:1", "Tariffs rose.", ("trade",), (("diplomacy", 0.8),), ("trade",), ("diplomacy",),
    ...             0.8)
    >>> m.line()
    'gold.jsonl:1  gold: trade  predicted: diplomacy 0.80  (missed: trade; extra: diplomacy)'
    """

    index: int
    where: str
    text: str
    gold: tuple[str, ...]
    predicted: tuple[tuple[str, float], ...]
    missed: tuple[str, ...]
    extra: tuple[str, ...]
    score: float

    def line(self) -> str:
        """One line for people: where, gold, predicted with probabilities, and what differs."""
        predicted = ", ".join(f"{t} {p:.2f}" for t, p in self.predicted) or "-"
        differs = "; ".join(f"{k}: {', '.join(v)}" for k, v in (("missed", self.missed), ("extra", self.extra)) if v)
        return f"{self.where}  gold: {', '.join(self.gold) or '-'}  predicted: {predicted}  ({differs})"

    def to_dict(self) -> dict:
        return {"index": self.index, "where": self.where, "text": self.text, "gold": list(self.gold),
                "predicted": [{"topic": t, "score": round(p, 4)} for t, p in self.predicted],
                "missed": list(self.missed), "extra": list(self.extra), "score": round(self.score, 4)}


def find_mistakes(examples: Sequence[Example], gold: np.ndarray, predicted: np.ndarray, proba: np.ndarray,
                  topic_ids: Sequence[str]) -> tuple[Mistake, ...]:
    """The :class:`Mistake` of each example whose ``predicted`` row (0/1 per topic) differs from its ``gold``
    one, most confidently wrong first (then in the examples' order). ``proba`` has a column for each of the
    first ``len(proba[0])`` topics; a topic beyond them (a gold topic the model lacks) counts as probability 0.

    >>> from topicslib.examples import Example
    >>> ex = [Example(t, (k,), "g.jsonl", n) for n, (t, k) in enumerate([("a", "x"), ("b", "y"), ("c", "y")], 1)]
    >>> gold, pred, proba = [[1, 0], [0, 1], [0, 1]], [[1, 0], [1, 0], [0, 0]], np.array([[.9, .1], [.7, .2], [.1, .4]])
    >>> [(m.where, m.missed, m.extra, m.score) for m in find_mistakes(ex, gold, pred, proba, ["x", "y"])]
    [('g.jsonl:2', ('y',), ('x',), 0.8), ('g.jsonl:3', ('y',), (), 0.6)]
    """
    gold, predicted = np.asarray(gold, bool), np.asarray(predicted, bool)
    p = np.zeros(gold.shape)
    p[:, : proba.shape[1]] = proba
    out = []
    for i in np.flatnonzero((gold != predicted).any(axis=1)):
        missed, extra = gold[i] & ~predicted[i], predicted[i] & ~gold[i]
        score = max([*(1.0 - p[i, missed]), *p[i, extra]])
        picks = sorted(np.flatnonzero(predicted[i]), key=lambda j: -p[i, j])
        out.append(Mistake(int(i), examples[i].where, examples[i].text, examples[i].topics,
                           tuple((topic_ids[j], float(p[i, j])) for j in picks),
                           tuple(topic_ids[j] for j in np.flatnonzero(missed)),
                           tuple(topic_ids[j] for j in np.flatnonzero(extra)), float(score)))
    out.sort(key=lambda m: -m.score)
    return tuple(out)


@dataclass(frozen=True)
class Evaluation:
    """Per-topic scores with micro and macro averages.

    Macro is the plain mean over the topics the gold labels hold; ``absent`` lists the topics
    they never hold (scored per topic, counted in micro, left out of macro, where their F1 of 0
    would say nothing about the model). When the gold labels hold no topic at all, an average over
    them is undefined: macro's figures and micro's recall are None, and so are micro's precision and F1
    unless the model tagged something (then 0: every tag is wrong). ``unknown`` lists gold topics the
    model does not have (left out of training, or of another label set): each of their labels is a miss,
    in micro and macro alike. ``calibration`` is set when probabilities were given. ``groups`` holds, when the
    examples were scored by the values of a field (``by``), each value's own evaluation; ``mistakes``,
    when asked for, the examples whose predicted topics are not their gold ones, most confident first.

    >>> ev = score(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [1, 1]]), ["a", "b"])
    >>> round(ev.micro.f1, 3), round(ev.macro.f1, 3)
    (0.8, 0.833)
    >>> ev = score(np.array([[1, 0], [1, 0]]), np.array([[1, 1], [1, 0]]), ["a", "b"])
    >>> round(ev.macro.f1, 3), ev.absent
    (1.0, ('b',))
    >>> ev = score(np.array([[0, 0], [0, 0]]), np.array([[0, 0], [0, 0]]), ["a", "b"])
    >>> ev.macro.f1, ev.micro.f1, ev.micro.precision
    (None, None, None)
    >>> print(ev.table().splitlines()[-1])
    -: undefined where no example's gold labels hold a topic (no topic to average over, no label to recall)
    """

    topics: tuple[Scores, ...]
    micro: Scores
    macro: Scores
    n_examples: int
    absent: tuple[str, ...] = ()
    calibration: Calibration | None = None
    unknown: tuple[str, ...] = ()
    by: str | None = None
    groups: dict[str, "Evaluation"] = field(default_factory=dict)
    mistakes: tuple[Mistake, ...] | None = None

    def __getitem__(self, topic: str) -> Scores:
        for s in self.topics:
            if s.name == topic:
                return s
        raise KeyError(topic)

    def to_dict(self) -> dict:
        out = {
            "n_examples": self.n_examples,
            "topics": {s.name: {k: v for k, v in asdict(s).items() if k != "name"} for s in self.topics},
            "micro": {k: v for k, v in asdict(self.micro).items() if k not in ("name", "threshold")},
            "macro": {k: v for k, v in asdict(self.macro).items() if k not in ("name", "threshold")},
        }
        if self.absent:
            out["absent_from_gold"] = list(self.absent)
        if self.unknown:
            out["not_in_model"] = list(self.unknown)
        if self.calibration is not None:
            out["calibration"] = asdict(self.calibration)
        if self.by is not None:
            out["by"] = self.by
            out["groups"] = {value: ev.to_dict() for value, ev in self.groups.items()}
        if self.mistakes is not None:
            out["mistakes"] = [m.to_dict() for m in self.mistakes]
        return out

    def table(self) -> str:
        """A plain-text table for people (``writers.table_text``): each topic's figures and threshold (blank for one
        the model lacks), then the averages', ``-`` where undefined; a line for what the averages leave out; then
        the calibration and the groups' table, when there are."""
        has_thr = any(s.threshold is not None for s in self.topics)
        columns = ["topic", "precision", "recall", "f1", "support"] + (["threshold"] if has_thr else [])
        rows = [[s.name, s.precision, s.recall, s.f1, s.support] + (["" if s.threshold is None else s.threshold]
                                                                      if has_thr else [])
                for s in (*self.topics, self.micro, self.macro)]
        lines = [table_text(columns, rows).rstrip("\n")]
        if self.macro.f1 is None:
            lines.append(_UNDEFINED)
        elif self.absent:
            lines.append(f"not in the gold labels (left out of the macro average): {', '.join(self.absent)}")
        if self.unknown:
            lines.append(f"not in the model (each of their labels is a miss): {', '.join(self.unknown)}")
        if self.calibration is not None:
            lines += ["", self.calibration.table()]
        if self.by is not None:
            lines += ["", self.groups_table()]
        return "\n".join(lines)

    def compared(self, other: Evaluation, names: tuple[str, str] = ("this model", "other model")) -> str:
        """A table of this evaluation's F1 per topic, micro and macro beside ``other``'s (of another model on the
        same examples) and the change between the two figures as shown (to three decimals); a topic only one of them
        has shows ``-`` for the other, as does an undefined average (None).

        >>> a = score(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [1, 1]]), ["x", "y"])
        >>> b = score(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [0, 1]]), ["x", "y"])
        >>> print(a.compared(b))
        topic      this model  other model  change
        x               0.667        1.000  -0.333
        y               1.000        1.000  +0.000
        micro avg       0.800        1.000  -0.200
        macro avg       0.833        1.000  -0.167
        """
        mine, theirs = {t.name: t.f1 for t in self.topics}, {t.name: t.f1 for t in other.topics}
        pairs = [(t, mine.get(t), theirs.get(t)) for t in dict.fromkeys([*mine, *theirs])]
        pairs += [("micro avg", self.micro.f1, other.micro.f1), ("macro avg", self.macro.f1, other.macro.f1)]
        # the change is signed, so it is written here: table_text writes a fraction without its sign. It is that of
        # the figures as printed (rounded as table_text rounds them), so 0.827 against 0.826 reads +0.001, not the
        # +0.000 of unrounded F1s 0.0002 apart.
        rows = [[name, a, b, "-" if a is None or b is None else f"{round(a, 3) - round(b, 3):+.3f}"]
                for name, a, b in pairs]
        return table_text(["topic", *names, "change"], rows).rstrip("\n")

    def groups_table(self) -> str:
        """Each group's examples and averages, one row a value of the ``by`` field; an average undefined in a
        group (its examples' gold labels hold no topic) shows ``-``, with a line saying why.

        >>> ev = score(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [1, 1]]), ["a", "b"])
        >>> print(Evaluation(ev.topics, ev.micro, ev.macro, 2, by="lang", groups={"en": ev}).groups_table())
        by lang  examples  micro P  micro R  micro F1  macro F1
        en              2    0.667    1.000     0.800     0.833
        >>> long = Evaluation(ev.topics, ev.micro, ev.macro, 2, by="url", groups={"https://example.org/" + "x" * 60: ev})
        >>> print(long.groups_table().splitlines()[1])
        https://example.org/xxxxxxxxxxxxxxxxxxx…         2    0.667    1.000     0.800     0.833
        >>> none = score(np.array([[0, 0]]), np.array([[1, 0]]), ["a", "b"])
        >>> print(Evaluation(ev.topics, ev.micro, ev.macro, 3, by="lang", groups={"en": ev, "es": none}).groups_table())
        by lang  examples  micro P  micro R  micro F1  macro F1
        en              2    0.667    1.000     0.800     0.833
        es              1    0.000        -     0.000         -
        -: undefined where no example's gold labels hold a topic (no topic to average over, no label to recall)
        """
        rows = [[value, ev.n_examples, ev.micro.precision, ev.micro.recall, ev.micro.f1, ev.macro.f1]
                for value, ev in self.groups.items()]
        lines = [table_text([f"by {self.by}", "examples", "micro P", "micro R", "micro F1", "macro F1"],
                            rows).rstrip("\n")]
        if any(ev.macro.f1 is None for ev in self.groups.values()):
            lines.append(_UNDEFINED)
        return "\n".join(lines)


def score(Y_true: np.ndarray, Y_pred: np.ndarray, topic_ids: Sequence[str], thresholds: Sequence[float] | None = None,
          *, proba: np.ndarray | None = None, lengths: Sequence[int] | None = None) -> Evaluation:
    """Compare 0/1 matrices of gold and predicted topics (rows are examples, columns topics); with the
    probabilities and the texts' word counts, say how well calibrated they are too.

    When the gold labels hold no topic, the averages are undefined (None): macro has no topic to average
    over and micro no label to recall; micro's precision and F1 are 0 if the model tagged anything (each
    tag is wrong), else None too. Each topic keeps its own figures (0 where nothing was tagged)."""
    Y_true, Y_pred = np.asarray(Y_true, bool), np.asarray(Y_pred, bool)
    tp = (Y_true & Y_pred).sum(0).astype(float)
    fp = (~Y_true & Y_pred).sum(0).astype(float)
    fn = (Y_true & ~Y_pred).sum(0).astype(float)
    per = tuple(
        Scores(t, *_prf(tp[i], fp[i], fn[i]), int(tp[i] + fn[i]),
               None if thresholds is None or thresholds[i] is None else float(thresholds[i]))
        for i, t in enumerate(topic_ids)
    )
    present = [s for s in per if s.support]
    if present:
        micro = Scores("micro avg", *_prf(tp.sum(), fp.sum(), fn.sum()), int((tp + fn).sum()))
        macro = Scores("macro avg", float(np.mean([s.precision for s in present])),
                       float(np.mean([s.recall for s in present])), float(np.mean([s.f1 for s in present])),
                       micro.support)
    else:  # no gold label: nothing to recall, no topic to average over; any tag given is wrong
        wrong = 0.0 if fp.sum() else None
        micro = Scores("micro avg", wrong, None, wrong, 0)
        macro = Scores("macro avg", None, None, None, 0)
    absent = tuple(s.name for s in per if not s.support)
    cal = calibration(Y_true, proba, lengths) if proba is not None and lengths is not None else None
    return Evaluation(per, micro, macro, int(Y_true.shape[0]), absent, cal)


NO_VALUE = "(none)"
"""The group of the examples without a value of the field evaluation groups by."""


def value_name(value: object) -> str | None:
    """The name of a field's value as a group: a string as it is, a number, list or object as its compact JSON
    (unhashable lists and objects name their group, and 2022 read from JSON is "2022" read from CSV); None for
    no value (missing, null or "").

    >>> value_name("en"), value_name(2022), value_name(["a", {"b": 1}]), value_name(True), value_name("")
    ('en', '2022', '["a",{"b":1}]', 'true', None)
    """
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else encode(value)


def grouped(examples: Sequence[Example], by: str, scored: Callable[[np.ndarray], Evaluation]) -> dict[str, Evaluation]:
    """``scored(rows)`` for the rows of each value of the examples' ``by`` field (their ``group``), in order of
    value, :data:`NO_VALUE` last. A value is named by :func:`value_name`; none (missing, null or "") is
    :data:`NO_VALUE`, or, for ``by="lang"``, the language the built-in detector finds.

    >>> from topicslib.examples import Example
    >>> ex = [Example("a", (), group="en"), Example("Los aranceles bajaron.", ()), Example("b", (), group=2022)]
    >>> grouped(ex, "lang", lambda rows: rows.tolist())
    {'2022': [2], 'en': [0], 'es': [1]}
    >>> grouped(ex, "site", lambda rows: rows.tolist())
    {'2022': [2], 'en': [0], '(none)': [1]}
    """
    names = [value_name(e.group) for e in examples]
    missing = [i for i, name in enumerate(names) if name is None]
    if examples and len(missing) == len(examples) and by != "lang":  # a misspelt field, most likely
        logging.getLogger("topicslib").warning("no example has a value in the field %r: every one is in the group %s",
                                               by, NO_VALUE)
    found = detect_many([examples[i].text for i in missing]) if by == "lang" else [NO_VALUE] * len(missing)
    for i, name in zip(missing, found):
        names[i] = name
    rows = np.array(names, dtype=object)
    return {v: scored(np.flatnonzero(rows == v)) for v in sorted(set(names), key=lambda v: (v == NO_VALUE, v))}
