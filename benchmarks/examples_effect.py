"""What more examples do to the default model on the real dev sets, and how much of a step is noise.

Two measurements, each training the default model's recipe (``TopicModel()``, the options ``topicslib train``
uses) in this process and scoring it on the dev sets one by one and pooled (the four as one set of 1,240
paragraphs):

- ``--candidate FILE`` (repeatable): the examples with and without the candidate files, on all of examples/ and on
  ``--subsamples`` seeded random 90% shares of them (the candidates always whole, after the examples). The
  candidates' effect is the mean change of the pooled micro-F1 over those bases; the spread of the bases' own
  pooled figures is what the choice of the other examples alone moves it by.
- ``--fractions 0.5,0.75,0.9,1``: the learning curve, the model trained on a seeded share of examples/ (each
  example kept with that probability), once for each of ``--seeds``.

``--dev FILE`` (repeatable) measures on other labeled files instead of the four dev sets. Without them and
without ../shared/data there is nothing to measure on: the script says so and stops.

    python benchmarks/examples_effect.py --candidate new.jsonl [--subsamples 4] [--out FILE]
    python benchmarks/examples_effect.py --fractions 0.5,0.75,0.9,1 --seeds 0,1 [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import logging
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import topicslib  # noqa: E402
from benchmarks import corpora  # noqa: E402

SHARE = 0.9  # of the examples each subsample keeps


def dev_sets(paths: list[str]) -> dict[str, list[dict]]:
    """The labeled sets to measure on: the given files by name, else the four dev sets (empty when absent)."""
    if paths:
        try:
            return {Path(p).stem: corpora.read_rows(Path(p)) for p in paths}
        except corpora.Missing as e:
            raise SystemExit(f"examples_effect.py: {e}") from None
    try:
        return {name: corpora.read_rows(corpora.SHARED_DATA / path) for name, (_, path) in corpora.DEV_SETS.items()}
    except corpora.Missing:
        return {}


def scores(model: topicslib.TopicModel, sets: dict[str, list[dict]]) -> dict[str, list[float]]:
    """Micro- and macro-F1 of ``model`` on each set and on all of them as one (``pooled``)."""
    out = {}
    for name, rows in [*sets.items(), ("pooled", [r for rows in sets.values() for r in rows])]:
        ev = model.evaluate(rows)
        out[name] = [round(ev.micro.f1, 4), round(ev.macro.f1, 4)]
    return out


def subsample(examples: list, share: float, seed: int) -> list:
    """Each example kept with probability ``share`` (seeded), in order; ``share`` 1 keeps them all."""
    if share >= 1:
        return list(examples)
    keep = np.random.default_rng(seed).random(len(examples)) < share
    return [e for e, k in zip(examples, keep) if k]


def run(examples: list, sets: dict[str, list[dict]], taxonomy: topicslib.Taxonomy) -> dict:
    """The default recipe trained on ``examples``: how many, its scores, the CPU seconds it took."""
    started = time.process_time()
    model = topicslib.TopicModel().fit_examples(examples, taxonomy)
    return {"examples": len(examples), "scores": scores(model, sets), "seconds": round(time.process_time() - started, 1)}


def candidate_effect(examples: list, candidates: list, sets: dict, taxonomy, subsamples: int) -> dict:
    """Each base (all examples, then the subsamples) with and without the candidates, and the pooled changes."""
    bases = [("all", examples)] + [(f"subsample {s}", subsample(examples, SHARE, s)) for s in range(subsamples)]
    rows = []
    for name, base in bases:
        without, with_ = run(base, sets, taxonomy), run(base + candidates, sets, taxonomy)
        delta = round(with_["scores"]["pooled"][0] - without["scores"]["pooled"][0], 4)
        rows.append({"base": name, "without": without, "with": with_, "pooled_micro_change": delta})
        print(f"{name:13s} {_line(without)}\n{'+ candidates':13s} {_line(with_)}   pooled micro {delta:+.4f}", flush=True)
    changes = [r["pooled_micro_change"] for r in rows]
    spread = [r["without"]["scores"]["pooled"][0] for r in rows[1:]]
    summary = {"mean_change": round(statistics.fmean(changes), 4), "min_change": min(changes), "max_change": max(changes),
               "subsample_pooled_sd": round(statistics.stdev(spread), 4) if len(spread) > 1 else None}
    print(f"pooled micro-F1 change: mean {summary['mean_change']:+.4f} (from {summary['min_change']:+.4f} to "
          f"{summary['max_change']:+.4f}); the {subsamples} subsamples' own pooled figures spread by "
          f"{summary['subsample_pooled_sd']} (standard deviation)")
    return {"rows": rows, "summary": summary}


def learning_curve(examples: list, sets: dict, taxonomy, fractions: list[float], seeds: list[int]) -> list[dict]:
    """The default recipe on each share of the examples, once a seed (once for a share of 1)."""
    rows = []
    for f in fractions:
        for seed in seeds if f < 1 else seeds[:1]:
            r = {"fraction": f, "seed": seed, **run(subsample(examples, f, seed), sets, taxonomy)}
            rows.append(r)
            print(f"{f:5.2f} seed {seed}  {_line(r)}", flush=True)
    return rows


def _line(r: dict) -> str:
    return f"{r['examples']:6,d} examples  " + "  ".join(f"{k} {m:.3f}/{M:.3f}" for k, (m, M) in r["scores"].items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/examples_effect.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", default=str(ROOT / "examples"), help="the examples (default: examples/)")
    parser.add_argument("--candidate", action="append", default=[], metavar="FILE", help="an example file to measure")
    parser.add_argument("--subsamples", type=int, default=4, help="90%% subsamples besides all examples (default 4)")
    parser.add_argument("--fractions", help="learning curve: shares of the examples, comma-separated")
    parser.add_argument("--seeds", default="0,1", help="learning curve: seeds, comma-separated (default 0,1)")
    parser.add_argument("--dev", action="append", default=[], metavar="FILE", help="measure on this labeled file instead")
    parser.add_argument("--out", help="write the figures as JSON here")
    args = parser.parse_args(argv)
    if bool(args.candidate) == bool(args.fractions):
        parser.error("give --candidate FILE or --fractions, one of the two")
    sets = dev_sets(args.dev)
    if not sets:
        print(f"skipped: no dev sets in {corpora.SHARED_DATA} and no --dev file: nothing to measure on")
        return 0
    logging.getLogger("topicslib").setLevel(logging.ERROR)  # repeats merged, rare topics: said once per training
    taxonomy = topicslib.load_taxonomy(topicslib.default_taxonomy_path())
    examples = topicslib.read_examples(args.examples, taxonomy=taxonomy)
    command = " ".join(["python benchmarks/examples_effect.py", *(sys.argv[1:] if argv is None else argv)])
    figures: dict = {"benchmark": "examples_effect", "command": command, "python": platform.python_version(),
                     "dev_sets": {k: len(v) for k, v in sets.items()}}
    if args.candidate:
        candidates = [e for path in args.candidate for e in topicslib.read_examples(path, taxonomy=taxonomy)]
        figures["candidates"] = {"files": args.candidate, "examples": len(candidates)}
        figures["effect"] = candidate_effect(examples, candidates, sets, taxonomy, args.subsamples)
    else:
        fractions = [float(f) for f in args.fractions.split(",")]
        seeds = [int(s) for s in args.seeds.split(",")]
        figures["learning_curve"] = learning_curve(examples, sets, taxonomy, fractions, seeds)
    if args.out:
        Path(args.out).write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
