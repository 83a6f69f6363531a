"""Trends at scale: ``topicslib trends`` and the dashboard over a corpus of N paragraphs, against
``topicslib classify`` on the same file: records a CPU-second and peak memory (VmHWM), each command in
a fresh process.

The corpus is State Department press-release paragraphs (cycled to N; the repository's examples
without ../shared/data), each given a date (spread over 2021-2026), one of five sources and a document ``url`` (ten
paragraphs a document, so ``--group url`` makes N/10 documents).

    python benchmarks/trends.py [--n 1000000] [--dashboard]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import corpora  # noqa: E402

_RUN = """
import resource, sys
from topicslib.cli import main
code = main(sys.argv[1:])
usage = resource.getrusage(resource.RUSAGE_SELF)
peak = int(next(l for l in open('/proc/self/status') if l.startswith('VmHWM:')).split()[1]) / 1024
print(f"MEASURE {usage.ru_utime + usage.ru_stime:.2f} {peak:.1f}", file=sys.stderr)
sys.exit(code)
"""


def measure(args: list[str]) -> tuple[float, float]:
    r = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, text=True, cwd=ROOT)
    if r.returncode:
        raise SystemExit(r.stderr)
    cpu, peak = next(line for line in r.stderr.splitlines() if line.startswith("MEASURE")).split()[1:]
    return float(cpu), float(peak)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/trends.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="paragraphs in the corpus")
    parser.add_argument("--dashboard", action="store_true", help="also time `topicslib report --date` (slow)")
    args = parser.parse_args(argv)
    texts, source = corpora.paragraph_stream(args.n)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                day = 1 + i * 2000 // args.n  # days since the start, spread over ~5.5 years
                f.write(json.dumps({"text": t, "date": f"{2021 + day // 365}-{1 + day % 365 // 31:02d}-01",
                                    "source": f"s{i % 5}", "url": f"doc{i // 10}"}) + "\n")
        del texts
        runs = {"classify": ["classify", str(corpus), "-o", str(Path(tmp) / "out.jsonl"), "-q"],
                "trends": ["trends", str(corpus), "--date", "date", "--by", "source", "-o", str(Path(tmp) / "t.csv")]}
        if args.dashboard:
            runs["report --date"] = ["report", str(corpus), "-o", str(Path(tmp) / "r.html"), "--date", "date",
                                     "--by", "source", "-q"]
            runs["report --group"] = [*runs["report --date"][:-1], "--group", "url", "-q"]
        print(f"{args.n:,} paragraphs ({source})")
        for name, command in runs.items():
            cpu, peak = measure(command)
            print(f"  {name:<14} {args.n / cpu:>10,.0f} paragraphs per CPU-second  {cpu:7.1f} CPU s  peak {peak:6.0f} MiB",
                  flush=True)
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
