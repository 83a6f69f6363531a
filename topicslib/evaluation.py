"""Scoring predictions against gold labels: per-topic and averaged precision, recall, F1."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np


@dataclass(frozen=True)
class Scores:
    """Precision, recall, F1 and support of one topic or an average."""

    name: str
    precision: float
    recall: float
    f1: float
    support: int
    threshold: float | None = None


def _prf(tp: float, fp: float, fn: float) -> tuple[float, float, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return float(p), float(r), float(f)


@dataclass(frozen=True)
class Evaluation:
    """Per-topic scores with micro and macro averages (macro is the plain mean over topics).

    >>> ev = score(np.array([[1, 0], [0, 1]]), np.array([[1, 0], [1, 1]]), ["a", "b"])
    >>> round(ev.micro.f1, 3), round(ev.macro.f1, 3)
    (0.8, 0.833)
    """

    topics: tuple[Scores, ...]
    micro: Scores
    macro: Scores
    n_examples: int

    def __getitem__(self, topic: str) -> Scores:
        for s in self.topics:
            if s.name == topic:
                return s
        raise KeyError(topic)

    def to_dict(self) -> dict:
        return {
            "n_examples": self.n_examples,
            "topics": {s.name: {k: v for k, v in asdict(s).items() if k != "name"} for s in self.topics},
            "micro": {k: v for k, v in asdict(self.micro).items() if k not in ("name", "threshold")},
            "macro": {k: v for k, v in asdict(self.macro).items() if k not in ("name", "threshold")},
        }

    def table(self) -> str:
        """A plain-text table for people."""
        width = max(12, *(len(s.name) for s in self.topics))
        has_thr = any(s.threshold is not None for s in self.topics)
        head = f"{'topic':<{width}}  precision  recall     f1  support" + ("  threshold" if has_thr else "")
        lines = [head, "-" * len(head)]
        for s in (*self.topics, None, self.micro, self.macro):
            if s is None:
                lines.append("-" * len(head))
                continue
            row = f"{s.name:<{width}}  {s.precision:9.3f}  {s.recall:6.3f}  {s.f1:5.3f}  {s.support:7d}"
            if has_thr and s.threshold is not None:
                row += f"  {s.threshold:9.3f}"
            lines.append(row)
        return "\n".join(lines)


def score(Y_true: np.ndarray, Y_pred: np.ndarray, topic_ids: Sequence[str], thresholds: Sequence[float] | None = None) -> Evaluation:
    """Compare 0/1 matrices of gold and predicted topics (rows are examples, columns topics)."""
    Y_true, Y_pred = np.asarray(Y_true, bool), np.asarray(Y_pred, bool)
    tp = (Y_true & Y_pred).sum(0).astype(float)
    fp = (~Y_true & Y_pred).sum(0).astype(float)
    fn = (Y_true & ~Y_pred).sum(0).astype(float)
    per = tuple(
        Scores(t, *_prf(tp[i], fp[i], fn[i]), int(tp[i] + fn[i]), None if thresholds is None else float(thresholds[i]))
        for i, t in enumerate(topic_ids)
    )
    micro = Scores("micro avg", *_prf(tp.sum(), fp.sum(), fn.sum()), int((tp + fn).sum()))
    macro = Scores(
        "macro avg",
        float(np.mean([s.precision for s in per])),
        float(np.mean([s.recall for s in per])),
        float(np.mean([s.f1 for s in per])),
        micro.support,
    )
    return Evaluation(per, micro, macro, int(Y_true.shape[0]))
