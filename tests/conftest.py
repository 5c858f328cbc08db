"""Shared fixtures: the real spaCy pipeline and small trained models, built once per session."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline import config

ROOT = config.PROJECT_DIR
LABELLED = ROOT / "corpus" / "labelled"


@pytest.fixture(scope="session")
def nlp():
    from pipeline.entities import load_nlp

    return load_nlp()


@pytest.fixture(scope="session")
def blank_nlp():
    from pipeline.entities import load_nlp

    return load_nlp(blank=True)


@pytest.fixture(scope="session")
def small_labelled(tmp_path_factory) -> Path:
    """60 authored passages (20 per label), a quick training set for tests of our own logic."""
    rows, per_label = [], {label: 0 for label in config.LABELS}
    for line in (LABELLED / "authored.jsonl").read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if per_label[row["label"]] < 20:
            per_label[row["label"]] += 1
            rows.append(row)
    path = tmp_path_factory.mktemp("labelled") / "small.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def small_model(small_labelled, tmp_path_factory) -> Path:
    from pipeline.classify import train

    out = tmp_path_factory.mktemp("models") / "small.joblib"
    train([small_labelled], out)
    return out
