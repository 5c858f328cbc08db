"""Word (DOCX), RTF and PDF documents: a database export (Nexis Uni, Factiva RTF, a classic
LexisNexis download saved as .doc/.rtf ...) or else one article.

Each reader takes the document's paragraphs out as lines of text and hands them to the export
parser that recognises them (:data:`pipeline.ingest.registry.EXPORTS`); a document no parser
claims is one article, its paragraphs separated by blank lines. Libraries, chosen by measuring
them on the samples (README, "Input formats"): python-docx, striprtf, pdfplumber.
"""
from __future__ import annotations

import codecs
import re
import zipfile
from typing import Iterator

from pipeline.errors import FramingError

from .common import Article, IngestError, Source, binary_kind, fix_surrogates, is_blank, make_article, scalar
from .exports import LINK_MARK

_DOCUMENT_SUFFIXES = {"PDF": (".pdf",), "RTF": (".rtf", ".doc"), "DOCX": (".docx", ".doc"), "ZIP": (".zip",)}
_EXPANDS_FACTOR = 10  # a DOCX may expand to this many times --max-bytes in all (images)


def unreadable(source: Source, what: str, exc: Exception | str) -> FramingError:
    """The error for a document that cannot be read, saying so when its name hides its kind."""
    if source.suffix in _DOCUMENT_SUFFIXES.get(what, ()):
        return FramingError(f"unreadable {what} file ({exc})")
    kind = binary_kind(source.head) or what
    return FramingError(f"binary file ({kind}) with a {source.suffix or 'no'} extension, and not a readable {what} ({exc})")


def read_lines(source: Source, lines: list[str], encoding: str, meta: dict) -> Iterator[Article | IngestError]:
    """Parse a document's lines as the export they are, or yield them as one article."""
    from .registry import export_parser

    content = fix_surrogates("\n".join(lines))
    parser = export_parser(content)
    if parser is not None:
        yield from parser(content, source.rel, encoding)
        return
    paragraphs = [" ".join(line.replace(LINK_MARK, " ").split()) for line in lines]
    text = "\n\n".join(paragraph for paragraph in paragraphs if paragraph)
    if is_blank(text):
        raise FramingError("no text in the document (a scan or images only?)")
    yield make_article(source.rel, None, meta, text, encoding)


# --- DOCX ----------------------------------------------------------------------------------


def check_docx(archive: zipfile.ZipFile, max_bytes: int) -> None:
    """Refuse a DOCX whose parts expand beyond the limits (a zip bomb) before any is read."""
    infos = archive.infolist()
    main = next((info for info in infos if info.filename == "word/document.xml"), None)
    if main is None:
        raise FramingError("a zip file without word/document.xml (not a DOCX)")
    total = sum(info.file_size for info in infos)
    if main.file_size > max_bytes or total > _EXPANDS_FACTOR * max_bytes:
        raise FramingError(
            f"DOCX expands to {total} bytes (word/document.xml {main.file_size}), over the limit "
            f"of {max_bytes} (--max-bytes); a damaged file or a zip bomb"
        )


def read_docx(source: Source) -> Iterator[Article | IngestError]:
    import docx  # python-docx

    with source.open_binary() as handle:
        try:
            with zipfile.ZipFile(handle) as archive:
                check_docx(archive, source.max_bytes)
            handle.seek(0)
            document = docx.Document(handle)
        except FramingError:
            raise
        except Exception as exc:  # python-docx / zipfile / lxml errors on damaged files
            raise unreadable(source, "DOCX", exc) from None
    lines = []
    for paragraph in document.paragraphs:
        links = [link.address or "" for link in paragraph.hyperlinks]
        mark = next((f"{LINK_MARK}{address}{LINK_MARK}" for address in links if "urn:" in address), "")
        for line in (paragraph.text or "").split("\n"):  # a <w:br/> inside a paragraph
            lines.append(mark + line)
            mark = ""
    for table in document.tables:  # text laid out in tables (a Factiva export saved as DOCX)
        for row in table.rows:
            lines.append("|".join(cell.text for cell in row.cells) + "|")
    props = document.core_properties
    meta = {"title": scalar(props.title), "byline": scalar(props.author)}
    yield from read_lines(source, lines, "docx", {key: value for key, value in meta.items() if value})


# --- RTF -----------------------------------------------------------------------------------

_CODE_PAGE = re.compile(rb"\\ansicpg(\d+)")
_HYPERLINK = re.compile(r'(\{\\field\s*\{\\\*\\fldinst\s*\{?\s*HYPERLINK\s+"([^"]*)")')


def read_rtf(source: Source) -> Iterator[Article | IngestError]:
    from striprtf.striprtf import rtf_to_text

    data = source.read_bytes()
    found = _CODE_PAGE.search(data[:4096])
    codec = "cp1252"
    if found:
        try:
            codec = codecs.lookup(f"cp{int(found.group(1))}").name
        except (LookupError, ValueError):
            pass
    raw = data.decode("latin-1")  # RTF is 7-bit; bytes above are in the declared code page
    # Keep the target of a link (a Nexis headline's document id) as a marker in the text.
    raw = _HYPERLINK.sub(lambda found: "{\\field " + _rtf_marker(found.group(2)) + found.group(1)[len("{\\field"):], raw)
    try:
        text = rtf_to_text(raw, encoding=codec, errors="replace")
    except Exception as exc:  # striprtf on a damaged file
        raise unreadable(source, "RTF", exc) from None
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u200b", "")
    yield from read_lines(source, text.split("\n"), f"rtf ({codec})", {})


def _rtf_marker(target: str) -> str:
    """The link marker written as RTF unicode escapes, so striprtf keeps it as text."""
    mark = "\\u-560?"  # U+FDD0 as RTF's signed 16-bit \\uN
    safe = re.sub(r"[^A-Za-z0-9:/?&=._%-]", "", target)
    return f"{mark}{safe}{mark}"


# --- PDF -----------------------------------------------------------------------------------

_PAGE_FOOTER = re.compile(r"^(page|seite|pagina|página)\s+\d+\s+(of|von|van|de|sur)\s+\d+$", re.IGNORECASE)


def read_pdf(source: Source) -> Iterator[Article | IngestError]:
    import pdfplumber

    try:
        with source.open_binary() as handle, pdfplumber.open(handle) as pdf:
            lines = _pdf_paragraphs(pdf)
            info = pdf.metadata or {}
    except FramingError:
        raise
    except Exception as exc:  # pdfminer's errors on damaged or encrypted files
        raise unreadable(source, "PDF", exc) from None
    meta = {"title": scalar(info.get("Title")), "byline": scalar(info.get("Author"))}
    yield from read_lines(source, lines, "pdf", {key: value for key, value in meta.items() if value})


def _pdf_paragraphs(pdf) -> list[str]:
    """Lines of text re-joined into the paragraphs they were wrapped from.

    A line continues the one before unless a blank line's height separates them. In justified
    text (Nexis prints its PDFs so) a wrapped line ends at the right margin and a paragraph's
    last line does not; in ragged text, a line was wrapped when the next line's first word
    would not have fitted after it and it does not end a sentence.
    """
    paragraphs: list[str] = []
    previous = None  # (the last line, right margin of its page, line spacing, justified?)
    for page in pdf.pages:
        lines = [line for line in page.extract_text_lines(return_chars=True) if line["text"].strip()]
        lines = [line for line in lines if not _PAGE_FOOTER.match(line["text"].strip())]
        # The text's right edge: the longest line, or the left margin mirrored when no line
        # reaches across (a page of short paragraphs).
        left = min((line["x0"] for line in lines), default=0)
        right = max([line["x1"] for line in lines] + [float(page.width) - left])
        justified = sum(line["x1"] >= right - 1.0 for line in lines) >= 2
        gaps = sorted(b["top"] - a["top"] for a, b in zip(lines, lines[1:]) if b["top"] > a["top"])
        spacing = gaps[len(gaps) // 2] if gaps else 0.0
        for index, line in enumerate(lines):
            text = " ".join(line["text"].split())
            gap = line["top"] - lines[index - 1]["top"] if index else None
            if previous is not None and paragraphs and _wrapped(previous, line, gap):
                paragraphs[-1] += " " + text
            else:
                paragraphs.append(text)
            previous = (line, right, spacing, justified)
    return paragraphs


_SENTENCE_END = re.compile(r"[.!?:;\"”’)]$")


def _wrapped(previous: tuple, line: dict, gap: float | None) -> bool:
    before, right, spacing, justified = previous
    if gap is not None and spacing and gap > 1.5 * spacing:  # a blank line between them
        return False
    if justified:
        return before["x1"] >= right - 1.5
    chars = line.get("chars") or []
    if not chars or _SENTENCE_END.search(before["text"].rstrip()):
        return False
    size = float(chars[0].get("size") or 10)
    end = chars[0]["x1"]
    for earlier, char in zip(chars, chars[1:]):  # the first word ends at a space or a gap
        if not char["text"].strip() or char["x0"] - earlier["x1"] > 0.15 * size:
            break
        end = char["x1"]
    return before["x1"] + 0.25 * size + (end - chars[0]["x0"]) > right - 1.0
