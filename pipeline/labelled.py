"""Labelled passages: read and check the files the classifier learns from.

One line format for the project's own files: JSON Lines with ``{"text", "label"}`` required
and any other fields (``source``, ``style``, ``year``, ids) carried through. Labels made in
annotation tools come straight back too:

- Prodigy textcat JSONL: ``{"text", "label", "answer": "accept"}`` or choice tasks with
  ``"accept": [LABEL]``; rejected and ignored answers carry no label and are skipped;
- Doccano JSONL: ``{"text", "label": [LABEL]}`` (or ``"data"`` for the text);
- CSV with ``text,label`` columns.

:func:`read_labelled` returns a DataFrame with columns ``text``, ``label``, ``file``, ``line``
plus every extra field; problems (unknown labels, empty texts, missing fields, conflicting
duplicates, lines over ``config.MAX_LABELLED_LINE_BYTES`` bytes or texts over
``config.MAX_LABELLED_TEXT_CHARS`` characters) are collected with file and line and raised
together as one :class:`~pipeline.errors.LabelledDataError`, so training never starts on bad
data. The same text (case and whitespace folded) given twice with the same label is kept
once, with a :class:`~pipeline.errors.FramingWarning` that counts the copies, so that
cross-validation never has it on both sides of a split.
"""
from __future__ import annotations

import csv
import hashlib
import json
import warnings
from pathlib import Path
from typing import Iterable

import pandas as pd

from . import config
from .errors import FramingError, FramingWarning, LabelledDataError

Problem = tuple[str, "int | None", str]


def read_labelled(paths: Iterable[str | Path], *, merge_duplicates: bool = True) -> pd.DataFrame:
    """Read labelled files (JSONL, Prodigy, Doccano, CSV), validated; see module docs.
    ``merge_duplicates=False`` keeps agreeing copies (held-out data for ``evaluate``, where
    a repeated passage is not leakage); conflicting copies are refused either way.

    >>> df = read_labelled(["corpus/labelled/seed.jsonl"])
    >>> sorted(df.label.unique())
    ['conflates', 'distinguishes', 'neither']
    """
    rows: list[dict] = []
    problems: list[Problem] = []
    paths = [Path(p) for p in paths]
    if not paths:
        raise FramingError("no labelled files given", None, "name at least one .jsonl or .csv file")
    for path in paths:
        if not path.is_file():
            problems.append((str(path), None, "file not found"))
            continue
        reader = _read_csv if path.suffix.lower() == ".csv" else _read_jsonl
        for line, record in reader(path, problems):
            row = _normalise(record, str(path), line, problems)
            if row is not None:
                rows.append(row)
    kept, merged = _merged_duplicates(rows, problems)
    if merge_duplicates:
        rows = kept
    else:
        merged = 0
    if problems:
        raise LabelledDataError(problems)
    if merged:
        warnings.warn(f"{merged} labelled passage(s) repeat an earlier one with the same label (case and whitespace "
                      f"folded) and were merged into it, in {', '.join(map(str, paths))}", FramingWarning, stacklevel=2)
    frame = pd.DataFrame(rows)
    frame.attrs["duplicates_merged"] = merged
    if frame.empty:
        raise FramingError("labelled files hold no labelled passages", ", ".join(map(str, paths)),
                           "check that answers are 'accept' and texts are present")
    return frame


def codebook_versions(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The codebook versions the passages were labelled under, each with the files that use
    it: ``{"2": ["corpus/labelled/real.jsonl", ...]}``. A line without a ``codebook`` field
    counts as ``"unrecorded"``."""
    values = frame["codebook"] if "codebook" in frame else pd.Series(None, index=frame.index, dtype=object)
    versions = values.map(lambda v: "unrecorded" if pd.isna(v) or str(v).strip() == "" else str(v).strip())
    found: dict[str, list[str]] = {}
    for version, file in sorted(set(zip(versions, frame["file"]))):
        found.setdefault(version, []).append(file)
    return found


def passage_ids(frame: pd.DataFrame) -> pd.Series:
    """Each labelled passage's id as its file gives it, so a reviewer can find it in the
    annotation tool: ``id``, else ``passage_id``, else ``meta.passage_id`` (what
    ``framing suggest`` exports and Prodigy or Doccano hand back); "" when there is none."""
    def one(row) -> str:
        for key in ("id", "passage_id"):
            value = row.get(key)
            if isinstance(value, float):  # pandas turns int ids into floats beside missing ones
                value = int(value) if value.is_integer() else None
            if isinstance(value, (str, int)) and str(value).strip():
                return str(value)
        meta = row.get("meta")
        if isinstance(meta, str):
            try:
                meta = json.loads(meta)
            except json.JSONDecodeError:
                meta = None
        if isinstance(meta, dict) and meta.get("passage_id") not in (None, ""):
            return str(meta["passage_id"])
        return ""

    columns = [c for c in ("id", "passage_id", "meta") if c in frame]
    if not columns:
        return pd.Series("", index=frame.index, name="id", dtype=object)
    return pd.Series([one(row) for row in frame[columns].to_dict("records")], index=frame.index, name="id",
                     dtype=object)


def data_hash(frame: pd.DataFrame) -> str:
    """SHA-256 over the (text, label) pairs, order-independent: the training data's identity."""
    digest = hashlib.sha256()
    for text, label in sorted(zip(frame["text"], frame["label"])):
        digest.update(json.dumps([text, label], ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return digest.hexdigest()


def _bounded_lines(handle, path: Path, problems: list[Problem]):
    """(line number, decoded line) for each line of a binary ``handle``; a line over
    ``config.MAX_LABELLED_LINE_BYTES`` is reported and skipped, reading at most that much at a
    time, so memory stays bounded whatever the file holds."""
    limit = config.MAX_LABELLED_LINE_BYTES
    number = 0
    while True:
        raw = handle.readline(limit + 1)
        if not raw:
            return
        number += 1
        if len(raw) > limit:
            while raw and not raw.endswith(b"\n"):
                raw = handle.readline(1 << 20)
            problems.append((str(path), number, f"line longer than {limit:,} bytes (the limit for one labelled "
                                                f"line); split the text into passages"))
            continue
        if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
            raw = raw[3:]
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError:
            problems.append((str(path), number, "not UTF-8 text"))


def _read_jsonl(path: Path, problems: list[Problem]):
    try:
        handle = path.open("rb")
    except OSError as exc:
        problems.append((str(path), None, f"cannot open: {exc.strerror or exc}"))
        return
    with handle:
        for number, line in _bounded_lines(handle, path, problems):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                problems.append((str(path), number, f"invalid JSON ({exc.msg})"))
                continue
            if not isinstance(record, dict):
                problems.append((str(path), number, "a line must be a JSON object"))
                continue
            yield number, record


def _read_csv(path: Path, problems: list[Problem]):
    try:
        with path.open("rb") as handle:
            # Bounded lines in, and a field limit to match: a huge row is refused, not held.
            physical = [0]  # the line a record ends on (skipped lines counted), for problems

            def lines():
                for physical[0], line in _bounded_lines(handle, path, problems):
                    yield line
            previous_limit = csv.field_size_limit(config.MAX_LABELLED_LINE_BYTES)
            try:
                reader = csv.DictReader(lines())
                fields = {f.lower(): f for f in (reader.fieldnames or [])}
                if "text" not in fields or "label" not in fields:
                    problems.append((str(path), 1, f"CSV needs 'text' and 'label' columns (found: {', '.join(fields) or 'none'})"))
                    return
                for row in reader:
                    number = physical[0]
                    if None in row:
                        problems.append((str(path), number, "row has more fields than the header"))
                        continue
                    yield number, {k.lower(): v for k, v in row.items()}
            finally:
                csv.field_size_limit(previous_limit)
    except (OSError, csv.Error) as exc:
        problems.append((str(path), None, f"cannot read CSV: {exc}"))


def _normalise(record: dict, file: str, line: int, problems: list[Problem]) -> dict | None:
    """One record in any supported format -> {text, label, file, line, ...extras}, or None."""
    text = record.get("text", record.get("data"))
    if text is None:
        problems.append((file, line, "missing field 'text'"))
        return None
    if not isinstance(text, str) or not text.strip():
        problems.append((file, line, "empty text"))
        return None
    if len(text) > config.MAX_LABELLED_TEXT_CHARS:
        problems.append((file, line, f"text of {len(text):,} characters, over the limit of "
                                     f"{config.MAX_LABELLED_TEXT_CHARS:,} for one labelled passage; split it into passages"))
        return None
    label = _label_of(record, file, line, problems)
    if label is None:
        return None
    extras = {k: v for k, v in record.items() if k not in ("text", "data", "label", "accept", "answer", "options")}
    meta = record.get("meta")
    if "title" not in extras and isinstance(meta, dict) and isinstance(meta.get("title"), str) and meta["title"]:
        extras["title"] = meta["title"]  # the headline `framing suggest` exported, back from the annotation tool
    extras = {k: (json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v) for k, v in extras.items()}
    return {**extras, "text": text, "label": label, "file": file, "line": line}



def _label_of(record: dict, file: str, line: int, problems: list[Problem]) -> str | None:
    answer = record.get("answer")
    if answer in ("reject", "ignore"):
        return None  # Prodigy: no label was given; not an error
    raw = record.get("label")
    if isinstance(record.get("accept"), list):  # Prodigy choice interface
        raw = record["accept"]
    if isinstance(raw, list):  # Doccano / Prodigy choice: exactly one label
        if len(raw) != 1:
            problems.append((file, line, f"expected exactly one label, got {len(raw)}: {raw}"))
            return None
        raw = raw[0]
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        problems.append((file, line, "missing field 'label'"))
        return None
    label = str(raw).strip().lower()
    if label not in config.LABELS:
        problems.append((file, line, f"unknown label {raw!r} (expected one of: {', '.join(config.LABELS)})"))
        return None
    return label


def _merged_duplicates(rows: list[dict], problems: list[Problem]) -> tuple[list[dict], int]:
    """Rows with each text (case and whitespace folded) once, and how many copies were merged
    into an earlier row with the same label; a copy with a different label is a problem."""
    seen: dict[str, dict] = {}
    kept, merged = [], 0
    for row in rows:
        key = " ".join(row["text"].lower().split())
        first = seen.setdefault(key, row)
        if first is row:
            kept.append(row)
        elif first["label"] != row["label"]:
            problems.append((row["file"], row["line"],
                             f"same text labelled {row['label']!r} here but {first['label']!r} at {first['file']}:{first['line']}"))
        else:
            merged += 1
    return kept, merged
