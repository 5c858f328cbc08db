"""A run killed with SIGKILL and started again ends with exactly the outputs of an
uninterrupted run; output files are never half-written."""
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import config

pytestmark = pytest.mark.slow

SEEDS = config.PROJECT_DIR / "corpus" / "articles"


def _corpus(folder, n):
    """n distinct articles built from the sample articles' paragraphs (varied so none are duplicates)."""
    folder.mkdir()
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    paragraphs = [block for t in texts for block in t.split("\n\n") if len(block.split()) > 15]
    for i in range(n):
        body = "\n\n".join(paragraphs[(i * 7 + k * 3) % len(paragraphs)] for k in range(4))
        (folder / f"a{i:04d}.txt").write_text(f"Story number {i}\n\n{body}\n", encoding="utf-8")
    return folder


def _framing(*args):
    return [sys.executable, "-m", "pipeline.cli", "run", *map(str, args), "--workers", "1", "--quiet", "--no-report"]


def _tables(out):
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in ("articles", "passages", "entities")}


def _cache_rows(out):
    import sqlite3

    path = out / "framing-cache.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM labels").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_resume_after_sigkill_matches_uninterrupted_run(tmp_path):
    corpus = _corpus(tmp_path / "in", 400)
    reference = tmp_path / "reference"
    subprocess.run(_framing(corpus, "--out", reference), check=True)

    out = tmp_path / "killed"
    proc = subprocess.Popen(_framing(corpus, "--out", out))
    deadline = time.time() + 120
    while _cache_rows(out) < 2 * config.BATCH_ARTICLES and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert proc.poll() is None, "the run finished before it could be killed; make the corpus larger"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    committed = _cache_rows(out)
    assert 0 < committed < 400
    assert not (out / "passages.parquet").exists()  # nothing half-written under a final name

    subprocess.run(_framing(corpus, "--out", out), check=True)
    import json

    manifest = json.loads((out / "run.json").read_text())
    assert manifest["counts"]["from_cache"] >= committed  # committed work was not redone
    for name, table in _tables(reference).items():
        pd.testing.assert_frame_equal(_tables(out)[name], table)
    assert not list(out.glob(".*.tmp"))


def test_sigkill_during_output_writing_leaves_previous_or_complete_files(tmp_path):
    """Kill runs at many moments of their output phase; every output file must be absent,
    the previous version, or complete and valid."""
    corpus = _corpus(tmp_path / "in", 150)
    out = tmp_path / "out"
    subprocess.run(_framing(corpus, "--out", out), check=True)  # fills the cache: later runs are all writing
    previous = {name: (out / f"{name}.parquet").read_bytes() for name in ("articles", "passages", "entities")}
    # Change one article so a complete new output differs from the previous one.
    (corpus / "a0000.txt").write_text("A changed story about Sesame Credit and the state.\n\nMore words here to be body.",
                                      encoding="utf-8")
    for delay in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0):
        proc = subprocess.Popen(_framing(corpus, "--out", out))
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        for name, old in previous.items():
            path = out / f"{name}.parquet"
            if not path.exists():
                continue
            data = path.read_bytes()
            if data != old:
                pq.read_table(path)  # a changed file must be a complete, valid Parquet file
        errors = out / "errors.csv"
        if errors.exists():
            pd.read_csv(errors)
        json_path = out / "run.json"
        if json_path.exists():
            import json

            json.loads(json_path.read_text())
