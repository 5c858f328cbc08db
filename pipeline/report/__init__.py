"""Report: a results folder in, one self-contained HTML page, a Markdown summary and tables out.

``write_report`` reads what ``framing run`` wrote (articles, passages, entities, errors,
run.json; parquet or csv) and never changes it. It writes, each file atomically::

    index.html              opens from disk: inline CSS, a few lines of JS, SVG charts
    summary.md              the key figures and tables for quick reading
    tables/<name>.csv|.parquet   articles, outlets, periods, outlet_periods, actors,
                            actor_pairs, evidence, syndication

The figures are computed in DuckDB over the output files (:mod:`.queries`), with bounded
memory: the tables hold every article; the page lists at most ``HTML_MAX_ARTICLES``.

Modules: :mod:`.source` (the folder opened in DuckDB), :mod:`.queries` (aggregation),
:mod:`.charts` (SVG), :mod:`.formatting` (escaping, HTML tables), :mod:`.html` (the page,
with ``templates/`` and ``static/``), :mod:`.markdown`, :mod:`.results` (pandas loader).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import aggregate as agg
from ..config import DEFAULT_PERIOD
from ..errors import FramingError
from .formatting import _marked  # noqa: F401  (tests check the escaping of marked passages)
from .results import Results, load_results  # noqa: F401

HTML_MAX_ARTICLES = 2000  # per-article rows and passage listings shown in the page (all are in the tables)
TABLES = ("articles", "outlets", "periods", "outlet_periods", "actors", "actor_pairs", "evidence", "syndication")
STREAMED_TABLES = ("articles", "syndication")  # one row per article: written batch by batch


@dataclass
class Report:
    """Everything the renderers need: small tables and counts, computed once, and the open
    source for the listings read while the page is written."""

    source: object
    period: str
    syndicated: str
    top_n: int
    prov: dict
    tables: dict = field(default_factory=dict)  # outlets, periods, outlet_periods, actors, actor_pairs, evidence
    overall: dict = field(default_factory=dict)
    dropped: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)  # verdict -> articles ("" for exact duplicates)
    shown: object = None  # the articles the page lists (DataFrame, with _row)
    evidence_anchors: dict = field(default_factory=dict)
    syndication_counts: tuple = (0, 0)
    syndication_head: object = None
    label_counts: dict = field(default_factory=dict)
    histogram: list = field(default_factory=list)
    histogram_edges: list = field(default_factory=list)
    errors_total: int = 0
    errors_head: object = None

    @property
    def run(self) -> dict:
        return self.source.run

    @property
    def card(self) -> dict | None:
        return self.source.card


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
    from . import html, markdown, queries
    from .source import open_results
    from .tables import write_small, write_stream

    source = open_results(results_dir)
    try:
        out = Path(out) if out is not None else source.path
        report = _build(source, period=period, syndicated=syndicated, top_n=top_n)
        for name, table in report.tables.items():
            write_small(table, out / "tables" / name)
        write_stream(source, queries.articles_sql(source, period=period, syndicated=syndicated), out / "tables" / "articles")
        write_stream(source, queries.syndication_sql(), out / "tables" / "syndication")
        from ..store import write_text, atomic_path

        write_text(out / "summary.md", markdown.render_markdown(report))
        index = out / "index.html"
        with atomic_path(index) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            for piece in html.render_html(report):
                handle.write(piece)
    finally:
        source.close()
    return index


def _build(source, *, period: str, syndicated: str, top_n: int) -> Report:
    from . import queries
    from .html import HTML_MAX_ERRORS

    queries.build(source)
    r = Report(source, period, syndicated, top_n, _provenance(source.run, source.card))
    summary = dict(period=period, syndicated=syndicated)
    r.tables["outlets"] = queries.group_summary(source, "outlet", **summary)
    r.tables["periods"] = queries.group_summary(source, "period", **summary)
    r.tables["outlet_periods"] = queries.group_summary(source, ["outlet", "period"], **summary)
    overall = queries.group_summary(source, "all", **summary)
    r.overall = overall.iloc[0].to_dict() if len(overall) else {"articles": 0, "classified_passages": 0, "conflates": 0}
    r.tables["actors"] = queries.actor_table(source, syndicated=syndicated)
    r.tables["actor_pairs"] = queries.actor_pairs(source, syndicated=syndicated)
    r.tables["evidence"] = queries.evidence_table(source, top_n=top_n)
    r.dropped = queries.dropped(source)
    r.verdicts = queries.verdict_counts(source)
    r.shown = queries.shown_articles(source, limit=HTML_MAX_ARTICLES, period=period, syndicated=syndicated)
    r.evidence_anchors = queries.anchors(source, r.tables["evidence"]["article_id"].tolist())
    r.syndication_counts = queries.syndication_counts(source)
    r.syndication_head = source.df(f"{queries.syndication_sql()} LIMIT {HTML_MAX_ARTICLES}")
    r.label_counts, r.histogram, r.histogram_edges = queries.label_counts(source)
    r.errors_total, r.errors_head = queries.errors(source, HTML_MAX_ERRORS)
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
