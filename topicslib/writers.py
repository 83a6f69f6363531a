"""Writers of classified records: JSON Lines, CSV, or an aligned table for a person.

Each writer takes ``(record, topics)`` pairs one at a time, so results stream to their output
whatever the size of the input; :func:`output_format` picks one from the command line.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable
from typing import IO

from .documents import Paragraph, TopicScore, aggregate
from .progress import terminal_width
from .records import Record, output_record


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
        self.width = terminal_width(out, 100) if out.isatty() else 100
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
