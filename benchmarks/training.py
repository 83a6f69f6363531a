"""Training cost: topicslib against scikit-learn's usual recipes, at 10,000, 30,000 and 100,000 labeled paragraphs.

The paragraphs are pooled from the public benchmark sets in ``../shared/data`` (20 Newsgroups, Reuters-21578,
Policy Agendas bills and headlines, AG News, UK manifesto sentences, and the State Department's human rights
reports labeled by their sections: 105,794 paragraphs), each label prefixed by its set; the 28 most frequent labels
are the topics (a paragraph may have none). Each system trains in a fresh process, and
the figures are that process's CPU seconds (user + system, from the start of training) and peak resident
memory (VmHWM), the median of ``--repeats`` runs.

Systems: topicslib's default ``TopicModel``; scikit-learn's ``TfidfVectorizer(ngram_range=(1, 2),
sublinear_tf=True, min_df=2)`` with one-vs-rest ``LinearSVC``; the same with each topic's SVM in 5-fold
``CalibratedClassifierCV`` (the recipe that, like topicslib, gives calibrated probabilities).

    python benchmarks/training.py --sizes 10000,30000,100000 --out benchmarks/results/training.json
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import corpora, report  # noqa: E402

SYSTEMS = ("topicslib", "sklearn-svc", "sklearn-calibrated")
TOPICS = 28
_SOURCES = [
    ("20ng", "20newsgroups_bydate/20news_bydate.jsonl.gz"),
    ("reuters", "reuters21578/reuters21578_aptemod90.jsonl.gz"),
    ("bills", "cap_policy_agendas_us/us_congress_bills_107.jsonl.gz"),
    ("nyt", "cap_policy_agendas_us/nyt_front_page_headlines.jsonl.gz"),
    ("ag", "ag_news/ag_news_test.jsonl.gz"),
    ("manifesto", "uk_manifesto_sentences_crowd/econ_social_1987_2010.jsonl.gz"),
    ("manifesto", "uk_manifesto_sentences_crowd/immigration_2010.jsonl.gz"),
    # unlabeled but for each paragraph's report section (8 of them): labels weak for accuracy, and enough for
    # measuring the cost of training, which is what this pool is for; they take the pool past 100,000
    ("hrr", "us_state_dept_human_rights_reports_latam/hrr_western_hemisphere_paragraphs.jsonl.gz"),
]


def _labels(record: dict) -> list[str]:
    """A record's labels: its ``labels``, or for a human-rights report paragraph its section's title."""
    return record["labels"] if "labels" in record else [record["section_title"]]


def pool() -> tuple[list[str], list[list[str]]]:
    """Every paragraph of the public sets found, shuffled, with its labels among the 28 most frequent."""
    rows = []
    for name, path in _SOURCES:
        try:
            rows += [(r["text"], [f"{name}:{lab}" for lab in _labels(r)]) for r in corpora.read_rows(corpora.SHARED_DATA / path)]
        except corpora.Missing:
            continue
    random.Random(corpora.SEED).shuffle(rows)
    top = {lab for lab, _ in Counter(lab for _, labels in rows for lab in labels).most_common(TOPICS)}
    return [t for t, _ in rows], [[lab for lab in labels if lab in top] for _, labels in rows]


def _train(system: str, texts: list[str], labels: list[list[str]]) -> None:
    if system == "topicslib":
        from topicslib import TopicModel

        TopicModel().fit(texts, labels)
        return
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MultiLabelBinarizer
    from sklearn.svm import LinearSVC

    X = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit_transform(texts)
    Y = MultiLabelBinarizer().fit_transform(labels)
    svc = LinearSVC(C=1.0)
    OneVsRestClassifier(CalibratedClassifierCV(svc, cv=5) if system == "sklearn-calibrated" else svc).fit(X, Y)


def _worker(system: str, data: str) -> None:
    with open(data, encoding="utf-8") as f:
        texts, labels = json.load(f)
    before = resource.getrusage(resource.RUSAGE_SELF)
    _train(system, texts, labels)
    after = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    print(json.dumps({"cpu_seconds": cpu, "peak_mib": report.process_memory_mib("VmHWM")}))


def measure(system: str, data: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", system, "--data", data], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/training.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,30000,100000", help="labeled paragraphs per run (comma-separated)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"from {', '.join(SYSTEMS)}")
    parser.add_argument("--repeats", type=int, default=1, help="runs per system and size; the median counts")
    parser.add_argument("--out", default="benchmarks/results/training.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.data)
        return 0
    texts, labels = pool()
    if not texts:
        print("skipped: no public data sets in", corpora.SHARED_DATA)
        return 0
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in (int(s) for s in args.sizes.split(",")):
            if n > len(texts):
                print(f"skipped {n:,}: the pool holds {len(texts):,} paragraphs")
                continue
            data = str(Path(tmp) / f"{n}.json")
            Path(data).write_text(json.dumps([texts[:n], labels[:n]]), encoding="utf-8")
            for system in args.systems.split(","):
                runs = [measure(system, data) for _ in range(args.repeats)]
                row = {"size": n, "system": system, **{k: statistics.median(r[k] for r in runs) for k in runs[0]}}
                results.append(row)
                print(f"{n:>7,}  {system:<20} {row['cpu_seconds']:8.1f} CPU s  {row['peak_mib']:8.0f} MiB", flush=True)
    rows = []
    for n in sorted({r["size"] for r in results}):
        by = {r["system"]: r for r in results if r["size"] == n}
        cal = by.get("sklearn-calibrated")
        mine = by.get("topicslib")
        ratio = (f"{mine['cpu_seconds'] / cal['cpu_seconds']:.2f}x / {mine['peak_mib'] / cal['peak_mib']:.2f}x"
                 if mine and cal else "-")
        rows.append([f"{n:,}", *[f"{by[s]['cpu_seconds']:.1f} / {by[s]['peak_mib']:.0f}" if s in by else "-" for s in SYSTEMS],
                     ratio])
    print(report.table(["paragraphs", *[f"{s} CPU s / MiB" for s in SYSTEMS], "topicslib vs calibrated"], rows))
    report.write_json(args.out, {"machine": report.machine(), "topics": TOPICS, "pool": len(texts), "results": results})
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
