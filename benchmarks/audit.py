"""Audit: with 5% of the shipped examples given one wrong topic, how many of them rank among the top 2k
suspects of ``topicslib.audit`` (k = the number corrupted). A wrong topic replaces one the example has, or
is added to an empty list; the corruption is seeded.

``--limit N`` audits a seeded sample of N examples instead of all of them, as a user's own first few hundred
labels would be; ``--seeds`` repeats the draw (sample and corruption) with each seed and reports each and
their mean.

    python benchmarks/audit.py [--share 0.05] [--seeds 0] [--limit N]
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
from topicslib import Taxonomy  # noqa: E402


def corrupted(examples: list, taxonomy: Taxonomy, share: float, seed: int, limit: int | None) -> tuple[list[dict], set[int]]:
    """Records of a seeded sample of ``limit`` examples (all without it), ``share`` of them given one wrong
    topic, and the positions of those."""
    rng = random.Random(seed)
    if limit is not None:
        examples = rng.sample(examples, min(limit, len(examples)))
    k = round(len(examples) * share)
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
    return records, bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/audit.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--share", type=float, default=0.05, help="share of examples given a wrong topic")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds of the draws (default 0)")
    parser.add_argument("--limit", type=int, help="audit a seeded sample of this many examples")
    args = parser.parse_args(argv)
    taxonomy = topicslib.load_taxonomy(ROOT / "seeds" / "topics.toml")
    examples = list(topicslib.read_examples(ROOT / "examples"))
    shares = []
    for seed in (int(s) for s in args.seeds.split(",")):
        records, bad = corrupted(examples, taxonomy, args.share, seed, args.limit)
        k = len(bad)
        started = time.process_time()
        suspects = topicslib.audit(records, taxonomy=taxonomy)
        found = len({s.index for s in suspects[: 2 * k]} & bad)
        shares.append(found / k)
        print(f"seed {seed}: corrupted {k} of {len(records)}; {found} ({found / k:.0%}) of them in the top {2 * k} "
              f"suspects (target 60%); {len(suspects)} suspects in all; {time.process_time() - started:.0f} s CPU")
    if len(shares) > 1:
        print(f"mean over {len(shares)} draws: {sum(shares) / len(shares):.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
