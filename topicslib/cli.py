"""The ``topicslib`` command line: the parser and its commands (classify, report, explain, topics, train,
evaluate, cross-validate), each a thin layer over the library.

Exit codes: 0 success, 1 data error (the message names file and line), 2 usage error, and for a run a stop ended
128 + its signal's number, as a shell reports it: 129 hung up (SIGHUP, or ``label``'s terminal gone), 130
interrupted (Ctrl-C), 143 terminated (SIGTERM).

``classify`` is a pipeline of three parts, so another engine can replace the middle one:
:func:`records.read_records` turns inputs into a stream of :class:`records.Record` (JSON Lines written as JSON Lines
in :class:`records.MemberBatch` es of columns), :func:`classify_batches`
tags them in batches (or ``dask.classify_files`` on a cluster), and a writer (``writers.py``) prints a
table, JSON Lines or CSV.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import gc
import json
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from itertools import tee
from pathlib import Path
from typing import IO

from .audit import audit
from .bootstrap import bootstrap
from .crossval import cross_validate
from .labeling import corpus_fields, label
from .defaults import default_model
from .documents import Paragraph, TopicScore
from .errors import HangUp, InputError, OptionError, Terminated, TopicslibError, in_short
from .evaluation import value_name
from .evidence import evidence_as_written, evidence_of, evidence_terms
from .examples import Example, iter_examples, read_examples
from .files import LONE_SURROGATES, STOP_SIGNALS, atomic_output, check_writable, output_target
from .model import EVIDENCE_TERMS, TopicModel, load_model, train
from .navigation import is_navigation
from .options import OPTIONS, check_options
from . import process
from .progress import Progress, progress_enabled
from .records import INPUT_FORMATS, MemberBatch, Record, Source, find_sources, read_records, scoring_texts
from .storage import card_path
from .suggest import suggest
from .taxonomy import load_taxonomy
from .trends import PERIODS, TrendRow, trends
from .version import __version__
from .writers import WRITERS, csv_line, output_format, table_text

OUTPUT_FORMATS = tuple(WRITERS)
BATCH_SIZE = 2048
# Documents named in a note on stderr (those of no paragraph); the others are counted.
_NAMED = 10


def _note(message: str | None) -> None:
    """Print ``message`` on stderr as every note of the command line is printed (``topicslib: note: …``, as the
    library's warnings are: :class:`_LogFormat`); nothing when there is none."""
    if message:
        print(f"topicslib: note: {message}", file=sys.stderr)


# Who a record of another package's logger comes from, as a user knows it (its logger's name follows)
_SOURCES = {"distributed": "Dask"}


class _LogFormat(logging.Formatter):
    """A log record on the command line's stderr as its notes and errors are printed: ``topicslib: warning: …``
    (``topicslib: info: …`` with ``--verbose``), so that a user sees one style. Another package's record says whose
    it is after that: ``topicslib: warning: Dask (distributed.nanny): Worker exceeded 95% memory budget``. It printed
    as ``distributed: warning: …``, which a user of topicslib who never called Dask could not place. Only the
    command line's handler formats so: the library adds none."""

    def format(self, record: logging.LogRecord) -> str:
        package = record.name.partition(".")[0]
        source = f"{_SOURCES[package]} ({record.name}): " if package in _SOURCES else f"{record.name}: "
        if package == "topicslib":
            source = ""
        return f"topicslib: {record.levelname.lower()}: {source}{super().format(record)}"


def classify_batches(model, records: Iterable[Record | MemberBatch], *, batch_size: int = BATCH_SIZE
                     ) -> Iterator[tuple[list[Record] | MemberBatch, list[list[TopicScore]]]]:
    """Records in batches of ``batch_size``, each with its topic lists from one ``classify_many`` call, in order;
    a :class:`records.MemberBatch` among them (JSON Lines read as columns) is a batch of its own."""
    batch: list[Record] = []
    for record in records:
        if type(record) is MemberBatch:
            if batch:
                yield batch, model.classify_many(scoring_texts(batch))
                batch = []
            yield record, model.classify_many(record.texts)
            continue
        batch.append(record)
        if len(batch) == batch_size:
            yield batch, model.classify_many(scoring_texts(batch))
            batch = []
    if batch:
        yield batch, model.classify_many(scoring_texts(batch))


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while a command's main work runs, and what exists when it starts (the model)
    left out of its passes. ``classify`` and ``train`` make no cycles in their loops (their objects go by reference
    counting: a collection after classifying 20,000 records finds nothing), while the collector's passes over the
    objects they make took 2% of the command's instructions and more of its time, and 137 passes over the examples
    and the features' words in training. The collector's state is given back as it was."""
    enabled = gc.isenabled()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


# -- commands --------------------------------------------------------------------------------------------
def load_model_option(args: argparse.Namespace) -> TopicModel:
    """The model of ``--model``, or the default model."""
    return load_model(args.model) if args.model else default_model()


def _cmd_classify(args: argparse.Namespace) -> int:
    if args.engine == "dask":
        return _classify_on_dask(args)
    sources = _apart_from_output(find_sources(args.inputs, args.input_format), args)
    if not sources and not args.text:
        if sys.stdin.isatty():
            args.parser.error("give a --text, files or folders, or pipe text to standard input")
        sources = find_sources(["-"], args.input_format)
    _check_output(args.output, sources, args.model, stdout=True)
    _check_output_suffix(args, "uncompressed JSON Lines, CSV or a table")
    fmt = output_format(args.format, args.output)
    model = load_model_option(args)
    total = sum(s.size for s in sources) if all(s.size is not None for s in sources) else None
    enabled = progress_enabled(args.quiet, output_is_stdout=args.output in (None, "-"))
    started = time.perf_counter()
    with _collector_paused(), Progress("classify", total=total or None, unit="B", enabled=enabled) as progress, \
            _output(args.output, newline="" if fmt == "csv" else None) as out:
        binary = _bytes_under(out) if fmt == "jsonl" else None
        # JSON Lines written as bytes may keep records' fields as JSON, written back as they are (records.output_lines)
        records = read_records(sources, texts=args.text or (), document=args.document, column=args.column,
                               on_bytes=lambda n: progress.advance(n), members=binary is not None and not args.evidence,
                               empty=args.document, encoding=args.encoding, batch=BATCH_SIZE)
        writer = WRITERS[fmt](out, binary=binary) if fmt == "jsonl" else WRITERS[fmt](out)
        n = 0
        empty: list[str] = []  # the documents of no paragraph, named at the end
        for batch, results in classify_batches(model, records):
            if args.document and any(r.empty for r in batch):
                empty += [r.document for r in batch if r.empty]
                if fmt != "table":  # a record a paragraph: the table alone shows such a document in its place
                    kept = [i for i, r in enumerate(batch) if not r.empty]
                    batch, results = [batch[i] for i in kept], [results[i] for i in kept]
            evidence = evidence_of(model, batch, results) if args.evidence else None
            if evidence and fmt == "table":  # for a person: the words as written; files keep the model's terms
                evidence = evidence_as_written(batch, evidence)
            writer.write_many(batch, results, evidence)
            n += sum(not r.empty for r in batch) if args.document else len(batch)
            progress.advance(note=f"{n:,} {'paragraphs' if args.document else 'records'}")
        writer.close()
    if empty:
        _note(f"{len(empty):,} document{'s hold' if len(empty) != 1 else ' holds'} no paragraph (empty or blank): "
              + ", ".join(empty[:_NAMED]) + (f", and {len(empty) - _NAMED:,} more" if len(empty) > _NAMED else ""))
    if enabled:
        dest = f" -> {args.output}" if args.output not in (None, "-") else ""
        print(f"classified {n:,} {'paragraphs' if args.document else 'records'} in {time.perf_counter() - started:.1f} s{dest}",
              file=sys.stderr)
    return 0


def _bytes_under(out) -> IO[bytes] | None:
    """The byte stream under a text stream this command opened (standard output, or the ``-o`` file opened
    without newline translation), when writing UTF-8 there writes what the text stream would: it encodes
    UTF-8, and this system's line end is ``\\n``. Else None."""
    buffer = getattr(out, "buffer", None)
    try:
        utf8 = codecs.lookup(out.encoding or "").name == "utf-8"
    except (LookupError, AttributeError):
        utf8 = False
    return buffer if utf8 and os.linesep == "\n" else None


def _check_output(output: str | None, sources: Iterable[Source] = (), *others: str | None, stdout: bool = False) -> None:
    """Refuse, before any work, an output that is no regular file or one of the inputs: the ``sources``'
    files and ``others`` (the model, the taxonomy, the examples; None and ``-`` are no files). ``stdout``: the
    command writes to standard output without ``-o``, which the refusal then offers."""
    if output not in (None, "-"):
        output_target(output, [s.path for s in sources if s.path] + [o for o in others if o not in (None, "-")],
                      instead="write to a file, or leave out -o to write to standard output" if stdout else None)


# Output suffixes that promise what no command writes: classify wrote JSON Lines into tagged.xlsx and plain text into
# tagged.csv.gz, which a spreadsheet and pandas then could not open, with exit 0 (QA pass 7). What to do instead.
_COMPRESSED = "name it without {suffix} and compress it afterwards, or leave out -o and pipe the output to {tool}"
_UNWRITTEN = {".gz": _COMPRESSED, ".bz2": _COMPRESSED, ".xz": _COMPRESSED, ".zip": _COMPRESSED,
              ".zst": _COMPRESSED, ".xlsx": "write .csv, which spreadsheets open",
              ".xls": "write .csv, which spreadsheets open", ".ods": "write .csv, which spreadsheets open",
              ".parquet": "write .csv (classify --engine dask writes Parquet)", ".pdf": "write .html and print it to PDF",
              ".docx": "write .html"}


def _check_output_suffix(args: argparse.Namespace, writes: str) -> None:
    """A usage error, before any work, for an ``-o`` whose suffix names a format the command does not write
    (``writes``: what it does write), saying what to do."""
    suffix = Path(args.output).suffix.lower() if args.output not in (None, "-") else ""
    if suffix in _UNWRITTEN:
        tool = {".bz2": "bzip2", ".xz": "xz", ".zst": "zstd"}.get(suffix, "gzip")
        args.parser.error(f"-o {args.output}: {args.command} writes {writes}, not {suffix[1:]}: "
                          + _UNWRITTEN[suffix].format(suffix=suffix, tool=tool))


def _check_model_output(output: str, sources: Iterable[Source] = (), *others: str | None) -> None:
    """:func:`_check_output` for a model file and its card beside it, then both tried (``files.check_writable``):
    a command that trains fails before the training, not after it, when either cannot be written (as ``classify``
    opens its output before it reads)."""
    paths = (output, str(card_path(output)))
    for path in paths:
        _check_output(path, sources, *others)
    for path in paths:
        check_writable(path)


def _apart_from_output(sources: list[Source], args: argparse.Namespace) -> list[Source]:
    """The sources without the output file when a folder search found it (an earlier run's results must
    not be read as input); one named on the command line is refused by :func:`_check_output` instead."""
    if args.output in (None, "-") or not Path(args.output).exists():
        return sources
    kept = []
    for s in sources:
        if s.path is not None and s.name not in args.inputs and os.path.samefile(s.path, args.output):
            _note(f"{s.name} is the output file; not read as input")
            continue
        kept.append(s)
    return kept


def _output(path: str | None, *, newline: str | None = None):
    """Standard output (flushed at the end), or the file ``path`` written atomically (``files.atomic_output``)."""
    if path is None or path == "-":
        return _stdout()
    return atomic_output(path, newline=newline)


@contextlib.contextmanager
def _stdout() -> Iterator:
    yield sys.stdout
    sys.stdout.flush()


def _dask_setup(args: argparse.Namespace) -> None:
    """Before a command runs on Dask: a usage error for a --scheduler that is no address (``dask.check_cluster``:
    it would hang, then fail deep inside Dask), and Dask's own chatter (every connection and task cancellation)
    kept to its warnings unless --verbose, and to nothing with --quiet."""
    from .dask import check_cluster  # needs the optional dask extra

    try:
        check_cluster(args.scheduler)
    except InputError as e:
        args.parser.error(f"--scheduler {e}")
    if args.encoding:
        args.parser.error("--engine dask reads UTF-8 (a line that is not, as Windows-1252, with a warning); "
                          "--encoding is for the local engine")
    if not args.verbose:
        logging.getLogger("distributed").setLevel(logging.CRITICAL if args.quiet else logging.WARNING)
        # "full garbage collections took 12% CPU time recently": routine on a busy machine, nothing a user can act on
        logging.getLogger("distributed.utils_perf").setLevel(logging.ERROR)
    # The worker processes' own log (a failed task's traceback, which this command reports as a clear error):
    # with --verbose only. ``dask._connect`` gives a local cluster's workers this logger's level.
    logging.getLogger("distributed.worker").setLevel(logging.INFO if args.verbose else logging.CRITICAL)


def _tagged_on_dask(args: argparse.Namespace, model: TopicModel, folder: str, *, document: bool,
                    progress: bool = False, keep_topics: bool = False) -> list[Source]:
    """``--engine dask`` for a command that counts or draws here (trends, report): the cluster classifies the
    inputs (paragraph by paragraph with ``document``; with ``keep_topics`` only records without topics of their
    own) into a JSON Lines file in ``folder``, whose tagged records become the command's inputs."""
    _dask_setup(args)
    from .dask import classify_files  # needs the optional dask extra

    tagged = str(Path(folder) / "tagged.jsonl")
    classify_files(args.inputs, tagged, scheduler=args.scheduler, workers=args.workers, column=args.column,
                   document=document, input_format=args.input_format, model=model, keep_topics=keep_topics,
                   progress=progress)
    return find_sources([tagged])


def _classify_on_dask(args: argparse.Namespace) -> int:
    """``classify --engine dask``: check the command line's options, then ``dask.classify_files``."""
    if not args.output or args.output == "-":
        args.parser.error("--engine dask writes files: give --output (a .jsonl file, or a .parquet folder)")
    if args.text or not args.inputs:
        args.parser.error("--engine dask classifies files and folders; give them as inputs (not --text or stdin)")
    if args.format not in (None, "jsonl") or args.output.lower().endswith((".csv", ".txt")):
        args.parser.error("--engine dask writes JSON Lines, or Parquet when --output ends in .parquet or is a folder")
    if args.scheduler and args.workers:
        args.parser.error("--workers starts a local cluster; with --scheduler the cluster's own workers are used")
    _dask_setup(args)
    from .dask import classify_files  # needs the optional dask extra

    enabled = progress_enabled(args.quiet)
    result = classify_files(args.inputs, args.output, scheduler=args.scheduler, workers=args.workers,
                            column=args.column, document=args.document, input_format=args.input_format,
                            model=load_model_option(args), evidence=args.evidence, progress=enabled)
    if enabled:
        print(f"classified {result.records:,} {'paragraphs' if args.document else 'records'} in {result.parts} "
              f"partitions in {result.seconds:.1f} s -> {args.output}", file=sys.stderr)
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .report import write_report

    _check_dashboard_options(args)
    sources = find_sources(args.inputs, args.input_format)
    _check_output(args.output, sources, args.model)
    _check_output_suffix(args, "an uncompressed HTML page")
    model = load_model_option(args)
    _note(model.taxonomy_.language_note(args.lang))  # before the documents are read, as topics says it
    enabled = progress_enabled(args.quiet)
    counted = [0]

    def one_more() -> None:
        counted[0] += 1
        progress.advance(note=f"{counted[0]:,} documents")

    with tempfile.TemporaryDirectory() as tmp:
        if args.engine == "dask":  # the cluster classifies the paragraphs; the page is drawn here from its records
            sources = _tagged_on_dask(args, model, tmp, document=True, progress=enabled)
        total = sum(s.size for s in sources if s.size is not None) or None
        with Progress("report", total=total, unit="B", enabled=enabled) as progress:
            records = read_records(sources, column=args.column, on_bytes=lambda n: progress.advance(n),
                                   encoding=args.encoding)
            pieces = _tagged_pieces(records) if args.engine == "dask" else ((r, r.text) for r in records)
            path = write_report(args.output, model=model, title=args.title, lang=args.lang,
                                model_name=args.model or "default model", by_name=args.by,
                                period=args.period or "month",
                                max_documents=args.max_documents, max_paragraphs=args.max_paragraphs,
                                on_document=one_more, **_documents(pieces, args))
    if not args.quiet:
        print(f"wrote {path} ({counted[0]:,} document{'s' if counted[0] != 1 else ''})", file=sys.stderr)
    return 0


def _check_dashboard_options(args: argparse.Namespace) -> None:
    """A usage error for ``report --by`` or ``--period`` without ``--date``: they shape the dashboard, which only
    ``--date`` draws, and would otherwise be dropped unsaid."""
    given = [option for option, value in (("--by", args.by), ("--period", args.period)) if value is not None]
    if given and not args.date:
        args.parser.error(f"{' and '.join(given)} shape{'s' if len(given) == 1 else ''} the dashboard, which "
                          "--date FIELD draws: give --date too")


def _cmd_trends(args: argparse.Namespace) -> int:
    sources = find_sources(args.inputs, args.input_format)
    _check_output(args.output, sources, args.model, stdout=True)
    _check_output_suffix(args, "uncompressed CSV, JSON Lines or a table")
    model = load_model_option(args)
    with tempfile.TemporaryDirectory() as tmp:
        split = args.document
        if args.engine == "dask":  # the cluster classifies; the counts come from its tagged records
            sources, split = _tagged_on_dask(args, model, tmp, document=args.document, keep_topics=True), False
        records = read_records(sources, column=args.column, document=split, encoding=args.encoding)
        if split:  # a record's own topics are the whole text's, no paragraph's: its paragraphs are classified
            records = (replace(r, fields={k: v for k, v in r.fields.items() if k != "topics"}) for r in records)
        elif not args.document:  # whole articles counted as one paragraph each gave other shares than the report's
            records = _whole_texts_warned(records, "counted as one paragraph, where the report's dashboard "
                                                   "counts its paragraphs")
        rows = trends(records, date=args.date, period=args.period, by=args.by, group=args.group, model=model,
                      text=args.column)
    columns = TrendRow.columns(args.by, args.group is not None)
    dicts = [r.to_dict(args.by) for r in rows]
    fmt = args.format or ("jsonl" if (args.output or "").endswith(".jsonl") else "table"
                          if args.output in (None, "-") and sys.stdout.isatty() else "csv")
    with _output(args.output, newline="" if fmt == "csv" else None) as out:
        if fmt == "jsonl":
            out.writelines(json.dumps(d, ensure_ascii=False) + "\n" for d in dicts)
        elif fmt == "csv":
            out.write(csv_line(columns))
            out.writelines(csv_line(["" if v is None else str(round(v, 6) if isinstance(v, float) else v)
                                     for v in map(d.get, columns)]) for d in dicts)
        else:
            out.write(table_text(columns, [list(map(d.get, columns)) for d in dicts]))
    return 0


def _examples(args: argparse.Namespace, stream: bool = False) -> str | Iterable[Example]:
    """The labeled examples a command reads: its path as given, or, when ``--column`` or ``--topics-column``
    names other fields, the examples read from them (as they come with ``stream``, else all at once, for a
    command that reads them twice); ``--by``'s field goes with them."""
    if (args.column, args.topics_column) == ("text", "topics"):
        return args.examples
    read = iter_examples if stream else read_examples
    return read(args.examples, by=getattr(args, "by", None), text_field=args.column, topics_field=args.topics_column)


def _cmd_audit(args: argparse.Namespace) -> int:
    options = _training_options(args)
    with Progress(f"auditing {args.examples}", enabled=progress_enabled(args.quiet)).spin():
        suspects = audit(_examples(args), taxonomy=args.taxonomy, **options)
    shown = suspects[: args.top] if args.top else suspects
    if args.json:
        print(json.dumps([s.to_dict() for s in shown], ensure_ascii=False, indent=2))
        return 0
    for s in shown:
        given, suggested = ", ".join(s.given) or "-", ", ".join(s.suggested) or "-"
        also = f" (copies, merged: {', '.join(s.copies)})" if s.copies else ""
        print(f"{s.score:6.3f}  {s.where}{also}  given: {given}  suggested: {suggested}\n        {' '.join(s.text.split())[:160]}")
    if not args.quiet:
        print(f"{len(suspects):,} suspect examples" + (f"; the {len(shown)} most suspicious shown" if len(shown) < len(suspects) else ""),
              file=sys.stderr)
    return 0


def _whole_texts_warned(records: Iterable[Record], taken: str) -> Iterator[Record]:
    """``records`` as they come; at their end, a warning of those whose text holds several paragraphs (a blank line
    between them: a .txt article, a scraped story), how many and where the first is, each ``taken`` whole (what
    that does), as --document would not take them."""
    whole, total, first = 0, 0, ""
    for record in records:
        total += 1
        if "\n" in record.text and any(not line.strip() for line in record.text.strip().splitlines()):
            whole += 1
            first = first or record.where
        yield record
    if whole:
        logging.getLogger(__name__).warning(
            "%s of the %s texts hold several paragraphs (a blank line between them; the first at %s), each %s: "
            "--document takes their paragraphs one by one", f"{whole:,}", f"{total:,}", first, taken)


def _corpus_paragraphs(sources: list[Source], args: argparse.Namespace) -> list[Record]:
    """The records of the corpus that bootstrap, suggest and label take each as one paragraph. Without --document a
    text holding several paragraphs is taken whole, and a warning says so: bootstrapped on ten articles, every one
    was pseudo-labeled with nearly every topic, and label asked whole articles, cut to the screen (QA pass 6)."""
    records = read_records(sources, column=args.column, document=args.document, encoding=args.encoding)
    return list(records if args.document else _whole_texts_warned(records, "taken whole as one paragraph"))


def _cmd_suggest(args: argparse.Namespace) -> int:
    sources = find_sources(args.inputs, args.input_format)
    examples = read_examples(args.examples) if args.examples else None
    # the files the examples were read from are inputs too: `-o mine.jsonl --examples mine.jsonl` wrote the picks
    # over the labels (QA pass 6), and so would an -o naming a file of an --examples folder
    _check_output(args.output, sources, args.model, *sorted({e.path for e in examples or ()} - {None}), stdout=True)
    _check_output_suffix(args, "uncompressed JSON Lines or CSV")
    model = load_model_option(args)
    records = _corpus_paragraphs(sources, args)
    labeled = [e.text for e in examples] if examples is not None else None
    picked = suggest(model, [r.text for r in records], n=args.n, exclude=labeled)
    if not picked and args.n:  # an empty output said why, as trends says it of an empty corpus
        _note("nothing to suggest: " + ("the corpus holds no paragraph" if not records else "every paragraph of the "
                                        "corpus is labeled already or has no term the model knows"))
    results = model.classify_many([records[i].text for i in picked])
    # JSON Lines, which `label` and `train` read, unless -o's suffix asks for CSV or a table as classify's does
    fmt = output_format(None, args.output) if args.output not in (None, "-") else "jsonl"
    with _output(args.output, newline="" if fmt == "csv" else None) as out:
        writer = WRITERS[fmt](out)
        writer.write_many([records[i] for i in picked], results)
        writer.close()
    return 0


def _cmd_bootstrap(args: argparse.Namespace) -> int:
    options = _training_options(args)
    sources = find_sources(args.inputs, args.input_format)
    _check_model_output(args.output, sources, args.taxonomy)
    if args.pseudo_labels:  # bootstrap checks that it can be written; here, that it is none of the other files
        _check_output(args.pseudo_labels, sources, args.taxonomy, args.output, str(card_path(args.output)))
    taxonomy = load_taxonomy(args.taxonomy)
    started = time.perf_counter()
    with Progress("bootstrapping", enabled=progress_enabled(args.quiet)).spin() as progress:
        records = _corpus_paragraphs(sources, args)
        texts = [r.text for r in records]

        def on_round(round_: int, rounds: int, labeled: int) -> None:
            progress.advance(note=f"{'seed round' if round_ == 0 else f'round {round_} of {rounds}'}, "
                                  f"{labeled:,} pseudo-labeled")

        model = bootstrap(texts, taxonomy=taxonomy, rounds=args.rounds, multi_label=not args.single_label,
                          on_round=on_round, pseudo_labels=args.pseudo_labels,
                          fields=[corpus_fields(r) for r in records] if args.pseudo_labels else None, **options)
        path = model.save(args.output)
    if args.quiet:
        return 0
    card = model.card_["bootstrap"]
    labeled = card["trained_on"][-1]["pseudo_labeled"]  # not its examples of no topic
    written = f", written to {args.pseudo_labels}" if args.pseudo_labels else ""
    print(f"bootstrapped {len(model.classes_)} topics from seed terms and {len(texts):,} paragraphs "
          f"({labeled:,} pseudo-labeled in the last round{written}) in {time.perf_counter() - started:.1f} s; "
          f"saved {path}")
    for line in _seed_lines(card["per_seed"], card["unmatched_seeds"], args.verbose):
        print(line)
    return 0


# The seeds that matched nothing named after bootstrap's summary, at most this many (the rest counted): a bilingual
# taxonomy's unused language can leave dozens, and --verbose lists every seed.
_UNMATCHED_SHOWN = 10


def _seed_lines(per_seed: dict[str, dict[str, int]], unmatched: dict[str, list[str]], verbose: bool) -> list[str]:
    """What bootstrap says of its seeds: with ``verbose``, each topic's seeds with the paragraphs each matched;
    always, the seeds that matched none (the first few of them), which a taxonomy is tuned by rewording or dropping.

    >>> print("\\n".join(_seed_lines({"a": {"coca": 3, "tailings": 0}, "b": {"migrants": 2}}, {"a": ["tailings"]}, True)))
    paragraphs each seed matched:
      a: coca 3, tailings 0
      b: migrants 2
    1 of 3 seeds matched no paragraph: tailings (a)
    """
    lines = []
    if verbose:
        lines.append("paragraphs each seed matched:")
        lines.extend(f"  {t}: {', '.join(f'{s} {n:,}' for s, n in seeds.items())}" for t, seeds in per_seed.items())
    named = [f"{s} ({t})" for t, seeds in unmatched.items() for s in seeds]
    if named:
        shown = len(named) if verbose else _UNMATCHED_SHOWN
        lines.append(f"{len(named):,} of {sum(map(len, per_seed.values())):,} seeds matched no paragraph: "
                     + in_short(named, shown)
                     + (" (--verbose lists every seed; so does the model card)" if len(named) > shown else ""))
    return lines


def _documents(pieces: Iterator[tuple[Record, str | list[Paragraph]]], args: argparse.Namespace) -> dict:
    """``render_report``'s streams, consumed in step (the buffers hold a record or two): each record's
    name and text (or tagged paragraphs), and its --date, --by and --group values. Records sharing a
    --group value form one document, named by that value (``value_name``: a list or object by its JSON; a record
    without one is a document of its own)."""
    named, dated, placed, grouped = tee(pieces, 4)
    group = args.group
    return {
        "documents": (((value_name(r.fields.get(group)) if group else None) or _document_name(r), content)
                      for r, content in named),
        "dates": (r.fields.get(args.date) for r, _ in dated) if args.date else None,
        "date_name": args.date or "date",
        "by": (r.fields.get(args.by) for r, _ in placed) if args.by else None,
        "groups": (r.fields.get(group) for r, _ in grouped) if group else None,
    }


def _tagged_pieces(records: Iterator[Record]) -> Iterator[tuple[Record, list[Paragraph]]]:
    """The Dask engine's tagged paragraph records (``classify --document`` output, in input order) back as
    one piece per input record: the record as read (its fields, named by its own file and line) and its
    classified paragraphs. A record's paragraphs are numbered from 0, so a 0 starts the next record."""
    first: Record | None = None
    paragraphs: list[Paragraph] = []
    for r in records:
        f = r.fields
        if f.get("paragraph") == 0 and first is not None:
            yield first, paragraphs
            first, paragraphs = None, []
        if first is None:
            source, line = f.get("source"), f.get("line")
            first = Record(r.text, f, source if line is None else f"{source}:{line}", r.text_field, source=source,
                           line=line)
        paragraphs.append(Paragraph(f.get("paragraph", 0), r.text,
                                    [TopicScore(t["topic"], t["score"]) for t in f.get("topics", ())],
                                    f.get("lang", "und")))
    if first is not None:
        yield first, paragraphs


class _KeptWarnings(logging.Handler):
    """The warnings topicslib logs while it is attached, kept as their messages (the command line's handler prints
    them too)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _cmd_label(args: argparse.Namespace) -> int:
    # What loading warns of (a misspelt taxonomy key, a folder's files not read) is said again on the first page,
    # whose clearing of a terminal wiped it before anyone could read it (QA pass 6)
    kept = _KeptWarnings()
    logging.getLogger("topicslib").addHandler(kept)
    try:
        sources = find_sources(args.inputs, args.input_format)
        _check_output(args.examples, sources)
        taxonomy = load_taxonomy(args.taxonomy)
        model = load_model(args.model) if args.model else None
        records = _corpus_paragraphs(sources, args)
    finally:
        logging.getLogger("topicslib").removeHandler(kept)
    label([r.text for r in records], taxonomy=taxonomy, examples=args.examples, model=model,
          retrain_every=args.retrain_every, fields=[corpus_fields(r) for r in records], quiet=args.quiet,
          revisit=args.revisit, notes=kept.messages, **_training_options(args))
    return 0


def _document_name(record: Record) -> str:
    """A text file is named by its path; a JSONL/CSV record by its title field, else its name field, else
    file:line (and its id). A value that is no string (a list, an object, a number) names it by its compact JSON,
    as ``--group`` names documents (``value_name``)."""

    def value(key: str) -> str | None:
        name = value_name(record.fields.get(key)) if key != record.text_field else None
        return name if name and name.strip() else None

    name = value("title") or value("name")
    if name is not None:
        return name
    key = value("id")
    return f"{record.where} (id {key})" if key is not None else record.where


def _training_options(args: argparse.Namespace) -> dict:
    if not args.options:
        return {}
    try:
        options = json.loads(args.options)
    except json.JSONDecodeError as e:
        args.parser.error(f"--options is not valid JSON: {e.msg}")
    if not isinstance(options, dict):
        args.parser.error('--options must be a JSON object, e.g. \'{"C": 1.0}\'')
    try:
        return check_options(options)
    except OptionError as e:
        args.parser.error(f"--options: {e}")


def _cmd_train(args: argparse.Namespace) -> int:
    options = _training_options(args)
    unlabeled_sources = find_sources(args.unlabeled) if args.unlabeled else None
    _check_model_output(args.output, unlabeled_sources or (), args.examples)
    started = time.perf_counter()
    with _collector_paused(), Progress(f"training on {args.examples}", enabled=progress_enabled(args.quiet)).spin() as progress:
        taxonomy = load_taxonomy(args.taxonomy) if args.taxonomy else None
        unlabeled = [r.text for r in read_records(unlabeled_sources)] if unlabeled_sources else None
        model = train(_examples(args, stream=True), taxonomy=taxonomy, unlabeled=unlabeled, **options)
        progress.advance(label=f"saving {args.output}")
        path = model.save(args.output)
    if args.quiet:
        return 0
    cv = model.card_["cross_validation"]
    print(f"trained on {model.card_['n_examples']:,} examples ({len(model.classes_)} topics) in "
          f"{time.perf_counter() - started:.1f} s; in-training out-of-fold micro-F1 {cv['micro']['f1']:.3f}, "
          f"macro-F1 {cv['macro']['f1']:.3f}; saved {path}")
    if "self_training" in model.card_:
        st = model.card_["self_training"]
        print(f"self-trained on {st['pseudo_labeled']:,} of {st['unlabeled']:,} unlabeled paragraphs (those the first "
              f"model was sure of)")
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    with Progress("evaluate", enabled=progress_enabled(args.quiet)).spin() as progress:
        model = load_model_option(args)
        against = None if not args.against else default_model() if args.against == "default" else load_model(args.against)
        progress.advance(label=f"evaluating on {args.examples}")
        examples = _examples(args)
        ev = model.evaluate(examples, by=args.by, mistakes=bool(args.mistakes))
        if against is not None:
            progress.advance(label=f"evaluating {args.against} on {args.examples}")
            other = against.evaluate(examples)
    if against is not None:
        gold = [s.name for s in other.topics if s.support]
        if gold and set(gold) == set(other.unknown):  # each gold label a miss for it: its figures are 0 by construction
            _note(f"--against {args.against} has none of the examples' gold topics ({', '.join(gold)}): each of "
                  "their labels is a miss for it, so the comparison says nothing of how good it is; compare models "
                  "on examples of the topics they share")
    shown = ev.mistakes[: args.mistakes] if args.mistakes else ()
    why = evidence_terms(model, [m.text for m in shown], [m.extra for m in shown])  # what drove each wrong topic
    if args.json:
        out = ev.to_dict()
        if args.mistakes:
            out["mistakes"] = [{**m.to_dict(), "extra_evidence": terms} for m, terms in zip(shown, why)]
        if args.against:
            out["against"] = {"model": args.against, **other.to_dict()}
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return 0
    print(ev.table())
    if args.against:
        print(f"\nF1 against {args.against} on the same examples:\n" +
              ev.compared(other, (Path(args.model).name if args.model else "default", Path(args.against).name)))
    if args.mistakes:
        print(f"\n{len(ev.mistakes):,} examples with other topics than their gold ones"
              + (f"; the {len(shown)} most confidently wrong:" if shown else ""))
        for m, terms in zip(shown, why):
            print(f"{m.score:6.3f}  {m.line()}\n        {' '.join(m.text.split())[:160]}")
            if terms:
                print("        extra because of: " + "; ".join(f"{t}: {', '.join(w) or '-'}" for t, w in terms.items()))
    return 0


def _cmd_cross_validate(args: argparse.Namespace) -> int:
    options = _training_options(args)
    if "folds" in options:  # cross_validate's own folds would shadow the training option of that name
        args.parser.error("--options cannot set 'folds' here; give the number of cross-validation folds with --folds")
    with Progress("cross-validate", enabled=progress_enabled(args.quiet)).spin() as progress:
        progress.advance(label=f"cross-validating on {args.examples} ({args.folds} folds)")
        ev = cross_validate(_examples(args, stream=True), taxonomy=args.taxonomy, folds=args.folds, by=args.by, **options)
    if args.json:
        print(json.dumps({"folds": args.folds, **ev.to_dict()}, indent=2))
    else:
        print(f"{args.folds}-fold cross-validation on {ev.n_examples:,} examples\n{ev.table()}")
    return 0


def _cmd_explain(args: argparse.Namespace) -> int:
    if os.path.isfile(args.text):  # the article's path, given as commands that read files take one
        _note(f"{args.text!r} names a file; explain explains the text it is given: for the terms behind a file's "
              "topics, run classify --document FILE --evidence")
    # the evidence is what classify --evidence gives, however many terms --top shows: enough terms are explained
    # for both
    explanations = load_model_option(args).explain(args.text, topic=args.topic, top_n=max(args.top, EVIDENCE_TERMS))
    if args.json:
        print(json.dumps([{"topic": e.topic, "score": round(e.score, 4),
                           "threshold": None if e.threshold is None else round(e.threshold, 4),
                           "intercept": round(e.intercept, 4),
                           "terms": [{"term": t, "contribution": round(c, 4)} for t, c in e.terms[: args.top]],
                           "evidence": [t for t, _ in e.evidence()]}
                          for e in explanations], ensure_ascii=False, indent=2))
        return 0
    if not explanations:
        # "Lea también: Petro y Maduro hablan de seguridad" got no topic without a word of why (QA pass 7)
        print("no topic applies" + (": it reads as a navigation line (a link to another story, an office's name "
                                    "alone, a web address), which gets no topic whatever its words say; --topic ID "
                                    "shows what they weigh" if is_navigation(args.text) else ""))
    for e in explanations:
        decided = "the most probable topic" if e.threshold is None else f"threshold {e.threshold:.3f}"
        print(f"{e.topic}  score {e.score:.3f} ({decided})")
        shown = e.terms[: args.top]
        biggest = max((abs(c) for _, c in shown), default=1.0) or 1.0
        evidence = {t for t, _ in e.evidence()}
        for term, c in shown:
            bar = ("+" if c > 0 else "-") * max(1, round(12 * abs(c) / biggest))
            print(f"    {c:+7.3f}  {bar:<12}  {term}{'  (evidence)' if term in evidence else ''}")
    return 0


def _cmd_topics(args: argparse.Namespace) -> int:
    taxonomy = load_taxonomy(args.taxonomy) if args.taxonomy else load_model_option(args).taxonomy_
    _note(taxonomy.language_note(args.lang))
    topics = taxonomy.localized(args.lang).topics
    if args.json:
        print(json.dumps([t.to_dict() for t in topics], ensure_ascii=False, indent=2))
        return 0
    width = max(len(t.id) for t in topics) + 2
    for own, t in zip(taxonomy.topics, topics):
        print(f"{t.id:<{width}}{t.name}")
        if t.description:
            print(f"{'':<{width}}{t.description}")
        if t.seeds:
            print(f"{'':<{width}}seeds: {', '.join(t.seeds)}")
        # bootstrap matches the seeds of every language the taxonomy gives, so each is listed, under its language
        others = [(taxonomy.lang or "own", own.seeds), *((lang, o.seeds) for lang, o in own.translations)]
        for lang, seeds in others:
            if seeds and tuple(seeds) != tuple(t.seeds):
                print(f"{'':<{width}}seeds ({lang}): {', '.join(seeds)}")
    return 0


# -- the parser ------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``topicslib`` command."""
    parser = argparse.ArgumentParser(prog="topicslib", description="Tag paragraphs of political text with policy topics.",
                                     epilog="Exit codes: 0 success, 1 data error (names file and line), 2 usage error, "
                                            "129 hung up, 130 interrupted, 143 terminated.")
    parser.add_argument("--version", action="version", version=f"topicslib {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-q", "--quiet", action="store_true",
                        help="no progress bars or closing summaries (warnings about the data, and a command's results, "
                             "still print)")
    common.add_argument("-v", "--verbose", action="store_true", help="log what the library does to stderr")

    def add(name: str, func: Callable[[argparse.Namespace], int], help: str, *, model: bool = True):
        p = sub.add_parser(name, help=help, description=help, parents=[common])
        if model:
            p.add_argument("--model", metavar="PATH", help="model file (default: the shipped default model)")
        p.set_defaults(func=func, parser=p)
        return p

    def add_inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("--input-format", choices=INPUT_FORMATS,
                       help="read every input as this (default: by suffix: .txt/.md text, .jsonl, .csv, each also .gz, .bz2 or .xz; "
                            "standard input is JSON Lines when it starts with {, else text)")
        p.add_argument("--encoding", type=_encoding, metavar="NAME",
                       help="read text and CSV inputs in this encoding (utf-8, cp1252, latin-1 ...), a line not in it an "
                            "error (default: UTF-8, and a line that is not is read as Windows-1252, with a warning "
                            "naming its file)")
        add_column(p)

    def add_column(p: argparse.ArgumentParser) -> None:
        p.add_argument("--column", default="text", metavar="NAME",
                       help="the field of JSONL records or column of CSV rows that holds the text (default: text)")

    def add_corpus(p: argparse.ArgumentParser, use: str) -> None:
        """The paragraphs a command of the own-topics loop reads (bootstrap, suggest, label): a whole article is one
        text unless --document splits it, as classify's does."""
        p.add_argument("inputs", nargs="+", metavar="CORPUS", help=f"files or folders of paragraphs {use}")
        add_inputs(p)
        p.add_argument("--document", action="store_true",
                       help="split each text (a .txt article, a record) into paragraphs, as classify --document "
                            "splits, and take each paragraph as one")

    def add_examples(p: argparse.ArgumentParser) -> None:
        """The labeled examples a command reads, and the fields that hold their text and topics."""
        p.add_argument("examples", help="a .jsonl/.csv file (also .gz, .bz2, .xz), a folder of them, or - for standard "
                                        "input")
        add_column(p)
        p.add_argument("--topics-column", default="topics", metavar="NAME",
                       help="the field or column that holds the topics: a list of ids, or ids separated by ; | or , "
                            "(one id or name for single-label data, a name's commas kept when its parts hold spaces; "
                            "default: topics)")

    p = add("classify", _cmd_classify, "tag texts, files, folders or standard input")
    p.add_argument("inputs", nargs="*", metavar="INPUT",
                   help="files or folders (.txt, .md, .jsonl, .csv); '-' or nothing reads standard input")
    p.add_argument("--text", action="append", metavar="TEXT", help="classify this text (repeatable)")
    p.add_argument("--document", action="store_true", help="split each text into paragraphs and tag each one")
    p.add_argument("--evidence", action="store_true",
                   help="add each topic's evidence: the terms that drove it (as the report highlights them); "
                        "about 0.3 ms a tagged record")
    add_inputs(p)
    p.add_argument("--format", choices=OUTPUT_FORMATS,
                   help="output format (default: by --output suffix; else a table on a terminal, jsonl in a pipe)")
    p.add_argument("-o", "--output", metavar="PATH", help="write results here instead of standard output")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="local: this process (default); dask: partitions on a Dask cluster, written to --output "
                        "(.jsonl, or a .parquet folder); needs topicslib[dask], see docs/dask.md")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the cluster's scheduler, e.g. tcp://10.0.0.5:8786 (default: a local cluster)")
    p.add_argument("--workers", type=_count(1), metavar="N",
                   help="with --engine dask and no --scheduler: local worker processes (default: one per CPU core)")

    p = add("report", _cmd_report, "write an HTML report of documents: tagged paragraphs, evidence, topic shares")
    p.add_argument("inputs", nargs="+", metavar="FILE",
                   help="documents: .txt/.md files or folders of them; each JSONL record or CSV row is a document too")
    add_inputs(p)
    p.add_argument("-o", "--output", required=True, metavar="HTML", help="where to write the report")
    p.add_argument("--title", default="Topic report", help="the report's title")
    p.add_argument("--lang", metavar="CODE", help="name the topics in this language (e.g. es; default: the language "
                                                  "most paragraphs are in)")
    p.add_argument("--date", metavar="FIELD", help="open with the corpus dashboard: topics over time, by this date field")
    p.add_argument("--period", choices=PERIODS, help="with --date: the dashboard's period (default month)")
    p.add_argument("--by", metavar="FIELD", help="with --date: small multiples of the dashboard per value of this field")
    p.add_argument("--group", metavar="FIELD", help="records sharing this field's value form one document (url, title)")
    p.add_argument("--max-documents", type=_count(1), default=300, metavar="N",
                   help="show at most N documents in full (the rest count in every figure and are listed)")
    p.add_argument("--max-paragraphs", type=_count(0), default=10_000, metavar="N",
                   help="print at most N paragraphs on the page (the rest count in every figure; a note says how "
                        "many are left out)")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="dask: classify the paragraphs on a Dask cluster (see classify), then draw the page here; "
                        "the same page")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: the cluster's scheduler")
    p.add_argument("--workers", type=_count(1), metavar="N", help="with --engine dask: local worker processes")

    p = add("trends", _cmd_trends, "count the paragraphs of each topic per period (and per source, country, ...)")
    p.add_argument("inputs", nargs="+", metavar="CORPUS",
                   help="files or folders (also compressed): JSONL records and CSV rows, dated by --date; a .txt/.md "
                        "file is one record too, with no date (counted as undated)")
    add_inputs(p)
    p.add_argument("--date", required=True, metavar="FIELD", help="the field holding each record's date")
    p.add_argument("--period", choices=PERIODS, default="month", help="count per day, week, month, quarter or year")
    p.add_argument("--by", metavar="FIELD", help="count separately for each value of this field (source, country)")
    p.add_argument("--group", metavar="FIELD", help="records sharing this field's value are one document (url, title)")
    p.add_argument("--document", action="store_true",
                   help="split each record's text into paragraphs (as report and classify --document do) and count "
                        "each, classified, rather than the record as one paragraph")
    p.add_argument("--format", choices=("csv", "jsonl", "table"),
                   help="default: by --output suffix, else a table on a terminal and CSV in a pipe")
    p.add_argument("--engine", choices=("local", "dask"), default="local",
                   help="dask: classify on a Dask cluster (see classify), then count here; the same figures")
    p.add_argument("--scheduler", metavar="ADDRESS", help="with --engine dask: the cluster's scheduler")
    p.add_argument("--workers", type=_count(1), metavar="N", help="with --engine dask: local worker processes")
    p.add_argument("-o", "--output", metavar="PATH", help="write here instead of standard output")

    p = add("audit", _cmd_audit, "rank likely label errors in labeled examples, most suspicious first", model=False)
    add_examples(p)
    p.add_argument("--taxonomy", metavar="FILE", help="taxonomy file to check labels against (.toml or .json)")
    p.add_argument("--options", metavar="JSON", help="training options as JSON")
    p.add_argument("--top", type=_count(1), metavar="N", help="show only the N most suspicious")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("bootstrap", _cmd_bootstrap, "a first model from a taxonomy's seed terms and unlabeled paragraphs",
            model=False)
    add_corpus(p, "unlabeled")
    p.add_argument("--taxonomy", required=True, metavar="FILE", help="the topics and their seed terms (.toml or .json)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model (.npz)")
    p.add_argument("--rounds", type=_count(0), default=3, help="self-training rounds after the seed round (default 3)")
    p.add_argument("--single-label", action="store_true", help="each paragraph has exactly one of the topics (a "
                                                               "codebook of exclusive codes)")
    p.add_argument("--pseudo-labels", metavar="FILE", help="write the paragraphs the last round pseudo-labeled here, "
                                                           "as examples (JSON Lines) to read, audit and correct")
    p.add_argument("--options", metavar="JSON", help="training options as JSON")

    p = add("label", _cmd_label, "label paragraphs in the terminal, one at a time; answers saved at once", model=False)
    add_corpus(p, "to label")
    p.add_argument("--taxonomy", required=True, metavar="FILE", help="the topics to label with (.toml or .json)")
    p.add_argument("--examples", required=True, metavar="FILE", help="the JSON Lines file answers are appended to")
    p.add_argument("--model", metavar="PATH", help="a model whose topics are pre-selected (else none until retrained); "
                                                   "a retrained model replaces it once it scores better on the answers "
                                                   "(from 50 answers on, if it has every topic of the taxonomy); one "
                                                   "with fewer than half of the taxonomy's topics is refused")
    p.add_argument("--retrain-every", type=_count(1), default=20, metavar="N",
                   help="retrain after every N answers, and as a session resumed on a file of N answers or more "
                        "starts (default: 20)")
    p.add_argument("--revisit", action="store_true", help="first ask again the answers not asked about topics added "
                   "to the taxonomy since (their earlier topics pre-selected); the new answer replaces the earlier one")
    p.add_argument("--options", metavar="JSON", help="training options for the retraining, as JSON")

    p = add("suggest", _cmd_suggest, "pick the paragraphs most worth labeling next (active learning)")
    add_corpus(p, "to choose from")
    p.add_argument("-n", type=_count(0), default=50, help="how many to pick (default 50)")
    p.add_argument("--examples", metavar="FILE", help="labeled examples (a file or folder, as train reads them): "
                                                      "never suggest a paragraph they hold")
    p.add_argument("-o", "--output", metavar="PATH", help="write the picked records (with the model's topics; JSON "
                                                          "Lines, or CSV or a table by the suffix .csv or .txt) here "
                                                          "instead of standard output")

    p = add("explain", _cmd_explain, "show the terms behind a text's topics")
    p.add_argument("text", help="the text itself (a file's paragraphs: classify --document FILE --evidence)")
    p.add_argument("--topic", help="explain this topic (its id: security, not Seguridad) even if it is not predicted")
    p.add_argument("--top", type=_count(0), default=10, help="terms per topic (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("topics", _cmd_topics, "list the topics of the model (or of a taxonomy file)")
    p.add_argument("--taxonomy", metavar="FILE", help="show this taxonomy file instead of the model's")
    p.add_argument("--lang", metavar="CODE", help="names, descriptions and seeds in this language (e.g. es) where "
                                                  "the taxonomy has it")
    p.add_argument("--json", action="store_true", help="print JSON")

    p = add("train", _cmd_train, "train a model from labeled examples", model=False)
    add_examples(p)
    p.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model (.npz)")
    p.add_argument("--taxonomy", metavar="FILE", help="taxonomy file to check labels against (.toml or .json)")
    p.add_argument("--options", metavar="JSON", help='training options as JSON, e.g. \'{"C": 1.0}\'')
    p.add_argument("--unlabeled", action="append", metavar="CORPUS",
                   help="also self-train on these unlabeled paragraphs (a file or folder of .txt/.md/.jsonl/.csv, the "
                        "text in 'text'; repeatable)")

    p = add("evaluate", _cmd_evaluate, "score a model on labeled examples")
    add_examples(p)
    p.add_argument("--by", metavar="FIELD", help=_BY_HELP)
    p.add_argument("--mistakes", type=_count(1), metavar="N", help="also list the N examples the model got most "
                   "confidently wrong (where, gold and predicted topics, text)")
    p.add_argument("--against", metavar="MODEL", help="also evaluate this model file (or 'default', the shipped model) "
                   "on the same examples and show each F1 beside --model's, with the change")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")

    p = add("cross-validate", _cmd_cross_validate, "k-fold cross-validation of training on labeled examples", model=False)
    add_examples(p)
    p.add_argument("--folds", type=_count(2), default=5, metavar="K", help="number of folds (default 5)")
    p.add_argument("--taxonomy", metavar="FILE", help="taxonomy file to check labels against (.toml or .json)")
    p.add_argument("--options", metavar="JSON", help="training options as JSON")
    p.add_argument("--by", metavar="FIELD", help=_BY_HELP)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    return parser


_BY_HELP = ("also score the examples of each value of this field apart (e.g. lang, site, genre; lang: the detected "
            "language where an example has none)")


def _count(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number of at least ``minimum`` (else a usage error naming the value)."""
    def parse(value: str) -> int:
        try:
            n = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if n < minimum:
            raise argparse.ArgumentTypeError(f"{value} is below the least allowed, {minimum}")
        return n
    return parse


# The exit code of a run each stop ended: 128 + the number of its signal (POSIX numbers them so everywhere), as a
# shell reports a run a signal ended; a ``label`` session whose terminal went away (EIO, no signal yet) is hung up
# too. In this order: HangUp and Terminated are KeyboardInterrupts.
_STOP_CODES = ((HangUp, 128 + 1), (Terminated, 128 + 15), (KeyboardInterrupt, 128 + 2))


def _encoding(value: str) -> str:
    """``--encoding``'s value, if Python has a codec of that name: else a usage error saying so."""
    try:
        codecs.lookup(value)
    except LookupError:
        raise argparse.ArgumentTypeError(f"unknown encoding {value!r}; e.g. utf-8, cp1252 or latin-1") from None
    return value


def _stop_code(stop: KeyboardInterrupt) -> int:
    """The exit code of a run ``stop`` ended (:data:`_STOP_CODES`): 129 hung up, 143 terminated, 130 interrupted."""
    return next(code for kind, code in _STOP_CODES if isinstance(stop, kind))


def _stop(signum, frame) -> None:
    """Stop the run, once: a second signal while outputs are being cleaned up must not cut that short, nor one
    that lands while a stop is being handled (the terminal's SIGHUP just after ``label`` found it gone and raised
    :class:`HangUp`, which printed a traceback). SIGHUP (the terminal closed) stops it as :class:`HangUp`, SIGTERM
    as :class:`Terminated`, SIGINT as KeyboardInterrupt (Ctrl-C's), so that each exits with its own code."""
    if isinstance(sys.exc_info()[1], KeyboardInterrupt):  # a stop (HangUp is one) is being handled already
        return
    _ignore_stops()
    if signum == getattr(signal, "SIGHUP", None):
        raise HangUp("hung up")
    raise Terminated if signum == signal.SIGTERM else KeyboardInterrupt


def _ignore_stops() -> None:
    """No stop signal stops this run any more (in the main thread, the only one that can set their handling)."""
    if threading.current_thread() is threading.main_thread():
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)


def _drop_writes(stream: IO[str]) -> None:
    """What is left to write on ``stream``, whose reader or terminal has gone, goes nowhere: Python's exit would
    otherwise fail writing it again, with a complaint of its own."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


def _hung_up(stop: HangUp) -> int:
    """The end of a run whose terminal went away: no traceback, one line on stderr if it can still be written, and
    what is left to write on a stream that cannot take it dropped (Python's exit would fail writing it again); 129.
    More stop signals (the terminal's SIGHUP after its failed read) are ignored."""
    _ignore_stops()
    for stream, line in ((sys.stdout, ""), (sys.stderr, f"topicslib: {stop}\n")):
        try:
            stream.write(line)
            stream.flush()
        except OSError:
            _drop_writes(stream)
    return _stop_code(stop)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    if sys.stdout is None or sys.stderr is None:  # started with a closed standard stream (`>&-`)
        os.write(2, b"topicslib: error: standard output or error is closed; nothing could be written\n")
        return 1
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # as parse_args says it, and a training option written as a flag is told where it goes
        named = [a[2:].partition("=")[0].replace("-", "_") for a in unknown if a.startswith("--")]
        option = next((n for n in named if n in OPTIONS), None) if hasattr(args, "options") else None
        parser.error(f"unrecognized arguments: {' '.join(unknown)}" + (
            f"; training options go in --options, as JSON: --options '{{\"{option}\": ...}}'" if option else ""))
    if threading.current_thread() is threading.main_thread():
        # Each stop signal unwinds like Ctrl-C, so half-written outputs are removed and earlier ones kept; one the
        # run was started ignoring stays ignored (nohup's SIGHUP, a background job's SIGINT).
        for sig in STOP_SIGNALS:
            if signal.getsignal(sig) is not signal.SIG_IGN:
                signal.signal(sig, _stop)
    if hasattr(sys.stdout, "reconfigure"):
        # A lone surrogate (JSON input may hold "\ud800") is written as that escape, not a crash.
        sys.stdout.reconfigure(errors=LONE_SURROGATES)
    handler = logging.StreamHandler()
    handler.setFormatter(_LogFormat())
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, handlers=[handler])
    try:
        return args.func(args)
    except TopicslibError as e:
        print(f"topicslib: error: {e}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): stop quietly.
        _drop_writes(sys.stdout)
        return 0
    except HangUp as stop:  # before KeyboardInterrupt, which it is
        return _hung_up(stop)
    except KeyboardInterrupt as stop:  # Ctrl-C, or SIGTERM (Terminated); its message, where it has one, says what was kept
        print(f"topicslib: {str(stop) or ('terminated' if isinstance(stop, Terminated) else 'interrupted')}", file=sys.stderr)
        return _stop_code(stop)
    except OSError as e:
        print(f"topicslib: error: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 1
    finally:
        if process.COMMAND:
            # The process ends with the command, and its memory with it: the collector's passes over every object
            # as the interpreter shuts down (58M instructions, 5% of classifying one record) are skipped.
            gc.freeze()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
