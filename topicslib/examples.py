"""Reading labeled examples: JSON Lines or CSV files, folders of them, or records in memory.

Each example is a paragraph and its topics: ``{"text": "...", "topics": ["trade"]}``
(other keys are ignored). Every problem is reported with the file and line it
comes from, so a user can fix the file without guessing.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import ExampleError, TrainingError
from .taxonomy import Taxonomy, is_label

EXAMPLE_SUFFIXES = (".jsonl", ".csv")


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


def _topics_of(value: object, *, path: str | None, line: int | None) -> tuple[str, ...]:
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
    return Example(text, _topics_of(record["topics"], path=path, line=line), path, line)


def _decoded_lines(path: Path) -> list[tuple[int, str]]:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ExampleError(f"cannot read file: {e.strerror or e}", path=path) from None
    if not raw.strip():
        raise ExampleError("file is empty", path=path)
    lines = []
    for n, chunk in enumerate(raw.splitlines(), 1):
        try:
            lines.append((n, chunk.decode("utf-8-sig" if n == 1 else "utf-8")))
        except UnicodeDecodeError as e:
            raise ExampleError(f"not UTF-8 (byte {e.start + 1} of the line); save the file as UTF-8", path=path, line=n) from None
    return lines


def _read_jsonl(path: Path) -> list[Example]:
    out = []
    for n, line in _decoded_lines(path):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ExampleError(f"invalid JSON: {e.msg} (column {e.colno})", path=path, line=n) from None
        except RecursionError:
            raise ExampleError("invalid JSON: nested too deeply", path=path, line=n) from None
        out.append(_example(record, path=str(path), line=n))
    return out


def _split_topics_cell(cell: str, *, path: str, line: int) -> list[str]:
    cell = cell.strip()
    if cell.startswith("["):
        try:
            value = json.loads(cell)
        except json.JSONDecodeError as e:
            raise ExampleError(f"invalid JSON list in 'topics': {e.msg}", path=path, line=line) from None
        except RecursionError:
            raise ExampleError("invalid JSON list in 'topics': nested too deeply", path=path, line=line) from None
        return value
    for sep in (";", "|", ","):
        if sep in cell:
            return [t for t in (p.strip() for p in cell.split(sep)) if t]
    return [cell] if cell else []


def _read_csv(path: Path) -> list[Example]:
    text = "\n".join(line for _, line in _decoded_lines(path))
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "text" not in reader.fieldnames or "topics" not in reader.fieldnames:
        raise ExampleError(f"CSV header must name 'text' and 'topics' columns, found {reader.fieldnames}", path=path, line=1)
    out = []
    try:
        for row in reader:
            n = reader.line_num
            if row.get(None):
                raise ExampleError("row has more cells than the header", path=path, line=n)
            topics = _split_topics_cell(row["topics"] or "", path=str(path), line=n)
            out.append(_example({"text": row["text"] or "", "topics": topics}, path=str(path), line=n))
    except csv.Error as e:
        raise ExampleError(f"invalid CSV: {e}", path=path, line=reader.line_num) from None
    return out


def _read_file(path: Path) -> list[Example]:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path)
    if suffix in (".jsonl", ".json", ".ndjson"):
        return _read_jsonl(path)
    raise ExampleError(f"unknown example file type {suffix!r}; use .jsonl or .csv", path=path)


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
        path = Path(source)
        if path.is_dir():
            files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in EXAMPLE_SUFFIXES)
            if not files:
                raise ExampleError(f"no example files ({', '.join(EXAMPLE_SUFFIXES)}) in this folder", path=path)
            examples = [e for f in files for e in _read_file(f)]
        elif path.is_file():
            examples = _read_file(path)
        else:
            raise ExampleError("no such file or folder", path=path)
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
