"""Line charts as SVG text, with no plotting library: the learning curves of docs/.

>>> chart = Panel("CAP bills", "labels", "accuracy", [Series("random", [(100, 0.4), (500, 0.6)])])
>>> svg = line_charts([chart])
>>> svg.startswith("<svg") and "CAP bills" in svg and "<polyline" in svg
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e")
WIDTH, HEIGHT = 420, 300
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 34, 46


@dataclass(frozen=True)
class Series:
    """One line: its name in the legend and its (x, y) points; ``dashed`` for a reference line."""

    name: str
    points: list[tuple[float, float]]
    dashed: bool = False


@dataclass(frozen=True)
class Panel:
    """One chart: title, axis names and its lines."""

    title: str
    x_label: str
    y_label: str
    series: list[Series] = field(default_factory=list)


def _ticks(low: float, high: float, n: int = 5) -> list[float]:
    step = (high - low) / n
    magnitude = 10 ** math.floor(math.log10(step)) if step > 0 else 1
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step), default=magnitude)
    start = math.ceil(low / step) * step
    return [round(start + i * step, 10) for i in range(int((high - start) / step + 1e-9) + 1)]


def _panel(panel: Panel, dx: int) -> list[str]:
    xs = [x for s in panel.series for x, _ in s.points]
    ys = [y for s in panel.series for _, y in s.points]
    x0, x1 = 0.0, max(xs)
    y0, y1 = math.floor(min(ys) * 20) / 20, math.ceil(max(ys) * 20) / 20
    if y1 <= y0:
        y1 = y0 + 0.05
    w, h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def px(x: float) -> float:
        return dx + LEFT + (x - x0) / (x1 - x0) * w

    def py(y: float) -> float:
        return TOP + (1 - (y - y0) / (y1 - y0)) * h

    out = [f'<text x="{dx + WIDTH / 2}" y="20" text-anchor="middle" font-weight="bold">{escape(panel.title)}</text>',
           f'<rect x="{dx + LEFT}" y="{TOP}" width="{w}" height="{h}" fill="none" stroke="#999"/>']
    for t in _ticks(x0, x1):
        out.append(f'<text x="{px(t):.1f}" y="{TOP + h + 16}" text-anchor="middle">{t:g}</text>')
    for t in _ticks(y0, y1):
        out.append(f'<line x1="{dx + LEFT}" x2="{dx + LEFT + w}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#eee"/>')
        out.append(f'<text x="{dx + LEFT - 6}" y="{py(t) + 4:.1f}" text-anchor="end">{t:.2f}</text>')
    out.append(f'<text x="{dx + LEFT + w / 2}" y="{HEIGHT - 8}" text-anchor="middle">{escape(panel.x_label)}</text>')
    out.append(f'<text transform="translate({dx + 14},{TOP + h / 2}) rotate(-90)" text-anchor="middle">'
               f'{escape(panel.y_label)}</text>')
    for k, s in enumerate(panel.series):
        colour = COLOURS[k % len(COLOURS)]
        dash = ' stroke-dasharray="5,4"' if s.dashed else ""
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in s.points)
        out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        if not s.dashed:
            out += [f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.5" fill="{colour}"/>' for x, y in s.points]
        ly = TOP + h - 16 * (len(panel.series) - k)  # the legend, bottom right, where learning curves are not
        lx = dx + LEFT + w - 150
        out.append(f'<line x1="{lx}" x2="{lx + 20}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{lx + 24}" y="{ly + 4}">{escape(s.name)}</text>')
    return out


def line_charts(panels: list[Panel]) -> str:
    """The panels side by side, as one SVG document."""
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH * len(panels)}" height="{HEIGHT}" '
             f'font-family="sans-serif" font-size="11">', f'<rect width="100%" height="100%" fill="white"/>']
    for i, panel in enumerate(panels):
        parts += _panel(panel, i * WIDTH)
    return "\n".join(parts + ["</svg>"]) + "\n"
