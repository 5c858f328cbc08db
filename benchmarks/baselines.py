"""Baselines on the cross-source split: train on authored passages, evaluate on the seed corpus.

Three systems, all scored with :func:`pipeline.classify.metrics` (3-class macro-F1, per-class
P/R/F1, binary conflates-vs-rest):

1. ``keyword`` -- no training. ``conflates`` when a passage names a private pilot (gazetteer
   ``PRIVATE_PILOT`` entity in the spaCy pipeline, or ``lexicon.PRIVATE_NAME``) and a
   state-system term (``STATE_SYSTEM`` entity, or ``lexicon.STATE_NAME``); ``distinguishes``
   when it also has a distinction cue (``lexicon.DISTINCTION``); else ``neither``.
2. ``spacy-textcat`` -- spaCy's own ``textcat`` (exclusive classes, default
   ``TextCatEnsemble.v2``: hashed-embedding CNN + bag-of-words, no pretrained vectors) in a
   ``spacy.blank("en")`` pipeline, trained with a fixed seed for a fixed number of epochs.
3. ``ours`` -- :func:`pipeline.classify.fit` + :func:`pipeline.classify.predict_proba`.

Every system is trained on the :func:`~pipeline.classify.classifiable` training passages and,
in the main rows, applied behind the same gate (unclassifiable passages -> ``neither``), so
all three see the same passages. Rows marked ``gate=no`` send every seed passage to the
system, for reference. Figures are deterministic; only the timings vary between runs.

Example::

    .venv/bin/python benchmarks/baselines.py --json /tmp/baselines.json
    .venv/bin/python benchmarks/baselines.py --quick   # 2 textcat epochs, a smoke test
"""
from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from pipeline import classify, config, entities, lexicon
from pipeline.errors import FramingError
from pipeline.labelled import data_hash, read_labelled
from pipeline.store import write_json

TRAIN_FILES = (config.CORPUS_DIR / "labelled" / "authored.jsonl",)
TEST_FILES = (config.CORPUS_DIR / "labelled" / "seed.jsonl",)
NEITHER = config.LABELS.index("neither")


@dataclass(frozen=True)
class TextcatSettings:
    """Training settings for the spaCy textcat baseline (fixed a priori, never tuned on seed).

    10 epochs: on an 80/20 split of the authored data alone, held-out macro-F1 levels off
    after 5-7 epochs with batches of 16.
    """

    epochs: int = 10
    batch_size: int = 16
    dropout: float = 0.2
    learn_rate: float = 0.001  # Adam, as in spaCy's default training config
    l2: float = 0.01
    grad_clip: float = 1.0
    seed: int = config.RANDOM_STATE


QUICK_EPOCHS = 2


# --- systems -----------------------------------------------------------------------------

def keyword_proba(texts: Sequence[str], *, nlp=None) -> np.ndarray:
    """One-hot probabilities (``config.LABELS`` order) of the keyword rule, ungated."""
    nlp = nlp or entities.load_nlp()
    proba = np.zeros((len(texts), len(config.LABELS)))
    for i, doc in enumerate(nlp.pipe(texts, batch_size=config.NLP_BATCH_SIZE)):
        proba[i, config.LABELS.index(keyword_label(doc))] = 1.0
    return proba


def keyword_label(doc) -> str:
    """The keyword rule for one processed passage."""
    labels = {ent.label_ for ent in doc.ents}
    private = "PRIVATE_PILOT" in labels or lexicon.PRIVATE_NAME.search(doc.text) is not None
    state = "STATE_SYSTEM" in labels or lexicon.STATE_NAME.search(doc.text) is not None
    if not (private and state):
        return "neither"
    return "distinguishes" if lexicon.DISTINCTION.search(doc.text) else "conflates"


def train_textcat(texts: Sequence[str], labels: Sequence[str], *, settings: TextcatSettings = TextcatSettings()):
    """A ``spacy.blank("en")`` pipeline with a trained exclusive ``textcat`` (default architecture)."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch
    from thinc.api import Adam

    fix_random_seed(settings.seed)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe("textcat")  # exclusive classes; TextCatEnsemble.v2, no static vectors
    for label in config.LABELS:
        textcat.add_label(label)
    examples = [
        Example.from_dict(nlp.make_doc(text), {"cats": {lab: float(lab == label) for lab in config.LABELS}})
        for text, label in zip(texts, labels)
    ]
    optimizer = Adam(learn_rate=settings.learn_rate, L2=settings.l2, L2_is_weight_decay=True,
                     grad_clip=settings.grad_clip)
    nlp.initialize(lambda: examples, sgd=optimizer)
    shuffler = random.Random(settings.seed)
    for _ in range(settings.epochs):
        shuffler.shuffle(examples)
        for batch in minibatch(examples, size=settings.batch_size):
            nlp.update(batch, sgd=optimizer, drop=settings.dropout)
    return nlp


def textcat_proba(nlp, texts: Sequence[str]) -> np.ndarray:
    """Textcat scores in ``config.LABELS`` order, ungated."""
    docs = nlp.pipe(texts, batch_size=config.NLP_BATCH_SIZE)
    return np.array([[doc.cats[label] for label in config.LABELS] for doc in docs]).reshape(-1, len(config.LABELS))


def gated(proba: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``proba`` with every row outside ``mask`` replaced by ``neither`` = 1."""
    out = np.array(proba, dtype=float)
    out[~mask] = np.eye(len(config.LABELS))[NEITHER]
    return out


# --- the benchmark -------------------------------------------------------------------------

def run(
    *,
    train_paths: Sequence[str | Path] = TRAIN_FILES,
    test_paths: Sequence[str | Path] = TEST_FILES,
    settings: TextcatSettings = TextcatSettings(),
) -> dict:
    """Train and score the three systems; return ``{"data", "settings", "systems": [...]}``.

    Each system entry has ``name``, ``gate``, ``train_seconds``, ``predict_seconds``,
    ``setup_seconds`` (loading the spaCy model, keyword rule only) and ``metrics`` (the dict of :func:`pipeline.classify.metrics`).
    """
    train, test = read_labelled(train_paths), read_labelled(test_paths)
    train_texts, train_labels = train["text"].tolist(), train["label"].to_numpy()
    test_texts, test_labels = test["text"].tolist(), test["label"].to_numpy()
    train_mask, test_mask = classify.classifiable(train_texts), classify.classifiable(test_texts)
    seen_texts = [t for t, m in zip(train_texts, train_mask) if m]
    systems = []

    def add(name, gate, proba, train_seconds, predict_seconds, setup_seconds=0.0):
        systems.append({"name": name, "gate": gate, "train_seconds": train_seconds,
                        "predict_seconds": predict_seconds, "setup_seconds": setup_seconds,
                        "metrics": classify.metrics(test_labels, proba)})

    # 1. keyword rule: nothing to train; loading the spaCy model is its only set-up.
    start = time.perf_counter()
    nlp = entities.load_nlp()
    setup = time.perf_counter() - start
    start = time.perf_counter()
    proba = keyword_proba(test_texts, nlp=nlp)
    elapsed = time.perf_counter() - start
    add("keyword", True, gated(proba, test_mask), 0.0, elapsed, setup)
    add("keyword", False, proba, 0.0, elapsed, setup)

    # 2. spaCy textcat on the same classifiable training passages.
    start = time.perf_counter()
    textcat = train_textcat(seen_texts, train_labels[train_mask], settings=settings)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    proba = textcat_proba(textcat, test_texts)
    elapsed = time.perf_counter() - start
    add("spacy-textcat", True, gated(proba, test_mask), train_seconds, elapsed)
    add("spacy-textcat", False, proba, train_seconds, elapsed)

    # 3. ours (fit and predict_proba apply the gate themselves).
    start = time.perf_counter()
    model = classify.fit(train_texts, train_labels)
    train_seconds = time.perf_counter() - start
    start = time.perf_counter()
    proba = classify.predict_proba(model, test_texts)
    elapsed = time.perf_counter() - start
    add("ours", True, proba, train_seconds, elapsed)

    return {
        "data": {"train": _describe(train, train_mask, train_paths), "test": _describe(test, test_mask, test_paths)},
        "settings": {"textcat": asdict(settings), "textcat_config": _textcat_config(textcat),
                     "random_state": config.RANDOM_STATE},
        "versions": classify.versions(),
        "systems": systems,
    }


def _describe(frame, mask: np.ndarray, paths) -> dict:
    counts = frame["label"].value_counts()
    seen = frame["label"][mask].value_counts()
    return {
        "files": [_shown(p) for p in paths],
        "sha256": data_hash(frame),
        "n": int(len(frame)),
        "n_classifiable": int(mask.sum()),
        "label_counts": {lab: int(counts.get(lab, 0)) for lab in config.LABELS},
        "classifiable_label_counts": {lab: int(seen.get(lab, 0)) for lab in config.LABELS},
    }


def _shown(path) -> str:
    """A path relative to the project when it lies inside it, else as given."""
    path = Path(path).resolve()
    return str(path.relative_to(config.PROJECT_DIR)) if path.is_relative_to(config.PROJECT_DIR) else str(path)


def _textcat_config(nlp) -> dict:
    """The textcat component's resolved-by-name config (architectures and sizes)."""
    return nlp.config["components"]["textcat"]


# --- output ----------------------------------------------------------------------------------

COLUMNS = ("system", "gate", "macro-F1", "bin P", "bin R", "bin F1",
           "F1 confl", "F1 dist", "F1 neither", "train s", "predict s")


def table(result: dict) -> str:
    """The systems as a markdown table."""
    rows = []
    for s in result["systems"]:
        m = s["metrics"]
        per = [m["per_class"][lab]["f1"] for lab in config.LABELS]
        rows.append([s["name"], "yes" if s["gate"] else "no", *(f"{v:.3f}" for v in (
            m["macro_f1"], m["binary"]["precision"], m["binary"]["recall"], m["binary"]["f1"], *per)),
            f"{s['train_seconds']:.1f}", f"{s['predict_seconds']:.1f}"])
    widths = [max(len(c), *(len(r[i]) for r in rows)) for i, c in enumerate(COLUMNS)]
    line = lambda cells: "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths)) + " |"  # noqa: E731
    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(COLUMNS), rule, *map(line, rows)])


def summary(result: dict) -> str:
    tr, te = result["data"]["train"], result["data"]["test"]
    ts = result["settings"]["textcat"]
    fmt = lambda d: ", ".join(f"{k} {v}" for k, v in d.items())  # noqa: E731
    return "\n".join([
        f"train: {', '.join(tr['files'])}  n={tr['n']} (classifiable {tr['n_classifiable']}: "
        f"{fmt(tr['classifiable_label_counts'])})  sha256 {tr['sha256'][:12]}",
        f"test:  {', '.join(te['files'])}  n={te['n']} ({fmt(te['label_counts'])}; "
        f"classifiable {te['n_classifiable']})  sha256 {te['sha256'][:12]}",
        f"keyword rule: spaCy model {config.SPACY_MODEL} + gazetteer loaded in "
        f"{result['systems'][0]['setup_seconds']:.1f} s (not counted as training)",
        f"textcat: {ts['epochs']} epochs, batch {ts['batch_size']}, dropout {ts['dropout']}, "
        f"Adam lr {ts['learn_rate']} L2 {ts['l2']}, seed {ts['seed']}",
    ])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Compare the keyword rule, spaCy textcat and our classifier on the cross-source "
                    "split (train authored, test seed).",
        epilog="Example: .venv/bin/python benchmarks/baselines.py --json /tmp/baselines.json",
    )
    parser.add_argument("--train", nargs="+", default=[str(p) for p in TRAIN_FILES], metavar="FILE",
                        help="labelled training files (default: corpus/labelled/authored.jsonl)")
    parser.add_argument("--test", nargs="+", default=[str(p) for p in TEST_FILES], metavar="FILE",
                        help="labelled evaluation files (default: corpus/labelled/seed.jsonl)")
    parser.add_argument("--epochs", type=int, default=TextcatSettings.epochs,
                        help=f"textcat training epochs (default: {TextcatSettings.epochs})")
    parser.add_argument("--quick", action="store_true", help=f"smoke test: {QUICK_EPOCHS} textcat epochs")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write the figures as JSON here")
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f"--epochs must be at least 1, got {args.epochs}")
    settings = replace(TextcatSettings(), epochs=QUICK_EPOCHS if args.quick else args.epochs)
    try:
        result = run(train_paths=args.train, test_paths=args.test, settings=settings)
    except FramingError as exc:
        print(f"Error: {exc.message}", file=sys.stderr)
        return 1
    print(summary(result))
    print()
    print(table(result))
    if args.json is not None:
        write_json(args.json, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
