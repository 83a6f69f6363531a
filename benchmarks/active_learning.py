"""Active learning: do the labels ``topicslib.suggest`` picks reach, with at most 500, the accuracy that
1,000 random labels give?

Policy Agendas US bills (4,449 titles, 20 topics): a seeded 80/20 split into a pool and a test set.
Random: train on the first 500 and 1,000 of the pool in a seeded shuffle. Suggested: start from 100
random titles, then rounds of 50 picked by ``suggest`` from the rest of the pool (their gold topic
revealed, as a labeler would give it) until 500. Accuracy is the share of test titles whose most
probable topic is their own.

    python benchmarks/active_learning.py [--seed 0]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402
from benchmarks import corpora  # noqa: E402


def _accuracy(texts: list[str], labels: list[str], test: list[tuple[str, str]]) -> float:
    model = topicslib.train([{"text": t, "topics": [y]} for t, y in zip(texts, labels)], min_examples=1)
    proba = model.predict_proba([t for t, _ in test])
    classes = model.classes_.tolist()
    return float(np.mean([classes[j] == y for j, (_, y) in zip(proba.argmax(axis=1), test)]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/active_learning.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # repeats and rare topics in small samples are expected here
    try:
        rows = corpora._read_jsonl_gz(corpora.SHARED_DATA / "cap_policy_agendas_us" / "us_congress_bills_107.jsonl.gz")
    except corpora.Missing as e:
        print(f"skipped: {e}")
        return 0
    data = [(r["text"], r["labels"][0]) for r in rows]
    rng = random.Random(args.seed)
    rng.shuffle(data)
    cut = int(0.8 * len(data))
    pool, test = data[:cut], data[cut:]
    for n in (500, 1000):
        print(f"random {n:>5}: accuracy {_accuracy([t for t, _ in pool[:n]], [y for _, y in pool[:n]], test):.3f}", flush=True)
    chosen = list(range(100))
    while len(chosen) < 500:
        model = topicslib.train([{"text": pool[i][0], "topics": [pool[i][1]]} for i in chosen], min_examples=1)
        rest = [i for i in range(len(pool)) if i not in set(chosen)]
        picked = topicslib.suggest(model, [pool[i][0] for i in rest], n=min(50, 500 - len(chosen)))
        chosen += [rest[k] for k in picked]
        acc = _accuracy([pool[i][0] for i in chosen], [pool[i][1] for i in chosen], test)
        print(f"suggested {len(chosen):>3}: accuracy {acc:.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
