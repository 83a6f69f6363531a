"""Classification on Dask: throughput with 1 and 2 local workers against one process, and the
client's memory as the corpus grows (it must stay flat).

    python benchmarks/dask_scaling.py --out benchmarks/results/dask_scaling.json
    python benchmarks/dask_scaling.py --quick --out /tmp/dask_scaling.json

The corpus is JSON Lines of paragraphs drawn at random from the repository's examples/
(real paragraph lengths and vocabulary; speed only, nothing is scored). Measured, on the
same file: ``classify_many`` in this process; the single-process command line
(``topicslib classify FILE -o OUT``); and ``classify_files`` on a LocalCluster of 1 and
of 2 worker processes, the client running in a fresh process so its peak memory (ru_maxrss)
is its own. Dask times are wall times of the whole client, model shipping and output
assembly included; the cluster is started beforehand, as a real one would be. Then the
client's peak memory for growing corpora on the 2-worker cluster. Needs ``topicslib[dask]``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: import the benchmarks package from the repository root
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from benchmarks import report

ROOT = Path(__file__).resolve().parent.parent
FULL = {"throughput": 100_000, "memory": [100_000, 300_000, 1_000_000]}
QUICK = {"throughput": 10_000, "memory": [10_000, 30_000, 100_000]}


def write_corpus(path: Path, n: int, seed: int = 0) -> int:
    """``n`` paragraphs drawn from examples/, one JSON object a line; returns the file size."""
    import topicslib

    pool = [e.text for e in topicslib.read_examples(ROOT / "examples")]
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(json.dumps({"id": i, "text": rng.choice(pool)}, ensure_ascii=False) + "\n")
    return path.stat().st_size


def cpu_seconds() -> float:
    """CPU time (user + system) this process has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_child(args: list[str]) -> tuple[dict, float, float]:
    """Run this script in a child with ``args``; returns the JSON it prints, its wall and its CPU seconds."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, __file__, *args], stdout=out, stderr=err, cwd=ROOT)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0), err.seek(0)
        if os.waitstatus_to_exitcode(status):
            raise SystemExit(f"child {args} failed:\n{err.read()}")
        return json.loads(out.read()), seconds, usage.ru_utime + usage.ru_stime


def child_main(argv: list[str]) -> None:
    """A measured child: ``--client SCHEDULER INPUT OUTPUT`` (classify_files), or ``--cli ARGS...``
    (the single-process command line); prints its figures as JSON."""
    if argv[0] == "--client":
        from topicslib.dask import classify_files

        r = classify_files([argv[2]], argv[3], scheduler=argv[1])
        figures = {"records": r.records, "parts": r.parts}
    else:
        from topicslib.cli import main

        if main(argv[1:]):
            raise SystemExit("the command line failed")
        figures = {}
    print(json.dumps({**figures, "peak_rss_mib": report.process_memory_mib("VmHWM")}))


def in_process(path: Path) -> list[dict]:
    """``classify_many`` in this process on the corpus's texts: one call, and in batches of 2,000."""
    import topicslib

    texts = [json.loads(line)["text"] for line in path.open(encoding="utf-8")]
    model = topicslib.default_model()
    model.classify_many(texts[:2000])  # warm the word cache, as a long-running process would be
    rows = []
    for name, batch in (("one call", len(texts)), ("batches of 2,000", 2000)):
        started, cpu = time.perf_counter(), cpu_seconds()
        for i in range(0, len(texts), batch):
            model.classify_many(texts[i : i + batch])
        rows.append(row(f"classify_many in this process, {name}", len(texts), time.perf_counter() - started,
                        cpu_seconds() - cpu))
    return rows


def row(name: str, n: int, seconds: float, cpu: float, **more) -> dict:
    return {"name": name, "per_s": round(n / seconds), "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1),
            "per_cpu_s": round(n / cpu), **{k: round(v) if k.startswith("per_") else round(v, 1) for k, v in more.items()}}


def dask_run(watch, cluster, corpus: Path, output: Path) -> tuple[dict, float, dict]:
    """classify_files in a fresh client process; the cluster's CPU time is its workers' plus this
    process's (the scheduler runs here), read before and after."""

    def cluster_cpu() -> tuple[float, float]:
        return sum(watch.run(cpu_seconds).values()), cpu_seconds()

    workers0, scheduler0 = cluster_cpu()
    got, seconds, client_cpu = run_child(["--client", cluster.scheduler_address, str(corpus), str(output)])
    workers1, scheduler1 = cluster_cpu()
    return got, seconds, {"client": client_cpu, "workers": workers1 - workers0, "scheduler": scheduler1 - scheduler0}


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] in ("--client", "--cli"):
        return child_main(sys.argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10x smaller corpora, for a smoke run")
    parser.add_argument("--out", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    import dask
    import distributed

    import topicslib

    sizes = QUICK if args.quick else FULL
    figures: dict = {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "dask": dask.__version__,
                    "topicslib": topicslib.__version__, "load_average_before": os.getloadavg()[0]},
        "throughput": [], "client_memory": [],
    }
    with tempfile.TemporaryDirectory(prefix="topicslib-dask-bench-") as tmp:
        tmp = Path(tmp)
        n = sizes["throughput"]
        corpus = tmp / f"corpus-{n}.jsonl"
        mib = write_corpus(corpus, n) / 2**20
        print(f"throughput on {n:,} paragraphs ({mib:.0f} MiB of JSON Lines)", flush=True)
        figures["throughput"] += in_process(corpus)
        got, seconds, cpu = run_child(["--cli", "classify", str(corpus), "-o", str(tmp / "local.jsonl"), "-q"])
        figures["throughput"].append(row("topicslib classify, one process, file to file", n, seconds, cpu,
                                         peak_rss_mib=got["peak_rss_mib"]))
        for workers in (1, 2):
            with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                          dashboard_address="127.0.0.1:0") as cluster, \
                    distributed.Client(cluster, set_as_default=False) as watch:
                got, seconds, cpu = dask_run(watch, cluster, corpus, tmp / f"dask{workers}.jsonl")
                assert got["records"] == n
                figures["throughput"].append(row(
                    f"dask, {workers} worker{'s' * (workers > 1)}, file to file", n, seconds, sum(cpu.values()),
                    per_worker_cpu_s=n / cpu["workers"], client_cpu_seconds=cpu["client"],
                    peak_rss_mib=got["peak_rss_mib"]))
                for m in sizes["memory"] if workers == 2 else ():
                    big = tmp / f"corpus-{m}.jsonl"
                    size = write_corpus(big, m)
                    got, seconds, cpu = dask_run(watch, cluster, big, tmp / "big.jsonl")
                    assert got["records"] == m
                    figures["client_memory"].append({
                        "paragraphs": m, "input_mib": round(size / 2**20, 1), "parts": got["parts"],
                        "seconds": round(seconds, 1), "per_s": round(m / seconds),
                        "client_cpu_seconds": round(cpu["client"], 1), "client_peak_rss_mib": round(got["peak_rss_mib"], 1)})
                    big.unlink()
    figures["machine"]["load_average_after"] = os.getloadavg()[0]

    print(f"\n{'':<50} {'paragraphs/s':>12} {'seconds':>8} {'CPU s':>7} {'per CPU s':>9} {'per worker CPU s':>16} "
          f"{'client CPU s':>12} {'peak RSS MiB':>12}")
    for r in figures["throughput"]:
        print(f"{r['name']:<50} {r['per_s']:>12,} {r['seconds']:>8} {r['cpu_seconds']:>7} {r['per_cpu_s']:>9,} "
              f"{r.get('per_worker_cpu_s', ''):>16} {r.get('client_cpu_seconds', ''):>12} {r.get('peak_rss_mib', ''):>12}")
    print(f"\n{'paragraphs':>10} {'input MiB':>10} {'parts':>6} {'seconds':>8} {'per s':>7} {'client CPU s':>12} "
          f"{'client peak RSS MiB':>20}")
    for r in figures["client_memory"]:
        print(f"{r['paragraphs']:>10,} {r['input_mib']:>10} {r['parts']:>6} {r['seconds']:>8} {r['per_s']:>7,} "
              f"{r['client_cpu_seconds']:>12} {r['client_peak_rss_mib']:>20}")
    print(f"\nload average (1 min) before/after: {figures['machine']['load_average_before']:.1f} / "
          f"{figures['machine']['load_average_after']:.1f} on {os.cpu_count()} CPUs")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
