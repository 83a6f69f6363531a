"""Splitting documents into paragraphs, and the result types for classified documents."""

from __future__ import annotations

import dataclasses
import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from typing import NamedTuple

import numpy as np

from .dates import MONTH_NAME
from .features import pieces
from .navigation import is_list_heading

# A bullet, a numbered item or a Markdown heading starts its own paragraph.
_MARKER = re.compile(r"^\s*(?:[-*•▪‣◦·–]\s+|\d{1,3}[.)]\s+|#{1,6}\s+)")
# A heading is one line: no line joins it, though a bullet's wrapped text joins its bullet.
_HEADING = re.compile(r"^\s*#{1,6}\s+")
# Lines that carry no text of their own: Markdown table rules, code fences and horizontal rules.
_RULE = re.compile(r"^\s*(?:\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?|`{3,}.*|~{3,}.*|(?:[-*_]\s*){3,})\s*$")
# A word broken at the end of a line, as PDF text has them ("pun-" then "ish").
_BROKEN = re.compile(r"[^\W\d_]-$")
# Markdown markup, dropped for scoring: images and links keep their text, emphasis and code marks go. A link's
# text and address stop at the next "[": read past it, each "[" of "[[[...]]]" or "[a](" repeated was tried to the
# paragraph's end, and a paragraph of 200,000 such characters took 107 s (QA pass 8).
_IMAGE = re.compile(r"!\[([^\[\]]*)\]\([^)\[]*\)")
_LINK = re.compile(r"\[([^\[\]]+)\]\([^)\[]*\)")
# Emphasis holds no mark of its own kind ("**a *b* c**" may hold "*"): tried past it, each "**" of "**a " repeated
# was tried to the paragraph's end, as links were.
_EMPHASIS = re.compile(r"(\*\*|__|\*|`)(?=\S)((?:(?!\1).)+?)(?<=\S)\1")
_LEAD = re.compile(r"^\s*(?:#{1,6}|>+)\s+")
_SENTENCE_END = re.compile(r"[.!?:;\"'”’)\]]\s*$")
# A line that may go on into one starting with a capital or a digit ends with a word or a number (and perhaps a
# comma), or with a letter and a hyphen: no table row, markup or closing mark.
_OPEN_END = re.compile(r"(?:[^\W_],?|[^\W\d_]-)$")
# Marks a sentence inside another may start with: Spanish opening question and exclamation marks, opening quotes.
_OPENING = "¿¡«“‘\"'"
# Words no sentence, title or byline ends in: articles, and prepositions Spanish never leaves at an end (English
# may, "what it voted for": of its prepositions only "of"). A line ending in one goes on into the next, whatever that
# starts with: Spanish writes "firmaron con la" / "Unión Europea", "tomará el" / "Gobierno", where English writes
# "the" / "government", which joins as a lower-case line. "sin" is left out, an English word too.
_UNFINISHED = frozenset("the a an of".split()  # English
                        + """el la los las un una unos unas al del a ante bajo con contra de desde en entre hacia
                        hasta para por según sobre tras""".split())  # Spanish
# A date, as a web page's date line or an agency's dateline gives it: "March 3, 2026", "3 de marzo de 2026",
# "3 Mar 2026", "2026-03-03"; the year may be left out in a dateline ("3 mar").
_MONTH = rf"{MONTH_NAME}\.?"
_DAY_MONTH = rf"\d{{1,2}}\s+(?:de\s+)?{_MONTH}"
_DATE = rf"(?i:{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|{_DAY_MONTH},?\s+(?:de\s+)?\d{{4}}|\d{{4}}-\d\d-\d\d)"
# What starts a story's text after a headline that ends no sentence, which a wrapped line never starts with: a
# dateline, a place in capitals ("BOGOTA", "CIUDAD DE MÉXICO", "U.S.", "ST. LOUIS"), perhaps with a date and an
# agency in brackets, or a place as written with a date and an agency ("Bogotá, 3 mar (EFE)"), then a dash and a sentence ("BOGOTA, March 3
# (Reuters) - The", "WASHINGTON — The", "MADRID, 3 mar (EFE).- El"); or a date line, a date alone or before a
# separator ("March 3, 2026 | Topics: Migration").
_DATELINE = re.compile(
    r"(?:(?:(?:[A-ZÀ-ÖØ-Þ]{3,}[.'’]?|(?:[A-ZÀ-ÖØ-Þ]\.){2,}|[A-ZÀ-ÖØ-Þ]{2}\.(?= [A-ZÀ-ÖØ-Þ]))"  # a place in capitals
    r"(?:[ -][A-ZÀ-ÖØ-Þ]{2,}[.'’]?)*"  # (an abbreviation too: "U.S.", "ST. LOUIS"),
    r"(?:,[^()\n–—]{1,40}?)?(?:\s*\([^()\n]{1,40}\))?"  # perhaps a date, an agency;
    rf"|(?=[^,]{{1,40}},\s*\d)[^\W\d_]+(?: [^\W\d_]+){{0,3}},\s*"  # or a place as written (a comma and a
    rf"(?i:{_DAY_MONTH}(?:,?\s+(?:de\s+)?\d{{4}})?)\s*\([^()\n]{{1,40}}\))"  # digit looked for first), date, agency;
    r"(?:\s+-{1,2}\s+|\s*[–—]\s*|\.-\s*)[¿¡«“\"]?[A-ZÀ-ÖØ-Þ]"  # a dash, the first sentence
    rf"|(?=\d|[^\W\d_]{{3,9}}\.?\s+\d){_DATE}(?:\s*$|\s+[|·•]\s))")  # or a date alone or before a separator
# A page's menu line ("Home | World | Politics | Opinion", "Inicio  Política  Economía  Mundo"): its items
# capitalised, between separators (a bar, a dot, a slash, two spaces or more). About as long as a text's wrapped
# lines, it read as one, and the headline after it (or the story after it, under the headline) joined it. Items
# with a single space between them are no menu to tell from a wrapped line that names a firm or a body ("Shearson
# Lehman Brothers Inc.").
_MENU_WORDS = 4
_MENU_SEPARATOR = re.compile(r"\s[|·•/›»](?=\s)|\S {2,}(?=\S)")
_MENU = re.compile(rf"(?:(?:[A-ZÀ-ÖØ-Þ][\w.'’&-]*|[|·•/›»])(?:\s+|$)){{{_MENU_WORDS},}}")
# A line this long or longer may be a line of hard-wrapped prose; the median length of a text's such lines is the
# width it is wrapped at (:func:`wrap_width`).
_WRAPPED = 40
# A character some Markdown markup above needs, and a character str.splitlines breaks a line at.
_MARKUP = re.compile(r"[#>\[*_`|]")
_LINE_BREAK = re.compile("[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# A line joins a paragraph only while the paragraph stays under this many characters, and a longer line is
# cut before a space into pieces of about this size: text with no line break for pages on end (a PDF page,
# a web page on one line) still comes in bounded paragraphs.
LONGEST_PARAGRAPH = 100_000
# Running heads and feet of printed pages (a report's title, "Page 3 of 40"): a line of at most this many
# characters, seen on at least this many pages, among the first or last lines (this many) of a page.
_HEAD_LENGTH, _HEAD_PAGES, _HEAD_EDGE = 120, 3, 3
# Lines (and characters) read ahead to find them before the first paragraph is given: a bounded window
# of a streamed file.
HEAD_WINDOW, _HEAD_CHARS = 5000, 1 << 20
# A page break, as a line of its own: PDF text (pdftotext) ends each page with a form feed.
PAGE_BREAK = "\f"
_DIGITS = re.compile(r"\d+")
_PAGE_NUMBER = re.compile(r"^[\W_]*(?:(?:page|p\.|pág\.|pag\.|página|pagina)\s*)?#(?:\s*(?:of|de|/)\s*#)?[\W_]*$")
# A line listed under a heading of links to other stories (navigation.is_list_heading): a headline, as long as
# this at most (without its Markdown), ending no sentence; a list holds this many at most.
_LISTED_LENGTH, _LISTED_LINES = 160, 12
# Decimals of a score where outputs print it (JSON Lines, CSV, the report).
SCORE_DIGITS = 4
# What joins a record's topics (and their scores) in one CSV cell; trends reads such cells back.
CELL_SEPARATOR = ";"
# Fewer scores than this are rounded one by one (a document's in the report), more in numpy (a batch's output).
_FEW_SCORES = 64


def rounded_repr(result: object) -> str:
    """The repr of a result, a named tuple (:class:`TopicScore`, :class:`DocumentTopic`) or a dataclass
    (``Explanation``, ``Suspect``), with its numbers to two decimals, as the README shows them; the numbers
    themselves keep full precision. A result held in another (an explanation's terms) is shown by its own repr.

    >>> t = TopicScore("migration", 0.9999727054442905)
    >>> t, t.score
    (TopicScore(topic='migration', score=1.00), 0.9999727054442905)
    """
    names = result._fields if isinstance(result, tuple) else [f.name for f in dataclasses.fields(result) if f.repr]
    fields = (f"{name}={value:.2f}" if isinstance(value, float) else f"{name}={value!r}"
              for name, value in ((name, getattr(result, name)) for name in names))
    return f"{type(result).__name__}({', '.join(fields)})"


class TopicScore(NamedTuple):
    """A topic and its probability, as ``classify`` returns them. Shown to two decimals (:func:`rounded_repr`)."""

    topic: str
    score: float

    __repr__ = rounded_repr


def printed_scores(scores: Sequence[float]) -> list[float]:
    """Scores as outputs print them: each rounded to ``SCORE_DIGITS`` decimals exactly as ``round`` rounds it, many
    at once (``round`` goes through a decimal string: 2% of the classify command's instructions went there).

    >>> printed_scores([0.912345, 0.00005, 1.0])
    [0.9123, 0.0001, 1.0]
    """
    if len(scores) < _FEW_SCORES:  # numpy's fixed costs would outweigh round's
        return [round(s, SCORE_DIGITS) for s in scores]
    steps = np.asarray(scores, dtype=np.float64) * 10**SCORE_DIGITS
    out = (np.rint(steps) / 10**SCORE_DIGITS).tolist()  # the division is correctly rounded, as round's last step
    # The product carries a rounding error (under 1e-11 here) that rint cannot see: where it may have moved a
    # value across a half step, round, which rounds the exact decimal value, decides.
    for i in np.flatnonzero(np.abs(np.abs(steps - np.floor(steps)) - 0.5) < 1e-6).tolist():
        out[i] = round(scores[i], SCORE_DIGITS)
    return out


def printed(topics: list[TopicScore]) -> list[TopicScore]:
    """Scores as outputs print them (:func:`printed_scores`).

    >>> [tuple(t) for t in printed([TopicScore("trade", 0.912345)])]
    [('trade', 0.9123)]
    """
    return list(map(TopicScore, [t for t, _ in topics], printed_scores([s for _, s in topics])))


class DocumentTopic(NamedTuple):
    """A topic of a whole document: best paragraph score, how many paragraphs carry it, and their share. Shown with
    the score and the share to two decimals (:func:`rounded_repr`)."""

    topic: str
    score: float
    paragraphs: int
    share: float

    __repr__ = rounded_repr


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

    A line that continues a sentence is joined to it, so hard-wrapped text stays whole, a bullet's wrapped text
    too (indented or not; a heading stays one line, and a bullet never joins another): the previous line ends
    no sentence and this one starts in lower case (after any ``¿``, ``¡`` or opening quote), or with a capital or
    a digit where the previous line is a wrapped one: it ends with a word, a number or a comma, and the first word
    of this line would not have fit on it within the width the text is wrapped at (:func:`wrap_width`), so that a
    short title, date or byline stays apart. Across a blank line only a line in lower case joins: a headline, a
    caption or a link that ends no sentence keeps the paragraph after it apart. A heading of links to other stories
    alone on its line ("Noticias relacionadas", :func:`navigation.is_list_heading`) and the headlines listed under it
    (a line each, ending no sentence) are one paragraph, its lines kept apart by line breaks. A line ending in an article or in a preposition no sentence ends in
    ("the", "of"; "la", "los", "de", "con") goes on into the next whatever its length and case, and a news story's
    dateline ("BOGOTA, March 3 (Reuters) - The", "WASHINGTON — The", "MADRID, 3 mar (EFE).- El") or a web page's
    date line ("March 3, 2026 | Topics: Trade") starts a paragraph, so that a headline that ends no sentence stays
    apart; a page's menu line ("Home | World | Politics | Opinion") neither goes on into the next line nor takes the
    line before. A word broken by a hyphen at the end of a line
    (PDF text) is joined back ("pun-" "ish"), a hyphenated one keeps its hyphen ("anti-" "American"), however short
    its line. Markdown table rules, code fences and horizontal rules are dropped: they are no paragraphs. A
    paragraph holds about ``LONGEST_PARAGRAPH`` characters at most: no line joins it past that, and a longer line
    is cut before a space into pieces of about that size (a word is never cut).

    >>> split_paragraphs("# Title\\nFirst line of a\\nwrapped para-\\ngraph.\\n\\n| a | b |\\n|---|---|\\n- a bullet")
    ['# Title', 'First line of a wrapped paragraph.', '| a | b |', '- a bullet']
    >>> split_paragraphs("Office of the Spokesperson\\nMarch 14, 2025\\n\\nThe United States announced new funds for\\n"
    ...                  "Colombia and Peru.")
    ['Office of the Spokesperson', 'March 14, 2025', 'The United States announced new funds for Colombia and Peru.']
    >>> split_paragraphs("- Coca cultivation rose in\\n  the south.\\n- Eradication\\n1. Tariffs fell on\\nexports.")
    ['- Coca cultivation rose in the south.', '- Eradication', '1. Tariffs fell on exports.']
    >>> split_paragraphs("Los dos gobiernos firmaron con la\\nUnión Europea un acuerdo sobre el café.")
    ['Los dos gobiernos firmaron con la Unión Europea un acuerdo sobre el café.']
    >>> split_paragraphs("Colombia and the United States sign a coffee deal in Bogota\\n"
    ...                  "BOGOTA, March 3 (Reuters) - The two governments signed it on Tuesday.")
    ['Colombia and the United States sign a coffee deal in Bogota',
     'BOGOTA, March 3 (Reuters) - The two governments signed it on Tuesday.']
    """
    # A file read whole keeps the byte-order mark Notepad writes (the command line's reader drops it): before a
    # heading or a bullet it would hide the mark, and it would start the first paragraph's text.
    text = text.removeprefix("\ufeff")
    if len(text) <= LONGEST_PARAGRAPH and not _LINE_BREAK.search(text):  # one line, the common case: the same answer
        line = text.strip()
        return [line] if line and not _RULE.match(line) else []
    return list(iter_paragraphs(document_lines([text])))


def document_lines(texts: Iterable[str]) -> Iterator[str]:
    """The lines of a document given in pieces (a whole text, or a file's lines as read), with each page
    break (form feed) as a line of its own, ``PAGE_BREAK``.

    >>> list(document_lines(["Intro\\nend of page 1\\fHeader\\n", "more\\n"]))
    ['Intro', 'end of page 1', '\\x0c', 'Header', 'more']
    """
    for text in texts:
        for k, page in enumerate(text.split(PAGE_BREAK)):
            if k:
                yield PAGE_BREAK
            yield from page.splitlines()


def wrap_width(lines: Iterable[str]) -> float:
    """The width a text's lines seem wrapped at: the median length of its lines of ``_WRAPPED`` characters or more
    (stripped), infinite without any. Hard-wrapped text has nearly all its lines about that long; a text with a
    paragraph a line (a web page, Markdown) has them as long as its paragraphs.

    >>> wrap_width(["Short title", "a" * 70, "b" * 72, "c" * 41, "d" * 71, "\\f"])
    70.5
    """
    long = [n for n in map(len, map(str.strip, lines)) if n >= _WRAPPED]
    return statistics.median(long) if long else math.inf


def _is_menu(line: str) -> bool:
    """Whether ``line`` (stripped) is a page's menu: ``_MENU_WORDS`` words or more, each capitalised or a separator,
    with separators between them (``_MENU``, ``_MENU_SEPARATOR``)."""
    return _MENU.fullmatch(line) is not None and len(_MENU_SEPARATOR.findall(line)) >= 2


def _continues(previous: str, line: str, width: float) -> bool:
    """Whether ``line`` carries on the sentence ``previous`` leaves open (both stripped, not empty) in a text
    wrapped at ``width``, as :func:`split_paragraphs` joins lines."""
    if _SENTENCE_END.search(previous) or _MARKER.match(line):
        return False
    first = line.lstrip(_OPENING)[:1]
    if first.islower():
        return True
    if not (first.isupper() or first.isdigit()) or not _OPEN_END.search(previous):
        return False
    if previous[previous.rfind(" ") + 1:] in _UNFINISHED:  # "firmaron con la" / "Unión Europea"
        return True
    if _DATELINE.match(line):  # a story's first paragraph, after a headline that ends no sentence
        return False
    if _is_menu(previous) or _is_menu(line):  # a page's menu, before or after a headline, is no wrapped prose
        return False
    if first.isupper() and _BROKEN.search(previous):  # "anti-" ends no line but one cut in its word, however short
        return True
    return len(previous) + 1 + len(line.split(None, 1)[0]) > width  # its first word would not have fit: a wrap


def _head_key(line: str) -> str:
    """A line as running heads repeat it: spacing, case and numbers (page, date) aside."""
    return _DIGITS.sub("#", " ".join(line.split()).casefold())


def running_heads(lines: list[str], width: float) -> set[str]:
    """Keys (``_head_key``) of the lines that are a printed document's running heads and feet, and of its page
    numbers. With page breaks (``PAGE_BREAK`` lines): short lines near a page's top or bottom found so on at
    least three pages and half of them, and page numbers found so on two. Without: short lines found three times or more, one of them where a
    page break cuts a sentence (the text around it joins as :func:`split_paragraphs` joins lines, in a text
    wrapped at ``width``), and page numbers found three times or more.

    >>> bodies = ["The court failed", "to act in time.", "Elections were held.", "Turnout was high."]
    >>> lines = [line for k, body in enumerate(bodies, 1) for line in ("Country Report 2023", body, f"Page {k}", "\\f")]
    >>> sorted(running_heads(lines, wrap_width(lines)))
    ['country report #', 'page #']
    >>> sorted(running_heads([line for line in lines if line != "\\f"], wrap_width(lines)))  # inside a sentence
    ['country report #', 'page #']
    """
    if len(lines) < 2 * _HEAD_PAGES:  # too short to repeat anything three times between text
        return set()
    pages: list[list[str]] = [[]]
    for line in lines:
        if line == PAGE_BREAK:
            pages.append([])
        elif line.strip():
            pages[-1].append(line.strip())
    short = lambda line: len(line) <= _HEAD_LENGTH and not _RULE.match(line)
    if len(pages) >= _HEAD_PAGES:
        seen: Counter = Counter()
        for page in pages:
            seen.update({_head_key(line) for line in page[:_HEAD_EDGE] + page[-_HEAD_EDGE:] if short(line)})
        # a page number at a page's edge on two pages is one: a three-page report numbers its last two ("Página 2
        # de 3"), which stayed paragraphs, counted in every share (QA pass 7)
        return {key for key, n in seen.items() if n >= max(_HEAD_PAGES, len(pages) / 2)
                or (n >= 2 and _PAGE_NUMBER.match(key))}
    text = [line for page in pages for line in page]
    keys = [_head_key(line) if short(line) and not _MARKER.match(line) else None for line in text]
    repeated = {key for key, n in Counter(keys).items() if key is not None and n >= _HEAD_PAGES}
    heads = {key for key in repeated if _PAGE_NUMBER.match(key)}
    i = 0
    while i < len(text):
        if keys[i] not in repeated:
            i += 1
            continue
        j = i
        while j < len(text) and keys[j] in repeated:
            j += 1
        if 0 < i and j < len(text) and _continues(text[i - 1], text[j], width):
            heads.update(keys[i:j])  # a run of repeated lines inside a sentence: a page break's heads and feet
        i = j
    return heads


def _text_lines(lines: Iterable[str], heads: set[str]) -> Iterator[str]:
    """Lines stripped and cut to size, without page breaks (the text around one reads on) and ``heads``. Blank
    lines come as one ``""``, unless a page break or a head lies among them: there the text reads on too."""
    blank = cut = False  # since the last line given: a blank line, a page break or head
    for raw in lines:
        if raw == PAGE_BREAK:
            cut = True
            continue
        if not raw.strip():
            blank = True
            continue
        for piece in pieces(raw, LONGEST_PARAGRAPH):
            line = piece.strip()
            if heads and len(line) <= _HEAD_LENGTH and _head_key(line) in heads:
                cut = True
                continue
            if blank and not cut:
                yield ""
            blank = cut = False
            yield line


def iter_paragraphs(lines: Iterable[str]) -> Iterator[str]:
    """The paragraphs of a document's lines, as :func:`split_paragraphs` finds them, each given as soon as
    it ends: a file read line by line holds only the paragraph it is in (and a window of lines read ahead to
    find running heads), however long the file. Running heads and feet and page numbers of printed pages
    (:func:`running_heads`, found in the first ``HEAD_WINDOW`` lines or megabyte, which also give the width the text
    is wrapped at, :func:`wrap_width`) are no paragraphs, and text a page break cuts joins back.

    >>> list(iter_paragraphs(["First line of a", "wrapped paragraph.", "- a bullet"]))
    ['First line of a wrapped paragraph.', '- a bullet']
    """
    lines = iter(lines)
    window, chars = [], 0
    for line in lines:
        window.append(line)
        chars += len(line)
        if len(window) >= HEAD_WINDOW or chars >= _HEAD_CHARS:
            break
    width = wrap_width(window)
    heads = running_heads(window, width)
    paragraph: list[str] = []  # its lines, joined when it ends (joining as we go is quadratic)
    size = 0  # its characters
    previous: str | None = None  # the line before, while a line may still join its paragraph
    heading = False
    apart = False  # a blank line since the line before: only a sentence going on in lower case joins across it
    # The paragraph is a heading of links to other stories and the headlines listed under it, a line each, which
    # it keeps apart by line breaks: one navigation paragraph (navigation.is_navigation), with no topic.
    listing = False
    for line in _text_lines(chain(window, lines), heads):
        if not line:
            apart = True
            continue
        if _RULE.match(line):
            if paragraph:
                yield ("\n" if listing else " ").join(paragraph)
                paragraph, listing = [], False
            previous = None
            continue
        if listing:
            listed = plain_text(line)
            if (len(paragraph) <= _LISTED_LINES and len(listed) <= _LISTED_LENGTH and listed[-1:] not in ".!?:;"
                    and not _HEADING.match(line) and not _DATELINE.match(listed)):
                paragraph.append(line)
                size += len(line) + 1
                apart = False
                continue
            previous = None  # the list ends, and what follows starts a paragraph
        joins = (previous is not None and size + len(line) < LONGEST_PARAGRAPH and _continues(previous, line, width)
                 and not (apart and not line.lstrip(_OPENING)[:1].islower()))
        apart = False
        if joins and _BROKEN.search(paragraph[-1][-2:]):  # its end alone: the paragraph may be 100,000 characters long
            broken = line[0].islower()  # a word broken in two loses the hyphen, a hyphenated one keeps it
            paragraph[-1] = (paragraph[-1][:-1] if broken else paragraph[-1]) + line
            size += len(line) - broken
        elif joins:
            paragraph.append(line)
            size += len(line) + 1
            if len(paragraph) == 2:  # "#" alone is no heading, but is one once text follows
                heading = bool(_HEADING.match(paragraph[0] + " " + line))
        else:
            if paragraph:
                yield ("\n" if listing else " ").join(paragraph)
            paragraph, size = [line], len(line)
            heading = bool(_HEADING.match(line))
            listing = is_list_heading(plain_text(line))
        previous = None if heading else line
    if paragraph:
        yield ("\n" if listing else " ").join(paragraph)


def plain_text(paragraph: str) -> str:
    """A paragraph as the model should read it: Markdown links and images reduced to their text,
    emphasis and code marks, heading and quote markers and table pipes dropped. Outputs keep the original.

    >>> plain_text("## **Summary.** See [the report](https://x.org/r.pdf) and `code` | cell |")
    'Summary. See the report and code   cell'
    """
    if not _MARKUP.search(paragraph):  # no character any of the patterns below needs
        return paragraph.strip()
    text = _LEAD.sub("", paragraph)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    return text.replace("|", " ").strip()


class TopicTally:
    """Paragraphs counted as they come, in memory that does not grow with them: how many, how many carry a
    topic, and each topic's count and best score (:meth:`topics`).

    >>> tally = TopicTally()
    >>> tally.add([Paragraph(0, "a", [TopicScore("trade", 0.9)]), Paragraph(1, "b", [])])
    >>> tally.paragraphs, tally.tagged, tally.topics()
    (2, 1, [DocumentTopic(topic='trade', score=0.90, paragraphs=1, share=0.50)])
    """

    def __init__(self) -> None:
        self.paragraphs = 0
        self.tagged = 0
        self._count: dict[str, int] = {}
        self._best: dict[str, float] = {}

    def add(self, paragraphs: Iterable[Paragraph]) -> None:
        for p in paragraphs:
            self.paragraphs += 1
            self.tagged += bool(p.topics)
            for t, s in p.topics:
                self._count[t] = self._count.get(t, 0) + 1
                self._best[t] = max(self._best.get(t, 0.0), s)

    def topics(self) -> list[DocumentTopic]:
        """The topics of the paragraphs counted: count tagged, share of all paragraphs, best score; most frequent
        first, then by best score as outputs print it (:func:`printed_scores`), then by id.

        >>> tally = TopicTally()
        >>> tally.add([Paragraph(0, "a", [TopicScore("trade", 0.9999999), TopicScore("migration", 0.99999)])])
        >>> [d.topic for d in tally.topics()]  # both print as 1.0
        ['migration', 'trade']
        """
        n = max(1, self.paragraphs)
        out = [DocumentTopic(t, self._best[t], c, c / n) for t, c in self._count.items()]
        # Ties go by the printed score, not the full one: the report, drawn from printed scores (the Dask engine's
        # records carry no others), then orders a document's topics as classify_document does.
        shown = printed_scores([d.score for d in out])
        return [d for _, d in sorted(zip(shown, out), key=lambda sd: (-sd[1].paragraphs, -sd[0], sd[1].topic))]


def aggregate(paragraphs: list[Paragraph]) -> list[DocumentTopic]:
    """Document topics: count of paragraphs tagged, share of all paragraphs, best score; in the order of
    :meth:`TopicTally.topics`."""
    tally = TopicTally()
    tally.add(paragraphs)
    return tally.topics()
