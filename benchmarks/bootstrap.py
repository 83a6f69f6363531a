"""Bootstrap: a model from seed terms and no labels, against counting the same seed terms.

Two single-label sets, each with at most eight seed terms a topic and no labels used:

- the Policy Agendas US bills (4,449 titles, 19 topics with seeds; benchmarks/seeds/cap_major_topics.toml,
  written by the team);
- AG News, test split (7,600 news items, 4 classes; benchmarks/seeds/ag_news.toml, written from the
  class names alone before any run).

Accuracy of ``topicslib.bootstrap`` (every text's most probable topic) with ``multi_label=False`` (the
codebooks give each text one code) and with the default ``multi_label=True``, and of seed counting
(the topic with the highest idf-weighted seed count; a text no seed matches counts as wrong), all
scored on every text's given label. Then one multi-label set: the repository's own examples/ (the
default ten topics, seeds of seeds/topics.toml), micro-F1 of the model's decisions against the
examples' topics and against dev_real's, with either setting.

    python benchmarks/bootstrap.py [--rounds 3] [--out benchmarks/results/bootstrap.json]
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402
from benchmarks import corpora  # noqa: E402
from topicslib.bootstrap import seed_scores  # noqa: E402

SEEDS = ROOT / "benchmarks" / "seeds"
SETS = {
    "cap_bills": ("CAP bills", "cap_policy_agendas_us/us_congress_bills_107.jsonl.gz", "cap_major_topics.toml",
                  lambda label: f"t{label}"),
    "ag_news": ("AG News", "ag_news/ag_news_test.jsonl.gz", "ag_news.toml",
                lambda label: label.lower().replace("/", "_")),
}


def _accuracy(model: topicslib.TopicModel, texts: list[str], gold: list[str]) -> float:
    proba = model.predict_proba(texts)
    classes = model.classes_.tolist()
    return float(np.mean([p.max() > 0 and classes[j] == g for j, p, g in zip(proba.argmax(axis=1), proba, gold)]))


def _single_label(name: str, rounds: int) -> dict | None:
    title, path, seeds, label_id = SETS[name]
    try:
        rows = corpora.read_rows(corpora.SHARED_DATA / path)
    except corpora.Missing as e:
        print(f"{title}: skipped: {e}")
        return None
    taxonomy = topicslib.load_taxonomy(SEEDS / seeds)
    texts = [r["text"] for r in rows]
    gold = [label_id(r["labels"][0]) for r in rows]
    ids = list(taxonomy.ids)
    scores = seed_scores(texts, taxonomy)
    counted = [ids[j] if s.max() > 0 else None for j, s in zip(scores.argmax(axis=1), scores)]
    result = {"set": title, "texts": len(texts), "topics": len(ids), "rounds": rounds,
              "no_seed": sum(c is None for c in counted),
              "seed_counting": round(float(np.mean([c == g for c, g in zip(counted, gold)])), 4)}
    for multi_label in (False, True):
        started = time.process_time()
        model = topicslib.bootstrap(texts, taxonomy=taxonomy, rounds=rounds, multi_label=multi_label, n_jobs=1)
        key = "multi_label" if multi_label else "single_label"
        result[key] = round(_accuracy(model, texts, gold), 4)
        result[f"{key}_cpu_s"] = round(time.process_time() - started, 1)
    print(f"{title}, {len(texts):,} texts, {len(ids)} topics with seeds: seed counting accuracy "
          f"{result['seed_counting']:.3f} ({result['no_seed']:,} texts match no seed); bootstrap accuracy "
          f"{result['single_label']:.3f} with multi_label=False ({result['single_label'] - result['seed_counting']:+.3f}, "
          f"{result['single_label_cpu_s']:.0f} s CPU), {result['multi_label']:.3f} with the default multi_label=True",
          flush=True)
    return result


def _micro_f1(predicted: np.ndarray, gold: np.ndarray) -> float:
    return float(2 * (predicted & gold).sum() / max(1, predicted.sum() + gold.sum()))


def _multi_label(rounds: int) -> dict | None:
    """The shipped examples/ as an unlabeled corpus for the default taxonomy's seeds."""
    taxonomy = topicslib.load_taxonomy(topicslib.default_taxonomy_path())
    examples = topicslib.read_examples(corpora.EXAMPLES, taxonomy=taxonomy)
    ids = list(taxonomy.ids)
    texts = [e.text for e in examples]
    gold = np.array([[t in e.topics for t in ids] for e in examples])
    try:
        dev = corpora.read_rows(corpora.SHARED_DATA / "dev_real" / "dev.jsonl")
    except corpora.Missing:
        dev = []
    dev_gold = np.array([[t in r["topics"] for t in ids] for r in dev], dtype=bool).reshape(len(dev), len(ids))
    scores = seed_scores(texts, taxonomy)
    counted = (scores > 0) & (scores >= scores.max(axis=1, keepdims=True))
    result = {"set": "examples/ (default topics)", "texts": len(texts), "topics": len(ids), "rounds": rounds,
              "seed_counting_micro_f1": round(_micro_f1(counted, gold), 4)}
    for multi_label in (True, False):
        model = topicslib.bootstrap(texts, taxonomy=taxonomy, rounds=rounds, multi_label=multi_label, n_jobs=1)
        cols = [model.classes_.tolist().index(t) for t in ids]
        key = "multi_label" if multi_label else "single_label"
        result[f"{key}_micro_f1"] = round(_micro_f1(model.predict(texts)[:, cols].astype(bool), gold), 4)
        if dev:
            predicted = model.predict([r["text"] for r in dev])[:, cols].astype(bool)
            result[f"{key}_dev_real_micro_f1"] = round(_micro_f1(predicted, dev_gold), 4)
    print(f"examples/, {len(texts):,} paragraphs, {len(ids)} topics (multi-label): micro-F1 on their own topics: seed "
          f"counting {result['seed_counting_micro_f1']:.3f}, bootstrap {result['multi_label_micro_f1']:.3f} "
          f"(multi_label=True) / {result['single_label_micro_f1']:.3f} (False)"
          + (f"; on dev_real {result['multi_label_dev_real_micro_f1']:.3f} / {result['single_label_dev_real_micro_f1']:.3f}"
             if dev else ""), flush=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/bootstrap.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="self-training rounds after the seed round")
    parser.add_argument("--sets", default="cap_bills,ag_news,examples", help="which sets (comma-separated)")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # repeated titles are merged, as expected
    results = []
    for name in args.sets.split(","):
        result = _multi_label(args.rounds) if name == "examples" else _single_label(name, args.rounds)
        if result:
            results.append(result)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"command": "python benchmarks/bootstrap.py", "rounds": args.rounds,
                                        "python": platform.python_version(), "machine": platform.machine(),
                                        "results": results}, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
