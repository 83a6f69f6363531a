"""Audit: with 5% of the shipped examples given one wrong topic, how many of them rank among the top 2k
suspects of ``topicslib.audit`` (k = the number corrupted). A wrong topic replaces one the example has, or
is added to an empty list; the corruption is seeded.

    python benchmarks/audit.py [--share 0.05] [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/audit.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--share", type=float, default=0.05, help="share of examples given a wrong topic")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    taxonomy = topicslib.load_taxonomy(ROOT / "seeds" / "topics.toml")
    examples = topicslib.read_examples(ROOT / "examples")
    rng = random.Random(args.seed)
    k = round(len(examples) * args.share)
    bad = set(rng.sample(range(len(examples)), k))
    records = []
    for i, e in enumerate(examples):
        topics = list(e.topics)
        if i in bad:
            wrong = rng.choice([t for t in taxonomy.ids if t not in topics])
            if topics:
                topics[rng.randrange(len(topics))] = wrong
            else:
                topics = [wrong]
        records.append({"text": e.text, "topics": sorted(set(topics))})
    started = time.process_time()
    suspects = topicslib.audit(records, taxonomy=taxonomy)
    found = len({s.index for s in suspects[: 2 * k]} & bad)
    print(f"corrupted {k} of {len(examples)}; {found} ({found / k:.0%}) of them in the top {2 * k} suspects "
          f"(target 60%); {len(suspects)} suspects in all; {time.process_time() - started:.0f} s CPU")
    return 0


if __name__ == "__main__":
    sys.exit(main())
