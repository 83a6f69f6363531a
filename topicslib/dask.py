"""Classify corpora larger than one machine on Dask, with exactly the results of ``classify_many``.

Three entry points: :func:`classify_dataframe` adds ``topics`` and ``scores`` columns to a
``dask.dataframe``; :func:`classify_bag` classifies a ``dask.bag`` of texts (or of records);
:func:`classify_files` reads JSON Lines, CSV, Parquet or text files in partitions on the
cluster and writes the results part by part, so the corpus never passes through one process.

How the model reaches the workers: it is pickled in memory and scattered to every worker
once (``client.scatter(model, broadcast=True)``); each task receives the copy its worker
already holds. A ``TopicModel`` is a plain scikit-learn estimator, so pickling it between
our own processes is safe (the never-unpickle rule is about model *files*, which may come
from anyone) and costs one 2-3 MB transfer per worker, against re-reading and re-parsing
the ``.npz`` on every worker. A worker that joins or restarts later fetches the model from
a peer the first time it needs it. Without a distributed client the model is one
``dask.delayed`` object in the graph instead, and the collection is computed on its own default
scheduler: threads for a DataFrame, processes for a Bag (see :func:`classify_bag`).

Needs the optional extra: ``pip install 'topicslib[dask]'``.

>>> from distributed import Client                                  # doctest: +SKIP
>>> import dask.dataframe as dd                                      # doctest: +SKIP
>>> client = Client("tcp://10.0.0.5:8786")                           # doctest: +SKIP
>>> df = classify_dataframe(dd.read_parquet("/shared/news/"), "body")  # doctest: +SKIP
>>> df.to_parquet("/shared/news-tagged/")                            # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import io
import logging
import os
import re
import shutil
import signal
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

# The file engine reads and writes records exactly as the single-process command line does.
from .defaults import resolve
from .documents import TopicScore, split_paragraphs
from .errors import DataError, InputError, TopicslibError
from .examples import given_topics
from .evidence import evidence_of
from .files import LONE_SURROGATES, atomic_write, output_target, temporary_name
from .jsonio import encode_lines_utf8
from .model import TopicModel
from .progress import Progress
from .records import (COMPRESSED, FORMATS, Record, Source, count_lines, csv_header, find_sources, numbered_lines,
                      output_records, paragraph_records, read_records, scoring_texts, structured_records, text_of)
from .version import __version__


class DaskExtraMissing(TopicslibError, ImportError):
    """The optional ``dask`` extra is not installed."""


try:
    import dask
    import distributed
except ImportError as e:
    raise DaskExtraMissing(f"topicslib.dask needs the optional 'dask' extra ({e.name} is not installed): "
                           "pip install 'topicslib[dask]'") from None

__all__ = ["classify_dataframe", "classify_bag", "classify_files", "FilesResult"]

# Partitions are classified 2,000 texts per classify_many call, so a call's feature matrix stays
# small whatever the partition's size; rows are independent, so the results are those of one call.
_BATCH = 2_000
# Bytes of input per partition, by default: about four partitions per worker, so that the end of
# a run (or a lost worker) waits on little work, and within these bounds, which make a partition
# a fraction of a second to a few seconds of work for one worker.
_MIN_BLOCKSIZE, _MAX_BLOCKSIZE = 2**20, 16 * 2**20

PARQUET_SUFFIXES = (".parquet", ".pq")
# How long to wait for a scheduler before saying it cannot be reached.
_CONNECT_TIMEOUT = "10s"
# A scheduler's address: an optional protocol, a host (an IPv6 address in brackets) and a port.
_ADDRESS = re.compile(r"^(?:[a-z]+://)?(?:\[[0-9a-fA-F:]+\]|[^/\s:\[\]]+):\d{1,5}/?$")
# What the file engine reads: what the command line reads, and Parquet.
_FORMATS = {**FORMATS, "parquet": PARQUET_SUFFIXES}


def check_cluster(scheduler: str | None = None, workers: int | None = None) -> None:
    """Refuse at once, with :class:`InputError`, a ``scheduler`` that is no address (Dask would try it for 10 s,
    then hang 20 s more at exit) and a number of ``workers`` below 1 (Dask waits 30 s for workers that never come).

    >>> check_cluster("notaurl")
    Traceback (most recent call last):
    ...
    topicslib.errors.InputError: 'notaurl' is not a scheduler address; give one like tcp://10.0.0.5:8786
    """
    if scheduler is not None and not (isinstance(scheduler, str) and _ADDRESS.match(scheduler)):
        raise InputError(f"{scheduler!r} is not a scheduler address; give one like tcp://10.0.0.5:8786")
    _positive(workers, "workers", "worker processes")


def _positive(value: object, name: str, unit: str) -> None:
    """An :class:`InputError` unless ``value`` is None or a whole number of at least 1 (of ``unit``)."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
        raise InputError(f"{name} must be a positive number of {unit}, got {value!r}")


def _classify(model: TopicModel, texts: list[str]) -> list[list[TopicScore]]:
    out: list[list[TopicScore]] = []
    for i in range(0, len(texts), _BATCH):
        out += model.classify_many(texts[i : i + _BATCH])
    return out


def _ship(model: TopicModel, client: "distributed.Client | None"):
    """The model as tasks should receive it: scattered to every worker once, or delayed without a cluster."""
    if client is None:
        try:
            client = distributed.default_client()
        except ValueError:
            return dask.delayed(model, pure=True)
    # Unpickling imports topicslib and scikit-learn, seconds on a fresh worker: do it on all workers
    # at once rather than one after another as the broadcast reaches them.
    try:
        client.run(importlib.import_module, "topicslib.model")
    except ImportError as e:
        raise TopicslibError(f"the Dask workers cannot import topicslib ({e}); install the client's version "
                             f"(topicslib {__version__}) on every worker, see docs/dask.md") from None
    return client.scatter(model, broadcast=True, hash=False)


def _columns(results: list[list[TopicScore]]) -> tuple[list[list[str]], list[list[float]]]:
    """Topics and their scores as two parallel lists per text, the shape of the ``topics`` and ``scores`` columns."""
    return [[t for t, _ in r] for r in results], [[s for _, s in r] for r in results]


# -- dataframes and bags --------------------------------------------------------


def _classify_frame(part, model: TopicModel, column: str):
    import pandas as pd

    # A missing text has no topic, as the command line reads a null text.
    texts = part[column].astype(object).where(part[column].notna(), "")
    topics, scores = _columns(_classify(model, texts.tolist()))
    return part.assign(topics=pd.Series(topics, index=part.index, dtype=object),
                       scores=pd.Series(scores, index=part.index, dtype=object))


def classify_dataframe(df, column: str = "text", *, model: TopicModel | None = None,
                       client: "distributed.Client | None" = None):
    """Add ``topics`` (topic ids, best first) and ``scores`` (their probabilities) columns to a dask DataFrame.

    Row for row the same as ``classify_many(df[column])``; a missing text (null) gets no topic,
    as in the command line. Lazy, like any dask operation: nothing runs until ``compute``,
    ``to_parquet`` and the like. The model (the default one when ``None``) is scattered once
    to every worker of ``client`` (default: the current client).

    >>> import dask.dataframe as dd, pandas as pd
    >>> texts = ["Tariffs on coffee exports fell.", "Home | Contact", "Migrants crossed the border."]
    >>> out = classify_dataframe(dd.from_pandas(pd.DataFrame({"text": texts}), npartitions=2))
    >>> out.compute()["topics"].tolist()
    [['trade'], [], ['migration']]
    """
    import pandas as pd

    model = resolve(model)
    if column not in df.columns:
        raise InputError(f"the dataframe has no column {column!r}; its columns are {', '.join(map(str, df.columns))}")
    meta = df._meta.assign(topics=pd.Series(dtype=object), scores=pd.Series(dtype=object))
    return df.map_partitions(_classify_frame, _ship(model, client), column, meta=meta)


def _classify_items(items: Iterable, model: TopicModel, column: str | None) -> list:
    items = list(items)
    if column is None:
        return _classify(model, items)
    try:
        texts = [r[column] for r in items]
    except (KeyError, TypeError):
        raise InputError(f"every item must be a mapping with a {column!r} text") from None
    topics, scores = _columns(_classify(model, texts))
    return [{**r, "topics": t, "scores": s} for r, t, s in zip(items, topics, scores)]


def classify_bag(bag, *, column: str | None = None, model: TopicModel | None = None,
                 client: "distributed.Client | None" = None):
    """Classify a dask Bag: texts become ``list[TopicScore]`` as ``classify_many`` returns them.

    With ``column``, the items are records (dicts) and each becomes a copy with ``topics``
    and ``scores`` lists added, as :func:`classify_dataframe` adds them. The Bag is computed on
    ``client`` (default: the current client), else where Dask computes a Bag: on a pool of processes
    started by spawning, unless told otherwise. A script without a client therefore runs under
    ``if __name__ == "__main__":``, or sets ``dask.config.set(scheduler="threads")``.

    >>> import dask.bag as db
    >>> bag = classify_bag(db.from_sequence(["Tariffs on coffee exports fell.", "Home | Contact"], npartitions=1))
    >>> [[t.topic for t in topics] for topics in bag.compute(scheduler="sync")]
    [['trade'], []]
    """
    return bag.map_partitions(_classify_items, _ship(resolve(model), client), column)


# -- files ---


@dataclass(frozen=True)
class _Piece:
    """A byte range (JSON Lines, CSV), a row-group range (Parquet) or the whole (text) of one input file."""

    path: str  # absolute, as every worker opens it
    source: str  # the name the user gave, for messages and the "source" field
    start: int
    stop: int
    first_line: int = 1  # the number of the range's first line in its file (JSON Lines, CSV)


@dataclass(frozen=True)
class _Part:
    index: int
    kind: str
    pieces: tuple[_Piece, ...]


@dataclass(frozen=True)
class _Output:
    kind: str  # "jsonl" or "parquet"
    staging: str  # the folder tasks write their part files into

    def part(self, index: int) -> str:
        return os.path.join(self.staging, f"part-{index:05d}.{self.kind}")


@dataclass
class FilesResult:
    """What :func:`classify_files` did: records written, partitions, seconds, and how often each topic was given."""

    output: str
    records: int
    parts: int
    seconds: float
    topics: dict[str, int] = field(default_factory=dict)


def _files(inputs: Sequence[str | Path], input_format: str | None) -> list[Source]:
    """Every input file, as the command line finds them (folders searched recursively, in name order)."""
    names = list(map(str, inputs))
    if "-" in names:
        raise DataError("the dask engine reads files, not standard input", path="-")
    files = find_sources(names, input_format, _FORMATS)
    if not files:
        raise InputError("no input files")
    return files


def _blocksize(files: list[Source], workers: int) -> int:
    total = sum(f.size for f in files)
    return min(_MAX_BLOCKSIZE, max(_MIN_BLOCKSIZE, total // (4 * max(1, workers)) + 1))


def _plan(files: list[Source], blocksize: int) -> list[_Part]:
    """Cut the input files (from :func:`_files`) into partitions of about ``blocksize`` bytes, in input order.

    JSON Lines and CSV files are cut into byte ranges (each partition reads the lines that
    start in its range), Parquet files into runs of row groups; text files stay whole, as
    many consecutive ones to a partition as fit.
    """
    parts: list[_Part] = []
    texts: list[_Piece] = []

    def add(kind: str, pieces: Sequence[_Piece]) -> None:
        parts.append(_Part(len(parts), kind, tuple(pieces)))

    for source in files:
        name, kind, size = source.name, source.format, source.size
        if texts and (kind != "text" or sum(p.stop for p in texts) >= blocksize):
            add("text", texts)
            texts = []
        full = os.path.abspath(source.path)
        if kind == "text":
            texts.append(_Piece(full, name, 0, size))
        elif kind in ("jsonl", "csv") and Path(full).suffix.lower() in COMPRESSED:  # no byte ranges in a stream
            add(kind, [_Piece(full, name, 0, size)])
        elif kind in ("jsonl", "csv"):
            starts = list(range(0, size, blocksize))
            for start, first in zip(starts, _first_lines(full, starts)):
                add(kind, [_Piece(full, name, start, min(start + blocksize, size), first)])
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            try:
                meta = pq.ParquetFile(full).metadata
            except (pa.ArrowException, OSError) as e:
                raise DataError(f"not a readable Parquet file ({e})", path=name) from None
            first, gathered = 0, 0
            for g in range(meta.num_row_groups):
                gathered += meta.row_group(g).total_byte_size
                if gathered >= blocksize or g == meta.num_row_groups - 1:
                    add(kind, [_Piece(full, name, first, g + 1)])
                    first, gathered = g + 1, 0
    if texts:
        add("text", texts)
    return parts


def _ignore(n: int) -> None:
    """For readers that report bytes read: a partition has no progress bar of its own."""


def _begin(f, start: int) -> int:
    """Where the range starting at ``start`` begins: after the first line break at or after it (0 at 0)."""
    f.seek(start)
    if start:
        f.readline()
    return f.tell()


def _first_lines(path: str, starts: list[int]) -> list[int]:
    """The line number each range's first line has in the file, as ``numbered_lines`` numbers them: one
    pass over the file counting line ends (at gigabytes a second), so output and messages name the
    same lines as ``topicslib classify``."""
    out, lines, pos, last = [], 0, 0, b""
    with open(path, "rb") as f:
        for start in starts:
            begin = _begin(f, start)
            f.seek(pos)
            while pos < begin:
                chunk = f.read(min(1 << 20, begin - pos))
                pos += len(chunk)
                lines += count_lines(chunk) - (last == b"\r" and chunk[:1] == b"\n")  # a CR LF cut in two
                last = chunk[-1:]
            out.append(lines + 1)
    return out


def _read_lines(piece: _Piece) -> bytes:
    """The whole lines that start in the piece's byte range.

    A range starts after the first line break at or after ``start`` (at 0 for the first),
    and ends where the next range starts, so consecutive ranges share no line and miss none.
    """
    with open(piece.path, "rb") as f:
        begin = _begin(f, piece.start)
        f.seek(piece.stop)
        f.readline()
        end = f.tell()
        f.seek(begin)
        return f.read(end - begin)


def _block_records(piece: _Piece, kind: str, column: str) -> list[Record]:
    if Path(piece.path).suffix.lower() in COMPRESSED:  # a whole compressed file (see _plan)
        return list(read_records([Source(piece.source, kind, Path(piece.path))], column=column))
    lines = numbered_lines(io.BytesIO(_read_lines(piece)), piece.source, _ignore, first=piece.first_line)
    if kind == "csv":  # the header (after any blank lines) names the columns of every range, and starts it
        with open(piece.path, "rb") as f:
            header = csv_header(numbered_lines(f, piece.source, _ignore))
        lines = chain([header], ((n, line) for n, line in lines if n > header[0]))
    return list(structured_records(lines, piece.source, kind, column))


def _parquet_records(piece: _Piece, column: str) -> list[Record]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(piece.path)
    first = sum(pf.metadata.row_group(g).num_rows for g in range(piece.start))
    rows = pf.read_row_groups(range(piece.start, piece.stop)).to_pylist()
    # A row's number (from 1) stands where a line number stands for the other formats.
    return [Record(text_of(row, column, piece.source, n), row, f"{piece.source}:{n}", column, f"{piece.source}:{n}",
                   source=piece.source, line=n) for n, row in enumerate(rows, first + 1)]


def _records(part: _Part, column: str, document: bool) -> list[Record]:
    """A partition's records, as ``read_records`` of the command line gives them."""
    if part.kind == "text":
        return list(read_records([Source(p.source, "text", Path(p.path)) for p in part.pieces], document=document))
    piece = part.pieces[0]
    records = _parquet_records(piece, column) if part.kind == "parquet" else _block_records(piece, part.kind, column)
    if not document:
        return records
    return [p for r in records for p in paragraph_records(r, split_paragraphs(r.text))]


def _parquet_bytes(rows: list[dict], results: list[list[TopicScore]], source: str, evidence: bool = False,
                   given: list[tuple[str, ...] | None] | None = None) -> bytes:
    """Records as a Parquet file: every field any record has is a column, then ``topics`` and ``scores`` (and
    ``evidence``, each topic's terms, when the rows carry them); a record's ``given`` topics (not None) with null
    scores."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    topics, scores = _columns(results)
    for i, tags in enumerate(given or ()):
        if tags is not None:
            topics[i], scores[i] = list(tags), None
    names = list(dict.fromkeys(k for r in rows for k in r if k not in ("topics", *(("evidence",) if evidence else ()))))
    terms = {"evidence": pa.array([[t["evidence"] for t in r["topics"]] for r in rows], pa.list_(pa.list_(pa.string())))
             } if evidence else {}
    try:
        table = pa.table({**{k: [r.get(k) for r in rows] for k in names},
                          "topics": pa.array(topics, pa.list_(pa.string())),
                          "scores": pa.array(scores, pa.list_(pa.float64())), **terms})
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise DataError(f"a field holds values of different types ({e}); write JSON Lines output instead",
                        path=source) from None
    buf = io.BytesIO()
    pq.write_table(table, buf)
    return buf.getvalue()


def _write_part(part: _Part, out: _Output, records: list[Record], results: list[list[TopicScore]],
                evidence: list[dict[str, list[str]]] | None = None,
                given: list[tuple[str, ...] | None] | None = None) -> None:
    """Write a whole part file under a temporary name, then rename it: a task that dies leaves no
    half file, and a task run again overwrites the same name, so each partition lands exactly once.
    A record's ``given`` topics (not None) are written as its topics, without scores: it was not classified."""
    rows = output_records(records, results, evidence)
    for row, tags in zip(rows, given or ()):
        if tags is not None:
            row["topics"] = [{"topic": t} for t in tags]
    if out.kind == "jsonl":
        data = encode_lines_utf8(rows, errors=LONE_SURROGATES)  # the bytes of `topicslib classify -o FILE.jsonl`
    else:
        data = _parquet_bytes(rows, results, part.pieces[0].source, evidence is not None, given)
    # Never recreate the staging folder: a failed run removes it while cancelled tasks may still write.
    atomic_write(out.part(part.index), data, make_folders=False)


def _conform(path: str, *, schema) -> None:
    """One task: rewrite a Parquet part in the run's common schema (types widened, fields that no
    record of the part had added as nulls), so the folder reads back as one table."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    columns = [table.column(f.name).cast(f.type) if f.name in table.column_names else pa.nulls(len(table), f.type)
               for f in schema]
    buf = io.BytesIO()
    pq.write_table(pa.Table.from_arrays(columns, schema=schema), buf)
    atomic_write(path, buf.getvalue(), make_folders=False)


def _conform_parts(client: "distributed.Client", out: _Output, indexes: list[int], run: str,
                   evidence: bool = False) -> None:
    """Give every Parquet part the same schema: each part took its types from its own records, so a
    field can be all null in one part and text in another, which Parquet readers refuse to combine.
    The model's columns come last (``evidence`` among them when it was asked for; else a field of that
    name is the input's own and keeps its place)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schemas = {i: pq.read_schema(out.part(i)) for i in indexes}  # file footers only
    try:
        common = pa.unify_schemas(list(schemas.values()), promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError) as e:
        raise TopicslibError(f"a field has different types in different records ({e}); write JSON Lines "
                             "output instead") from None
    last = [name for name in ("topics", "scores", *(("evidence",) if evidence else ())) if name in common.names]
    common = pa.schema([f for f in common if f.name not in last] + [common.field(name) for name in last])
    stale = [i for i, schema in schemas.items() if not schema.equals(common)]
    client.gather(client.map(_conform, [out.part(i) for i in stale], schema=common,
                             key=[f"topicslib-{run}-conform-{i}" for i in stale]))


def _remove_staging(staging: str, attempts: int = 100) -> None:
    """Remove a failed run's staging folder, retrying while cancelled tasks finish writing into it.

    Cancelling does not stop a task that is already running: it may create a part file while the
    folder is being removed, so the removal fails. Workers never create the folder, so once it is
    gone it stays gone.
    """
    for _ in range(attempts):
        shutil.rmtree(staging, ignore_errors=True)
        if not os.path.exists(staging):
            return
        time.sleep(0.1)
    logging.getLogger("topicslib").warning("could not remove %s: tasks kept writing into it", staging)


def _run_part(part: _Part, *, model: TopicModel, column: str, document: bool, out: _Output,
              evidence: bool = False, keep_topics: bool = False) -> tuple[int, Counter]:
    """One task: read a partition, classify it, write its part file; only counts go back to the client."""
    records = _records(part, column, document)
    given = [given_topics(r.fields.get("topics"), r.source or None, r.line) for r in records] if keep_topics else []
    if any(tags is not None for tags in given):
        found = iter(_classify(model, scoring_texts([r for r, tags in zip(records, given) if tags is None])))
        results = [next(found) if tags is None else [] for tags in given]
    else:
        given, results = [], _classify(model, scoring_texts(records))
    terms = None
    if evidence:  # explained a batch at a time, as the command does
        terms = [d for i in range(0, len(records), _BATCH)
                 for d in evidence_of(model, records[i : i + _BATCH], results[i : i + _BATCH])]
    _write_part(part, out, records, results, terms, given)
    return len(records), Counter(chain((t for r in results for t, _ in r), (t for tags in given if tags for t in tags)))


def _output(output: str, run: str, inputs: list[Source]) -> tuple[Path, _Output]:
    """Parquet part files when ``output`` ends in .parquet or / or is a folder, else one JSON Lines file
    (through a symbolic link; never one of the inputs, see ``files.output_target``).

    Tasks write into a staging folder beside the JSON Lines file (or hidden inside the Parquet
    folder, where readers skip names starting with "."), which :func:`_finish` assembles. It is named
    by ``files.temporary_name``, so no folder search reads it as data if a killed run leaves it behind.
    """
    path = Path(output).absolute()
    parquet = output.endswith(("/", os.sep)) or path.suffix.lower() in PARQUET_SUFFIXES or path.is_dir()
    if not parquet:
        path = output_target(output, [f.path for f in inputs]).absolute()
    if parquet and path.is_file():
        raise DataError("is a file, and Parquet output is a folder of part files: remove it or choose another name",
                        path=output)
    staging = (path if parquet else path.parent) / temporary_name(path.name, f"parts-{run}")
    try:
        staging.mkdir(parents=True)
    except OSError as e:
        raise DataError(f"cannot write: {e.strerror or e}", path=output) from None
    return path, _Output("parquet" if parquet else "jsonl", str(staging))


def _finish(path: Path, out: _Output, counts: dict[int, int]) -> None:
    """Assemble the parts in input order: concatenate them into the JSON Lines file (streamed, so
    memory stays flat), or move them into the Parquet folder in place of an earlier run's parts."""
    if out.kind == "parquet":
        for old in path.glob("part-*.parquet"):
            old.unlink()
        for i in sorted(counts):
            os.replace(out.part(i), path / f"part-{i:05d}.parquet")
    else:
        tmp = os.path.join(out.staging, "all.jsonl")
        with open(tmp, "wb") as dst:
            for i in sorted(counts):
                lines = 0
                with open(out.part(i), "rb") as src:
                    while chunk := src.read(2**20):
                        lines += chunk.count(b"\n")
                        dst.write(chunk)
                if lines != counts[i]:  # a lost or doubled write must never pass silently
                    raise TopicslibError(f"{out.part(i)} holds {lines} records where {counts[i]} were classified")
        os.replace(tmp, path)
    shutil.rmtree(out.staging)


@contextmanager
def _connect(scheduler: str | None, workers: int | None) -> Iterator["distributed.Client"]:
    if scheduler:
        try:
            client = distributed.Client(scheduler, set_as_default=False, timeout=_CONNECT_TIMEOUT)
        except Exception as e:  # refused, unresolvable, malformed or silent: distributed raises many kinds
            raise TopicslibError(f"cannot reach the Dask scheduler at {scheduler} within {_CONNECT_TIMEOUT}: "
                                 f"{type(e).__name__}: {e} (give an address like tcp://10.0.0.5:8786)") from None
        with client:
            yield client
        return
    # Worker processes log at the level this process sets for their logger (the command line: only with --verbose).
    with _workers_ignoring_ctrl_c():
        cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1,
                                           processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                           silence_logs=logging.getLogger("distributed.worker").getEffectiveLevel())
    quiet_from = logging.root.manager.disable
    try:
        with cluster, distributed.Client(cluster, set_as_default=False) as client:
            try:
                yield client
            except KeyboardInterrupt:
                # Closed mid-run, the cluster logs as errors the work it is cut off from (a scatter whose workers
                # left, tasks never retrieved): the stop was asked for, and this process says so itself.
                logging.disable(logging.CRITICAL)
                raise
    finally:
        logging.disable(quiet_from)


@contextmanager
def _workers_ignoring_ctrl_c() -> Iterator[None]:
    """Start worker processes that ignore Ctrl-C. A terminal's Ctrl-C reaches every process of its foreground
    group, so the local cluster's workers too, where Dask printed pages of tracebacks; this process alone stops:
    it cancels the work and closes the cluster. Processes inherit an ignored signal (and Python keeps it ignored),
    not a handler, so this process ignores Ctrl-C while the workers start (a second or two: a Ctrl-C then is not
    seen). Only the main thread can change signal handling: elsewhere the workers are started as they are."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:  # a handler set outside Python reads as None: the default stands for it
        signal.signal(signal.SIGINT, signal.SIG_DFL if previous is None else previous)


def classify_files(
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    client: "distributed.Client | None" = None,
    column: str = "text",
    document: bool = False,
    input_format: str | None = None,
    model: TopicModel | None = None,
    blocksize: int | None = None,
    evidence: bool = False,
    keep_topics: bool = False,
    progress: bool = False,
) -> FilesResult:
    """Classify JSON Lines, CSV, Parquet and text files on a Dask cluster and write the results.

    Inputs are cut into partitions of about ``blocksize`` bytes (by default about four per
    worker, between 1 and 16 MiB; see :func:`_plan`); one task reads, classifies and writes
    each partition, and the client sees only counts. Records are read as ``topicslib classify``
    reads them (``column``, ``document``, ``input_format``).
    ``output`` ending in ``.parquet`` or ``/``, or an existing folder, receives
    ``part-NNNNN.parquet`` files: the record's fields plus ``topics`` and ``scores`` lists (and, with
    ``evidence``, an ``evidence`` list of each topic's terms, as ``topicslib classify --evidence`` gives them).
    Any other name becomes one JSON Lines file exactly as ``topicslib classify`` writes it.
    Either way records keep input order. With ``keep_topics``, a record that carries its own ``topics`` (as
    :func:`topicslib.trends` reads them; not with ``document``) keeps them, written as ``{"topic": ...}`` objects
    without scores (null ``scores`` in Parquet), and is not classified: what ``trends --engine dask`` counts.

    The cluster: ``client``, else the scheduler at ``scheduler`` (e.g. ``tcp://10.0.0.5:8786``),
    else a local cluster of ``workers`` processes (default: one per CPU core). Paths must
    mean the same files on the client and on every worker (a shared filesystem). A worker
    that dies costs only its running partitions, which Dask runs again elsewhere.

    >>> classify_files(["news/2019.jsonl", "news/2020.jsonl"], "tagged.jsonl", workers=4)  # doctest: +SKIP
    FilesResult(output='tagged.jsonl', records=1250000, parts=24, seconds=61.2, topics={'diplomacy': 402113, ...})
    """
    started = time.perf_counter()
    model = resolve(model)
    _positive(blocksize, "blocksize", "bytes")
    check_cluster(scheduler, workers)
    files = _files(inputs, input_format)  # bad names fail before a cluster starts
    run = uuid.uuid4().hex[:8]
    path, out = _output(str(output), run, files)
    counts: dict[int, int] = {}
    topics: Counter = Counter()
    try:
        with (nullcontext(client) if client else _connect(scheduler, workers)) as c:
            parts = _plan(files, blocksize or _blocksize(files, len(c.scheduler_info()["workers"])))
            bar = Progress("classify", total=len(parts), unit="parts", enabled=progress)
            shipped = _ship(model, c)
            futures = c.map(_run_part, parts, key=[f"topicslib-{run}-part-{p.index}" for p in parts],
                            model=shipped, column=column, document=document, out=out, evidence=evidence,
                            keep_topics=keep_topics and not document)
            index = {f.key: p.index for f, p in zip(futures, parts)}
            try:
                for future in distributed.as_completed(futures, loop=c.loop):
                    n, found = future.result()
                    counts[index[future.key]] = n
                    topics.update(found)
                    bar.advance(1, note=f"{sum(counts.values()):,} records")
            finally:
                c.cancel([*futures, shipped])
                bar.close()
            if out.kind == "parquet":
                _conform_parts(c, out, sorted(counts), run, evidence)
        _finish(path, out, counts)
    except BaseException:
        _remove_staging(out.staging)
        raise
    return FilesResult(str(output), sum(counts.values()), len(parts), time.perf_counter() - started,
                       dict(topics.most_common()))
