"""Plain text and Markdown: one article a file.

A ``.txt`` file is kept as written, so passage offsets point into the file; a ``.md`` file
may start with YAML front matter (``---`` ... ``---``) giving title, outlet, date and url.
A text file that holds only URLs is a list to fetch, not an article.
"""
from __future__ import annotations

import re
from typing import Iterator

from pipeline.errors import FramingError

from .common import Article, Source, is_blank, load, make_article
from .records import meta_fields, needs_fetch, norm_key

_URL_LINE = re.compile(r"^\s*https?://\S+\s*$")


def read_txt(source: Source) -> Iterator[Article]:
    text, encoding = load(source)
    lines = [line for line in text.split("\n") if not is_blank(line)]
    if all(_URL_LINE.match(line) for line in lines):
        raise FramingError(needs_fetch(f"a list of {len(lines)} URL(s)", source.rel))
    yield make_article(source.rel, None, {}, text, encoding)  # as written: offsets match the file


def read_md(source: Source) -> Iterator[Article]:
    text, encoding = load(source)
    meta, body = _front_matter(text)
    if is_blank(body):
        raise FramingError("no text after the front matter")
    yield make_article(source.rel, None, meta, body, encoding)


_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def _front_matter(text: str) -> tuple[dict, str]:
    """Split YAML front matter from a Markdown text: ``(title/outlet/date/url values, body)``."""
    import yaml  # only Markdown needs it

    first, _, rest = text.partition("\n")
    if first.rstrip() != "---":
        return {}, text
    end = _FRONT_MATTER_END.search(rest)
    if end is None:
        raise FramingError("malformed front matter: no closing '---' line")
    try:
        data = yaml.safe_load(rest[: end.start()])
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""  # +1 for "---", +1 1-based
        problem = getattr(exc, "problem", None) or exc
        raise FramingError(f"malformed YAML front matter: {problem}{where}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise FramingError("malformed front matter: expected 'key: value' lines")
    fields = {norm_key(key): value for key, value in data.items()}
    return meta_fields(fields), rest[end.end() :].removeprefix("\n")  # the closing line's end


