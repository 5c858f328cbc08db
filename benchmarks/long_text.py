"""Long paragraphs: segmentation time grows linearly with a paragraph's size, and a 10 MB
article on a single line goes through `framing run` in seconds.

    .venv/bin/python benchmarks/long_text.py

Prints, for one-line paragraphs of 1, 2, 5 and 10 MB (with sentence ends, and with no
whitespace at all), the seconds `split_passages` takes and the time per MB relative to the
1 MB case (linear work keeps it near 1.0), then the wall time of `framing run` on a 10 MB
single-line file (one worker, no report) beside that of the five sample articles.
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipeline.passages import split_passages  # noqa: E402

SENTENCE = "The bakery on the corner raised its prices again this week, and the queue was long. "


def _split_seconds(text: str) -> float:
    clock = time.perf_counter()
    split_passages("a", text)
    return time.perf_counter() - clock


def main() -> None:
    for kind, unit in (("sentences", SENTENCE), ("no whitespace", "x")):
        base = None
        for mb in (1, 2, 5, 10):
            text = unit * (mb * 1_000_000 // len(unit))
            seconds = min(_split_seconds(text) for _ in range(3))
            base = base or seconds
            print(f"split_passages, {kind:>13}, {mb:>2} MB on one line: {seconds:6.3f} s  "
                  f"(per MB vs 1 MB: {seconds / mb / base:4.2f})")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        (src / "transcript.txt").write_text(SENTENCE * (10_000_000 // len(SENTENCE)), encoding="utf-8")
        for label, folder in (("10 MB single-line article", src), ("5 sample articles", ROOT / "corpus" / "articles")):
            clock = time.perf_counter()
            subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(folder), "--out", f"{tmp}/out-{label[:2]}",
                            "--workers", "1", "--no-report", "--quiet"], check=True, cwd=ROOT)
            print(f"framing run, {label}: {time.perf_counter() - clock:5.1f} s")


if __name__ == "__main__":
    main()
