"""Ingest: turn a folder of news files into articles, and every unreadable input into an error.

One public generator, :func:`iter_articles`, walks a folder (or reads one file) and yields an
:class:`Article` per article found and an :class:`IngestError` per file, record or line that
cannot be read; bad input never stops the batch. :func:`read_metadata` reads the optional
``metadata.csv`` that fills fields the files do not carry themselves.

The file extension decides the format (case-insensitive):

- ``.txt``: the whole file is one article.
- ``.md``: one article; optional YAML front matter (``---`` ... ``---``) gives the metadata.
- ``.html`` / ``.htm``: the page's main text, without navigation, share widgets, comments,
  cookie banners and the like; metadata from ``<meta>`` tags, ``<time>``, JSON-LD, canonical link.
- ``.json``: one article object, or a list of them (record = 1-based list position).
- ``.jsonl``: one article object a line (record = 1-based line number).
- ``.csv``: one article a row (record = 1-based data row, header excluded).

Field names in JSON, JSONL and CSV are matched case-insensitively: text/body/content,
title/headline, url/link, publish_date/date/published, media_name/outlet/source.
"""
from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import hashlib
import itertools
import json
import os
import posixpath
import re
import stat
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from pipeline import config
from pipeline.errors import FramingError


@dataclass(frozen=True)
class Article:
    """One news article, as read from the input folder."""

    article_id: str  # first 16 hex chars of sha256(f"{source_path}\x00{record or ''}")
    source_path: str  # relative to the input root, POSIX separators
    record: int | None  # 1-based position in a multi-article file, None for a single-article file
    title: str  # "" when unknown
    outlet: str  # "" when unknown
    date: str  # "YYYY-MM-DD" when parseable, else the raw string, else ""
    url: str  # "" when unknown
    text: str  # main text as written, line endings "\n"; paragraphs separated by blank lines
    encoding: str  # what the bytes were decoded as, e.g. "utf-8", "cp1252", "gb18030"


@dataclass(frozen=True)
class IngestError:
    """An input (file, or record/line inside a file) that could not be read, and why."""

    source_path: str  # relative to the input root, POSIX separators
    record: int | None  # record / line number inside the file where the problem is, else None
    reason: str  # plain words, e.g. "empty file", "line 4: invalid JSON (...)"


# Field names accepted in JSON, JSONL, CSV and front matter, in order of preference.
_FIELDS = {
    "text": ("text", "body", "content"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "date": ("publish_date", "date", "published"),
    "outlet": ("media_name", "outlet", "source"),
}
_META_FIELDS = ("title", "outlet", "date", "url")
_TEXT_NAMES = ", ".join(_FIELDS["text"])

_SNIFF_BYTES = 64 * 1024  # binary checks look at the start of a file only
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

_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPED = re.compile("[\udc80-\udcff]")  # bytes "surrogateescape" could not decode
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_WHITESPACE = re.compile(r"\s+")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace other than newlines
_CSV_FIELD_LIMIT = 2**31 - 1  # a C long everywhere; a field can be as large as its file


def iter_articles(
    root: str | Path, *, max_bytes: int = config.MAX_BYTES, exclude: Callable[[str], bool] | None = None
) -> Iterator[Article | IngestError]:
    """Yield an Article per article under ``root`` and an IngestError per input that fails.

    ``root`` is a folder (walked recursively in sorted order, hidden files and folders and
    unsupported extensions skipped, ``metadata.csv`` at its top read as metadata) or a single
    file. Files larger than ``max_bytes`` are not read. A folder for which ``exclude(path)``
    is true is not entered (``framing run`` skips output folders with it). Never raises for
    bad input; reads one file at a time, and JSONL and CSV row by row.

    >>> for item in iter_articles("corpus/articles"):
    ...     if isinstance(item, IngestError):
    ...         print(f"{item.source_path}: {item.reason}")
    """
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes <= 0:
        raise FramingError(
            f"max_bytes must be a positive whole number of bytes, got {max_bytes!r}",
            "--max-bytes",
            f"pass e.g. {config.MAX_BYTES}",
        )
    # The check above runs at call time; the walk itself is lazy.
    return _iter_articles(Path(root), max_bytes, exclude)


def read_metadata(path: str | Path, *, max_bytes: int = config.MAX_BYTES) -> dict[str, dict]:
    """Read a ``metadata.csv``: ``{relative path: {"title"|"outlet"|"date"|"url": value}}``.

    Columns: ``path`` (relative to the input root, POSIX) and any of ``outlet``, ``date``,
    ``title``, ``url``; empty cells are left out, dates are made ISO when parseable. A missing
    file gives ``{}``; a bad one raises :class:`FramingError` naming the problem.

    >>> read_metadata("corpus/articles/metadata.csv")["a.txt"]
    {'outlet': 'Reuters', 'date': '2019-06-07'}
    """
    path = Path(path)
    if not os.path.lexists(path):
        return {}
    table, problem = _read_metadata(path, path.name, max_bytes)
    if problem is not None:
        where = f"{path}, row {problem.record}" if problem.record else str(path)
        raise FramingError(problem.reason, where, "fix the file or remove it")
    return table


# --- walking -------------------------------------------------------------------------------


def _iter_articles(root: Path, max_bytes: int, exclude=None) -> Iterator[Article | IngestError]:
    try:
        if not os.path.isdir(root):
            yield from _read_single(root, max_bytes)
            return
        metadata: dict[str, dict] = {}
        if os.path.lexists(root / config.METADATA_FILE):
            meta_path = root / config.METADATA_FILE
            metadata, problem = _read_metadata(meta_path, config.METADATA_FILE, max_bytes)
            if problem is not None:
                yield problem
        for item in _walk(root, exclude):
            if isinstance(item, IngestError):
                yield item
            elif item[0] != config.METADATA_FILE:
                rel, path = item
                yield from _read_file(path, rel, max_bytes, metadata.get(rel, {}))
    except Exception as exc:  # last resort: every file is guarded, but the walk itself may fail
        yield IngestError(root.name or str(root), None, _unexpected(exc))


def _read_single(path: Path, max_bytes: int) -> Iterator[Article | IngestError]:
    """A root that is one file: read it whatever its name; say so if it cannot be."""
    if not os.path.lexists(path):
        yield IngestError(str(path), None, "no such file or folder")
    elif path.suffix.lower() not in config.INPUT_SUFFIXES:
        expected = ", ".join(config.INPUT_SUFFIXES)
        reason = f"unsupported file type {path.suffix!r} (expected one of {expected})"
        yield IngestError(path.name, None, reason)
    else:
        yield from _read_file(path, path.name, max_bytes, {})


def _walk(root: Path, exclude=None) -> Iterator[tuple[str, Path] | IngestError]:
    """Yield ``(relative POSIX path, path)`` for every candidate input under ``root``.

    Order is sorted by path components. Folders that cannot be listed, symlinked folders
    (not followed: they can loop or count articles twice) and undecodable names come out as
    IngestErrors. Symlinked files are yielded; :func:`_read_file` follows them.
    """
    # An explicit stack of sorted listings: deep trees cannot hit the recursion limit.
    stack = [(root, "", iter(_listing(root, "")))]
    while stack:
        folder, prefix, entries = stack[-1]
        entry = next(entries, None)
        if entry is None:
            stack.pop()
            continue
        if isinstance(entry, IngestError):
            yield entry
            continue
        if entry.name.startswith("."):
            continue
        rel = f"{prefix}{entry.name}"
        try:
            kind = _entry_kind(entry)
        except OSError as exc:
            yield IngestError(_printable(rel), None, f"could not read: {exc.strerror or exc}")
            continue
        if _SURROGATE.search(rel):
            yield IngestError(_printable(rel), None, "name is not valid UTF-8; rename it")
        elif kind == "folder":
            if exclude is not None and exclude(entry.path):
                continue
            stack.append((Path(entry.path), f"{rel}/", iter(_listing(Path(entry.path), rel))))
        elif kind == "linked folder":
            yield _symlinked_folder(Path(entry.path), folder, rel)
        elif os.path.splitext(entry.name)[1].lower() in config.INPUT_SUFFIXES:
            yield rel, Path(entry.path)


def _entry_kind(entry: os.DirEntry) -> str:
    """"folder", "linked folder" or "file" (which includes broken and looping links)."""
    if entry.is_dir(follow_symlinks=False):
        return "folder"
    if entry.is_symlink() and os.path.isdir(entry.path):
        return "linked folder"
    return "file"


def _listing(folder: Path, rel: str) -> list:
    """The sorted entries of ``folder``, or ``[IngestError]`` if it cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            return sorted(entries, key=lambda entry: entry.name)
    except PermissionError:
        return [IngestError(rel or ".", None, "permission denied: the folder cannot be listed")]
    except OSError as exc:
        return [IngestError(rel or ".", None, f"could not list the folder: {exc.strerror or exc}")]


def _symlinked_folder(link: Path, parent: Path, rel: str) -> IngestError:
    target = os.path.realpath(link)
    here = os.path.realpath(parent)
    if here == target or here.startswith(target.rstrip(os.sep) + os.sep):
        return IngestError(rel, None, f"symlink loop: points back to {target}, which contains it")
    return IngestError(
        rel,
        None,
        f"symlinked folder not followed (links can loop or count articles twice); "
        f"read {target} as its own input, or copy it here",
    )


def _unexpected(exc: Exception) -> str:
    return f"could not read: {type(exc).__name__}: {exc}"


def _printable(text: str) -> str:
    """Undecodable bytes in a file name, shown as backslash escapes (safe to print and store)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --- one file --------------------------------------------------------------------------------


def _read_file(
    path: Path, rel: str, max_bytes: int, defaults: dict
) -> Iterator[Article | IngestError]:
    """Every Article and IngestError in one file; any failure becomes an IngestError."""
    try:
        problem = _check_file(path, max_bytes)
        if problem:
            yield IngestError(rel, None, problem)
            return
        reader = _READERS[path.suffix.lower()]
        for item in reader(path, rel):
            yield _fill(item, defaults) if isinstance(item, Article) else item
    except FramingError as exc:
        yield IngestError(rel, None, exc.what)
    except PermissionError:
        yield IngestError(rel, None, "permission denied")
    except Exception as exc:  # one bad file must never stop the batch
        yield IngestError(rel, None, _unexpected(exc))


def _check_file(path: Path, max_bytes: int) -> str | None:
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


def _fill(article: Article, defaults: dict) -> Article:
    """Fill the fields the file does not carry from its metadata.csv row; the file wins."""
    missing = {
        field: defaults[field]
        for field in _META_FIELDS
        if defaults.get(field) and not getattr(article, field)
    }
    return dataclasses.replace(article, **missing) if missing else article


def _article(rel: str, record: int | None, fields: dict, text: str, encoding: str) -> Article:
    """Build an Article; ``fields`` holds the raw title/outlet/date/url values found."""
    digest = hashlib.sha256(f"{rel}\x00{record or ''}".encode("utf-8")).hexdigest()
    return Article(
        article_id=digest[:16],
        source_path=rel,
        record=record,
        title=fields.get("title", ""),
        outlet=fields.get("outlet", ""),
        date=_parse_date(fields.get("date", "")),
        url=fields.get("url", ""),
        text=text,
        encoding=encoding,
    )


# --- bytes to text ---------------------------------------------------------------------------


def _load(path: Path, *, html: bool = False) -> tuple[str, str]:
    """Read and decode a whole file: ``(text with "\\n" line endings, encoding name)``."""
    data = path.read_bytes()
    _check_binary(data[:_SNIFF_BYTES], path.suffix.lower())
    declared = _declared_charset(data[:4096]) if html else None
    codec, errors, name = _pick_encoding(data, [data], declared)
    try:
        text = data.decode(codec, errors)
    except UnicodeDecodeError as exc:  # only after a byte-order mark: other choices are checked
        problem = f"{exc.reason} at byte {exc.start}"
        raise FramingError(f"undecodable text: not valid {name} ({problem})") from None
    text = _newlines(text)
    if _is_blank(text):
        raise FramingError(_blank_reason(text))
    return text, name


def _open_text(path: Path, *, newline: str | None):
    """Open a file for reading line by line: ``(text handle, encoding name)``."""
    with open(path, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
    _check_binary(head, path.suffix.lower())
    codec, errors, name = _pick_encoding(head, _chunks(path), None, whole=path)
    return open(path, encoding=codec, errors=errors, newline=newline), name


def _chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as handle:
        while chunk := handle.read(size):
            yield chunk


def _check_binary(head: bytes, suffix: str) -> None:
    """Raise FramingError if ``head`` (the start of a file) is not text."""
    kind = next((kind for magic, kind in _MAGIC if head.startswith(magic)), None)
    if kind is None and not head.startswith(_WIDE_BOMS):  # UTF-16/32 text is full of NULs
        if b"\x00" in head:
            kind = "contains NUL bytes"
        elif len(head) - len(head.translate(None, _CONTROL_BYTES)) > 0.1 * len(head):
            kind = "many control characters"
    if kind:
        raise FramingError(f"binary file ({kind}) with a {suffix} extension")


def _pick_encoding(
    head: bytes, chunks: Iterable[bytes], declared: str | None, *, whole: Path | None = None
) -> tuple[str, str, str]:
    """Choose how to decode a file: ``(codec, errors handler, name to report)``.

    Order: byte-order mark; UTF-8; UTF-8 with a few broken bytes (e.g. a character cut off
    at the end), which become U+FFFD; the charset an HTML page declares; charset-normalizer
    when it is confident. Every choice but a BOM is checked to decode the whole file.
    ``chunks`` is the whole file; ``whole`` its path when the caller has not read it all.
    """
    for bom, codec, name in _BOMS:
        if head.startswith(bom):
            return codec, ("replace" if name == "utf-8" else "strict"), name
    valid, broken = _utf8_counts(chunks)
    if not broken:
        return "utf-8", "strict", "utf-8"
    if valid >= 10 * broken:
        return "utf-8", "replace", "utf-8"
    data = whole.read_bytes() if whole is not None else head
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


def _is_blank(text: str) -> bool:
    return not _INVISIBLE.sub("", text).strip()


def _blank_reason(text: str) -> str:
    return "text is empty" if text == "" else "text is only whitespace"


def _newlines(text: str) -> str:
    """Line endings as "\\n", nothing else changed: offsets into the text still point into
    the source (passages and entities are reported by offset)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _normalise(text: str) -> str:
    """Paragraphs separated by one blank line, lines stripped (for text built from HTML)."""
    paragraphs, lines = [], []
    for line in _newlines(text).split("\n"):
        if not _is_blank(line):
            lines.append(line.strip())
        elif lines:
            paragraphs.append("\n".join(lines))
            lines = []
    if lines:
        paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)


def _fix_surrogates(text: str) -> str:
    """Lone surrogates (from JSON "\\ud83d" escapes) become U+FFFD, so text can be stored."""
    if not _SURROGATE.search(text):
        return text
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _scalar(value) -> str:
    """A metadata value as one clean line of text ("" for missing or non-scalar values)."""
    if isinstance(value, dict):  # e.g. a source {"id": ..., "name": "Reuters"}
        value = value.get("name")
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, list, dict)):
        return ""
    return " ".join(_fix_surrogates(str(value)).split())


_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
# (pattern, group order as year/month/day); numeric D/M/Y is left raw: US and UK orders clash.
_DATE_PATTERNS = (
    (re.compile(r"(?<!\d)(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)"), (1, 3, 4)),
    (re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"), (1, 2, 3)),
    (
        re.compile(r"(?<!\d)(\d{1,2})(?:st|nd|rd|th)?(?:\s+of)?[\s.\-/]+([A-Za-z]{3,9})\.?[\s,.\-/]+(\d{4})(?!\d)"),
        (3, 2, 1),
    ),
    (re.compile(r"\b([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})(?!\d)"), (3, 1, 2)),
)


def _parse_date(raw: str) -> str:
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


# --- records (JSON, JSONL, CSV) --------------------------------------------------------------


def _norm_key(key) -> str:
    """``"Media Name"``, ``"media-name"``, ``"MEDIA_NAME"`` -> ``"media_name"``."""
    return re.sub(r"[\s\-]+", "_", str(key).strip().lower())


def _found(names: Iterable) -> str:
    """A short list of the field names present, for error messages."""
    names = [str(name)[:40] for name in names]
    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
    return shown or "nothing"


def _record(
    rel: str, record: int | None, raw: dict | list, encoding: str, label: str | None
) -> Article | IngestError:
    """An Article from one JSON object or CSV row (``(column, cell)`` pairs), or an IngestError."""

    def failed(reason: str) -> IngestError:
        return IngestError(rel, record, f"{label}: {reason}" if label else reason)

    pairs = list(raw.items()) if isinstance(raw, dict) else raw
    fields: dict = {}
    for key, value in pairs:
        fields.setdefault(_norm_key(key), value)  # the first spelling of a name wins
    present = [fields[name] for name in _FIELDS["text"] if name in fields]
    if not present:
        found = _found(key for key, _ in pairs)
        return failed(f"no text field: expected one of {_TEXT_NAMES} (found: {found})")
    texts = []
    for value in present:
        if isinstance(value, list) and all(isinstance(part, str) for part in value):
            value = "\n\n".join(value)  # a list of paragraphs
        if not isinstance(value, str):
            return failed(f"text field holds {_json_type(value)}, expected a string")
        texts.append(value)
    text = next((value for value in texts if not _is_blank(value)), None)
    if text is None:
        return failed(_blank_reason(texts[0]))
    return _article(rel, record, _meta_fields(fields), _newlines(_fix_surrogates(text)), encoding)


def _meta_fields(fields: dict) -> dict:
    """Title, outlet, date and url from normalised field names: the first non-empty name wins."""
    return {
        field: next((value for name in _FIELDS[field] if (value := _scalar(fields.get(name)))), "")
        for field in _META_FIELDS
    }


_JSON_TYPES = {dict: "an object", list: "a list", str: "a string", bool: "true/false", type(None): "null"}


def _json_type(value) -> str:
    return _JSON_TYPES.get(type(value), "a number")


def _json_problem(exc: ValueError, *, line: bool = True) -> str:
    """``"Expecting ',' delimiter at line 3 column 5"`` (without the line for JSONL)."""
    if not isinstance(exc, json.JSONDecodeError):
        return str(exc)  # e.g. an integer with more digits than Python converts
    where = f"line {exc.lineno} column {exc.colno}" if line else f"column {exc.colno}"
    return f"{exc.msg.removesuffix(' at')} at {where}"  # "Unterminated string starting at"


def _read_json(path: Path, rel: str) -> Iterator[Article | IngestError]:
    text, encoding = _load(path)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FramingError(f"invalid JSON: {_json_problem(exc)}") from None
    except RecursionError:
        raise FramingError("invalid JSON: nested too deeply") from None
    if isinstance(data, dict):
        yield _record(rel, None, data, encoding, None)
    elif isinstance(data, list):
        if not data:
            raise FramingError("no articles: the JSON list is empty")
        for number, item in enumerate(data, start=1):
            if isinstance(item, dict):
                yield _record(rel, number, item, encoding, f"item {number}")
            else:
                found = _json_type(item)
                yield IngestError(rel, number, f"item {number}: expected an article object, found {found}")
    else:
        found = _json_type(data)
        raise FramingError(f"JSON holds {found}, expected an article object or a list of them")


def _read_jsonl(path: Path, rel: str) -> Iterator[Article | IngestError]:
    handle, encoding = _open_text(path, newline=None)
    number, seen = 0, False
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if _is_blank(line):
                    continue
                seen = True
                yield _jsonl_line(rel, number, line, encoding)
        except UnicodeDecodeError:
            yield IngestError(rel, None, _cut_short(f"line {number}", encoding))
            return
    if not seen:
        raise FramingError("text is only whitespace")


def _jsonl_line(rel: str, number: int, line: str, encoding: str) -> Article | IngestError:
    try:
        data = json.loads(line)
    except ValueError as exc:
        problem = _json_problem(exc, line=False)
        return IngestError(rel, number, f"line {number}: invalid JSON ({problem})")
    except RecursionError:
        return IngestError(rel, number, f"line {number}: invalid JSON (nested too deeply)")
    if not isinstance(data, dict):
        found = _json_type(data)
        return IngestError(rel, number, f"line {number}: expected a JSON object, found {found}")
    return _record(rel, number, data, encoding, f"line {number}")


def _csv_rows(handle) -> Iterator[tuple[int, list[str] | None, csv.Error | None]]:
    """``(first line, fields or None, error or None)`` per CSV row, the header included.

    Strict parsing turns an unclosed quote into an error instead of silently swallowing the
    rest of the file into one field; after any other error the next row is read afresh.
    """
    first = handle.readline()
    delimiter = _sniff_delimiter(first)
    reader = csv.reader(itertools.chain([first], handle), delimiter=delimiter, strict=True)
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, None, exc
            continue
        yield start, row, None


def _csv_problem(exc: csv.Error) -> str:
    if "unexpected end of data" in str(exc):  # strict mode's words for a quote left open
        return "unclosed quote: the field runs to the end of the file; rows before it were read"
    return f"malformed CSV ({exc})"


def _bad_header(line: int, exc: csv.Error) -> str:
    problem = "unclosed quote" if "unexpected end of data" in str(exc) else str(exc)
    return f"malformed CSV header on line {line} ({problem})"


def _cut_short(last_good: str, encoding: str) -> str:
    return f"undecodable text after {last_good} (not valid {encoding}); the rest of the file was skipped"


def _sniff_delimiter(header_line: str) -> str:
    """Comma, unless the header uses ';', tab or '|' more (spreadsheet exports in many locales)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in ",;\t|"}
    best = max(counts, key=counts.get)
    return best if counts[best] > counts[","] else ","


def _fit_row(row: list[str], width: int) -> list[str] | None:
    """``row`` cut to the header's width if only empty cells are cut; None if it is ragged."""
    if len(row) > width and not any(cell.strip() for cell in row[width:]):
        row = row[:width]
    return row if len(row) == width else None


def _read_csv(path: Path, rel: str) -> Iterator[Article | IngestError]:
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    handle, encoding = _open_text(path, newline="")
    header, number, seen = None, 0, False
    with handle:
        try:
            for start, row, problem in _csv_rows(handle):
                if header is None:
                    if problem:
                        raise FramingError(_bad_header(start, problem))
                    if any(cell.strip() for cell in row):  # blank lines before it are skipped
                        header = _csv_header(row)
                    continue
                number += 1  # blank rows count too, so numbers match a spreadsheet's
                where = f"row {number} (line {start})"
                if not problem and not any(cell.strip() for cell in row):
                    continue
                seen = True
                if problem:
                    yield IngestError(rel, number, f"{where}: {_csv_problem(problem)}")
                elif (fitted := _fit_row(row, len(header))) is None:
                    yield IngestError(rel, number, f"{where}: {_ragged(row, header)}")
                else:
                    yield _record(rel, number, list(zip(header, fitted)), encoding, f"row {number}")
        except UnicodeDecodeError:
            yield IngestError(rel, None, _cut_short(f"row {number}", encoding))
            return
    if header is None:
        raise FramingError("text is only whitespace")
    if not seen:
        raise FramingError("no articles: the CSV has a header but no rows")


def _ragged(row: list[str], header: list[str]) -> str:
    return f"has {len(row)} field{'s' * (len(row) != 1)}, the header has {len(header)}"


def _csv_header(row: list[str]) -> list[str]:
    names = [_norm_key(name) for name in row]
    if not any(name in names for name in _FIELDS["text"]):
        found = _found(name.strip() for name in row)
        raise FramingError(f"no text column: expected one of {_TEXT_NAMES} (found: {found})")
    return names


# --- single-article files (TXT, Markdown, HTML) ----------------------------------------------


def _read_txt(path: Path, rel: str) -> Iterator[Article]:
    text, encoding = _load(path)
    yield _article(rel, None, {}, text, encoding)  # as written: offsets match the file


_FRONT_MATTER_END = re.compile(r"^(?:---|\.\.\.)[ \t]*$", re.MULTILINE)


def _read_md(path: Path, rel: str) -> Iterator[Article]:
    text, encoding = _load(path)
    meta, body = _front_matter(text)
    if _is_blank(body):
        raise FramingError("no text after the front matter")
    yield _article(rel, None, meta, body, encoding)


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
    fields = {_norm_key(key): value for key, value in data.items()}
    return _meta_fields(fields), rest[end.end() :].removeprefix("\n")  # the closing line's end


def _read_html(path: Path, rel: str) -> Iterator[Article]:
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    text, encoding = _load(path, html=True)
    with warnings.catch_warnings():  # bs4 warns about odd-looking markup; it is still parsed
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(text, "lxml")
    meta = _html_metadata(soup)  # before cleaning: the date and title often sit in the header
    body = _html_text(soup)
    if not body:
        raise FramingError(
            "HTML page has no body text (only navigation, scripts or markup; "
            "save pages that build their text with JavaScript after they render)"
        )
    yield _article(rel, None, meta, body, encoding)


# --- HTML ------------------------------------------------------------------------------------

_DROP_TAGS = (
    "nav", "header", "footer", "aside", "script", "style", "noscript", "form", "iframe", "svg",
    "button", "template", "object", "embed", "canvas", "select", "textarea", "input", "dialog",
    "menu", "head",
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset figcaption "
    "figure footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section summary "
    "table tbody thead tfoot tr td th ul".split()
)
# Words in class/id/aria-label that mark page furniture rather than the story.
_BOILERPLATE_WORDS = frozenset(
    "nav navbar navigation menu menubar breadcrumb breadcrumbs share shares sharing social "
    "comment comments commenting disqus cookie cookies consent gdpr newsletter subscribe "
    "subscription signup related recommended recirculation promo promoted sponsor sponsored ad ads "
    "advert adverts advertisement advertising popup modal sidebar masthead footer outbrain taboola "
    "widget tags skip".split()
)
_BOILERPLATE_PREFIXES = (
    "share", "social", "cookie", "newsletter", "breadcrumb", "advert", "sponsor", "related",
    "navbar", "menu",
)  # fmt: skip
_BOILERPLATE_ROLES = frozenset(
    "navigation banner contentinfo complementary search menu menubar dialog alertdialog".split()
)
_DATE_META = (
    "article:published_time", "og:published_time", "date", "pubdate", "publish-date",
    "publishdate", "publish_date", "datepublished", "dc.date", "dc.date.issued",
    "dcterms.created", "sailthru.date", "parsely-pub-date",
)  # fmt: skip


def _html_metadata(soup) -> dict:
    """Title, outlet, date and url from a page's meta tags, JSON-LD, <time> and canonical link."""
    meta = {}
    for tag in soup.find_all("meta"):
        key = (tag.get("property") or tag.get("name") or tag.get("itemprop") or "").strip().lower()
        content = _scalar(tag.get("content"))
        if key and content:
            meta.setdefault(key, content)
    linked = _jsonld(soup)

    def first(*values) -> str:
        return next((value for value in values if value), "")

    h1 = soup.find("h1")
    title_tag = (soup.head or soup).find("title")  # not an <svg><title> in the body
    return {
        "title": first(
            meta.get("og:title"),
            linked.get("headline"),
            _scalar(title_tag.get_text()) if title_tag else "",
            _scalar(h1.get_text(" ")) if h1 else "",
        ),
        "outlet": first(
            meta.get("og:site_name"), meta.get("application-name"), linked.get("publisher")
        ),
        "date": first(
            *(meta.get(key) for key in _DATE_META), linked.get("datePublished"), _time_datetime(soup)
        ),
        "url": first(_canonical(soup), meta.get("og:url")),
    }


def _jsonld(soup) -> dict:
    """``headline``, ``datePublished`` and ``publisher`` (its name) from the page's JSON-LD."""
    found: dict = {}
    for script in soup.find_all("script", type=re.compile("ld\\+json", re.IGNORECASE)):
        try:
            data = json.loads(script.get_text())
        except (ValueError, RecursionError):
            continue  # broken JSON-LD is common; the meta tags may still say it
        queue, seen = [data], 0
        while queue and seen < 500:  # bounded: JSON-LD can be large and deeply nested
            item, seen = queue.pop(0), seen + 1
            if isinstance(item, list):
                queue.extend(item)
            elif isinstance(item, dict):
                queue.extend(item.get("@graph", []) if isinstance(item.get("@graph"), list) else [])
                for key in ("headline", "datePublished", "publisher"):
                    value = item.get(key)
                    if isinstance(value, list) and value:
                        value = value[0]
                    if key not in found and (value := _scalar(value)):
                        found[key] = value
    return found


def _time_datetime(soup) -> str:
    """The first ``<time datetime>`` in the story (``<article>``/``<main>``), else on the page."""
    for scope in (soup.find("article"), soup.find("main"), soup):
        tag = scope.find("time", attrs={"datetime": True}) if scope else None
        if tag is not None and _scalar(tag["datetime"]):
            return _scalar(tag["datetime"])
    return ""


def _canonical(soup) -> str:
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        if "canonical" in [part.lower() for part in (rel if isinstance(rel, list) else [rel])]:
            return _scalar(link["href"])
    return ""


def _html_text(soup) -> str:
    """The story's paragraphs, joined by blank lines; "" if there are none.

    Nothing is removed from the tree (bs4 removal is slow on long pages); dropped tags are
    collected by id and skipped when the text is gathered.
    """
    body = soup.body or soup
    dropped = {id(tag) for tag in soup.find_all(list(_DROP_TAGS))}
    # Page-wide first, so teaser <article>s in a "related" block cannot pass for the story.
    _drop_guarded(body, _is_hidden, dropped)
    _drop_guarded(body, _is_boilerplate, dropped)
    for container in _containers(soup, body, dropped):
        _drop_guarded(container, _is_boilerplate, dropped)
        paragraphs = _paragraphs(container, dropped)
        if paragraphs:
            return "\n\n".join(paragraphs)
    return ""


def _containers(soup, body, dropped: set[int]) -> list:
    """Where to look for the story, best first: the largest <article>, <main>, the body."""

    def kept(tag) -> bool:
        return id(tag) not in dropped and not any(id(parent) in dropped for parent in tag.parents)

    articles = [tag for tag in soup.find_all("article") if kept(tag)]
    largest = max(articles, key=lambda tag: len(tag.get_text()), default=None)
    main = next((tag for tag in soup.find_all(_is_main) if kept(tag)), None)
    return [tag for tag in (largest, main, body) if tag is not None]


def _is_main(tag) -> bool:
    return tag.name == "main" or (tag.get("role") or "").strip().lower() == "main"


def _is_hidden(tag) -> bool:
    style = (tag.get("style") or "").replace(" ", "").lower()
    return (
        tag.has_attr("hidden")
        or (tag.get("aria-hidden") or "").lower() == "true"
        or "display:none" in style
        or "visibility:hidden" in style
    )


def _is_boilerplate(tag) -> bool:
    """True when the tag's class, id, aria-label or role names page furniture."""
    if (tag.get("role") or "").strip().lower() in _BOILERPLATE_ROLES:
        return True
    classes = tag.get("class") or []
    classes = classes if isinstance(classes, list) else [classes]
    names = " ".join([*classes, tag.get("id") or "", tag.get("aria-label") or ""])
    # "shareBar" -> "share-bar": camelCase joins words too
    words = re.split(r"[^a-z0-9]+", re.sub(r"([a-z])([A-Z])", r"\1-\2", names).lower())
    return any(
        word in _BOILERPLATE_WORDS
        or word.startswith(_BOILERPLATE_PREFIXES)
        or (word.startswith("comment") and not word.startswith("commentar"))  # keep "commentary"
        for word in words
        if word
    )


def _drop_guarded(container, matches, dropped: set[int]) -> None:
    """Add the tags under ``container`` that ``matches`` to ``dropped``, except any holding
    most of its text.

    The guard stops a layout wrapper with a misleading class ("page with-sidebar") or a page
    hidden behind a consent dialog (aria-hidden) from taking the whole story with it.
    """
    total = len(container.get_text())
    for tag in container.find_all(matches):
        if id(tag) not in dropped and len(tag.get_text()) <= 0.6 * total:
            dropped.add(id(tag))


def _paragraphs(container, dropped: set[int]) -> list[str]:
    """Text under ``container`` without the ``dropped`` tags, one paragraph per block element.

    A block's start and end both close the paragraph being built, so ``<div>a<p>b</p>c</div>``
    gives three. Depth-first with an explicit stack: deep markup cannot hit the recursion limit.
    """
    from bs4.element import NavigableString, PreformattedString, Tag

    paragraphs: list[str] = []
    pieces: list[str] = []
    in_pre = 0

    def flush() -> None:
        text = _SPACES.sub(" ", "".join(pieces))
        pieces.clear()
        if not _is_blank(text):
            paragraphs.extend(_normalise(text).split("\n\n"))

    stack = [(container, False)]
    while stack:
        node, closing = stack.pop()
        if closing:  # the end of a block element
            flush()
            in_pre -= node.name == "pre"
        elif isinstance(node, Tag):
            if id(node) in dropped:
                continue
            if node.name == "br":
                pieces.append("\n")
                continue
            if node.name in _BLOCK_TAGS or node is container:
                flush()
                in_pre += node.name == "pre"
                stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            pieces.append(str(node) if in_pre else _WHITESPACE.sub(" ", node))  # not comments
    return paragraphs


_READERS = {
    ".txt": _read_txt,
    ".md": _read_md,
    ".html": _read_html,
    ".htm": _read_html,
    ".json": _read_json,
    ".jsonl": _read_jsonl,
    ".csv": _read_csv,
}


# --- metadata.csv ----------------------------------------------------------------------------


def _read_metadata(
    path: Path, rel: str, max_bytes: int
) -> tuple[dict[str, dict], IngestError | None]:
    """``(table, None)`` for a good metadata file, ``({}, IngestError)`` for a bad one."""
    try:
        problem = _check_file(path, max_bytes)
        if problem:
            return {}, IngestError(rel, None, problem)
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        handle, _ = _open_text(path, newline="")
        with handle:
            return _metadata_table(handle, rel)
    except FramingError as exc:
        return {}, IngestError(rel, None, exc.what)
    except PermissionError:
        return {}, IngestError(rel, None, "permission denied")
    except Exception as exc:  # a bad metadata file must not stop the articles being read
        return {}, IngestError(rel, None, _unexpected(exc))


def _metadata_table(handle, rel: str) -> tuple[dict[str, dict], IngestError | None]:
    """Strict: any bad row rejects the whole file, so no article gets half-right metadata."""
    table: dict[str, dict] = {}
    first_row: dict[str, int] = {}
    header, number = None, 0
    for start, row, problem in _csv_rows(handle):
        if header is None:
            if problem or "path" not in (header := [_norm_key(name) for name in row]):
                found = _found(name.strip() for name in row or [])
                reason = _bad_header(start, problem) if problem else f"no path column (found: {found})"
                needs = "metadata.csv needs a path column and any of title, outlet, date, url"
                return {}, IngestError(rel, None, f"{reason}; {needs}")
            continue
        number += 1
        where = f"row {number} (line {start})"
        if problem:
            return {}, IngestError(rel, number, f"{where}: {_csv_problem(problem)}")
        if not any(cell.strip() for cell in row):
            continue
        if (fitted := _fit_row(row, len(header))) is None:
            return {}, IngestError(rel, number, f"{where}: {_ragged(row, header)}")
        values: dict = {}
        for name, value in zip(header, fitted):
            values.setdefault(name, value)
        key = _norm_path(values["path"])
        if not key:
            return {}, IngestError(rel, number, f"{where}: the path is empty")
        entry = {field: value for field in _META_FIELDS if (value := _scalar(values.get(field)))}
        if "date" in entry:
            entry["date"] = _parse_date(entry["date"])
        if table.get(key, entry) != entry:
            twice = f"{key} appears twice with different values (first on row {first_row[key]})"
            return {}, IngestError(rel, number, f"{where}: {twice}")
        table[key] = entry
        first_row.setdefault(key, number)
    if header is None:
        return {}, IngestError(rel, None, "text is only whitespace")
    return table, None


def _norm_path(path: str) -> str:
    """``"./sub\\\\a.txt"`` -> ``"sub/a.txt"``: metadata paths as the walk spells them."""
    path = path.strip().replace("\\", "/")
    if not path:
        return ""
    path = posixpath.normpath(path)
    return "" if path == "." else path
