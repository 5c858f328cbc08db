"""Charts as inline SVG: no script, no external resource, so the page's CSP can forbid both.

Each function takes plain values and returns one ``<svg>`` element, every label escaped.
"""
from __future__ import annotations

import math

from .formatting import _esc, _interval, _isnan, _pct

_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#B8A200")


_W = 760


def _ticks(top: float, n: int = 5) -> list[float]:
    if top <= 0:
        return [0, 1]
    raw = top / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return [i * step for i in range(int(math.ceil(top / step - 1e-9)) + 1)]


def _fmt_tick(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:g}"


def _clip_label(text: str, n: int = 26) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{_esc(title)}"><title>{_esc(title)}</title>'
        f'<rect width="{width}" height="{height}" fill="#fff"/>'
        f'<text x="12" y="22" class="ctitle">{_esc(title)}</text>{"".join(body)}</svg>'
    )


def _no_data(x: float, y: float) -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="middle" class="nodata">No data to show</text>'


def _axis_labels(x_label: str, y_label: str, left: float, top: float, pw: float, ph: float, height: int,
                 *, categorical_y: bool = False) -> list[str]:
    x = f'<text x="{left + pw / 2:.1f}" y="{height - 8}" text-anchor="middle" class="alabel">{_esc(x_label)}</text>'
    if categorical_y:  # a header over the category names reads better than a rotated label
        return [x, f'<text x="{left - 8}" y="{top - 8}" text-anchor="end" class="alabel">{_esc(y_label)}</text>']
    return [x, f'<text x="14" y="{top + ph / 2:.1f}" text-anchor="middle" class="alabel" '
               f'transform="rotate(-90 14 {top + ph / 2:.1f})">{_esc(y_label)}</text>']


def _svg_lines(series: list[tuple[str, list[float | None], list[str]]], x_labels: list[str], *,
               title: str, x_label: str, y_label: str) -> str:
    """Lines of shares (0..1) over categorical periods; None breaks a line."""
    left, right, top, bottom = 64, 200, 40, 78
    height = 380
    pw, ph = _W - left - right, height - top - bottom
    n = max(len(x_labels), 1)
    x = lambda i: left + pw * (i + 0.5) / n  # noqa: E731 - tiny local scale
    y = lambda v: top + ph * (1 - v)  # noqa: E731
    body = []
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="grid"/>')
        body.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" class="tick">{t * 100:.0f}%</text>')
    every = max(1, math.ceil(len(x_labels) / 14))
    for i, lab in enumerate(x_labels):
        if i % every == 0:
            body.append(f'<text x="{x(i):.1f}" y="{top + ph + 16}" text-anchor="end" class="tick" '
                        f'transform="rotate(-35 {x(i):.1f} {top + ph + 16})">{_esc(lab)}</text>')
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" class="axis"/>')
    body.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" class="axis"/>')
    if not any(v is not None and not _isnan(v) for _, values, _ in series for v in values):
        body.append(_no_data(left + pw / 2, top + ph / 2))
    for s, (name, values, tips) in enumerate(series):
        colour = _PALETTE[s % len(_PALETTE)]
        run: list[str] = []
        segments = []
        for i, v in enumerate(values):
            if v is None or _isnan(v):
                segments.append(run)
                run = []
            else:
                run.append(f"{x(i):.1f},{y(v):.1f}")
        segments.append(run)
        for seg in segments:
            if len(seg) > 1:
                body.append(f'<polyline points="{" ".join(seg)}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for i, v in enumerate(values):
            if v is not None and not _isnan(v):
                body.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{colour}">'
                            f"<title>{_esc(tips[i])}</title></circle>")
        ly = top + 8 + s * 20
        body.append(f'<line x1="{left + pw + 16}" x2="{left + pw + 36}" y1="{ly}" y2="{ly}" stroke="{colour}" stroke-width="3"/>')
        body.append(f'<text x="{left + pw + 42}" y="{ly + 4}" class="legend">{_esc(_clip_label(name, 22))}<title>{_esc(name)}</title></text>')
    body += _axis_labels(x_label, y_label, left, top, pw, ph, height)
    return _svg(_W, height, title, body)


def _svg_intervals(rows: list[tuple[str, float, float, float, float]], *, title: str, x_label: str, y_label: str,
                   point_name: str, raw_name: str) -> str:
    """One row per group: a whisker (low..high), a filled dot (point) and an open dot (raw)."""
    left, right, top, bottom, row_h = 190, 30, 76, 52, 26
    height = top + bottom + row_h * max(len(rows), 1)
    pw, ph = _W - left - right, row_h * max(len(rows), 1)
    x = lambda v: left + pw * min(max(v, 0.0), 1.0)  # noqa: E731
    body = [
        f'<circle cx="{left + 6}" cy="42" r="5" fill="{_PALETTE[0]}"/>',
        f'<text x="{left + 16}" y="46" class="legend">{_esc(point_name)}</text>',
        f'<circle cx="{left + 330}" cy="42" r="4.5" fill="#fff" stroke="#333" stroke-width="1.5"/>',
        f'<text x="{left + 340}" y="46" class="legend">{_esc(raw_name)}</text>',
    ]
    for t in (0, 0.25, 0.5, 0.75, 1.0):
        body.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{top + ph}" class="grid"/>')
        body.append(f'<text x="{x(t):.1f}" y="{top + ph + 16}" text-anchor="middle" class="tick">{t * 100:.0f}%</text>')
    body.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" class="axis"/>')
    if all(_isnan(row[1]) for row in rows):
        body.append(_no_data(left + pw / 2, top + ph / 2))
    for i, (name, point, low, high, raw) in enumerate(rows):
        cy = top + row_h * (i + 0.5)
        tip = f"{name}: {_pct(point)} ({_interval(low, high)}); raw {_pct(raw)}"
        body.append(f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end" class="tick">{_esc(_clip_label(name))}<title>{_esc(name)}</title></text>')
        if not (_isnan(low) or _isnan(high)):
            body.append(f'<line x1="{x(low):.1f}" x2="{x(high):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" stroke="{_PALETTE[0]}" stroke-width="2"/>')
            for end in (low, high):
                body.append(f'<line x1="{x(end):.1f}" x2="{x(end):.1f}" y1="{cy - 5:.1f}" y2="{cy + 5:.1f}" stroke="{_PALETTE[0]}" stroke-width="2"/>')
        if not _isnan(point):
            body.append(f'<circle cx="{x(point):.1f}" cy="{cy:.1f}" r="5" fill="{_PALETTE[0]}"><title>{_esc(tip)}</title></circle>')
        if not _isnan(raw):
            body.append(f'<circle cx="{x(raw):.1f}" cy="{cy:.1f}" r="4.5" fill="none" stroke="#333" stroke-width="1.5"><title>{_esc(tip)}</title></circle>')
    body += _axis_labels(x_label, y_label, left, top, pw, ph, height, categorical_y=True)
    return _svg(_W, height, title, body)


def _svg_hbars(items: list[tuple[str, float, str, str]], *, title: str, x_label: str, y_label: str,
               legend: list[tuple[str, str]] | None = None) -> str:
    """Horizontal bars: (label, value, colour, value text)."""
    left, right, top, bottom, row_h = 190, 80, 76 if legend else 58, 52, 28
    height = top + bottom + row_h * max(len(items), 1)
    pw, ph = _W - left - right, row_h * max(len(items), 1)
    top_value = max([v for _, v, _, _ in items] + [0])
    ticks = _ticks(top_value)
    scale = ticks[-1] or 1
    x = lambda v: left + pw * v / scale  # noqa: E731
    body = []
    for i, (name, colour) in enumerate(legend or []):
        body.append(f'<rect x="{left + i * 170}" y="36" width="12" height="12" fill="{colour}"/>')
        body.append(f'<text x="{left + i * 170 + 18}" y="46" class="legend">{_esc(name)}</text>')
    for t in ticks:
        body.append(f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{top}" y2="{top + ph}" class="grid"/>')
        body.append(f'<text x="{x(t):.1f}" y="{top + ph + 16}" text-anchor="middle" class="tick">{_fmt_tick(t)}</text>')
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" class="axis"/>')
    if not any(value for _, value, _, _ in items):
        body.append(_no_data(left + pw / 2, top + ph / 2))
    for i, (name, value, colour, shown) in enumerate(items):
        cy = top + row_h * i
        body.append(f'<text x="{left - 8}" y="{cy + row_h / 2 + 4:.1f}" text-anchor="end" class="tick">{_esc(_clip_label(name))}<title>{_esc(name)}</title></text>')
        body.append(f'<rect x="{left}" y="{cy + 4}" width="{max(x(value) - left, 0):.1f}" height="{row_h - 8}" fill="{colour}">'
                    f"<title>{_esc(name)}: {_esc(shown)}</title></rect>")
        body.append(f'<text x="{x(value) + 6:.1f}" y="{cy + row_h / 2 + 4:.1f}" class="tick">{_esc(shown)}</text>')
    body += _axis_labels(x_label, y_label, left, top, pw, ph, height, categorical_y=True)
    return _svg(_W, height, title, body)


def _svg_histogram(counts: list[int], edges: list[float], *, title: str, x_label: str, y_label: str, colour: str) -> str:
    left, right, top, bottom = 64, 30, 40, 56
    height = 320
    pw, ph = _W - left - right, height - top - bottom
    ticks = _ticks(max(counts + [0]))
    scale = ticks[-1] or 1
    n = max(len(counts), 1)
    y = lambda v: top + ph * (1 - v / scale)  # noqa: E731
    body = []
    for t in ticks:
        body.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(t):.1f}" y2="{y(t):.1f}" class="grid"/>')
        body.append(f'<text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end" class="tick">{_fmt_tick(t)}</text>')
    for i, c in enumerate(counts):
        bx = left + pw * i / n
        body.append(f'<rect x="{bx + 1:.1f}" y="{y(c):.1f}" width="{pw / n - 2:.1f}" height="{top + ph - y(c):.1f}" fill="{colour}">'
                    f"<title>{edges[i]:.1f}–{edges[i + 1]:.1f}: {c}</title></rect>")
    for i, e in enumerate(edges):
        body.append(f'<text x="{left + pw * i / n:.1f}" y="{top + ph + 16}" text-anchor="middle" class="tick">{e:.1f}</text>')
    body.append(f'<line x1="{left}" x2="{left + pw}" y1="{top + ph}" y2="{top + ph}" class="axis"/>')
    body.append(f'<line x1="{left}" x2="{left}" y1="{top}" y2="{top + ph}" class="axis"/>')
    if not sum(counts):
        body.append(_no_data(left + pw / 2, top + ph / 2))
    body += _axis_labels(x_label, y_label, left, top, pw, ph, height)
    return _svg(_W, height, title, body)
