"""Splitting documents into paragraphs, and the result types for classified documents."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from .features import pieces

# A bullet, a numbered item or a Markdown heading starts its own paragraph.
_MARKER = re.compile(r"^\s*(?:[-*•▪‣◦·–]\s+|\d{1,3}[.)]\s+|#{1,6}\s+)")
# Lines that carry no text of their own: Markdown table rules, code fences and horizontal rules.
_RULE = re.compile(r"^\s*(?:\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?|`{3,}.*|~{3,}.*|(?:[-*_]\s*){3,})\s*$")
# A word broken at the end of a line, as PDF text has them ("pun-" then "ish").
_BROKEN = re.compile(r"[^\W\d_]-$")
# Markdown markup, dropped for scoring: images and links keep their text, emphasis and code marks go.
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)(.+?)(?<=\S)\1")
_LEAD = re.compile(r"^\s*(?:#{1,6}|>+)\s+")
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)\]]\s*$")
# A line joins a paragraph only while the paragraph stays under this many characters, and a longer line is
# cut before a space into pieces of about this size: text with no line break for pages on end (a PDF page,
# a web page on one line) still comes in bounded paragraphs.
LONGEST_PARAGRAPH = 100_000
# Decimals of a score where outputs print it (JSON Lines, CSV, the report).
SCORE_DIGITS = 4


class TopicScore(NamedTuple):
    """A topic and its probability, as ``classify`` returns them."""

    topic: str
    score: float


def printed(topics: list[TopicScore]) -> list[TopicScore]:
    """Scores as outputs print them (``SCORE_DIGITS`` decimals).

    >>> printed([TopicScore("trade", 0.912345)])
    [TopicScore(topic='trade', score=0.9123)]
    """
    return [TopicScore(t, round(s, SCORE_DIGITS)) for t, s in topics]


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
    this one starts in lower case) is joined to it, so hard-wrapped text stays whole; a word broken
    by a hyphen at the end of a line (PDF text) is joined back. Markdown table rules, code fences and
    horizontal rules are dropped: they are no paragraphs. A paragraph holds about ``LONGEST_PARAGRAPH``
    characters at most: no line joins it past that, and a longer line is cut before a space into pieces of
    about that size (a word is never cut).

    >>> split_paragraphs("# Title\\nFirst line of a\\nwrapped para-\\ngraph.\\n\\n| a | b |\\n|---|---|\\n- a bullet")
    ['# Title', 'First line of a wrapped paragraph.', '| a | b |', '- a bullet']
    """
    return list(iter_paragraphs(text.splitlines()))


def iter_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """The paragraphs of a document's lines, as :func:`split_paragraphs` finds them, each given as soon as
    it ends: a file read line by line holds only the paragraph it is in, however long the file.

    >>> list(iter_paragraphs(["First line of a", "wrapped paragraph.", "- a bullet"]))
    ['First line of a wrapped paragraph.', '- a bullet']
    """
    paragraph: list[str] = []  # its lines, joined when it ends (joining as we go is quadratic)
    size = 0  # its characters
    joinable = marked = False
    for line in (piece.strip() for raw in lines for piece in pieces(raw, LONGEST_PARAGRAPH)):
        if not line or _RULE.match(line):
            if paragraph:
                yield " ".join(paragraph)
                paragraph = []
            joinable = False
            continue
        joins = joinable and size + len(line) < LONGEST_PARAGRAPH and not _MARKER.match(line) and line[0].islower()
        if joins and _BROKEN.search(paragraph[-1]):
            paragraph[-1] = paragraph[-1][:-1] + line
            size += len(line) - 1
        elif joins:
            paragraph.append(line)
            size += len(line) + 1
            if len(paragraph) == 2:  # "-" or "12." alone is no marker, but is one once text follows
                marked = bool(_MARKER.match(paragraph[0] + " " + line))
        else:
            if paragraph:
                yield " ".join(paragraph)
            paragraph, size = [line], len(line)
            marked = bool(_MARKER.match(line))
        joinable = not _SENTENCE_END.search(line) and not marked
    if paragraph:
        yield " ".join(paragraph)


def plain_text(paragraph: str) -> str:
    """A paragraph as the model should read it: Markdown links and images reduced to their text,
    emphasis and code marks, heading and quote markers and table pipes dropped. Outputs keep the original.

    >>> plain_text("## **Summary.** See [the report](https://x.org/r.pdf) and `code` | cell |")
    'Summary. See the report and code   cell'
    """
    text = _LEAD.sub("", paragraph)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    return text.replace("|", " ").strip()


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
