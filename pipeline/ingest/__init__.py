"""Ingest: turn a folder of news files into articles, and every unreadable input into an error.

One public generator, :func:`iter_articles`, walks a folder (or reads one file) and yields an
:class:`Article` per article found and an :class:`IngestError` per file, record or line that
cannot be read; bad input never stops the batch. :func:`read_metadata` reads the optional
``metadata.csv`` that fills fields the files do not carry themselves.

Files with the extensions in ``config.INPUT_SUFFIXES`` are read; what they hold is decided by
their content (:mod:`pipeline.ingest.registry`), one module per kind of source:

- :mod:`.text`: ``.txt`` (one article, as written) and ``.md`` (YAML front matter);
- :mod:`.html`: web pages, through trafilatura;
- :mod:`.records`: JSON, JSONL and CSV records, and ``metadata.csv``;
- :mod:`.nexis`, :mod:`.factiva`, :mod:`.proquest`: database exports, many articles a file;
- :mod:`.office`: DOCX, RTF and PDF (an export, or one article);
- :mod:`.archive`: zip archives of exports;
- :mod:`.fetch`: downloading the pages of a URL list (``framing fetch``).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable, Iterator

from pipeline import config
from pipeline.errors import FramingError

from . import registry
from .common import SNIFF_BYTES, SURROGATE, Article, IngestError, Source, check_file, fill, unexpected
from .records import read_metadata_file

__all__ = ["Article", "IngestError", "iter_articles", "read_metadata"]

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
    table, problem = read_metadata_file(path, path.name, max_bytes)
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
            metadata, problem = read_metadata_file(meta_path, config.METADATA_FILE, max_bytes)
            if problem is not None:
                yield problem
        for item in _walk(root, exclude):
            if isinstance(item, IngestError):
                yield item
            elif item[0] != config.METADATA_FILE:
                rel, path = item
                yield from _read_file(path, rel, max_bytes, metadata.get(rel, {}))
    except Exception as exc:  # last resort: every file is guarded, but the walk itself may fail
        yield IngestError(root.name or str(root), None, unexpected(exc))


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
        if SURROGATE.search(rel):
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


def _printable(text: str) -> str:
    """Undecodable bytes in a file name, shown as backslash escapes (safe to print and store)."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# --- one file --------------------------------------------------------------------------------


# --- one file --------------------------------------------------------------------------------


def _read_file(
    path: Path, rel: str, max_bytes: int, defaults: dict
) -> Iterator[Article | IngestError]:
    """Every Article and IngestError in one file; any failure becomes an IngestError."""
    try:
        problem = check_file(path, max_bytes)
        if problem:
            yield IngestError(rel, None, problem)
            return
        with open(path, "rb") as handle:
            head = handle.read(SNIFF_BYTES)
    except PermissionError:
        yield IngestError(rel, None, "permission denied")
        return
    except OSError as exc:
        yield IngestError(rel, None, f"could not read: {exc.strerror or exc}")
        return
    for item in registry.read(Source(rel, head, path=path, max_bytes=max_bytes)):
        yield fill(item, defaults) if isinstance(item, Article) else item
