"""Ingest: every format, metadata, stable ids. Hostile input lives in test_ingest_hostile.py."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from pipeline import config
from pipeline.errors import FramingError
from pipeline.ingest import Article, IngestError, iter_articles, read_metadata


def write(root: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read(root) -> tuple[list[Article], list[IngestError]]:
    items = list(iter_articles(root))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, IngestError)]


def fields(article: Article) -> tuple:
    return (article.record, article.title, article.outlet, article.date, article.url, article.text)


# --- formats, table-driven: file -> (record, title, outlet, date, url, text) per article ------

FORMATS = {
    "txt": (
        "story.txt",
        "Sesame Credit is a private score.\r\nIt is run by Ant Financial.\r\n\r\n\r\nThe state system is different.\r\n",
        [(None, "", "", "", "", "Sesame Credit is a private score.\nIt is run by Ant Financial.\n\n\nThe state system is different.\n")],
    ),
    "md with front matter": (
        "story.md",
        "---\ntitle: Pilots are not the system\ndate: 2019-06-07\nsource: The Ledger\nlink: https://ledger.example/a\n---\n\n"
        "# Pilots\n\nRongcheng's pilot differs from Sesame Credit.\n",
        [(None, "Pilots are not the system", "The Ledger", "2019-06-07", "https://ledger.example/a", "\n# Pilots\n\nRongcheng's pilot differs from Sesame Credit.\n")],
    ),
    "md without front matter": (
        "plain.md",
        "Just a body.\n\nTwo paragraphs.",
        [(None, "", "", "", "", "Just a body.\n\nTwo paragraphs.")],
    ),
    "json object": (
        "one.json",
        json.dumps({"Title": "Blacklists", "Text": "Court debtors are listed.\n\nThey cannot fly.", "Source": {"id": "r", "name": "Reuters"},
                    "Publish_Date": "2019-06-07T10:00:00Z", "URL": "https://r.example/1"}),
        [(None, "Blacklists", "Reuters", "2019-06-07", "https://r.example/1", "Court debtors are listed.\n\nThey cannot fly.")],
    ),
    "json list": (
        "many.json",
        json.dumps([
            {"headline": "First", "body": "One.", "outlet": "AP", "date": "June 7, 2019", "link": "u1"},
            {"title": "Second", "content": "Two.", "media_name": "AFP", "published": "Friday 7 June 2019"},
        ]),
        [(1, "First", "AP", "2019-06-07", "u1", "One."), (2, "Second", "AFP", "2019-06-07", "", "Two.")],
    ),
    "jsonl": (
        "lines.jsonl",
        '{"title": "A", "text": "Alpha."}\n\n{"title": "B", "text": "Beta.\\r\\nMore."}\r\n{"title": "C", "body": ["Para one.", "Para two."]}\n',
        [(1, "A", "", "", "", "Alpha."), (3, "B", "", "", "", "Beta.\nMore."), (4, "C", "", "", "", "Para one.\n\nPara two.")],
    ),
    "csv export": (
        "export.csv",
        'Headline,Body,Published,Media_Name,Link\r\n'
        '"Scores, explained","Sesame Credit is private.\r\n\r\nThe SCS is not.",2019-06-07,Xinhua,https://x.example/1\r\n'
        'Second,"Plain body",June 8 2019,,\r\n',
        [(1, "Scores, explained", "Xinhua", "2019-06-07", "https://x.example/1", "Sesame Credit is private.\n\nThe SCS is not."),
         (2, "Second", "", "2019-06-08", "", "Plain body")],
    ),
    "csv with semicolons": (
        "excel.csv",
        "title;text\nA;Semicolon separated body.\n",
        [(1, "A", "", "", "", "Semicolon separated body.")],
    ),
}  # fmt: skip


@pytest.mark.parametrize("name, content, expected", FORMATS.values(), ids=FORMATS.keys())
def test_ingest_reads_each_format(tmp_path, name, content, expected):
    write(tmp_path, name, content)
    articles, errors = read(tmp_path)
    assert errors == []
    assert [fields(a) for a in articles] == expected
    assert {(a.source_path, a.encoding) for a in articles} == {(name, "utf-8")}


def test_ingest_csv_blank_rows_are_skipped_but_keep_row_numbers(tmp_path):
    write(tmp_path, "gaps.csv", "\ntext,title\nOne.,A\n\n , \nFour.,D\n")
    articles, errors = read(tmp_path)
    assert errors == []
    assert [(a.record, a.text) for a in articles] == [(1, "One."), (4, "Four.")]


def test_ingest_text_is_the_file_as_written_so_offsets_match(tmp_path):
    # Passages and entities are reported by offset: only line endings may change.
    raw = "  Indented title  \r\n\r\n\r\nFirst paragraph.   \rSecond line.\n \n\tLast.\n\n"
    write(tmp_path, "raw.txt", raw)
    (article,) = iter_articles(tmp_path)
    assert article.text == raw.replace("\r\n", "\n").replace("\r", "\n")


def test_ingest_extension_is_case_insensitive(tmp_path):
    write(tmp_path, "LOUD.TXT", "Upper-case extension.")
    write(tmp_path, "page.HTM", "<html><body><p>Upper-case page.</p></body></html>")
    articles, errors = read(tmp_path)
    assert errors == []
    assert [a.text for a in articles] == ["Upper-case extension.", "Upper-case page."]


def test_ingest_walks_sorted_and_skips_hidden_and_other_files(tmp_path):
    write(tmp_path, "b.txt", "B body.")
    write(tmp_path, "a/z.txt", "AZ body.")
    write(tmp_path, "a/b/c.txt", "ABC body.")
    write(tmp_path, "c.txt", "C body.")
    write(tmp_path, ".hidden.txt", "never read")
    write(tmp_path, ".git/x.txt", "never read")
    write(tmp_path, "notes.odt", b"PK\x03\x04 never read")
    write(tmp_path, "README", "never read")
    articles, errors = read(tmp_path)
    assert errors == []
    assert [a.source_path for a in articles] == ["a/b/c.txt", "a/z.txt", "b.txt", "c.txt"]


def test_ingest_accepts_a_single_file_as_root(tmp_path):
    path = write(tmp_path, "deep/story.txt", "One file.")
    (article,) = iter_articles(path)
    assert (article.source_path, article.record, article.text) == ("story.txt", None, "One file.")


def test_ingest_missing_root_is_an_error_not_an_exception(tmp_path):
    (error,) = iter_articles(tmp_path / "nope")
    assert isinstance(error, IngestError) and "no such file" in error.reason


def test_ingest_single_file_root_with_unsupported_type_says_so(tmp_path):
    (error,) = iter_articles(write(tmp_path, "scan.png", b"\x89PNG\r\n\x1a\n"))
    assert error.source_path == "scan.png" and "unsupported file type '.png'" in error.reason


@pytest.mark.parametrize("bad", [0, -1, 1.5, "20", True])
def test_ingest_rejects_a_bad_max_bytes_at_call_time(tmp_path, bad):
    with pytest.raises(FramingError, match="max_bytes must be a positive whole number"):
        iter_articles(tmp_path, max_bytes=bad)


# --- HTML --------------------------------------------------------------------------------------

NEWS_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>China's social credit system explained | The Daily Ledger</title>
  <meta property="og:title" content="China's social credit system, explained">
  <meta property="og:site_name" content="The Daily Ledger">
  <meta property="article:published_time" content="2019-06-07T10:00:00Z">
  <link rel="canonical" href="https://ledger.example/world/social-credit">
  <script>window.dataLayer = [{"page": "SCRIPT_HEAD_TEXT"}];</script>
  <style>.nav { color: red } /* STYLE_TEXT */</style>
</head>
<body class="article-page with-sidebar">
  <a class="skip-link" href="#main">Skip to content SKIPLINK_TEXT</a>
  <div id="cookie-banner" class="cookie-consent">We use cookies COOKIE_TEXT. <button>Accept all BUTTON_TEXT</button></div>
  <header class="site-header">
    <div class="logo">The Daily Ledger HEADER_TEXT</div>
    <nav class="main-nav"><ul><li><a href="/">Home NAV_TEXT</a></li><li><a href="/world">World</a></li></ul></nav>
  </header>
  <div class="breadcrumbs"><a href="/">Home</a> &rsaquo; World BREADCRUMB_TEXT</div>
  <div role="navigation">Sections ROLE_NAV_TEXT</div>
  <main id="main">
    <article class="story">
      <header><h1>China's social credit system, explained</h1>
        <p class="byline">By A. Reporter, <time datetime="2019-06-07T10:00:00Z">7 June 2019</time></p></header>
      <div class="share-tools"><a href="#">Share on Facebook SHARE_TEXT</a> <a href="#">Tweet</a></div>
      <ul class="socialShare"><li>Email SOCIALSHARE_TEXT</li></ul>
      <div class="article-body">
        <p>The State Council's 2014 plan describes a <em>social credit system</em> for firms and officials.</p>
        <p>Sesame Credit, by contrast, is a private score run by Ant Financial.</p>
        <div class="ad-slot">Advertisement AD_TEXT</div>
        <!-- COMMENT_NODE_TEXT -->
        <h2>Pilots are not the system</h2>
        <p>Local pilots such as Rongcheng's differ from city to city.<br>They are not one national score.</p>
        <blockquote><p>&ldquo;It is a patchwork,&rdquo; one researcher said.</p></blockquote>
        <ul><li>Blacklists for court debtors</li><li>Red lists for model firms</li></ul>
        <div class="newsletter-signup"><p>Sign up for our newsletter NEWSLETTER_TEXT</p><form><input type="email"></form></div>
        <p style="display: none">HIDDEN_TEXT</p>
      </div>
      <aside class="related"><h3>Related ASIDE_TEXT</h3></aside>
      <div class="related-articles"><article><h3>Other story RELATED_TEXT</h3></article></div>
      <section id="comments" class="comments"><h3>Comments COMMENTS_TEXT</h3>
        <article class="comment"><p>First! COMMENT_BODY_TEXT</p></article>
        <form class="comment-form"><textarea>Write COMMENTFORM_TEXT</textarea><button>Post</button></form>
      </section>
    </article>
  </main>
  <div class="social-follow">Follow us SOCIAL_TEXT</div>
  <iframe src="https://ads.example">IFRAME_TEXT</iframe>
  <footer class="site-footer"><p>&copy; 2019 The Daily Ledger FOOTER_TEXT</p></footer>
  <script>console.log("SCRIPT_TEXT")</script>
  <noscript>Enable JavaScript NOSCRIPT_TEXT</noscript>
</body>
</html>
"""

STORY_PARAGRAPHS = [  # trafilatura's blocks: a <br> and each list item start a paragraph
    "The State Council's 2014 plan describes a social credit system for firms and officials.",
    "Sesame Credit, by contrast, is a private score run by Ant Financial.",
    "Pilots are not the system",
    "Local pilots such as Rongcheng's differ from city to city.",
    "They are not one national score.",
    "\u201cIt is a patchwork,\u201d one researcher said.",
    "- Blacklists for court debtors",
    "- Red lists for model firms",
]


def test_ingest_html_drops_navigation_and_keeps_the_story(tmp_path):
    write(tmp_path, "page.html", NEWS_PAGE)
    (article,), errors = read(tmp_path)
    assert errors == []
    assert "_TEXT" not in article.text, article.text  # every boilerplate marker ends in _TEXT
    assert article.text.split("\n\n") == STORY_PARAGRAPHS
    assert (article.title, article.outlet, article.date, article.url, article.byline) == (
        "China's social credit system, explained",
        "The Daily Ledger",
        "2019-06-07",
        "https://ledger.example/world/social-credit",
        "A Reporter",
    )


LONG_1 = "Officials in Rongcheng said on Monday that the city's points scheme would be reviewed by the council next spring."
LONG_2 = "The review follows complaints from residents who said the scores were hard to understand and harder to appeal."


def test_ingest_html_without_article_or_main_finds_the_story(tmp_path):
    # The wrapper's class says "sidebar", but it holds the story: it must not be dropped.
    page = f"""<html><body><div id="page" class="layout has-sidebar">
      <div class="menu">Home MENU_TEXT</div>
      <div class="content"><p>{LONG_1}</p>
      <p>{LONG_2}</p></div>
      <div id="sidebar">Most read SIDEBAR_TEXT</div>
      <div class="comments-section">Great piece COMMENTS_TEXT</div>
    </div></body></html>"""
    write(tmp_path, "plain.htm", page)
    (article,), _ = read(tmp_path)
    assert article.text == f"{LONG_1}\n\n{LONG_2}"


def test_ingest_html_never_keeps_navigation_or_what_the_page_never_shows(tmp_path):
    page = f"""<html><body><nav><a href="/">Home NAV_TEXT</a></nav><article><p>{LONG_1}</p>
      <p hidden>HIDDEN_ATTRIBUTE_TEXT</p><section hidden><p>{LONG_2.upper()}</p></section>
      <p>{LONG_2}</p></article></body></html>"""
    write(tmp_path, "hidden.html", page)
    (article,), _ = read(tmp_path)
    assert article.text == f"{LONG_1}\n\n{LONG_2}"


def test_ingest_html_lines_of_breaks_and_preformatted_text_are_paragraphs(tmp_path):
    write(tmp_path, "p.html", "<body><p>One<br><br>Two</p><pre>a  b\nc</pre></body>")
    (article,), _ = read(tmp_path)
    assert article.text == "One\n\nTwo\n\na  b\n\nc"


def test_ingest_html_never_expands_xml_entities(tmp_path):
    secret = write(tmp_path, "secret/passwd", "SECRET_FILE_TEXT")
    page = f"""<?xml version="1.0"?>
<!DOCTYPE html [<!ENTITY leak SYSTEM "file://{secret}"><!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<html><body><article><p>{LONG_1} &leak; &b;</p><p>{LONG_2}</p></article></body></html>"""
    write(tmp_path, "entities.html", page)
    (article,), _ = read(tmp_path / "entities.html")
    assert "SECRET_FILE_TEXT" not in article.text and "AAAAAAAAAA" not in article.text
    assert LONG_1 in article.text and LONG_2 in article.text


HTML_METADATA = {
    "title tag and meta date": (
        '<head><title> Plain title </title><meta name="date" content="2019-06-07"></head><body><p>Body.</p></body>',
        ("Plain title", "", "2019-06-07", ""),
    ),
    "h1 and time element in the header": (
        '<body><article><header><h1>Heading title</h1><time datetime="2019-06-07">Friday</time></header><p>Body.</p></article></body>',
        ("Heading title", "", "2019-06-07", ""),
    ),
    "json-ld": (
        '<head><script type="application/ld+json">{"@context": "https://schema.org", "@graph": [{"@type": "NewsArticle",'
        ' "headline": "LD headline", "datePublished": "2019-06-07T08:00:00+08:00", "publisher": {"@type": "Organization",'
        ' "name": "LD Outlet"}}]}</script></head><body><p>Body.</p></body>',
        ("LD headline", "LD Outlet", "2019-06-07", ""),
    ),
    "application-name, og:url, pubdate": (
        '<head><meta name="application-name" content="App Outlet"><meta property="og:url" content="https://o.example/x">'
        '<meta name="pubdate" content="June 7, 2019"></head><body><p>Body.</p></body>',
        ("", "App Outlet", "2019-06-07", "https://o.example/x"),
    ),
    "broken json-ld is ignored": (
        '<head><script type="application/ld+json">{"headline": broken</script></head><body><p>Body.</p></body>',
        ("", "", "", ""),
    ),
}


@pytest.mark.parametrize("page, expected", HTML_METADATA.values(), ids=HTML_METADATA.keys())
def test_ingest_html_metadata_sources(tmp_path, page, expected):
    write(tmp_path, "m.html", page)
    (article,), _ = read(tmp_path)
    assert (article.title, article.outlet, article.date, article.url) == expected
    assert article.text == "Body."


def test_ingest_html_uses_the_declared_charset_when_bytes_are_not_utf8(tmp_path):
    # Too short for detection to be confident; the page's own declaration settles it.
    page = '<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"></head><body><p>Zürich café</p></body></html>'
    write(tmp_path, "old.html", page, encoding="latin-1")
    (article,), _ = read(tmp_path)
    assert (article.text, article.encoding) == ("Zürich café", "cp1252")


# --- dates -------------------------------------------------------------------------------------

DATES = {
    "2019-06-07": "2019-06-07",
    "2019-06-07T10:00:00Z": "2019-06-07",
    "2019-06-07T23:30:00-05:00": "2019-06-07",  # the date as written, no time-zone shift
    "Friday 7 June 2019": "2019-06-07",
    "Fri, 07 Jun 2019 10:00:00 GMT": "2019-06-07",
    "June 7, 2019": "2019-06-07",
    "Sept. 30th, 2019": "2019-09-30",
    "7th of June, 2019": "2019-06-07",
    "2019/6/7": "2019-06-07",
    "2019年6月7日": "2019-06-07",
    "07/06/2019": "07/06/2019",  # day or month first? left as written
    "2019-02-30": "2019-02-30",  # not a date
    "last Tuesday": "last Tuesday",
    "": "",
}


@pytest.mark.parametrize("raw, expected", DATES.items(), ids=[repr(raw) for raw in DATES])
def test_ingest_normalises_dates(tmp_path, raw, expected):
    write(tmp_path, "d.json", json.dumps({"text": "Body.", "date": raw}))
    (article,) = iter_articles(tmp_path)
    assert article.date == expected


# --- ids ---------------------------------------------------------------------------------------


def _corpus(root: Path) -> Path:
    write(root, "a.txt", "Alpha body.")
    write(root, "sub/b.jsonl", '{"text": "One."}\n{"text": "Two."}\n')
    write(root, "c.csv", "text\nFirst row.\nSecond row.\n")
    return root


def test_ingest_ids_are_stable_across_runs_and_copies(tmp_path):
    first = _corpus(tmp_path / "corpus")
    copy = tmp_path / "elsewhere" / "renamed"
    shutil.copytree(first, copy)
    ids = [a.article_id for a in iter_articles(first)]
    assert ids == [a.article_id for a in iter_articles(first)]
    assert ids == [a.article_id for a in iter_articles(copy)]
    assert len(ids) == len(set(ids)) == 5


def test_ingest_id_is_the_documented_hash(tmp_path):
    for article in iter_articles(_corpus(tmp_path)):
        key = f"{article.source_path}\x00{article.record or ''}"
        assert article.article_id == hashlib.sha256(key.encode()).hexdigest()[:16]


# --- metadata.csv ------------------------------------------------------------------------------


def test_ingest_metadata_csv_fills_missing_fields_and_never_overrides(tmp_path):
    write(tmp_path, "plain.txt", "A plain text article.")
    write(tmp_path, "sub/own.md", "---\ntitle: Own title\n---\nBody.")
    write(tmp_path, "list.json", json.dumps([{"text": "One."}, {"text": "Two.", "outlet": "Own outlet"}]))
    write(
        tmp_path,
        config.METADATA_FILE,
        "path,outlet,date,title,url\n"
        "plain.txt,Xinhua,7 June 2019,Meta title,https://m.example/1\n"
        "./sub/own.md,Meta outlet,,Meta title,\n"
        "list.json,Meta outlet,,,\n"
        "missing.txt,Nobody,,,\n",
    )
    articles, errors = read(tmp_path)
    assert errors == []
    assert {(a.source_path, a.record): (a.title, a.outlet, a.date, a.url) for a in articles} == {
        ("list.json", 1): ("", "Meta outlet", "", ""),
        ("list.json", 2): ("", "Own outlet", "", ""),
        ("plain.txt", None): ("Meta title", "Xinhua", "2019-06-07", "https://m.example/1"),
        ("sub/own.md", None): ("Own title", "Meta outlet", "", ""),
    }


def test_ingest_bad_metadata_csv_is_one_error_and_articles_are_still_read(tmp_path):
    write(tmp_path, "a.txt", "Body.")
    write(tmp_path, config.METADATA_FILE, "file,outlet\na.txt,X\n")
    (article,), (error,) = read(tmp_path)
    assert article.outlet == ""
    assert (error.source_path, error.record) == ("metadata.csv", None)
    assert "no path column" in error.reason and "found: file, outlet" in error.reason


def test_ingest_metadata_csv_with_conflicting_rows_names_the_row(tmp_path):
    write(tmp_path, "a.txt", "Body.")
    write(tmp_path, config.METADATA_FILE, "path,outlet\na.txt,X\na.txt,Y\n")
    (error,) = read(tmp_path)[1]
    assert (error.source_path, error.record) == ("metadata.csv", 2)
    assert "a.txt appears twice" in error.reason


def test_read_metadata_returns_a_table_by_path(tmp_path):
    path = write(tmp_path, config.METADATA_FILE, "PATH,Outlet,Date\r\nsub\\a.txt,Reuters,June 7 2019\r\nb.txt,,\r\n")
    assert read_metadata(path) == {"sub/a.txt": {"outlet": "Reuters", "date": "2019-06-07"}, "b.txt": {}}
    assert read_metadata(tmp_path / "absent.csv") == {}


def test_read_metadata_raises_a_framing_error_for_a_bad_file(tmp_path):
    path = write(tmp_path, config.METADATA_FILE, "path,outlet\na.txt,X,extra\n")
    with pytest.raises(FramingError, match=r"row 1 \(line 2\): has 3 fields, the header has 2"):
        read_metadata(path)


def test_ingest_todays_formats_keep_their_article_ids(tmp_path):
    # Ids as the single-module reader (before the ingest package) gave them for these files.
    write(tmp_path, "a.txt", "Plain body.")
    write(tmp_path, "b.md", "---\ntitle: T\n---\nMarkdown body.")
    write(tmp_path, "c.html", "<html><body><article><p>Page body.</p></article></body></html>")
    write(tmp_path, "d.json", '[{"text": "One."}, {"text": "Two."}]')
    write(tmp_path, "e.jsonl", '{"text": "One."}\n{"text": "Two."}\n')
    write(tmp_path, "f.csv", "title,text\nA,One.\nB,Two.\n")
    write(tmp_path, "h.json", '{"text": "Single."}')
    write(tmp_path, "sub/g.txt", "Nested.")
    articles, errors = read(tmp_path)
    assert errors == []
    assert [(a.source_path, a.record, a.article_id) for a in articles] == [
        ("a.txt", None, "40fb1ab3f43bd429"), ("b.md", None, "f534a45b096781be"), ("c.html", None, "cb434f166a6eefed"),
        ("d.json", 1, "df8710d325a78803"), ("d.json", 2, "c87e64981f2ff5f0"), ("e.jsonl", 1, "0a5190c6b3698756"),
        ("e.jsonl", 2, "5806b17288011b18"), ("f.csv", 1, "cacc9e0e628c35df"), ("f.csv", 2, "0952911b41493662"),
        ("h.json", None, "ed655a960fb51fe6"), ("sub/g.txt", None, "1b261e5705032342"),
    ]  # fmt: skip
