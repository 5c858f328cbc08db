"""Which library reads the documents of database exports best: measured on the samples in
tests/fixtures/formats (copies of ../shared/formats) and on a multi-page combined Nexis Uni PDF
built like the one SPEC.md describes (tests/test_ingest_exports.py ``paged_pdf``).

For each candidate: median seconds per file over repeated reads, and whether the text it gives,
fed to the project's export parser, comes out as exactly the expected documents with their
paragraphs. Candidates that are not installed are skipped (pypdf is not a project dependency:
``pip install pypdf`` in a scratch venv to compare).

    .venv/bin/python benchmarks/document_readers.py
"""
from __future__ import annotations

import io
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
FORMATS = REPO / "tests" / "fixtures" / "formats"


def _timed(read, data: bytes, repeats: int = 7) -> tuple[float, list[str]]:
    times, lines = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        lines = read(data)
        times.append(time.perf_counter() - started)
    return statistics.median(times), lines


def pdfplumber_lines(data: bytes) -> list[str]:
    import pdfplumber

    from pipeline.ingest.office import _pdf_paragraphs

    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return _pdf_paragraphs(pdf)


def pypdf_lines(data: bytes) -> list[str]:
    import pypdf

    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(line.split()) for page in reader.pages for line in page.extract_text().split("\n")]


def python_docx_lines(data: bytes) -> list[str]:
    import docx

    return [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]


def striprtf_lines(data: bytes) -> list[str]:
    from striprtf.striprtf import rtf_to_text

    return rtf_to_text(data.decode("latin-1"), encoding="cp1252", errors="replace").split("\n")


def _verdict(lines: list[str], expected: list[list[str]]) -> str:
    from pipeline.ingest.common import Article
    from pipeline.ingest.registry import export_parser

    text = "\n".join(lines)
    parser = export_parser(text)
    if parser is None:
        return "not recognised as an export"
    got = [item.text.split("\n\n") if isinstance(item, Article) else None for item in parser(text, "x", "x")]
    if got == expected:
        return "all documents and paragraphs right"
    right = sum(a == b for a, b in zip(got, expected))
    return f"{right}/{len(expected)} documents right ({len(got)} found)"


def main() -> int:
    from test_ingest_exports import BODIES, paged_pdf

    combined = paged_pdf((FORMATS / "nexis_uni_3docs.txt").read_text(encoding="utf-8").split("\n"), per_page=25)
    cases = [
        ("PDF", "nexis_uni_1doc.pdf", (FORMATS / "nexis_uni_1doc.pdf").read_bytes(), [BODIES[1]],
         [("pdfplumber", pdfplumber_lines), ("pypdf", pypdf_lines)]),
        ("PDF", "combined 3 docs, 5 pages", combined, [BODIES[1], BODIES[2], BODIES[3]],
         [("pdfplumber", pdfplumber_lines), ("pypdf", pypdf_lines)]),
        ("DOCX", "nexis_uni_3docs.docx", (FORMATS / "nexis_uni_3docs.docx").read_bytes(),
         [BODIES[1], BODIES[2], BODIES[3]], [("python-docx", python_docx_lines)]),
        ("RTF", "nexis_uni_3docs.rtf", (FORMATS / "nexis_uni_3docs.rtf").read_bytes(),
         [BODIES[1], BODIES[2], BODIES[3]], [("striprtf", striprtf_lines)]),
    ]
    print(f"{'kind':<5} {'file':<28} {'library':<12} {'ms/file':>8}  result")
    for kind, name, data, expected, readers in cases:
        for library, read in readers:
            try:
                seconds, lines = _timed(read, data)
            except ImportError:
                print(f"{kind:<5} {name:<28} {library:<12} {'-':>8}  not installed")
                continue
            print(f"{kind:<5} {name:<28} {library:<12} {seconds * 1000:8.1f}  {_verdict(lines, expected)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
