"""Server-side SVG charts for the dashboard: plain SVG text built here, no library, no CDN.

Every label and value that reaches the SVG goes through `_e` (XML escaping), so a tool name or
intent made up by a language model cannot inject markup. The result is marked safe only after
that. Bars are <rect class="bar">, line points <circle class="point">, each with data-series,
data-label and data-value attributes and a <title> tooltip, so the page (and the tests) can read
exactly what is drawn."""

from __future__ import annotations

import math
from html import escape
from typing import Sequence

from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#b7791f", "#718096")
SERIES_COLORS = {
    "en": "#2b6cb0", "hi": "#dd6b20", "bn": "#38a169", "mr": "#805ad5",
    "p50": "#2b6cb0", "p95": "#e53e3e",
}

WIDTH = 640
HEIGHT = 240
TOP, RIGHT, BOTTOM, LEFT = 16, 16, 44, 52
MAX_X_LABELS = 8


def _e(value) -> str:
    return escape(str(value), quote=True)


def _num(value: float) -> str:
    """Coordinates with at most one decimal: small, stable output."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text}{' ' if unit and unit != '%' else ''}{unit}"


def axis(value: float, max_ticks: int = 5, min_step: float = 0) -> tuple[float, float]:
    """(top, step) of a y axis that reaches value in at most max_ticks round steps (1, 2 or 5
    x 10^k), so the tick labels are round numbers: 22 -> (25, 5), 960 -> (1000, 200). Counts
    pass min_step=1: one conversation is not drawn against ticks of 0.2."""
    value = max(value, min_step)
    if value <= 0:
        return 1.0, 0.25
    exponent = 10 ** (math.floor(math.log10(value / max_ticks)))
    for multiple in (1, 2, 5, 10, 20):
        step = multiple * exponent
        if step < min_step:
            continue
        count = math.ceil(round(value / step, 9))
        if count <= max_ticks:
            return round(step * count, 9), step
    raise AssertionError("unreachable: 20 x 10^floor(log10(v/n)) * n > v")  # pragma: no cover


def _tick(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}".rstrip("0").rstrip(".")


def _color(name: str, index: int) -> str:
    return SERIES_COLORS.get(name, PALETTE[index % len(PALETTE)])


def _svg(body: list[str], *, title: str, width: int, height: int) -> SafeString:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
            f'width="100%" role="img" aria-label="{_e(title)}" preserveAspectRatio="xMidYMid meet">'
            f"<title>{_e(title)}</title>")
    return mark_safe(head + "".join(body) + "</svg>")


def _empty(title: str, width: int = WIDTH, height: int = 80) -> SafeString:
    return _svg([f'<text class="empty" x="{width // 2}" y="{height // 2}" text-anchor="middle">No data</text>'],
                title=title, width=width, height=height)


def _y_axis(top_value: float, step: float, *, unit: str, plot_h: float) -> list[str]:
    parts = []
    suffix = "%" if unit == "%" else ""
    for i in range(round(top_value / step) + 1):
        value = step * i
        y = TOP + plot_h - plot_h * value / top_value
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{_num(y)}" y2="{_num(y)}"/>')
        parts.append(f'<text class="tick" x="{LEFT - 6}" y="{_num(y + 4)}" text-anchor="end">{_e(_tick(value) + suffix)}</text>')
    return parts


def _x_labels(categories: Sequence[str], centers: Sequence[float]) -> list[str]:
    every = max(1, math.ceil(len(categories) / MAX_X_LABELS))
    y = HEIGHT - BOTTOM + 16
    return [f'<text class="tick" x="{_num(x)}" y="{y}" text-anchor="middle">{_e(label)}</text>'
            for i, (label, x) in enumerate(zip(categories, centers)) if i % every == 0]


def _legend(names: Sequence[str], labels: dict[str, str] | None = None) -> list[str]:
    parts = ['<g class="legend">']
    x = LEFT
    y = HEIGHT - 10
    for i, name in enumerate(names):
        label = (labels or {}).get(name, name)
        parts.append(f'<rect class="swatch" x="{x}" y="{y - 9}" width="10" height="10" fill="{_color(name, i)}"/>')
        parts.append(f'<text x="{x + 14}" y="{y}">{_e(label)}</text>')
        x += 24 + 7 * len(label)
    parts.append("</g>")
    return parts


def _bar(*, x, y, w, h, color, series, label, value, unit) -> str:
    return (f'<rect class="bar" x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="{color}" '
            f'data-series="{_e(series)}" data-label="{_e(label)}" data-value="{_e(value)}">'
            f"<title>{_e(label)} · {_e(series)}: {_e(_fmt(value, unit))}</title></rect>")


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, unit: str = "", series: str = "value",
              color: str = PALETTE[0]) -> SafeString:
    """Vertical bars, one per (label, value), e.g. one per day."""
    if not items or not any(v for _, v in items):
        return _empty(title)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value, step = axis(max(v for _, v in items), min_step=1)
    slot = plot_w / len(items)
    width = max(1.0, slot * 0.7)
    parts = _y_axis(top_value, step, unit=unit, plot_h=plot_h)
    centers = []
    for i, (label, value) in enumerate(items):
        center = LEFT + slot * (i + 0.5)
        centers.append(center)
        if not value:
            continue
        h = plot_h * value / top_value
        parts.append(_bar(x=center - width / 2, y=TOP + plot_h - h, w=width, h=h, color=color, series=series,
                          label=label, value=value, unit=unit))
    parts += _x_labels([label for label, _ in items], centers)
    return _svg(parts, title=title, width=WIDTH, height=HEIGHT)


def stacked_bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], *, title: str,
                      unit: str = "", labels: dict[str, str] | None = None) -> SafeString:
    """One bar per category, stacked by series (e.g. conversations per day by language). Zero
    segments are not drawn."""
    totals = [sum(values[i] for _, values in series) for i in range(len(categories))]
    if not categories or not any(totals):
        return _empty(title)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value, step = axis(max(totals), min_step=1)
    slot = plot_w / len(categories)
    width = max(1.0, slot * 0.7)
    parts = _y_axis(top_value, step, unit=unit, plot_h=plot_h)
    centers = []
    for i, label in enumerate(categories):
        center = LEFT + slot * (i + 0.5)
        centers.append(center)
        base = TOP + plot_h
        for index, (name, values) in enumerate(series):
            value = values[i]
            if not value:
                continue
            h = plot_h * value / top_value
            base -= h
            parts.append(_bar(x=center - width / 2, y=base, w=width, h=h, color=_color(name, index),
                              series=(labels or {}).get(name, name), label=label, value=value, unit=unit))
    parts += _x_labels(categories, centers)
    parts += _legend([name for name, _ in series], labels)
    return _svg(parts, title=title, width=WIDTH, height=HEIGHT)


def horizontal_bar_chart(items: Sequence[tuple[str, float]], *, title: str, unit: str = "", series: str = "value",
                         color: str = PALETTE[0], label_width: int = 150) -> SafeString:
    """One row per (label, value), longest first as given: intents, tools, languages."""
    items = [(label, value) for label, value in items if value]
    if not items:
        return _empty(title)
    row, pad = 22, 8
    height = pad * 2 + row * len(items)
    plot_w = WIDTH - label_width - 60
    top_value = max(v for _, v in items)
    parts = []
    for i, (label, value) in enumerate(items):
        y = pad + row * i
        w = max(1.0, plot_w * value / top_value)
        parts.append(f'<text class="label" x="{label_width - 6}" y="{y + 15}" text-anchor="end">{_e(label)}</text>')
        parts.append(_bar(x=label_width, y=y + 3, w=w, h=row - 6, color=color, series=series, label=label,
                          value=value, unit=unit))
        parts.append(f'<text class="value" x="{_num(label_width + w + 4)}" y="{y + 15}">{_e(_fmt(value, unit))}</text>')
    return _svg(parts, title=title, width=WIDTH, height=height)


def line_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], *, title: str,
               unit: str = "", labels: dict[str, str] | None = None) -> SafeString:
    """One line per series over the categories (days). None is a gap: no point, and the line
    breaks there rather than pretending a value."""
    values = [v for _, vs in series for v in vs if v is not None]
    if not categories or not values:
        return _empty(title)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top_value, step = axis(max(values))
    slot = plot_w / len(categories)
    centers = [LEFT + slot * (i + 0.5) for i in range(len(categories))]
    parts = _y_axis(top_value, step, unit=unit, plot_h=plot_h)
    for index, (name, points) in enumerate(series):
        color = _color(name, index)
        shown = (labels or {}).get(name, name)
        run: list[str] = []
        segments: list[list[str]] = []
        dots = []
        for i, value in enumerate(points):
            if value is None:
                if run:
                    segments.append(run)
                run = []
                continue
            x, y = centers[i], TOP + plot_h - plot_h * value / top_value
            run.append(f"{_num(x)},{_num(y)}")
            dots.append(f'<circle class="point" cx="{_num(x)}" cy="{_num(y)}" r="3" fill="{color}" '
                        f'data-series="{_e(shown)}" data-label="{_e(categories[i])}" data-value="{_e(value)}">'
                        f"<title>{_e(categories[i])} · {_e(shown)}: {_e(_fmt(value, unit))}</title></circle>")
        if run:
            segments.append(run)
        for seg in segments:
            if len(seg) > 1:
                parts.append(f'<polyline class="line" data-series="{_e(shown)}" fill="none" stroke="{color}" '
                             f'stroke-width="2" points="{" ".join(seg)}"/>')
        parts += dots
    parts += _x_labels(categories, centers)
    parts += _legend([name for name, _ in series], labels)
    return _svg(parts, title=title, width=WIDTH, height=HEIGHT)
