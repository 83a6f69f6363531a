"""An HTML report of classified documents: one self-contained page to read, share and print.

Each document's paragraphs carry their topics as coloured tags, and the words that drove
each tag (positive terms of :meth:`TopicModel.explain`) are highlighted in the topic's colour.
A bar chart per document shows how many paragraphs carry each topic; with several documents an
overview table links to each. The page loads nothing: CSS and SVG are inline, there is no
script, and a Content-Security-Policy forbids any request, so it works offline and from email.

>>> html = render_report([("note.md", "Coca crops grew in Cauca.")])
>>> html.startswith("<!DOCTYPE html>") and 'data-name="note.md"' in html
True

:func:`write_report` writes the same page to a file.
"""

from __future__ import annotations

import colorsys
import logging
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from html import escape
from itertools import islice
from numbers import Integral
from pathlib import Path

from .dashboard import PAGE_LANG, Evidence, dashboard, lang_attribute
from .defaults import resolve
from .documents import DocumentResult, DocumentTopic, Paragraph, TopicTally, plain_text, printed
from .errors import DataError, InputError, TopicslibError
from .evaluation import value_name
from .features import token_spans
from .language import majority
from .files import atomic_write
from .model import Explanation, TopicModel
from .taxonomy import Topic, language_code
from .trends import TrendCounter, by_value
from .version import __version__

log = logging.getLogger("topicslib")

# Control characters are not allowed in HTML and lone surrogates cannot be written as UTF-8.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_HEADING = re.compile(r"^#{1,6}\s+")
_BULLET = re.compile(r"^[-*•▪‣◦·–]\s+")
# Base colours of the first ten topics, chosen to stay apart from each other and readable as text.
_PALETTE = ("#1f66b3", "#2e8b47", "#d06a0c", "#7b4fb8", "#c0392b", "#0f8b8d", "#b83280", "#4b5bb8", "#52606d", "#8b5e34")


# Documents shown in full on one page, by default, and names listed of the rest: the page stays readable
# and bounded however large the corpus (the dashboard counts every document).
MAX_DOCUMENTS = 300
_LISTED = 1000
# Paragraphs printed on one page, by default: one document of 48,534 paragraphs gave a 31 MB page, which browsers
# open slowly. At its 650 bytes a paragraph this many make 6.5 MB (13 MB for short paragraphs each tagged and
# highlighted, 1.3 kB each), and the 300 documents the README's dashboard shows (6,406 paragraphs) print whole.
MAX_PARAGRAPHS = 10_000
# Documents classified in one call into the scorer.
_BATCH = 512
# Paragraphs explained in one call: an explanation holds every term of its text, so a long document's are not all
# held at once (48,534 paragraphs at once: 60 MB more at the peak).
_EXPLAINED = 512


@dataclass(frozen=True)
class Highlight:
    """A stretch of a paragraph's text that raised the score of one of its topics.

    ``topic`` is the topic it raised most; ``weights`` holds its contribution to each topic.
    """

    start: int
    end: int
    topic: str
    weights: dict[str, float]


def _mix(hex_colour: str, white: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(c + (255 - c) * white):02x}" for c in (r, g, b))


def topic_colours(topic_ids: Iterable[str]) -> dict[str, str]:
    """A base colour per topic: the palette for the first ten, evenly spread hues beyond.

    >>> topic_colours(["a", "b"])["b"]
    '#2e8b47'
    """
    out = {}
    for i, t in enumerate(topic_ids):
        if i < len(_PALETTE):
            out[t] = _PALETTE[i]
        else:
            r, g, b = colorsys.hls_to_rgb((i * 0.618034) % 1.0, 0.38, 0.55)
            out[t] = "#" + "".join(f"{round(c * 255):02x}" for c in (r, g, b))
    return out


def highlights(text: str, model: TopicModel, topics: Iterable[str], *, top_n: int = 10,
               strong: float = 1.0, min_share: float = 0.3, min_contribution: float = 0.5) -> list[Highlight]:
    """The words of ``text`` that drove each of ``topics``.

    A topic's evidence (:meth:`Explanation.evidence`: of its ``top_n`` terms by size, those that raised its
    log-odds by ``strong`` or more, or by ``min_share`` of the strongest term's contribution, but never by
    less than ``min_contribution``) marks the words it stands for. A term of
    several words (a bigram) marks its words where they appear together, less any word at its
    edges that carries little weight of its own ("migration and" marks "migration"); neighbouring
    marked words of the same topic become one highlight.

    >>> from topicslib import default_model
    >>> text = "Coca cultivation rose despite eradication."
    >>> [text[h.start:h.end] for h in highlights(text, default_model(), ["narcotics"])]
    ['Coca cultivation', 'eradication']
    """
    topics = list(topics)
    # every term, for words' own weights
    explained = model.explain(plain_text(text), topic=topics, top_n=_all_terms(text, top_n)) if topics else []
    return _marks(text, explained, top_n=top_n, strong=strong, min_share=min_share, min_contribution=min_contribution)


def _all_terms(text: str, top_n: int) -> int:
    """A ``top_n`` for ``explain`` that gives every term of ``text`` (at most a word and a word pair a token)."""
    return len(token_spans(text)) * 4 + top_n


def _marks(text: str, explained: Iterable[Explanation], *, top_n: int = 10, strong: float = 1.0,
           min_share: float = 0.3, min_contribution: float = 0.5) -> list[Highlight]:
    """:func:`highlights` of ``text`` from its explanations (of every term of the text as the model scored it:
    without Markdown, so a link's address is no evidence); the marks are found in the text as shown."""
    tokens = token_spans(text)
    words = [tok for _, _, tok in tokens]
    weights: list[dict[str, float]] = [{} for _ in tokens]
    at: dict[str, list[int]] = {}  # where each word stands: a term is looked for only where its first word is
    for i, word in enumerate(words):
        at.setdefault(word, []).append(i)
    for e in explained:
        own = dict(e.terms)
        for term, contribution in e.evidence(top_n, strong=strong, min_share=min_share,
                                             min_contribution=min_contribution):
            parts = term.split(" ")
            lo, hi = 0, len(parts)
            while hi - lo > 1 and own.get(parts[lo], 0.0) < 0.1 * contribution:
                lo += 1
            while hi - lo > 1 and own.get(parts[hi - 1], 0.0) < 0.1 * contribution:
                hi -= 1
            for i in at.get(parts[0], ()):
                if words[i : i + len(parts)] == parts:
                    for w in weights[i + lo : i + hi]:
                        w[e.topic] = w.get(e.topic, 0.0) + contribution
    out: list[Highlight] = []
    for (start, end, _), w in zip(tokens, weights):
        if not w:
            continue
        top = max(w, key=lambda t: (w[t], t))
        prev = out[-1] if out else None
        if prev and prev.topic == top and prev.end <= start and not text[prev.end : start].strip(" -–"):
            merged = {t: max(prev.weights.get(t, 0.0), w.get(t, 0.0)) for t in {*prev.weights, *w}}
            out[-1] = Highlight(prev.start, end, top, merged)
        elif prev and prev.end > start:  # one original word giving several tokens: keep the first mark
            continue
        else:
            out.append(Highlight(start, end, top, dict(w)))
    return out


@dataclass(frozen=True)
class _Document:
    """A document shown: its paragraphs printed (the first ones, or all) and their highlights, and its topics,
    counts and first paragraph (which may title it) of all its paragraphs."""

    name: str
    result: DocumentResult
    highlights: list[list[Highlight]]
    paragraphs: int
    tagged: int
    first: Paragraph | None


class _Page:
    """Renders the HTML; one instance per report, holding the taxonomy (its names in ``names_lang``) and its
    colours."""

    def __init__(self, topics: list[Topic], title: str, model_name: str, names_lang: str | None,
                 max_paragraphs: int):
        self.max_paragraphs = max_paragraphs
        self.named = lang_attribute(names_lang)  # on each element that holds a topic's name or description
        self.topics = {t.id: t for t in topics}
        self.order = {t.id: i for i, t in enumerate(topics)}
        self.colours = topic_colours(self.topics)
        self.title = title
        self.model_name = model_name

    def name(self, topic: str) -> str:
        t = self.topics.get(topic)
        return t.name if t and t.name and t.name != topic else topic.replace("_", " ").capitalize()

    def css(self) -> str:
        rules = []
        for t, c in self.colours.items():
            i = self.order[t]
            rules.append(f".c{i}{{--c:{c};--t:{_mix(c, 0.88)};--m:{_mix(c, 0.72)}}}")
        return _CSS + "\n".join(rules)

    def tag(self, topic: str, score: float | None = None, *, note: str = "") -> str:
        i = self.order.get(topic, 0)
        desc = self.topics[topic].description if topic in self.topics else ""
        value = f' <span class="score">{score:.2f}</span>' if score is not None else ""
        value += f' <span class="score">{escape(note)}</span>' if note else ""
        return (f'<span class="tag c{i}" data-topic="{escape(topic)}" title="{escape(desc)}"{self.named}>'
                f"{escape(self.name(topic))}{value}</span>")

    def chart(self, tops: list[DocumentTopic], n_paragraphs: int) -> str:
        """Horizontal bars, one per topic: the share of paragraphs tagged with it (SVG, so it prints)."""
        if not tops:
            return '<p class="empty">No paragraph carries a topic.</p>'
        label_w = 9 + 7.4 * max(len(self.name(d.topic)) for d in tops)
        track_w, value_w, row_h = 300, 150, 26
        width = label_w + track_w + value_w
        rows = []
        for k, d in enumerate(tops):
            y = k * row_h
            bar = max(2.0, d.share * track_w)
            rows.append(
                f'<g class="c{self.order.get(d.topic, 0)}" data-topic="{escape(d.topic)}">'
                f'<title>{escape(self.name(d.topic))}: {d.paragraphs} of {n_paragraphs} paragraphs, best score {d.score:.2f}</title>'
                f'<text x="{label_w - 10:.0f}" y="{y + 17}" text-anchor="end" class="bl"{self.named}>'
                f'{escape(self.name(d.topic))}</text>'
                f'<rect x="{label_w:.0f}" y="{y + 5}" width="{track_w}" height="16" rx="3" class="track"/>'
                f'<rect x="{label_w:.0f}" y="{y + 5}" width="{bar:.1f}" height="16" rx="3" class="bar"/>'
                f'<text x="{label_w + track_w + 10:.0f}" y="{y + 17}" class="bv">{d.paragraphs} '
                f'paragraph{"s" if d.paragraphs != 1 else ""} · {d.share:.0%}</text></g>'
            )
        height = row_h * len(tops) + 4
        return (f'<div class="scroll"><svg class="chart" role="img" viewBox="0 0 {width:.0f} {height}" width="{width:.0f}" height="{height}" '
                f'aria-label="Share of paragraphs per topic">{"".join(rows)}</svg></div>')

    def text(self, text: str, marks: list[Highlight]) -> str:
        parts, pos = [], 0
        for h in marks:
            parts.append(escape(text[pos : h.start]))
            why = ", ".join(f"{self.name(t)} +{w:.2f}" for t, w in sorted(h.weights.items(), key=lambda kv: -kv[1]))
            parts.append(f'<mark class="c{self.order.get(h.topic, 0)}" data-topic="{escape(h.topic)}" title="{escape(why)}">'
                         f"{escape(text[h.start : h.end])}</mark>")
            pos = h.end
        parts.append(escape(text[pos:]))
        return "".join(parts)

    def paragraph(self, doc_id: str, p: Paragraph, marks: list[Highlight]) -> str:
        text, kind = p.text, "para"
        heading = _HEADING.match(text)
        bullet = _BULLET.match(text)
        cut = heading.end() if heading else bullet.end() if bullet else 0
        # The marker holds no word, so no highlight starts before the cut.
        body = self.text(text[cut:], [Highlight(h.start - cut, h.end - cut, h.topic, h.weights) for h in marks])
        if heading:
            kind += " heading"
        elif bullet:
            body = f'<span class="bullet">•</span> {body}'
        if not p.topics:
            kind += " none"
        tags = "".join(self.tag(t, s) for t, s in p.topics) or '<span class="notag">no topic</span>'
        ids = " ".join(t for t, _ in p.topics)
        return (f'<li class="{kind}" id="{doc_id}-p{p.index}" data-topics="{escape(ids)}">'
                f'<span class="pnum">{p.index}</span><p class="ptext"{lang_attribute(p.lang)}>{body}</p>'
                f'<div class="tags">{tags}</div></li>')

    @staticmethod
    def doc_title(doc: _Document) -> tuple[str, str | None]:
        """The document's first paragraph when it is a heading, and its language; else its name (in none)."""
        first = doc.first
        heading = _HEADING.match(first.text) if first else None
        return (first.text[heading.end() :], first.lang) if heading else (doc.name, None)

    def document(self, k: int, doc: _Document, many: bool) -> str:
        paras = doc.result.paragraphs
        title, title_lang = self.doc_title(doc)
        back = '<a class="back" href="#overview">↑ overview</a>' if many else ""
        items = "".join(self.paragraph(f"d{k}", p, m) for p, m in zip(paras, doc.highlights))
        left_out = doc.paragraphs - len(paras)
        more = (f'<p class="meta left-out">{left_out:,} more paragraph{"s" if left_out != 1 else ""} of this document '
                f"{'is' if left_out == 1 else 'are'} left out: the page shows at most {self.max_paragraphs:,} "
                "paragraphs, to stay readable. They count in its chart and in every figure.</p>" if left_out else "")
        return (
            f'<article class="doc" id="d{k}" data-name="{escape(doc.name)}">'
            f'<header class="doc-head"><h2{lang_attribute(title_lang)}>{escape(title)}</h2>{back}'
            f'<p class="meta"><span class="src">{escape(doc.name)}</span> · {doc.paragraphs} paragraph{"s" if doc.paragraphs != 1 else ""}, {doc.tagged} with a topic</p></header>'
            f'<section class="summary"><h3>Topics of this document</h3>{self.chart(doc.result.topics, doc.paragraphs)}</section>'
            f'<ol class="paras">{items}</ol>{more}</article>'
        )

    def overview(self, docs: list[_Document], totals: TopicTally, n_documents: int) -> str:
        """The chart over every paragraph read (``totals``), then a table linking to each document shown in full."""
        rows = []
        for k, doc in enumerate(docs, 1):
            tops = "".join(self.tag(d.topic, note=f"{d.share:.0%}") for d in doc.result.topics[:4]) or '<span class="notag">no topic</span>'
            title, title_lang = self.doc_title(doc)
            src = f'<br><span class="src">{escape(doc.name)}</span>' if title != doc.name else ""
            rows.append(f'<tr><td class="num">{k}</td>'
                        f'<td><a href="#d{k}"{lang_attribute(title_lang)}>{escape(title)}</a>{src}</td>'
                        f'<td class="num">{doc.paragraphs}</td><td class="num">{doc.tagged}</td>'
                        f"<td>{tops}</td></tr>")
        rest = (f'<p class="meta">The table lists the {len(docs):,} documents shown in full; the other '
                f'{n_documents - len(docs):,} are <a href="#hidden">listed below</a>.</p>' if n_documents > len(docs) else "")
        return (
            '<section id="overview" class="overview"><h2>Overview</h2>'
            f'<h3>All documents: share of paragraphs per topic</h3>{self.chart(totals.topics(), totals.paragraphs)}'
            '<div class="scroll"><table><thead><tr><th class="num">#</th><th>Document</th><th class="num">Paragraphs</th>'
            f'<th class="num">With a topic</th><th>Main topics (share of paragraphs)</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>'
            f"{rest}</section>"
        )

    def legend(self, used: set[str]) -> str:
        """The topics that occur, as tags; their descriptions fold out below."""
        shown = [t for t in self.topics if t in used]
        if not shown:
            return ""
        tags = "".join(self.tag(t) for t in shown)
        desc = "".join(f"<dt>{escape(self.name(t))}</dt><dd>{escape(self.topics[t].description)}</dd>"
                       for t in shown if self.topics[t].description)
        more = f"<details><summary>What the topics cover</summary><dl{self.named}>{desc}</dl></details>" if desc else ""
        return f'<section class="legend"><h3>Topics found</h3><div class="chips">{tags}</div>{more}</section>'

    def page(self, docs: list[_Document], totals: TopicTally, n_documents: int, corpus: str = "",
             hidden: Sequence[str] = ()) -> str:
        """The page: ``corpus`` (the dashboard) first, then the documents shown in full (``docs``); ``hidden``
        names (some of) the others. The header, legend and overview count all ``n_documents`` read (``totals``):
        which are shown in full, and which of their paragraphs are printed, decides only which texts are printed."""
        n_hidden = n_documents - len(docs)
        left_out = sum(d.paragraphs - len(d.result.paragraphs) for d in docs)
        cut = (f'<p class="meta left-out">{left_out:,} paragraph{"s" if left_out != 1 else ""} of the documents below '
               f"{'is' if left_out == 1 else 'are'} left out: the page shows at most {self.max_paragraphs:,} "
               "paragraphs, to stay readable. They count in every figure.</p>" if left_out else "")
        many = n_documents > 1
        body = "".join(self.document(k, d, many) for k, d in enumerate(docs, 1))
        if n_hidden:
            listed = "".join(f"<li>{escape(n)}</li>" for n in hidden)
            more = f"<p>… and {n_hidden - len(hidden):,} more.</p>" if n_hidden > len(hidden) else ""
            body += (f'<section class="overview" id="hidden"><h2>{n_hidden:,} more documents, not shown in full</h2>'
                     f'<p class="meta">They count in every figure above; the page shows {len(docs):,} documents in full '
                     f"to stay readable.</p><ul>{listed}</ul>{more}</section>")
        return (
            f'<!DOCTYPE html>\n<html lang="{PAGE_LANG}"><head><meta charset="utf-8">'
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta name="generator" content="topicslib {__version__}">'
            f"<title>{escape(self.title)}</title><style>{self.css()}</style></head><body><main>"
            f'<header class="top"><h1>{escape(self.title)}</h1>'
            f'<p class="meta">{n_documents:,} document{"s" if many else ""} · {totals.paragraphs:,} paragraphs · '
            f"{totals.tagged:,} with a topic · "
            f"model: {escape(self.model_name)} · topicslib {__version__}</p>{cut}"
            '<p class="how">Each paragraph carries the topics whose calibrated score reached the topic\'s threshold. '
            "Highlighted words raised the score of the tag in the same colour (hover for how much). "
            "Bars count the paragraphs tagged with each topic.</p></header>"
            f"{corpus}{self.legend({d.topic for d in totals.topics()})}"
            f"{self.overview(docs, totals, n_documents) if many else ''}{body}"
            "</main></body></html>\n"
        )


def _highlighted(paragraphs: list[Paragraph], model: TopicModel, top_n: int) -> list[list[Highlight]]:
    """Each paragraph's :func:`highlights` (none without a topic), its tagged ones explained ``_EXPLAINED`` at a
    time in one call."""
    tagged = [p for p in paragraphs if p.topics]
    marks = []
    for k in range(0, len(tagged), _EXPLAINED):
        some = tagged[k : k + _EXPLAINED]
        explained = model.explain_many(some, topics=[[t for t, _ in p.topics] for p in some],
                                       top_n=max(_all_terms(p.text, top_n) for p in some))
        marks += [_marks(p.text, e, top_n=top_n) for p, e in zip(some, explained)]
    found = iter(marks)
    return [next(found) if p.topics else [] for p in paragraphs]


def _classified(batch: list[tuple[str, str | list[Paragraph]]], model: TopicModel) -> Iterator[list[Paragraph]]:
    """Each document's (or piece of a document's) paragraphs, classified here in one call for the batch unless
    they came classified."""
    for item in batch:
        _check_document(item)
    results = iter(model.classify_documents([c for _, c in batch if isinstance(c, str)]))
    for _, content in batch:
        yield content if isinstance(content, list) else next(results).paragraphs


def _check_document(item: object) -> None:
    """An :class:`InputError` saying what is wrong unless ``item`` is a document as ``render_report`` takes one:
    a pair of its name (text) and its text (or its classified paragraphs)."""
    if not isinstance(item, (tuple, list)) or len(item) != 2:
        size = f" of {len(item)}" if isinstance(item, (tuple, list)) else ""
        raise InputError(f"each document must be a (name, text) pair, got {type(item).__name__}{size}")
    name, content = item
    if not isinstance(name, str):
        raise InputError(f"a document's name must be a string, got {type(name).__name__}")
    if not isinstance(content, (str, list)):
        raise InputError(f"{name}: the document's text must be a string, got {type(content).__name__}")


# What ``_in_step`` gets from a stream that has ended.
_ENDED = object()


def _in_step(documents: Iterable, streams: dict[str, Iterable | None]) -> Iterator[tuple]:
    """Each document and its value of each stream (None for a stream not given), read in step; a stream that ends
    before the documents do, or goes on after them, is an :class:`InputError` naming it (a value would otherwise
    go with the wrong document, or be dropped, unsaid)."""
    given = {name: iter(values) for name, values in streams.items() if values is not None}
    n = 0
    for n, document in enumerate(documents, 1):
        values = {name: next(it, _ENDED) for name, it in given.items()}
        for name, value in values.items():
            if value is _ENDED:
                raise InputError(f"{name!r} has fewer values than there are documents (it ended after {n - 1}); "
                                 "give one value per document")
        yield (document, *(values.get(name) for name in streams))
    for name, it in given.items():
        if next(it, _ENDED) is not _ENDED:
            raise InputError(f"{name!r} has more values than the {n} documents; give one value per document")


class _Slot:
    """A document while the report reads its pieces: its number, date and --by value (those of its first
    piece), how many paragraphs it has so far, and if it is shown, its paragraphs counted (``tally``, None for
    a document not shown), its first paragraph, and those printed with their highlights (the first ones, as many
    as the page's bound on paragraphs leaves)."""

    __slots__ = ("k", "name", "date", "by", "n", "tally", "first", "paragraphs", "marks")

    def __init__(self, k: int, name: str, date: object, by: object, shown: bool):
        self.k, self.name, self.date, self.by, self.n = k, name, date, by, 0
        self.tally = TopicTally() if shown else None  # a few numbers per --group value, for the shown only
        self.first: Paragraph | None = None
        self.paragraphs: list[Paragraph] = []
        self.marks: list[list[Highlight]] = []

    def document(self) -> _Document:
        result = DocumentResult(self.paragraphs, self.tally.topics())
        return _Document(self.name, result, self.marks, self.tally.paragraphs, self.tally.tagged, self.first)


class _Corpus:
    """The dashboard's counts, gathered piece by piece: memory holds the cells and the best
    paragraphs of each topic and period, not the corpus."""

    def __init__(self, period: str, by_name: str | None):
        self.period, self.by_name = period, by_name
        self.overall = TrendCounter(period=period)
        self.by = TrendCounter(period=period) if by_name else None
        self.best: dict[tuple[str, str], list[Evidence]] = {}

    def add(self, slot: _Slot, paragraphs: list[Paragraph], linked: int) -> None:
        """Count ``paragraphs``, a piece of ``slot``'s document; its first ``linked`` are on the page, to link to."""
        tags = [[t for t, _ in p.topics] for p in paragraphs]
        when = self.overall.add_all(slot.date, tags)
        if self.by is not None:
            self.by.add_all(slot.date, tags, by_value(slot.by))
        for i, p in enumerate(paragraphs):
            for t, score in p.topics:
                kept = self.best.setdefault((t, when), [])
                if len(kept) == 2 and score <= kept[-1].score:
                    continue
                text = " ".join(p.text.split())
                kept.append(Evidence(t, when, score, text if len(text) <= 140 else text[:139] + "…",
                                     f"d{slot.k + 1}-p{p.index}" if i < linked else None, slot.name, p.lang))
                kept.sort(key=lambda e: -e.score)
                del kept[2:]

    def html(self, names: dict[str, str], order: dict[str, int], n_paragraphs: int, names_lang: str | None) -> str:
        by_rows = self.by.rows(list(order)) if self.by is not None else []
        return dashboard(self.overall.rows(list(order)), by_rows, [e for es in self.best.values() for e in es],
                         names=names, order=order, by_name=self.by_name, period=self.period,
                         n_paragraphs=n_paragraphs, n_undated=self.overall.undated, names_lang=names_lang)


def render_report(
    documents: Iterable[tuple[str, str | list[Paragraph]]],
    *,
    model: TopicModel | None = None,
    title: str = "Topic report",
    model_name: str | None = None,
    top_n: int = 10,
    lang: str | None = None,
    dates: Iterable | None = None,
    date_name: str = "date",
    by: Iterable | None = None,
    by_name: str | None = None,
    groups: Iterable | None = None,
    period: str = "month",
    max_documents: int = MAX_DOCUMENTS,
    max_paragraphs: int = MAX_PARAGRAPHS,
    on_document: Callable[[], None] | None = None,
) -> str:
    """The HTML page for ``(name, text)`` documents, classified paragraph by paragraph.

    A document's text may come already classified, as its list of :class:`Paragraph` (the Dask engine's
    tagged records). ``top_n`` is how many of each tag's strongest terms may be highlighted (positive
    ones only); topics are named in ``lang`` (e.g. ``"es"``), by default in the language most paragraphs
    are in, where the model's taxonomy has that language (else in its own: ``Taxonomy.language_note`` says so, as
    ``report --lang`` does on stderr); ``on_document`` is called after each new
    document (for a progress bar). ``dates``, ``by`` and ``groups`` give one value per item and may be
    iterators consumed in step with ``documents``, so nothing is held whole (one with more or fewer values
    than there are items is an :class:`InputError`). With ``groups``, items sharing a value other than
    ``None`` or ``""`` (named by ``evaluation.value_name``: a list or object by its JSON) are pieces of one
    document, in the order read (named, dated and placed by its first piece). With ``dates`` (read as
    ``trends`` reads them; paragraphs without a readable one are counted as undated, and a warning says why,
    naming the field as ``date_name``) the page opens with the corpus dashboard (``dashboard.py``): topic
    shares per ``period``, small multiples per value of ``by`` (the field named ``by_name``), the figures and
    the highest-scoring paragraphs. Only the first ``max_documents`` documents are shown (and only their texts
    held); the others count in every figure and are listed by name. Of those shown, at most ``max_paragraphs``
    paragraphs are printed, in order: a document cut short shows its first ones and says how many more it has,
    and the page's header how many are left out; they count in its chart, the overview and every figure.

    >>> page = render_report([("memo.md", "Tariffs on coffee exports fell.")])
    >>> "<mark" in page  # the words that drove the tag, highlighted
    True
    """
    model = resolve(model)
    lang = language_code(lang)  # a bad one refused before any document is classified
    if not isinstance(max_paragraphs, Integral) or isinstance(max_paragraphs, bool) or max_paragraphs < 0:
        raise InputError(f"max_paragraphs must be a non-negative integer, got {max_paragraphs!r}")
    shown: list[_Slot] = []
    grouped: dict[str, _Slot] = {}  # by group value's name: a few numbers per document, texts only for the shown
    hidden: list[str] = []  # the names listed of the documents not shown in full
    n_documents = 0
    room = max_paragraphs  # paragraphs the page may still print
    totals = TopicTally()  # every document's paragraphs, shown in full or not: the page's own figures
    langs: Counter = Counter()
    corpus = _Corpus(period, by_name if by is not None else None) if dates is not None else None
    # dates, by and groups are consumed in step with documents; documents are classified a batch at a time.
    keys = None if groups is None else map(value_name, groups)
    items = _in_step(documents, {"dates": dates, "by": by, "groups": keys})
    for batch in iter(lambda: list(islice(items, _BATCH)), []):
        for ((name, _), date, where, key), paragraphs in zip(batch, _classified([b[0] for b in batch], model)):
            slot = grouped.get(key)  # a piece without a key (None) is a document of its own
            if slot is None:
                slot = _Slot(n_documents, name, date, where, shown=n_documents < max_documents)
                n_documents += 1
                if key is not None:
                    grouped[key] = slot
                if slot.tally is not None:
                    shown.append(slot)
                elif len(hidden) < _LISTED:
                    hidden.append(name)
                if on_document is not None:
                    on_document()
            # Numbered after the document's earlier pieces, with scores as output records print them (so a
            # report drawn from the Dask engine's tagged records is the same page).
            paragraphs = [Paragraph(slot.n + p.index, p.text, printed(p.topics), p.lang) for p in paragraphs]
            slot.n += len(paragraphs)
            langs.update(p.lang for p in paragraphs)
            totals.add(paragraphs)
            on_page = paragraphs[:room] if slot.tally is not None else []
            room -= len(on_page)
            if corpus is not None:
                corpus.add(slot, paragraphs, len(on_page))
            if slot.tally is not None:  # explaining is the costly part: only for what the page prints
                slot.tally.add(paragraphs)
                if slot.first is None and paragraphs:
                    slot.first = paragraphs[0]
                slot.paragraphs += on_page
                slot.marks += _highlighted(on_page, model, top_n)
    if not shown:
        raise TopicslibError("no documents to report on")
    note = corpus.overall.undated_note(date_name, "paragraph") if corpus is not None else None
    if note:
        log.warning("%s", note)
    if lang is None:
        lang = majority(langs)
    named = model.taxonomy_.localized(lang)  # in its own language where it lacks lang: the names say which
    names_lang = named.lang or lang
    page = _Page(list(named.topics), title, model_name or "default model", names_lang, max_paragraphs)
    dashboard_html = (corpus.html({t: page.name(t) for t in page.topics}, page.order, totals.paragraphs, names_lang)
                      if corpus is not None else "")
    html = page.page([s.document() for s in shown], totals, n_documents, dashboard_html, hidden)
    return _UNPRINTABLE.sub("\ufffd", html)


def write_report(path: str | Path, documents: Iterable[tuple[str, str]], **options) -> Path:
    """Write :func:`render_report` to ``path`` (UTF-8) under a temporary name, then rename it into place.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_report(Path(folder, "report.html"), [("memo.md", "Tariffs on coffee exports fell.")]).name
    'report.html'
    """
    html = render_report(documents, **options)
    path = Path(path)
    try:
        atomic_write(path, html.encode("utf-8"))
    except OSError as e:
        raise DataError(f"cannot write the report: {e.strerror or e}", path=path) from None
    return path


_CSS = """
:root{--ink:#1d2330;--soft:#5a6272;--line:#e3e6ec;--paper:#fff;--bg:#f5f6f8;color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
main{max-width:1080px;margin:0 auto;padding:28px 24px 48px}
h1{font-size:26px;margin:0 0 4px;letter-spacing:-.01em}
h2{font-size:20px;margin:0;line-height:1.3}
h3{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--soft);margin:0 0 10px;font-weight:600}
a{color:#1d64b0}
.meta{color:var(--soft);font-size:13px;margin:2px 0 0}
.how{font-size:13px;color:var(--soft);max-width:760px;margin:10px 0 0}
.top{margin-bottom:18px}
.overview h2{margin-bottom:14px}
.legend,.overview,.doc{background:var(--paper);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:0 0 18px}
.legend details{margin-top:8px;font-size:13px;color:var(--soft)}
.legend summary{cursor:pointer;color:#1d64b0;font-size:12.5px}
.legend dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:10px 0 0}
.legend dt{font-weight:600;color:var(--ink)}
.legend dd{margin:0}
.tag{display:inline-block;background:var(--t);color:var(--c);border:1px solid var(--m);border-left:4px solid var(--c);border-radius:4px;padding:0 7px;margin:2px 4px 2px 0;font-size:12px;font-weight:600;line-height:20px}
.tag .score{white-space:nowrap;font-weight:400;opacity:.85;font-variant-numeric:tabular-nums}
.notag{font-size:12px;color:#9aa1ad;font-style:italic}
mark{background:var(--m);color:inherit;border-radius:3px;padding:0 2px;box-shadow:inset 0 -2px 0 var(--c)}
.doc-head{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 14px;border-bottom:1px solid var(--line);padding-bottom:10px;margin-bottom:14px}
.doc-head .meta{flex-basis:100%}
.back{font-size:12px;margin-left:auto;text-decoration:none}
.src{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
.summary{margin:0 0 14px}
.scroll{overflow-x:auto}
.chart{height:auto;display:block}
.chart .bl{font-size:13px;fill:var(--ink)}
.chart .bv{font-size:12px;fill:var(--soft)}
.chart .track{fill:#eef0f3}
.chart .bar{fill:var(--c)}
.empty{color:var(--soft);font-style:italic}
.paras{list-style:none;margin:0;padding:0}
.paras li{display:grid;grid-template-columns:34px 1fr 290px;gap:14px;padding:9px 0;border-top:1px solid #f0f1f4;align-items:start}
.paras li:first-child{border-top:0}
.pnum{color:#a0a6b1;font-size:12px;text-align:right;padding-top:3px;font-variant-numeric:tabular-nums}
.ptext{margin:0}
.heading .ptext{font-weight:650;font-size:16.5px}
.none .ptext{color:#8a909b}
.bullet{color:var(--soft)}
.tags{padding-top:1px}
table{border-collapse:collapse;width:100%;font-size:13.5px;margin-top:14px}
th,td{text-align:left;padding:7px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:12px;color:var(--soft);font-weight:600}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.trend{height:auto;display:block;max-width:100%}
.trend .grid{stroke:#e3e6ec}
.trend .axis{font-size:11px;fill:var(--soft)}
.trend .line{fill:none;stroke:var(--c);stroke-width:2.2;stroke-linejoin:round}
.trend .lbl{font-size:12px;fill:var(--c);font-weight:600}
.figures td:first-child{white-space:nowrap}
.multiples{display:flex;flex-wrap:wrap;gap:10px 18px}
.multiples figure{margin:0}
.multiples figcaption{font-size:12.5px;font-weight:600;margin:6px 0 2px}
.evidence{font-size:13px;margin:6px 0 10px;padding-left:18px}
.evidence li{margin:3px 0}
details summary{cursor:pointer}
@media (max-width:760px){.paras li{grid-template-columns:26px 1fr}.paras .tags{grid-column:2}}
@media print{
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 body{background:#fff;font-size:10.5pt}
 main{max-width:none;padding:0}
 .legend,.overview,.doc{border:0;border-radius:0;padding:0;margin:0 0 14pt}
 .overview~.doc,.doc+.doc{break-before:page}
 .paras li{break-inside:avoid}
 .summary,.legend,tr{break-inside:avoid}
 .back{display:none}
 .scroll{overflow:visible}
 .chart{max-width:100%}
 a{color:inherit;text-decoration:none}
}
@page{margin:15mm}
"""
