"""Records: the one reader of JSON Lines, CSV and text input, and the output record.

Everything topicslib reads from files goes through here: ``topicslib classify`` and the report
(:func:`read_records`), training and evaluation (``examples.py``, through :func:`source_rows`)
and the Dask engine (:func:`structured_records` on byte ranges). So a malformed line gets the
same message, naming the file and line, whichever command reads it. Text files are one record
each (or one per paragraph with ``document``), JSON Lines and CSV one per line or row.
"""

from __future__ import annotations

import bz2
import codecs
import contextlib
import csv
import functools
import gzip
import json
import logging
import lzma
import math
import re
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import chain, count
from pathlib import Path
from typing import BinaryIO

from . import native
from .documents import TopicScore, document_lines, printed_scores, iter_paragraphs, plain_text, split_paragraphs
from .errors import DataError
from .files import conversion_advice, find_files
from .jsonio import NOT_TAKEN, encode, encode_lines_utf8, fast_loads, written_alike
from .language import detect_many

TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
# Input formats by file suffix; the first format whose suffixes match wins.
FORMATS: dict[str, tuple[str, ...]] = {"text": TEXT_SUFFIXES, "jsonl": JSONL_SUFFIXES, "csv": CSV_SUFFIXES}
INPUT_FORMATS = tuple(FORMATS)


@dataclass(frozen=True)
class Compression:
    """A compressed format a file is read in by its suffix: its name, the bytes it starts with (by which
    compressed standard input, which has no suffix, is told and refused), and how to open it."""

    name: str
    magic: bytes
    open: Callable[..., BinaryIO]


# The compressed formats, by suffix (``news.jsonl.gz`` is JSON Lines, gzipped): the one table of them.
COMPRESSED: dict[str, Compression] = {".gz": Compression("gzip", b"\x1f\x8b", gzip.open),
                                      ".bz2": Compression("bz2", b"BZh", bz2.open),
                                      ".xz": Compression("xz", b"\xfd7zXZ\x00", lzma.open)}
# The most characters a CSV field may hold. Paragraphs and documents can be long (the csv module's own limit,
# 128 kB, would refuse some), but a field of millions of lines is a quote left open swallowing the rows after it:
# it is refused here before the rest of the file is read into it.
CSV_FIELD_LIMIT = 16 * 2**20
csv.field_size_limit(CSV_FIELD_LIMIT)
# What separates a CSV file's cells: a comma, or where its header holds none, ';' (as spreadsheets save CSV where a
# comma is the decimal mark: Spanish and most European locales) or a tab.
CSV_DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab"}
# In a CSV line, a quote that opens a quoted field (one at the start of a field), by delimiter, and a run of quotes.
_OPENING_QUOTES = {d: re.compile(f'(?:^|{re.escape(d)})"') for d in CSV_DELIMITERS}
_QUOTES = re.compile(r'"+')


@dataclass(slots=True)
class Record:
    """One unit to classify: its text, the input's fields to write back, and where it came from.
    (Not frozen, as a frozen dataclass takes three times as long to build, once a record; nothing changes one.)

    ``text_field`` names the field that holds the text, so output can put a paragraph's text there;
    ``document`` groups the paragraphs of one document; ``paragraph`` is set with ``--document``;
    ``source`` and ``line`` say which file and line (or CSV row, or Parquet row) the record was read from.
    ``empty``: the record stands for a document split into no paragraph (``read_records(empty=True)``), in its
    place; it has no text, and outputs that write a record a paragraph leave it out.
    """

    text: str
    fields: dict | None
    where: str
    text_field: str = "text"
    document: str = ""
    paragraph: int | None = None
    source: str = ""
    line: int | None = None
    empty: bool = False


@dataclass(slots=True)
class MemberBatch:
    """Consecutive JSON Lines records of one ``source`` as columns (``read_records(members=True)``), so that no
    :class:`Record` is made for the lines the compiled reader takes (``native.jsonl_reader``), nearly all of them:
    each record's text and line, and its fields as JSON as the output writes them (compact, without braces), or None
    for a line the general reader read, whose :class:`Record` is in ``records`` by its position in the batch."""

    source: str
    texts: list[str]
    members: list[bytes | None]
    lines: list[int]
    records: dict[int, Record]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class Source:
    """An input: a file path, or ``-`` for standard input, and the format it is read as."""

    name: str
    format: str
    path: Path | None = None
    size: int | None = None


def format_of(path: Path, forced: str | None = None, formats: Mapping[str, tuple[str, ...]] = FORMATS) -> str | None:
    """The format ``path`` is read as: ``forced``, else by its suffix in ``formats``, else None.

    >>> format_of(Path("news/2024.JSONL")), format_of(Path("bills.csv.gz"))
    ('jsonl', 'csv')
    """
    if forced:
        return forced
    suffix = path.suffix.lower()
    if suffix in COMPRESSED:
        suffix = Path(path.stem).suffix.lower()
    return next((fmt for fmt, suffixes in formats.items() if suffix in suffixes), None)


def find_sources(inputs: Iterable[str], input_format: str | None = None,
                 formats: Mapping[str, tuple[str, ...]] = FORMATS) -> list[Source]:
    """Expand files and folders (recursively, in name order) into sources; ``-`` is standard input.

    >>> [s.format for s in find_sources(["-"])]
    ['text']
    """
    known = (", ".join(s for suffixes in formats.values() for s in suffixes)
             + f" (or {', '.join(c.name for c in COMPRESSED.values())} compressed)")
    sources = []
    for name in inputs:
        if name == "-":
            sources.append(Source("<stdin>", input_format or stdin_format()))
            continue
        for path in find_files(name, lambda p: format_of(p, input_format, formats) is not None,
                               f"{known} files"):
            fmt = format_of(path, input_format, formats)
            if fmt is None:  # only a file named on its own can be of an unknown type
                advice = conversion_advice([path])
                raise DataError(f"unknown file type {path.suffix!r}; " + (
                    f"{advice}: topicslib reads {known}" if advice else
                    f"use {known}, or say how to read it with --input-format"), path=name)
            sources.append(Source(name if path == Path(name) else str(path), fmt, path, path.stat().st_size))
    return sources


def stdin_format() -> str:
    """How to read standard input when not told: JSON Lines when its first character is ``{``, else text."""
    stream = getattr(sys.stdin, "buffer", None)
    try:
        head = stream.peek(64) if hasattr(stream, "peek") else b""
    except (OSError, ValueError):  # closed or unreadable: reading will say so
        return "text"
    return "jsonl" if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") else "text"


def _refuse_compressed(stream: BinaryIO) -> None:
    """A clear error for compressed data on standard input (else read as text that is not UTF-8): only a file's
    suffix says how to decompress it."""
    try:
        head = stream.peek(max(len(c.magic) for c in COMPRESSED.values())) if hasattr(stream, "peek") else b""
    except (OSError, ValueError):  # closed or unreadable: reading will say so
        return
    for c in COMPRESSED.values():
        if head.startswith(c.magic):
            raise DataError(f"standard input is {c.name}-compressed; give the file's name instead (its suffix says how "
                            "to read it), or decompress it into the pipe", path="<stdin>")


@contextlib.contextmanager
def open_source(source: Source) -> Iterator[BinaryIO]:
    """The source's bytes: its file (decompressed by suffix), or standard input for a source without a path."""
    if source.path is None:
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise DataError("standard input is closed; give files, or pipe text in", path="<stdin>")
        _refuse_compressed(sys.stdin.buffer)
        yield sys.stdin.buffer
        return
    compressed = COMPRESSED.get(source.path.suffix.lower())
    opener = compressed.open if compressed else open
    try:
        stream = opener(source.path, "rb")
    except OSError as e:
        raise DataError(f"cannot read: {e.strerror or e}", path=source.name) from None
    try:
        with stream:
            yield stream
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as e:  # a damaged or truncated compressed file
        raise DataError(f"cannot read: {e}", path=source.name) from None


def count_lines(data: bytes) -> int:
    """How many line ends ``data`` holds as :func:`numbered_lines` counts them: ``\\n``, ``\\r\\n`` or a lone ``\\r``.

    >>> count_lines(b"a\\r\\nb\\rc\\n\\r\\r\\n")
    5
    """
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


# Bytes read at a time: lines come in blocks, so the progress callback hears of a block, not of every line.
READ_BLOCK = 1 << 16


def _lone_cr(data: bytes) -> bool:
    """Whether ``data`` holds a CR that is not part of a CRLF (searched for first with find, a memchr, as counting
    would not be)."""
    return data.find(b"\r") >= 0 and data.count(b"\r") != data.count(b"\r\n")


def raw_blocks(stream: Iterable[bytes], on_bytes: Callable[[int], None] = lambda n: None, *,
               first: int = 1) -> Iterator[tuple[int, list[bytes]]]:
    """The lines of a byte stream as read (line endings kept), a block at a time, each block with the number of
    its first line (from ``first``); a lone ``\\r`` ends a line too. A stream with ``readlines`` is read
    ``READ_BLOCK`` bytes of lines at a time, any other iterable of bytes a line at a time.

    >>> list(raw_blocks([b"a\\r\\n", b"b\\rc\\n"]))
    [(1, [b'a\\r\\n']), (2, [b'b\\r', b'c\\n'])]
    """
    n = first
    if hasattr(stream, "readlines"):
        blocks = iter(lambda: stream.readlines(READ_BLOCK), [])
    else:
        blocks = ([raw] for raw in stream)
    for block in blocks:
        data = b"".join(block)
        on_bytes(len(data))
        # Old Mac files end lines with a lone CR: split them, so every reader numbers lines alike. Looked for in
        # the whole block first.
        if _lone_cr(data):
            block = [piece for raw in block for piece in (raw.splitlines(keepends=True) if _lone_cr(raw) else (raw,))]
        yield n, block
        n += len(block)


def raw_lines(stream: Iterable[bytes], on_bytes: Callable[[int], None] = lambda n: None, *,
              first: int = 1) -> Iterator[tuple[int, bytes]]:
    """:func:`raw_blocks` a line at a time, each numbered.

    >>> list(raw_lines([b"a\\r\\n", b"b\\rc\\n"]))
    [(1, b'a\\r\\n'), (2, b'b\\r'), (3, b'c\\n')]
    """
    for n, block in raw_blocks(stream, on_bytes, first=first):
        yield from enumerate(block, n)


# What a line that is not UTF-8 is read as when no encoding is named: Windows-1252, the encoding of text saved on
# Windows (and a superset of Latin-1's letters), the one scraped and exported text most often comes in besides UTF-8.
FALLBACK_ENCODING = "cp1252"


class Decoder:
    """The lines of one input (``name``) as text. With an ``encoding`` named, each line is read in it (UTF-8's
    first line without a byte order mark) and one that is not is an ``error`` naming the line. Without one, in
    UTF-8, and a line that is not UTF-8 is read as Windows-1252 (``FALLBACK_ENCODING``; a byte it leaves undefined
    as U+FFFD) with a warning naming the file and its first such line, once an input, so that one file saved in
    Latin-1 among many stops nothing; a line that holds a NUL byte (UTF-16 text, or no text) is an error still.

    >>> decode = Decoder("a.txt")
    >>> decode(b"\\xef\\xbb\\xbfBogot\\xc3\\xa1\\n", 1), decode(b"Bogot\\xe1\\n", 2)
    ('Bogotá\\n', 'Bogotá\\n')
    >>> Decoder("a.txt", encoding="utf-8")(b"Bogot\\xe1\\n", 2)
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: a.txt:2: not UTF-8 (byte 6 of the line); save the file as UTF-8
    """

    __slots__ = ("name", "error", "encoding", "first", "warned")

    def __init__(self, name: str, error: type[DataError] = DataError, encoding: str | None = None):
        self.name, self.error, self.encoding, self.warned = name, error, encoding, False
        utf8 = encoding is None or codecs.lookup(encoding).name == "utf-8"
        self.first = "utf-8-sig" if utf8 else encoding  # the encoding of line 1
        if utf8 and encoding is not None:
            self.encoding = "utf-8"

    def __call__(self, raw: bytes, n: int) -> str:
        try:
            return raw.decode(self.first if n == 1 else self.encoding or "utf-8")
        except UnicodeDecodeError as e:
            where = f"byte {e.start + 1} of the line"
            if self.encoding not in (None, "utf-8"):
                raise self.error(f"not {self.encoding} ({where})", path=self.name, line=n) from None
            if self.encoding is not None or b"\0" in raw:
                nul = ", and it holds NUL bytes, as UTF-16 text does" if b"\0" in raw else ""
                raise self.error(f"not UTF-8 ({where}){nul}; save the file as UTF-8", path=self.name, line=n) from None
            if not self.warned:
                self.warned = True
                logging.getLogger("topicslib").warning(
                    "%s:%d: not UTF-8 (%s): read as Windows-1252 (Latin-1), as is any other line of it that is not "
                    "UTF-8; check its accents, or name its encoding (--encoding)", self.name, n, where)
            return raw.decode(FALLBACK_ENCODING, errors="replace")


def numbered_lines(stream: Iterable[bytes], name: str, on_bytes: Callable[[int], None] = lambda n: None,
                   *, error: type[DataError] = DataError, first: int = 1,
                   encoding: str | None = None) -> Iterator[tuple[int, str]]:
    """Decoded lines (line endings kept), numbered from ``first``; a lone ``\\r`` ends a line too. Read as
    :class:`Decoder` reads them, in ``encoding`` if named (bytes not in it an ``error`` naming the line).

    >>> list(numbered_lines([b"a\\r\\n", b"b\\rc\\n"], "x.txt"))
    [(1, 'a\\r\\n'), (2, 'b\\r'), (3, 'c\\n')]
    """
    decode = Decoder(name, error, encoding)
    for n, raw in raw_lines(stream, on_bytes, first=first):
        yield n, decode(raw, n)


def parse_json(text: str, what: str, *, path: str | None, line: int | None, error: type[DataError] = DataError):
    """``text`` parsed as JSON; any failure (syntax, nesting, a huge number) is an ``error`` naming the place.

    >>> parse_json("[" * 100_000, "JSON", path="a.jsonl", line=2)
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: a.jsonl:2: invalid JSON: nested too deeply
    >>> parse_json('{"text": "x", "topics": "trade"\\n', "JSON", path="a.jsonl", line=3)
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: a.jsonl:3: invalid JSON: Expecting ',' delimiter (at the end of the text)
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        # a line as read ends in its newline, and json places an error there on a second line, column 1; the text
        # may also be a CSV cell, hence "the text", not "the line"
        where = "at the end of the text" if e.pos >= len(text.rstrip("\r\n")) else f"column {e.pos + 1}"
        raise error(f"invalid {what}: {e.msg} ({where})", path=path, line=line) from None
    except RecursionError:
        raise error(f"invalid {what}: nested too deeply", path=path, line=line) from None
    except ValueError as e:  # e.g. an integer of more digits than Python converts
        raise error(f"invalid {what}: {e}", path=path, line=line) from None


def json_row(line: bytes | str, n: int, name: str, error: type[DataError] = DataError, *,
             decode: Decoder | None = None) -> dict | None:
    """Line ``n`` of JSON Lines (as read, or decoded) as its object, None for a blank line: the one reading
    of a JSON line. orjson reads it where its value is the json module's (``jsonio.fast_loads``); anything
    else is decoded (by ``decode``, the :class:`Decoder` of the file's lines) and read by :func:`parse_json`, so
    errors are the same either way.

    >>> json_row(b'{"text": "Tariffs fell."}\\n', 4, "a.jsonl"), json_row(" \\n", 5, "a.jsonl")
    ({'text': 'Tariffs fell.'}, None)
    """
    return _row_of(line, fast_loads(line), n, decode or Decoder(name, error))


def _row_of(line: bytes | str, obj, n: int, decode: Decoder) -> dict | None:
    """:func:`json_row` of a line, given what ``fast_loads`` answered for it (so it is not asked twice)."""
    name, error = decode.name, decode.error
    if obj is NOT_TAKEN:
        if type(line) is not str:
            line = decode(line, n)
        if not line.strip():
            return None
        if n == 1 and line.strip() in ("[", "{"):
            raise error("a JSON document begins here, over many lines" + _NOT_LINES, path=name, line=n)
        obj = parse_json(line, "JSON", path=name, line=n, error=error)
    if type(obj) is not dict:
        raise error(f"expected a JSON object, got {type(obj).__name__}" + (_NOT_LINES if n == 1 and type(obj) is list
                                                                           else ""), path=name, line=n)
    return obj


# What a file of one JSON document (an export of an array of records, pretty-printed or not) is told: its first
# line was "invalid JSON: Expecting value", or "expected a JSON object, got list", and neither said what to do.
_NOT_LINES = ("; JSON Lines is read, one record a line, not one JSON document: write each record on a line of its "
              "own (an array of them: jq -c '.[]' FILE, or pandas' to_json(orient='records', lines=True))")


def parse_rows(lines: Iterator[tuple[int, str]], name: str, fmt: str, *, required: tuple[str, ...] = (),
               hint: str = "", error: type[DataError] = DataError,
               encoding: str | None = None) -> Iterator[tuple[int, dict]]:
    """The JSON Lines objects or CSV rows of numbered lines, each with its line number. JSON Lines may
    come as read (bytes, see :func:`raw_lines`, decoded as :class:`Decoder` decodes them in ``encoding``) or
    decoded; CSV comes decoded.

    CSV rows must have every ``required`` column; ``hint`` says how to choose another. Blank lines are skipped,
    before the header too, as in JSON Lines. Cells are separated by commas, or by ';' or tabs where the header
    holds no comma (:func:`csv_delimiter`).

    >>> list(parse_rows(iter([(1, 'id,text\\n'), (2, '7,"Tariffs fell."\\n')]), "a.csv", "csv"))
    [(2, {'id': '7', 'text': 'Tariffs fell.'})]
    >>> list(parse_rows(iter([(1, '\\n'), (2, 'id;text\\n'), (3, '7;Tariffs fell, at last.\\n')]), "a.csv", "csv"))
    [(3, {'id': '7', 'text': 'Tariffs fell, at last.'})]
    """
    if fmt == "jsonl":
        decode = Decoder(name, error, encoding)
        for n, line in lines:
            obj = fast_loads(line)
            if type(obj) is not dict:  # left to the json module, or no object: read it or say why
                obj = _row_of(line, obj, n, decode)
                if obj is None:
                    continue
            yield n, obj
        return
    lines = iter(lines)
    header_line = csv_header(lines)
    if header_line is None or not header_line[1].strip():
        raise error("the CSV file is empty; expected a header row" if header_line is None else
                    f"the CSV file holds only blank lines ({header_line[0]:,}); expected a header row", path=name, line=1)
    at, first = header_line
    delimiter = csv_delimiter(first)
    pending: list[tuple[int, str]] = []  # the lines of the row the CSV reader is in (bounded by CSV_FIELD_LIMIT)

    def feed() -> Iterator[str]:
        for n, line in chain([(at, first)], lines):
            pending.append((n, line))
            yield line

    # strict: text after a closing quote is an error, so a quote left open cannot silently swallow rows
    reader = csv.DictReader(feed(), delimiter=delimiter, strict=True)
    try:
        header = reader.fieldnames
        twice = sorted({c for c in header if header.count(c) > 1})
        if twice:
            raise error(f"the header names the column{'s' if len(twice) > 1 else ''} {', '.join(map(repr, twice))} twice",
                        path=name, line=at)
        read_as = "" if delimiter == "," else f"; read as {CSV_DELIMITERS[delimiter]}-separated"
        for column in required:
            if column not in header:
                raise error(f"no column {column!r} in the header (columns: {', '.join(header)}{read_as}){hint}",
                            path=name, line=at)
        pending.clear()
        warned = False
        for row in reader:
            # where the row starts (the lines before it that the reader passed over are blank), as README.md counts
            # positions: a row whose quoted cell holds line breaks was named by its last line (QA pass 7)
            n = next((k for k, line in pending if line.strip("\r\n")), pending[-1][0])
            if len(pending) > 1 and not warned:
                warned = _runaway_quote(pending, len(header), name, delimiter)
            pending.clear()
            if None in row:
                raise error("the row has more cells than the header", path=name, line=n)
            yield n, row
    except csv.Error as e:
        raise csv_error(str(e), pending, name, error, delimiter) from None


def csv_header(lines: Iterator[tuple[int, str]]) -> tuple[int, str] | None:
    """A CSV file's header line and its number, taken from its numbered ``lines``: the first that is not blank (the
    last when every line is blank; None when there is none). What a reader of the file's rows, or of a part of
    them, reads first.

    >>> lines = iter([(1, '\\n'), (2, ' \\r\\n'), (3, 'id,text\\n'), (4, '7,x\\n')])
    >>> csv_header(lines), next(lines)
    ((3, 'id,text\\n'), (4, '7,x\\n'))
    """
    last = None
    for last in lines:
        if last[1].strip():
            break
    return last


def csv_delimiter(header: str) -> str:
    """What separates the cells of a CSV file whose header line is ``header``: a comma, unless the header holds
    none and holds ';' or a tab (the more frequent of the two). Spreadsheets save CSV with ';' where a comma is the
    decimal mark (Spanish and most European locales), and a one-column header naming no ';' or tab keeps commas.

    >>> [csv_delimiter(h) for h in ("id,text\\n", "id;text\\n", "id\\ttext\\n", "text\\n", "id,text;topics\\n")]
    [',', ';', '\\t', ',', ',']
    """
    if "," in header:
        return ","
    other = max((d for d in CSV_DELIMITERS if d != ","), key=header.count)
    return other if other in header else ","


def csv_error(problem: str, row: list[tuple[int, str]], name: str, error: type[DataError] = DataError,
              delimiter: str = ",") -> DataError:
    """The error for the csv module's ``problem`` with a row whose numbered lines (so far) are ``row``, its cells
    separated by ``delimiter``. A problem with quoting is placed on the line where the quoted field opened, not
    where the reader gave up.

    >>> print(csv_error("unexpected end of data", [(4, 'x,"Tariffs fell,trade\\n'), (5, "y,Migrants crossed.\\n")], "a.csv"))
    a.csv:4: a quoted field opens here and is never closed: the file ends inside it (rows up to line 5 would be ...
    """
    opened, still_open = _last_quoted_field(row, delimiter)
    last = row[-1][0] if row else 1
    if problem.startswith("unexpected end of data") and still_open:
        runs = f" (rows up to line {last} would be read as part of it)" if last > opened else ""
        return error(f"a quoted field opens here and is never closed: the file ends inside it{runs}; close the quote, "
                     'and write a quote inside a field as two ("")', path=name, line=opened)
    if problem.endswith("expected after '\"'") and opened is not None:
        if last > opened:
            return error(f"the quoted field that opens here runs on to line {last}, where text follows a quote: is a "
                         'closing quote missing here? (write a quote inside a field as two (""))', path=name, line=opened)
        return error('text follows the quote that closes a quoted field; write a quote inside a field as two ("")',
                     path=name, line=opened)
    if problem.startswith("field larger than field limit"):
        return error(f"a field of over {CSV_FIELD_LIMIT:,} characters starts here: is a closing quote missing? "
                     "(longer texts go in a text file, one per file)", path=name, line=opened if still_open else last)
    return error(f"invalid CSV: {problem}", path=name, line=last)


def _runaway_quote(row: list[tuple[int, str]], width: int, name: str, delimiter: str = ",") -> bool:
    """Warn (and say so) when a quoted field of a row read over several lines holds, strictly inside it, a line
    that reads as a whole row of ``width`` cells: a quote left open whose field a later quote happens to close just before
    a comma is well-formed CSV, so those rows were read as its text, not as rows. Warned once per file.

    >>> _runaway_quote([(3, '"Coca crops grew,narcotics\\n'), (4, 'Tariffs fell,trade\\n'), (5, 'Pipes of 5",trade\\n')], 2, "a.csv")
    True
    >>> _runaway_quote([(3, '"A statement\\n'), (4, 'over lines\\n'), (5, 'and more",diplomacy\\n')], 2, "a.csv")
    False
    """
    opened, _ = _last_quoted_field(row, delimiter)
    if width < 2 or opened is None:
        return False
    # The lines strictly inside: the last one holds the field's end and the row's other cells.
    inside = [n for n, line in row[:-1] if n > opened and len(next(csv.reader([line], delimiter=delimiter), [])) == width]
    if not inside:
        return False
    logging.getLogger("topicslib").warning(
        "%s:%d: the quoted field that opens here runs on to line %d, and line %d inside it reads as a row of its own: "
        "if a closing quote is missing, the rows in between were read as this field's text (later such fields in "
        "this file are not reported)", name, opened, row[-1][0], inside[0])
    return True


def _last_quoted_field(row: list[tuple[int, str]], delimiter: str = ",") -> tuple[int | None, bool]:
    """The line where the last quoted field of a CSV row (its cells separated by ``delimiter``) opened (None if it
    has none), and whether it is still open at the end of ``row`` or where text follows its closing quote (where
    the strict csv reader stops).
    The csv module's rules: a quote opens a field only at the field's start; inside, two quotes are a quote
    and one closes the field.

    >>> _last_quoted_field([(2, 'a,"b ""c"" d",e\\n')]), _last_quoted_field([(2, 'a,"b\\n'), (3, 'c\\n')])
    ((2, False), (2, True))
    >>> _last_quoted_field([(2, 'a,"b\\n'), (3, 'c,"d",e\\n')])  # the quote before d closes b's field
    (2, False)
    """
    opened, still_open = None, False
    opening = _OPENING_QUOTES[delimiter]
    for n, line in row:
        pos = 0
        while m := (_QUOTES if still_open else opening).search(line, pos):
            pos = m.end()
            if not still_open:
                opened, still_open = n, True
                continue
            still_open = len(m.group()) % 2 == 0
            if not still_open and line[pos:pos + 1] not in (delimiter, "\r", "\n", ""):
                return opened, False
    return opened, still_open


def source_rows(source: Source, *, required: tuple[str, ...] = (), hint: str = "",
                error: type[DataError] = DataError, encoding: str | None = None) -> Iterator[tuple[int, dict]]:
    """The rows of a JSON Lines or CSV source (see :func:`parse_rows`; lines read as :class:`Decoder` reads them
    in ``encoding``), the file closed when done."""
    with open_source(source) as stream:
        yield from parse_rows(numbered_lines(stream, source.name, error=error, encoding=encoding), source.name,
                              source.format, required=required, hint=hint, error=error)


def text_of(fields: Mapping, column: str, name: str, line: int) -> str:
    """The text of a record's ``column`` field: a string, or ``""`` for null."""
    if column not in fields:
        raise DataError(f"no {column!r} field (choose the text field with --column)", path=name, line=line)
    text = fields[column]
    if text is None:
        return ""
    if not isinstance(text, str):
        raise DataError(f"{column!r} must be a string, got {type(text).__name__}", path=name, line=line)
    return text


def structured_records(lines: Iterator[tuple[int, str]], name: str, fmt: str, column: str,
                       encoding: str | None = None) -> Iterator[Record]:
    """A record for each JSON Lines object or CSV row, its text in ``column`` (JSON Lines as read decoded in
    ``encoding``: :func:`parse_rows`)."""
    rows = parse_rows(lines, name, fmt, required=(column,), hint="; choose the text column with --column",
                      encoding=encoding)
    for n, fields in rows:
        yield _record(fields, column, name, n)


def _record(fields: dict, column: str, name: str, n: int) -> Record:
    text = fields.get(column)
    if type(text) is not str:
        text = text_of(fields, column, name, n)
    where = f"{name}:{n}"
    return Record(text, fields, where, column, where, None, name, n)


def member_batches(blocks: Iterator[tuple[int, list[bytes]]], name: str, column: str, encoding: str | None = None,
                   size: int = 2048) -> Iterator[MemberBatch]:
    """:func:`structured_records` of JSON Lines as read (:func:`raw_blocks`) in :class:`MemberBatch` es of ``size``
    records (the last fewer), each line the compiled reader takes (``native.jsonl_reader``, a block at a time) as its
    text and its fields as JSON; any other line is read by :func:`json_row` (decoded in ``encoding``) into a
    :class:`Record`, as every line is without the extension (so its record, or its error, is the same)."""
    reader = native.jsonl_reader()
    decode = Decoder(name, encoding=encoding)
    batch = MemberBatch(name, [], [], [], {})
    for first, block in blocks:
        while block:
            # a block cut where the batch fills, so that batches hold ``size`` records as the command's others do
            part, block = block[:size - len(batch)], block[size - len(batch):]
            taken = reader(part, column)
            if None not in taken:  # as a JSON Lines file's lines nearly always are: all taken
                texts, members = zip(*taken)
                batch.texts += texts
                batch.members += members
                batch.lines += range(first, first + len(part))
            else:
                for n, raw, one in zip(count(first), part, taken):
                    if one is None:
                        fields = json_row(raw, n, name, decode=decode)
                        if fields is None:
                            continue
                        batch.records[len(batch.texts)] = record = _record(fields, column, name, n)
                        one = (record.text, None)
                    batch.texts.append(one[0])
                    batch.members.append(one[1])
                    batch.lines.append(n)
            first += len(part)
            if len(batch) >= size:
                yield batch
                batch = MemberBatch(name, [], [], [], {})
    if batch.texts:
        yield batch


def scoring_texts(records: list[Record] | MemberBatch) -> list[str]:
    """What the model reads of each record: a document's paragraph without its Markdown markup
    (``documents.plain_text``), any other record's text as it is. Outputs keep the original. (A batch at a time:
    the command's loop makes no call a record.)"""
    if isinstance(records, MemberBatch):  # never a document's paragraphs
        return records.texts
    return [r.text if r.paragraph is None else plain_text(r.text) for r in records]


def paragraph_records(record: Record, texts: Iterable[str], *, empty: bool = False) -> Iterator[Record]:
    """A record for each paragraph of ``record``, numbered from 0; with ``empty``, where it has none, one
    ``empty`` record in their place (:class:`Record`), so that the document is not lost without a trace.

    >>> [(r.text, r.paragraph, r.empty) for r in paragraph_records(Record("", {}, "a.txt"), [], empty=True)]
    [('', None, True)]
    """
    i = -1
    for i, text in enumerate(texts):
        yield Record(text, record.fields, record.where, record.text_field, record.document, i, record.source, record.line)
    if i < 0 and empty:
        yield Record("", record.fields, record.where, record.text_field, record.document, None, record.source,
                     record.line, empty=True)


def text_records(lines: Iterator[tuple[int, str]], name: str, document: bool, empty: bool = False) -> Iterator[Record]:
    """A text file as one record, or with ``document`` as one record per paragraph, read line by line (so
    a huge file, with or without blank lines, is never in memory whole: only the paragraph being read); with
    ``empty`` too, a file of no paragraph gives an ``empty`` record (:func:`paragraph_records`)."""
    if document:
        paragraphs = iter_paragraphs(document_lines(line for _, line in lines))
        yield from paragraph_records(Record("", {"text": ""}, name, "text", name, source=name), paragraphs,
                                     empty=empty)
        return
    text = "".join(line for _, line in lines)
    yield Record(text, {"text": text}, name, "text", name, source=name)


def read_records(
    sources: Iterable[Source],
    *,
    texts: Iterable[str] = (),
    document: bool = False,
    column: str = "text",
    on_bytes: Callable[[int], None] = lambda n: None,
    members: bool = False,
    empty: bool = False,
    encoding: str | None = None,
    batch: int = 2048,
) -> Iterator[Record | MemberBatch]:
    """Stream the records to classify: each ``--text``, then each source in order.

    Text files are one record each, JSON Lines and CSV one per line or row; with ``document``
    every text is split into paragraphs, one record each (and with ``empty`` a text of none gives an ``empty``
    record in their place: :func:`paragraph_records`). Files are read as :class:`Decoder` reads them, in
    ``encoding`` if named. ``on_bytes`` hears how much was read.
    With ``members`` (and without ``document``), a JSON Lines file's records come as :class:`MemberBatch` es of
    ``batch`` records (:func:`member_batches`), for :func:`output_lines` alone to write.

    >>> [r.text for r in read_records([], texts=["Trade rose.\\n\\nMigrants crossed."], document=True)]
    ['Trade rose.', 'Migrants crossed.']
    """
    for i, text in enumerate(texts, 1):
        record = Record(text, {"text": text}, "", "text", f"<text {i}>")
        yield from paragraph_records(record, split_paragraphs(text), empty=empty) if document else (record,)
    for source in sources:
        with open_source(source) as stream:
            if members and not document and source.format == "jsonl" and native.jsonl_reader() is not None \
                    and _plain_name(source.name):
                yield from member_batches(raw_blocks(stream, on_bytes), source.name, column, encoding, batch)
                continue
            lines = raw_lines(stream, on_bytes)
            if source.format != "jsonl":  # JSON Lines are decoded by json_row, only where orjson does not read them
                decode = Decoder(source.name, encoding=encoding)
                lines = ((n, decode(raw, n)) for n, raw in lines)
            if source.format == "text":
                yield from text_records(lines, source.name, document, empty)
                continue
            records = structured_records(lines, source.name, source.format, column, encoding)
            if not document:
                yield from records
                continue
            for record in records:
                yield from paragraph_records(record, split_paragraphs(record.text), empty=empty)


def output_records(records: list[Record], topic_lists: list[list[TopicScore]],
                   evidence: list[dict[str, list[str]]] | None = None) -> list[dict]:
    """Each record's output: the input's fields with the (paragraph) text in place; where it was read from
    (``source`` file and ``line``, unless the input has fields of those names); ``paragraph`` with --document;
    the text's ``lang`` (``language.detect_many``) and ``topics``, scores as outputs print them, and with
    ``evidence`` (each record's terms by topic) each topic's ``evidence``.

    >>> record = Record("Tariffs fell in May.", {"id": 7, "text": "x"}, "a.jsonl:1", source="a.jsonl", line=1)
    >>> output_records([record], [[TopicScore("trade", 0.91234)]])
    [{'id': 7, 'text': 'Tariffs fell in May.', 'source': 'a.jsonl', 'line': 1, 'lang': 'en', 'topics': [{'topic': 'trade', 'score': 0.9123}]}]
    >>> output_records([record], [[TopicScore("trade", 0.91234)]], [{"trade": ["tariffs"]}])[0]["topics"]
    [{'topic': 'trade', 'score': 0.9123, 'evidence': ['tariffs']}]
    """
    scores = iter(printed_scores([s for topics in topic_lists for _, s in topics]))
    if evidence is None:
        entries = ([{"topic": t, "score": next(scores)} for t, _ in topics] for topics in topic_lists)
    else:
        entries = ([{"topic": t, "score": next(scores), "evidence": terms.get(t, [])} for t, _ in topics]
                   for topics, terms in zip(topic_lists, evidence))
    return [_output_record(record, topics, lang)
            for record, topics, lang in zip(records, entries, detect_many([r.text for r in records]))]


def _plain_name(name: str) -> bool:
    """Whether a source's name is written in UTF-8 as it is (a file name of undecodable bytes holds lone surrogates,
    which output encodes by its error handler): the names :func:`output_lines` writes itself."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@functools.lru_cache(maxsize=1024)
def _json_string(value: str) -> bytes:
    """A string as compact JSON in UTF-8 (a source's name): what ``jsonio.encode`` writes for it."""
    return encode(value).encode("utf-8")


@functools.lru_cache(maxsize=1024)
def _topic_entry(topic: str) -> bytes:
    """How a topic's entry in the output starts, up to its score: ``{"topic":"trade","score":``."""
    return b'{"topic":%s,"score":' % _json_string(topic)


def outputs_alike(records: list[Record], topic_lists: list[list[TopicScore]]) -> list[bool]:
    """For each record, whether orjson writes its output (:func:`output_records`) as the json module does
    (``jsonio.written_alike``): its input's fields are looked through, and its scores are printed scores, finite
    numbers of four decimals, unless one given is NaN or infinite (a model gives none), which orjson writes as
    null where the json module writes NaN or Infinity: then none of the batch is.

    >>> record = Record("Tariffs fell.", {"id": 7}, "a.jsonl:1")
    >>> outputs_alike([record], [[TopicScore("trade", 0.9)]]), outputs_alike([record], [[TopicScore("trade", math.nan)]])
    ([True], [False])
    """
    # one sum for the batch, not a test a score: scores of at most 1 cannot add up to infinity, NaN and infinity can
    if not math.isfinite(sum([s for topics in topic_lists for _, s in topics])):
        return [False] * len(records)
    return [written_alike(r.fields) for r in records]


def output_lines(records: list[Record] | MemberBatch, topic_lists: list[list[TopicScore]], errors: str = "strict",
                 evidence: list[dict[str, list[str]]] | None = None) -> bytes:
    """:func:`output_records` as JSON Lines in UTF-8 (``jsonio.encode_lines_utf8``, a lone surrogate encoded with
    ``errors``): the same bytes, but a :class:`MemberBatch` (given no ``evidence``: ``read_records`` makes none
    then) has the records that carry their fields as JSON written in compiled code (``native.jsonl_writer``) by
    adding the output's members to them, with no dict made and nothing encoded again.

    >>> batch = MemberBatch("a.jsonl", ["The tariffs fell."], [b'"id":7,"text":"The tariffs fell."'], [1], {})
    >>> output_lines(batch, [[TopicScore("trade", 0.91234)]])
    b'{"id":7,"text":"The tariffs fell.","source":"a.jsonl","line":1,"lang":"en","topics":[{"topic":"trade","score":0.9123}]}\\n'
    """
    if not isinstance(records, MemberBatch):
        return encode_lines_utf8(output_records(records, topic_lists, evidence), outputs_alike(records, topic_lists),
                                 errors)
    batch = records
    members, texts, lines, fast_topics = batch.members, batch.texts, batch.lines, topic_lists
    if batch.records:  # the lines the compiled reader left
        fast = [i for i, m in enumerate(members) if m is not None]
        members, texts, lines = [members[i] for i in fast], [texts[i] for i in fast], [lines[i] for i in fast]
        fast_topics = [topic_lists[i] for i in fast]
    names = sorted({topic for topics in fast_topics for topic, _ in topics})
    column = {name: j for j, name in enumerate(names)}
    langs = detect_many(texts)
    data = native.jsonl_writer()(
        members, [batch.source] * len(members), lines, langs,
        {name: _json_string(name) for name in {batch.source, *langs}}, list(map(len, fast_topics)),
        [column[topic] for topics in fast_topics for topic, _ in topics],
        printed_scores([s for topics in fast_topics for _, s in topics]), [_topic_entry(name) for name in names])
    if not batch.records:
        return data
    # the lines the compiled reader left, written as without it, in their places (a compact JSON line holds no
    # line break)
    general = iter(output_lines(list(batch.records.values()), [topic_lists[i] for i in batch.records],
                                errors).split(b"\n"))
    written = iter(data.split(b"\n"))
    return b"\n".join([next(written) if m is not None else next(general) for m in batch.members] + [b""])


def where_read(record: Record, fields: Mapping) -> dict:
    """Where ``record`` was read from, as outputs write it beside its ``fields``: its ``source`` file and ``line``,
    each unless ``fields`` has a field of that name (the input's own wins), and the number of its ``paragraph`` in
    its document where it was split into paragraphs (``document``; that number replaces an input's own).

    >>> where_read(Record("Tariffs fell.", {"id": 7}, "a.jsonl:1", source="a.jsonl", line=1), {"id": 7})
    {'source': 'a.jsonl', 'line': 1}
    >>> where_read(Record("Tariffs fell.", {"source": "reuters"}, "a.txt", source="a.txt"), {"source": "reuters"})
    {}
    >>> where_read(Record("Tariffs fell.", {}, "a.txt", source="a.txt", paragraph=2), {"paragraph": "iii"})
    {'source': 'a.txt', 'paragraph': 2}
    """
    where = {}
    if record.source and "source" not in fields:
        where["source"] = record.source
    if record.line is not None and "line" not in fields:
        where["line"] = record.line
    if record.paragraph is not None:
        where["paragraph"] = record.paragraph
    return where


def _output_record(record: Record, topics: list[dict], lang: str) -> dict:
    fields = record.fields
    # the fields the output writes anew; an input's own `paragraph` stays unless --document numbers paragraphs
    written = ("topics", "lang") if record.paragraph is None else ("topics", "lang", "paragraph")
    if any(name in fields for name in written):
        out = {k: v for k, v in fields.items() if k not in written}
    else:
        out = fields.copy()
    out[record.text_field] = record.text
    out.update(where_read(record, out))
    out["lang"] = lang
    out["topics"] = topics
    return out
