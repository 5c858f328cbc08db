"""Storage: the run cache (SQLite) and atomic output files.

Every output file is written under a temporary name in the same folder and renamed into
place, so a reader sees either the previous complete file or the new one, never half of one.
"""
from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import json
import os
import platform
import re
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Iterator

from . import config
from .errors import FramingError, ModelFileError


@contextlib.contextmanager
def atomic_path(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success fsync it and rename it into place.

    >>> with atomic_path("out/table.csv") as tmp:
    ...     df.to_csv(tmp, index=False)
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temporary_beside(path)
    try:
        yield tmp
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _temporary_beside(path: Path) -> Path:
    """A new empty temporary file in ``path``'s folder, with the permissions a plain
    ``open()`` would give (mkstemp's 0600 would make outputs private to their writer)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)
    return Path(name)


def write_text(path: str | Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def write_json(path: str | Path, data) -> None:
    """Write ``data`` as indented, key-sorted JSON to ``path`` atomically."""
    write_text(path, json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False, default=str) + "\n")


# --------------------------------------------------------------------------------------
# Spreadsheet safety: every CSV written goes through csv_safe_frame / csv_safe_cell, so a
# title such as ``=HYPERLINK(...)`` is text, not a live formula, when the file is opened in
# a spreadsheet. Parquet keeps the exact text.

_C0_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f]")  # all but tab and newline (CR included)
_FORMULA_START = re.compile("'*[=+\\-@\t]")  # quotes first: a cell like "'=x" stays reversible
_NEUTRALISED = re.compile("'+[=+\\-@\t]")


def csv_safe_cell(value):
    """A CSV cell that spreadsheets show as text: C0 control characters other than tab and
    newline removed, and a ``'`` put before a cell that begins with ``=``, ``+``, ``-``,
    ``@`` or tab (the OWASP rule). Non-strings are returned as they are.

    >>> csv_safe_cell('=HYPERLINK("http://evil.example","open")')
    '\'=HYPERLINK("http://evil.example","open")'
    """
    if not isinstance(value, str):
        return value
    value = _C0_CONTROLS.sub("", value)
    return "'" + value if _FORMULA_START.match(value) else value


def csv_safe_frame(df):
    """``df`` with every text cell passed through :func:`csv_safe_cell` (a copy)."""
    import pandas as pd

    df = df.copy()
    for column in df.columns:
        if df[column].dtype == object or pd.api.types.is_string_dtype(df[column]):
            df[column] = df[column].map(csv_safe_cell)
    return df


def read_csv(path: str | Path, **kwargs):
    """Read a CSV this tool wrote into a DataFrame, taking off the ``'`` that
    :func:`csv_safe_cell` put before formula-like cells (control characters it removed stay
    removed)."""
    import pandas as pd

    df = pd.read_csv(path, **kwargs)
    for column in df.columns:
        if df[column].dtype == object or pd.api.types.is_string_dtype(df[column]):
            df[column] = df[column].map(
                lambda v: v[1:] if isinstance(v, str) and _NEUTRALISED.match(v) else v)
    return df


def write_csv(df, path: str | Path) -> Path:
    """Write ``df`` as spreadsheet-safe CSV (see :func:`csv_safe_cell`) to ``path`` atomically."""
    with atomic_path(path) as tmp:
        csv_safe_frame(df).to_csv(tmp, index=False)
    return Path(path)


def write_table(df, path: str | Path, *, fmt: str = "parquet") -> Path:
    """Write ``df`` as ``<path>.parquet`` or ``<path>.csv`` (spreadsheet-safe, see
    :func:`csv_safe_cell`) atomically; return the final path.

    ``path`` is given without suffix, e.g. ``out/passages``.
    """
    if fmt not in ("parquet", "csv"):
        raise ValueError(f"fmt must be 'parquet' or 'csv', got {fmt!r}")
    final = Path(f"{path}.{fmt}")
    if fmt == "csv":
        return write_csv(df, final)
    with atomic_path(final) as tmp:
        df.to_parquet(tmp, index=False)
    return final


# --------------------------------------------------------------------------------------
# Streaming tables: outputs are appended batch by batch to a temporary file, then renamed.


def _schemas() -> dict:
    import pyarrow as pa

    return dict(ARTICLE_SCHEMA=pa.schema([
    ("article_id", pa.string()), ("source_path", pa.string()), ("record", pa.int64()),
    ("title", pa.string()), ("outlet", pa.string()), ("date", pa.string()), ("url", pa.string()),
    ("n_passages", pa.int64()), ("duplicate_of", pa.string()), ("content_hash", pa.string()),
    ("verdict", pa.string()), ("encoding", pa.string()),
    ("byline", pa.string()), ("section", pa.string()), ("word_count", pa.int64()), ("doc_id", pa.string()),
    ]), PASSAGE_SCHEMA=pa.schema([
    ("passage_id", pa.string()), ("article_id", pa.string()), ("index", pa.int64()),
    ("start", pa.int64()), ("end", pa.int64()), ("text", pa.string()), ("kind", pa.string()),
    ("label", pa.string()), ("p_conflates", pa.float64()), ("p_distinguishes", pa.float64()),
    ("p_neither", pa.float64()), ("reason", pa.string()), ("topical", pa.bool_()),
    ("top_features", pa.string()), ("evidence", pa.string()),
    ]), ENTITY_SCHEMA=pa.schema([
    ("passage_id", pa.string()), ("article_id", pa.string()), ("text", pa.string()), ("label", pa.string()),
    ("canonical", pa.string()), ("start", pa.int64()), ("end", pa.int64()),
    ("article_start", pa.int64()), ("article_end", pa.int64()),
    ]), ERROR_SCHEMA=pa.schema([("source_path", pa.string()), ("record", pa.int64()), ("reason", pa.string())]))


def __getattr__(name: str):
    # The Arrow schemas (ARTICLE_SCHEMA, ...) are built on first use, so that a re-run served
    # from run.json never imports pyarrow or pandas.
    schemas = _schemas()
    if name in schemas:
        return schemas[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class TableStream:
    """Append record batches to ``<path>.<fmt>`` through a temporary file; ``commit()`` renames
    it into place, ``abort()`` removes it. Rows are written in groups of about ``ROWS_PER_GROUP``
    (Parquet row groups), so memory holds at most one group."""

    ROWS_PER_GROUP = 10_000

    def __init__(self, path: str | Path, schema, fmt: str = "parquet"):
        if fmt not in ("parquet", "csv"):
            raise ValueError(f"fmt must be 'parquet' or 'csv', got {fmt!r}")
        self.final = Path(f"{path}.{fmt}")
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp, self.schema, self.fmt = _temporary_beside(self.final), schema, fmt
        self._rows: list[dict] = []
        import pyarrow as pa

        self._text_columns = [f.name for f in schema if pa.types.is_string(f.type)]
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._writer = pq.ParquetWriter(self.tmp, schema)
        else:
            import pyarrow.csv as pacsv

            self._writer = pacsv.CSVWriter(str(self.tmp), schema)

    def write(self, rows: list[dict]) -> None:
        self._rows.extend(rows)
        if len(self._rows) >= self.ROWS_PER_GROUP:
            self._flush()

    def _flush(self) -> None:
        if self._rows:
            # Column lists convert faster than row dicts (Table.from_pylist); same table.
            columns = {name: [row.get(name) for row in self._rows] for name in self.schema.names}
            import pyarrow as pa

            if self.fmt == "csv":
                for name in self._text_columns:
                    columns[name] = [csv_safe_cell(v) for v in columns[name]]
            self._writer.write_table(pa.Table.from_pydict(columns, schema=self.schema))
            self._rows = []

    def commit(self) -> Path:
        self._flush()
        self._writer.close()
        with open(self.tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(self.tmp, self.final)
        return self.final

    def abort(self) -> None:
        self._rows = []
        try:
            self._writer.close()
        finally:
            self.tmp.unlink(missing_ok=True)


def remove_stale_temporaries(folder: str | Path) -> int:
    """Delete temporary files left by a killed run (``.NAME.*.tmp``); return how many."""
    removed = 0
    for tmp in Path(folder).glob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


# --------------------------------------------------------------------------------------
# One run per output folder: a lock, held for the whole run, on a file inside it.


LOCK_FILE = ".framing.lock"  # also marks a folder as framing's output: never read as input


class OutputInUse(FramingError):
    """Another run holds the output folder."""


@contextlib.contextmanager
def output_lock(out: str | Path, run_id: str) -> Iterator[None]:
    """Hold ``out``'s lock for the block, or raise :class:`OutputInUse` at once naming the run
    that holds it. The lock is the kernel's (``flock``) on ``out/.framing.lock``: a run that is
    killed, even with SIGKILL, releases it, so a stale lock file is simply taken over."""
    import fcntl

    path = Path(out) / LOCK_FILE
    handle = open(path, "a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _lock_holder(handle.read())
            raise OutputInUse(f"{out} is in use by run {holder.get('run_id', '?')} (pid {holder.get('pid', '?')}, "
                              f"started {holder.get('started', '?')})", None,
                              "wait for it to finish, or give another --out") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"run_id": run_id, "pid": os.getpid(),
                                 "started": _now_stamp(iso=True)}) + "\n")
        handle.flush()
        yield
    finally:
        handle.close()  # releases the lock; the file stays, as the output folder's marker


def _lock_holder(text: str) -> dict:
    try:
        holder = json.loads(text)
        return holder if isinstance(holder, dict) else {}
    except ValueError:
        return {}


def _now_stamp(iso: bool = False) -> str:
    import datetime as dt

    now = dt.datetime.now(dt.timezone.utc)
    return now.isoformat(timespec="seconds") if iso else now.strftime("%Y%m%dT%H%M%SZ")


# --------------------------------------------------------------------------------------
# Staging: a run writes its whole output set into a hidden folder inside ``out`` and then
# swaps it in, so a run that fails (disk full, unwritable file, interrupted) leaves the
# previous complete set. The swap only renames (no data is written, so it cannot run out of
# space); a run killed in the middle of it is finished by the next run (the staging folder
# holds a ``.complete`` marker once everything is in it).


STAGING_PREFIX = ".staging-"
_COMPLETE = ".complete"
# Output files of the other table format: a CSV run removes an older Parquet set, and back.
_TABLE_NAMES = ("articles", "passages", "entities")


def new_staging(out: str | Path, run_id: str) -> Path:
    """A fresh, empty staging folder inside ``out`` for this run."""
    stage = Path(out) / f"{STAGING_PREFIX}{run_id}"
    stage.mkdir()
    return stage


def publish_staging(stage: Path, out: Path) -> None:
    """Mark ``stage`` complete and move everything in it into ``out`` (replacing files and
    folders of the same name, and the other format's tables); remove ``stage``."""
    _fsync_path(stage)
    (stage / _COMPLETE).touch()
    _fsync_path(stage)
    _move_staged(stage, out)


def recover_staging(out: str | Path) -> list[str]:
    """Under the output lock, at the start of a run: finish the swap of a complete staging
    folder a killed run left, and delete incomplete ones and half-swapped old folders.
    Returns what was done, for the run's notes."""
    import shutil

    out = Path(out)
    notes = []
    for stage in sorted(out.glob(f"{STAGING_PREFIX}*")):
        if (stage / _COMPLETE).exists():
            _move_staged(stage, out)
            notes.append(f"finished publishing the outputs of an interrupted run ({stage.name})")
        else:
            shutil.rmtree(stage, ignore_errors=True)
    for old in out.glob(".old-*"):
        shutil.rmtree(old, ignore_errors=True) if old.is_dir() else old.unlink(missing_ok=True)
    return notes


def link_into(stage: Path, out: Path, names) -> None:
    """Put ``out``'s files ``names`` into ``stage`` too (hard links, else copies), so that a
    run that keeps its tables publishes them with its new run.json and report."""
    import shutil

    for name in names:
        (stage / name).parent.mkdir(parents=True, exist_ok=True)  # report tables sit in tables/
        try:
            os.link(out / name, stage / name)
        except OSError:
            shutil.copy2(out / name, stage / name)


def discard_staging(stage: Path | None) -> None:
    import shutil

    if stage is not None:
        shutil.rmtree(stage, ignore_errors=True)


def _move_staged(stage: Path, out: Path) -> None:
    import shutil

    names = sorted(p.name for p in stage.iterdir() if p.name != _COMPLETE)
    formats = {Path(n).stem: Path(n).suffix for n in names if Path(n).stem in _TABLE_NAMES}
    for name in names:
        source, target = stage / name, out / name
        if source.is_dir():
            if target.exists():
                old = out / f".old-{name}-{stage.name}"
                os.replace(target, old)
                os.replace(source, target)
                shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(source, target)
        elif target.exists() and os.path.samefile(source, target):
            source.unlink()  # a kept table linked in by link_into (rename would leave both names)
        else:
            os.replace(source, target)
    for stem, suffix in formats.items():
        for other in (".parquet", ".csv"):
            if other != suffix:
                (out / f"{stem}{other}").unlink(missing_ok=True)
    (stage / _COMPLETE).unlink(missing_ok=True)
    stage.rmdir()
    _fsync_path(out)


def _fsync_path(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------------------
# The run cache: results per article, keyed by content hash (and model hash for labels),
# in SQLite so that an interrupted run loses at most the batch in flight.


CACHE_FILE = "framing-cache.sqlite"

_CACHE_SCHEMA = """
CREATE TABLE IF NOT EXISTS nlp (
    content_hash TEXT NOT NULL, nlp_key TEXT NOT NULL, result TEXT NOT NULL,
    PRIMARY KEY (content_hash, nlp_key));
CREATE TABLE IF NOT EXISTS labels (
    content_hash TEXT NOT NULL, label_key TEXT NOT NULL, result TEXT NOT NULL,
    PRIMARY KEY (content_hash, label_key));
CREATE TABLE IF NOT EXISTS seen (content_hash TEXT PRIMARY KEY, article_id TEXT NOT NULL);
"""


_CACHE_COLUMNS = {"nlp": ["content_hash", "nlp_key", "result"], "labels": ["content_hash", "label_key", "result"],
                  "seen": ["content_hash", "article_id"]}
_CACHE_ID = 0x46524D43  # PRAGMA application_id "FRMC": a framing run cache


def open_cache(path: str | Path) -> sqlite3.Connection:
    """Open (creating) the run cache; the ``seen`` table of the previous run is cleared.
    Raises :class:`DamagedCache` if the file is not a sound cache of this version."""
    path = Path(path)
    if path.exists() and not path.is_file():
        raise DamagedCache(path, "it is not a file")
    try:
        conn = sqlite3.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise DamagedCache(path, f"it cannot be opened ({exc})") from None
    try:
        _check_cache(conn)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.executescript(_CACHE_SCHEMA)
        conn.execute(f"PRAGMA application_id={_CACHE_ID}")
        conn.execute("DELETE FROM seen")
    except sqlite3.Error as exc:
        conn.close()
        if is_disk_full(exc):
            raise
        raise DamagedCache(path, f"it cannot be written ({exc})") from None
    except DamagedCache:
        conn.close()
        raise
    return conn


class DamagedCache(Exception):
    """The run cache file is damaged, foreign or from an older version (``reason`` says how)."""

    def __init__(self, path: Path, reason: str):
        self.path, self.reason = Path(path), reason
        super().__init__(f"{path}: {reason}")


def _check_cache(conn: sqlite3.Connection) -> None:
    path = Path(conn.execute("PRAGMA database_list").fetchone()[2] or ":memory:")
    try:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not tables:
            return  # a new (or empty) file: made into a cache below
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        columns = {t: [row[1] for row in conn.execute(f"PRAGMA table_info({t})")] for t in tables}
        if tables != set(_CACHE_COLUMNS) or columns != _CACHE_COLUMNS or app_id not in (0, _CACHE_ID):
            raise DamagedCache(path, "it is not a run cache of this version (other tables or columns)")
        problem = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
        if problem != "ok":
            raise DamagedCache(path, f"it is damaged ({problem})")
    except sqlite3.DatabaseError as exc:
        raise DamagedCache(path, f"it is damaged or not SQLite ({exc})") from None


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says the disk (or the quota) is full, in any of the ways OSError,
    pyarrow and SQLite say it."""
    import errno

    text = str(exc).lower()
    return (getattr(exc, "errno", None) in (errno.ENOSPC, errno.EDQUOT) or "no space left" in text
            or "disk is full" in text or "quota exceeded" in text)


def open_cache_or_move_aside(path: str | Path) -> tuple[sqlite3.Connection, dict | None]:
    """:func:`open_cache`, and if the cache is damaged or foreign: move it (and its ``-wal``
    and ``-shm`` files) aside as ``NAME.damaged-<UTC time>`` and start a new one. Returns the
    connection and ``{"moved_to", "reason"}`` when a cache was moved aside, else None."""
    path = Path(path)
    try:
        return open_cache(path), None
    except DamagedCache as exc:
        aside = path.with_name(f"{path.name}.damaged-{_now_stamp()}")
        os.replace(path, aside)
        for suffix in ("-wal", "-shm"):
            extra = path.with_name(path.name + suffix)
            if os.path.lexists(extra):
                os.replace(extra, aside.with_name(aside.name + suffix))
        return open_cache(path), {"moved_to": aside.name, "reason": exc.reason}


def first_seen(conn: sqlite3.Connection, content_hash: str, article_id: str) -> str | None:
    """Record ``content_hash`` as seen in this run; return the first article id if it was already."""
    if conn.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (content_hash, article_id)).rowcount:
        return None
    return conn.execute("SELECT article_id FROM seen WHERE content_hash = ?", (content_hash,)).fetchone()[0]


def cached(conn: sqlite3.Connection, table: str, key_column: str, key: str, hashes: list[str]) -> dict[str, dict]:
    """Cached results of ``table`` (``nlp`` or ``labels``) for ``hashes`` under ``key``."""
    if not hashes:
        return {}
    marks = ",".join("?" * len(hashes))
    rows = conn.execute(
        f"SELECT content_hash, result FROM {table} WHERE {key_column} = ? AND content_hash IN ({marks})",
        [key, *hashes],
    )
    return {h: json.loads(r) for h, r in rows}


def save_results(conn: sqlite3.Connection, nlp_key: str, label_key: str, results: list[tuple[str, dict, dict]],
                 *, keys: dict[str, str] | None = None) -> None:
    """Store (content_hash, nlp result, label result) triples in one transaction, under
    ``keys[content_hash]`` when given (the text with its headline), else the content hash."""
    keys = keys or {}
    with conn:
        conn.execute("BEGIN")
        conn.executemany("INSERT OR REPLACE INTO nlp VALUES (?, ?, ?)",
                         [(keys.get(h, h), nlp_key, json.dumps(n, separators=(",", ":"))) for h, n, _ in results])
        conn.executemany("INSERT OR REPLACE INTO labels VALUES (?, ?, ?)",
                         [(keys.get(h, h), label_key, json.dumps(lab, separators=(",", ":"))) for h, _, lab in results])


# --------------------------------------------------------------------------------------
# Model files and their cards: checked here, before anything is unpickled.


def card_path(model_path: str | Path) -> Path:
    """The model card's path for a model file: ``models/x.joblib`` -> ``models/x.card.json``."""
    model_path = Path(model_path)
    return model_path.with_name(model_path.stem + ".card.json")


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def versions() -> dict:
    """Versions of the software that makes a model or a run (from package metadata, so that
    nothing heavy is imported for it)."""
    from . import __version__

    return {"framing": __version__, "python": platform.python_version(),
            **{name: importlib.metadata.version(name) for name in ("scikit-learn", "spacy", "pandas", "numpy", "joblib")}}


def codebook_sha256() -> str | None:
    return file_sha256(config.CODEBOOK) if config.CODEBOOK.is_file() else None


def checked_card(path: str | Path = config.DEFAULT_MODEL) -> dict:
    """The model's card, once the file is present, the card is as written (its ``self_sha256``)
    and the file matches the SHA-256 the card records; the model itself is not unpickled.
    Raises :class:`~pipeline.errors.ModelFileError`."""
    return checked_model(path, read=False)[1]


def checked_model(path: str | Path = config.DEFAULT_MODEL, *, read: bool = True) -> tuple[bytes | None, dict]:
    """(the model file's bytes, its card) once both pass the checks of :func:`checked_card`;
    the bytes are the ones that were hashed, so what is unpickled is what was checked.

    A model and its card are replaced as a pair (:func:`write_model_with_card`), the card
    first: a reader that catches the moment between the two renames sees a mismatch and
    looks again, so it never accepts a new model with an old card or the reverse."""
    for attempt in range(_PAIR_ATTEMPTS):
        try:
            return _checked_model_once(Path(path), read)
        except ModelFileError as exc:
            if not getattr(exc, "mismatch", False) or attempt == _PAIR_ATTEMPTS - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


_PAIR_ATTEMPTS = 4
CARD_SELF_HASH = "self_sha256"


def _checked_model_once(path: Path, read: bool) -> tuple[bytes | None, dict]:
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}", None, "train one with `framing train` or pass --model")
    cpath = card_path(path)
    if not cpath.is_file():
        raise ModelFileError(f"no model card beside {path}", f"expected {cpath}",
                             "refusing to load a model whose origin cannot be checked; retrain it with `framing train`")
    try:
        card = json.loads(cpath.read_text(encoding="utf-8"))
        expected = card["model_sha256"]
        recorded = card[CARD_SELF_HASH]
    except KeyError as exc:
        raise ModelFileError(f"model card records no {exc.args[0]} (an unchecked or older card)", str(cpath),
                             "retrain the model with `framing train`")
    except (ValueError, TypeError, OSError) as exc:
        raise ModelFileError(f"unreadable model card ({exc})", str(cpath), "retrain the model with `framing train`")
    if card_digest(card) != recorded:
        raise ModelFileError(
            f"model card {cpath.name} was edited after training (its figures no longer match its self_sha256)",
            str(cpath), "the report would correct shares with changed figures; restore the card or retrain",
        )
    data = path.read_bytes() if read else None
    actual = hashlib.sha256(data).hexdigest() if read else file_sha256(path)
    if actual != expected:
        error = ModelFileError(
            f"model file {path} does not match its card (sha256 {actual[:12]}… but the card says {str(expected)[:12]}…)",
            str(cpath), "the file was changed or replaced; load only models from trusted sources, or retrain",
        )
        error.mismatch = True
        raise error
    return data, card


def card_digest(card: dict) -> str:
    """SHA-256 of a card's content (canonical JSON: keys sorted, compact), ``self_sha256`` left out."""
    body = {key: value for key, value in card.items() if key != CARD_SELF_HASH}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sealed_card(card: dict) -> dict:
    """``card`` as it will read back from JSON, with its ``self_sha256`` filled in."""
    card = json.loads(json.dumps(card, default=str))
    card[CARD_SELF_HASH] = card_digest(card)
    return card


def write_model_with_card(path: str | Path, dump, card: dict) -> dict:
    """Write a model file (``dump(tmp_path)`` writes it) and its card beside it as a pair;
    return the card as written, with ``model_file``, ``model_sha256`` and ``self_sha256``.

    Both are written to temporary files first; then the card is renamed into place, then the
    model. Every moment in between shows a pair whose hashes disagree, which
    :func:`checked_model` waits out (or refuses, if a crash left it so)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    cpath = card_path(path)
    model_tmp, card_tmp = _temporary_beside(path), _temporary_beside(cpath)
    try:
        dump(model_tmp)
        _fsync(model_tmp)
        card = sealed_card({**card, "model_file": path.name, "model_sha256": file_sha256(model_tmp)})
        card_tmp.write_text(json.dumps(card, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        _fsync(card_tmp)
        os.replace(card_tmp, cpath)
        os.replace(model_tmp, path)
    finally:
        model_tmp.unlink(missing_ok=True)
        card_tmp.unlink(missing_ok=True)
    return card


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
