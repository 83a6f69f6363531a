"""Active learning: do the labels ``topicslib.suggest`` picks reach, with at most 500, the score that
1,000 random labels give?

Two sets, each run with several seeds (the figures swing by a few points from one to the next):

- Policy Agendas US bills (4,449 titles, 20 topics, one each): a seeded 80/20 split into a pool and a
  test set; score: accuracy (the share of test titles whose most probable topic is their own).
- Reuters-21578 ApteMod-90 (multi-label): the 7,770 training stories are the pool (in a seeded
  order), the 3,019 test stories the test set; score: micro-F1 of the model's decisions over all 90
  topics (a test topic the model was never shown counts as missed).

Random: train on the first 100, 200, 300, 500, 700 and 1,000 of the pool. Suggested: start from the
first 100, then rounds of ``--batch`` picked by ``suggest`` from the rest of the pool (their gold
topics revealed, as a labeler would give them), retraining after each round, until 500. Every model
is ``topicslib.train(..., min_examples=1)`` with the default options; with ``--unlabeled`` each also
self-trains on the pool's other paragraphs, their topics unseen (``train(..., unlabeled=...)``).
Prints a table, writes the figures as JSON and the learning curves (means over the seeds) as an SVG.

    python benchmarks/active_learning.py [--sets cap_bills,reuters] [--seeds 0,1,2] [--batch 50] [--unlabeled]
        [--out benchmarks/results/active_learning.json] [--plot docs/active-learning.svg]
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402
from benchmarks import corpora  # noqa: E402
from benchmarks.svg import Panel, Series, line_charts  # noqa: E402

RANDOM_SIZES = (100, 200, 300, 500, 700, 1000)
START, GOAL = 100, 500
Pairs = list[tuple[str, list[str]]]


def _cap_bills(seed: int) -> tuple[Pairs, Pairs]:
    rows = corpora.read_rows(corpora.SHARED_DATA / "cap_policy_agendas_us" / "us_congress_bills_107.jsonl.gz")
    data = [(r["text"], [r["labels"][0]]) for r in rows]
    random.Random(seed).shuffle(data)
    cut = int(0.8 * len(data))
    return data[:cut], data[cut:]


def _reuters(seed: int) -> tuple[Pairs, Pairs]:
    rows = corpora.read_rows(corpora.SHARED_DATA / "reuters21578" / "reuters21578_aptemod90.jsonl.gz")
    pool = [(r["text"], list(r["labels"])) for r in rows if r["split"] == "train"]
    random.Random(seed).shuffle(pool)
    return pool, [(r["text"], list(r["labels"])) for r in rows if r["split"] == "test"]


def _accuracy(model: topicslib.TopicModel, test: Pairs) -> float:
    proba = model.predict_proba([t for t, _ in test])
    classes = model.classes_.tolist()
    return float(np.mean([classes[j] == y[0] for j, (_, y) in zip(proba.argmax(axis=1), test)]))


def _micro_f1(model: topicslib.TopicModel, test: Pairs) -> float:
    predicted = model.predict([t for t, _ in test]).astype(bool)
    classes = np.array(model.classes_.tolist())
    hits = sum(len(set(classes[row]) & set(y)) for row, (_, y) in zip(predicted, test))
    return 2 * hits / (int(predicted.sum()) + sum(len(y) for _, y in test))


SETS: dict[str, tuple[str, Callable[[int], tuple[Pairs, Pairs]], Callable, str]] = {
    "cap_bills": ("CAP bills (20 topics, single-label)", _cap_bills, _accuracy, "accuracy"),
    "reuters": ("Reuters-21578 ApteMod-90 (multi-label)", _reuters, _micro_f1, "micro-F1"),
}


def _train(pool: Pairs, chosen: list[int], unlabeled: bool) -> topicslib.TopicModel:
    """A model of the pool's chosen paragraphs, self-trained on the others when ``unlabeled``."""
    taken = set(chosen)
    rest = [t for i, (t, _) in enumerate(pool) if i not in taken] if unlabeled else None
    return topicslib.train([{"text": pool[i][0], "topics": pool[i][1]} for i in chosen], unlabeled=rest,
                           min_examples=1, n_jobs=1)


def _suggested(pool: Pairs, test: Pairs, score: Callable, batch: int, unlabeled: bool) -> list[tuple[int, float]]:
    chosen = list(range(START))
    curve = []
    while True:
        model = _train(pool, chosen, unlabeled)
        curve.append((len(chosen), round(score(model, test), 4)))
        if len(chosen) >= GOAL:
            return curve
        taken = set(chosen)
        rest = [i for i in range(len(pool)) if i not in taken]
        picked = topicslib.suggest(model, [pool[i][0] for i in rest], n=min(batch, GOAL - len(chosen)))
        if not picked:
            return curve
        chosen += [rest[k] for k in picked]


def _mean_curve(curves: list[list[tuple[int, float]]]) -> list[tuple[int, float]]:
    return [(n, round(float(np.mean([c[i][1] for c in curves])), 4)) for i, (n, _) in enumerate(curves[0])]


def run_set(name: str, seeds: list[int], batch: int, unlabeled: bool) -> dict | None:
    title, load, score, metric = SETS[name]
    result = {"set": title, "metric": metric, "seeds": seeds, "batch": batch, "start": START, "unlabeled": unlabeled,
              "runs": []}
    for seed in seeds:
        try:
            pool, test = load(seed)
        except corpora.Missing as e:
            print(f"{title}: skipped: {e}")
            return None
        started = time.process_time()
        rand = [(n, round(score(_train(pool, list(range(n)), unlabeled), test), 4)) for n in RANDOM_SIZES]
        picked = _suggested(pool, test, score, batch, unlabeled)
        result["runs"].append({"seed": seed, "random": rand, "suggested": picked,
                               "cpu_s": round(time.process_time() - started, 1)})
        print(f"{title}, seed {seed}: random 500 {dict(rand)[500]:.3f}, 1,000 {dict(rand)[1000]:.3f}; "
              f"suggested 500 {picked[-1][1]:.3f}", flush=True)
    result["random"] = _mean_curve([r["random"] for r in result["runs"]])
    result["suggested"] = _mean_curve([r["suggested"] for r in result["runs"]])
    return result


def table(results: list[dict]) -> str:
    lines = ["| set | score | random 500 | random 1,000 | suggested 500 | target met (suggested 500 >= random 1,000) |",
             "|---|---|---|---|---|---|"]
    for r in results:
        rand, picked = dict(r["random"]), dict(r["suggested"])
        each = ", ".join(f"{run['suggested'][-1][1]:.3f}" for run in r["runs"])
        lines.append(f"| {r['set']} | {r['metric']}, mean of {len(r['runs'])} seeds | {rand[500]:.3f} | {rand[1000]:.3f} | "
                     f"{picked[GOAL]:.3f} ({each}) | {'yes' if picked[GOAL] >= rand[1000] else 'no'} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/active_learning.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", default="cap_bills,reuters", help="comma-separated: cap_bills, reuters")
    parser.add_argument("--seeds", default="0,1,2", help="comma-separated seeds (splits, orders and first 100)")
    parser.add_argument("--batch", type=int, default=50, help="labels picked a round")
    parser.add_argument("--unlabeled", action="store_true", help="every model also self-trains on the rest of the pool")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    parser.add_argument("--plot", type=Path, help="write the learning curves here as SVG")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # repeats and rare topics in small samples are expected here
    seeds = [int(s) for s in args.seeds.split(",")]
    results = [r for name in args.sets.split(",") if (r := run_set(name, seeds, args.batch, args.unlabeled))]
    if not results:
        return 0
    print(table(results))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        command = "python benchmarks/active_learning.py" + (" --unlabeled" if args.unlabeled else "")
        args.out.write_text(json.dumps({"command": command, "python": platform.python_version(),
                                        "machine": platform.machine(), "results": results}, indent=2) + "\n", encoding="utf-8")
    if args.plot:
        panels = []
        for r in results:
            goal = dict(r["random"])[1000]
            panels.append(Panel(r["set"].split(" (")[0], "labels", f"{r['metric']} (mean of {len(r['runs'])} seeds)", [
                Series("random", r["random"]), Series("suggest", r["suggested"]),
                Series("random 1,000", [(0, goal), (1000, goal)], dashed=True)]))
        args.plot.parent.mkdir(parents=True, exist_ok=True)
        args.plot.write_text(line_charts(panels), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
