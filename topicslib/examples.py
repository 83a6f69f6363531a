"""Labeled examples: reading them (JSON Lines or CSV files, folders of them, or records in memory)
and the label matrices, counts and checks that training and evaluation take from them.

Each example is a paragraph and its topics: ``{"text": "...", "topics": ["trade"]}``
(other keys are ignored). Files are parsed by ``records.py``, the reader every command
shares; every problem is reported with the file and line it comes from, so a user can
fix the file without guessing.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from numbers import Number
from pathlib import Path

import numpy as np

from .documents import CELL_SEPARATOR
from .errors import DataError, ExampleError, InputError, TrainingError, in_short, place
from .files import find_files
from .records import CSV_SUFFIXES, JSONL_SUFFIXES, Source, format_of, parse_json, source_rows, stdin_format
from .scoring import is_missing, refuse_table
from .taxonomy import Taxonomy, is_label

# What example files are, named or found in a folder alike (also gzip, bz2 or xz compressed): JSON Lines and CSV,
# by the suffixes every command reads them by. Not .json: in a folder one is as often a taxonomy, a model card or a
# JSON array export as JSON Lines, and a rule for a file named alone that differed from a folder's surprised.
_FORMATS = {"jsonl": JSONL_SUFFIXES, "csv": CSV_SUFFIXES}
EXAMPLE_SUFFIXES = (*JSONL_SUFFIXES, *CSV_SUFFIXES)
# The field of a ``label`` answer that lists the topics it was asked about (the taxonomy's at the time): a topic
# added since was never asked, so the answer's lack of it says nothing (``label --revisit`` asks it)
ASKED = "asked"


@dataclass(frozen=True, slots=True)  # slots: a file of millions of examples holds millions of these
class Example:
    """One labeled paragraph and where it came from.

    >>> Example("Tariffs rose.", ("trade",)).topics
    ('trade',)
    """

    text: str
    topics: tuple[str, ...]
    path: str | None = None
    line: int | None = None
    group: object = None  # the value of the field the examples were read grouped by (``read_examples(by=...)``)
    # several topics only as copies given one each were merged (merge_duplicates): a codebook's disagreeing coders,
    # which do not make the data multi-label
    merged: bool = False
    # the topics ``label`` asked it about (its answer's "asked" field); None, as for any example written otherwise:
    # asked about every topic, its topics all it has
    asked: tuple[str, ...] | None = None

    @property
    def where(self) -> str:
        """Its file and line, or for an example given in memory its position (``errors.place``)."""
        return place(self.path, self.line, "example")


def topics_of(value: object, *, path: str | None = None, line: int | None = None, field: str = "topics",
              expected: str = "a list of topic ids", error: type[DataError] = ExampleError) -> tuple[str, ...]:
    """A record's topics (the value of its ``field``, a list of topic ids) as a tuple, checked, repeats dropped.
    The one check of a record's topics: training examples and tagged records (``trends``) alike; anything else
    is an ``error`` (an :class:`ExampleError` for an example) saying what was found and that ``expected`` was.
    A list of ``{"topic": ...}`` objects, as ``classify`` and ``suggest`` write them in JSON Lines, gives their
    ``topic`` (a score beside it is not read): suggest's picks, corrected, are examples as they stand.

    >>> topics_of([" trade", "climate", "trade"])
    ('trade', 'climate')
    >>> topics_of([{"topic": "trade", "score": 0.95}, "climate"])
    ('trade', 'climate')
    >>> topics_of(["trade", None], path="a.jsonl", line=4)
    Traceback (most recent call last):
    ...
    topicslib.errors.ExampleError: a.jsonl:4: 'topics' must be a list of topic ids, got ['trade', None]

    Numbers (class indices, codes read as integers) get advice on mapping them to ids:

    >>> topics_of([3], path="a.jsonl", line=4)
    Traceback (most recent call last):
    ...
    topicslib.errors.ExampleError: a.jsonl:4: 'topics' must be a list of topic ids, got [3]: topics are named by their ids, strings such as "trade", not by numbers; write each topic's id in place of its number
    """
    if isinstance(value, (list, tuple)) and not all(isinstance(t, str) for t in value):
        value = [t["topic"] if isinstance(t, Mapping) and isinstance(t.get("topic"), str) else t for t in value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) for t in value):
        if is_missing(value):  # a gap in a DataFrame's column: no number to map to an id, as the advice below says
            raise error(f"{field!r} must be {expected}, got {value!r}, a missing value; give [] for a paragraph of no "
                        "topic", path=path, line=line)
        items = value if isinstance(value, (list, tuple, np.ndarray)) else [value]
        numbers = any(isinstance(t, Number) for t in items)  # numpy's integers and floats are Numbers too
        # a row of a 0/1 indicator matrix, scikit-learn's multi-label y (MultiLabelBinarizer's), is no list of numbers
        row = path is None and len(items) > 1 and all(isinstance(t, Number) and t in (0, 1) for t in items)
        advice = _INDICATORS_ADVICE if row else _NUMBERS_ADVICE[path is None] if numbers else ""
        raise error(f"{field!r} must be {expected}, got {value!r}" + advice, path=path, line=line)
    known = _checked.get(tuple(value))
    if known is not None:
        return known
    cleaned = [t.strip() for t in value]
    if any(not t for t in cleaned):
        raise error(f"{field!r} holds an empty topic id", path=path, line=line)
    for t in cleaned:
        if not is_label(t):  # it would end up in the model file, which must load again
            raise error(f"{field!r} holds a malformed topic id {t!r} (control or invisible characters)", path=path, line=line)
    topics = tuple(dict.fromkeys(cleaned))  # drop repeats, keep order
    if len(_checked) >= _CHECKED_LIMIT:
        _checked.clear()  # start again rather than stop sharing: a long-lived process meets many label sets
    _checked[tuple(value)] = topics
    return topics


# What an error about topics given as numbers adds, for a file and for records in memory: a y of class indices
# (scikit-learn's usual labels) or a column of numeric codes is a common first try, and the bare "must be a list
# of topic ids, got [3]" did not say what to do.
_NUMBERS = 'topics are named by their ids, strings such as "trade", not by numbers'
_NUMBERS_ADVICE = (f": {_NUMBERS}; write each topic's id in place of its number",
                   f": {_NUMBERS}; map each number to its id first, e.g. [ids[n] for n in labels] with ids the topic "
                   "ids in the order of your numbers")
_INDICATORS_ADVICE = (f": {_NUMBERS}; for a 0/1 indicator matrix Y, give each text's topic ids: "
                      "MultiLabelBinarizer's inverse_transform(Y), or [[ids[j] for j in np.flatnonzero(row)] for row in Y] "
                      "with ids the topic ids of its columns")


# Topic lists as given -> as checked: the millions of examples of a large file share a few hundred label sets,
# which are checked once and held once (a tuple and its ids for each set, not for each example). Bounded: when
# full it is emptied, so the label sets of earlier reads (or of a file with thousands of them) cannot leave the
# next examples each holding a copy of their own.
_checked: dict[tuple[str, ...], tuple[str, ...]] = {}
_CHECKED_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Fields:
    """Where a record (a JSON Lines object, a CSV row, a mapping) holds an example's text and its topics.

    >>> Fields(topics="label").topics
    'label'
    """

    text: str = "text"
    topics: str = "topics"


FIELDS = Fields()


def _example(record: object, *, path: str | None, line: int | None, by: str | None = None,
             fields: Fields = FIELDS) -> Example:
    if isinstance(record, Example):
        return record
    if not isinstance(record, Mapping):
        raise ExampleError(f"expected an object with {fields.text!r} and {fields.topics!r}, got {type(record).__name__}",
                           path=path, line=line)
    if fields.text not in record:
        raise ExampleError(f"missing {fields.text!r}" + _field_hint(record, fields), path=path, line=line)
    text = record[fields.text]
    if not isinstance(text, str):
        raise ExampleError(f"{fields.text!r} must be a string, got {type(text).__name__}"
                           + (f" {text}, a missing value" if is_missing(text) else ""), path=path, line=line)
    if not text.strip():
        raise ExampleError(f"{fields.text!r} is empty", path=path, line=line)
    if fields.topics not in record:
        raise ExampleError(f"missing {fields.topics!r} (use [] for a paragraph with no topic)" + _field_hint(record, fields),
                           path=path, line=line)
    topics = topics_of(record[fields.topics], path=path, line=line, field=fields.topics)
    asked = record.get(ASKED)
    if asked is not None:
        asked = topics_of(asked, path=path, line=line, field=ASKED)
    return Example(text, topics, path, line, record.get(by) if by else None, asked=asked)


def _field_hint(record: Mapping, fields: Fields) -> str:
    """What to say beside a missing field: the record's own fields, and the options that choose others."""
    names = ", ".join(map(str, list(record)[:12])) + (", ..." if len(record) > 12 else "")
    return f"; the record has {names} (choose the fields with --column and --topics-column)"


# What separates the topic ids of a cell, in the order one is looked for: classify's own first.
_SEPARATORS = (CELL_SEPARATOR, "|", ",")


def split_topics_cell(cell: str, separator: tuple[str, int] | None = None, *, path: str | None = None,
                      line: int | None = None,
                      error: type[DataError] = ExampleError) -> tuple[object, tuple[str, int] | None]:
    """A ``topics`` cell read (a CSV cell, or a string where a list of topics is taken): a JSON list as its
    value, or ids separated by ``;``, ``|`` or ``,`` as a list (an empty cell: none), and the separator used.
    The one reader of such a cell: examples (``read_examples``) and tagged records (``trends``) alike.

    ``,`` separates ids, which are single words (``trade``, ``human_rights``, ``comp.graphics``): a cell whose
    only separator is ``,`` and whose parts hold several words is one topic's name, kept whole, as a codebook
    names its codes ("Law, Crime, and Family Issues"). Names of several words are listed with ``;`` or ``|``.

    ``separator`` is the one a file's earlier cells used (with the line it was first seen), for the file's
    reader to pass from cell to cell: a file uses one, so ``migration, inc`` means the same in every row, and a
    cell holding only another is an ``error``; so do records in memory, their lines being their positions.
    Without it the cell's own first separator is taken. An unreadable JSON list is an ``error`` too.

    >>> split_topics_cell("trade; migration", None, path="a.csv", line=2)
    (['trade', 'migration'], (';', 2))
    >>> split_topics_cell("trade, migration", (";", 2), path="a.csv", line=3)
    Traceback (most recent call last):
    ...
    topicslib.errors.ExampleError: a.csv:3: topics separated by ',' here but by ';' from line 2 on; use one separator in a file
    >>> split_topics_cell('["trade"]'), split_topics_cell(" "), split_topics_cell("trade|migration|")
    ((['trade'], None), ([], None), (['trade', 'migration'], ('|', None)))
    >>> split_topics_cell("Law, Crime, and Family Issues", (";", 2)), split_topics_cell("Foreign Trade; Law, Crime")
    ((['Law, Crime, and Family Issues'], (';', 2)), (['Foreign Trade', 'Law, Crime'], (';', None)))
    """
    cell = cell.strip()
    if cell.startswith("["):
        return parse_json(cell, "JSON list in 'topics'", path=path, line=line, error=error), separator
    seen = [s for s in _SEPARATORS if s in cell]
    if not seen:
        return ([cell] if cell else []), separator
    if seen[0] == "," and any(len(part.split()) > 1 for part in cell.split(",")):
        # A codebook's name: split, "Law, Crime, and Family Issues" became the topics "Law", "Crime" and "and Family
        # Issues", in a model of three times the codes and multi-label where the data are single-label.
        return [cell], separator
    if separator is None:
        separator = (seen[0], line)
    elif separator[0] not in seen:
        first = f"line {separator[1]}" if path is not None else place(path, separator[1], error.noun)
        raise error(f"topics separated by {seen[0]!r} here but by {separator[0]!r} from {first} on; "
                    f"use one separator in {'a file' if path is not None else 'all'}", path=path, line=line)
    return [t for t in (p.strip() for p in cell.split(separator[0])) if t], separator


class _TopicsCells:
    """The topics strings of one file (or of records in memory) read in order, by :func:`split_topics_cell` with
    one separator for all. A cell kept whole as a name holding commas may instead list topics of several words
    ("Foreign Trade, Defense"); when each of its parts is a topic of other cells, :meth:`done` says so."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.separator: tuple[str, int] | None = None
        self.names: dict[str, int | None] = {}  # each name kept whole, and where it was first
        self.topics: set[str] = set()  # the topics of every cell

    def read(self, cell: str, line: int | None) -> object:
        topics, self.separator = split_topics_cell(cell, self.separator, path=self.path, line=line)
        if isinstance(topics, list):  # a JSON list may hold anything: topics_of says what is wrong with it
            if len(topics) == 1 and topics[0] == cell.strip() and "," in cell:
                self.names.setdefault(topics[0], line)
            self.topics.update(t for t in topics if isinstance(t, str))
        return topics

    def done(self) -> None:
        """Warn of the names kept whole whose every part is a topic of other cells: the first, and how many."""
        lists = [(name, line) for name, line in self.names.items()
                 if all(part.strip() in self.topics for part in name.split(",") if part.strip())]
        if not lists:
            return
        (name, line), parts = lists[0], [part.strip() for part in lists[0][0].split(",") if part.strip()]
        logging.getLogger("topicslib").warning(
            "%s: %r is read as one topic, a name holding commas (a part of it holds a space), though each of its parts "
            "(%s) is a topic of other %s%s; if it lists topics, separate them by ';' or '|', or write it as a JSON list "
            "(%s)",
            place(self.path, line, "example"), name, in_short([repr(p) for p in parts], 5),
            "records" if self.path is None else "lines",
            f" (and {len(lists) - 1:,} more such name{'s' if len(lists) > 2 else ''})" if len(lists) > 1 else "",
            json.dumps(parts, ensure_ascii=False))


# What a record's ``topics`` may hold, as the message about one that holds anything else says.
_TAGGED = 'a list of topic ids or of {"topic": ...} objects (as classify writes them)'


def given_topics(value: object, path: str | None = None, line: int | None = None) -> tuple[str, ...] | None:
    """A record's own topics, read from its ``topics`` value: None when it has none (no such field, or null), so
    that it is classified. Else ids, or ``{"topic": ...}`` objects as ``classify`` writes them in JSON Lines, or a
    cell read as examples' cells are (:func:`split_topics_cell`): ids separated by ``;`` (as ``classify``'s
    CSV output joins them), ``|`` or ``,``, ``""`` for none, or a JSON list; the ids checked as an example's are
    (:func:`topics_of`). Any other value is a :class:`DataError` naming ``path`` and ``line`` and the value:
    a record whose topics cannot be read is not classified in their place. Each record's cell is read alone:
    records need not come from one file.

    >>> given_topics([{"topic": "trade", "score": 0.9}]), given_topics("trade;migration")
    (('trade',), ('trade', 'migration'))
    >>> given_topics(""), given_topics(None)
    ((), None)
    >>> given_topics("trade, migration"), given_topics('["trade", "migration"]')
    (('trade', 'migration'), ('trade', 'migration'))
    >>> given_topics(["trade", None], "a.jsonl", 3)
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: a.jsonl:3: 'topics' must be a list of topic ids or of {"topic": ...} objects (as \
classify writes them), got ['trade', None]
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = split_topics_cell(value, path=path, line=line, error=DataError)[0]
    return topics_of(value, path=path, line=line, expected=_TAGGED, error=DataError)


def _examples_of(rows: Iterable[tuple[int | None, object]], path: str | None, by: str | None,
                 fields: Fields) -> Iterator[Example]:
    """The examples of numbered records, each checked as it is read (with its ``by`` field's value). A topics
    value that is a string (every CSV cell, or one JSON string) is read as :func:`split_topics_cell` reads a
    cell, with one separator for all the records (:class:`_TopicsCells`)."""
    cells = _TopicsCells(path)
    for n, record in rows:
        if isinstance(record, Mapping) and isinstance(record.get(fields.topics), str):
            topics = cells.read(record[fields.topics], n)
            record = {**({by: record.get(by)} if by else {}), fields.text: record.get(fields.text), fields.topics: topics}
        yield _example(record, path=path, line=n, by=by, fields=fields)
    cells.done()


def paired_examples(texts: Iterable[str], topics: Iterable[object]) -> Iterator[Example]:
    """The examples of texts (strings, checked by the caller) and their topics, one value per text: a list of
    topic ids, or a string read as a record's ``topics`` field is (:func:`_examples_of`), so one id, as a
    single-label data set gives it, or ids separated by ``;``, ``|`` or ``,``.

    Each is named by its position, from 0: ``example 1`` is the second (:func:`errors.place`).

    >>> [e.topics for e in paired_examples(["Tariffs rose.", "Migrants crossed."], ["trade", ["migration", "trade"]])]
    [('trade',), ('migration', 'trade')]
    >>> list(paired_examples(["Tariffs rose.", "Migrants crossed."], ["trade", None]))
    Traceback (most recent call last):
    ...
    topicslib.errors.ExampleError: example 1: 'topics' must be a list of topic ids, got None
    """
    cells = _TopicsCells(None)
    for n, (text, value) in enumerate(zip(texts, topics)):
        if isinstance(value, str):
            value = cells.read(value, n)
        yield Example(text, topics_of(value, line=n), None, n)
    cells.done()


def _source_examples(source: Source, by: str | None = None, fields: Fields = FIELDS) -> Iterator[Example]:
    """The examples of a JSON Lines or CSV file, in UTF-8 (a line that is not is an error, as a corpus's is not: a
    label's text is read exactly, or not at all); an empty CSV cell is no topic."""
    rows = source_rows(source, required=(fields.text, fields.topics), error=ExampleError,
                       hint="; choose the columns with --column and --topics-column", encoding="utf-8")
    if source.format == "csv":
        rows = ((n, {**row, fields.text: row[fields.text] or "", fields.topics: row[fields.topics] or ""}) for n, row in rows)
    # A CSV file without a header is refused by the reader; here it has one. Blank lines are no records in either.
    nothing = ("the CSV file has a header but no rows: no examples in it" if source.format == "csv" else
               "no examples in it: the file is empty or holds only blank lines")
    yield from _or_else(_examples_of(rows, source.name, by, fields), ExampleError(nothing, path=source.name))


def _or_else(examples: Iterable[Example], error: ExampleError) -> Iterator[Example]:
    """``examples`` as they come, or ``error`` raised when there is none."""
    empty = True
    for example in examples:
        empty = False
        yield example
    if empty:
        raise error


def example_format(path: Path) -> str | None:
    """How the example file ``path`` is read, by its suffix (also under .gz, .bz2 or .xz): "jsonl" or "csv",
    else None.

    >>> example_format(Path("mine.ndjson")), example_format(Path("bills.csv.gz")), example_format(Path("notes.txt"))
    ('jsonl', 'csv', None)
    """
    return format_of(path, formats=_FORMATS)


def _sources(source: str | Path) -> list[Source]:
    """What a path of examples names: standard input for ``"-"`` (JSON Lines, or CSV when it does not start
    with ``{``), else the file, or the example files of the folder."""
    if source == "-":
        return [Source("<stdin>", "jsonl" if stdin_format() == "jsonl" else "csv")]
    try:
        files = find_files(source, lambda p: example_format(p) is not None,
                           f"example files ({', '.join(EXAMPLE_SUFFIXES)})")
    except DataError as e:
        raise ExampleError(e.reason, path=e.path) from None
    sources = []
    for path in files:
        fmt = example_format(path)
        if fmt is None:  # only a file named on its own: a folder's are those example_format takes
            raise ExampleError(_not_examples(path), path=path)
        sources.append(Source(str(path), fmt, path, path.stat().st_size))
    return sources


def _not_examples(path: Path) -> str:
    """Why the file ``path``, named on its own, is not read as examples, and what to do.

    >>> _not_examples(Path("votes.xlsx"))
    "unknown example file type '.xlsx': examples are JSON Lines (.jsonl or .ndjson) or CSV (.csv), also gzip, bz2 or xz compressed"
    """
    kinds = "examples are JSON Lines (.jsonl or .ndjson) or CSV (.csv), also gzip, bz2 or xz compressed"
    if path.suffix.lower() == ".json":
        return (f"a .json file is not read as examples, here or in a folder: {kinds}; rename a file of one JSON record "
                "a line to .jsonl, and convert one JSON array of records with jq -c '.[]' FILE")
    return f"unknown example file type {path.suffix!r}: {kinds}"


# Example files bigger than this together are checked whole before any example is kept (a second reading costs
# a tenth of training; below this size holding the examples read before a bad line costs little memory).
_CHECK_FIRST_BYTES = 64 * 2**20


def _read_sources(sources: list[Source], check: _TopicCheck,
                  by: str | None = None, fields: Fields = FIELDS) -> Iterator[Example]:
    """Every example of ``sources``, each checked (and given to ``check``). Large files are read twice: first
    every line is checked and none kept, so a bad line at the end of gigabytes of examples fails in the memory of
    one line, not of all the others. Files of less than ``_CHECK_FIRST_BYTES`` together, where holding them costs
    little, and standard input, which cannot be read again, are read once."""
    def examples() -> Iterator[Example]:
        for source in sources:
            yield from map(check, _source_examples(source, by, fields))

    if all(s.size is not None for s in sources) and sum(s.size for s in sources) >= _CHECK_FIRST_BYTES:
        deque(examples(), maxlen=0)
        check.raise_unknown()
    return examples()


# An error about unknown topics names this many of them, and counts the others.
_UNKNOWN_NAMED = 10


class _TopicCheck:
    """Called on each example, gives it back, noting every topic it carries that ``taxonomy`` lacks (none
    without one): how many examples carry it, and the first. :meth:`raise_unknown`, once every example has passed,
    names them all in one error, as a file of several unknown topics would otherwise need a run for each."""

    def __init__(self, taxonomy: Taxonomy | None) -> None:
        self.taxonomy = taxonomy
        self.known = None if taxonomy is None else set(taxonomy.ids)
        self.unknown: dict[str, list] = {}  # topic -> [examples carrying it, the first of them], in order first met

    def __call__(self, example: Example) -> Example:
        if self.known is not None:
            for t in example.topics:
                if t not in self.known:
                    self.unknown.setdefault(t, [0, example])[0] += 1
        return example

    def raise_unknown(self) -> None:
        if not self.unknown:
            return
        (_, (n, first)), *_ = self.unknown.items()
        if len(self.unknown) == 1 and n == 1:
            named = f"topic {next(iter(self.unknown))!r}"
        else:
            def counted(t: str, n: int, e: Example) -> str:
                at = "first here" if e is first else f"{'first ' if n > 1 else ''}at {e.where}"
                return f"{t!r} ({n:,} example{'s' if n > 1 else ''}, {at})"
            named = (f"topic{'s' if len(self.unknown) > 1 else ''} "
                     + in_short([counted(t, n, e) for t, (n, e) in self.unknown.items()], _UNKNOWN_NAMED))
        raise ExampleError(f"unknown {named}; the taxonomy has {', '.join(self.taxonomy.ids)}",
                           path=first.path, line=first.line)


def read_examples(
    source: str | Path | Iterable[Mapping | Example],
    *,
    taxonomy: Taxonomy | None = None,
    by: str | None = None,
    text_field: str = "text",
    topics_field: str = "topics",
) -> list[Example]:
    """Read and validate examples from a file, a folder of files, ``"-"`` for standard input (JSON Lines,
    or CSV when it does not start with ``{``), or records, all of them as read (training counts
    duplicates once: see :func:`merge_duplicates`). With ``by``, each example's ``group`` is the value of
    its record's field (or CSV column) of that name, None where it has none.

    The text is in the field (or CSV column) ``text_field``, the topics in ``topics_field``: a list of
    topic ids, or a string of them separated by ``;``, ``|`` or ``,`` (one separator in a file; one id
    alone, as single-label data sets give it, a name whose comma-separated parts hold spaces being one:
    :func:`split_topics_cell`; ``""`` for none).

    Raises :class:`ExampleError` naming file and line (a record in memory by its position, from 0: ``example 1``
    is the second) for bad JSON, missing or empty text, and malformed or unknown topics (when ``taxonomy`` is given).

    >>> [e.topics for e in read_examples([{"text": "Tariffs rose.", "topics": ["trade"]}])]
    [('trade',)]
    >>> [e.group for e in read_examples([{"text": "Tariffs rose.", "topics": [], "site": "a.com"}], by="site")]
    ['a.com']
    >>> [(e.text, e.topics) for e in read_examples([{"body": "Tariffs rose.", "label": "trade"}],
    ...                                            text_field="body", topics_field="label")]
    [('Tariffs rose.', ('trade',))]
    """
    return list(iter_examples(source, taxonomy=taxonomy, by=by, text_field=text_field, topics_field=topics_field))


def iter_examples(source: str | Path | Iterable[Mapping | Example], *,
                  taxonomy: Taxonomy | None = None, by: str | None = None,
                  text_field: str = "text", topics_field: str = "topics") -> Iterator[Example]:
    """:func:`read_examples` one example at a time (large files are still checked whole first), so that training
    holds each paragraph once however often a file repeats it (see :func:`merge_duplicates`).

    >>> next(iter_examples([{"text": "Tariffs rose.", "topics": ["trade"]}])).topics
    ('trade',)
    """
    # else a list (by=["lang", "site"]) failed deep inside as unhashable, and a number was looked up as a field
    for name, value in (("by", "" if by is None else by), ("text_field", text_field), ("topics_field", topics_field)):
        if not isinstance(value, str):
            raise InputError(f"{name} must name one field of the examples (a string), got {value!r}")
    if text_field == topics_field:
        raise ExampleError(f"the text and the topics cannot both be read from the field {text_field!r}")
    check = _TopicCheck(taxonomy)
    fields = Fields(text_field, topics_field)
    if isinstance(source, (str, Path)):
        examples = _read_sources(_sources(source), check, by, fields)
    elif isinstance(source, (bytes, Mapping)) or not isinstance(source, Iterable):
        raise ExampleError(f"examples must be a path or an iterable of records, got {type(source).__name__}")
    else:
        refuse_table(source, "examples must be a path or an iterable of records")  # it would pass as its column names
        examples = map(check, _examples_of(enumerate(source), None, by, fields))  # named by position: 'example 0'
    yield from _or_else(examples, ExampleError("no examples found"))
    check.raise_unknown()


def example_line(text: str, topics: Iterable[str], fields: Mapping | None = None,
                 asked: Iterable[str] | None = None) -> str:
    """One example as a JSON line that :func:`read_examples` (``train``, ``audit``, ``evaluate``) reads: its ``text``
    and ``topics``, the topics it was ``asked`` about (``label``'s answers: its :data:`ASKED` field), then ``fields``
    (its corpus record's, for the example to join back to the corpus), any of them named ``text``, ``topics`` or
    ``asked`` left out (the example's own win). The form ``label`` writes answers in. A lone surrogate stays in the
    string: the file it is written to says how (``files.atomic_output`` escapes it).

    >>> print(example_line("Tariffs fell.", ("trade",), {"id": 7, "topics": "old", "source": "a.jsonl"}), end="")
    {"text": "Tariffs fell.", "topics": ["trade"], "id": 7, "source": "a.jsonl"}
    >>> print(example_line("Tariffs fell.", ("trade",), {"asked": "x"}, asked=("trade", "energy")), end="")
    {"text": "Tariffs fell.", "topics": ["trade"], "asked": ["trade", "energy"]}
    """
    example = {"text": text, "topics": list(topics)}
    if asked is not None:
        example[ASKED] = list(asked)
    example.update((k, v) for k, v in (fields or {}).items() if k not in example and k != ASKED)
    return json.dumps(example, ensure_ascii=False) + "\n"


def duplicate_key(text: str) -> str:
    """What makes two paragraphs the same: their words, ignoring case and spacing."""
    return " ".join(text.split()).casefold()


def _revises(earlier: Example, later: Example) -> bool:
    """Whether ``later``, a copy of ``earlier``'s paragraph, is a revision of it: a ``label`` answer (it says what
    it was asked) in the same file (``label --revisit`` appends it there)."""
    return later.asked is not None and later.path == earlier.path


def _revised(earlier: Example, later: Example) -> Example:
    """``earlier`` as its revision ``later`` leaves it, at ``earlier``'s place: for the topics ``later`` was asked
    about its answer, the others as they were. A union would keep a topic the revision took off."""
    asked = None if earlier.asked is None else tuple(dict.fromkeys(earlier.asked + later.asked))
    topics = tuple(dict.fromkeys([t for t in earlier.topics if t not in later.asked] + list(later.topics)))
    return replace(earlier, topics=topics, asked=asked, merged=False)


def _revision_walk(examples: Iterable[Example],
                   repeat: Callable[[list[Example], int, Example], bool]) -> tuple[list[Example], int]:
    """The one walk of examples for ``label`` answers revised (``label --revisit``): the examples in order, each
    first copy of a paragraph kept, each later answer that revises it (:func:`_revises`) applied to it at its place
    (:func:`_revised`) and left out, and how many were; any other repeat is given to ``repeat(kept, i, e)``, with
    ``kept[i]`` its first copy, which may replace that copy and says whether ``e`` is kept too. Copies are found by
    a 16-byte digest of their key (:func:`duplicate_key`), not a normalized copy of every text (memory)."""
    first: dict[bytes, int] = {}
    kept: list[Example] = []
    revised = 0
    for e in examples:
        key = hashlib.blake2b(duplicate_key(e.text).encode("utf-8", "surrogatepass"), digest_size=16).digest()
        i = first.get(key)
        if i is None:
            first[key] = len(kept)
        elif _revises(kept[i], e):
            revised += 1
            kept[i] = _revised(kept[i], e)
            continue
        elif not repeat(kept, i, e):
            continue
        kept.append(e)
    return kept, revised


def revised_examples(examples: Sequence[Example]) -> Sequence[Example]:
    """``examples`` with each ``label`` answer that a later one revises (``label --revisit``) as revised, at its own
    place, and the revising lines left out; any other repeat kept as it is. For ``evaluate``, which scores every
    example as read but must not score an answer that was replaced.

    >>> ex = [Example("Tariffs rose.", ("trade",), "a.jsonl", 1, asked=("trade",)), Example("Tariffs rose.", ()),
    ...       Example("Tariffs rose.", ("climate",), "a.jsonl", 3, asked=("trade", "climate"))]
    >>> [(e.topics, e.line) for e in revised_examples(ex)]
    [(('climate',), 1), ((), None)]
    """
    if all(e.asked is None for e in examples):  # no label answer: nothing to revise, no key to compute
        return examples
    return _revision_walk(examples, lambda kept, i, e: True)[0]


# The warning of copies merged names this many of those that carried other topics than their first copy.
_CONFLICTS_NAMED = 5


@dataclass
class _Merge:
    """What :func:`_merged` does with each repeat that is no revision: counts it, and merges its topics into its
    first copy's; the first eleven repeats kept for an error (each with where its first copy is), and the first
    few of those that carried other topics, for the warning. A ``label`` answer and a copy that is no answer are
    no repeat: the answer settles the topics it was asked about (``settled``)."""

    repeats: list[tuple[Example, str]] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    n_repeats: int = 0
    conflicting: int = 0
    settled: int = 0

    def __call__(self, kept: list[Example], i: int, e: Example) -> bool:
        first = kept[i]
        if (first.asked is None) != (e.asked is None):
            # A label answer and a copy that is no answer (a pseudo-label of bootstrap's, a label written by hand),
            # from two files: the answer settles the topics it was asked about, whichever is read first.
            self.settled += 1
            if e.asked is not None:
                kept[i] = _revised(first, e)
            else:
                kept[i] = replace(first, topics=tuple(dict.fromkeys(
                    first.topics + tuple(t for t in e.topics if t not in first.asked))))
            return False
        self.n_repeats += 1
        if len(self.repeats) < 11:
            self.repeats.append((e, kept[i].where))
        if set(e.topics) != set(kept[i].topics):
            self.conflicting += 1
            if len(self.conflicts) < _CONFLICTS_NAMED:
                self.conflicts.append(f"{e.where} (first seen at {kept[i].where})")
            single = (len(kept[i].topics) <= 1 or kept[i].merged) and len(e.topics) <= 1
            kept[i] = replace(kept[i], topics=tuple(dict.fromkeys(kept[i].topics + e.topics)), merged=single)
        return False  # counted once, at its first copy's place


def merge_duplicates(examples: Iterable[Example], on_duplicate: str = "merge") -> tuple[list[Example], dict[str, int]]:
    """Examples with each paragraph once, and how many repeats were merged (memory: the paragraphs kept).

    Two paragraphs are the same when their words are, ignoring case and spacing. With
    ``"merge"`` a repeat counts once, at its first place, with every topic any copy carries
    (copies that disagree are counted as ``conflicting``); with ``"error"`` any repeat is an
    :class:`ExampleError` listing every repeat at once.

    A later ``label`` answer (one that says which topics it was ``asked`` about) in the same file as the copy
    kept is a revision, not a repeat: for the topics it was asked about its answer replaces the earlier one, a
    topic it leaves out taken off (``label --revisit``). Between an answer and a copy that is no answer (in two
    files, either read first) the answer settles the topics it was asked about the same way. Both are counted as
    ``revised``, a key only there when there are some.

    >>> ex = [Example("Tariffs rose.", ("trade",)), Example("tariffs  rose.", ("trade", "diplomacy"))]
    >>> kept, counts = merge_duplicates(ex)
    >>> kept[0].topics, counts
    (('trade', 'diplomacy'), {'repeats': 1, 'conflicting': 1})
    >>> ex = [Example("Tariffs rose.", ("trade", "energy"), asked=("trade", "energy")),
    ...       Example("Tariffs rose.", ("migration",), asked=("trade", "energy", "migration"))]
    >>> kept, counts = merge_duplicates(ex)
    >>> kept[0].topics, kept[0].asked, counts
    (('migration',), ('trade', 'energy', 'migration'), {'repeats': 0, 'conflicting': 0, 'revised': 1})
    >>> ex = [Example("Coal mines closed.", ("energy",), "mine.jsonl", 1, asked=("energy", "mining")),
    ...       Example("Coal mines closed.", ("mining", "china"), "pseudo.jsonl", 4)]
    >>> merge_duplicates(ex)[0][0].topics
    ('energy', 'china')
    """
    kept, counts, _ = _merged(examples, on_duplicate)
    return kept, counts


def _merged(examples: Iterable[Example], on_duplicate: str) -> tuple[list[Example], dict[str, int], list[str]]:
    """:func:`merge_duplicates`, and where the first few copies that carried other topics than their first copy
    are (each with its first copy's place), for :func:`prepare_examples`' warning."""
    merge = _Merge()
    kept, revised = _revision_walk(examples, merge)
    revised += merge.settled
    n_repeats, repeats = merge.n_repeats, merge.repeats
    if repeats and on_duplicate == "error":
        e, first_where = repeats[0]
        more = "; ".join(f"{r.where} (first seen at {o})" for r, o in repeats[1:])
        rest = f"; {n_repeats - 11} more" if n_repeats > 11 else ""
        raise ExampleError(f"duplicate paragraph (first seen at {first_where})"
                           + (f"; {n_repeats - 1} more: {more}{rest}" if n_repeats > 1 else ""), path=e.path, line=e.line)
    counts = {"repeats": n_repeats, "conflicting": merge.conflicting}
    if revised:  # only then: the counts go into a model's card, which must stay as it was for files with none
        counts["revised"] = revised
    return kept, counts, merge.conflicts


def unasked_topics(examples: Iterable[Example], topic_ids: Sequence[str]) -> list[tuple[Example, tuple[str, ...]]]:
    """The examples not asked about some of the topics ``topic_ids`` (``label`` answers given before those topics
    were in the taxonomy), each with those topics, in order. An example that does not say what it was asked
    about (``asked`` None: written by hand, or by ``label`` before it recorded it) counts as asked about every
    topic, its topics all it has, as training has always read it. Give examples merged
    (:func:`merge_duplicates`), so that a revised answer counts for its paragraph.

    >>> unasked_topics([Example("Tariffs rose.", ("trade",), asked=("trade",)), Example("Drought hit.", ())],
    ...                ["trade", "climate"])
    [(Example(text='Tariffs rose.', topics=('trade',), path=None, line=None, group=None, merged=False, asked=('trade',)), ('climate',))]
    """
    stale = []
    for e in examples:
        missing = () if e.asked is None else tuple(t for t in topic_ids if t not in e.asked)
        if missing:
            stale.append((e, missing))
    return stale


def unasked_message(unasked: Sequence[tuple[Example, tuple[str, ...]]], topic_ids: Sequence[str]) -> str:
    """What a warning says of examples not asked about some topics (:func:`unasked_topics`): how many, which topics,
    what training makes of them and how to ask them.

    >>> unasked_message([(Example("Tariffs rose.", ()), ("climate",))] * 2, ["trade", "climate"])
    "2 label answers were not asked about 'climate' (added to the taxonomy since): training counts them as without it; `topicslib label ... --revisit` asks them again"
    """
    topics = [repr(t) for t in topic_ids if any(t in missing for _, missing in unasked)]
    n = len(unasked)
    return (f"{n:,} label answer{'s were' if n != 1 else ' was'} not asked about {in_short(topics, 10)} (added to the "
            f"taxonomy since): training counts {'them' if n != 1 else 'it'} as without "
            f"{'those topics' if len(topics) != 1 else 'it'}; `topicslib label ... --revisit` asks "
            f"{'them' if n != 1 else 'it'} again")


def indicator(examples: Iterable[Example], topic_ids: Sequence[str]) -> np.ndarray:
    """0/1 matrix of examples (rows) by topics (columns in ``topic_ids`` order).

    >>> indicator([Example("x", ("b",)), Example("y", ("c", "a"))], ["a", "b"]).tolist()
    [[False, True], [True, False]]
    """
    examples = examples if isinstance(examples, Sequence) else list(examples)
    # each example's topics looked up (the ids are distinct), not every id looked for in each example's topics
    column = {t: j for j, t in enumerate(topic_ids)}
    marks = [(i, column[t]) for i, e in enumerate(examples) for t in e.topics if t in column]
    out = np.zeros((len(examples), len(topic_ids)), dtype=bool)
    if marks:
        out[tuple(np.array(marks).T)] = True
    return out


def labels_taxonomy(examples: Iterable[Example]) -> Taxonomy:
    """A bare taxonomy of the labels the examples carry, in sorted order; examples that carry none cannot
    train a model, which a :class:`TrainingError` says.

    >>> labels_taxonomy([Example("Share this page", ())])
    Traceback (most recent call last):
    ...
    topicslib.errors.TrainingError: no example carries a topic; label some: a model learns each topic from its examples
    """
    ids = sorted({t for e in examples for t in e.topics})
    if not ids:
        raise TrainingError("no example carries a topic; label some: a model learns each topic from its examples")
    alike: dict[str, list[str]] = {}
    for t in ids:
        alike.setdefault(t.casefold(), []).append(t)
    clashes = [" and ".join(map(repr, ts)) for ts in alike.values() if len(ts) > 1]
    if clashes:  # "Sports" beside "sports": two topics, each learned against the other's examples, unsaid
        logging.getLogger("topicslib").warning(
            "topics told apart only by case are trained as topics of their own, each against the other's examples: "
            "%s; write each topic one way", in_short(clashes, 5))
    return Taxonomy.from_ids(ids)


def topic_counts(examples: Iterable[Example]) -> Counter:
    """How many examples carry each topic."""
    return Counter(t for e in examples for t in e.topics)


def prepare_examples(examples: Iterable[Example], on_duplicate: str = "merge") -> tuple[list[Example], dict[str, int]]:
    """:func:`merge_duplicates`, saying on the ``topicslib`` logger how many repeats were counted once, and naming
    the first few copies that carried other topics than their first copy (where each is, and its first copy).

    >>> kept, counts = prepare_examples([Example("Tariffs rose.", ("trade",), "a.csv", 2),
    ...                                  Example("tariffs rose.", ("energy",), "a.csv", 7)])
    >>> kept[0].topics
    ('trade', 'energy')
    """
    kept, counts, conflicts = _merged(examples, on_duplicate)
    if counts["repeats"]:
        conflicting = counts["conflicting"]
        named = f": {in_short(conflicts, _CONFLICTS_NAMED, total=conflicting)}" if conflicting else ""
        logging.getLogger("topicslib").warning(
            "%d repeated paragraph%s counted once (same words, ignoring case and spacing); %d of them carried other "
            "topics than their first copy and were merged, keeping every topic%s", counts["repeats"],
            "s" if counts["repeats"] != 1 else "", conflicting, named)
    return kept, counts


# A message names each topic left out up to this many; beyond, it counts them by reason and names a few of each (a
# taxonomy of thousands of topics gave a warning of 100 KB on one line).
_LISTED = 10
_NAMED = 5


def left_out_in_short(left_out: Mapping[str, str], wording: Mapping[str, tuple[str, str]], *, sep: str = "; ",
                      beyond: str = "") -> str:
    """Topics left out, for a message, in a few words however many: ``left_out`` gives each topic, as the message
    names it, its reason, a key of ``wording``, which words the reason for one topic (``{}`` standing for it) and
    for several. Up to ten topics each is named with its reason (joined by ``sep``); beyond, each reason is
    counted and its first five topics named, and ``beyond`` (where all are named) is added.

    >>> wording = {"no seeds": ("{} has no seeds", "with no seeds")}
    >>> left_out_in_short({"'a'": "no seeds", "'b'": "no seeds"}, wording)
    "'a' has no seeds; 'b' has no seeds"
    >>> left_out_in_short({f"'t{i}'": "no seeds" for i in range(12)}, wording, beyond="; the card names them all")
    "12 with no seeds: 't0', 't1', 't2', 't3', 't4' and 7 more; the card names them all"
    """
    if len(left_out) <= _LISTED:
        return sep.join(wording[why][0].format(t) for t, why in left_out.items())
    groups: dict[str, list[str]] = {}
    for t, why in left_out.items():
        groups.setdefault(why, []).append(t)
    counted = (f"{len(ids):,} {wording[why][1]}: {in_short(ids, _NAMED)}" for why, ids in groups.items())
    return "; ".join(counted) + beyond


def trainable_topics(examples: list[Example], taxonomy: Taxonomy, min_examples: int,
                     rare_topics: str = "leave_out", *, why: str = "the min_examples option") -> tuple[Taxonomy, dict[str, int]]:
    """The topics that can be trained, and those left out for having fewer than ``min_examples`` examples
    (``why``: what sets that number, for the messages), named in a warning on the ``topicslib`` logger with their
    counts: past ten, counted as with none or too few, five named of each (:func:`left_out_in_short`).

    With ``rare_topics="error"`` a rare topic is a :class:`TrainingError` naming it and where its
    examples are; a topic on every example is always one (a model cannot learn it).

    >>> ex = [Example("a b", ("x",)), Example("c d", ("x",)), Example("e f", ("y",)), Example("g h", ())]
    >>> tax, left_out = trainable_topics(ex, Taxonomy.from_ids(["x", "y"]), 2)
    >>> tax.ids, left_out
    (('x',), {'y': 1})
    """
    counts = topic_counts(examples)
    left_out = {}
    for tid in taxonomy.ids:
        n = counts.get(tid, 0)
        if n < min_examples:
            if rare_topics == "error":
                found = [e.where for e in examples if tid in e.topics]
                raise TrainingError(
                    f"topic {tid!r} has {n} example{'s' if n != 1 else ''}; at least {min_examples} are needed to train it "
                    f"(add examples, or lower {why})" + (f"; found at {', '.join(found)}" if found else ""))
            left_out[tid] = n
        elif n == len(examples):
            raise TrainingError(f"topic {tid!r} is on every example; add examples without it")
    kept = [t for t in taxonomy.topics if t.id not in left_out]
    if not kept:
        raise TrainingError(f"no topic has the {min_examples} examples needed to train it ({why}); "
                            f"the most has {max(counts.values(), default=0)}")
    if left_out:
        few = "with 1" if min_examples == 2 else f"with 1 to {min_examples - 1}"
        logging.getLogger("topicslib").warning(
            "left out %s topic%s with fewer than %d examples (%s): %s", f"{len(left_out):,}",
            "s" if len(left_out) != 1 else "", min_examples, why,
            left_out_in_short({f"{t} ({n})": "few" if n else "none" for t, n in left_out.items()},
                              {"none": ("{}", "with none"), "few": ("{}", few)}, sep=", "))
    return Taxonomy(tuple(kept), taxonomy.lang), left_out


def examples_digest(examples: Iterable[Example]) -> str:
    """sha256 of the texts and topics, independent of file names and order of keys."""
    h = hashlib.sha256()
    for e in examples:
        # the text's length first, so no text can pass for another text and its topics (topic ids hold no control
        # characters); surrogatepass: a lone surrogate (from a JSON escape) is no reason to fail, the features drop it
        h.update(f"{len(e.text)}:{e.text}\x00{chr(0).join(e.topics)}\n".encode("utf-8", "surrogatepass"))
    return h.hexdigest()
