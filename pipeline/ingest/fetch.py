"""URL lists: read a Media Cloud story CSV, a GDELT article list (DOC API JSON or GKG) or a
plain list of URLs, and download each page politely, for ``framing run`` to read.

:func:`read_url_list` gives the :class:`UrlRecord`s of a list; :func:`fetch` downloads them into
``OUT/pages/`` with a ``metadata.csv`` (path, url, title, outlet, date from the list) so that
``framing run OUT/pages`` reads them, and lists failures in ``OUT/errors.csv``.

Politeness: robots.txt is honoured (RFC 9309: an unreachable robots.txt (5xx, network error)
means "do not crawl", a missing one (4xx) means "allowed"); requests to one host are spaced by
``delay`` seconds (or the host's Crawl-delay, if longer); transient failures (timeouts,
connection errors, 429, 5xx) are retried with exponential backoff, honouring Retry-After;
every request has a timeout, every page a size cap, and the user agent names the tool.

Resuming: every response is recorded in ``OUT/fetch-cache.sqlite`` as soon as its page is
written; a second run skips the URLs already downloaded and those that failed for good
(404, robots.txt), and retries the rest.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request
import urllib.robotparser
from dataclasses import dataclass, field
from email.message import Message
from pathlib import Path
from typing import Callable

from pipeline import config
from pipeline.errors import FramingError

from .common import check_file, decode, scalar

CACHE_FILE = "fetch-cache.sqlite"
PAGES_DIR = "pages"
ERRORS_FILE = "errors.csv"
_CONTENT_TYPES = {  # what is saved, and under which extension
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/plain": ".txt",
    "application/pdf": ".pdf",
}
_ACCEPT = "text/html,application/xhtml+xml,text/plain;q=0.9,application/pdf;q=0.8,*/*;q=0.1"
_RETRY_STATUS = frozenset({408, 425, 429, 500, 502, 503, 504})
_MAX_REDIRECTS = 5
_MAX_RETRY_AFTER = 300.0  # seconds; a longer Retry-After is treated as a failure for now


@dataclass(frozen=True)
class UrlRecord:
    """One URL of a list, with what the list says about it."""

    url: str
    title: str = ""
    outlet: str = ""
    date: str = ""  # publication date if the list gives one (GDELT's seendate is not one)


@dataclass
class FetchResult:
    out: Path
    counts: dict = field(default_factory=lambda: {"urls": 0, "fetched": 0, "cached": 0, "failed": 0})


# --- reading lists ---------------------------------------------------------------------------


def read_url_list(path: str | Path, *, max_bytes: int = config.MAX_BYTES) -> list[UrlRecord]:
    """The URLs of a Media Cloud CSV, a GDELT ArtList JSON or GKG file, or a plain list.

    Duplicates are dropped (first kept); lines or rows without an http(s) URL are skipped.
    Raises :class:`FramingError` when the file is missing, unreadable or holds no URL.

    >>> read_url_list("mc-onlinenews-20210604-content.csv")[0].url
    'https://www.riverton-ledger.example/news/2021/03/04/council-passes-leaner-budget-for-2021-22'
    """
    path = Path(path)
    problem = check_file(path, max_bytes)
    if problem:
        raise FramingError(f"cannot read the URL list: {problem}", str(path),
                           "pass a Media Cloud CSV, a GDELT list or one URL a line")
    text, _ = decode(path.read_bytes(), path.suffix.lower())
    records = _parse_list(text)
    seen, unique = set(), []
    for record in records:
        if _is_url(record.url) and record.url not in seen:
            seen.add(record.url)
            unique.append(record)
    if not unique:
        raise FramingError("no http(s) URLs found in the list", str(path),
                           "pass a Media Cloud CSV, a GDELT ArtList JSON or GKG file, or one URL a line")
    return unique


def _is_url(url: str) -> bool:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _parse_list(text: str) -> list[UrlRecord]:
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _gdelt_json(stripped)
    first = stripped.split("\n", 1)[0]
    if "\t" in first and re.match(r"^\d{14}-\w+\t", first):
        return _gdelt_gkg(text)
    if "," in first or ";" in first:
        records = _csv_list(text)
        if records:
            return records
    return [UrlRecord(line.strip()) for line in text.split("\n") if line.strip() and not line.lstrip().startswith("#")]


def _gdelt_json(text: str) -> list[UrlRecord]:
    data = _loads_lenient(text)
    items = data.get("articles", []) if isinstance(data, dict) else data if isinstance(data, list) else []
    return [
        UrlRecord(scalar(item.get("url")), scalar(item.get("title")), scalar(item.get("domain")))
        for item in items
        if isinstance(item, dict)
    ]


def _loads_lenient(text: str):
    """JSON that the GDELT API sometimes breaks: control characters allowed, and an invalid
    escape blanked and parsing retried (a bounded number of times)."""
    for _ in range(100):
        try:
            return json.loads(text, strict=False)
        except json.JSONDecodeError as exc:
            if "escape" not in exc.msg:
                where = f"line {exc.lineno} column {exc.colno}"
                raise FramingError(f"invalid JSON in the URL list: {exc.msg} at {where}") from None
            text = text[: exc.pos] + " " + text[exc.pos + 1 :]
    raise FramingError("invalid JSON in the URL list: too many broken escapes")


_PAGE_TITLE = re.compile(r"<PAGE_TITLE>(.*?)</PAGE_TITLE>", re.DOTALL)


def _gdelt_gkg(text: str) -> list[UrlRecord]:
    records = []
    for line in text.split("\n"):
        cells = line.rstrip("\r").split("\t")
        if len(cells) < 5:
            continue
        title = _PAGE_TITLE.search(cells[26]) if len(cells) > 26 else None
        records.append(UrlRecord(cells[4].strip(), scalar(title.group(1)) if title else "", cells[3].strip()))
    return records


def _csv_list(text: str) -> list[UrlRecord]:
    from .records import norm_key

    first = text.split("\n", 1)[0]
    rows = csv.reader(io.StringIO(text), delimiter=";" if first.count(";") > first.count(",") else ",")
    header = [norm_key(name) for name in next(rows, [])]
    names = ("url", "article_url", "link", "original_url")
    column = next((header.index(name) for name in names if name in header), None)
    if column is None:
        return []

    def cell(row, *names) -> str:
        for name in names:
            if name in header and header.index(name) < len(row) and (value := scalar(row[header.index(name)])):
                return value
        return ""

    return [
        UrlRecord(row[column].strip(), cell(row, "title"), cell(row, "media_name", "outlet", "source", "domain"),
                  cell(row, "publish_date", "date"))
        for row in rows
        if len(row) > column
    ]


# --- downloading -----------------------------------------------------------------------------


@dataclass
class _Response:
    status: int
    url: str  # after redirects
    content_type: str
    body: bytes
    retry_after: float | None = None


class _Failure(Exception):
    """A request that failed: ``transient`` ones are worth retrying."""

    def __init__(self, reason: str, *, status: int | None = None, transient: bool = False,
                 retry_after: float | None = None, later: bool = False):
        super().__init__(reason)
        self.reason, self.status, self.transient, self.retry_after = reason, status, transient, retry_after
        self.later = transient or later  # worth asking again in a later run


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # redirects are followed by hand, so each hop is checked against robots.txt


def user_agent(contact: str | None = None) -> str:
    """The honest user agent: the tool, its version and purpose, and a contact if given."""
    from pipeline import __version__

    extra = f"; contact: {contact}" if contact else ""
    return f"framing/{__version__} (news framing research; polite fetcher, honours robots.txt{extra})"


class _Fetcher:
    def __init__(self, *, delay: float, timeout: float, retries: int, backoff: float, max_bytes: int,
                 agent: str, sleep: Callable[[float], None] = time.sleep):
        self.delay, self.timeout, self.retries, self.backoff = delay, timeout, retries, backoff
        self.max_bytes, self.agent, self.sleep = max_bytes, agent, sleep
        self.next_time: dict[str, float] = {}  # host -> earliest time of its next request
        self.robots: dict[str, urllib.robotparser.RobotFileParser | str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    # One request, with the host's pause before it.
    def _request(self, url: str) -> _Response:
        host = urllib.parse.urlsplit(url).netloc.lower()
        wait = self.next_time.get(host, 0.0) - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        try:
            return self._get(url)
        finally:
            self.next_time[host] = time.monotonic() + self._host_delay(host)

    def _host_delay(self, host: str) -> float:
        robots = self.robots.get(host)
        crawl_delay = robots.crawl_delay(self.agent) if isinstance(robots, urllib.robotparser.RobotFileParser) else None
        return max(self.delay, float(crawl_delay or 0))

    def _get(self, url: str) -> _Response:
        request = urllib.request.Request(url, headers={"User-Agent": self.agent, "Accept": _ACCEPT})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return self._read(response, url, started)
        except urllib.error.HTTPError as exc:
            retry_after = _retry_after(exc.headers)
            if exc.code in (301, 302, 303, 307, 308):
                location = exc.headers.get("Location", "")
                return _Response(exc.code, urllib.parse.urljoin(url, location), "", b"")
            raise _Failure(f"HTTP {exc.code} {exc.reason}", status=exc.code,
                           transient=exc.code in _RETRY_STATUS, retry_after=retry_after) from None
        except (TimeoutError, OSError, urllib.error.URLError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            if isinstance(reason, TimeoutError) or isinstance(exc, TimeoutError) or "timed out" in str(reason):
                raise _Failure(f"timed out after {self.timeout:g} s", transient=True) from None
            raise _Failure(f"could not connect ({reason})", transient=True) from None

    def _read(self, response, url: str, started: float) -> _Response:
        content_type = (response.headers.get_content_type() or "").lower()
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise _Failure(f"page is {length} bytes, over the limit of {self.max_bytes} (--max-bytes)")
        chunks, size = [], 0
        while chunk := response.read(64 * 1024):
            size += len(chunk)
            if size > self.max_bytes:
                raise _Failure(f"page is over the limit of {self.max_bytes} bytes (--max-bytes)")
            if time.monotonic() - started > self.timeout:  # a server trickling bytes forever
                raise _Failure(f"timed out after {self.timeout:g} s (the page kept coming)", transient=True)
            chunks.append(chunk)
        return _Response(response.status, url, content_type, b"".join(chunks))

    # robots.txt, once per host
    def allowed(self, url: str) -> bool | str:
        parts = urllib.parse.urlsplit(url)
        host = parts.netloc.lower()
        if host not in self.robots:
            self.robots[host] = self._robots(f"{parts.scheme}://{parts.netloc}/robots.txt")
        robots = self.robots[host]
        if isinstance(robots, str):
            return robots
        return robots.can_fetch(self.agent, url)

    def _robots(self, robots_url: str) -> urllib.robotparser.RobotFileParser | str:
        parser = urllib.robotparser.RobotFileParser(robots_url)
        try:
            response = self._follow(robots_url, check_robots=False)
        except _Failure as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                parser.parse([])  # no robots.txt: everything allowed
                return parser
            return f"robots.txt could not be read ({exc.reason}); not crawled, to be safe"  # RFC 9309
        text = response.body[: 512 * 1024].decode("utf-8", "replace")
        parser.parse(text.splitlines())
        return parser

    def _follow(self, url: str, *, check_robots: bool = True) -> _Response:
        for _ in range(_MAX_REDIRECTS + 1):
            if check_robots:
                verdict = self.allowed(url)
                if verdict is not True:  # a robots.txt that could not be read is asked for next run
                    unreadable = isinstance(verdict, str)
                    raise _Failure(verdict if unreadable else "disallowed by robots.txt", later=unreadable)
            response = self._request(url)
            if response.status not in (301, 302, 303, 307, 308):
                return response
            if not _is_url(response.url):
                raise _Failure(f"redirected to a URL that is not http(s): {response.url[:100]}")
            url = response.url
        raise _Failure(f"more than {_MAX_REDIRECTS} redirects")

    def fetch(self, url: str) -> _Response:
        """The page at ``url`` after redirects, retrying transient failures with backoff."""
        for attempt in range(self.retries + 1):
            try:
                return self._follow(url)
            except _Failure as exc:
                if not exc.transient or attempt == self.retries:
                    if exc.transient and attempt:
                        exc.reason = f"{exc.reason} (after {attempt + 1} attempts)"
                    raise
                pause = self.backoff * 2**attempt
                if exc.retry_after is not None:
                    if exc.retry_after > _MAX_RETRY_AFTER:
                        raise
                    pause = max(pause, exc.retry_after)
                self.sleep(pause)
        raise AssertionError("unreachable")


def _retry_after(headers: Message | None) -> float | None:
    """Seconds from a ``Retry-After: 120`` header (an HTTP date is not honoured)."""
    value = (headers.get("Retry-After") or "").strip() if headers is not None else ""
    return float(value) if value.isdigit() else None


# --- the cache and the outputs --------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS responses (
    url TEXT PRIMARY KEY,
    ok INTEGER NOT NULL,       -- 1: page saved under path; 0: failed
    final INTEGER NOT NULL,    -- 1: not worth retrying (saved, 404, robots.txt ...)
    status INTEGER,
    final_url TEXT,
    content_type TEXT,
    path TEXT,
    sha256 TEXT,
    reason TEXT,
    fetched_at REAL
);
"""


def _open_cache(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(_SCHEMA)
    return conn


def page_name(url: str, extension: str) -> str:
    """A page's file name: stable for its URL whatever the list's order."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16] + extension


def fetch(
    url_list: str | Path,
    out: str | Path,
    *,
    delay: float = config.FETCH_DELAY,
    timeout: float = config.FETCH_TIMEOUT,
    retries: int = config.FETCH_RETRIES,
    backoff: float = config.FETCH_BACKOFF,
    max_bytes: int = config.MAX_BYTES,
    contact: str | None = None,
    retry_failed: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> FetchResult:
    """Download the pages of ``url_list`` into ``out/pages`` (+ ``metadata.csv``), failures
    to ``out/errors.csv``; resumable. Returns the counts (urls, fetched, cached, failed).

    >>> fetch("mc-onlinenews-content.csv", "pages_out").counts
    {'urls': 3, 'fetched': 3, 'cached': 0, 'failed': 0}
    """
    from pipeline import store

    for name, value in (("delay", delay), ("timeout", timeout), ("backoff", backoff)):
        if not isinstance(value, (int, float)) or value < 0 or (name == "timeout" and value == 0):
            raise FramingError(f"{name} must be a positive number of seconds, got {value!r}", f"--{name}")
    records = read_url_list(url_list, max_bytes=max_bytes)
    out = Path(out)
    pages = out / PAGES_DIR
    pages.mkdir(parents=True, exist_ok=True)
    result = FetchResult(out=out)
    result.counts["urls"] = len(records)
    fetcher = _Fetcher(delay=delay, timeout=timeout, retries=retries, backoff=backoff, max_bytes=max_bytes,
                       agent=user_agent(contact))
    conn = _open_cache(out / CACHE_FILE)
    try:
        for number, record in enumerate(_polite_order(records), start=1):
            row = conn.execute("SELECT ok, final, path, sha256 FROM responses WHERE url = ?", (record.url,)).fetchone()
            if row and row[0] and _intact(pages / row[2], row[3]):
                result.counts["cached"] += 1
            elif row and not row[0] and row[1] and not retry_failed:
                result.counts["failed"] += 1
            else:
                _fetch_one(fetcher, conn, pages, record, result, store)
            if progress:
                progress(number, len(records))
    finally:
        _write_outputs(conn, records, out, pages, store)
        conn.close()
    return result


def _polite_order(records: list[UrlRecord]) -> list[UrlRecord]:
    """Round-robin over hosts, so that waiting for one host's pause is spent on others."""
    queues: dict[str, list[UrlRecord]] = {}
    for record in records:
        queues.setdefault(urllib.parse.urlsplit(record.url).netloc.lower(), []).append(record)
    ordered = []
    while queues:
        for host in list(queues):
            ordered.append(queues[host].pop(0))
            if not queues[host]:
                del queues[host]
    return ordered


def _intact(path: Path, sha256: str) -> bool:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() == sha256
    except OSError:
        return False


def _fetch_one(fetcher: _Fetcher, conn, pages: Path, record: UrlRecord, result: FetchResult, store) -> None:
    now = time.time()
    try:
        response = fetcher.fetch(record.url)
        extension = _CONTENT_TYPES.get(response.content_type)
        if extension is None:
            kind = response.content_type or "missing"
            raise _Failure(f"not a web page: content type {kind!r}", status=response.status)
        if not response.body.strip():
            raise _Failure("empty page", status=response.status)
    except _Failure as exc:
        final = not exc.later
        conn.execute("INSERT OR REPLACE INTO responses VALUES (?, 0, ?, ?, NULL, NULL, NULL, NULL, ?, ?)",
                     (record.url, int(final), exc.status, exc.reason, now))
        result.counts["failed"] += 1
        return
    name = page_name(record.url, extension)
    with store.atomic_path(pages / name) as tmp:
        tmp.write_bytes(response.body)
    digest = hashlib.sha256(response.body).hexdigest()
    conn.execute("INSERT OR REPLACE INTO responses VALUES (?, 1, 1, ?, ?, ?, ?, ?, NULL, ?)",
                 (record.url, response.status, response.url, response.content_type, name, digest, now))
    result.counts["fetched"] += 1


def _write_outputs(conn, records: list[UrlRecord], out: Path, pages: Path, store) -> None:
    """metadata.csv beside the pages, errors.csv in ``out``: rewritten from the cache."""
    rows = {row[0]: row for row in conn.execute("SELECT url, ok, status, final_url, path, reason FROM responses")}
    with store.atomic_path(pages / config.METADATA_FILE) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "url", "title", "outlet", "date"])
        for record in records:
            row = rows.get(record.url)
            if row and row[1]:
                writer.writerow([row[4], record.url, record.title, record.outlet, record.date])
    with store.atomic_path(out / ERRORS_FILE) as tmp, open(tmp, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["url", "status", "reason"])
        for record in records:
            row = rows.get(record.url)
            if row and not row[1]:
                writer.writerow([record.url, row[2] if row[2] is not None else "", row[5]])
