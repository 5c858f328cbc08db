"""Records: JSON (an object or a list of them), JSONL (an object a line), CSV (a row each),
and the ``metadata.csv`` beside the articles.

Field names are matched case-insensitively: text/body/content, title/headline, url/link,
publish_date/date/published, media_name/outlet/source. A table or list of URLs without any
text (a Media Cloud or GDELT export) is reported as needing ``framing fetch``.
"""
from __future__ import annotations

import csv
import itertools
import json
import posixpath
import re
from pathlib import Path
from typing import Iterable, Iterator

from pipeline.errors import FramingError

from .common import (
    META_FIELDS,
    SNIFF_BYTES,
    Article,
    IngestError,
    Source,
    blank_reason,
    check_file,
    fix_surrogates,
    is_blank,
    load,
    make_article,
    newlines,
    open_text,
    parse_date,
    scalar,
    unexpected,
)

# Field names accepted in JSON, JSONL, CSV and front matter, in order of preference.
FIELDS = {
    "text": ("text", "body", "content"),
    "title": ("title", "headline"),
    "url": ("url", "link"),
    "date": ("publish_date", "date", "published"),
    "outlet": ("media_name", "outlet", "source"),
}
_TEXT_NAMES = ", ".join(FIELDS["text"])
_URL_NAMES = ("url", "link", "article_url", "documentidentifier", "v2documentidentifier")
_CSV_FIELD_LIMIT = 2**31 - 1  # a C long everywhere; a field can be as large as its file


def needs_fetch(what: str, rel: str) -> str:
    """The reason given for a list of URLs without text."""
    return (
        f"{what} without article text; download the pages first with "
        f"`framing fetch {rel} --out PAGES`, then run `framing run PAGES`"
    )


def norm_key(key) -> str:
    """``"Media Name"``, ``"media-name"``, ``"MEDIA_NAME"`` -> ``"media_name"``."""
    return re.sub(r"[\s\-]+", "_", str(key).strip().lower())


def found_names(names: Iterable) -> str:
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
        fields.setdefault(norm_key(key), value)  # the first spelling of a name wins
    present = [fields[name] for name in FIELDS["text"] if name in fields]
    if not present and any(scalar(fields.get(name)) for name in _URL_NAMES):
        return failed(needs_fetch("a URL", rel))
    if not present:
        found = found_names(key for key, _ in pairs)
        return failed(f"no text field: expected one of {_TEXT_NAMES} (found: {found})")
    texts = []
    for value in present:
        if isinstance(value, list) and all(isinstance(part, str) for part in value):
            value = "\n\n".join(value)  # a list of paragraphs
        if not isinstance(value, str):
            return failed(f"text field holds {_json_type(value)}, expected a string")
        texts.append(value)
    text = next((value for value in texts if not is_blank(value)), None)
    if text is None:
        return failed(blank_reason(texts[0]))
    return make_article(rel, record, meta_fields(fields), newlines(fix_surrogates(text)), encoding)


def _has_text(data: dict) -> bool:
    return any(norm_key(key) in FIELDS["text"] for key in data)


def meta_fields(fields: dict) -> dict:
    """Title, outlet, date and url from normalised field names: the first non-empty name wins."""
    return {
        field: next((value for name in FIELDS[field] if (value := scalar(fields.get(name)))), "")
        for field in META_FIELDS
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


def read_json(source: Source) -> Iterator[Article | IngestError]:
    rel = source.rel
    text, encoding = load(source)
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise FramingError(f"invalid JSON: {_json_problem(exc)}") from None
    except RecursionError:
        raise FramingError("invalid JSON: nested too deeply") from None
    if isinstance(data, dict) and isinstance(data.get("articles"), list) and not _has_text(data):
        raise FramingError(needs_fetch("a GDELT article list (URLs)", rel))
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


def read_jsonl(source: Source) -> Iterator[Article | IngestError]:
    rel = source.rel
    handle, encoding = open_text(source, newline=None)
    number, seen = 0, False
    with handle:
        try:
            for number, line in enumerate(handle, start=1):
                if is_blank(line):
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


def read_csv(source: Source) -> Iterator[Article | IngestError]:
    rel = source.rel
    csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
    handle, encoding = open_text(source, newline="")
    header, number, seen = None, 0, False
    with handle:
        try:
            for start, row, problem in _csv_rows(handle):
                if header is None:
                    if problem:
                        raise FramingError(_bad_header(start, problem))
                    if any(cell.strip() for cell in row):  # blank lines before it are skipped
                        header = _csv_header(row, rel)
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


_GKG_RECORD_ID = re.compile(r"^\d{14}-\w+$")


def _csv_header(row: list[str], rel: str) -> list[str]:
    names = [norm_key(name) for name in row]
    if not any(name in names for name in FIELDS["text"]):
        if _GKG_RECORD_ID.match(row[0].strip()):
            raise FramingError(needs_fetch("a GDELT GKG file (URLs and codes)", rel))
        if any(name in names for name in _URL_NAMES):
            raise FramingError(needs_fetch("a table of URLs (e.g. a Media Cloud story list)", rel))
        found = found_names(name.strip() for name in row)
        raise FramingError(f"no text column: expected one of {_TEXT_NAMES} (found: {found})")
    return names


def read_metadata_file(
    path: Path, rel: str, max_bytes: int
) -> tuple[dict[str, dict], IngestError | None]:
    """``(table, None)`` for a good metadata file, ``({}, IngestError)`` for a bad one."""
    try:
        problem = check_file(path, max_bytes)
        if problem:
            return {}, IngestError(rel, None, problem)
        csv.field_size_limit(max(csv.field_size_limit(), _CSV_FIELD_LIMIT))
        handle, _ = open_text(Source(rel, _head(path), path=path), newline="")
        with handle:
            return _metadata_table(handle, rel)
    except FramingError as exc:
        return {}, IngestError(rel, None, exc.what)
    except PermissionError:
        return {}, IngestError(rel, None, "permission denied")
    except Exception as exc:  # a bad metadata file must not stop the articles being read
        return {}, IngestError(rel, None, unexpected(exc))


def _metadata_table(handle, rel: str) -> tuple[dict[str, dict], IngestError | None]:
    """Strict: any bad row rejects the whole file, so no article gets half-right metadata."""
    table: dict[str, dict] = {}
    first_row: dict[str, int] = {}
    header, number = None, 0
    for start, row, problem in _csv_rows(handle):
        if header is None:
            if problem or "path" not in (header := [norm_key(name) for name in row]):
                found = found_names(name.strip() for name in row or [])
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
        entry = {field: value for field in META_FIELDS if (value := scalar(values.get(field)))}
        if "date" in entry:
            entry["date"] = parse_date(entry["date"])
        if table.get(key, entry) != entry:
            twice = f"{key} appears twice with different values (first on row {first_row[key]})"
            return {}, IngestError(rel, number, f"{where}: {twice}")
        table[key] = entry
        first_row.setdefault(key, number)
    if header is None:
        return {}, IngestError(rel, None, "text is only whitespace")
    return table, None


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(SNIFF_BYTES)


def _norm_path(path: str) -> str:
    """``"./sub\\\\a.txt"`` -> ``"sub/a.txt"``: metadata paths as the walk spells them."""
    path = path.strip().replace("\\", "/")
    if not path:
        return ""
    path = posixpath.normpath(path)
    return "" if path == "." else path