"""Corpus trends: how many paragraphs talk about each topic, per period (and per source, country or any
field), with their share of all paragraphs in that cell, counted as records stream by.

Records are classified in batches, or read as already tagged when they carry ``topics`` (as
``topicslib classify`` writes them, or a list of topic ids; a value that is neither is an error, not a
record to classify). Dates are read leniently; a record without a readable date is counted under
``undated``. Memory holds the counts, not the records.

>>> rows = trends([{"text": "Tariffs fell.", "date": "2024-03-05", "topics": ["trade"]},
...                {"text": "Share this page", "date": "2024-03-20", "topics": []}], date="date")
>>> [(r.period, r.topic, r.paragraphs, r.share) for r in rows if r.topic == "trade"]
[('2024-03', 'trade', 1, 0.5)]
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import astuple, dataclass, fields
from itertools import islice
from typing import TYPE_CHECKING

from .dates import MONTHS
from .defaults import resolve
from .errors import DataError, InputError
from .evaluation import NO_VALUE, value_name
from .examples import given_topics
from .model import TopicModel
from .records import Record
from .scoring import is_missing, refuse_table

if TYPE_CHECKING:  # only as_frame needs pandas, and imports it then
    import pandas as pd

PERIODS = ("day", "week", "month", "quarter", "year")
UNDATED = "undated"
_BATCH = 2048
# Date strings whose period a counter remembers.
_REMEMBERED = 100_000
# YYYY, YYYY-MM (or YYYY/MM), or a full date (-, / or . between its parts) with perhaps a time after it. A time
# only after a full date: "2024 March 5" or "2024 Q3" is no date, not 2024-01-01. No YYYY.MM: "2024.5" is how a
# CSV file holds the number 2024.5, which is no date in JSON Lines, so a dot only separates the parts of a full date.
_DATE = re.compile(r"^\s*(\d{4})(?:(?:[-/]|\.(?=\d{1,2}[-/.]\d))(\d{1,2})(?:[-/.](\d{1,2})(?:[T ].*)?)?)?\s*$")
# A date written with its month's name, in English or Spanish, as web pages, feeds and exports give it: "14 de marzo
# de 2026", "14 Mar 2026", "March 14, 2026", "Sat, 14 Mar 2026 10:42:00 GMT" (a feed's), "marzo de 2026", perhaps
# after a weekday and before a time. Day and month in digits ("03/04/2026") are left undated: which comes first is
# the writer's custom.
_NAMED_DATE = re.compile(
    r"^\s*(?:[^\W\d_]+\.?,?\s+)??(?:(?P<day>\d{1,2})(?:\s+de)?\s+(?P<month>[^\W\d_]+)\.?(?:\s+de|,)?"
    r"|(?P<month2>[^\W\d_]+)\.?(?:\s+(?P<day2>\d{1,2}),?|\s+de)?)\s+(?P<year>\d{4})(?:(?:,|\s)\s*\S.*)?\s*$")
log = logging.getLogger("topicslib")


def parse_date(value: object) -> dt.date | None:
    """A date from an ISO date or datetime, ``YYYY-MM``, ``YYYY``, a year number, a ``datetime``, or a date written
    with its month's name in English or Spanish ("14 de marzo de 2026", "March 14, 2026", a feed's "Sat, 14 Mar 2026
    10:42:00 GMT", "marzo de 2026"); else None.

    >>> parse_date("2024-03-05T10:00:00Z"), parse_date("2024-03"), parse_date(2021), parse_date("soon")
    (datetime.date(2024, 3, 5), datetime.date(2024, 3, 1), datetime.date(2021, 1, 1), None)
    >>> parse_date("2024 Q3"), parse_date("2024-03 10:00"), parse_date("2024.5"), parse_date(2024.5)
    (None, None, None, None)
    >>> parse_date("sábado, 14 de marzo de 2026, 10:42 a. m."), parse_date("Mar 14, 2026"), parse_date("03/04/2026")
    (datetime.date(2026, 3, 14), datetime.date(2026, 3, 14), None)
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 9999:
        return dt.date(value, 1, 1)
    if not isinstance(value, str):
        return None
    m = _DATE.match(value)
    if m:
        year, month, day = m[1], m[2], m[3]
    else:
        m = _NAMED_DATE.match(value)
        month = m and MONTHS.get((m["month"] or m["month2"]).lower())
        if not month:
            return None
        year, day = m["year"], m["day"] or m["day2"]
    try:
        return dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None


def period_of(day: dt.date, period: str) -> str:
    """The label of the period ``day`` falls in.

    >>> [period_of(dt.date(2024, 3, 5), p) for p in PERIODS]
    ['2024-03-05', '2024-W10', '2024-03', '2024-Q1', '2024']
    """
    if period == "day":
        return day.isoformat()
    if period == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    if period == "month":
        return f"{day.year}-{day.month:02d}"
    if period == "quarter":
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    return str(day.year)


def by_value(value: object) -> str:
    """The name of a ``by`` field's value, as ``evaluate --by`` names its groups: a string as it is, anything
    else as its compact JSON (``evaluation.value_name``), none (missing, null or "") as ``(none)``.

    >>> by_value("State"), by_value(2022), by_value(["a"]), by_value(None), by_value("")
    ('State', '2022', '["a"]', '(none)', '(none)')
    """
    return value_name(value) or NO_VALUE


@dataclass(frozen=True)
class TrendRow:
    """One topic in one cell (period, and the value of ``by`` when given): paragraphs tagged with it and
    their share of the cell's paragraphs; with ``group``, the documents with such a paragraph and their share."""

    by: str | None
    period: str
    topic: str
    paragraphs: int
    share: float
    documents: int | None = None
    document_share: float | None = None

    @staticmethod
    def columns(by_name: str | None = None, grouped: bool = False) -> list[str]:
        """The columns of the rows of a count (:meth:`to_dict`'s keys), rows or none: the ``by`` field's name
        first when given (``by_`` before it when the count has a column of that name, such as a legislature's
        ``period``), and the documents' columns when ``grouped`` (a count with ``group``).

        >>> TrendRow.columns()
        ['period', 'topic', 'paragraphs', 'share']
        >>> TrendRow.columns("source", grouped=True)
        ['source', 'period', 'topic', 'paragraphs', 'share', 'documents', 'document_share']
        >>> TrendRow.columns("period")
        ['by_period', 'period', 'topic', 'paragraphs', 'share']
        """
        names = [f.name for f in fields(TrendRow)][1:]  # ``by`` is named by the field it stands for
        if by_name in names:  # its values would be overwritten by the count's own column
            by_name = f"by_{by_name}"
        return ([by_name] if by_name else []) + (names if grouped else names[:-2])

    def to_dict(self, by_name: str | None = None) -> dict:
        """The row under :meth:`columns`: its ``by`` value under ``by_name`` (left out without one).

        >>> TrendRow("A", "2024", "trade", 1, 0.5).to_dict("source")
        {'source': 'A', 'period': '2024', 'topic': 'trade', 'paragraphs': 1, 'share': 0.5}
        """
        grouped = self.documents is not None
        values = astuple(self) if grouped else astuple(self)[:-2]
        return dict(zip(self.columns(by_name, grouped), values if by_name else values[1:]))


def _topics(records: Iterable[tuple[Mapping, str | None, int | None]], models: list,
            text: str) -> Iterator[tuple[Mapping, Iterable[str]]]:
    """Each record (given with the file and line it comes from) with its topics: its own when it carries them,
    else classified in batches by ``models[0]`` (the default model, loaded into the list the first time one is
    needed)."""
    records = iter(records)
    while batch := list(islice(records, _BATCH)):
        own = [given_topics(r.get("topics"), path, line) for r, path, line in batch]
        todo = [(r, path, line) for (r, path, line), tags in zip(batch, own) if tags is None]
        if todo and models[0] is None:
            models[0] = resolve(None)
        tagged = iter(models[0].classify_many([_text(r, text, path, line) for r, path, line in todo]) if todo else [])
        for (r, _, _), tags in zip(batch, own):
            yield r, tags if tags is not None else [t for t, _ in next(tagged)]


def _text(record: Mapping, field: str, path: str | None, line: int | None) -> str:
    """The text to classify of a record without topics (read from ``path`` at ``line``, or the ``line``-th of a
    call's); one without the field is an error, as it is on the command line: it was counted as a paragraph of no
    topic, so a misnamed field (``text="body"``, records of a ``"texto"``) gave zeros everywhere (QA pass 7)."""
    if field not in record:
        raise DataError(f"no {field!r} field to classify (its fields: {', '.join(map(str, record)) or 'none'}); name "
                        "the field that holds the text with text= (--column on the command line)",
                        path=path or None, line=line)
    value = record[field]
    if isinstance(value, str):  # nearly every record's: the checks below only for the rest
        return value
    if value is None or is_missing(value):  # a DataFrame's gap (NaN) as JSON's null: a paragraph of no text
        return ""
    # named by its record, as every other fault of one is
    raise DataError(f"the {field!r} field must be text, got {type(value).__name__}", path=path or None, line=line)


class TrendCounter:
    """The counts behind :func:`trends`, kept as paragraphs go by (memory: the cells, not the paragraphs).

    >>> c = TrendCounter(period="year")
    >>> c.add("2024-05-01", ["trade"]), c.add("2024-06-01", [])
    ('2024', '2024')
    >>> [(r.period, r.topic, r.paragraphs, r.share) for r in c.rows(["trade"])]
    [('2024', 'trade', 1, 0.5)]
    """

    def __init__(self, *, period: str = "month", grouped: bool = False):
        if period not in PERIODS:
            raise InputError(f"period must be one of {', '.join(PERIODS)}, got {period!r}")
        self.period, self.grouped = period, grouped
        self.cells: Counter = Counter()
        self.counts: Counter = Counter()
        self.docs: defaultdict = defaultdict(set)
        self.cell_docs: defaultdict = defaultdict(set)
        self.topics: dict[str, None] = {}
        self.undated = 0
        self.dateless = 0  # of the undated: those with no value at all (None or "")
        self.unreadable: object = None  # the first value given that is no date, to show the user
        self._periods: dict[str, str] = {}  # period by date string: a corpus repeats its dates

    def add(self, date: object, tags: Iterable[str], by: str | None = None, doc: object = None) -> str:
        """Count one paragraph: its date (read leniently), topics, ``by`` value and document; returns its period."""
        return self.add_all(date, [tags], by, doc)

    def add_all(self, date: object, tag_lists: list[Iterable[str]], by: str | None = None, doc: object = None) -> str:
        """Count paragraphs of one date, ``by`` value and document, one list of topics each; returns their period."""
        when = self._periods.get(date) if type(date) is str else None
        if when is None:
            day = parse_date(date)
            when = UNDATED if day is None else period_of(day, self.period)
            if type(date) is str and len(self._periods) < _REMEMBERED:
                self._periods[date] = when
        if when == UNDATED:
            self.undated += len(tag_lists)
            if date is None or date == "":
                self.dateless += len(tag_lists)
            elif self.unreadable is None:
                self.unreadable = date
        cell = (by, when)
        self.cells[cell] += len(tag_lists)
        if self.grouped and tag_lists:
            self.cell_docs[cell].add(doc)
        for tags in tag_lists:
            for t in dict.fromkeys(tags):
                self.counts[cell, t] += 1
                self.topics.setdefault(t)
                if self.grouped:
                    self.docs[cell, t].add(doc)
        return cell[1]

    def rows(self, order: Iterable[str] | None = None) -> list[TrendRow]:
        """Every topic (``order`` first, then any other seen, by name) in every cell, sorted by ``by`` (``(none)``
        last, as evaluate lists its groups) and period."""
        order = list(order or [])
        order += [t for t in sorted(self.topics) if t not in order]
        rows = []
        for cell in sorted(self.cells, key=lambda c: (c[0] == NO_VALUE, c[0] or "", c[1] == UNDATED, c[1])):
            n = self.cells[cell]
            for t in order:
                k = self.counts[cell, t]
                docs = len(self.docs[cell, t])
                d = (docs, docs / len(self.cell_docs[cell])) if self.grouped else (None, None)
                rows.append(TrendRow(cell[0], cell[1], t, k, k / n, *d))
        return rows

    def undated_note(self, field: str, unit: str = "record") -> str | None:
        """What to tell the user about the paragraphs counted under ``undated`` (None when there are none),
        counted as ``unit``-s (what one count stands for to the user: a record, or a report's paragraph).

        >>> c = TrendCounter()
        >>> c.add("2024-05-01", []), c.add("01/05/2024", []), c.add(None, [])
        ('2024-05', 'undated', 'undated')
        >>> print(c.undated_note("date"))
        2 of 3 records had no readable date in the 'date' field (1 had none; others such as '01/05/2024' are no date \
this reads: YYYY-MM-DD or a datetime, YYYY-MM, YYYY, a year number, a date with its month's name, as '14 de marzo \
de 2026' or 'March 14, 2026'); counted under 'undated'
        """
        if not self.undated:
            return None
        total = sum(self.cells.values())
        if self.dateless == total:
            counted = f"all {total:,} were" if total != 1 else "it was"
            return (f"no {unit} has a value in the {field!r} field: {counted} counted under {UNDATED!r} "
                    "(is the date field named otherwise?)")
        parts = [f"{self.dateless:,} had none"] if self.dateless else []
        if self.unreadable is not None:
            parts.append(f"{'others' if self.dateless else 'values'} such as {self.unreadable!r} are no date this "
                         "reads: YYYY-MM-DD or a datetime, YYYY-MM, YYYY, a year number, a date with its month's name, "
                         "as '14 de marzo de 2026' or 'March 14, 2026'")
        return (f"{self.undated:,} of {total:,} {unit}{'s' if total != 1 else ''} had no readable date in the "
                f"{field!r} field ({'; '.join(parts)}); counted under {UNDATED!r}")


def trends(records: Iterable[Mapping | Record], *, date: str, period: str = "month", by: str | None = None,
           group: str | None = None, model: TopicModel | None = None, text: str = "text",
           topics: Iterable[str] | None = None, as_frame: bool = False) -> list[TrendRow] | pd.DataFrame:
    """Count, per period (and per value of the ``by`` field, named by :func:`by_value`), the paragraphs
    tagged with each topic and their share of all paragraphs in that cell; with ``group`` (e.g. ``"url"``),
    records sharing a value (named by ``evaluation.value_name``: a list or object by its JSON) are one
    document and documents are counted too. A record with a ``topics`` value (topic ids, ``{"topic": ...}``
    objects as ``classify`` writes them, or a cell of ids joined by ``;``, ``|`` or ``,``) is counted with those
    topics as given, any other value being a :class:`DataError` naming the record (``record N``, its position counted from 0, or the file
    and line of a ``records.Record`` as ``read_records`` reads them); records without one (no such field, or
    null) are classified with ``model`` (the default model when None). Rows
    come sorted by ``by`` value (``(none)`` last), period and topic (in the model's order, else ``topics``,
    else by name), with every topic in every cell; ``as_frame`` returns a pandas DataFrame (pandas must be
    installed) whose columns are :meth:`TrendRow.columns` (``by`` named ``"by"`` when not given), rows or none.
    With no record there is no row, and a warning on the ``topicslib`` logger says so. ``date`` is required, as
    ``--date`` is on the command line: anything but a field's name (None) is an :class:`InputError`.

    >>> trends([{"text": "Tariffs fell.", "date": "2024-03-05", "topics": {"trade": 1}}], date="date")
    Traceback (most recent call last):
    ...
    topicslib.errors.DataError: record 0: 'topics' must be a list of topic ids or of {"topic": ...} objects \
(as classify writes them), got {'trade': 1}
    """
    if isinstance(records, (str, bytes, Mapping)) or not isinstance(records, Iterable):
        raise InputError(f"records must be an iterable of mappings (such as dicts), got {type(records).__name__}")
    refuse_table(records, "records must be an iterable of mappings (such as dicts)")
    if not isinstance(date, str):
        raise InputError(f"date must name the field that holds each record's date, got {date!r}")

    def mappings(items: Iterable) -> Iterator[tuple[Mapping, str | None, int | None]]:
        """Each record as a mapping, with the file and line it comes from (a mapping: none, and its position,
        counted from 0 as the API counts texts and examples), checked as they stream by: records may be a generator."""
        for n, record in enumerate(items):
            if isinstance(record, Record):
                yield {**record.fields, record.text_field: record.text}, record.source or None, record.line
                continue
            if not isinstance(record, Mapping):
                raise InputError(f"record {n} must be a mapping (such as a dict) with a {text!r} field, "
                                 f"got {type(record).__name__}")
            yield record, None, n

    records = mappings(records)
    counter = TrendCounter(period=period, grouped=group is not None)
    models = [model]
    for record, tags in _topics(records, models, text):
        counter.add(record.get(date), tags, None if by is None else by_value(record.get(by)),
                    value_name(record.get(group)) if group else None)
    note = counter.undated_note(date) if counter.cells else "no records read: nothing to count"
    if note:
        log.warning("%s", note)
    model = models[0]
    rows = counter.rows(topics if topics is not None else model.classes_.tolist() if model is not None else None)
    if as_frame:
        import pandas as pd

        by_name = by or "by"
        return pd.DataFrame([r.to_dict(by_name) for r in rows], columns=TrendRow.columns(by_name, group is not None))
    return rows
