"""Splitting documents into paragraphs, and the result types for classified documents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import NamedTuple

# A bullet, a numbered item or a Markdown heading starts its own paragraph.
_MARKER = re.compile(r"^\s*(?:[-*•▪‣◦·–]\s+|\d{1,3}[.)]\s+|#{1,6}\s+)")
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)\]]\s*$")


class TopicScore(NamedTuple):
    """A topic and its probability, as ``classify`` returns them."""

    topic: str
    score: float


class DocumentTopic(NamedTuple):
    """A topic of a whole document: best paragraph score, how many paragraphs carry it, and their share."""

    topic: str
    score: float
    paragraphs: int
    share: float


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a document with its topics and its language (``"en"``, ``"es"`` or ``"und"``)."""

    index: int
    text: str
    topics: list[TopicScore]
    lang: str = "und"


@dataclass(frozen=True)
class DocumentResult:
    """Paragraphs with their topics, and the document's topics aggregated over them."""

    paragraphs: list[Paragraph]
    topics: list[DocumentTopic]


def split_paragraphs(text: str) -> list[str]:
    """Split a document on blank lines and line breaks; bullets and headings are paragraphs too.

    A line that continues a sentence (the previous line does not end one and
    this one starts in lower case) is joined to it, so hard-wrapped text stays whole.

    >>> split_paragraphs("# Title\\nFirst line of a\\nwrapped paragraph.\\n\\n- a bullet")
    ['# Title', 'First line of a wrapped paragraph.', '- a bullet']
    """
    paragraphs: list[list[str]] = []  # the lines of each paragraph, joined at the end (joining as we go is quadratic)
    joinable = marked = False
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            joinable = False
            continue
        if joinable and not _MARKER.match(line) and line[0].islower():
            paragraphs[-1].append(line)
            if len(paragraphs[-1]) == 2:  # "-" or "12." alone is no marker, but is one once text follows
                marked = bool(_MARKER.match(paragraphs[-1][0] + " " + line))
        else:
            paragraphs.append([line])
            marked = bool(_MARKER.match(line))
        joinable = not _SENTENCE_END.search(line) and not marked
    return [" ".join(p) for p in paragraphs]


def aggregate(paragraphs: list[Paragraph]) -> list[DocumentTopic]:
    """Document topics: count of paragraphs tagged, share of all paragraphs, best score; most frequent first."""
    best: dict[str, float] = {}
    count: dict[str, int] = {}
    for p in paragraphs:
        for t, s in p.topics:
            count[t] = count.get(t, 0) + 1
            best[t] = max(best.get(t, 0.0), s)
    n = max(1, len(paragraphs))
    out = [DocumentTopic(t, best[t], c, c / n) for t, c in count.items()]
    return sorted(out, key=lambda d: (-d.paragraphs, -d.score, d.topic))
