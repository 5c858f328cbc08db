"""Formatting for the report's HTML: escaping, numbers, links, marked passages, sortable tables.

Everything from the articles goes through :func:`_esc` (``html.escape`` with quotes), links are
made only for http(s) URLs, and entity marks are built from offsets, never from markup in the text.
"""
from __future__ import annotations

import html
import json
import math
import re
from typing import Callable, Iterable

import numpy as np
import pandas as pd

_SAFE_URL = re.compile(r"^https?://[^\s\x00-\x1f\x7f]+$", re.IGNORECASE)


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


def _figure(chart_id: str, svg: str, caption: str, prov: dict) -> str:
    return f'<figure class="chart" id="{chart_id}">{svg}<figcaption>{caption} {_prov_html(prov)}</figcaption></figure>'


def _model_figures(card: dict) -> tuple[dict, str]:
    """The classifier's figures the report shows and corrects shares with, and where they come
    from: the card's real-coverage cross-validation when it has one, else its in-distribution
    cross-validation (which flatters the model on new coverage, and the report says so)."""
    real = card.get("real_coverage")
    if real:
        return real, (f"real coverage: {real.get('n', '?')} real passages of {real.get('articles', '?')} articles, "
                      f"{real.get('folds', '?')}-fold cross-validation grouped by article, the passages written for "
                      "the project always on the training side")
    cv = card.get("cv") or {}
    return cv, (f"in-distribution cross-validation: {cv.get('folds', '?')} folds over {card.get('n', '?')} labelled "
                "passages, mostly written for the project; optimistic for new coverage (retrain with "
                "`framing train --real` to measure on real coverage)")

