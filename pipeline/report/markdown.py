"""The report's Markdown summary: the key figures and tables, with provenance."""
from __future__ import annotations

import html
import re
from typing import TYPE_CHECKING, Callable

from .. import aggregate as agg
from .formatting import _interval, _isnan, _model_figures, _n, _num, _pct

if TYPE_CHECKING:
    from . import Report


def _md(value) -> str:
    """Text safe inside a Markdown table cell (and inert if the Markdown is rendered as HTML)."""
    text = "" if value is None or (not isinstance(value, str) and _isnan(value)) else str(value)
    return html.escape(re.sub(r"\s+", " ", text), quote=False).replace("|", "\\|").replace("`", "'")


def _md_table(rows: list[dict], columns: list[tuple[str, Callable[[dict], str]]]) -> str:
    lines = ["| " + " | ".join(h for h, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(fn(row) for _, fn in columns) + " |" for row in rows]
    return "\n".join(lines) if rows else "_No rows._"


def render_markdown(report: Report) -> str:
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
                f"classified passages) for the classifier's error rates on {_model_figures(r.card or {})[1]}, and its "
                "interval includes their uncertainty.")
    card = r.card or {}
    cv, source = _model_figures(card)
    binary = cv.get("binary") or {}
    verdicts = r.verdicts
    other = "per-outlet" if r.syndicated == "once" else "once"
    parts = [
        "# Framing report", "", prov, "",
        "## Figure to cite", "", cite, "",
        "## Model", "",
        (f"Macro-F1 {_num(cv.get('macro_f1'))}; binary precision {_num(binary.get('precision'))}, recall "
         f"{_num(binary.get('recall'))}, F1 {_num(binary.get('f1'))}; TPR {_num(binary.get('tpr'))}, FPR {_num(binary.get('fpr'))}; "
         f"Brier {_num(cv.get('brier'))}; measured on {_md(source)}." if card else "No model card in run.json."),
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

