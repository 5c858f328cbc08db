"""Web pages: the story's text and metadata, as trafilatura extracts them.

trafilatura (``bare_extraction``) picks the main text and drops navigation, comments, share
widgets and the like, and reads title, date, site name, URL and author from the page. Around
it we keep our contract: bytes decoded as everywhere else (BOM, UTF-8, the page's declared
charset, detection), one paragraph per block separated by blank lines, and a clear error for a
page with no text.
"""
from __future__ import annotations

from typing import Iterator

from pipeline.errors import FramingError

from .common import Article, Source, is_blank, load, make_article, normalise, scalar

NO_TEXT = (
    "HTML page has no body text (only navigation, scripts or markup; "
    "save pages that build their text with JavaScript after they render)"
)
# Pruned before trafilatura looks at the page: site navigation (so that a page that is only
# navigation, an app shell, has no text, as it should) and elements with the `hidden`
# attribute, never shown. Inline display:none is kept: pages hide the rest of a story behind
# "read more" that way. Readers' comments are left out: they are not the story.
_PRUNE = ["//nav", "//*[@hidden]"]
_OPTIONS = {"include_comments": False, "include_tables": True, "with_metadata": True, "prune_xpath": _PRUNE}


def read_html(source: Source) -> Iterator[Article]:
    text, encoding = load(source, html=True)
    fields, body = extract(text)
    if not body:
        raise FramingError(NO_TEXT)
    yield make_article(source.rel, None, fields, body, encoding)


def extract(page: str) -> tuple[dict, str]:
    """``(title/outlet/date/url/byline values, text)`` of an HTML page; text "" if none.

    >>> extract("<html><head><title>T</title></head><body><article><p>Body.</p></article></body></html>")
    ({'title': 'T'}, 'Body.')
    """
    import trafilatura  # imported on first use: it is slow to import

    document = _bare(trafilatura, page, {})
    if document is None or is_blank(document.text or ""):
        # A page too short for trafilatura's thresholds: ask it for everything it can keep.
        document = _bare(trafilatura, page, {"favor_recall": True})
    if document is None:
        return {}, ""
    fields = {
        "title": scalar(document.title),
        "outlet": scalar(document.sitename),
        "date": scalar(document.date),
        "url": scalar(document.url),
        "byline": scalar(document.author),
    }
    # trafilatura writes one block (paragraph, heading, list item, table row) a line.
    body = normalise((document.text or "").replace("\n", "\n\n"))
    return {key: value for key, value in fields.items() if value}, body


def _bare(trafilatura, page: str, extra: dict):
    try:
        return trafilatura.bare_extraction(page, **_OPTIONS, **extra)
    except (ValueError, TypeError, RecursionError):  # markup lxml cannot build a tree from
        return None
