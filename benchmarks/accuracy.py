"""Accuracy of topicslib and its peers, side by side, on the same data and splits.

    python benchmarks/accuracy.py --out benchmarks/results/accuracy.json
    python benchmarks/accuracy.py --quick --peers sklearn-svc --out /tmp/acc.json
    python benchmarks/accuracy.py --datasets reuters,20ng --peers sklearn-svc,fasttext --limit 500

Prints one table (a row per data set and metric, a column per system), the
targets, and whether topicslib leads every peer; writes the same as JSON.
See docs/benchmarks.md for what each number means.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the benchmarks package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np

from benchmarks import corpora, report
from benchmarks.systems import PEERS, SYSTEMS, MiniLM, indicator

# Targets of issue 4, on the full data sets.
TARGETS = [("reuters", "micro_f1", 0.88), ("reuters", "macro_f1", 0.60), ("20ng", "accuracy", 0.87)]
QUICK_LIMIT = 1000
EMBED_MAX_DOCS = 8000


def metrics(dataset: corpora.Dataset, Y_true: np.ndarray, Y_pred: np.ndarray) -> dict[str, float]:
    """micro/macro F1 for multi-label sets; accuracy and macro-F1 for single-label ones (macro over all classes)."""
    from topicslib.evaluation import score

    ev = score(Y_true, Y_pred, dataset.classes)
    if dataset.multi_label:
        return {"micro_f1": float(ev.micro.f1), "macro_f1": float(ev.macro.f1),
                "micro_precision": float(ev.micro.precision), "micro_recall": float(ev.micro.recall)}
    return {"accuracy": float((Y_true == Y_pred).all(1).mean()), "macro_f1": float(ev.macro.f1)}


def headline(dataset: corpora.Dataset) -> list[str]:
    return ["micro_f1", "macro_f1"] if dataset.multi_label else ["accuracy", "macro_f1"]


def run_system(name: str, dataset: corpora.Dataset) -> dict:
    """Train and test one system on every split of a data set; pooled scores over all test rows."""
    fit_s = predict_s = 0.0
    n_test = sum(len(s.test_texts) for s in dataset.splits)
    Y_true = np.zeros((n_test, len(dataset.classes)), dtype=np.int8)
    Y_pred = np.zeros_like(Y_true)
    row = 0
    for split in dataset.splits:
        system = SYSTEMS[name]()
        t0 = time.perf_counter()
        if name == "topicslib" and dataset.name.startswith("dev_"):  # the shipped model, trained on examples/
            import topicslib

            system.adopt(topicslib.default_model(), dataset.classes, True)
        else:
            system.fit(split.train_texts, split.train_labels, dataset.classes, dataset.multi_label)
        t1 = time.perf_counter()
        pred = system.decide(split.test_texts)
        t2 = time.perf_counter()
        rows = slice(row, row + len(split.test_texts))
        Y_true[rows], Y_pred[rows] = indicator(split.test_labels, dataset.classes), pred
        row += len(split.test_texts)
        fit_s, predict_s = fit_s + t1 - t0, predict_s + t2 - t1
    return {**metrics(dataset, Y_true, Y_pred), "fit_seconds": round(fit_s, 2), "predict_seconds": round(predict_s, 2)}


def skip_reason(name: str, dataset: corpora.Dataset, embed_max_docs: int) -> str | None:
    reason = SYSTEMS[name].unavailable()
    if reason is None and name == MiniLM.name and dataset.n_docs > embed_max_docs:
        reason = (f"embedding {dataset.n_docs:,} documents exceeds --embed-max-docs {embed_max_docs:,} "
                  "(all-MiniLM-L6-v2 embeds a few to a few dozen long documents a second on 2 cores)")
    return reason


def leads(results: dict) -> list[dict]:
    """For each data set and headline metric: topicslib's figure against the best peer's."""
    out = []
    for ds, entry in results.items():
        systems = entry.get("results", {})
        mine = systems.get("topicslib", {})
        for metric in entry.get("metrics", []):
            peers = {n: r[metric] for n, r in systems.items() if n != "topicslib" and metric in r}
            if metric not in mine or not peers:
                continue
            best = max(peers, key=peers.get)
            out.append({"dataset": ds, "metric": metric, "topicslib": mine[metric], "best_peer": best,
                        "best_peer_value": peers[best], "met": bool(mine[metric] >= peers[best])})
    return out


def targets(results: dict, limited: bool) -> list[dict]:
    out = []
    for ds, metric, target in TARGETS:
        value = results.get(ds, {}).get("results", {}).get("topicslib", {}).get(metric)
        out.append({"dataset": ds, "metric": metric, "target": target, "value": value,
                    "met": None if value is None or limited else bool(value >= target)})
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/accuracy.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=",".join(corpora.DATASETS),
                        help=f"comma-separated, from {', '.join(corpora.DATASETS)} (default: all)")
    parser.add_argument("--peers", default=",".join(PEERS),
                        help=f"comma-separated, from {', '.join(PEERS)}, or 'none' (default: all)")
    parser.add_argument("--limit", type=int, help="use at most N documents of each split (a seeded sample)")
    parser.add_argument("--quick", action="store_true", help=f"a fast check: --limit {QUICK_LIMIT} unless --limit is given")
    parser.add_argument("--embed-max-docs", type=int, default=EMBED_MAX_DOCS,
                        help=f"skip the embedding peer on larger data sets (default {EMBED_MAX_DOCS:,})")
    parser.add_argument("--out", default="benchmarks/results/accuracy.json", help="where to write the JSON")
    args = parser.parse_args(argv)

    datasets = [d for d in args.datasets.split(",") if d]
    peers = [] if args.peers == "none" else [p for p in args.peers.split(",") if p]
    unknown = [d for d in datasets if d not in corpora.DATASETS] + [p for p in peers if p not in PEERS]
    if unknown:
        parser.error(f"unknown data set or peer: {', '.join(unknown)}")
    limit = args.limit if args.limit is not None else (QUICK_LIMIT if args.quick else None)
    systems = ["topicslib", *peers]

    results: dict[str, dict] = {}
    started = time.perf_counter()
    for ds_name in datasets:
        try:
            dataset = corpora.load(ds_name, limit)
        except corpora.Missing as e:
            results[ds_name] = {"skipped": str(e)}
            print(f"{ds_name}: skipped ({e})", file=sys.stderr)
            continue
        entry = results[ds_name] = {
            "title": dataset.title, "protocol": dataset.protocol, "n_docs": dataset.n_docs,
            "n_classes": len(dataset.classes), "multi_label": dataset.multi_label,
            "metrics": headline(dataset), "results": {},
        }
        for name in systems:
            reason = skip_reason(name, dataset, args.embed_max_docs)
            if reason:
                entry["results"][name] = {"skipped": reason}
                print(f"{ds_name} / {name}: skipped ({reason})", file=sys.stderr)
                continue
            t0 = time.perf_counter()
            try:
                entry["results"][name] = res = run_system(name, dataset)
            except Exception as e:  # one failing system must not lose the other cells of a long run
                entry["results"][name] = {"error": f"{type(e).__name__}: {e}"}
                print(f"{ds_name} / {name}: ERROR {type(e).__name__}: {e}", file=sys.stderr)
                continue
            shown = ", ".join(f"{m} {res[m]:.3f}" for m in entry["metrics"])
            print(f"{ds_name} / {name}: {shown} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)

    out = {
        "benchmark": "accuracy",
        "command": " ".join(["python benchmarks/accuracy.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": report.machine(),
        "config": {
            "datasets": datasets, "systems": systems, "limit": limit, "embed_max_docs": args.embed_max_docs,
            "topicslib_options": _topicslib_options(),
            "fasttext_params": SYSTEMS["fasttext"].PARAMS, "seed": corpora.SEED, "cv_folds": corpora.CV_FOLDS,
        },
        "seconds": round(time.perf_counter() - started, 1),
        "datasets": results,
        "targets": targets(results, limit is not None),
        "topicslib_leads": leads(results),
    }
    print(render(out))
    print(f"\nwrote {report.write_json(args.out, out)}")
    return 0


def _topicslib_options() -> dict:
    from topicslib import TopicModel

    return {k: list(v) if isinstance(v, tuple) else v for k, v in TopicModel(min_examples=1, n_jobs=2).get_params().items()}


def render(out: dict) -> str:
    """The accuracy table, the targets and the lead checks, as text."""
    systems = out["config"]["systems"]
    rows = []
    for ds, entry in out["datasets"].items():
        if "skipped" in entry:
            rows.append([ds, "skipped: " + entry["skipped"], *[None] * len(systems)])
            continue
        for metric in entry["metrics"]:
            cells = []
            for name in systems:
                r = entry["results"].get(name, {})
                cells.append(r.get(metric, "skip" if "skipped" in r else "error" if "error" in r else None))
            rows.append([ds, metric, *cells])
    lines = [report.table(["data set", "metric", *systems], rows)]
    notes = [f"  {ds} / {n}: {r.get('skipped') or r.get('error')}" for ds, e in out["datasets"].items()
             for n, r in e.get("results", {}).items() if "skipped" in r or "error" in r]
    if notes:
        lines += ["", "not measured:", *notes]
    lines += ["", "targets (topicslib, full data sets):"]
    for t in out["targets"]:
        state = "not measured" if t["value"] is None else "n/a with --limit" if t["met"] is None else "MET" if t["met"] else "NOT MET"
        value = "-" if t["value"] is None else f"{t['value']:.3f}"
        lines.append(f"  {t['dataset']} {t['metric']} >= {t['target']:.2f}: {value}  {state}")
    lines += ["", "topicslib at least as good as every peer:"]
    for c in out["topicslib_leads"]:
        lines.append(f"  {c['dataset']} {c['metric']}: topicslib {c['topicslib']:.3f} vs best peer {c['best_peer']} "
                     f"{c['best_peer_value']:.3f}  {'MET' if c['met'] else 'NOT MET'}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
