"""The corpus dashboard at the head of the report: topic shares over time (one line per topic), small
multiples per source or country, the figures behind each chart, and the paragraphs that scored highest
for each topic and period, linked to where they stand (or, off the page, named by their document).

Only aggregates are drawn, so the page's size depends on the number of periods and topics, not on
the corpus. Lines are told apart by colour, by dash pattern and by a label at their end, so the chart
reads in print and without colour vision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape

from .trends import UNDATED, TrendRow

# Dash patterns, one per topic in taxonomy order (repeating after ten): colour is never the only cue.
_DASHES = ("", "7 3", "2 3", "9 3 2 3", "1 3", "12 4", "5 2 1 2", "3 6", "14 2 2 2", "2 2")
# Evidence is listed for this many periods at most (the most recent ones), so the page stays bounded.
MAX_EVIDENCE_PERIODS = 36
# The language of the page's own words (headings, labels, notes). Text in another language (topic names in
# Spanish, a Spanish paragraph) says so with its own lang attribute, for screen readers and hyphenation.
PAGE_LANG = "en"


@dataclass(frozen=True)
class Evidence:
    """A paragraph that scored high for a topic in a period, where it stands on the page (None for a document not
    shown in full), the name of its document, and its language."""

    topic: str
    period: str
    score: float
    text: str
    anchor: str | None
    document: str
    lang: str


def lang_attribute(lang: str | None) -> str:
    """The attribute that marks text in ``lang`` on the page (`` lang="es"``); none for text in the page's own
    language, or in one not known.

    >>> lang_attribute("es"), lang_attribute(PAGE_LANG), lang_attribute(None)
    (' lang="es"', '', '')
    """
    return f' lang="{escape(lang)}"' if lang and lang != PAGE_LANG else ""


def _evidence_item(e: Evidence) -> str:
    """One paragraph of the evidence: a link to its place, or, when its document is not on the page, its text and
    the document's name (so the reader can find it)."""
    lang = lang_attribute(e.lang)
    quote = (f'<a href="#{e.anchor}"{lang}>{escape(e.text)}</a>' if e.anchor
             else f'<span{lang}>{escape(e.text)}</span> <span class="src">— {escape(e.document)}</span>')
    return f'<li><span class="src">{escape(e.period)}</span> {e.score:.2f} {quote}</li>'


def _chart(rows: Sequence[TrendRow], topics: Sequence[str], names: Mapping[str, str], order: Mapping[str, int],
           *, width: int, height: int, labels: bool, title: str, named: str) -> str:
    periods = sorted({r.period for r in rows if r.period != UNDATED})
    if not periods:
        return '<p class="empty">No dated paragraphs.</p>'
    share = {(r.topic, r.period): r.share for r in rows}
    top = max([share.get((t, p), 0.0) for t in topics for p in periods] + [0.05])
    left, right, upper, lower = 40, (250 if labels else 10), 10, 24
    w, h = width - left - right, height - upper - lower

    def x(i: int) -> float:
        return left + (w * i / (len(periods) - 1) if len(periods) > 1 else w / 2)

    def y(v: float) -> float:
        return upper + h - h * v / top

    grid = "".join(f'<line x1="{left}" x2="{left + w}" y1="{y(v):.1f}" y2="{y(v):.1f}" class="grid"/>'
                   f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="axis">{v:.0%}</text>'
                   for v in (0, top / 2, top))
    step = max(1, len(periods) // (8 if labels else 3))
    last = len(periods) - 1
    # The last period ends at the chart's right edge, where a centred label would run past a small multiple's edge
    # and under the topics' labels; a label a step before it would run into it.
    ticks = "".join(f'<text x="{x(i):.1f}" y="{upper + h + 16}" text-anchor="{"end" if i == last > 0 else "middle"}" '
                    f'class="axis">{escape(p)}</text>'
                    for i, p in enumerate(periods) if i == last or (i % step == 0 and last - i >= step))
    # End labels at their line's last value, pushed apart where they would overlap.
    label_y: dict[str, float] = {}
    for t in sorted(topics, key=lambda t: y(share.get((t, periods[-1]), 0.0))):
        below = max(label_y.values(), default=-1e9) + 13
        label_y[t] = max(y(share.get((t, periods[-1]), 0.0)) + 4, below)
    lines = []
    for t in topics:
        points = " ".join(f"{x(i):.1f},{y(share.get((t, p), 0.0)):.1f}" for i, p in enumerate(periods))
        k = order.get(t, 0)
        dash = _DASHES[k % len(_DASHES)]
        label = (f'<text x="{left + w + 6}" y="{label_y[t]:.1f}" class="lbl">{escape(names.get(t, t))}</text>'
                 if labels else "")
        lines.append(f'<g class="c{k} series" data-topic="{escape(t)}"{named}><title>{escape(names.get(t, t))}</title>'
                     f'<polyline points="{points}" class="line"' + (f' stroke-dasharray="{dash}"' if dash else "")
                     + f"/>{label}</g>")
    height = max(height, int(max(label_y.values(), default=0)) + 8)
    return (f'<svg class="trend" role="img" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'aria-label="{escape(title)}">{grid}{ticks}{"".join(lines)}</svg>')


def _table(rows: Sequence[TrendRow], topics: Sequence[str], names: Mapping[str, str], named: str) -> str:
    periods = sorted({r.period for r in rows}, key=lambda p: (p == UNDATED, p))
    cell = {(r.topic, r.period): r for r in rows}
    head = "".join(f'<th class="num"{named}>{escape(names.get(t, t))}</th>' for t in topics)
    body = []
    for p in periods:
        tds = "".join(f'<td class="num" title="{cell[t, p].paragraphs} paragraphs">{cell[t, p].share:.0%}</td>'
                      if (t, p) in cell else '<td class="num">–</td>' for t in topics)
        body.append(f"<tr><td>{escape(p)}</td>{tds}</tr>")
    return (f'<div class="scroll"><table class="figures"><thead><tr><th>Period</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table></div>')


def dashboard(overall: Sequence[TrendRow], by_rows: Sequence[TrendRow], evidence: Sequence[Evidence], *,
              names: Mapping[str, str], order: Mapping[str, int], by_name: str | None, period: str, n_paragraphs: int,
              n_undated: int, names_lang: str | None = None) -> str:
    """The dashboard's HTML: the chart over all paragraphs (``overall``, :func:`trends.trends` rows), small
    multiples per ``by`` value (``by_rows``, the same counted per value), the figures behind them, and
    the evidence. The topics' ``names`` are in ``names_lang``."""
    named = lang_attribute(names_lang)
    topics = [t for t in sorted(order, key=order.get) if any(r.topic == t and r.paragraphs for r in overall)]
    undated = (f" {n_undated:,} paragraph{'s' if n_undated != 1 else ''} had no readable date (counted under {UNDATED})."
               if n_undated else "")
    parts = ['<section id="trends" class="overview"><h2>Topics over time</h2>'
             f'<p class="meta">{n_paragraphs:,} paragraphs, share tagged with each topic per {escape(period)}.{undated}</p>',
             _chart(overall, topics, names, order, width=980, height=340, labels=True,
                    title=f"Share of paragraphs per topic and {period}", named=named)]
    if by_name:
        values = list(dict.fromkeys(r.by for r in by_rows))  # in the rows' order: "(none)" last
        smalls = "".join(
            f'<figure class="small"><figcaption>{escape(v)}</figcaption>'
            + _chart([r for r in by_rows if r.by == v], topics, names, order, width=300, height=170, labels=False,
                     title=v, named=named)
            + "</figure>" for v in values)
        parts.append(f'<h3>By {escape(by_name)}</h3><div class="multiples">{smalls}</div>')
    parts.append(f"<h3>The figures</h3>{_table(overall, topics, names, named)}")
    if by_name:
        for v in values:
            parts.append(f"<details><summary>{escape(by_name)}: {escape(v)}</summary>"
                         f"{_table([r for r in by_rows if r.by == v], topics, names, named)}</details>")
    if evidence:
        recent = sorted({e.period for e in evidence}, reverse=True)[:MAX_EVIDENCE_PERIODS]
        note = (f" The {MAX_EVIDENCE_PERIODS} most recent periods are listed." if len({e.period for e in evidence})
                > MAX_EVIDENCE_PERIODS else "")
        blocks = []
        for t in topics:
            items = [e for e in evidence if e.topic == t and e.period in recent]
            if not items:
                continue
            lis = "".join(_evidence_item(e) for e in sorted(items, key=lambda e: (e.period, -e.score)))
            blocks.append(f'<details class="c{order.get(t, 0)}"><summary{named}>{escape(names.get(t, t))}</summary>'
                          f'<ul class="evidence">{lis}</ul></details>')
        parts.append(f"<h3>Highest-scoring paragraphs per topic and {escape(period)}</h3>"
                     f'<p class="meta">The two paragraphs that scored highest, each linked to its place (or, in a '
                     f'document not shown in full, followed by its name).{note}</p>'
                     + "".join(blocks))
    parts.append("</section>")
    return "".join(parts)
