"""Factiva exports ("Article Format"), per ``shared/formats/SPEC.md`` section 3: the HTML page
with or without indexing, the RTF with indexing (``CODE|value|`` rows once the RTF is text)
and the text conversions of it (a code alone on a line, its value on the next lines).

Full text is LP (lead paragraphs) + TD (the rest); the AN accession number ("Document
RVLDGR0020210304eh340000x", whatever the interface language) is kept as ``doc_id``.
"""
from __future__ import annotations

import re
from typing import Iterator

from pipeline.errors import FramingError

from .common import Article, IngestError, Source, is_date, load
from .exports import export_article, word_count

KIND = "Factiva"
# Field codes of the plus-indexing layout (SPEC 3.1).
CODES = frozenset(
    "SE HD BY CR WC PD ET SN SC ED PG VOL LA CY LP TD CT RF CO IN NS RE IPC IPD PUB AN ART CLM "
    "CX DLN RST NGC GC".split()
)
_ROW = re.compile(r"^([A-Z]{2,3})\|(.*)$")  # RTF table row, after RTF -> text
_ACCESSION = re.compile(r"(?i)^\S+\s+([a-z0-9]{8}\d{8}[a-z0-9]{9})$")
_BYLINE_PREFIX = re.compile(r"^(by|von|par|door|por|di)\s+", re.IGNORECASE)
_SUMMARY = re.compile(r"(?m)^\s*Search Summary\s*$")


def is_text(text: str) -> bool:
    """Codes alone on lines (text) or ``CODE|`` rows (RTF): a headline and a date or AN."""
    has = {code for code in ("HD", "PD", "AN", "WC") if re.search(rf"(?m)^{code}(\||[ \t]*$)", text)}
    return "HD" in has and len(has) >= 2


def parse_text(text: str, rel: str, encoding: str) -> Iterator[Article | IngestError]:
    """Articles of a Factiva text or RTF export (the Search Summary at the end dropped)."""
    summary = _SUMMARY.search(text)
    if summary:
        text = text[: summary.start()]
    articles: list[list] = []
    fields: list = []  # [code, value lines] of the article being read
    for raw in text.split("\n"):
        if "\f" in raw and fields:  # a page break between articles
            articles.append(fields)
            fields = []
        line = raw.replace("\f", "").replace("\u200b", "").strip()
        row = _ROW.match(line)
        if row and row.group(1) in CODES:
            fields.append([row.group(1), [row.group(2).rstrip("|").strip()]])
        elif line in CODES:
            fields.append([line, []])
        elif line and fields:
            fields[-1][1].append(line.rstrip("|").strip())
        if fields and fields[-1][0] == "AN" and fields[-1][1]:  # AN ends an article
            articles.append(fields)
            fields = []
    if fields:
        articles.append(fields)
    for record, pairs in enumerate(articles, start=1):
        values: dict[str, list[str]] = {}
        for name, lines in pairs:
            values.setdefault(name, []).extend(line for line in lines if line)
        yield _article(values, rel, record, encoding)


def _article(values: dict[str, list[str]], rel: str, record: int, encoding: str) -> Article | IngestError:
    def one(code: str) -> str:
        return " ".join(values.get(code, [])).strip()

    accession = _ACCESSION.match(one("AN"))
    fields = {
        "title": one("HD"),
        "outlet": one("SN"),
        "date": one("PD"),
        "byline": _BYLINE_PREFIX.sub("", one("BY")),
        "section": one("SE"),
        "word_count": word_count(one("WC")),
        "doc_id": accession.group(1) if accession else one("AN"),
    }
    return export_article(rel, record, fields, values.get("LP", []) + values.get("TD", []), encoding, KIND)


# --- HTML ----------------------------------------------------------------------------------

_HTML_SIGNS = (
    re.compile(r"<title>\s*Factiva\s*</title>", re.IGNORECASE),
    re.compile(r"""class=["']article\s+[a-z]{2}Article["']"""),
)
_ARTICLE_CLASS = re.compile(r"^[a-z]{2}Article$")
_PARAGRAPH_CLASS = re.compile(r"\barticleParagraph\b")
_TIME = re.compile(r"^\d{1,2}[:.]\d{2}(\s*(GMT|UTC|[AP]M))?$", re.IGNORECASE)
_SOURCE_CODE = re.compile(r"^[A-Z0-9]{2,8}$")
_WORDS = re.compile(r"^\d[\d,.]*\s+\S+$")


def is_html(text: str) -> bool:
    """The page's title, or an article div (the first may lie beyond a long inline style)."""
    return any(sign.search(text) for sign in _HTML_SIGNS)


def read_html(source: Source) -> Iterator[Article | IngestError]:
    """Articles of a saved Factiva page; the nested wrapper divs give each article once."""
    import lxml.html

    text, encoding = load(source, html=True)
    # No network, no entity expansion: an HTML parser never loads external entities.
    parser = lxml.html.HTMLParser(no_network=True, remove_comments=True)
    try:
        root = lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except Exception as exc:  # lxml's own errors for markup it cannot build a tree from
        raise FramingError(f"unreadable Factiva page ({exc})") from None
    found = [
        div
        for div in root.iter("div")
        if any(_ARTICLE_CLASS.match(token) for token in (div.get("class") or "").split())
    ]
    if not found:
        raise FramingError("a Factiva page without articles (no div.article)")
    for record, div in enumerate(found, start=1):
        table = div.find(".//table")
        if table is not None and _indexed_rows(table):
            yield _article(_indexed_rows(table), source.rel, record, encoding)
        else:
            yield _unindexed(div, source.rel, record, encoding)


def _text(element) -> str:
    return " ".join(element.text_content().split())


def _indexed_rows(table) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for row in table.iter("tr"):
        cells = row.findall("td")
        if len(cells) < 2:
            continue
        code = _text(cells[0]).replace("\u00a0", " ").strip()
        if code not in CODES:
            continue
        paragraphs = [_text(p) for p in cells[1].iter("p")] or [_text(cells[1])]
        values.setdefault(code, []).extend(p for p in paragraphs if p)
    return values if "HD" in values or "LP" in values or "TD" in values else {}


def _unindexed(div, rel: str, record: int, encoding: str) -> Article | IngestError:
    """The no-indexing layout: header fields are bare divs, found by pattern, not position."""
    headline = next(iter(div.xpath(".//*[@id='hd'] | .//*[contains(@class, 'Headline')]")), None)
    author = next(iter(div.xpath(".//div[contains(concat(' ', @class, ' '), ' author ')]")), None)
    position = {element: index for index, element in enumerate(div.iter())}
    header, before_headline = [], []
    for element in div.iter("div"):
        if element is div or element is headline or element is author or element.find(".//div") is not None:
            continue
        if headline is not None and headline in element.iterancestors():
            continue
        value = _text(element)
        if not value:
            continue
        if headline is not None and position[element] < position[headline]:
            before_headline.append(value)
        else:
            header.append(value)
    fields: dict = {"title": _text(headline) if headline is not None else ""}
    fields["byline"] = _BYLINE_PREFIX.sub("", _text(author)) if author is not None else ""
    fields["section"] = before_headline[0] if before_headline else ""
    count_at = next((i for i, value in enumerate(header) if _WORDS.match(value)), None)
    if count_at is not None:
        fields["word_count"] = word_count(header[count_at])
    date_at = next((i for i, value in enumerate(header) if is_date(value)), None)
    if date_at is not None:
        fields["date"] = header[date_at]
        rest = [value for value in header[date_at + 1 :] if not _TIME.match(value)]
        if rest and not _SOURCE_CODE.match(rest[0]):
            fields["outlet"] = rest[0]
    paragraphs = [p for p in div.iter("p") if _PARAGRAPH_CLASS.search(p.get("class") or "")]
    others = [_text(p) for p in div.iter("p") if not _PARAGRAPH_CLASS.search(p.get("class") or "")]
    accession = next((found.group(1) for value in others if (found := _ACCESSION.match(value))), "")
    fields["doc_id"] = accession
    return export_article(rel, record, fields, [_text(p) for p in paragraphs], encoding, KIND)
