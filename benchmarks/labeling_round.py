"""One round of the labeling loop, timed: retrain as ``topicslib label`` does on 2,000 examples (the model, and the
refits on folds that judge it against the model in use: ``labeling.held_out_topics``), then pick what comes next
from 50,000 paragraphs (issue 20's target: under 10 s on one core).

The examples are the first 2,000 of the repository's examples/ (min_examples=1, 3 folds, one job);
the paragraphs are State Department press-release paragraphs (or the examples, repeated, without
../shared/data); the picking is ``suggest`` for as many as the loop asks (``max(50, 2 x retrain_every)``
with the default ``--retrain-every 20``). CPU seconds of this process.

    python benchmarks/labeling_round.py [--examples 2000] [--paragraphs 50000]
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402
from benchmarks import corpora  # noqa: E402
from topicslib.labeling import held_out_topics  # noqa: E402
from topicslib.model import TopicModel  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/labeling_round.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=2000)
    parser.add_argument("--paragraphs", type=int, default=50000)
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    examples = topicslib.read_examples(corpora.EXAMPLES)[: args.examples]
    texts, source = corpora.paragraph_stream(args.paragraphs)
    started = time.process_time()
    options = {"min_examples": 1, "folds": 3, "n_jobs": 1}
    model = TopicModel.from_options(**options).fit_examples(examples)
    trained = time.process_time()
    held_out_topics(examples, topicslib.Taxonomy.from_ids(model.classes_.tolist()), **options)
    judged = time.process_time()
    picked = topicslib.suggest(model, texts, n=50)
    done = time.process_time()
    print(f"retrain on {len(examples):,} examples {trained - started:.1f} s + refits that judge it "
          f"{judged - trained:.1f} s + suggest 50 of {len(texts):,} paragraphs ({source}) {done - judged:.1f} s "
          f"= {done - started:.1f} s CPU ({len(picked)} picked)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
