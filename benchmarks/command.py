"""The ``topicslib classify`` command against the library: records a CPU-second on the same texts.

One JSON Lines file of N paragraph records (State Department press-release paragraphs cycled to N, or
the repository's examples without ../shared/data), each with an id, a date and an outlet beside its
text. Each measurement runs in a fresh process and counts that process's CPU seconds (user + system):

- ``classify_many``: the library on the file's texts, already in memory (loading the model not counted);
- ``classify -o out.jsonl``: the whole command as a user runs it (``python -m topicslib``, timed by the system
  from outside), start-up, reading, parsing, scoring, language detection, encoding and the atomic write included;
  once as installed (orjson when present) and once with ``TOPICSLIB_NO_ORJSON=1`` (the standard json module);
- ``classify --format csv`` with orjson, for the CSV writer;
- the command on one record: its start-up (interpreter, imports, the model loaded), a fixed cost the library
  figure leaves out; each command is also compared with the library after its start-up is taken off.

The figure of issue 16: the command within 1.5x of the library's records per CPU-second.

With ``--big-model PATH`` the library and the command are also timed with a large model: the one at PATH,
or, where there is none, one trained there first on ``--big-size`` (100,000) paragraphs pooled from the
public sets as benchmarks/training.py pools them (28 topics; the pool holds 105,794 paragraphs since the human rights
reports joined it); issue 16 asks it to score 100k texts a second.

With ``--instructions`` each run is counted in instructions by valgrind's callgrind instead of timed (the
library's count taken less the same run on no text): slower, but it shows a change of a few percent that this
machine's swings in CPU time (a third, run to run) hide.

    python benchmarks/command.py [--n 100000] [--repeats 3] [--big-model /tmp/big.npz]
    python benchmarks/command.py --instructions --n 20000 --repeats 1
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import corpora  # noqa: E402

# The command as a user runs it (``python -m topicslib``: the process the console script makes), timed from outside.
_COMMAND = ["-m", "topicslib"]

_LIBRARY = """
import json, sys, time
import topicslib
texts = [json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8")]
model = topicslib.load_model(sys.argv[2]) if sys.argv[2] != "-" else topicslib.default_model()
model.classify_many(texts[:1000])  # first calls pay one-off costs
start = time.process_time()
model.classify_many(texts if sys.argv[3] == "all" else texts[:int(sys.argv[3])])
print(f"MEASURE {time.process_time() - start:.3f}", file=sys.stderr)
"""


def bytecode_env() -> dict:
    """The environment of a measured process: bytecode written and read as on a user's machine (pip compiles an
    installed package's at install, Python an editable one's at its first import). A machine that sets
    PYTHONDONTWRITEBYTECODE (this one does) would otherwise charge every run's start-up with compiling
    topicslib's sources: 0.47G of the command's 1.76G instructions on one record."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def compile_sources(env: dict) -> None:
    """topicslib's and the benchmarks' bytecode, in their ``__pycache__`` folders, before anything is measured."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "topicslib"), str(ROOT / "benchmarks")],
                   check=True, env=env, capture_output=True)


def measure(code: str | list[str], args: list[str], env: dict | None = None, instructions: bool = False) -> float:
    """CPU seconds of a fresh process: the command's (``code`` is ``_COMMAND``) as the system counts them, a script's
    as it reports them itself; with ``instructions``, the instructions the whole process runs, counted by valgrind's
    callgrind (about 50 times slower, but the same from run to run on a loaded machine)."""
    counter = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] if instructions else []
    run = _COMMAND if code is _COMMAND else ["-c", code]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    r = subprocess.run([*counter, sys.executable, *run, *args], capture_output=True, text=True, cwd=ROOT, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if r.returncode:
        raise SystemExit(r.stderr)
    if instructions:
        return float(re.search(r"Collected : (\d+)", r.stderr).group(1))
    if code is _COMMAND:  # the whole process, the interpreter's start included
        return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return float(next(line for line in r.stderr.splitlines() if line.startswith("MEASURE")).split()[1])


_TRAIN = """
import sys, time
sys.path.insert(0, sys.argv[1])
from benchmarks.training import pool
from topicslib import TopicModel
texts, labels = pool()
n = int(sys.argv[3])
start = time.process_time()
model = TopicModel().fit(texts[:n], labels[:n])
print(f"MEASURE {time.process_time() - start:.1f}", file=sys.stderr)
model.save(sys.argv[2])
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python benchmarks/command.py", description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="records in the file (default 100,000)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of runs; the least of each counts (default 3)")
    parser.add_argument("--big-model", metavar="PATH", help="also time this large model (trained here first if missing)")
    parser.add_argument("--big-size", type=int, default=100_000, help="paragraphs the large model is trained on")
    parser.add_argument("--instructions", action="store_true",
                        help="count instructions with valgrind instead of timing (slow: use --n 20000 and --repeats 1)")
    args = parser.parse_args(argv)
    if args.instructions and not shutil.which("valgrind"):
        parser.error("--instructions needs valgrind on the PATH")
    if args.big_model and not Path(args.big_model).exists():
        cpu = measure(_TRAIN, [str(ROOT), args.big_model, str(args.big_size)])
        import topicslib

        # the pool may hold fewer than --big-size (where some public sets are missing): say what it was trained on
        n = topicslib.load_model(args.big_model).card_["n_examples"]
        print(f"trained {args.big_model} on {n:,} pooled paragraphs (repeats merged; --big-size {args.big_size:,}) "
              f"in {cpu:.0f} CPU s")
    texts, source = corpora.paragraph_stream(args.n)
    try:
        import orjson  # noqa: F401
        have_orjson = True
    except ImportError:
        have_orjson = False
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        with corpus.open("w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": i, "text": t, "date": f"{2021 + i % 5}-{1 + i % 12:02d}-01",
                                    "outlet": f"s{i % 5}"}, ensure_ascii=False) + "\n")
        del texts
        out = str(Path(tmp) / "out.jsonl")
        runs = {"classify_many (library)": (_LIBRARY, [str(corpus), "-", "all"], None)}
        command = ["classify", str(corpus), "-o", out, "-q"]
        if have_orjson:
            runs["classify -o out.jsonl (orjson)"] = (_COMMAND, command, None)
        runs["classify -o out.jsonl (json module)"] = (_COMMAND, command, {"TOPICSLIB_NO_ORJSON": "1"})
        runs["classify -o out.csv"] = (_COMMAND, ["classify", str(corpus), "-o", str(Path(tmp) / "out.csv"), "-q"], None)
        if args.big_model:
            runs["classify_many, large model"] = (_LIBRARY, [str(corpus), args.big_model, "all"], None)
            runs["classify -o out.jsonl, large model"] = (_COMMAND, [*command, "--model", args.big_model], None)
        unit = "instructions" if args.instructions else "CPU"
        print(f"{args.n:,} records ({source}); {corpus.stat().st_size / 2**20:.1f} MiB of JSON Lines; "
              f"least {unit} of {args.repeats} rounds of fresh processes")
        # start-up: the command on one record (interpreter, imports, the model loaded), with each model
        one = ["classify", "--text", "Tariffs rose.", "-o", str(Path(tmp) / "one.jsonl"), "-q"]
        models = [()] + ([("--model", args.big_model)] if args.big_model else [])
        runs.update({("start-up", m): (_COMMAND, [*one, *m], None) for m in models})
        if args.instructions:  # a count covers the whole process: the library's is taken less the same run on no text
            runs.update({("library base", m): (_LIBRARY, [str(corpus), m[1] if m else "-", "0"], None) for m in models})
        # rounds of every run, the least of each counting: the machine's load then weighs on all alike
        cost = {name: float("inf") for name in runs}
        base_env = bytecode_env()
        compile_sources(base_env)
        for _ in range(args.repeats):
            for name, (code, command_args, env) in runs.items():
                cost[name] = min(cost[name], measure(code, command_args, {**base_env, **(env or {})}, args.instructions))
        startup = {name[1]: c for name, c in cost.items() if name[0] == "start-up"}
        amount = (lambda c: f"{c / 1e9:.2f}G instructions") if args.instructions else (lambda c: f"{c:.2f} CPU s")
        print("  start-up (the command on one record): " + ", ".join(
            amount(c) + (" with the large model" if m else "") for m, c in startup.items()))
        library = None
        for name, (code, command_args, env) in runs.items():
            if isinstance(name, tuple):
                continue
            model = tuple(command_args[command_args.index("--model"):]) if "--model" in command_args else ()
            if code is _LIBRARY:
                library = cost[name] - (cost[("library base", model)] if args.instructions else 0)
                records = library
                compared = ""
            else:
                records = cost[name] - startup[model]  # what the records themselves cost
                compared = f"  library {cost[name] / library:.2f}x the command; {records / library:.2f}x after start-up"
            if args.instructions:
                print(f"  {name:<36} {records / args.n / 1e3:>7,.1f}k instructions a record"
                      f"{'' if code is _LIBRARY else f' ({cost[name] / 1e9:.2f}G in all)'}{compared}", flush=True)
            else:
                print(f"  {name:<36} {args.n / cost[name]:>9,.0f} records per CPU-second  {cost[name]:6.2f} CPU s"
                      f"{compared}", flush=True)
    return 0


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    sys.exit(main())
