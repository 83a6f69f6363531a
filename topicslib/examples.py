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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import DataError, ExampleError, TrainingError
from .files import find_files
from .records import Source, format_of, parse_json, source_rows
from .taxonomy import Taxonomy, is_label

# What a folder of examples is searched for; a file named on its own may also end in .json or .ndjson.
EXAMPLE_SUFFIXES = (".jsonl", ".csv")
_FORMATS = {"jsonl": (".jsonl", ".json", ".ndjson"), "csv": (".csv",)}


@dataclass(frozen=True)
class Example:
    """One labeled paragraph and where it came from.

    >>> Example("Tariffs rose.", ("trade",)).topics
    ('trade',)
    """

    text: str
    topics: tuple[str, ...]
    path: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        return f"{self.path or '<records>'}:{self.line}" if self.line is not None else (self.path or "<records>")


def topics_of(value: object, *, path: str | None = None, line: int | None = None) -> tuple[str, ...]:
    """A record's ``topics`` value as a tuple of topic ids, checked, repeats dropped.

    >>> topics_of([" trade", "climate", "trade"])
    ('trade', 'climate')
    """
    if not isinstance(value, (list, tuple)) or not all(isinstance(t, str) for t in value):
        raise ExampleError(f"'topics' must be a list of topic ids, got {value!r}", path=path, line=line)
    cleaned = [t.strip() for t in value]
    if any(not t for t in cleaned):
        raise ExampleError("'topics' holds an empty topic id", path=path, line=line)
    for t in cleaned:
        if not is_label(t):  # it would end up in the model file, which must load again
            raise ExampleError(f"'topics' holds a malformed topic id {t!r} (control or invisible characters)", path=path, line=line)
    return tuple(dict.fromkeys(cleaned))  # drop repeats, keep order


def _example(record: object, *, path: str | None, line: int | None) -> Example:
    if isinstance(record, Example):
        return record
    if not isinstance(record, Mapping):
        raise ExampleError(f"expected an object with 'text' and 'topics', got {type(record).__name__}", path=path, line=line)
    if "text" not in record:
        raise ExampleError("missing 'text'", path=path, line=line)
    text = record["text"]
    if not isinstance(text, str):
        raise ExampleError(f"'text' must be a string, got {type(text).__name__}", path=path, line=line)
    if not text.strip():
        raise ExampleError("'text' is empty", path=path, line=line)
    if "topics" not in record:
        raise ExampleError("missing 'topics' (use [] for a paragraph with no topic)", path=path, line=line)
    return Example(text, topics_of(record["topics"], path=path, line=line), path, line)


def _split_topics_cell(cell: str, *, path: str, line: int) -> list | str:
    """A CSV ``topics`` cell: a JSON list, or ids separated by ``;``, ``|`` or ``,``."""
    cell = cell.strip()
    if cell.startswith("["):
        return parse_json(cell, "JSON list in 'topics'", path=path, line=line, error=ExampleError)
    for sep in (";", "|", ","):
        if sep in cell:
            return [t for t in (p.strip() for p in cell.split(sep)) if t]
    return [cell] if cell else []


def _read_file(path: Path) -> list[Example]:
    fmt = format_of(path, formats=_FORMATS)
    if fmt is None:
        raise ExampleError(f"unknown example file type {path.suffix!r}; use .jsonl or .csv", path=path)
    name = str(path)
    out = []
    for n, fields in source_rows(Source(name, fmt, path), required=("text", "topics"), error=ExampleError):
        if fmt == "csv":
            fields = {"text": fields["text"] or "", "topics": _split_topics_cell(fields["topics"] or "", path=name, line=n)}
        out.append(_example(fields, path=name, line=n))
    if not out:
        raise ExampleError("file is empty: no examples in it", path=path)
    return out


def read_examples(
    source: str | Path | Iterable[Mapping | Example],
    *,
    taxonomy: Taxonomy | None = None,
    unique: bool = True,
) -> list[Example]:
    """Read and validate examples from a file, a folder of files, or records.

    Raises :class:`ExampleError` naming file and line for bad JSON, missing or
    empty text, malformed or unknown topics (when ``taxonomy`` is given) and,
    with ``unique`` (for training), duplicate paragraphs.

    >>> [e.topics for e in read_examples([{"text": "Tariffs rose.", "topics": ["trade"]}])]
    [('trade',)]
    """
    if isinstance(source, (str, Path)):
        try:
            files = find_files(source, lambda p: p.suffix.lower() in EXAMPLE_SUFFIXES, f"example files ({', '.join(EXAMPLE_SUFFIXES)})")
        except DataError as e:
            raise ExampleError(e.reason, path=e.path) from None
        examples = [e for f in files for e in _read_file(f)]
    elif isinstance(source, (bytes, Mapping)) or not isinstance(source, Iterable):
        raise ExampleError(f"examples must be a path or an iterable of records, got {type(source).__name__}")
    else:
        examples = [_example(r, path=None, line=n) for n, r in enumerate(source, 1)]
    if not examples:
        raise ExampleError("no examples found")
    if unique:
        _check_duplicates(examples)
    if taxonomy is not None:
        known = set(taxonomy.ids)
        for e in examples:
            for t in e.topics:
                if t not in known:
                    raise ExampleError(f"unknown topic {t!r}; the taxonomy has {', '.join(taxonomy.ids)}", path=e.path, line=e.line)
    return examples


def _check_duplicates(examples: list[Example]) -> None:
    first: dict[str, Example] = {}
    for e in examples:
        key = " ".join(e.text.split()).casefold()
        if key in first:
            raise ExampleError(f"duplicate paragraph (first seen at {first[key].where})", path=e.path, line=e.line)
        first[key] = e


def indicator(examples: Iterable[Example], topic_ids: Sequence[str]) -> np.ndarray:
    """0/1 matrix of examples (rows) by topics (columns in ``topic_ids`` order).

    >>> indicator([Example("x", ("b",))], ["a", "b"]).tolist()
    [[False, True]]
    """
    return np.array([[t in e.topics for t in topic_ids] for e in examples], dtype=bool).reshape(-1, len(topic_ids))


def labels_taxonomy(examples: Iterable[Example]) -> Taxonomy:
    """A bare taxonomy of the labels the examples carry, in sorted order."""
    return Taxonomy.from_ids(sorted({t for e in examples for t in e.topics}))


def topic_counts(examples: Iterable[Example]) -> Counter:
    """How many examples carry each topic."""
    return Counter(t for e in examples for t in e.topics)


def check_trainable(examples: list[Example], taxonomy: Taxonomy, min_examples: int) -> None:
    """Fail, naming the topic, when a topic has fewer than ``min_examples`` positives or no negatives."""
    counts = topic_counts(examples)
    for tid in taxonomy.ids:
        n = counts.get(tid, 0)
        if n < min_examples:
            found = [e.where for e in examples if tid in e.topics]
            raise TrainingError(
                f"topic {tid!r} has {n} example{'s' if n != 1 else ''}; at least {min_examples} are needed to train it "
                "(add examples, or lower the min_examples option)" + (f"; found at {', '.join(found)}" if found else "")
            )
        if n == len(examples):
            raise TrainingError(f"topic {tid!r} is on every example; add examples without it")


def examples_digest(examples: Iterable[Example]) -> str:
    """sha256 of the texts and topics, independent of file names and order of keys."""
    h = hashlib.sha256()
    for e in examples:
        # surrogatepass: a lone surrogate (from a JSON escape) is no reason to fail; the features drop it
        h.update(json.dumps([e.text, list(e.topics)], ensure_ascii=False).encode("utf-8", "surrogatepass"))
        h.update(b"\n")
    return h.hexdigest()
