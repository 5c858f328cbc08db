"""Which reader reads a source: a dict from a detector to a reader, tried in order.

Formats are recognised by content, not by name: a Nexis export saved as ``.txt`` is read as
Nexis, a PDF is a PDF whatever its extension. The extension only settles what content cannot
(``.json`` vs ``.jsonl`` vs ``.csv``, Markdown front matter). :data:`EXPORTS` does the same for
text already taken out of a document (DOCX, RTF, PDF), so a Nexis Uni DOCX and its PDF are
parsed by one parser.
"""
from __future__ import annotations

import codecs
import re
from typing import Callable, Iterator

from pipeline.errors import FramingError

from . import archive, factiva, html, nexis, office, proquest, records, text
from .common import Article, IngestError, Source, binary_kind, load, newlines, unexpected

Reader = Callable[[Source], Iterator[Article | IngestError]]
ExportParser = Callable[[str, str, str], Iterator[Article | IngestError]]

# Text of an export (after decoding or extraction from a document) -> its parser
# (text, source path, encoding) -> Articles and IngestErrors.
EXPORTS: dict[Callable[[str], bool], ExportParser] = {
    nexis.is_classic: nexis.parse_classic,
    nexis.is_uni: nexis.parse_uni,
    factiva.is_text: factiva.parse_text,
    proquest.is_export: proquest.parse,
}


def export_parser(content: str) -> ExportParser | None:
    """The parser for an export's text, or None when it is no export we know."""
    return next((parser for detect, parser in EXPORTS.items() if detect(content)), None)


def _sniff_text(source: Source) -> str:
    """The start of a source as text, for detectors (undecodable bytes replaced)."""
    head = source.head
    for bom, codec in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return newlines(head.decode(codec, "replace"))
    return newlines(head.decode("utf-8", "replace"))


_HTML_START = re.compile(r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body)\b", re.IGNORECASE | re.DOTALL)


def _is_zip(source: Source) -> bool:
    return source.head.startswith(b"PK\x03\x04")


def _is_pdf(source: Source) -> bool:
    return source.head.startswith(b"%PDF-")


def _is_rtf(source: Source) -> bool:
    return source.head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{\\rtf")


def _is_text_export(source: Source) -> bool:
    return binary_kind(source.head) is None and export_parser(_sniff_text(source)) is not None


def _is_factiva_html(source: Source) -> bool:
    return binary_kind(source.head) is None and factiva.is_html(_sniff_text(source))


def _is_markdown(source: Source) -> bool:
    return source.suffix == ".md"


def _is_html(source: Source) -> bool:
    return source.suffix in (".html", ".htm") or (
        binary_kind(source.head) is None and bool(_HTML_START.match(_sniff_text(source)[:4096]))
    )


def _suffix(*suffixes: str) -> Callable[[Source], bool]:
    return lambda source: source.suffix in suffixes


def _read_text_export(source: Source) -> Iterator[Article | IngestError]:
    content, encoding = load(source)
    parser = export_parser(content)
    if parser is None:  # the head looked like an export, the whole does not: read it as named
        yield from reader_for(source, after=_is_text_export)(source)
        return
    yield from parser(content, source.rel, encoding)


READERS: dict[Callable[[Source], bool], Reader] = {
    _is_zip: archive.read_zip,  # DOCX, or a zip archive of exports
    _is_pdf: office.read_pdf,
    _is_rtf: office.read_rtf,
    _is_text_export: _read_text_export,  # Nexis, Factiva text, ProQuest
    _is_factiva_html: factiva.read_html,
    _is_markdown: text.read_md,
    _is_html: html.read_html,
    _suffix(".json"): records.read_json,
    _suffix(".jsonl"): records.read_jsonl,
    _suffix(".csv"): records.read_csv,
    lambda source: True: text.read_txt,  # plain text, or a clear error saying why not
}


def reader_for(source: Source, *, after: Callable | None = None) -> Reader:
    """The first reader whose detector accepts ``source`` (only those after ``after``)."""
    detectors = list(READERS)
    if after is not None:
        detectors = detectors[detectors.index(after) + 1 :]
    return next(READERS[detect] for detect in detectors if detect(source))


def read(source: Source) -> Iterator[Article | IngestError]:
    """Every Article and IngestError in ``source``; any failure becomes an IngestError."""
    try:
        yield from reader_for(source)(source)
    except FramingError as exc:
        yield IngestError(source.rel, None, exc.what)
    except PermissionError:
        yield IngestError(source.rel, None, "permission denied")
    except Exception as exc:  # one bad file must never stop the batch
        yield IngestError(source.rel, None, unexpected(exc))
