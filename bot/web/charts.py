"""Inline SVG charts built from numbers. Pure: no Flask, no database.

Each function returns a `Chart`: the SVG markup (every label escaped, colours by CSS class
`s0`…`s9` from dashboard.css, a <title> and an aria-label for screen readers) and the same
figures as a table, which the template shows below the chart.

    hbar_chart       one horizontal bar per item (regions, stage times, compliance)
    stacked_columns  one column per day, stacked by series (complaints by category)
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

PALETTE_SIZE = 10  # dashboard.css defines .s0 … .s9
LEGEND_WIDTH = 220  # room for one legend entry


@dataclass(frozen=True)
class Bar:
    """One item of a bar chart: its label, its value, and the value as the reader sees it."""

    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Series:
    """One stacked series: its name and one value per column."""

    name: str
    values: tuple[float, ...]


@dataclass(frozen=True)
class Chart:
    """A chart's SVG and the table of its figures."""

    title: str
    svg: Markup
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        """Return whether there is nothing to draw."""
        return not self.rows


def hbar_chart(title: str, bars: Sequence[Bar], *, headers: tuple[str, str], maximum: float | None = None,
               css_class: str = "s0", width: int = 560) -> Chart:
    """Return horizontal bars, one line each, labelled left and valued right."""
    label_w, value_w, line = 250, 110, 26
    height = max(line * len(bars), line) + 8
    top = max([maximum or 0.0, *(b.value for b in bars)]) or 1.0
    span = width - label_w - value_w
    parts = []
    for i, bar in enumerate(bars):
        y = 4 + i * line
        length = max(bar.value, 0) / top * span
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end" class="label">{_clip(bar.label, 32)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{span:.1f}" height="{line - 8}" class="track"/>'
            f'<rect x="{label_w}" y="{y + 4}" width="{length:.1f}" height="{line - 8}" class="{escape(css_class)}">'
            f"<title>{escape(bar.label)}: {escape(bar.text)}</title></rect>"
            f'<text x="{label_w + span + 8}" y="{y + 17}" class="value">{escape(bar.text)}</text>'
        )
    rows = tuple((b.label, b.text) for b in bars)
    return Chart(title, _svg(title, width, height, "".join(parts)), headers, rows)


def stacked_columns(title: str, columns: Sequence[str], series: Sequence[Series], *, headers_first: str,
                    value_text: str = "{:g}", width: int = 560) -> Chart:
    """Return one column per entry of `columns`, stacked by series, with a legend below."""
    left, plot_h, bottom = 48, 200, 36
    per_row = max(width // LEGEND_WIDTH, 1)
    height = 10 + plot_h + bottom + -(-len(series) // per_row) * 20
    totals = [sum(s.values[i] for s in series) for i in range(len(columns))]
    tick, ticks = axis_ticks(max(totals, default=0))
    top = tick * ticks
    step = (width - left - 8) / max(len(columns), 1)
    parts = [_axis(left, width, plot_h, tick, ticks, value_text)]
    for i, column in enumerate(columns):
        x, base = left + i * step, float(10 + plot_h)
        for k, s in enumerate(series):
            value = s.values[i]
            if value <= 0:
                continue
            h = value / top * plot_h
            base -= h
            parts.append(f'<rect x="{x + 1:.1f}" y="{base:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}" '
                         f'class="s{k % PALETTE_SIZE}"><title>{escape(column)} · {escape(s.name)}: '
                         f"{escape(value_text.format(value))}</title></rect>")
        if len(columns) <= 12 or i % max(len(columns) // 8, 1) == 0:
            parts.append(f'<text x="{x + step / 2:.1f}" y="{plot_h + 26}" text-anchor="middle" class="tick">'
                         f"{_clip(column[5:] if len(column) == 10 else column, 10)}</text>")
    parts.append(_legend(series, 10 + plot_h + bottom, per_row))
    rows = tuple((column, *(value_text.format(s.values[i]) for s in series), value_text.format(totals[i]))
                 for i, column in enumerate(columns) if totals[i])
    headers = (headers_first, *(s.name for s in series), "Σ")
    return Chart(title, _svg(title, width, height, "".join(parts)), headers, rows)


def _axis(left: int, width: int, plot_h: int, tick: float, ticks: int, value_text: str) -> str:
    lines = []
    for k in range(ticks + 1):
        value = tick * k
        y = 10 + plot_h - plot_h * k / ticks
        lines.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" class="grid"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" class="tick">'
                     f"{escape(value_text.format(value))}</text>")
    return "".join(lines)


def _legend(series: Sequence[Series], y0: int, per_row: int) -> str:
    items = []
    for k, s in enumerate(series):
        x, y = 10 + (k % per_row) * LEGEND_WIDTH, y0 + (k // per_row) * 20
        items.append(f'<rect x="{x}" y="{y}" width="12" height="12" class="s{k % PALETTE_SIZE}"/>'
                     f'<text x="{x + 18}" y="{y + 11}" class="legend">{_clip(s.name, 26)}</text>')
    return "".join(items)


def _svg(title: str, width: int, height: int, body: str) -> Markup:
    ident = "chart-" + hashlib.sha1(title.encode()).hexdigest()[:10]
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'aria-labelledby="{ident}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f'<title id="{ident}">{escape(title)}</title>{body}</svg>'
    )


def _clip(text: str, size: int) -> Markup:
    """Return `text` escaped, cut to `size` characters with an ellipsis."""
    return escape(text if len(text) <= size else text[: size - 1] + "…")


def axis_ticks(value: float, most: int = 5) -> tuple[float, int]:
    """Return a round tick step (1, 2 or 5 times a power of ten) and how many steps reach `value`."""
    if value <= 0:
        return 1.0, 1
    exponent = math.floor(math.log10(value / most))
    for power in (exponent, exponent + 1):
        for factor in (1, 2, 5):
            step = factor * 10.0**power
            count = math.ceil(value / step - 1e-9)
            if count <= most:
                return step, max(count, 1)
    return 10.0 ** (exponent + 2), 1
