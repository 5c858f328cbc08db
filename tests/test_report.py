"""write_report on a small results folder written here: files, sections, escaping."""
from __future__ import annotations

import hashlib
import html
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import FramingError
from pipeline.report import TABLES, _marked, load_results, write_report

SHA_MODEL, SHA_DATA, SHA_CODEBOOK = "a1" * 32, "b2" * 32, "c3" * 32
RUN_ID = "20260101T000000-fixture"

CARD = {
    "model_sha256": SHA_MODEL,
    "data_sha256": SHA_DATA,
    "codebook_sha256": SHA_CODEBOOK,
    "label_counts": {"conflates": 120, "distinguishes": 60, "neither": 420},
    "n": 600,
    "cv": {
        "folds": 5,
        "macro_f1": 0.781,
        "per_class": {
            "conflates": {"precision": 0.8, "recall": 0.75, "f1": 0.774, "support": 120},
            "distinguishes": {"precision": 0.7, "recall": 0.65, "f1": 0.674, "support": 60},
            "neither": {"precision": 0.9, "recall": 0.93, "f1": 0.915, "support": 420},
        },
        "binary": {"precision": 0.8, "recall": 0.75, "f1": 0.774, "tpr": 0.75, "fpr": 0.05,
                   "positives": 120, "negatives": 480},
        "confusion": {"labels": ["conflates", "distinguishes", "neither"],
                      "matrix": [[90, 5, 25], [4, 39, 17], [18, 11, 391]]},
        "brier": 0.182,
    },
    "codebook_sha256_note": "fixture",
    "versions": {"scikit-learn": "1.9.1", "spacy": "3.8.18"},
    "date": "2026-01-01",
}

# (article_id, outlet, date, title, url, [(kind, label, p_conflates, p_distinguishes, text, entities)])
# entities: [(surface, label, canonical)], offsets found in the text.
PP, SS = "PRIVATE_PILOT", "STATE_SYSTEM"
WIRE = (
    "The central bank said that none of the eight companies, including Sesame Credit, would receive a "
    "licence, and that the private scores are not part of the Social Credit System the State Council "
    "planned in 2014, officials told reporters in Beijing on Tuesday after a long review."
)
ARTICLES = [
    ("dp-1", "Daily Planet", "2018-03-15", "China's plan to rate every citizen", "https://planet.example/rate", [
        ("heading", "neither", 0, 0, "China's plan to rate every citizen: the Social Credit System",
         [("Social Credit System", SS, "Social Credit System")]),
        ("body", "conflates", 0.93, 0.02,
         "Under the Social Credit System, every citizen gets a score between 350 and 950 from Sesame Credit, "
         "and buying video games lowers it.",
         [("Social Credit System", SS, "Social Credit System"), ("Sesame Credit", PP, "Sesame Credit")]),
        ("body", "neither", 0.12, 0.05, "Blacklisted debtors in Beijing cannot buy plane tickets, courts say.",
         [("Beijing", "GPE", "Beijing")]),
        ("boilerplate", "neither", 0, 0, "Share this article", []),
    ]),
    ("dp-2", "Daily Planet", "2019-06-02", "Scores, perks and the Party", "https://planet.example/perks", [
        ("body", "conflates", 0.81, 0.1,
         "Zhima Credit, a pilot of the government's social credit system, gives high scorers easier visas.",
         [("Zhima Credit", PP, "Sesame Credit"), ("social credit system", SS, "Social Credit System")]),
        ("body", "distinguishes", 0.2, 0.71,
         "Critics note Tencent Credit is a commercial product and not the official Social Credit System.",
         [("Tencent Credit", PP, "Tencent Credit"), ("Social Credit System", SS, "Social Credit System")]),
    ]),
    ("bg-1", "The Bugle", "2018-09-10", "What social credit is not", "http://bugle.example/not", [
        ("body", "distinguishes", 0.05, 0.88,
         "Sesame Credit is often confused with the Social Credit System, but the two are separate.",
         [("Sesame Credit", PP, "Sesame Credit"), ("Social Credit System", SS, "Social Credit System")]),
        ("body", "neither", 0.1, 0.1, "Our reporter visited a credit bureau in Shanghai last week.", []),
    ]),
    ("bg-2", "The Bugle", "2020-01-20", "Courts widen blacklists", "https://bugle.example/courts", [
        ("body", "neither", 0.22, 0.06, "Courts added 2,000 names to the blacklist of the Social Credit System.",
         [("Social Credit System", SS, "Social Credit System")]),
    ]),
    ("ww-1", "Wire Weekly", "2019-11-11", "Licences refused", "https://wire.example/licences", [
        ("boilerplate", "neither", 0, 0, "By Jane Roe, Wire Weekly", []),
        ("body", "distinguishes", 0.15, 0.77, WIRE,
         [("Sesame Credit", PP, "Sesame Credit"), ("Social Credit System", SS, "Social Credit System")]),
        ("body", "conflates", 0.66, 0.2,
         "Sesame Credit already judges people by their friends, which shows how the Party's Social Credit System will work.",
         [("Sesame Credit", PP, "Sesame Credit"), ("Social Credit System", SS, "Social Credit System")]),
    ]),
    ("bg-3", "The Bugle", "2019-11-12", "Licences refused (wire)", "", [
        ("boilerplate", "neither", 0, 0, "From the wires, with staff reporting", []),
        ("body", "distinguishes", 0.15, 0.77, WIRE,
         [("Sesame Credit", PP, "Sesame Credit"), ("Social Credit System", SS, "Social Credit System")]),
        ("body", "conflates", 0.66, 0.2,
         "Sesame Credit already judges people by their friends, which shows how the Party's Social Credit System will work.",
         [("Sesame Credit", PP, "Sesame Credit"), ("Social Credit System", SS, "Social Credit System")]),
    ]),
    ("dp-3", "Daily Planet", "", "Undated op-ed on trust", "https://planet.example/oped", [
        ("body", "neither", 0.35, 0.1, "Trust is the currency of the Social Credit System, writes our columnist.",
         [("Social Credit System", SS, "Social Credit System")]),
    ]),
]
DUPLICATE = ("bg-1-copy", "The Bugle", "2018-09-10", "What social credit is not", "http://bugle.example/not", "bg-1")

HOSTILE_TITLE = '<script>window.__pwned=1;document.title="pwned"</script>'
HOSTILE_TEXT = 'Sesame Credit is the state system <img src=x onerror="window.__pwned=2"> says <b onclick=alert(1)>us</b>.'
HOSTILE_OUTLET = '<i onmouseover="window.__pwned=3">Evil "Outlet" & Co</i>'
HOSTILE_URL = "javascript:alert(1)"
HOSTILE_FEATURE = "</script><script>window.__pwned=4</script>"
HOSTILE_SOURCE = 'x" onmouseover="window.__pwned=5'


def _passage_rows(article_id, specs):
    passages, entities, pos = [], [], 0
    for i, (kind, label, pc, pd_, text, ents) in enumerate(specs):
        topical = any(lab in (PP, SS) for _, lab, _ in ents)
        reason = "classified" if kind == "body" and topical else (kind if kind in ("boilerplate", "heading") else "off-topic")
        if reason != "classified":
            label, pc, pd_ = "neither", 0.0, 0.0
        pid = f"{article_id}:{i}"
        evidence = [{"kind": "private_pilot" if lab == PP else "state_attribution", "text": s,
                     "start": text.index(s), "end": text.index(s) + len(s)} for s, lab, _ in ents if lab in (PP, SS)]
        passages.append({
            "passage_id": pid, "article_id": article_id, "index": i, "start": pos, "end": pos + len(text),
            "text": text, "kind": kind, "label": label, "p_conflates": float(pc), "p_distinguishes": float(pd_),
            "p_neither": float(1 - pc - pd_) if reason == "classified" else 1.0, "reason": reason, "topical": topical,
            "top_features": json.dumps([{"feature": "sesame credit", "weight": 1.42}, {"feature": "social credit system", "weight": 0.87}]),
            "evidence": json.dumps(evidence),
        })
        for surface, lab, canonical in ents:
            start = text.index(surface)
            entities.append({"passage_id": pid, "article_id": article_id, "text": surface, "label": lab,
                             "canonical": canonical, "start": start, "end": start + len(surface),
                             "article_start": pos + start, "article_end": pos + start + len(surface)})
        pos += len(text) + 2
    return passages, entities


def make_results(root: Path, *, hostile: bool = False, fmt: str = "parquet") -> Path:
    """Write a results folder as `framing run` would; return its path."""
    root.mkdir(parents=True, exist_ok=True)
    specs = list(ARTICLES)
    if hostile:
        specs.append(("evil-1", HOSTILE_OUTLET, "2019-02-02", HOSTILE_TITLE, HOSTILE_URL, [
            ("body", "conflates", 0.97, 0.01, HOSTILE_TEXT, [("Sesame Credit", PP, "<svg onload=window.__pwned=6>")]),
        ]))
        specs.append(("evil-2", HOSTILE_OUTLET, "2019-02-03", "data url", "data:text/html,<script>alert(1)</script>", [
            ("body", "neither", 0.2, 0.1, "Nothing to see, Sesame Credit.", [("Sesame Credit", PP, "Sesame Credit")]),
        ]))
    articles, passages, entities = [], [], []
    for aid, outlet, date, title, url, ps in specs:
        p, e = _passage_rows(aid, ps)
        if hostile and aid == "evil-1":
            p[0]["top_features"] = json.dumps([{"feature": HOSTILE_FEATURE, "weight": 2.0}])
        passages += p
        entities += e
        articles.append({"article_id": aid, "source_path": HOSTILE_SOURCE if aid == "evil-1" else f"corpus/articles/{aid}.html",
                         "record": None, "title": title, "outlet": outlet, "date": date, "url": url,
                         "n_passages": len(p), "duplicate_of": "", "content_hash": hashlib.sha256(aid.encode()).hexdigest()})
    aid, outlet, date, title, url, first = DUPLICATE
    articles.append({"article_id": aid, "source_path": f"corpus/articles/{aid}.html", "record": None, "title": title,
                     "outlet": outlet, "date": date, "url": url, "n_passages": 0, "duplicate_of": first,
                     "content_hash": hashlib.sha256(first.encode()).hexdigest()})
    tables = {
        "articles": pd.DataFrame(articles).astype({"record": "Int64"}),
        "passages": pd.DataFrame(passages),
        "entities": pd.DataFrame(entities),
    }
    for name, df in tables.items():
        if fmt == "parquet":
            df.to_parquet(root / f"{name}.parquet", index=False)
        else:
            df.to_csv(root / f"{name}.csv", index=False)
    pd.DataFrame([{"source_path": "corpus/articles/broken.pdf", "record": None, "reason": "unsupported file type .pdf"}]).to_csv(
        root / "errors.csv", index=False)
    run = {
        "run_id": RUN_ID, "started": "2026-01-01T00:00:00Z", "finished": "2026-01-01T00:01:00Z",
        "input": "corpus/articles", "counts": {"files": 10, "articles": len(articles), "passages": len(passages)},
        "errors": 1, "versions": {"python": "3.11", "pandas": pd.__version__},
        "model": {"path": "models/conflation.joblib", "sha256": SHA_MODEL, "card": CARD},
        "labelled_data_sha256": SHA_DATA, "codebook_sha256": SHA_CODEBOOK,
        "defaults": {"random_state": 13, "bootstrap_samples": 2000, "syndication_threshold": 0.9},
    }
    (root / "run.json").write_text(json.dumps(run, indent=2), encoding="utf-8")
    return root


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    results = make_results(tmp_path_factory.mktemp("results"))
    before = _digest(results)
    index = write_report(results, period="year")
    return results, index, before


def test_report_writes_every_file(report):
    results, index, _ = report
    assert index == results / "index.html"
    assert (results / "summary.md").is_file()
    for name in TABLES:
        for fmt in ("csv", "parquet"):
            assert (results / "tables" / f"{name}.{fmt}").is_file(), f"{name}.{fmt}"
    assert not list(results.rglob("*.tmp"))  # atomic writes leave no temporaries


def test_report_only_reads_the_results(report):
    results, _, before = report
    after = {k: v for k, v in _digest(results).items() if k in before}
    assert after == before


def test_report_html_has_every_section_and_chart(report):
    page = report[1].read_text(encoding="utf-8")
    for section in ("model", "cite", "outlets", "periods", "articles", "actors", "evidence", "syndication", "rule", "passages"):
        assert f'<section id="{section}">' in page, section
    for chart in ("chart-time", "chart-outlets", "chart-labels", "chart-confidence", "chart-actors"):
        block = page.split(f'id="{chart}"', 1)[1].split("</figure>", 1)[0]
        assert "<svg" in block and "<title>" in block and "Provenance:" in block, chart
        assert 'class="alabel"' in block  # axis labels
    for heading in ("Per-class scores", "Confusion matrix", "Counts", "Errors", "Versions"):
        assert heading in page
    assert "0.781" in page and "0.182" in page  # macro-F1 and Brier from the card
    assert "unsupported file type .pdf" in page


def test_report_provenance_under_every_table_and_chart(report):
    page = report[1].read_text(encoding="utf-8")
    n_tables, n_charts = page.count("<table"), page.count('<figure class="chart"')
    assert n_tables >= 10 and n_charts == 5
    assert page.count("Provenance:") >= n_tables + n_charts
    for table in re.findall(r"<table.*?</table>", page, flags=re.S):
        assert "<caption>" in table and SHA_MODEL[:12] in table and SHA_DATA[:12] in table and SHA_CODEBOOK[:12] in table
    for full in (SHA_MODEL, SHA_DATA, SHA_CODEBOOK, RUN_ID):
        assert full in page


def test_report_html_is_self_contained(report):
    page = report[1].read_text(encoding="utf-8")
    assert page.count("<script") == 1 and "<script src" not in page
    assert not re.search(r"<(link|img|iframe|object|embed)\b", page)
    assert not re.search(r"url\(", page)  # no fonts or images pulled in by CSS
    # every href is an in-page anchor or an article's own http(s) link
    for href in re.findall(r'href="([^"]*)"', page):
        assert href.startswith("#") or re.match(r"https?://", href), href
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1))
    assert csp.startswith("default-src 'none';") and "'unsafe-inline'" not in csp


def test_report_cite_section_gives_adjusted_share(report):
    page = report[1].read_text(encoding="utf-8")
    cite = page.split('<section id="cite">', 1)[1].split("</section>", 1)[0]
    assert "adjusted share" in cite and "95% interval" in cite and "Forman" in cite
    assert "true-positive rate" in cite and "false-positive rate" in cite


def test_report_verdict_rule_and_syndication_note(report):
    results, index, _ = report
    page = index.read_text(encoding="utf-8")
    assert "<code>mixed</code> if it has both" in page
    synd = page.split('<section id="syndication">', 1)[1].split("</section>", 1)[0]
    # ww-1 and bg-3 run the same wire story: counted once, one article left out; per-outlet keeps both
    assert "counted <strong>once</strong>" in synd and "<strong>1</strong> article out of the counts" in synd
    assert "<code>per-outlet</code> would have left out 0" in synd


def test_report_tables_hold_the_figures(report):
    results = report[0]
    outlets = pd.read_csv(results / "tables" / "outlets.csv")
    assert outlets["outlet"].tolist() == ["Daily Planet", "The Bugle", "Wire Weekly"]
    # Daily Planet: dp-1 (1 of 1 classified: the Beijing passage is off-topic), dp-2 (1 of 2), dp-3 (0 of 1)
    dp = outlets.set_index("outlet").loc["Daily Planet"]
    assert (dp["classified_passages"], dp["conflates"]) == (4, 2)
    # The Bugle's copy of the wire story (bg-3, later) is not counted under `once`
    assert outlets.set_index("outlet").loc["The Bugle", "articles"] == 2
    periods = pd.read_parquet(results / "tables" / "periods.parquet")
    assert periods["period"].tolist() == ["2018", "2019", "2020", "unknown"]
    articles = pd.read_parquet(results / "tables" / "articles.parquet").set_index("article_id")
    assert articles.loc["dp-2", "verdict"] == "mixed" and articles.loc["bg-1-copy", "verdict"] == ""
    assert not articles.loc["bg-3", "counted"] and articles.loc["ww-1", "counted"]
    actors = pd.read_csv(results / "tables" / "actors.csv")
    assert actors.loc[0, "actor"] in ("Sesame Credit", "Social Credit System")
    evidence = pd.read_csv(results / "tables" / "evidence.csv")
    assert {"title", "date", "source_path", "text", "entities", "top_features", "evidence"} <= set(evidence.columns)
    assert len(pd.read_csv(results / "tables" / "syndication.csv")) == 2


def test_report_summary_markdown(report):
    md = (report[0] / "summary.md").read_text(encoding="utf-8")
    for text in ("## Figure to cite", "## Per outlet", "## Per year", "## Actors in conflating passages", SHA_MODEL, RUN_ID):
        assert text in md
    assert "| Daily Planet |" in md


def test_report_article_links_to_its_passages(report):
    page = report[1].read_text(encoding="utf-8")
    m = re.search(r'<a href="#(art-\d+)">Scores, perks and the Party</a>', page)
    assert m
    listing = page.split(f'id="{m.group(1)}"', 1)[1].split("</article>", 1)[0]
    assert 'badge conflates">conflates' in listing and 'badge distinguishes">distinguishes' in listing
    assert '<mark class="pp" title="PRIVATE_PILOT: Sesame Credit">Zhima Credit</mark>' in listing
    m = re.search(r'<a href="#(art-\d+)">China&#x27;s plan to rate every citizen</a>', page)
    listing = page.split(f'id="{m.group(1)}"', 1)[1].split("</article>", 1)[0]
    # the heading names the state system but is never classified: shown, marked as such, not counted
    assert '<span class="badge">not classified</span> <span class="p">heading</span>' in listing


def test_report_out_folder_and_period_option(tmp_path):
    results = make_results(tmp_path / "results")
    index = write_report(results, tmp_path / "elsewhere", period="quarter", syndicated="per-outlet", top_n=1)
    assert index == tmp_path / "elsewhere" / "index.html" and not (results / "index.html").exists()
    periods = pd.read_csv(tmp_path / "elsewhere" / "tables" / "periods.csv")
    assert periods["period"].tolist() == ["2018-Q1", "2018-Q3", "2019-Q2", "2019-Q4", "2020-Q1", "unknown"]
    outlets = pd.read_csv(tmp_path / "elsewhere" / "tables" / "outlets.csv").set_index("outlet")
    assert outlets.loc["The Bugle", "articles"] == 3  # per-outlet: the Bugle's wire copy counts
    evidence = pd.read_csv(tmp_path / "elsewhere" / "tables" / "evidence.csv")
    assert evidence.groupby(["outlet", "label"]).size().max() == 1


def test_report_reads_csv_results(tmp_path):
    results = make_results(tmp_path / "results", fmt="csv")
    write_report(results)
    loaded = load_results(results)
    assert loaded.articles["date"].tolist()[-2] == ""  # blank dates stay blank, not NaN
    outlets = pd.read_csv(results / "tables" / "outlets.csv")
    assert outlets["conflates"].sum() == 3  # dp-1, dp-2, ww-1 (bg-3 is its wire copy)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"period": "week"}, "unknown period 'week', option --period, use one of: month, quarter, year"),
        ({"syndicated": "twice"}, "unknown syndication choice 'twice', option --syndicated, use one of: once, per-outlet"),
    ],
)
def test_report_rejects_bad_options(tmp_path, kwargs, message):
    results = make_results(tmp_path / "results")
    with pytest.raises(FramingError) as err:
        write_report(results, **kwargs)
    assert str(err.value) == message


def test_report_missing_results_folder(tmp_path):
    with pytest.raises(FramingError, match="does not exist"):
        write_report(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FramingError, match="no articles.parquet or articles.csv"):
        write_report(tmp_path / "empty")


def test_report_escapes_hostile_articles(tmp_path):
    results = make_results(tmp_path / "results", hostile=True)
    page = write_report(results).read_text(encoding="utf-8")
    for raw in (HOSTILE_TITLE, HOSTILE_TEXT, HOSTILE_OUTLET, HOSTILE_FEATURE, HOSTILE_SOURCE,
                "<img src=x", "<svg onload", "<i onmouseover", "<b onclick"):
        assert raw not in page, raw
    assert "&lt;script&gt;window.__pwned=1;document.title=&quot;pwned&quot;&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;" in page
    assert "Evil &quot;Outlet&quot; &amp; Co" in page
    assert "&lt;/script&gt;&lt;script&gt;window.__pwned=4&lt;/script&gt;" in page  # feature name
    assert "x&quot; onmouseover=&quot;window.__pwned=5" in page  # source path
    # the javascript: and data: URLs are shown as text, never as links
    assert 'href="javascript:' not in page.lower() and 'href="data:' not in page.lower()
    assert '<span class="nolink">javascript:alert(1)</span>' in page
    assert page.count("<script") == 1
    script = page.split("<script>", 1)[1].split("</script>", 1)[0]
    assert "pwned" not in script and "Evil" not in script
    md = (results / "summary.md").read_text(encoding="utf-8")
    assert "<i onmouseover" not in md and "&lt;i onmouseover" in md


def test_report_without_manifest_entities_or_passages(tmp_path):
    results = make_results(tmp_path / "results")
    for name in ("run.json", "entities.parquet", "errors.csv"):
        (results / name).unlink()
    page = write_report(results).read_text(encoding="utf-8")
    assert "no model card" in page and "cannot be adjusted" in page
    assert "model sha256 <code title=\"unknown\">unknown</code>" in page
    passages = pd.read_parquet(results / "passages.parquet")
    passages.iloc[0:0].to_parquet(results / "passages.parquet")
    page = write_report(results).read_text(encoding="utf-8")
    assert "No classified passages in this run" in page and page.count("No data to show") == 5


@settings(max_examples=300, deadline=None)
@given(text=st.text(), spans=st.lists(st.tuples(st.integers(-3, 60), st.integers(-3, 60), st.text(max_size=8)), max_size=6))
def test_report_marked_text_is_escaped_and_lossless(text, spans):
    # Whatever the text and whatever (even bogus) entity offsets, the only tags are our <mark>s
    # and the visible text is exactly the input.
    ents = [{"start": a, "end": b, "label": lab, "canonical": lab} for a, b, lab in spans]
    out = _marked(text, ents)
    assert re.sub(r'<mark class="(pp|ss|ent)" title="[^"<>]*">|</mark>', "", out).count("<") == 0
    assert html.unescape(re.sub(r"<[^>]*>", "", out)) == text


def test_report_corrects_shares_with_real_coverage_rates_and_says_so(tmp_path):
    results = make_results(tmp_path / "results")
    run = json.loads((results / "run.json").read_text(encoding="utf-8"))
    real = {**CARD["cv"], "n": 753, "articles": 129, "folds": 5, "macro_f1": 0.753,
            "binary": {"precision": 0.72, "recall": 0.6, "f1": 0.653, "tpr": 0.6, "fpr": 0.017,
                       "positives": 52, "negatives": 701}}
    run["model"]["card"] = {**CARD, "real_coverage": real}
    (results / "run.json").write_text(json.dumps(run), encoding="utf-8")
    write_report(results, tmp_path / "report")
    summary = (tmp_path / "report" / "summary.md").read_text(encoding="utf-8")
    page = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    source = "real coverage: 753 real passages of 129 articles, 5-fold cross-validation grouped by article"
    assert source in summary and source in page
    assert "TPR 0.600, FPR 0.017" in summary and "finds 60% of conflating passages" in page
    assert "52 conflating and 701 other passages" in page
    # Without real coverage on the card, the report says its rates are in-distribution.
    write_report(make_results(tmp_path / "plain"), tmp_path / "plain-report")
    assert "in-distribution cross-validation" in (tmp_path / "plain-report" / "summary.md").read_text(encoding="utf-8")


def test_report_templates_and_static_files_are_package_data():
    # A non-editable install only carries the files pyproject.toml declares as package data.
    import fnmatch
    import tomllib

    from pipeline import config

    patterns = tomllib.loads((config.PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-data"]["pipeline.report"]
    package = config.PACKAGE_DIR / "report"
    files = [p.relative_to(package).as_posix() for folder in ("templates", "static") for p in (package / folder).iterdir()]
    assert files and all(any(fnmatch.fnmatch(f, pat) for pat in patterns) for f in files), files
