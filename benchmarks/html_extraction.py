"""Web-page extraction measured through ``framing run``: run the pipeline on the benchmark's
pages (``../shared/benchmarks/html-extraction/``, beside the repository) and score the run's
passages with the benchmark's own ``score.py`` (snippets that must and must not appear).

    .venv/bin/python benchmarks/html_extraction.py               # all 299 pages, ~2-3 min
    .venv/bin/python benchmarks/html_extraction.py --keep OUT    # keep the run's outputs in OUT

Prints score.py's line (pages, pages without text, precision, recall, accuracy, F1) and the
run's wall time. The issue's target is F1 >= 0.92.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _shared() -> Path:
    """``shared/`` beside the repository (or beside the main checkout, from a git worktree)."""
    beside = REPO.parent / "shared"
    if beside.is_dir():
        return beside
    common = subprocess.run(["git", "rev-parse", "--git-common-dir"], cwd=REPO, capture_output=True, text=True)
    return (REPO / common.stdout.strip()).resolve().parent.parent / "shared"


BENCHMARK = _shared() / "benchmarks" / "html-extraction"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", type=Path, default=BENCHMARK, help="the benchmark folder (pages/, score.py)")
    parser.add_argument("--keep", type=Path, default=None, help="write the run here and keep it")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    pages = args.benchmark / "pages"
    if not pages.is_dir():
        print(f"no benchmark pages at {pages}", file=sys.stderr)
        return 1
    framing = Path(sys.executable).with_name("framing")
    out = args.keep or Path(tempfile.mkdtemp(prefix="html-bench-"))
    try:
        started = time.perf_counter()
        subprocess.run([str(framing), "run", str(pages), "--out", str(out), "--no-report", "--quiet",
                        "--workers", str(args.workers)], check=True)
        elapsed = time.perf_counter() - started
        subprocess.run([sys.executable, str(args.benchmark / "score.py"), "--results", str(out)], check=True)
        print(f"framing run: {elapsed:.1f} s for {len(list(pages.iterdir()))} pages ({args.workers} workers)")
    finally:
        if args.keep is None:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
