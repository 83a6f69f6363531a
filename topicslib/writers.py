"""Writers of classified records: JSON Lines, CSV, or an aligned table for a person; and a CSV line or an
aligned table of any rows (:func:`csv_line`, :func:`table_text`), which other commands' outputs are made of.

Each writer takes ``(record, topics)`` pairs one at a time (``write``) or a batch at a time
(``write_many``, which may also take each record's evidence: its terms by topic), so results stream to their
output whatever the size of the input; :func:`output_format` picks one from the command line.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from typing import IO

from .documents import CELL_SEPARATOR, SCORE_DIGITS, Paragraph, TopicScore, aggregate
from .progress import terminal_width
from .jsonio import encode, encode_lines
from .records import MemberBatch, Record, output_lines, output_records, outputs_alike


class JsonlWriter:
    """One JSON object a line: :func:`output_records`, compact JSON (``jsonio.encode``).

    ``binary``, if given, is the byte stream under ``out``, to which UTF-8 lines may go straight (saving a
    decode and an encode a line) because that writes what ``out`` would: ``out`` encodes UTF-8 and
    translates no line ends. Lone surrogates are encoded with ``out``'s error handler either way.
    """

    def __init__(self, out: IO[str], *, binary: IO[bytes] | None = None):
        self.out, self.binary = out, binary

    def write(self, record: Record, topics: list[TopicScore]) -> None:
        self.write_many([record], [topics])

    def write_many(self, records: list[Record] | MemberBatch, topic_lists: list[list[TopicScore]],
                   evidence: list[dict[str, list[str]]] | None = None) -> None:
        """Records (a :class:`records.MemberBatch` with ``binary`` alone) and their topics, in one write. An output record holds its input's values and ones that
        orjson writes as the json module does, so only the input's are looked through (``records.outputs_alike``)."""
        if self.binary is None:
            alike = outputs_alike(records, topic_lists)
            self.out.write(encode_lines(output_records(records, topic_lists, evidence), alike))
            return
        data = output_lines(records, topic_lists, self.out.errors or "strict", evidence)
        self.out.flush()  # anything written as text goes first
        self.binary.write(data)

    def close(self) -> None:
        pass


# A cell is quoted when it holds a comma, a quote or a line end: a carriage return too, which the csv module's
# writer leaves bare when lines end in "\n", though every CSV reader (its own among them) ends a row there.
_NEEDS_QUOTES = re.compile('[",\r\n]').search


def csv_cells(cells: Iterable[str]) -> str:
    """Cells of a CSV row, joined: quoted where a cell needs it, its quotes doubled.

    >>> csv_cells(["7", 'He said "no", twice', "a\\rb", ""])
    '7,"He said ""no"", twice","a\\rb",'
    """
    return ",".join(['"' + c.replace('"', '""') + '"' if _NEEDS_QUOTES(c) else c for c in cells])


def csv_line(cells: Iterable[str]) -> str:
    """One CSV row of two or more cells (:func:`csv_cells`), ending in a newline.

    >>> csv_line(["period", "topic"])
    'period,topic\\n'
    """
    return csv_cells(cells) + "\n"


# The most characters a table's cell shows: a longer value (a URL, a title) keeps its start, cut with "…".
_CELL_WIDTH = 40


def table_text(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A plain-text table for a person: a line of ``columns``, then one a row, two spaces between cells and each
    column as wide as its widest cell; a column of numbers right-aligned (fractions to three decimals), any other
    left-aligned. A cell without a value is ``-`` for None (a figure that is undefined) and blank for ``""`` (one
    that does not apply); neither keeps a column of numbers from being one (a column of them alone is one too).
    Every cell is on one line, its whitespace runs (line ends, tabs) one space, and cut to
    40 columns (:data:`_CELL_WIDTH`), so a value cannot break a row or push the rest off the screen. Widths are a
    terminal's columns (:func:`display_width`): accents written as combining marks take none, CJK and emoji two. Every line
    ends in a newline; without rows, the column names alone.

    >>> print(table_text(["topic", "paragraphs", "share"], [["trade", 12, 0.5], ["migration", 3, None],
    ...                                                      ["all", "", 0.125]]), end="")
    topic      paragraphs  share
    trade              12  0.500
    migration           3      -
    all                    0.125
    >>> print(table_text(["source", "paragraphs"], [["  Wire\\nnews ", 2], ["https://example.org/" + "x" * 40, 1]]), end="")
    source                                    paragraphs
    Wire news                                          2
    https://example.org/xxxxxxxxxxxxxxxxxxx…           1
    """
    cells = [list(map(_table_cell, columns))] + [list(map(_table_cell, row)) for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(columns))]
    right = [all(_is_number(v) or v is None or v == "" for v in column) for column in zip(*rows)] if rows \
        else [False] * len(columns)
    return "".join("  ".join(padded(c, w, r) for c, w, r in zip(row, widths, right)).rstrip() + "\n"
                   for row in cells)


def display_width(text: str) -> int:
    """How many columns of a terminal ``text`` takes: a combining mark (the accent of a decomposed "é") or an
    invisible format character (a zero-width joiner) none, a wide character (CJK, most emoji) two, any other one.
    Tables are lined up by it, not by the number of characters, which put a cell holding such characters out of line.

    >>> [display_width(t) for t in ("Bogota", "Bogote\u0301", "北京", "🌎 ok")]
    [6, 6, 4, 5]
    """
    return sum(0 if unicodedata.combining(c) or unicodedata.category(c) in ("Mn", "Me", "Cf")
               else 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


def padded(cell: str, width: int, right: bool = False) -> str:
    """``cell`` padded with spaces to ``width`` columns of a terminal (:func:`display_width`), at its left if ``right``.

    >>> padded("北京", 6) + "|", padded("7", 3, right=True)
    ('北京  |', '  7')
    """
    pad = " " * (width - display_width(cell))
    return pad + cell if right else cell + pad


def _table_cell(value: object) -> str:
    """``value`` as a cell of :func:`table_text`: cut to :data:`_CELL_WIDTH` columns of a terminal."""
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}"
    return cut_to_width(" ".join(str(value).split()), _CELL_WIDTH)


def cut_to_width(text: str, columns: int) -> str:
    """``text`` as it fits in ``columns`` columns of a terminal (:func:`display_width`): whole, or its start and "…".

    >>> cut_to_width("Bogotá", 6), cut_to_width("Bogotá, Colombia", 8), cut_to_width("北京日报", 5)
    ('Bogotá', 'Bogotá,…', '北京…')
    """
    if display_width(text) <= columns:
        return text
    cut, used = [], 0
    for c in text:
        used += display_width(c)
        if used > columns - 1:
            break
        cut.append(c)
    return "".join(cut) + "…"


def wrap_to_width(text: str, columns: int) -> list[str]:
    """``text`` in lines of at most ``columns`` columns of a terminal (:func:`display_width`), broken at spaces
    (each run of white space one space); a word wider than a line (a run of CJK, which has no spaces) is broken
    between its characters, never between a letter and its combining accent, nor within a wide character unless a
    line is narrower than it. Wrapping by characters (``textwrap``) gave a line of CJK or emoji twice the columns,
    which the terminal broke again, and a decomposed "é" a column too few.

    >>> wrap_to_width("北京日报北京", 5), wrap_to_width("🌎 🌎 🌎", 5)
    (['北京', '日报', '北京'], ['🌎 🌎', '🌎'])
    >>> wrap_to_width("Cafe\u0301 con leche", 8) == ["Cafe\u0301 con", "leche"]  # "é" as "e" and its accent
    True
    """
    lines: list[str] = []
    line, used = "", 0
    for word in text.split():
        width = display_width(word)
        if line and used + 1 + width <= columns:
            line, used = f"{line} {word}", used + 1 + width
            continue
        if line:
            lines.append(line)
        while width > columns:  # broken where the next character would not fit, its marks kept with it
            cut, taken = 0, 0
            for k, c in enumerate(word):
                w = display_width(c)
                if w and taken + w > columns and taken:
                    break
                cut, taken = k + 1, taken + w
            lines.append(word[:cut])
            word = word[cut:]
            width = display_width(word)
        line, used = word, width
    if line:
        lines.append(line)
    return lines


def _is_number(value: object) -> bool:
    """Whether a table's cell holds a number (True and False are no numbers there)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _cell(value) -> str:
    """A field's value as a CSV cell: a string as it is, nothing for null, anything else as JSON (``jsonio.encode``)."""
    return value if type(value) is str else "" if value is None else encode(value)


# Rows whose lengths are read back at a time when rows written before a new field are given their empty cells.
_SIZES_AT_ONCE = 1 << 16


class CsvWriter:
    """Every field any record has, in order of first appearance, with ``topics`` and ``scores`` last (and
    ``evidence`` after them when given: each topic's terms joined by ``|``, topics separated by ``;``).

    ``topics`` and ``scores`` are ``;``-separated, so the file reads back as examples; values that
    are not strings (JSON input) are written as JSON (``jsonio.encode``). Rows wait in a temporary file
    (not in memory) until the last record has shown every field, each written as CSV with the fields known
    then, and its length in a second temporary file: that of its cells of fields, then that of the rest. At the
    end the header goes out, then the rows written before the last new field, each given the empty cells it
    lacks where its cells of fields end (found by those lengths: no row is parsed again, however long its
    cells), then the others as they are.
    """

    def __init__(self, out: IO[str]):
        self.out = out
        self.fields: dict[str, None] = {}
        # newline="": a row is written and read back as it is (a cell may hold a carriage return)
        self.rows = tempfile.TemporaryFile("w+", encoding="utf-8", errors="surrogatepass", newline="")
        self.sizes = tempfile.TemporaryFile("w+b")  # characters of each row's cells of fields, then of the rest
        self.stretches: list[list[int]] = []  # [fields known, rows] of each run of rows written with the same fields
        self.evidence = False  # whether the rows carry an evidence cell

    def write(self, record: Record, topics: list[TopicScore]) -> None:
        self.write_many([record], [topics])

    def write_many(self, records: list[Record], topic_lists: list[list[TopicScore]],
                   evidence: list[dict[str, list[str]]] | None = None) -> None:
        parts, sizes = [], array("q")
        self.evidence = evidence is not None
        for row in output_records(records, topic_lists, evidence):
            topics = row.pop("topics")
            row.pop("scores", None)  # an input's own "scores" gives way to the model's, in the same column
            if self.evidence:
                row.pop("evidence", None)  # and its own "evidence" to the model's, where that is given
            self.fields.update(dict.fromkeys(row))
            if not self.stretches or self.stretches[-1][0] != len(self.fields):
                self.stretches.append([len(self.fields), 0])
            self.stretches[-1][1] += 1
            cells = csv_cells(map(_cell, map(row.get, self.fields)))
            rest = "," + csv_line([CELL_SEPARATOR.join([t["topic"] for t in topics]),
                                   CELL_SEPARATOR.join([f"{t['score']:.{SCORE_DIGITS}f}" for t in topics]),
                                   *([CELL_SEPARATOR.join(["|".join(t["evidence"]) for t in topics])] if self.evidence else [])])
            parts += cells, rest
            sizes += array("q", (len(cells), len(rest)))
        self.rows.write("".join(parts))
        sizes.tofile(self.sizes)

    def close(self) -> None:
        self.out.write(csv_line([*self.fields, "topics", "scores", *(["evidence"] if self.evidence else [])]))
        self.rows.seek(0)
        self.sizes.seek(0)
        total = len(self.fields)
        for known, count in self.stretches[:-1]:  # rows from before the last new field: the cells they lack are empty
            missing = "," * (total - known)
            for start in range(0, count, _SIZES_AT_ONCE):
                sizes = array("q")
                sizes.fromfile(self.sizes, 2 * min(_SIZES_AT_ONCE, count - start))
                for cells, rest in zip(sizes[::2], sizes[1::2]):
                    self.out.write(self.rows.read(cells) + missing + self.rows.read(rest))
        shutil.copyfileobj(self.rows, self.out)
        self.rows.close()
        self.sizes.close()


# The tags column of a table is this wide, or as wide as a batch's longest tags up to the second figure.
_TAGS_WIDTH, _WIDEST_TAGS = 34, 52


class TableWriter:
    """Aligned text for a person: one row per record, or per paragraph with a summary per document."""

    def __init__(self, out: IO[str]):
        self.out = out
        self.width = terminal_width(out, 100) if out.isatty() else 100
        self.document: str | None = None
        self.paragraphs: list[Paragraph] = []
        # Widths of the place and tags columns, set by each batch: "a.csv:9" above "a.csv:10", or tags longer than
        # the usual column, pushed the text of their row out of line (QA pass 7).
        self.where_width, self.tags_width = 0, _TAGS_WIDTH

    @staticmethod
    def tags(topics: list[TopicScore]) -> str:
        return ", ".join(f"{t} {s:.2f}" for t, s in topics) or "-"

    def snippet(self, text: str, room: int) -> str:
        text = " ".join(text.split())
        room = max(20, room)
        return cut_to_width(text, room)

    def write_many(self, records: list[Record], topic_lists: list[list[TopicScore]],
                   evidence: list[dict[str, list[str]]] | None = None) -> None:
        self.where_width = max((len(r.where) for r in records if r.paragraph is None and r.where), default=0)
        self.tags_width = min(_WIDEST_TAGS, max([_TAGS_WIDTH, *(len(self.tags(t)) for t in topic_lists)]))
        for record, topics, terms in zip(records, topic_lists, evidence or [None] * len(records)):
            self.write(record, topics, terms)

    def write(self, record: Record, topics: list[TopicScore], evidence: dict[str, list[str]] | None = None) -> None:
        self._row(record, topics)
        if evidence and topics:  # each topic's terms, on a line of their own under the record's
            terms = "; ".join(f"{t}: {', '.join(evidence.get(t, [])) or '-'}" for t, _ in topics)
            self.out.write(f"      evidence: {self.snippet(terms, self.width - 16)}\n")

    def _row(self, record: Record, topics: list[TopicScore]) -> None:
        if record.empty:  # a document of no paragraph: its header, so that it is seen to have been read
            self._summary()
            self.document = None
            self.out.write(f"== {record.document}\n   0 paragraphs: no text\n\n")
            return
        if record.paragraph is None:
            where = f"{record.where:<{self.where_width}}  " if record.where else ""
            row = f"{where}{self.tags(topics):<{self.tags_width}}  "
            self.out.write(row + self.snippet(record.text, self.width - len(row)) + "\n")
            return
        if record.document != self.document:
            self._summary()
            self.document = record.document
            self.out.write(f"== {record.document}\n")
        # The summary needs only each paragraph's topics, so the text is not kept.
        self.paragraphs.append(Paragraph(record.paragraph, "", topics))
        row = f"[{record.paragraph:>3}] {self.tags(topics):<{self.tags_width}}  "
        self.out.write(row + self.snippet(record.text, self.width - len(row)) + "\n")

    def _summary(self) -> None:
        if self.document is None:
            return
        tops = aggregate(self.paragraphs)
        shares = ", ".join(f"{d.topic} {d.paragraphs} ({d.share:.0%})" for d in tops) or "no topic"
        n = len(self.paragraphs)
        self.out.write(f"   {n} paragraph{'s' if n != 1 else ''}: {shares}\n\n")
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
