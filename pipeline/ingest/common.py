"""Shared plumbing of the readers: records, sources, decoding bytes to text, dates, metadata.

Readers get a :class:`Source` (a file on disk or a member of a zip archive) and yield
:class:`Article` and :class:`IngestError` records; everything here is what two or more of
them need.
"""
from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import hashlib
import io
import itertools
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable, Iterator

from pipeline import config
from pipeline.errors import FramingError


@dataclass(frozen=True)
class Article:
    """One news article, as read from the input folder."""

    article_id: str  # first 16 hex chars of sha256(f"{source_path}\x00{record or ''}")
    source_path: str  # relative to the input root, POSIX separators ("a.zip/b.docx" inside a zip)
    record: int | None  # 1-based position in a multi-article file, None for a single-article file
    title: str  # "" when unknown
    outlet: str  # "" when unknown
    date: str  # "YYYY-MM-DD" when parseable, else the raw string, else ""
    url: str  # "" when unknown
    text: str  # main text, line endings "\n"; paragraphs separated by blank lines
    encoding: str  # what the bytes were decoded as, e.g. "utf-8", "cp1252", "gb18030"
    byline: str = ""  # author(s) as the source gives them, "" when unknown
    section: str = ""  # section / rubric, "" when unknown
    word_count: int | None = None  # the source's own word count (exports), else None
    doc_id: str = ""  # the export's document id (Factiva AN, ProQuest id, Nexis URN), else ""


@dataclass(frozen=True)
class IngestError:
    """An input (file, or record/line inside a file) that could not be read, and why."""

    source_path: str  # relative to the input root, POSIX separators
    record: int | None  # record / line number inside the file where the problem is, else None
    reason: str  # plain words, e.g. "empty file", "line 4: invalid JSON (...)"


@dataclass(frozen=True)
class Source:
    """One input to read: a file on disk (``path``) or bytes already in memory (``data``,
    e.g. a zip member). ``head`` is its start, for sniffing the format."""

    rel: str  # relative POSIX path, as errors and articles name it
    head: bytes
    path: Path | None = None
    data: bytes | None = None
    max_bytes: int = config.MAX_BYTES  # the run's --max-bytes, for members of archives

    @property
    def suffix(self) -> str:
        return Path(self.rel).suffix.lower()

    def read_bytes(self) -> bytes:
        return self.data if self.data is not None else self.path.read_bytes()

    def open_binary(self) -> BinaryIO:
        return io.BytesIO(self.data) if self.data is not None else open(self.path, "rb")


SNIFF_BYTES = 64 * 1024  # format and binary checks look at the start of a file only
META_FIELDS = ("title", "outlet", "date", "url")
EXTRA_FIELDS = ("byline", "section", "word_count", "doc_id")

_MAGIC = (
    (b"%PDF-", "PDF"),
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"PK\x03\x04", "ZIP, e.g. DOCX or XLSX"),
    (b"\x1f\x8b", "GZIP"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Microsoft Office, e.g. DOC or XLS"),
)
# Control bytes that never appear in text; tab, newlines and form feed (pdftotext) do.
_CONTROL_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])
_BOMS = (  # UTF-32 first: its little-endian BOM starts with the UTF-16 one
    (codecs.BOM_UTF32_LE, "utf-32", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "utf-16"),
)
_WIDE_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)  # UTF32_LE starts as 16
# WHATWG practice: pages labelled Latin-1/ASCII are Windows-1252, GB2312/GBK are GB18030.
_PREFERRED_CODEC = {"iso8859-1": "cp1252", "ascii": "cp1252", "gb2312": "gb18030", "gbk": "gb18030"}
_UNDETECTED = (
    "undecodable text: encoding could not be detected confidently "
    "(not UTF-8; save the file as UTF-8)"
)

SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes "surrogateescape" could not decode
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")


# --- records -------------------------------------------------------------------------------


def make_article(
    rel: str, record: int | None, fields: dict, text: str, encoding: str
) -> Article:
    """Build an Article; ``fields`` holds the raw title/outlet/date/url (and byline, section,
    word_count, doc_id) values found."""
    digest = hashlib.sha256(f"{rel}\x00{record or ''}".encode("utf-8")).hexdigest()
    return Article(
        article_id=digest[:16],
        source_path=rel,
        record=record,
        title=fields.get("title", ""),
        outlet=fields.get("outlet", ""),
        date=parse_date(fields.get("date", "")),
        url=fields.get("url", ""),
        text=text,
        encoding=encoding,
        byline=fields.get("byline", ""),
        section=fields.get("section", ""),
        word_count=fields.get("word_count"),
        doc_id=fields.get("doc_id", ""),
    )


def fill(article: Article, defaults: dict) -> Article:
    """Fill the fields the file does not carry from its metadata.csv row; the file wins."""
    missing = {
        field: defaults[field]
        for field in META_FIELDS
        if defaults.get(field) and not getattr(article, field)
    }
    return dataclasses.replace(article, **missing) if missing else article


def unexpected(exc: Exception) -> str:
    return f"could not read: {type(exc).__name__}: {exc}"


def check_file(path: Path, max_bytes: int) -> str | None:
    """Why ``path`` cannot be read at all (broken link, not a file, empty, too big), or None."""
    try:
        info = os.stat(path)  # follows symlinks
    except FileNotFoundError:
        if os.path.islink(path):
            return f"broken or looping symlink: its target {os.readlink(path)} does not exist"
        return "file disappeared before it could be read"
    except PermissionError:
        return "permission denied"
    except OSError as exc:
        if os.path.islink(path):
            return "broken or looping symlink: symlink loop"
        return f"could not read: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a device, pipe or socket)"
    if info.st_size == 0:
        return "empty file"
    if info.st_size > max_bytes:
        return f"file is {info.st_size} bytes, over the limit of {max_bytes} (--max-bytes)"
    return None


# --- bytes to text ---------------------------------------------------------------------------


def load(source: Source, *, html: bool = False) -> tuple[str, str]:
    """Read and decode a whole source: ``(text with "\\n" line endings, encoding name)``."""
    data = source.read_bytes()
    return decode(data, source.suffix, html=html)


def decode(data: bytes, suffix: str, *, html: bool = False) -> tuple[str, str]:
    """Decode bytes of a text format: ``(text with "\\n" line endings, encoding name)``."""
    check_binary(data[:SNIFF_BYTES], suffix)
    declared = _declared_charset(data[:4096]) if html else None
    codec, errors, name = _pick_encoding(data, [data], declared)
    try:
        text = data.decode(codec, errors)
    except UnicodeDecodeError as exc:  # only after a byte-order mark: other choices are checked
        problem = f"{exc.reason} at byte {exc.start}"
        raise FramingError(f"undecodable text: not valid {name} ({problem})") from None
    text = newlines(text)
    if is_blank(text):
        raise FramingError(blank_reason(text))
    return text, name


def open_text(source: Source, *, newline: str | None):
    """Open a source for reading line by line: ``(text handle, encoding name)``."""
    check_binary(source.head, source.suffix)
    whole = source.read_bytes if source.path is None else source.path.read_bytes
    codec, errors, name = _pick_encoding(source.head, _chunks(source), None, whole=whole)
    return io.TextIOWrapper(source.open_binary(), encoding=codec, errors=errors, newline=newline), name


def _chunks(source: Source, size: int = 1 << 20) -> Iterator[bytes]:
    with source.open_binary() as handle:
        while chunk := handle.read(size):
            yield chunk


def binary_kind(head: bytes) -> str | None:
    """What binary format ``head`` starts with ("PDF", "ZIP, ..."), None for text."""
    kind = next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)
    if kind is None and not head.startswith(_WIDE_BOMS):  # UTF-16/32 text is full of NULs
        if b"\x00" in head:
            kind = "contains NUL bytes"
        elif len(head) - len(head.translate(None, _CONTROL_BYTES)) > 0.1 * len(head):
            kind = "many control characters"
    return kind


def check_binary(head: bytes, suffix: str) -> None:
    """Raise FramingError if ``head`` (the start of a file) is not text."""
    kind = binary_kind(head)
    if kind:
        raise FramingError(f"binary file ({kind}) with a {suffix or 'no'} extension")


def _pick_encoding(head: bytes, chunks: Iterable[bytes], declared: str | None, *, whole=None) -> tuple[str, str, str]:
    """Choose how to decode a file: ``(codec, errors handler, name to report)``.

    Order: byte-order mark; UTF-8; UTF-8 with a few broken bytes (e.g. a character cut off
    at the end), which become U+FFFD; the charset an HTML page declares; charset-normalizer
    when it is confident. Every choice but a BOM is checked to decode the whole file.
    ``chunks`` is the whole file; ``whole`` reads it all when the caller has not.
    """
    for bom, codec, name in _BOMS:
        if head.startswith(bom):
            return codec, ("replace" if name == "utf-8" else "strict"), name
    valid, broken = _utf8_counts(chunks)
    if not broken:
        return "utf-8", "strict", "utf-8"
    if valid >= 10 * broken:
        return "utf-8", "replace", "utf-8"
    data = whole() if whole is not None else head
    codec = (_usable_codec(data, declared) if declared else None) or _guess_encoding(data)
    if codec is None:
        raise FramingError(_UNDETECTED)
    return codec, "strict", codec
def _utf8_counts(chunks: Iterable[bytes]) -> tuple[int, int]:
    """``(non-ASCII characters decoded, bytes that are not UTF-8)``, streaming."""
    decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
    valid = broken = 0
    for chunk in itertools.chain(chunks, [b""]):
        text = decoder.decode(chunk, final=not chunk)
        if text.isascii():
            continue
        escaped = len(_ESCAPED.findall(text))
        broken += escaped
        valid += len(text) - len(text.encode("ascii", "ignore")) - escaped
    return valid, broken


def _usable_codec(data: bytes, label: str) -> str | None:
    """The codec for ``label`` (preferring its WHATWG superset) if it decodes ``data``."""
    try:
        codec = codecs.lookup(label).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        return None  # a declared UTF-16 without a byte-order mark is a mislabel (WHATWG)
    for candidate in dict.fromkeys((_PREFERRED_CODEC.get(codec, codec), codec)):
        try:
            data.decode(candidate)
        except UnicodeDecodeError:
            continue
        return candidate
    return None


def _guess_encoding(data: bytes) -> str | None:
    """charset-normalizer's answer when it is confident, else None.

    Confident means: the least garbled decodings (within 0.05 chaos of the best) agree, or
    the best one is clearly in a language; among equally plausible single-byte code pages,
    Windows-1252 wins (this corpus is Western news). UTF-16/32 without a BOM is never guessed.
    """
    import charset_normalizer  # imported on first use: it is slow to import

    matches = [
        match
        for match in charset_normalizer.from_bytes(data)
        if not match.encoding.startswith(("utf_16", "utf_32"))
    ]
    if not matches:
        return None
    best = min(matches, key=lambda match: match.chaos)
    near = [match for match in matches if match.chaos <= best.chaos + 0.05]
    names = [codecs.lookup(match.encoding).name for match in near]
    if "cp1252" in names and (codec := _usable_codec(data, "cp1252")):
        return codec
    if best.chaos > 0.05:
        return None
    if len({str(match) for match in near}) == 1 or best.coherence >= 0.2:
        return _usable_codec(data, best.encoding)
    return None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.\-]+)""", re.IGNORECASE)


def _declared_charset(head: bytes) -> str | None:
    """The charset an HTML page declares in ``<meta charset>`` or ``http-equiv``, if any."""
    found = _META_CHARSET.search(head)
    return found.group(1).decode("ascii") if found else None


# --- text helpers ----------------------------------------------------------------------------

WHITESPACE = re.compile(r"\s+")
SPACES = re.compile(r"[^\S\n]+")  # whitespace other than newlines


def is_blank(text: str) -> bool:
    return not _INVISIBLE.sub("", text).strip()


def blank_reason(text: str) -> str:
    return "text is empty" if text == "" else "text is only whitespace"


def newlines(text: str) -> str:
    """Line endings as "\\n", nothing else changed: offsets into the text still point into
    the source (passages and entities are reported by offset)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def normalise(text: str) -> str:
    """Paragraphs separated by one blank line, lines stripped (for text built from markup)."""
    paragraphs, lines = [], []
    for line in newlines(text).split("\n"):
        if not is_blank(line):
            lines.append(line.strip())
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def fix_surrogates(text: str) -> str:
    """Lone surrogates (from JSON "\\ud83d" escapes) become U+FFFD, so text can be stored."""
    if not SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def scalar(value) -> str:
    """A metadata value as one clean line of text ("" for missing or non-scalar values)."""
    if isinstance(value, dict):  # e.g. a source {"id": ..., "name": "Reuters"}
        value = value.get("name")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, list, dict)):
        return ""
    return " ".join(fix_surrogates(str(value)).split())
# Month names of the UI languages that news databases export in (English, German, French,
# Dutch, Spanish, Italian, Portuguese), full and abbreviated, lower case.
_MONTH_NAMES = (
    "january jan januar jänner janvier janv januari enero gennaio janeiro ene gen",
    "february feb februar feber février févr fevrier februari febrero febbraio fevereiro fev",
    "march mar märz maerz marz mars maart marzo março",
    "april apr avril avr abril aprile",
    "may mai mei mayo maggio maio mag",
    "june jun juni juin junio giugno junho giu",
    "july jul juli juillet juil julio luglio julho lug",
    "august aug août aout augustus agosto ago",
    "september sep sept septembre setiembre septiembre settembre setembro set",
    "october oct okt oktober octobre oktober octubre ottobre outubro ott out",
    "november nov novembre noviembre novembro",
    "december dec dez dezember décembre déc decembre diciembre dicembre dezembro dic",
)
_MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, start=1) for name in names.split()}
_WORD = r"[^\W\d_]{3,10}"  # a month name in any script with letters
# (pattern, group order as year/month/day); numeric D/M/Y is left raw: US and UK orders clash.
_DATE_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)"), (1, 3, 4)),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), (1, 2, 3)),
    (
        re.compile(
            rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er)?\.?(?:\s+(?:of|de))?[\s.\-/]+({_WORD})\.?"
            rf"(?:\s+de)?[\s,.\-/]+(\d{{4}})(?!\d)"
        ),
        (3, 2, 1),
    ),
    (re.compile(rf"(?<![^\W\d_])({_WORD})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})(?!\d)"), (3, 1, 2)),
)


def parse_date(raw: str) -> str:
    """``"Friday 7 June 2019"``, ``"2019-06-07T10:00:00Z"``, ``"June 7, 2019"`` -> ``"2019-06-07"``.

    The date is the one written (no time-zone conversion); unparseable input comes back as is.
    """
    raw = raw.strip()
    for pattern, (year, month, day) in _DATE_PATTERNS:
        for found in pattern.finditer(raw):
            month_text = found.group(month)
            number = int(month_text) if month_text.isdigit() else _MONTHS.get(month_text.lower(), 0)
            try:
                return dt.date(int(found.group(year)), number, int(found.group(day))).isoformat()
            except ValueError:
                continue
    return raw


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def is_date(text: str) -> bool:
    """True when ``text`` holds a date :func:`parse_date` can place on a day."""
    return bool(_ISO_DATE.match(parse_date(text)))
