"""Markdown tables from benchmark JSON, for docs/benchmarks.md.

    python benchmarks/tables.py benchmarks/results/accuracy.json benchmarks/results/speed.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def _fmt(v: object, digits: int = 3) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.{digits}f}" if abs(v) >= 0.01 or v == 0 else f"{v:.2g}"
    return str(v)


def _md(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def accuracy(data: dict) -> str:
    systems = data["config"]["systems"]
    rows = []
    for ds, entry in data["datasets"].items():
        if "skipped" in entry:
            rows.append([ds, "skipped", *["–"] * len(systems)])
            continue
        for metric in entry["metrics"]:
            cells = []
            for name in systems:
                r = entry["results"].get(name, {})
                cells.append(_fmt(r[metric]) if metric in r else "skipped" if "skipped" in r else "error")
            best = max((r.get(metric, -1) for r in entry["results"].values()), default=-1)
            cells = [f"**{c}**" if entry["results"].get(n, {}).get(metric) == best else c for c, n in zip(cells, systems)]
            rows.append([f"{entry['title']} ({entry['n_docs']:,} docs)", metric, *cells])
    return _md(["data set", "metric", *systems], rows)


def speed(data: dict) -> str:
    systems = data["config"]["systems"]
    res = data["results"]
    figures = ["throughput_per_s", "latency_median_ms", "latency_p99_ms", "load_seconds", "import_seconds",
               "model_mib", "peak_rss_mib"]
    table = _md(["figure", *systems], [[f, *[_fmt(res[n].get(f), 3) if f in res[n] else "skipped" for n in systems]]
                                       for f in figures])
    peers = list(data["ratios"])
    ratio = _md(["topicslib is … times better than", *peers],
                [[f, *[_fmt(data["ratios"][p][f], 2) for p in peers]] for f in figures])
    return table + "\n\n" + ratio


def main(argv: list[str]) -> int:
    for path in argv:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        print(f"<!-- {path}: {data['command']} -->")
        print(accuracy(data) if data["benchmark"] == "accuracy" else speed(data))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
