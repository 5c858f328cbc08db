"""Report: a results folder in, one self-contained HTML page, a Markdown summary and tables out.

``write_report`` reads what ``framing run`` wrote (articles, passages, entities, errors,
run.json; parquet or csv) and never changes it. It writes, each file atomically::

    index.html              opens from disk: inline CSS, a few lines of JS, SVG charts
    summary.md              the key figures and tables for quick reading
    tables/<name>.csv|.parquet   articles, outlets, periods, outlet_periods, actors,
                            actor_pairs, evidence, syndication

Everything that comes from articles is HTML-escaped, links are made only for http(s)
URLs, and a Content-Security-Policy allows nothing but the page's own script and style,
so neither a hostile article nor a slip in escaping can run code or reach the network.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from . import aggregate as agg
from .config import DEFAULT_PERIOD, LABELS
from .errors import FramingError
from .store import read_csv, write_table, write_text

HTML_MAX_ARTICLES = 2000  # per-article rows and passage listings shown in the page (all are in the tables)
HTML_MAX_ERRORS = 200
CHART_MAX_OUTLETS = 8  # lines in the time chart; the busiest outlets by classified passages
TABLES = ("articles", "outlets", "periods", "outlet_periods", "actors", "actor_pairs", "evidence", "syndication")

_PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#B8A200")
_LABEL_COLOURS = {"conflates": "#D55E00", "distinguishes": "#0072B2", "neither": "#8C8C8C", "mixed": "#CC79A7"}
_KIND_COLOURS = {"private_pilot": "#E69F00", "state_system": "#0072B2"}
_SAFE_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f]+$", re.IGNORECASE)


@dataclass(frozen=True)
class Results:
    """The tables and manifest of one results folder."""

    articles: pd.DataFrame
    passages: pd.DataFrame
    entities: pd.DataFrame
    errors: pd.DataFrame
    run: dict
    path: Path

    @property
    def card(self) -> dict | None:
        card = (self.run.get("model") or {}).get("card")
        return card if isinstance(card, dict) else None


@dataclass
class _Report:
    """Everything the renderers need, computed once."""

    results: Results
    period: str
    syndicated: str
    top_n: int
    prov: dict
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    overall: dict = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)


# --- public API ------------------------------------------------------------------------------


def write_report(
    results_dir: str | Path,
    out: str | Path | None = None,
    *,
    period: str = DEFAULT_PERIOD,
    syndicated: str = "once",
    top_n: int = 5,
) -> Path:
    """Write the framing report for a results folder and return the path of ``index.html``.

    ``period`` ("month" | "quarter" | "year") buckets the time tables; ``syndicated``
    ("once" | "per-outlet") says how a wire story run by several outlets is counted;
    ``top_n`` passages per outlet and label are quoted as evidence. ``out`` defaults to
    ``results_dir``; the results themselves are only read.

    >>> write_report("reports/sample", period="quarter")
    PosixPath('reports/sample/index.html')
    """
    if period not in agg.PERIODS:
        raise FramingError(f"unknown period {period!r}", "option --period", f"use one of: {', '.join(agg.PERIODS)}")
    if syndicated not in agg.SYNDICATED:
        raise FramingError(
            f"unknown syndication choice {syndicated!r}", "option --syndicated", f"use one of: {', '.join(agg.SYNDICATED)}"
        )
    if not isinstance(top_n, int) or top_n < 1:
        raise FramingError(f"top_n must be a positive whole number, got {top_n!r}", "option --top-n", "use e.g. 5")
    results = load_results(results_dir)
    out = Path(out) if out is not None else results.path
    report = _build(results, period=period, syndicated=syndicated, top_n=top_n)
    for name in TABLES:
        for fmt in ("csv", "parquet"):
            write_table(report.tables[name], out / "tables" / name, fmt=fmt)
    write_text(out / "summary.md", _render_markdown(report))
    index = out / "index.html"
    write_text(index, _render_html(report))
    return index


def load_results(results_dir: str | Path) -> Results:
    """Read a results folder (each table as parquet, or csv if there is no parquet)."""
    path = Path(results_dir)
    if not path.is_dir():
        raise FramingError(f"results folder {str(path)!r} does not exist", None, "run `framing run <input> --out <folder>` first")
    articles = _read_table(path, "articles", required=True)
    passages = _read_table(path, "passages", required=True)
    entities = _read_table(path, "entities")
    errors = _read_table(path, "errors")
    run = _read_run(path)
    return Results(
        articles=_with_columns(articles, _ARTICLE_COLUMNS),
        passages=_with_columns(passages, _PASSAGE_COLUMNS),
        entities=_with_columns(entities, _ENTITY_COLUMNS),
        errors=_with_columns(errors, {"source_path": "", "record": pd.NA, "reason": ""}),
        run=run,
        path=path,
    )


# --- reading ---------------------------------------------------------------------------------

_ARTICLE_COLUMNS = {
    "article_id": "", "source_path": "", "record": pd.NA, "title": "", "outlet": "", "date": "",
    "url": "", "n_passages": 0, "duplicate_of": "", "content_hash": "",
}
_PASSAGE_COLUMNS = {
    "passage_id": "", "article_id": "", "index": 0, "start": 0, "end": 0, "text": "", "kind": "body",
    "label": "neither", "p_conflates": 0.0, "p_distinguishes": 0.0, "p_neither": 1.0,
    "reason": "classified", "topical": False, "top_features": "[]", "evidence": "[]",
}
_ENTITY_COLUMNS = {
    "passage_id": "", "article_id": "", "text": "", "label": "", "canonical": "", "start": 0, "end": 0,
    "article_start": 0, "article_end": 0,
}


def _read_table(path: Path, name: str, *, required: bool = False) -> pd.DataFrame:
    for suffix in ("parquet", "csv"):
        file = path / f"{name}.{suffix}"
        if file.is_file():
            try:
                return pd.read_parquet(file) if suffix == "parquet" else read_csv(file, keep_default_na=False, na_values=[""])
            except Exception as exc:  # a truncated or foreign file: say which one
                raise FramingError(f"cannot read {file.name} ({exc.__class__.__name__}: {exc})", str(file),
                                   "re-run `framing run` to rewrite the results") from exc
    if required:
        raise FramingError(f"no {name}.parquet or {name}.csv", str(path), "point to a folder written by `framing run`")
    return pd.DataFrame()


def _read_run(path: Path) -> dict:
    file = path / "run.json"
    if not file.is_file():
        return {}
    try:
        run = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FramingError(f"run.json is not valid JSON ({exc})", str(file), "re-run `framing run`") from exc
    return run if isinstance(run, dict) else {}


def _with_columns(df: pd.DataFrame, defaults: dict) -> pd.DataFrame:
    """Add missing columns with their defaults; blank text columns become ""."""
    df = df.copy()
    for col, default in defaults.items():
        if col not in df:
            df[col] = pd.Series([default] * len(df), index=df.index, dtype=object if isinstance(default, str) else None)
        elif isinstance(default, str):
            df[col] = df[col].astype(object).where(df[col].notna(), "").astype(str)
    if "topical" in defaults:
        df["topical"] = df["topical"].map(lambda v: str(v).strip().lower() in ("true", "1", "1.0")).astype(bool)
    for col in ("p_conflates", "p_distinguishes", "p_neither"):
        if col in defaults:
            df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0.0).astype(float)
    return df


# --- computing -------------------------------------------------------------------------------


def _build(results: Results, *, period: str, syndicated: str, top_n: int) -> _Report:
    r = _Report(results, period, syndicated, top_n, _provenance(results.run, results.card))
    articles = agg.articles_with_verdicts(results.articles, results.passages)
    passages = results.passages
    synd = agg.syndication_groups(articles, passages)
    kept, r.dropped[syndicated] = agg.select_syndicated(articles, synd, syndicated=syndicated)
    other = "per-outlet" if syndicated == "once" else "once"
    r.dropped[other] = agg.select_syndicated(articles, synd, syndicated=other)[1]
    summary = dict(period=period, card=results.card, syndicated=syndicated, syndication=synd)
    r.tables["outlets"] = agg.group_summary(articles, passages, "outlet", **summary)
    r.tables["periods"] = agg.group_summary(articles, passages, "period", **summary)
    r.tables["outlet_periods"] = agg.group_summary(articles, passages, ["outlet", "period"], **summary)
    overall = agg.group_summary(articles, passages, "all", **summary)
    r.overall = overall.iloc[0].to_dict() if len(overall) else {"articles": 0, "classified_passages": 0, "conflates": 0}
    counted = passages[passages["article_id"].isin(kept["article_id"])]
    r.tables["actors"] = agg.actor_table(results.entities, counted)
    r.tables["actor_pairs"] = agg.actor_pairs(results.entities, counted)
    r.tables["evidence"] = agg.evidence_table(articles, passages, results.entities, top_n=top_n)
    r.tables["syndication"] = _syndication_table(synd, articles)
    r.tables["articles"] = _articles_table(articles, synd, kept, period)
    return r


def _provenance(run: dict, card: dict | None) -> dict:
    card = card or {}
    model = run.get("model") or {}
    return {
        "run_id": str(run.get("run_id") or "unknown"),
        "model_sha256": str(model.get("sha256") or card.get("model_sha256") or "unknown"),
        "labelled_data_sha256": str(run.get("labelled_data_sha256") or card.get("data_sha256") or "unknown"),
        "codebook_sha256": str(run.get("codebook_sha256") or card.get("codebook_sha256") or "unknown"),
    }


def _articles_table(articles: pd.DataFrame, synd: pd.DataFrame, kept: pd.DataFrame, period: str) -> pd.DataFrame:
    out = articles.drop(columns=["content_hash"], errors="ignore").merge(synd, on="article_id", how="left")
    out["period"] = agg.bucket_periods(out["date"], period)
    out["counted"] = out["article_id"].isin(kept["article_id"])
    out["story_id"] = out["story_id"].fillna("").astype(str)
    for col in ("story_size", "n_outlets"):
        out[col] = out[col].fillna(0).astype("int64")
    return out


def _syndication_table(synd: pd.DataFrame, articles: pd.DataFrame) -> pd.DataFrame:
    cols = ["story_id", "article_id", "outlet", "date", "title", "story_size", "n_outlets"]
    multi = synd[synd["story_size"] > 1].merge(articles[["article_id", "outlet", "date", "title"]], on="article_id")
    return multi.sort_values(["story_size", "story_id"], ascending=[False, True], kind="stable")[cols].reset_index(drop=True)


# --- formatting helpers ----------------------------------------------------------------------


def _esc(value) -> str:
    """HTML-escape anything (quotes too); NaN and None become ""."""
    return html.escape(_plain(value), quote=True)


def _plain(value) -> str:
    """``str(value)``, with NaN and None as ""."""
    return "" if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)) else str(value)


def _isnan(x) -> bool:
    try:
        return x is None or x is pd.NA or math.isnan(float(x))
    except (TypeError, ValueError):
        return True


def _pct(x, digits: int = 1) -> str:
    return "–" if _isnan(x) else f"{100 * float(x):.{digits}f}%"


def _num(x, digits: int = 3) -> str:
    return "–" if _isnan(x) else f"{float(x):.{digits}f}"


def _interval(low, high) -> str:
    return "–" if _isnan(low) or _isnan(high) else f"{100 * low:.1f}–{100 * high:.1f}%"


def _plural(n: int, one: str, many: str | None = None) -> str:
    return one if n == 1 else (many or one + "s")


def _n(n: int, one: str, many: str | None = None) -> str:
    return f"{n:,} {_plural(n, one, many)}"


def _short(sha: str) -> str:
    return sha[:12] if len(sha) > 12 and sha != "unknown" else sha


def _url_html(url) -> str:
    """A link for http(s) URLs; any other scheme (javascript:, data:, ...) is shown as text."""
    text = _plain(url).strip()
    if _SAFE_URL.match(text):
        return f'<a href="{_esc(text)}" rel="noopener noreferrer nofollow">{_esc(text)}</a>'
    return f'<span class="nolink">{_esc(text)}</span>' if text else ""


def _code_marks(text: str) -> str:
    """Escape ``text`` and render `backticked` words as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _esc(text))


def _json_list(value) -> list:
    if isinstance(value, (list, tuple, np.ndarray)):
        return list(value)
    if isinstance(value, str) and value.strip():
        try:
            parsed = json.loads(value)
        except ValueError:
            return []
        return parsed if isinstance(parsed, list) else []
    return []


def _marked(text: str, entities: Iterable[dict]) -> str:
    """Escaped ``text`` with entity spans (passage offsets) wrapped in <mark>."""
    text = str(text)
    out, pos = [], 0
    spans = []
    for ent in entities:
        try:
            start, end = int(ent.get("start")), int(ent.get("end"))
        except (TypeError, ValueError):
            continue
        if 0 <= start < end <= len(text):
            spans.append((start, end, ent))
    for start, end, ent in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < pos:  # overlapping spans: keep the first
            continue
        label = str(ent.get("label", ""))
        css = {"PRIVATE_PILOT": "pp", "STATE_SYSTEM": "ss"}.get(label, "ent")
        canonical = str(ent.get("canonical") or "")
        tip = f"{label}: {canonical}" if canonical and canonical != text[start:end] else label
        out.append(_esc(text[pos:start]))
        out.append(f'<mark class="{css}" title="{_esc(tip)}">{_esc(text[start:end])}</mark>')
        pos = end
    out.append(_esc(text[pos:]))
    return "".join(out)


def _reasons_html(top_features, evidence) -> str:
    feats = []
    for f in _json_list(top_features)[:6]:
        if isinstance(f, dict):
            weight = f.get("weight")
            w = "" if _isnan(weight) else f" ({float(weight):+.2f})"
            feats.append(f"<q>{_esc(f.get('feature', ''))}</q>{_esc(w)}")
    evid = []
    for e in _json_list(evidence)[:6]:
        if isinstance(e, dict):
            kind = str(e.get("kind", "")).replace("_", " ")
            evid.append(f"{_esc(kind)}: <q>{_esc(e.get('text', ''))}</q>")
    parts = []
    if feats:
        parts.append("features " + ", ".join(feats))
    if evid:
        parts.append("evidence " + "; ".join(evid))
    return "; ".join(parts) if parts else "no reasons recorded"


# --- HTML tables -----------------------------------------------------------------------------

Cell = tuple[str, object]  # (safe HTML, sort value)
Column = tuple[str, Callable[[dict], Cell], str]  # (header, row -> cell, css class)


def _text(key: str) -> Callable[[dict], Cell]:
    return lambda row: (_esc(row.get(key)), _plain(row.get(key)))


def _int(key: str) -> Callable[[dict], Cell]:
    return lambda row: (_esc("–" if _isnan(row.get(key)) else f"{int(row[key]):,}"), row.get(key))


def _share(key: str) -> Callable[[dict], Cell]:
    return lambda row: (_pct(row.get(key)), row.get(key))


def _prob(key: str) -> Callable[[dict], Cell]:
    return lambda row: (_num(row.get(key)), row.get(key))


def _span(low: str, high: str) -> Callable[[dict], Cell]:
    return lambda row: (_interval(row.get(low), row.get(high)), row.get(low))


def _html_table(rows: list[dict], columns: list[Column], prov: dict, *, table_id: str, note: str = "") -> str:
    head = "".join(f'<th scope="col" class="{css}">{_esc(h)}</th>' for h, _, css in columns)
    body = []
    for row in rows:
        cells = []
        for _, fn, css in columns:
            shown, sort = fn(row)
            v = sort if isinstance(sort, str) else ("" if _isnan(sort) else str(sort))
            cells.append(f'<td class="{css}" data-v="{_esc(v)}">{shown}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(columns)}" class="empty">No rows.</td></tr>')
    note_html = f'<span class="note">{note}</span>' if note else ""
    caption = f"<caption>{note_html}{_prov_html(prov)}</caption>"
    return (
        f'<div class="tablewrap"><table id="{table_id}" class="sortable">{caption}'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _kv_table(items: dict, prov: dict, *, table_id: str, key: str = "Item", value: str = "Value") -> str:
    rows = [{"k": k, "v": v if not isinstance(v, (dict, list)) else json.dumps(v, sort_keys=True)} for k, v in items.items()]
    return _html_table(rows, [(key, _text("k"), ""), (value, _text("v"), "")], prov, table_id=table_id)


def _prov_html(prov: dict) -> str:
    def sha(name: str, key: str) -> str:
        full = prov[key]
        return f'{name} <code title="{_esc(full)}">{_esc(_short(full))}</code>'

    return (
        '<span class="prov">Provenance: run <code>' + _esc(prov["run_id"]) + "</code> · "
        + sha("model sha256", "model_sha256") + " · "
        + sha("labelled data sha256", "labelled_data_sha256") + " · "
        + sha("codebook sha256", "codebook_sha256") + "</span>"
    )


# --- SVG charts ------------------------------------------------------------------------------

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


def _figure(chart_id: str, svg: str, caption: str, prov: dict) -> str:
    return f'<figure class="chart" id="{chart_id}">{svg}<figcaption>{caption} {_prov_html(prov)}</figcaption></figure>'


# --- HTML sections ---------------------------------------------------------------------------

_CSS = """
:root{--fg:#1d1d1f;--muted:#5b5b66;--line:#d9d9e0;--bg:#fafafa;--c:#D55E00;--d:#0072B2}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:#fff;border-bottom:1px solid var(--line);padding:1.2rem 2rem}
header h1{margin:0 0 .3rem;font-size:1.45rem}
main{max-width:1180px;margin:0 auto;padding:0 2rem 4rem}
nav{font-size:.92rem;margin-top:.6rem}nav a{margin-right:.9rem}
section{margin-top:2.2rem}h2{border-bottom:2px solid var(--line);padding-bottom:.2rem;font-size:1.25rem}
h3{font-size:1.05rem;margin:1.4rem 0 .4rem}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:#f0f0f3;padding:0 .25em;border-radius:3px}
dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:.5rem 0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;word-break:break-all}
.tablewrap{overflow:auto;max-height:34rem;margin:.6rem 0 1rem;background:#fff;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse;width:100%;font-size:.88rem}
caption{caption-side:bottom;text-align:left;padding:.4rem .6rem;font-size:.78rem;color:var(--muted)}
th,td{padding:.3rem .6rem;border-bottom:1px solid #ececf0;text-align:left;vertical-align:top}
th{position:sticky;top:0;background:#f3f3f6;cursor:pointer;user-select:none;vertical-align:bottom}
#t-articles td:first-child{min-width:12rem}#t-articles td:nth-child(3){white-space:nowrap}
th:hover,th:focus{background:#e6e6ee}
th[aria-sort=ascending]::after{content:" \\25B2";font-size:.7em}th[aria-sort=descending]::after{content:" \\25BC";font-size:.7em}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}td.num{white-space:nowrap}
caption .note{display:block;margin-bottom:.2rem}
td.empty{color:var(--muted);font-style:italic}
.prov{font-size:.78rem;color:var(--muted)}
figure.chart{margin:1rem 0 1.6rem;background:#fff;border:1px solid var(--line);border-radius:6px;padding:.6rem}
figure.chart svg{display:block;max-width:100%;height:auto}
figcaption{font-size:.85rem;color:var(--muted);margin-top:.3rem}
svg text{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;fill:#333}
svg .ctitle{font-size:15px;font-weight:600;fill:#1d1d1f}svg .tick{font-size:11.5px}svg .legend{font-size:12px}
svg .alabel{font-size:12.5px;fill:#555}svg .nodata{font-size:14px;fill:#888}
svg .grid{stroke:#e4e4ea;stroke-width:1}svg .axis{stroke:#888;stroke-width:1}
.cite{background:#fff;border-left:5px solid var(--c);padding:.8rem 1.1rem;border-radius:0 6px 6px 0}
.cite .big{font-size:1.6rem;font-weight:650}
.badge{display:inline-block;padding:0 .45em;border-radius:9px;font-size:.78rem;color:#fff;background:#8c8c8c;white-space:nowrap}
.badge.conflates{background:var(--c)}.badge.distinguishes{background:var(--d)}.badge.mixed{background:#CC79A7}
mark{background:#eee;border-radius:2px;padding:0 .1em}mark.pp{background:#ffe0a8}mark.ss{background:#cfe5f7}
.ev{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.2rem .9rem .5rem;margin:.6rem 0}
.ev blockquote{margin:.6rem 0;padding-left:.8rem;border-left:3px solid var(--line);font-family:Georgia,"Times New Roman",serif}
.ev.conflates blockquote{border-color:var(--c)}.ev.distinguishes blockquote{border-color:var(--d)}
.src,.why{font-size:.85rem;color:var(--muted);margin:.2rem 0}
.cols{display:grid;grid-template-columns:1fr 1fr;gap:1rem}@media (max-width:900px){.cols{grid-template-columns:1fr}}
article.art{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.1rem 1rem .6rem;margin:.8rem 0}
article.art:target{outline:3px solid #E69F00}
ol.psg li{margin:.35rem 0}ol.psg .p{font-size:.8rem;color:var(--muted)}
.nolink{color:var(--muted);word-break:break-all}
.note{color:var(--muted)}
"""

_SORT_JS = """
(function () {
  "use strict";
  function key(cell) {
    var v = cell.getAttribute("data-v");
    if (v === null) { v = cell.textContent; }
    v = v.trim();
    if (v === "") { return null; }
    var n = Number(v);
    return isNaN(n) ? v.toLowerCase() : n;
  }
  function compare(a, b, asc) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }
    if (b === null) { return -1; }
    var c;
    if (typeof a === typeof b) { c = a < b ? -1 : 1; } else { c = typeof a === "number" ? -1 : 1; }
    return asc ? c : -c;
  }
  function sortTable(table, th, col) {
    var asc = th.getAttribute("aria-sort") !== "ascending";
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (r1, r2) {
      if (!r1.cells[col] || !r2.cells[col]) { return 0; }
      return compare(key(r1.cells[col]), key(r2.cells[col]), asc);
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r); });
    body.appendChild(frag);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    if (!table.tHead) { return; }
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, col) {
      th.tabIndex = 0;
      th.title = "Sort by this column";
      th.addEventListener("click", function () { sortTable(table, th, col); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortTable(table, th, col); }
      });
    });
  });
})();
"""


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


def _render_html(report: _Report) -> str:
    """The whole self-contained page as a string."""
    r = report
    sections = [
        _section_cite(r),
        _section_model(r),
        _section_outlets(r),
        _section_periods(r),
        _section_articles(r),
        _section_actors(r),
        _section_evidence(r),
        _section_syndication(r),
        _section_rule(r),
        _section_passages(r),
    ]
    nav = "".join(
        f'<a href="#{i}">{t}</a>'
        for i, t in [("cite", "Figure to cite"), ("model", "Model &amp; run"), ("outlets", "Outlets"),
                     ("periods", "Periods"), ("articles", "Articles"), ("actors", "Actors"),
                     ("evidence", "Evidence"), ("syndication", "Syndication"), ("rule", "Verdict rule")]
    )
    csp = (
        "default-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'; "
        f"script-src {_csp_hash(_SORT_JS)}; style-src {_csp_hash(_CSS)}"
    )
    prov = r.prov
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(csp)}">'
        '<meta name="referrer" content="no-referrer">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Framing report – run {_esc(prov['run_id'])}</title><style>{_CSS}</style></head><body>"
        '<header id="top"><h1>How coverage conflates private scoring pilots with China’s Social Credit System</h1>'
        '<dl class="kv">'
        f"<dt>Run</dt><dd><code>{_esc(prov['run_id'])}</code></dd>"
        f"<dt>Model sha256</dt><dd><code>{_esc(prov['model_sha256'])}</code></dd>"
        f"<dt>Labelled data sha256</dt><dd><code>{_esc(prov['labelled_data_sha256'])}</code></dd>"
        f"<dt>Codebook sha256</dt><dd><code>{_esc(prov['codebook_sha256'])}</code></dd>"
        f"<dt>Options</dt><dd>period <code>{_esc(r.period)}</code> · syndicated <code>{_esc(r.syndicated)}</code> · "
        f"evidence per outlet and label <code>{r.top_n}</code></dd></dl>"
        f"<nav>{nav}</nav></header><main>{''.join(sections)}</main>"
        f"<script>{_SORT_JS}</script></body></html>\n"
    )


def _section_model(r: _Report) -> str:
    card = r.results.card or {}
    cv = card.get("cv") or {}
    binary = cv.get("binary") or {}
    run = r.results.run
    parts = ['<section id="model"><h2>Model and run</h2>']
    if card:
        parts.append(
            "<p>Cross-validated figures from the model card "
            f"({_esc(cv.get('folds', '?'))} folds over {_esc(card.get('n', '?'))} labelled passages; "
            f"card dated {_esc(card.get('date', 'unknown'))}). The binary view is <code>conflates</code> versus the rest.</p>"
            '<dl class="kv">'
            f"<dt>Macro-F1 (3 labels)</dt><dd>{_num(cv.get('macro_f1'))}</dd>"
            f"<dt>Binary precision / recall / F1</dt><dd>{_num(binary.get('precision'))} / {_num(binary.get('recall'))} / {_num(binary.get('f1'))}</dd>"
            f"<dt>True-positive rate / false-positive rate</dt><dd>{_num(binary.get('tpr'))} / {_num(binary.get('fpr'))} "
            f"(over {_esc(binary.get('positives', '?'))} conflating and {_esc(binary.get('negatives', '?'))} other passages)</dd>"
            f"<dt>Brier score</dt><dd>{_num(cv.get('brier'))}</dd>"
            f"<dt>Labelled passages per label</dt><dd>{_esc(', '.join(f'{k}: {v}' for k, v in (card.get('label_counts') or {}).items()))}</dd>"
            "</dl><h3>Per-class scores</h3>"
        )
        per_class = [{"label": k, **(v if isinstance(v, dict) else {})} for k, v in (cv.get("per_class") or {}).items()]
        parts.append(_html_table(per_class, [
            ("Label", _text("label"), ""), ("Precision", _prob("precision"), "num"), ("Recall", _prob("recall"), "num"),
            ("F1", _prob("f1"), "num"), ("Support", _int("support"), "num")], r.prov, table_id="t-per-class"))
        parts.append(_confusion_html(cv.get("confusion") or {}, r.prov))
    else:
        parts.append('<p class="note">run.json carries no model card, so no cross-validation figures and no adjusted shares.</p>')
    parts.append(_label_charts(r))
    parts.append("<h3>Run</h3>" + _kv_table(
        {"run id": run.get("run_id", ""), "started": run.get("started", ""), "finished": run.get("finished", ""),
         "input": run.get("input", ""), "model file": (run.get("model") or {}).get("path", ""),
         "errors": run.get("errors", len(r.results.errors))}, r.prov, table_id="t-run"))
    parts.append("<h3>Counts</h3>" + _kv_table(run.get("counts") or {}, r.prov, table_id="t-counts", key="Count", value="Number"))
    parts.append(_errors_html(r))
    parts.append("<h3>Versions</h3>" + _kv_table(run.get("versions") or {}, r.prov, table_id="t-versions", key="Package", value="Version"))
    parts.append("<h3>Defaults</h3>" + _kv_table(run.get("defaults") or {}, r.prov, table_id="t-defaults", key="Setting", value="Value"))
    return "".join(parts) + "</section>"


def _confusion_html(confusion: dict, prov: dict) -> str:
    labels = [str(x) for x in confusion.get("labels") or []]
    matrix = confusion.get("matrix") or []
    if not labels or len(matrix) != len(labels):
        return ""
    cols: list[Column] = [("True \\ predicted", _text("true"), "")]
    cols += [(lab, _int(f"p{j}"), "num") for j, lab in enumerate(labels)]
    rows = [{"true": lab, **{f"p{j}": v for j, v in enumerate(row)}} for lab, row in zip(labels, matrix)]
    return "<h3>Confusion matrix (cross-validation)</h3>" + _html_table(rows, cols, prov, table_id="t-confusion")


def _errors_html(r: _Report) -> str:
    errors = r.results.errors
    note = f"{_n(len(errors), 'input file or record', 'input files or records')} could not be read."
    if len(errors) > HTML_MAX_ERRORS:
        note += f" The first {HTML_MAX_ERRORS} are shown; all are in errors.csv."
    cols: list[Column] = [("Source", _text("source_path"), ""), ("Record", _text("record"), "num"), ("Reason", _text("reason"), "")]
    rows = errors.head(HTML_MAX_ERRORS).to_dict("records")
    return f"<h3>Errors</h3><p>{_esc(note)}</p>" + _html_table(rows, cols, r.prov, table_id="t-errors")


def _label_charts(r: _Report) -> str:
    p = r.results.passages
    scored = p[agg.classified(p)]
    counts = scored["label"].value_counts()
    total = max(int(counts.sum()), 1)
    items = [(lab, int(counts.get(lab, 0)), _LABEL_COLOURS.get(lab, "#888"),
              f"{int(counts.get(lab, 0)):,} ({100 * counts.get(lab, 0) / total:.0f}%)") for lab in LABELS]
    bars = _svg_hbars(items, title="Labels of classified passages", x_label="Classified passages", y_label="Label")
    hist_counts, edges = np.histogram(scored["p_conflates"].clip(0, 1).to_numpy(), bins=10, range=(0, 1))
    hist = _svg_histogram([int(c) for c in hist_counts], [float(e) for e in edges],
                          title="Classifier confidence that a passage conflates",
                          x_label="p(conflates)", y_label="Classified passages", colour=_LABEL_COLOURS["conflates"])
    return (
        "<h3>Label distribution in this run</h3>"
        + _figure("chart-labels", bars, f"Labels the classifier gave the {len(scored):,} classified passages of all articles (syndicated copies included).", r.prov)
        + _figure("chart-confidence", hist, "Histogram of p(conflates) over classified passages; mass near 0 and 1 means confident labels, mass in between means borderline passages.", r.prov)
    )


def _section_cite(r: _Report) -> str:
    o = r.overall
    k, n = int(o.get("conflates", 0)), int(o.get("classified_passages", 0))
    wilson = f"95% Wilson interval {_interval(o.get('ci_low'), o.get('ci_high'))}; {k:,} of {_n(n, 'classified passage')}"
    rates = agg.card_rates(r.results.card)
    if n == 0:
        body = '<p class="cite">No classified passages in this run, so there is no share to cite.</p>'
    elif rates is None or _isnan(o.get("adjusted_share")):
        body = (
            f'<p class="cite"><span class="big">{_pct(o.get("conflation_share"))}</span> of classified passages conflate '
            f"private scoring pilots with the state system (raw classify-and-count; {wilson}).</p>"
            "<p>run.json has no model card with cross-validated error rates (or the classifier is no better than "
            "chance), so this share cannot be adjusted for the classifier’s errors. Cite it only with that caveat.</p>"
        )
    else:
        body = (
            f'<p class="cite"><span class="big">{_pct(o.get("adjusted_share"))}</span> of classified passages conflate private '
            f"scoring pilots with the state system (adjusted share, 95% interval {_interval(o.get('adjusted_low'), o.get('adjusted_high'))}).</p>"
            "<p><strong>Cite the adjusted share with its interval.</strong> The raw share counts the classifier’s labels: "
            f"{_pct(o.get('conflation_share'))} ({wilson}). A classifier that finds {100 * rates['tpr']:.0f}% of conflating "
            f"passages (true-positive rate) and wrongly flags {100 * rates['fpr']:.0f}% of the others (false-positive rate, "
            "both from cross-validation) biases that count. Adjusted classify-and-count (Forman 2008) corrects it: "
            "(raw − FPR) / (TPR − FPR), clipped to 0–100%. Its interval is a bootstrap that redraws both the passages and "
            "the classifier’s rates from the model card’s cross-validation counts, so it is honest about how well we know "
            "the classifier; the Wilson interval of the raw share ignores that and is too narrow. The correction assumes "
            "the classifier errs on this corpus as it did in cross-validation.</p>"
        )
    return f'<section id="cite"><h2>Which figure to cite</h2>{body}<p>{_prov_html(r.prov)}</p></section>'


def _group_columns(key: str, header: str) -> list[Column]:
    return [
        (header, _text(key), ""),
        ("Articles", _int("articles"), "num"),
        ("Topical passages", _int("topical_passages"), "num"),
        ("Classified passages", _int("classified_passages"), "num"),
        ("Conflating", _int("conflates"), "num"),
        ("Raw share", _share("conflation_share"), "num"),
        ("95% Wilson", _span("ci_low", "ci_high"), "num"),
        ("Adjusted share", _share("adjusted_share"), "num"),
        ("95% bootstrap", _span("adjusted_low", "adjusted_high"), "num"),
        ("Articles conflating", _share("share_articles_conflating"), "num"),
        ("Conflating articles that also correct", _share("share_conflating_that_correct"), "num"),
    ]


_GROUP_NOTE = (
    "Shares are over classified passages (body text the classifier labelled). ‘Articles conflating’: verdict "
    "conflates or mixed, over articles with a classified passage. ‘Also correct’: mixed articles over conflates + mixed."
)


def _section_outlets(r: _Report) -> str:
    t = r.tables["outlets"]
    adjusted = not t["adjusted_share"].isna().all()
    point, low, high = ("adjusted_share", "adjusted_low", "adjusted_high") if adjusted else ("conflation_share", "ci_low", "ci_high")
    rows = [(row["outlet"], row[point], row[low], row[high], row["conflation_share"]) for row in t.to_dict("records")]
    chart = _svg_intervals(
        rows, title="Share of classified passages that conflate, by outlet", x_label="Share of classified passages that conflate",
        y_label="Outlet", point_name="adjusted share, 95% bootstrap interval" if adjusted else "raw share, 95% Wilson interval",
        raw_name="raw classify-and-count share",
    )
    caption = ("Dots: adjusted share with its 95% bootstrap interval (passages and classifier rates resampled); open circles: raw share."
               if adjusted else "Dots: raw share with 95% Wilson interval (no model card, so no adjustment).")
    return (
        '<section id="outlets"><h2>Per outlet</h2>'
        + _figure("chart-outlets", chart, caption + f" Syndicated stories counted {_esc(r.syndicated)}.", r.prov)
        + _html_table(t.to_dict("records"), _group_columns("outlet", "Outlet"), r.prov, table_id="t-outlets", note=_GROUP_NOTE)
        + "</section>"
    )


def _section_periods(r: _Report) -> str:
    t = r.tables["periods"]
    op = r.tables["outlet_periods"]
    known = op[op["period"].ne(agg.UNKNOWN_PERIOD)]
    x_labels = sorted(set(known["period"]))  # ISO-like labels sort chronologically
    busiest = (known.groupby("outlet")["classified_passages"].sum().sort_values(ascending=False, kind="stable")
               .head(CHART_MAX_OUTLETS).index.tolist())
    series = []
    for outlet in busiest:
        rows = known[known["outlet"].eq(outlet)].set_index("period")
        values, tips = [], []
        for p in x_labels:
            if p in rows.index and rows.loc[p, "classified_passages"] > 0:
                values.append(float(rows.loc[p, "conflation_share"]))
                tips.append(f"{outlet}, {p}: {_pct(rows.loc[p, 'conflation_share'])} of {int(rows.loc[p, 'classified_passages'])} classified passages")
            else:
                values.append(None)
                tips.append("")
        series.append((outlet, values, tips))
    chart = _svg_lines(series, x_labels, title=f"Conflation share over time by outlet (per {r.period})",
                       x_label=r.period.capitalize(), y_label="Raw share conflating")
    n_out = known["outlet"].nunique()
    more = f" The {CHART_MAX_OUTLETS} outlets with most classified passages of {n_out} are drawn." if n_out > CHART_MAX_OUTLETS else ""
    unknown = int(op.loc[op["period"].eq(agg.UNKNOWN_PERIOD), "articles"].sum())
    caption = ("Raw classify-and-count share per outlet and period (per-cell adjusted shares are too noisy to draw); "
               f"gaps mean no classified passages. {_n(unknown, 'article')} with unknown dates left out of the chart "
               f"and counted under ‘unknown’ in the table.{more}")
    return (
        f'<section id="periods"><h2>Per {_esc(r.period)}</h2>'
        + _figure("chart-time", chart, caption, r.prov)
        + _html_table(t.to_dict("records"), _group_columns("period", r.period.capitalize()), r.prov, table_id="t-periods", note=_GROUP_NOTE)
        + "</section>"
    )


def _anchors(articles: pd.DataFrame) -> dict[str, str]:
    """A safe anchor id per article (ids from the data never go into attributes raw)."""
    return {aid: f"art-{i}" for i, aid in enumerate(articles["article_id"].tolist())}


def _shown_articles(r: _Report) -> pd.DataFrame:
    a = r.tables["articles"]
    a = a[a["verdict"].ne("")]
    if len(a) > HTML_MAX_ARTICLES:
        a = a.sort_values(["conflates", "classified_passages"], ascending=False, kind="stable").head(HTML_MAX_ARTICLES)
    return a


def _section_articles(r: _Report) -> str:
    a = _shown_articles(r)
    anchors = _anchors(r.tables["articles"])
    total = int(r.tables["articles"]["verdict"].ne("").sum())
    dups = int(r.tables["articles"]["verdict"].eq("").sum())

    def title(row: dict) -> Cell:
        text = row.get("title") or row.get("source_path") or row["article_id"]
        return f'<a href="#{anchors[row["article_id"]]}">{_esc(text)}</a>', str(text)

    def counted(row: dict) -> Cell:
        if row["counted"]:
            return "yes", "yes"
        return f'<span title="syndicated copy of {_esc(row["story_id"])}">no, copy</span>', "no"

    def verdict(row: dict) -> Cell:
        return f'<span class="badge {_esc(row["verdict"])}">{_esc(row["verdict"])}</span>', row["verdict"]

    cols: list[Column] = [
        ("Title", title, ""), ("Outlet", _text("outlet"), ""), ("Date", _text("date"), ""), ("Verdict", verdict, ""),
        ("Classified", _int("classified_passages"), "num"), ("Conflating", _int("conflates"), "num"),
        ("Distinguishing", _int("distinguishes"), "num"), ("Share conflating", _share("conflates_share"), "num"),
        ("Mean p(conflates)", _prob("mean_p_conflates"), "num"), ("Counted", counted, ""),
    ]
    verdicts = r.tables["articles"]["verdict"].value_counts()
    summary = ", ".join(f"{lab}: {int(verdicts.get(lab, 0)):,}" for lab in agg.VERDICTS)
    note = (f"{_n(total, 'article')} ({summary}); {_n(dups, 'exact duplicate')} removed upstream "
            f"{'is' if dups == 1 else 'are'} listed only in tables/articles.csv.")
    if len(a) < total:
        note += f" The {len(a):,} articles with most conflating passages are shown; all are in tables/articles.csv."
    return (
        '<section id="articles"><h2>Per article</h2><p>Click a title for the article’s passages and labels.</p>'
        + _html_table(a.to_dict("records"), cols, r.prov, table_id="t-articles", note=_esc(note)) + "</section>"
    )


def _section_actors(r: _Report) -> str:
    actors, pairs = r.tables["actors"], r.tables["actor_pairs"]
    top = actors.head(12)
    items = [(row["actor"], int(row["passages"]), _KIND_COLOURS.get(row["kind"], "#888"), f"{int(row['passages']):,}")
             for row in top.to_dict("records")]
    chart = _svg_hbars(items, title="Actors named in conflating passages", x_label="Conflating passages naming the actor",
                       y_label="Actor (canonical name)",
                       legend=[("private pilot", _KIND_COLOURS["private_pilot"]), ("state system", _KIND_COLOURS["state_system"])])
    actor_cols: list[Column] = [
        ("Actor", _text("actor"), ""), ("Kind", lambda row: (_esc(str(row["kind"]).replace("_", " ")), row["kind"]), ""),
        ("Conflating passages", _int("passages"), "num"), ("Articles", _int("articles"), "num"),
        ("All passages naming it", _int("all_passages"), "num"),
    ]
    pair_cols: list[Column] = [
        ("Private pilot", _text("private_pilot"), ""), ("State system", _text("state_system"), ""),
        ("Conflating passages", _int("passages"), "num"), ("Articles", _int("articles"), "num"),
    ]
    return (
        '<section id="actors"><h2>Actors</h2>'
        + _figure("chart-actors", chart, "Gazetteer actors (canonical names, at most 12) named in most conflating passages; syndicated copies "
                     f"counted {_esc(r.syndicated)}.", r.prov)
        + "<h3>Actors in conflating passages</h3>" + _html_table(actors.to_dict("records"), actor_cols, r.prov, table_id="t-actors")
        + "<h3>Private pilot and state system named together in a conflating passage</h3>"
        + _html_table(pairs.to_dict("records"), pair_cols, r.prov, table_id="t-pairs") + "</section>"
    )


def _section_evidence(r: _Report) -> str:
    ev = r.tables["evidence"]
    anchors = _anchors(r.tables["articles"])
    parts = [
        '<section id="evidence"><h2>Evidence</h2>',
        f"<p>Per outlet, the {r.top_n} passages the model is most confident conflate or distinguish, quoted in full. "
        'Entities are marked: <mark class="pp">private pilot</mark>, <mark class="ss">state system</mark>, '
        "<mark>other</mark>. The model’s reasons are its strongest features and the evidence spans it found.</p>",
    ]
    if ev.empty:
        parts.append('<p class="note">No passage was labelled conflates or distinguishes.</p>')
    for outlet, group in ev.groupby("outlet", sort=True):
        parts.append(f"<h3>{_esc(outlet)}</h3><div class=\"cols\">")
        for label, heading in (("conflates", "Most confident conflating"), ("distinguishes", "Most confident distinguishing")):
            rows = group[group["label"].eq(label)].to_dict("records")
            parts.append(f"<div><h4>{heading}</h4>")
            if not rows:
                parts.append('<p class="note">None.</p>')
            for row in rows:
                anchor = anchors.get(row["article_id"], "")
                title = row.get("title") or row.get("source_path") or row["article_id"]
                parts.append(
                    f'<div class="ev {label}"><blockquote>{_marked(row["text"], _json_list(row["entities"]))}</blockquote>'
                    f'<p class="src">— <a href="#{anchor}">{_esc(title)}</a>, {_esc(row.get("outlet"))}, '
                    f'{_esc(row.get("date") or "date unknown")} · source <code>{_esc(row.get("source_path"))}</code> · '
                    f"p({label}) = {_num(row['confidence'], 2)}</p>"
                    f'<p class="why">Why: {_reasons_html(row.get("top_features"), row.get("evidence"))}</p></div>'
                )
            parts.append("</div>")
        parts.append("</div>")
    parts.append(f"<p>{_prov_html(r.prov)}</p></section>")
    return "".join(parts)


def _section_syndication(r: _Report) -> str:
    synd = r.tables["syndication"]
    stories = synd["story_id"].nunique()
    other = "per-outlet" if r.syndicated == "once" else "once"
    text = (
        f"<p>Syndicated stories are counted <strong>{_esc(r.syndicated)}</strong>"
        + (" (one copy per story, the earliest)" if r.syndicated == "once" else " (one copy per story and outlet)")
        + f". {_n(stories, 'story', 'stories')} appeared more than once ({_n(len(synd), 'article')}; word 5-shingle Jaccard similarity "
        f"of at least {agg.SYNDICATION_THRESHOLD:.2f} on the body text). This choice left "
        f"<strong>{r.dropped[r.syndicated]:,}</strong> {_plural(r.dropped[r.syndicated], 'article')} out of the counts; "
        f"<code>{other}</code> would have left out {r.dropped[other]:,}.</p>"
    )
    cols: list[Column] = [("Story", _text("story_id"), ""), ("Article", _text("article_id"), ""), ("Outlet", _text("outlet"), ""),
                          ("Date", _text("date"), ""), ("Title", _text("title"), ""), ("Copies", _int("story_size"), "num"),
                          ("Outlets", _int("n_outlets"), "num")]
    return ('<section id="syndication"><h2>Syndication</h2>' + text
            + _html_table(synd.head(HTML_MAX_ARTICLES).to_dict("records"), cols, r.prov, table_id="t-syndication") + "</section>")


def _section_rule(r: _Report) -> str:
    return (
        '<section id="rule"><h2>Verdict rule</h2>'
        f"<p>{_code_marks(agg.VERDICT_RULE)}</p>"
        "<p>Passage labels follow the project codebook: <code>conflates</code> presents a private pilot as the state system "
        "(or gives the state system a private pilot’s features); <code>distinguishes</code> keeps them apart explicitly; "
        "<code>neither</code> is everything else. Only body passages that pass the relevance filter are classified; "
        "headings, boilerplate and off-topic passages count as <code>neither</code> and are left out of every share "
        "(a passage is <em>topical</em> when it names a private pilot or the state system, which is reported but is "
        f"not the same test).</p><p>{_prov_html(r.prov)}</p></section>"
    )


def _section_passages(r: _Report) -> str:
    shown = _shown_articles(r)
    anchors = _anchors(r.tables["articles"])
    p = r.results.passages
    p = p[p["article_id"].isin(shown["article_id"])].sort_values(["article_id", "index"], kind="stable")
    by_article = {aid: g for aid, g in p.groupby("article_id", sort=False)}
    ents = _entities_by_passage(r.results.entities)
    parts = ['<section id="passages"><h2>Articles and their passages</h2>']
    for row in shown.to_dict("records"):
        aid = row["article_id"]
        title = row.get("title") or row.get("source_path") or aid
        parts.append(
            f'<article class="art" id="{anchors[aid]}"><h3>{_esc(title)}</h3>'
            f'<p class="src">{_esc(row.get("outlet") or agg.UNKNOWN_OUTLET)} · {_esc(row.get("date") or "date unknown")} · '
            f'verdict <span class="badge {_esc(row["verdict"])}">{_esc(row["verdict"])}</span> · '
            f'source <code>{_esc(row.get("source_path"))}</code> {_url_html(row.get("url"))}</p>'
        )
        group = by_article.get(aid)
        shown_p = group[group["topical"] | agg.classified(group)] if group is not None else p.iloc[0:0]
        items = []
        for q in shown_p.to_dict("records"):
            if q["reason"] == "classified":
                badge = f'<span class="badge {_esc(q["label"])}">{_esc(q["label"])}</span>'
                probs = f"p(conflates) {_num(q['p_conflates'], 2)} · p(distinguishes) {_num(q['p_distinguishes'], 2)}"
            else:
                badge = '<span class="badge">not classified</span>'
                probs = _esc(q["kind"] if q["reason"] == q["kind"] else f"{q['kind']}, {q['reason']}")
            items.append(
                f'<li value="{int(q["index"]) + 1}">{badge} <span class="p">{probs}</span><br>'
                f'{_marked(q["text"], ents.get(q["passage_id"], []))}</li>'
            )
        if items:
            parts.append(f'<ol class="psg">{"".join(items)}</ol>')
        hidden = (0 if group is None else len(group)) - len(shown_p)
        if hidden or not items:
            parts.append(f'<p class="note">{_n(hidden, "other passage")} (not classified, naming no actor) not shown.</p>')
        parts.append('<p><a href="#articles">Back to the article table</a></p></article>')
    parts.append(f"<p>{_prov_html(r.prov)}</p></section>")
    return "".join(parts)


def _entities_by_passage(entities: pd.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if entities.empty:
        return out
    for e in entities[["passage_id", "text", "label", "canonical", "start", "end"]].to_dict("records"):
        out.setdefault(e["passage_id"], []).append(e)
    return out


# --- Markdown --------------------------------------------------------------------------------


def _md(value) -> str:
    """Text safe inside a Markdown table cell (and inert if the Markdown is rendered as HTML)."""
    text = "" if value is None or (not isinstance(value, str) and _isnan(value)) else str(value)
    return html.escape(re.sub(r"\s+", " ", text), quote=False).replace("|", "\\|").replace("`", "'")


def _md_table(rows: list[dict], columns: list[tuple[str, Callable[[dict], str]]]) -> str:
    lines = ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fn(row) for _, fn in columns) + " |" for row in rows]
    return "\n".join(lines) if rows else "_No rows._"


def _render_markdown(report: _Report) -> str:
    """The key figures and tables, with provenance, as Markdown."""
    r, o = report, report.overall
    prov = (f"_Provenance: run `{r.prov['run_id']}` · model sha256 `{r.prov['model_sha256']}` · labelled data sha256 "
            f"`{r.prov['labelled_data_sha256']}` · codebook sha256 `{r.prov['codebook_sha256']}`_")
    group_cols = lambda key, header: [  # noqa: E731
        (header, lambda row: _md(row[key])),
        ("Articles", lambda row: f"{int(row['articles']):,}"),
        ("Topical passages", lambda row: f"{int(row['topical_passages']):,}"),
        ("Classified passages", lambda row: f"{int(row['classified_passages']):,}"),
        ("Conflating", lambda row: f"{int(row['conflates']):,}"),
        ("Raw share (95% Wilson)", lambda row: f"{_pct(row['conflation_share'])} ({_interval(row['ci_low'], row['ci_high'])})"),
        ("Adjusted share (95% bootstrap)", lambda row: f"{_pct(row['adjusted_share'])} ({_interval(row['adjusted_low'], row['adjusted_high'])})"),
        ("Articles conflating", lambda row: _pct(row["share_articles_conflating"])),
    ]
    if _isnan(o.get("adjusted_share")):
        cite = (f"**{_pct(o.get('conflation_share'))}** of classified passages conflate (raw share, 95% Wilson "
                f"{_interval(o.get('ci_low'), o.get('ci_high'))}); no adjusted share (no model card with CV rates).")
    else:
        cite = (f"**{_pct(o.get('adjusted_share'))}** of classified passages conflate (adjusted classify-and-count, 95% bootstrap "
                f"interval {_interval(o.get('adjusted_low'), o.get('adjusted_high'))}). Cite this figure: it corrects the raw "
                f"share ({_pct(o.get('conflation_share'))}, {int(o.get('conflates', 0)):,} of {int(o.get('classified_passages', 0)):,} "
                "classified passages) for the classifier's cross-validated error rates, and its interval includes their uncertainty.")
    card = r.results.card or {}
    cv, binary = card.get("cv") or {}, (card.get("cv") or {}).get("binary") or {}
    verdicts = r.tables["articles"]["verdict"].value_counts()
    other = "per-outlet" if r.syndicated == "once" else "once"
    parts = [
        "# Framing report", "", prov, "",
        "## Figure to cite", "", cite, "",
        "## Model", "",
        (f"Macro-F1 {_num(cv.get('macro_f1'))}; binary precision {_num(binary.get('precision'))}, recall "
         f"{_num(binary.get('recall'))}, F1 {_num(binary.get('f1'))}; TPR {_num(binary.get('tpr'))}, FPR {_num(binary.get('fpr'))}; "
         f"Brier {_num(cv.get('brier'))} ({_md(cv.get('folds', '?'))}-fold cross-validation)." if card else "No model card in run.json."),
        "",
        "## Articles", "",
        "Verdicts: " + ", ".join(f"{lab} {int(verdicts.get(lab, 0)):,}" for lab in agg.VERDICTS) + ".", "",
        agg.VERDICT_RULE, "",
        (f"Syndicated stories counted {r.syndicated}: {_n(r.dropped[r.syndicated], 'article')} left out of the counts "
         f"({other} would leave out {r.dropped[other]:,})."), "",
        "## Per outlet", "", _md_table(r.tables["outlets"].to_dict("records"), group_cols("outlet", "Outlet")), "", prov, "",
        f"## Per {r.period}", "", _md_table(r.tables["periods"].to_dict("records"), group_cols("period", r.period.capitalize())), "", prov, "",
        "## Actors in conflating passages", "",
        _md_table(r.tables["actors"].head(15).to_dict("records"), [
            ("Actor", lambda row: _md(row["actor"])), ("Kind", lambda row: _md(str(row["kind"]).replace("_", " "))),
            ("Conflating passages", lambda row: f"{int(row['passages']):,}"), ("Articles", lambda row: f"{int(row['articles']):,}")]),
        "", prov, "",
        "## Private pilot and state system named together", "",
        _md_table(r.tables["actor_pairs"].head(15).to_dict("records"), [
            ("Private pilot", lambda row: _md(row["private_pilot"])), ("State system", lambda row: _md(row["state_system"])),
            ("Conflating passages", lambda row: f"{int(row['passages']):,}"), ("Articles", lambda row: f"{int(row['articles']):,}")]),
        "", prov, "",
        "Full tables: `tables/*.csv` and `tables/*.parquet`; the full report with evidence: `index.html`.", "",
    ]
    return "\n".join(parts)
