"""Bootstrap: a model from seed terms and no labels, against counting the same seed terms.

On the Policy Agendas US bills (4,449 titles, single-label), with at most eight seed terms a topic
(benchmarks/seeds/cap_major_topics.toml, written by the team): accuracy of ``topicslib.bootstrap``
(every title's most probable topic) and of seed counting (the topic with the highest idf-weighted seed
count; a title no seed matches counts as wrong), both scored on every title's given topic.

    python benchmarks/bootstrap.py [--rounds 3]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402
from benchmarks import corpora  # noqa: E402
from topicslib.bootstrap import seed_scores  # noqa: E402

SEEDS = ROOT / "benchmarks" / "seeds" / "cap_major_topics.toml"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/bootstrap.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="self-training rounds after the seed round")
    args = parser.parse_args(argv)
    try:
        rows = corpora._read_jsonl_gz(corpora.SHARED_DATA / "cap_policy_agendas_us" / "us_congress_bills_107.jsonl.gz")
    except corpora.Missing as e:
        print(f"skipped: {e}")
        return 0
    taxonomy = topicslib.load_taxonomy(SEEDS)
    texts = [r["text"] for r in rows]
    gold = [f"t{r['labels'][0]}" for r in rows]
    ids = list(taxonomy.ids)
    scores = seed_scores(texts, taxonomy)
    counted = [ids[j] if s.max() > 0 else None for j, s in zip(scores.argmax(axis=1), scores)]
    count_acc = float(np.mean([c == g for c, g in zip(counted, gold)]))
    started = time.process_time()
    model = topicslib.bootstrap(texts, taxonomy=taxonomy, rounds=args.rounds)
    seconds = time.process_time() - started
    proba = model.predict_proba(texts)
    classes = model.classes_.tolist()
    boot = [classes[j] if p.max() > 0 else None for j, p in zip(proba.argmax(axis=1), proba)]
    boot_acc = float(np.mean([b == g for b, g in zip(boot, gold)]))
    print(f"CAP bills, {len(texts):,} titles, {len(ids)} topics with seeds: seed counting accuracy {count_acc:.3f} "
          f"({sum(c is None for c in counted):,} titles match no seed); bootstrap accuracy {boot_acc:.3f} "
          f"({boot_acc - count_acc:+.3f}; {args.rounds} rounds, {seconds:.0f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
