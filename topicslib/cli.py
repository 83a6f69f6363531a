"""The ``topicslib`` command line: classify, report, explain, topics, train, evaluate, cross-validate.

Exit codes: 0 success, 1 data error (the message names file and line), 2 usage error.

``classify`` is a pipeline of three parts, so another engine can replace the middle one:
:func:`records.read_records` turns inputs into a stream of :class:`records.Record`, :func:`classify_records`
tags them in batches, and a writer (:data:`WRITERS`) prints a table, JSON Lines or CSV.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO

from . import __version__
from .documents import Paragraph, TopicScore, aggregate
from .errors import TopicslibError
from .records import INPUT_FORMATS, Record, data_error, find_sources, output_record, read_records

OUTPUT_FORMATS = ("table", "jsonl", "csv")
BATCH_SIZE = 2048


# -- progress ------------------------------------------------------------------------------------------
def _size(n: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return ""  # unreachable


def _columns(stream: IO[str], default: int = 80) -> int:
    """The width of the terminal ``stream`` writes to."""
    try:
        return os.get_terminal_size(stream.fileno()).columns or default
    except (OSError, ValueError, AttributeError):
        return default


class Progress:
    """A progress line on stderr: a bar when the total is known, a spinner and counter otherwise.

    It draws only when ``enabled`` (stderr is a terminal and no ``--quiet``) and only once the
    run has lasted ``delay`` seconds, so quick commands stay silent; ``close`` erases it.

    >>> with Progress("reading", total=10, unit="B", enabled=False) as p:
    ...     p.advance(4, note="2 records")
    >>> p.done
    4
    """

    def __init__(self, label: str, *, total: int | None = None, unit: str = "", enabled: bool = False,
                 stream: IO[str] | None = None, delay: float = 0.5):
        self.label, self.total, self.unit, self.enabled = label, total, unit, enabled
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.done = 0
        self.note = ""
        self._start = time.monotonic()
        self._last = 0.0
        self._drawn = False
        self._frame = 0
        self._lock = threading.Lock()
        self._stop: threading.Event | None = None
        fancy = (getattr(self.stream, "encoding", "") or "").lower().replace("-", "") == "utf8"
        self._bar_chars = ("█", "░") if fancy else ("#", "-")
        self._spinner = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏" if fancy else "|/-\\"

    def advance(self, n: int = 0, *, note: str | None = None, label: str | None = None) -> None:
        """Add ``n`` to the work done; redraw at most ten times a second."""
        self.done += n
        if note is not None:
            self.note = note
        if label is not None:
            self.label = label
        now = time.monotonic()
        if self.enabled and now - self._start >= self.delay and now - self._last >= 0.1:
            self._draw(now)

    def _line(self, now: float) -> str:
        elapsed = f"{now - self._start:.1f} s"
        unit = f" {self.unit}" if self.unit else ""
        count = _size(self.done) if self.unit == "B" else f"{self.done:,}{unit}"
        if self.total:
            frac = min(1.0, self.done / self.total)
            full, empty = self._bar_chars
            bar = full * round(frac * 24) + empty * (24 - round(frac * 24))
            of = f"{_size(self.done)}/{_size(self.total)}" if self.unit == "B" else f"{self.done:,}/{self.total:,}{unit}"
            parts = [self.label, bar, f"{frac:4.0%}", of]
        else:
            self._frame += 1
            parts = [self.label, self._spinner[self._frame % len(self._spinner)]]
            if self.done:
                parts.append(count)
        parts += [p for p in (self.note, elapsed) if p]
        return "  ".join(parts)

    def _draw(self, now: float) -> None:
        with self._lock:
            width = _columns(self.stream) - 1
            self.stream.write("\r" + self._line(now)[:width] + "\x1b[K")
            self.stream.flush()
            self._drawn, self._last = True, now

    def spin(self) -> "Progress":
        """Redraw from a background thread, for a step that reports nothing while it runs (training)."""
        if self.enabled and self._stop is None:
            self._stop = threading.Event()

            def tick() -> None:
                while not self._stop.wait(0.2):
                    self.advance()

            threading.Thread(target=tick, daemon=True).start()
        return self

    def close(self) -> None:
        if self._stop is not None:
            self._stop.set()
        with self._lock:
            if self._drawn:
                self.stream.write("\r\x1b[K")
                self.stream.flush()
                self._drawn = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_enabled(args: argparse.Namespace, *, output_is_stdout: bool = False) -> bool:
    """Bars go to stderr when it is a terminal, unless --quiet, or a table is being printed to the same terminal."""
    if args.quiet or not sys.stderr.isatty():
        return False
    return not (output_is_stdout and sys.stdout.isatty())


def classify_records(model, records: Iterable[Record], *, batch_size: int = BATCH_SIZE) -> Iterator[tuple[Record, list[TopicScore]]]:
    """Tag records in batches of ``batch_size`` with one ``classify_many`` call each, keeping their order."""
    records = iter(records)
    while batch := list(islice(records, batch_size)):
        yield from zip(batch, model.classify_many([r.text for r in batch]))


# -- writing results -----------------------------------------------------------------------------------
class JsonlWriter:
    """One JSON object a line: :func:`output_record`."""

    def __init__(self, out: IO[str]):
        self.out = out

    def write(self, record: Record, topics: list[TopicScore]) -> None:
        self.out.write(json.dumps(output_record(record, topics), ensure_ascii=False) + "\n")

    def close(self) -> None:
        pass


class CsvWriter:
    """The input's columns (those of the first record), then ``paragraph``, ``topics`` and ``scores``.

    ``topics`` and ``scores`` are ``;``-separated, so the file reads back as examples; values that
    are not strings (JSON input) are written as JSON.
    """

    def __init__(self, out: IO[str]):
        self.out = out
        self.writer: csv.DictWriter | None = None
        self.left_out: set[str] = set()

    def write(self, record: Record, topics: list[TopicScore]) -> None:
        row = output_record(record, topics)
        row["scores"] = ";".join(f"{t['score']:.4f}" for t in row["topics"])
        row["topics"] = ";".join(t["topic"] for t in row["topics"])
        if self.writer is None:
            self.writer = csv.DictWriter(self.out, fieldnames=list(row), extrasaction="ignore", lineterminator="\n")
            self.writer.writeheader()
        new = row.keys() - set(self.writer.fieldnames) - self.left_out
        if new:  # the header is written already; say so rather than drop fields silently
            self.left_out |= new
            print(f"topicslib: note: {record.where}: field(s) {', '.join(sorted(new))} are not in the CSV header "
                  "(the first record's fields) and are left out; use --format jsonl to keep every field", file=sys.stderr)
        self.writer.writerow({k: v if isinstance(v, str) or v is None else json.dumps(v, ensure_ascii=False)
                              for k, v in row.items()})

    def close(self) -> None:
        pass


class TableWriter:
    """Aligned text for a person: one row per record, or per paragraph with a summary per document."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.width = _columns(out, 100) if out.isatty() else 100
        self.document: str | None = None
        self.paragraphs: list[Paragraph] = []

    @staticmethod
    def tags(topics: list[TopicScore]) -> str:
        return ", ".join(f"{t} {s:.2f}" for t, s in topics) or "-"

    def snippet(self, text: str, room: int) -> str:
        text = " ".join(text.split())
        room = max(20, room)
        return text if len(text) <= room else text[: room - 1] + "…"

    def write(self, record: Record, topics: list[TopicScore]) -> None:
        if record.paragraph is None:
            where = f"{record.where}  " if record.where else ""
            row = f"{where}{self.tags(topics):<34}  "
            self.out.write(row + self.snippet(record.text, self.width - len(row)) + "\n")
            return
        if record.document != self.document:
            self._summary()
            self.document = record.document
            self.out.write(f"== {record.document}\n")
        # The summary needs only each paragraph's topics, so the text is not kept.
        self.paragraphs.append(Paragraph(record.paragraph, "", topics))
        row = f"[{record.paragraph:>3}] {self.tags(topics):<34}  "
        self.out.write(row + self.snippet(record.text, self.width - len(row)) + "\n")

    def _summary(self) -> None:
        if self.document is None:
            return
        tops = aggregate(self.paragraphs)
        shares = ", ".join(f"{d.topic} {d.paragraphs} ({d.share:.0%})" for d in tops) or "no topic"
        self.out.write(f"   {len(self.paragraphs)} paragraphs: {shares}\n\n")
        self.paragraphs = []

    def close(self) -> None:
        self._summary()


WRITERS: dict[str, Callable[[IO[str]], JsonlWriter | CsvWriter | TableWriter]] = {
    "jsonl": JsonlWriter, "csv": CsvWriter, "table": TableWriter,
}


def output_format(requested: str | None, output: str | None) -> str:
    """``--format``, else by the output file's suffix, else a table on a terminal and JSON Lines in a pipe."""
    if requested:
        return requested
    if output:
        return "csv" if output.lower().endswith(".csv") else "table" if output.lower().endswith(".txt") else "jsonl"
    return "table" if sys.stdout.isatty() else "jsonl"


@contextlib.contextmanager
def open_output(path: str | None, *, newline: str | None = None) -> Iterator[IO[str]]:
    """Standard output, or a file written under a temporary name and renamed when complete,
    so a run that stops on bad input leaves no half-written file (and keeps an old one)."""
    if path is None or path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise data_error(path, None, f"cannot write: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace", newline=newline) as out:
            yield out
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; results are meant to be shared
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


# -- commands --------------------------------------------------------------------------------------------
def load_model_option(args: argparse.Namespace):
    from . import default_model, load_model

    return load_model(args.model) if args.model else default_model()


def _cmd_classify(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        from .dask import run_cli

        return run_cli(args)
    sources = find_sources(args.inputs, args.input_format)
    if not sources and not args.text:
        if sys.stdin.isatty():
            args.parser.error("give a --text, files or folders, or pipe text to standard input")
        sources = find_sources(["-"], args.input_format)
    fmt = output_format(args.format, args.output)
    model = load_model_option(args)
    total = sum(s.size for s in sources) if all(s.size is not None for s in sources) else None
    enabled = progress_enabled(args, output_is_stdout=args.output in (None, "-"))
    started = time.perf_counter()
    with Progress("classify", total=total or None, unit="B", enabled=enabled) as progress, \
            open_output(args.output, newline="" if fmt == "csv" else None) as out:
        records = read_records(sources, texts=args.text or (), document=args.document, column=args.column,
                               on_bytes=lambda n: progress.advance(n))
        writer = WRITERS[fmt](out)
        n = 0
        for n, (record, topics) in enumerate(classify_records(model, records), 1):
            writer.write(record, topics)
            if n % BATCH_SIZE == 0:
                progress.advance(note=f"{n:,} {'paragraphs' if args.document else 'records'}")
        writer.close()
    if enabled:
        dest = f" -> {args.output}" if args.output not in (None, "-") else ""
        print(f"classified {n:,} {'paragraphs' if args.document else 'records'} in {time.perf_counter() - started:.1f} s{dest}",
              file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    sources = find_sources(args.inputs, args.input_format)
    model = load_model_option(args)
    enabled = progress_enabled(args)
    total = sum(s.size for s in sources if s.size is not None) or None
    with Progress("reading", total=total, unit="B", enabled=enabled) as progress:
        records = read_records(sources, column=args.column, on_bytes=lambda n: progress.advance(n))
        documents = [(_document_name(r), r.text) for r in records]  # the page holds them all anyway
    with Progress("report", total=len(documents), unit="documents", enabled=enabled) as progress:
        path = write_report(args.output, documents, model=model, title=args.title,
                            model_name=args.model or "default model", on_document=lambda: progress.advance(1))
    if not args.quiet:
        print(f"wrote {path} ({len(documents):,} document{'s' if len(documents) != 1 else ''})", file=sys.stderr)
    return 0


def _document_name(record: Record) -> str:
    """A text file is named by its path; a JSONL/CSV record by its title field, else file:line (and its id)."""
    fields = {k: v for k, v in record.fields.items() if k != record.text_field and isinstance(v, (str, int))}
    for key in ("title", "name"):
        if str(fields.get(key, "")).strip():
            return str(fields[key])
    return f"{record.where} (id {fields['id']})" if str(fields.get("id", "")).strip() else record.where


def _training_options(args: argparse.Namespace) -> dict:
    if not args.options:
        return {}
    try:
        options = json.loads(args.options)
    except json.JSONDecodeError as e:
        args.parser.error(f"--options is not valid JSON: {e.msg}")
    if not isinstance(options, dict):
        args.parser.error('--options must be a JSON object, e.g. \'{"C": 1.0}\'')
    return options


def _cmd_train(args: argparse.Namespace) -> int:
    from . import load_taxonomy, read_examples, train

    options = _training_options(args)
    started = time.perf_counter()
    with Progress(f"reading {args.examples}", enabled=progress_enabled(args)).spin() as progress:
        taxonomy = load_taxonomy(args.taxonomy) if args.taxonomy else None
        examples = read_examples(args.examples, taxonomy=taxonomy)
        progress.advance(label=f"training on {len(examples):,} examples")
        model = train(examples, taxonomy=taxonomy, **options)
        progress.advance(label=f"saving {args.output}")
        path = model.save(args.output)
    cv = model.card_["cross_validation"]
    print(f"trained on {model.card_['n_examples']:,} examples ({len(model.classes_)} topics) in "
          f"{time.perf_counter() - started:.1f} s; in-training cross-validated micro-F1 {cv['micro']['f1']:.3f}, "
          f"macro-F1 {cv['macro']['f1']:.3f}; saved {path}")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    with Progress("evaluate", enabled=progress_enabled(args)).spin() as progress:
        model = load_model_option(args)
        progress.advance(label=f"evaluating on {args.examples}")
        ev = model.evaluate(args.examples)
    print(json.dumps(ev.to_dict(), indent=2) if args.json else ev.table())
    return 0


def _cmd_cross_validate(args: argparse.Namespace) -> int:
    from . import cross_validate

    options = _training_options(args)
    if "folds" in options:  # cross_validate's own folds would shadow the training option of that name
        args.parser.error("--options cannot set 'folds' here; give the number of cross-validation folds with --folds")
    with Progress("cross-validate", enabled=progress_enabled(args)).spin() as progress:
        progress.advance(label=f"cross-validating on {args.examples} ({args.folds} folds)")
        ev = cross_validate(args.examples, taxonomy=args.taxonomy, folds=args.folds, **options)
    if args.json:
        print(json.dumps({"folds": args.folds, **ev.to_dict()}, indent=2))
    else:
        print(f"{args.folds}-fold cross-validation on {ev.n_examples:,} examples\n{ev.table()}")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    explanations = load_model_option(args).explain(args.text, topic=args.topic, top_n=args.top)
    if args.json:
        print(json.dumps([{"topic": e.topic, "score": round(e.score, 4), "threshold": round(e.threshold, 4),
                           "intercept": round(e.intercept, 4),
                           "terms": [{"term": t, "contribution": round(c, 4)} for t, c in e.terms]}
                          for e in explanations], ensure_ascii=False, indent=2))
        return 0
    if not explanations:
        print("no topic applies")
    for e in explanations:
        print(f"{e.topic}  score {e.score:.3f} (threshold {e.threshold:.3f})")
        biggest = max((abs(c) for _, c in e.terms), default=1.0) or 1.0
        for term, c in e.terms:
            bar = ("+" if c > 0 else "-") * max(1, round(12 * abs(c) / biggest))
            print(f"    {c:+7.3f}  {bar:<12}  {term}")
    return 0


def _cmd_topics(args: argparse.Namespace) -> int:
    from . import load_taxonomy

    topics = load_taxonomy(args.taxonomy).topics if args.taxonomy else load_model_option(args).topics()
    if args.json:
        print(json.dumps([t.to_dict() for t in topics], ensure_ascii=False, indent=2))
        return 0
    width = max(len(t.id) for t in topics) + 2
    for t in topics:
        print(f"{t.id:<{width}}{t.name}")
        if t.description:
            print(f"{'':<{width}}{t.description}")
        if t.seeds:
            print(f"{'':<{width}}seeds: {', '.join(t.seeds)}")
    return 0


# -- the parser ------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``topicslib`` command."""
    parser = argparse.ArgumentParser(prog="topicslib", description="Tag paragraphs of political text with policy topics.",
                                     epilog="Exit codes: 0 success, 1 data error (names file and line), 2 usage error.")
    parser.add_argument("--version", action="version", version=f"topicslib {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars or notes on stderr")
    common.add_argument("-v", "--verbose", action="store_true", help="log what the library does to stderr")

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str, *, model: bool = True):
        p = sub.add_parser(name, help=help, description=help, parents=[common])
        if model:
            p.add_argument("--model", metavar="PATH", help="model file (default: the shipped default model)")
        p.set_defaults(func=func, parser=p)
        return p

    def add_inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--input-format", choices=INPUT_FORMATS,
                       help="read every input as this (default: by suffix: .txt/.md text, .jsonl, .csv; stdin is text)")
        p.add_argument("--column", default="text", metavar="NAME",
                       help="the field of JSONL records or column of CSV rows that holds the text (default: text)")

    p = add("classify", _cmd_classify, "tag texts, files, folders or standard input")
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="files or folders (.txt, .md, .jsonl, .csv); '-' or nothing reads standard input")
    p.add_argument("--text", action="append", metavar="TEXT", help="classify this text (repeatable)")
    p.add_argument("--document", action="store_true", help="split each text into paragraphs and tag each one")
    add_inputs(p)
    p.add_argument("--format", choices=OUTPUT_FORMATS,
                   help="output format (default: by --output suffix; else a table on a terminal, jsonl in a pipe)")
    p.add_argument("-o", "--output", metavar="PATH", help="write results here instead of standard output")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: this process (default); dask: partitions on a Dask cluster, written to --output "
                        "(.jsonl, or a .parquet folder); needs topicslib[dask], see docs/dask.md")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the cluster's scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    p.add_argument("--workers", type=int, metavar="N",
                   help="with --engine dask and no --scheduler: local worker processes (default: one per CPU core)")

    p = add("report", _cmd_report, "write an HTML report of documents: tagged paragraphs, evidence, topic shares")
    p.add_argument("inputs", nargs="+", metavar="FILE",
                   help="documents: .txt/.md files or folders of them; each JSONL record or CSV row is a document too")
    add_inputs(p)
    p.add_argument("-o", "--output", required=True, metavar="HTML", help="where to write the report")
    p.add_argument("--title", default="Topic report", help="the report's title")

    p = add("explain", _cmd_explain, "show the terms behind a text's topics")
    p.add_argument("text")
    p.add_argument("--topic", help="explain this topic even if it is not predicted")
    p.add_argument("--top", type=int, default=10, help="terms per topic (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("topics", _cmd_topics, "list the topics of the model (or of a taxonomy file)")
    p.add_argument("--taxonomy", metavar="FILE", help="show this taxonomy file instead of the model's")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("train", _cmd_train, "train a model from labeled examples", model=False)
    p.add_argument("examples", help="a .jsonl/.csv file or a folder of them")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model (.npz)")
    p.add_argument("--taxonomy", metavar="FILE", help="taxonomy file to check labels against (.toml or .json)")
    p.add_argument("--options", metavar="JSON", help='training options as JSON, e.g. \'{"C": 1.0}\'')

    p = add("evaluate", _cmd_evaluate, "score a model on labeled examples")
    p.add_argument("examples", help="a .jsonl/.csv file or a folder of them")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = add("cross-validate", _cmd_cross_validate, "k-fold cross-validation of training on labeled examples", model=False)
    p.add_argument("examples", help="a .jsonl/.csv file or a folder of them")
    p.add_argument("--folds", type=int, default=5, metavar="K", help="number of folds (default 5)")
    p.add_argument("--taxonomy", metavar="FILE", help="taxonomy file to check labels against (.toml or .json)")
    p.add_argument("--options", metavar="JSON", help="training options as JSON")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    if hasattr(sys.stdout, "reconfigure"):
        # A lone surrogate (JSON input may hold "\ud800") is written as that escape, not a crash.
        sys.stdout.reconfigure(errors="backslashreplace")
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return args.func(args)
    except TopicslibError as e:
        print(f"topicslib: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        print("topicslib: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        print(f"topicslib: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
