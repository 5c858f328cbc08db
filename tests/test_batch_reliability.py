"""`framing run` under real use: two runs on one --out, outputs inside the input, damaged
caches, unwritable folders, a full disk, signals. Real subprocesses, real signals, a real
tmpfs; every case ends with the outputs of a clean run, or an `Error:` line and the
previous outputs intact."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config
from test_resume import _cache_rows  # committed batches, read without disturbing the run

pytestmark = pytest.mark.slow

SEEDS = config.PROJECT_DIR / "corpus" / "articles"
TABLES = ("articles", "passages", "entities")


def _corpus(folder: Path, n: int, start: int = 0) -> Path:
    """n distinct articles built from the sample articles' paragraphs."""
    folder.mkdir(exist_ok=True)
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    paragraphs = [block for t in texts for block in t.split("\n\n") if len(block.split()) > 15]
    for i in range(start, start + n):
        body = "\n\n".join(paragraphs[(i * 7 + k * 3) % len(paragraphs)] for k in range(4))
        (folder / f"a{i:04d}.txt").write_text(f"Story number {i}\n\n{body}\n", encoding="utf-8")
    return folder


def _command(src, out, *extra, workers=1):
    return [sys.executable, "-m", "pipeline.cli", "run", str(src), "--out", str(out), "--workers", str(workers),
            "--no-report", *extra]


def _framing(src, out, *extra, workers=1, check=False):
    return subprocess.run(_command(src, out, *extra, workers=workers), capture_output=True, text=True,
                          check=check, cwd=config.PROJECT_DIR)


def _tables(out: Path) -> dict:
    return {name: pd.read_parquet(out / f"{name}.parquet") for name in TABLES}


def _assert_same_outputs(out: Path, reference: Path):
    for name, table in _tables(reference).items():
        pd.testing.assert_frame_equal(_tables(out)[name], table)
    assert (out / "errors.csv").read_bytes() == (reference / "errors.csv").read_bytes()


def _snapshot(out: Path) -> dict:
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and not p.name.startswith((".", "framing-cache"))}


def _no_traceback(stderr: str):
    assert "Traceback" not in stderr and "Error" not in stderr.replace("Error:", ""), stderr


@pytest.fixture(scope="module")
def corpus_and_reference(tmp_path_factory):
    base = tmp_path_factory.mktemp("reliability")
    src = _corpus(base / "in", 150)
    reference = base / "reference"
    _framing(src, reference, check=True)
    return src, reference


def _lock_holder(out: Path) -> dict:
    try:
        return json.loads((out / ".framing.lock").read_text())
    except (OSError, ValueError):
        return {}


def _wait_for(predicate, seconds=120):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


# --- one run per output folder ------------------------------------------------------------


def test_second_run_on_the_same_out_stops_at_once_and_the_first_is_untouched(corpus_and_reference, tmp_path):
    src, reference = corpus_and_reference
    other = _corpus(tmp_path / "other", 20, start=500)
    out = tmp_path / "out"
    first = subprocess.Popen(_command(src, out), stderr=subprocess.PIPE, text=True, cwd=config.PROJECT_DIR)
    assert _wait_for(lambda: _lock_holder(out).get("pid") == first.pid)
    for inputs in (src, other):  # the same input, and a different one
        second = _framing(inputs, out)
        assert second.returncode == 1
        holder = _lock_holder(out)
        assert second.stderr.strip() == (
            f"Error: {out} is in use by run {holder['run_id']} (pid {first.pid}, started {holder['started']}), "
            f"wait for it to finish, or give another --out")
    assert first.wait(300) == 0, first.stderr.read()
    first.stderr.close()
    _assert_same_outputs(out, reference)
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["counts"].get("duplicates", 0) == 0 and manifest["run_id"] == holder["run_id"]


def test_two_runs_started_together_one_runs_the_other_stops(corpus_and_reference, tmp_path):
    src, reference = corpus_and_reference
    out = tmp_path / "out"
    procs = [subprocess.Popen(_command(src, out), stderr=subprocess.PIPE, text=True, cwd=config.PROJECT_DIR)
             for _ in range(2)]
    results = sorted((p.wait(300), p.stderr.read()) for p in procs)
    for p in procs:
        p.stderr.close()
    assert [code for code, _ in results] == [0, 1], results
    assert results[1][1].startswith(f"Error: {out} is in use by run ")
    _assert_same_outputs(out, reference)


def test_lock_of_a_killed_run_is_taken_over(corpus_and_reference, tmp_path):
    src, reference = corpus_and_reference
    out = tmp_path / "out"
    killed = subprocess.Popen(_command(src, out), stderr=subprocess.DEVNULL, cwd=config.PROJECT_DIR)
    assert _wait_for(lambda: _lock_holder(out).get("pid") == killed.pid)
    os.kill(killed.pid, signal.SIGKILL)
    killed.wait()
    assert _lock_holder(out)["pid"] == killed.pid  # the stale lock file is still there
    again = _framing(src, out)
    assert again.returncode == 0, again.stderr
    _assert_same_outputs(out, reference)
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")]


# --- outputs never become inputs ----------------------------------------------------------


def test_out_inside_the_input_is_skipped_and_said_once(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for path in SEEDS.glob("*.txt"):
        (src / path.name).write_bytes(path.read_bytes())
    out = src / "results"
    notes = []
    for _ in range(3):
        done = _framing(src, out, "--format", "csv")
        assert done.returncode == 0, done.stderr
        notes.append([line for line in done.stderr.splitlines() if line.startswith("Note:")])
        articles = pd.read_csv(out / "articles.csv")
        assert len(articles) == 5 and not articles["source_path"].str.startswith("results").any()
    assert notes[0] == [f"Note: {out} holds framing outputs and was not read as input"]
    # An older output folder copied into the input (it holds the lock file) is not read either.
    old = src / "old-results"
    old.mkdir()
    for path in out.iterdir():
        if path.is_file():
            (old / path.name).write_bytes(path.read_bytes())
    done = _framing(src, tmp_path / "elsewhere", "--format", "csv")
    assert done.returncode == 0 and len(pd.read_csv(tmp_path / "elsewhere" / "articles.csv")) == 5
    assert f"Note: {old} holds framing outputs and was not read as input" in done.stderr


# --- cache damage -------------------------------------------------------------------------


def _truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])


def _garbage(path):
    path.write_bytes(os.urandom(path.stat().st_size))


def _directory(path):
    path.unlink()
    path.mkdir()
    (path / "something").write_text("x")


def _old_schema(path):
    path.unlink()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE nlp (content_hash TEXT PRIMARY KEY, result TEXT)")
        conn.execute("CREATE TABLE seen (content_hash TEXT PRIMARY KEY)")


def _foreign(path):
    path.unlink()
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoices VALUES (1, 9.5)")


def _read_only(path):
    if os.geteuid() == 0:
        pytest.skip("root writes through file permissions; a read-only cache cannot be made here")
    path.chmod(0o444)


@pytest.fixture(scope="module")
def small_corpus_changed(tmp_path_factory):
    """12 articles, and the same with one changed, with a clean run's outputs for the latter."""
    base = tmp_path_factory.mktemp("small")
    src = _corpus(base / "in", 12)
    changed = _corpus(base / "changed", 12)
    (changed / "a0000.txt").write_text("A new story about Sesame Credit.\n\nIt is a loyalty programme, "
                                       "not part of the state's social credit system, the bank said.\n")
    clean = base / "clean"
    _framing(changed, clean, check=True)
    return src, changed, clean


@pytest.mark.parametrize("damage", [_truncate, _garbage, _directory, _old_schema, _foreign, _read_only])
def test_damaged_cache_is_moved_aside_and_rebuilt(small_corpus_changed, tmp_path, damage):
    src, changed, clean = small_corpus_changed
    out = tmp_path / "out"
    _framing(src, out, check=True)
    cache = out / "framing-cache.sqlite"
    for extra in ("-wal", "-shm"):
        Path(f"{cache}{extra}").unlink(missing_ok=True)
    damage(cache)
    done = _framing(changed, out)  # a changed input: the run must open the cache
    assert done.returncode == 0, done.stderr
    _no_traceback(done.stderr)
    manifest = json.loads((out / "run.json").read_text())
    moved = manifest["cache_moved_aside"]
    assert moved["moved_to"].startswith("framing-cache.sqlite.damaged-") and (out / moved["moved_to"]).exists()
    assert f"Note: the run cache framing-cache.sqlite was moved aside to {moved['moved_to']}" in done.stderr
    _assert_same_outputs(out, clean)
    if damage is _garbage:  # once is enough: the rebuilt cache serves the next run
        again = _framing(changed, out)
        assert again.returncode == 0 and "moved aside" not in again.stderr


# --- unwritable outputs and a full disk ---------------------------------------------------


def test_out_that_is_a_file_is_an_error(tmp_path):
    target = tmp_path / "results"
    target.write_text("not a folder")
    done = _framing(SEEDS, target)
    assert done.returncode == 1
    assert done.stderr.strip() == f"Error: the output folder {target} is a file, --out, give a folder (it is created if missing)"


@pytest.fixture
def tmpfs(tmp_path):
    """A real tmpfs mounted for the test (skipped where mounting is not allowed)."""
    mounts = []

    def mount(size: str) -> Path:
        point = tmp_path / f"mnt{len(mounts)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip() or 'mount failed'})")
        mounts.append(point)
        return point

    yield mount
    for point in mounts:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)


def test_read_only_out_is_an_error_and_keeps_the_previous_outputs(tmpfs):
    point = tmpfs("16m")
    out = point / "results"
    _framing(SEEDS, out, check=True)
    before = _snapshot(out)
    assert subprocess.run(["mount", "-o", "remount,ro", str(point)]).returncode == 0
    done = _framing(SEEDS, out, "--format", "csv")
    assert done.returncode == 1
    assert done.stderr.strip() == (f"Error: the output folder {out} is not writable, --out, "
                                   f"give a folder you can write to, or fix its permissions")
    assert _snapshot(out) == before
    new = _framing(SEEDS, point / "new")
    assert new.returncode == 1 and new.stderr.startswith(f"Error: cannot create the output folder {point / 'new'}")


def test_full_disk_is_an_error_and_keeps_the_previous_complete_outputs(corpus_and_reference, tmpfs, tmp_path):
    src, reference = corpus_and_reference
    point = tmpfs("24m")
    out = point / "results"
    small = _corpus(tmp_path / "small", 40)
    _framing(small, out, check=True)
    before = _snapshot(out)
    # Leave too little room for a new set of outputs for 150 articles.
    need = sum(len(v) for v in before.values())
    free = os.statvfs(point).f_bavail * os.statvfs(point).f_frsize
    (point / "filler").write_bytes(b"\0" * (free - need // 2))
    done = _framing(src, out)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write ") and (
        f"in {out} (no space left on the disk); nothing was replaced" in lines[0]), done.stderr
    assert _snapshot(out) == before  # the previous set, whole
    assert not [p for p in out.iterdir() if p.name.startswith((".staging-", ".old-")) or p.suffix == ".tmp"]
    (point / "filler").unlink()
    done = _framing(src, out)
    assert done.returncode == 0, done.stderr
    _assert_same_outputs(out, reference)


# --- signals ------------------------------------------------------------------------------


def _descendants(pid: int) -> set[int]:
    from pipeline.batch import _child_processes

    found, todo = set(), [pid]
    while todo:
        for child in _child_processes(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("signum, delay, times", [
    (signal.SIGTERM, "working", 1),
    (signal.SIGINT, "working", 2),
    (signal.SIGINT, 0.4, 2),  # while starting up (imports, model check, fork server)
])
def test_signal_ends_workers_and_fork_server_with_one_line(corpus_and_reference, tmp_path, signum, delay, times):
    src, reference = corpus_and_reference
    out = tmp_path / "out"
    proc = subprocess.Popen(_command(src, out, workers=2), stderr=subprocess.PIPE, text=True, cwd=config.PROJECT_DIR)
    family = set()
    if delay == "working":
        assert _wait_for(lambda: _cache_rows(out) > 0 or proc.poll() is not None)
        assert proc.poll() is None, "the run ended before the signal"
    else:
        time.sleep(delay)
    for _ in range(times):
        family |= _descendants(proc.pid)
        proc.send_signal(signum)
        time.sleep(0.1)
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == 128 + signum
    lines = stderr.strip().splitlines()
    name = signal.Signals(signum).name
    assert lines == [f"Interrupted ({name}): no output was replaced; run the same command again to resume "
                     "(a run keeps every batch it finished in its cache)."], stderr
    assert _wait_for(lambda: not any(_alive(pid) for pid in family), 10), [p for p in family if _alive(p)]
    assert not [p for p in out.iterdir() if p.name.startswith(".staging-")] if out.exists() else True
    done = _framing(src, out)
    assert done.returncode == 0, done.stderr
    _assert_same_outputs(out, reference)


# --- long text ----------------------------------------------------------------------------


def test_ten_megabyte_single_line_article_is_processed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    sentence = "The bakery on the corner raised its prices again this week, and the queue was long. "
    (src / "transcript.txt").write_text(sentence * (10_000_000 // len(sentence)), encoding="utf-8")
    done = _framing(src, tmp_path / "out")
    assert done.returncode == 0, done.stderr
    articles, passages = (pd.read_parquet(tmp_path / "out" / f"{n}.parquet") for n in ("articles", "passages"))
    assert len(articles) == 1 and articles["n_passages"].item() == len(passages) > 5000
    assert pd.read_csv(tmp_path / "out" / "errors.csv").empty
