"""Zip files: a DOCX, or an archive of exports (Nexis Uni delivers multi-file downloads as
.zip). Members are read like files in a folder, named ``archive.zip/member``; the result-list
files (``*_doclist*``), Word lock files (``~$*``), folders and hidden files are skipped, and
archives inside archives are not opened."""
from __future__ import annotations

import posixpath
import zipfile
from typing import Iterator

from pipeline import config
from pipeline.errors import FramingError

from .common import SNIFF_BYTES, Article, IngestError, Source
from .office import read_docx, unreadable

MAX_MEMBERS = 10_000  # more entries than any export download has: refuse, do not walk


def read_zip(source: Source) -> Iterator[Article | IngestError]:
    from . import registry

    with source.open_binary() as handle:
        try:
            archive = zipfile.ZipFile(handle)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise unreadable(source, "DOCX" if source.suffix == ".docx" else "ZIP", exc) from None
        with archive:
            names = set(archive.namelist())
            if "word/document.xml" in names:
                archive.close()
                handle.seek(0)
                yield from read_docx(source)
                return
            infos = [info for info in archive.infolist() if not _skipped(info)]
            if len(infos) > MAX_MEMBERS:
                raise FramingError(f"zip archive with {len(infos)} files, over {MAX_MEMBERS}; unzip it first")
            if not infos:
                raise FramingError("zip archive holds no files to read")
            for info in sorted(infos, key=lambda info: info.filename):
                rel = f"{source.rel}/{info.filename}"
                problem = _member_problem(info, source.max_bytes)
                if problem:
                    yield IngestError(rel, None, problem)
                    continue
                try:
                    data = _read_member(archive, info, source.max_bytes)
                except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as exc:
                    yield IngestError(rel, None, f"could not unpack from the zip archive ({exc})")
                    continue
                member = Source(rel, data[:SNIFF_BYTES], data=data, max_bytes=source.max_bytes)
                if data.startswith(b"PK\x03\x04") and not _is_docx(data):
                    yield IngestError(rel, None, "a zip archive inside a zip archive is not opened; unzip it first")
                    continue
                yield from registry.read(member)


def _skipped(info: zipfile.ZipInfo) -> bool:
    name = info.filename
    base = posixpath.basename(name.rstrip("/"))
    return (
        info.is_dir()
        or name.startswith("__MACOSX/")
        or base.startswith((".", "~$"))
        or "_doclist" in base.lower()
        or posixpath.splitext(base)[1].lower() not in config.INPUT_SUFFIXES
    )


def _member_problem(info: zipfile.ZipInfo, max_bytes: int) -> str | None:
    if info.file_size == 0:
        return "empty file"
    if info.file_size > max_bytes:
        return f"file is {info.file_size} bytes unpacked, over the limit of {max_bytes} (--max-bytes)"
    return None


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo, max_bytes: int) -> bytes:
    """The member's bytes, never more than ``max_bytes`` whatever its header claims."""
    with archive.open(info) as member:
        data = member.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ValueError(f"unpacks to more than {max_bytes} bytes")
    return data


def _is_docx(data: bytes) -> bool:
    import io

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            return "word/document.xml" in inner.namelist()
    except (zipfile.BadZipFile, ValueError, EOFError):
        return False
