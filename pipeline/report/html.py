"""The report page: sections as HTML built from the aggregates, put together by a Jinja2
template (``templates/page.html.j2``) with the CSS and JS files inlined.

Every value from the results is escaped by :func:`.formatting._esc`; autoescape is on in the
template as a second line of defence; the Content-Security-Policy admits only the page's own
script and style, by hash, so neither a hostile article nor a slip in escaping can run code
or reach the network.
"""
from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Iterator

from .. import aggregate as agg
from ..config import LABELS
from . import queries
from .charts import _svg_hbars, _svg_histogram, _svg_intervals, _svg_lines
from .formatting import (Cell, Column, _code_marks, _esc, _figure, _html_table, _int, _interval, _isnan, _json_list,
                         _kv_table, _marked, _model_figures, _n, _num, _pct, _plural, _prob, _prov_html, _reasons_html, _share, _span,
                         _text, _url_html)

if TYPE_CHECKING:
    from . import Report

HTML_MAX_ERRORS = 200
CHART_MAX_OUTLETS = 8  # lines in the time chart; the busiest outlets by classified passages
_LABEL_COLOURS = {"conflates": "#D55E00", "distinguishes": "#0072B2", "neither": "#8C8C8C", "mixed": "#CC79A7"}
_KIND_COLOURS = {"private_pilot": "#E69F00", "state_system": "#0072B2"}


def _csp_hash(source: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(source.encode("utf-8")).digest()).decode("ascii") + "'"


NAV = (("cite", "Figure to cite"), ("model", "Model & run"), ("outlets", "Outlets"), ("periods", "Periods"),
       ("articles", "Articles"), ("actors", "Actors"), ("evidence", "Evidence"), ("syndication", "Syndication"),
       ("rule", "Verdict rule"))


def render_html(report: Report) -> Iterator[str]:
    """The whole self-contained page, in pieces (the passage listing is read as it is written)."""
    from jinja2 import Environment, PackageLoader, select_autoescape
    from markupsafe import Markup

    r = report
    env = Environment(loader=PackageLoader("pipeline.report", "templates"), autoescape=select_autoescape(["j2", "html"]),
                      keep_trailing_newline=True)
    env.filters["esc"] = lambda value: Markup(_esc(value))
    css, js = _static("report.css"), _static("sort.js")
    csp = ("default-src 'none'; img-src 'none'; base-uri 'none'; form-action 'none'; "
           f"script-src {_csp_hash(js)}; style-src {_csp_hash(css)}")
    sections = [_section_cite(r), _section_model(r), _section_outlets(r), _section_periods(r), _section_articles(r),
                _section_actors(r), _section_evidence(r), _section_syndication(r), _section_rule(r)]
    return env.get_template("page.html.j2").generate(
        csp=csp, css=css, js=js, prov=r.prov, period=r.period, syndicated=r.syndicated, top_n=r.top_n, nav=NAV,
        sections=[Markup(s) for s in sections], listing=(Markup(piece) for piece in _section_passages(r)))


def _static(name: str) -> str:
    """A CSS or JS file of the package, inlined in the page when the report is built."""
    from importlib.resources import files

    return files("pipeline.report").joinpath("static", name).read_text(encoding="utf-8")


def _section_model(r: Report) -> str:
    card = r.card or {}
    cv, source = _model_figures(card)
    binary = cv.get("binary") or {}
    run = r.run
    parts = ['<section id="model"><h2>Model and run</h2>']
    if card:
        in_distribution = (card.get("cv") or {}) if card.get("real_coverage") else {}
        parts.append(
            f"<p>Figures from the model card, measured on {_esc(source)} "
            f"(card dated {_esc(card.get('date', 'unknown'))}). The binary view is <code>conflates</code> versus the rest."
            + (f" In distribution (every labelled file) the card gives macro-F1 {_num(in_distribution.get('macro_f1'))} "
               f"and binary F1 {_num((in_distribution.get('binary') or {}).get('f1'))}; those figures flatter the model."
               if in_distribution else "") + "</p>"
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
         "errors": run.get("errors", r.errors_total)}, r.prov, table_id="t-run"))
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


def _errors_html(r: Report) -> str:
    note = f"{_n(r.errors_total, 'input file or record', 'input files or records')} could not be read."
    if r.errors_total > HTML_MAX_ERRORS:
        note += f" The first {HTML_MAX_ERRORS} are shown; all are in errors.csv."
    cols: list[Column] = [("Source", _text("source_path"), ""), ("Record", _text("record"), "num"), ("Reason", _text("reason"), "")]
    rows = r.errors_head.to_dict("records")
    return f"<h3>Errors</h3><p>{_esc(note)}</p>" + _html_table(rows, cols, r.prov, table_id="t-errors")


def _label_charts(r: Report) -> str:
    counts = r.label_counts
    scored = sum(counts.values())
    total = max(scored, 1)
    items = [(lab, int(counts.get(lab, 0)), _LABEL_COLOURS.get(lab, "#888"),
              f"{int(counts.get(lab, 0)):,} ({100 * counts.get(lab, 0) / total:.0f}%)") for lab in LABELS]
    bars = _svg_hbars(items, title="Labels of classified passages", x_label="Classified passages", y_label="Label")
    hist = _svg_histogram(r.histogram, r.histogram_edges,
                          title="Classifier confidence that a passage conflates",
                          x_label="p(conflates)", y_label="Classified passages", colour=_LABEL_COLOURS["conflates"])
    return (
        "<h3>Label distribution in this run</h3>"
        + _figure("chart-labels", bars, f"Labels the classifier gave the {scored:,} classified passages of all articles (syndicated copies included).", r.prov)
        + _figure("chart-confidence", hist, "Histogram of p(conflates) over classified passages; mass near 0 and 1 means confident labels, mass in between means borderline passages.", r.prov)
    )


def _section_cite(r: Report) -> str:
    o = r.overall
    k, n = int(o.get("conflates", 0)), int(o.get("classified_passages", 0))
    wilson = f"95% Wilson interval {_interval(o.get('ci_low'), o.get('ci_high'))}; {k:,} of {_n(n, 'classified passage')}"
    rates = agg.card_rates(r.card)
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
            f"both from the model card’s {_esc(_model_figures(r.card or {})[1])}) biases that count. "
            "Adjusted classify-and-count (Forman 2008) corrects it: "
            "(raw − FPR) / (TPR − FPR), clipped to 0–100%. Its interval is a bootstrap that redraws both the passages and "
            f"the classifier’s rates from those cross-validation counts ({rates['tpr_counts'][1]:,} conflating and "
            f"{rates['fpr_counts'][1]:,} other passages), so it is honest about how well we know "
            "the classifier; the Wilson interval of the raw share ignores that and is too narrow. The correction assumes "
            "the classifier errs on this corpus as it did in that cross-validation.</p>"
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


def _section_outlets(r: Report) -> str:
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


def _section_periods(r: Report) -> str:
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


def _anchor(row: dict) -> str:
    """A safe anchor id per article, from its position in the articles table (ids from the
    data never go into attributes raw)."""
    return f"art-{int(row['_row'])}"


def _section_articles(r: Report) -> str:
    a = r.shown
    total = sum(n for v, n in r.verdicts.items() if v != "")
    dups = r.verdicts.get("", 0)

    def title(row: dict) -> Cell:
        text = row.get("title") or row.get("source_path") or row["article_id"]
        return f'<a href="#{_anchor(row)}">{_esc(text)}</a>', str(text)

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
    summary = ", ".join(f"{lab}: {int(r.verdicts.get(lab, 0)):,}" for lab in agg.VERDICTS)
    note = (f"{_n(total, 'article')} ({summary}); {_n(dups, 'exact duplicate')} removed upstream "
            f"{'is' if dups == 1 else 'are'} listed only in tables/articles.csv.")
    if len(a) < total:
        note += f" The {len(a):,} articles with most conflating passages are shown; all are in tables/articles.csv."
    return (
        '<section id="articles"><h2>Per article</h2><p>Click a title for the article’s passages and labels.</p>'
        + _html_table(a.to_dict("records"), cols, r.prov, table_id="t-articles", note=_esc(note)) + "</section>"
    )


def _section_actors(r: Report) -> str:
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


def _section_evidence(r: Report) -> str:
    ev = r.tables["evidence"]
    anchors = r.evidence_anchors
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


def _section_syndication(r: Report) -> str:
    stories, copies = r.syndication_counts
    other = "per-outlet" if r.syndicated == "once" else "once"
    text = (
        f"<p>Syndicated stories are counted <strong>{_esc(r.syndicated)}</strong>"
        + (" (one copy per story, the earliest)" if r.syndicated == "once" else " (one copy per story and outlet)")
        + f". {_n(stories, 'story', 'stories')} appeared more than once ({_n(copies, 'article')}; word 5-shingle Jaccard similarity "
        f"of at least {agg.SYNDICATION_THRESHOLD:.2f} on the body text). This choice left "
        f"<strong>{r.dropped[r.syndicated]:,}</strong> {_plural(r.dropped[r.syndicated], 'article')} out of the counts; "
        f"<code>{other}</code> would have left out {r.dropped[other]:,}.</p>"
    )
    cols: list[Column] = [("Story", _text("story_id"), ""), ("Article", _text("article_id"), ""), ("Outlet", _text("outlet"), ""),
                          ("Date", _text("date"), ""), ("Title", _text("title"), ""), ("Copies", _int("story_size"), "num"),
                          ("Outlets", _int("n_outlets"), "num")]
    return ('<section id="syndication"><h2>Syndication</h2>' + text
            + _html_table(r.syndication_head.to_dict("records"), cols, r.prov, table_id="t-syndication") + "</section>")


def _section_rule(r: Report) -> str:
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


def _section_passages(r: Report) -> Iterator[str]:
    """The listing of the shown articles and their passages, a piece per article."""
    yield '<section id="passages"><h2>Articles and their passages</h2>'
    shown = r.shown.to_dict("records")
    for start in range(0, len(shown), _LISTING_CHUNK):
        chunk = shown[start : start + _LISTING_CHUNK]
        listed = queries.passages_of(r.source, [row["article_id"] for row in chunk])
        ents = queries.entities_of(r.source, [q["passage_id"] for rows, _ in listed.values() for q in rows])
        for row in chunk:
            yield _article_listing(row, *listed.get(row["article_id"], ([], 0)), ents)
    yield f"<p>{_prov_html(r.prov)}</p></section>"


_LISTING_CHUNK = 200  # articles whose passages are read at a time


def _article_listing(row: dict, shown_p: list[dict], n_passages: int, ents: dict) -> str:
    aid = row["article_id"]
    title = row.get("title") or row.get("source_path") or aid
    parts = [
        f'<article class="art" id="{_anchor(row)}"><h3>{_esc(title)}</h3>'
        f'<p class="src">{_esc(row.get("outlet") or agg.UNKNOWN_OUTLET)} · {_esc(row.get("date") or "date unknown")} · '
        f'verdict <span class="badge {_esc(row["verdict"])}">{_esc(row["verdict"])}</span> · '
        f'source <code>{_esc(row.get("source_path"))}</code> {_url_html(row.get("url"))}</p>'
    ]
    items = []
    for q in shown_p:
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
    hidden = n_passages - len(shown_p)
    if hidden or not items:
        parts.append(f'<p class="note">{_n(hidden, "other passage")} (not classified, naming no actor) not shown.</p>')
    parts.append('<p><a href="#articles">Back to the article table</a></p></article>')
    return "".join(parts)
