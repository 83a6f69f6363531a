"""Input records and output records: what ``topicslib classify`` reads and writes, with any engine.

Text files are one record each (or one per paragraph with ``document``), JSON Lines and CSV one per
line or row; every error names the file and line. The single-process command line and the Dask
engine both read and write records through this module.
"""

from __future__ import annotations

import contextlib
import csv
import json
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .documents import TopicScore, split_paragraphs
from .errors import TopicslibError

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
INPUT_FORMATS = ("text", "jsonl", "csv")
# A text file read with --document is split in chunks of about this many lines, cut at blank lines
# (where paragraphs end anyway), so a huge file never sits in memory whole.
_CHUNK_LINES = 5000


def data_error(where: str, line: int | None, message: str) -> TopicslibError:
    return TopicslibError(f"{where}:{line}: {message}" if line is not None else f"{where}: {message}")


@dataclass(frozen=True)
class Record:
    """One unit to classify: its text, the input's fields to write back, and where it came from.

    ``text_field`` names the field that holds the text, so output can put a paragraph's text there;
    ``document`` groups the paragraphs of one document; ``paragraph`` is set with ``--document``.
    """

    text: str
    fields: dict
    where: str
    text_field: str = "text"
    document: str = ""
    paragraph: int | None = None


@dataclass
class Source:
    """An input: a file path, or ``-`` for standard input, and the format it is read as."""

    name: str
    format: str
    path: Path | None = None
    size: int | None = None


def _format_of(path: Path, forced: str | None) -> str | None:
    if forced:
        return forced
    suffix = path.suffix.lower()
    for fmt, suffixes in (("text", TEXT_SUFFIXES), ("jsonl", JSONL_SUFFIXES), ("csv", CSV_SUFFIXES)):
        if suffix in suffixes:
            return fmt
    return None


def find_sources(inputs: Iterable[str], input_format: str | None = None) -> list[Source]:
    """Expand files and folders (recursively, in name order) into sources; ``-`` is standard input.

    >>> [s.format for s in find_sources(["-"])]
    ['text']
    """
    known = TEXT_SUFFIXES + JSONL_SUFFIXES + CSV_SUFFIXES
    sources = []
    for name in inputs:
        if name == "-":
            sources.append(Source("<stdin>", input_format or "text"))
            continue
        path = Path(name)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and (input_format or p.suffix.lower() in known))
            if not files:
                raise data_error(name, None, f"no {', '.join(known)} files in this folder")
            sources += [Source(str(p), _format_of(p, input_format), p, p.stat().st_size) for p in files]
        elif path.is_file():
            fmt = _format_of(path, input_format)
            if fmt is None:
                raise data_error(name, None, f"unknown file type {path.suffix!r}; use .txt/.md, .jsonl or .csv, "
                                              "or say how to read it with --input-format")
            sources.append(Source(name, fmt, path, path.stat().st_size))
        else:
            raise data_error(name, None, "no such file or folder")
    return sources


def numbered_lines(stream: BinaryIO, name: str, on_bytes: Callable[[int], None]) -> Iterator[tuple[int, str]]:
    """Numbered, decoded lines (line endings kept); bytes that are not UTF-8 are an error naming the line."""
    for n, raw in enumerate(stream, 1):
        on_bytes(len(raw))
        try:
            yield n, raw.decode("utf-8-sig" if n == 1 else "utf-8")
        except UnicodeDecodeError as e:
            raise data_error(name, n, f"not UTF-8 (byte {e.start + 1} of the line); save the file as UTF-8") from None


def text_of(record: dict, column: str, name: str, line: int) -> str:
    if column not in record:
        raise data_error(name, line, f"no {column!r} field (choose the text field with --column)")
    text = record[column]
    if text is None:
        return ""
    if not isinstance(text, str):
        raise data_error(name, line, f"{column!r} must be a string, got {type(text).__name__}")
    return text


def jsonl_records(lines: Iterator[tuple[int, str]], name: str, column: str) -> Iterator[Record]:
    for n, line in lines:
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise data_error(name, n, f"invalid JSON: {e.msg} (column {e.colno})") from None
        if not isinstance(obj, dict):
            raise data_error(name, n, f"expected a JSON object with a {column!r} field, got {type(obj).__name__}")
        yield Record(text_of(obj, column, name, n), obj, f"{name}:{n}", column, f"{name}:{n}")


def csv_records(lines: Iterator[tuple[int, str]], name: str, column: str) -> Iterator[Record]:
    csv.field_size_limit(2**31 - 1)  # paragraphs can be long; the default 128 kB limit would reject them
    reader = csv.DictReader(line for _, line in lines)
    try:
        header = reader.fieldnames
        if not header:
            raise data_error(name, 1, "the CSV file is empty; expected a header row")
        if column not in header:
            raise data_error(name, 1, f"no column {column!r} in the header (columns: {', '.join(header)}); "
                                       "choose the text column with --column")
        for row in reader:
            n = reader.line_num
            if None in row:
                raise data_error(name, n, "the row has more cells than the header")
            yield Record(row[column] or "", row, f"{name}:{n}", column, f"{name}:{n}")
    except csv.Error as e:
        raise data_error(name, reader.line_num, f"invalid CSV: {e}") from None


def paragraph_records(record: Record, texts: Iterable[str], start: int = 0) -> Iterator[Record]:
    for i, text in enumerate(texts, start):
        yield Record(text, record.fields, record.where, record.text_field, record.document, i)


def text_records(lines: Iterator[tuple[int, str]], name: str, document: bool) -> Iterator[Record]:
    whole = Record("", {"source": name, "text": ""}, name, "text", name)
    if not document:
        text = "".join(line for _, line in lines)
        yield Record(text, {"source": name, "text": text}, name, "text", name)
        return
    chunk: list[str] = []
    index = 0

    def flush() -> Iterator[Record]:
        nonlocal index
        paragraphs = split_paragraphs("".join(chunk))
        chunk.clear()
        yield from paragraph_records(whole, paragraphs, index)
        index += len(paragraphs)

    for _, line in lines:
        chunk.append(line)
        # A blank line ends every paragraph, so splitting there gives what splitting the whole text gives.
        if len(chunk) >= _CHUNK_LINES and not line.strip():
            yield from flush()
    yield from flush()


def read_records(
    sources: Iterable[Source],
    *,
    texts: Iterable[str] = (),
    document: bool = False,
    column: str = "text",
    on_bytes: Callable[[int], None] = lambda n: None,
) -> Iterator[Record]:
    """Stream the records to classify: each ``--text``, then each source in order.

    Text files are one record each, JSON Lines and CSV one per line or row; with ``document``
    every text is split into paragraphs, one record each. ``on_bytes`` hears how much was read.

    >>> [r.text for r in read_records([], texts=["Trade rose.\\n\\nMigrants crossed."], document=True)]
    ['Trade rose.', 'Migrants crossed.']
    """
    for i, text in enumerate(texts, 1):
        record = Record(text, {"text": text}, "", "text", f"<text {i}>")
        yield from paragraph_records(record, split_paragraphs(text)) if document else (record,)
    for source in sources:
        with contextlib.ExitStack() as stack:
            if source.path is None:
                stream = sys.stdin.buffer
            else:
                try:
                    stream = stack.enter_context(source.path.open("rb"))
                except OSError as e:
                    raise data_error(source.name, None, f"cannot read: {e.strerror or e}") from None
            lines = numbered_lines(stream, source.name, on_bytes)
            if source.format == "text":
                yield from text_records(lines, source.name, document)
                continue
            records = (jsonl_records if source.format == "jsonl" else csv_records)(lines, source.name, column)
            for record in records:
                yield from paragraph_records(record, split_paragraphs(record.text)) if document else (record,)


def output_record(record: Record, topics: list[TopicScore]) -> dict:
    """The input's fields with the (paragraph) text in place, ``paragraph`` with --document, and ``topics``.

    >>> output_record(Record("Tariffs fell.", {"id": 7, "text": "Tariffs fell."}, "a.jsonl:1"), [TopicScore("trade", 0.91234)])
    {'id': 7, 'text': 'Tariffs fell.', 'topics': [{'topic': 'trade', 'score': 0.9123}]}
    """
    out = {k: v for k, v in record.fields.items() if k not in ("topics", "paragraph")}
    out[record.text_field] = record.text
    if record.paragraph is not None:
        out["paragraph"] = record.paragraph
    out["topics"] = [{"topic": t, "score": round(s, 4)} for t, s in topics]
    return out
