"""Checks of the committed labelled corpus and of the cross-source figures cited in the README."""
import collections
import json

import numpy as np
import pytest

from pipeline import config, lexicon
from pipeline.labelled import read_labelled
from pipeline.passages import split_passages

ROOT = config.PROJECT_DIR
LABELLED_FILES = sorted((ROOT / "corpus" / "labelled").glob("*.jsonl"))


def _rows(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("path", LABELLED_FILES, ids=lambda p: p.name)
def test_corpus_file_is_valid(path):
    # read_labelled raises on unknown labels, empty texts, missing fields and conflicting duplicates.
    frame = read_labelled([path])
    assert set(frame["label"]) <= set(config.LABELS)
    assert frame["text"].str.strip().str.len().min() > 0


def test_corpus_has_the_required_files():
    assert {p.name for p in LABELLED_FILES} >= {"seed.jsonl", "authored.jsonl"}


def test_corpus_seed_covers_every_passage_of_the_sample_articles():
    rows = _rows(ROOT / "corpus" / "labelled" / "seed.jsonl")
    expected = []
    for path in sorted((ROOT / "corpus" / "articles").glob("*.txt")):
        expected += [(path.name, p.index, p.text) for p in split_passages(path.stem, path.read_text(encoding="utf-8"))]
    assert [(r["article"], r["passage_index"], r["text"]) for r in rows] == expected


def test_corpus_authored_size_balance_and_metadata():
    rows = _rows(ROOT / "corpus" / "labelled" / "authored.jsonl")
    counts = collections.Counter(r["label"] for r in rows)
    assert len(rows) >= 900 and min(counts.values()) >= 250, counts
    assert all(r.get("source") and r.get("style") and 2014 <= int(r["year"]) <= 2025 for r in rows)
    assert len({r["style"] for r in rows}) >= 9
    assert {int(r["year"]) for r in rows} == set(range(2014, 2026))
    lengths = [len(r["text"].split()) for r in rows]
    assert min(lengths) >= 20 and max(lengths) <= 150


def _shingles(text, k=5):
    words = text.lower().split()
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


def test_corpus_authored_has_no_near_copies():
    rows = _rows(ROOT / "corpus" / "labelled" / "authored.jsonl")
    shingles = [_shingles(r["text"]) for r in rows]
    index = collections.defaultdict(set)
    for i, s in enumerate(shingles):
        for g in s:
            index[g].add(i)
    near = []
    for i, s in enumerate(shingles):
        candidates = collections.Counter(j for g in s for j in index[g] if j < i)
        for j, shared in candidates.items():
            if shared / len(s | shingles[j]) > 0.3:
                near.append((rows[j]["id"], rows[i]["id"]))
    assert near == []


def test_corpus_authored_has_conflating_passages_without_the_words_social_credit():
    rows = _rows(ROOT / "corpus" / "labelled" / "authored.jsonl")
    without = [r for r in rows if r["label"] == "conflates" and "social credit" not in r["text"].lower()]
    assert len(without) >= 30


def test_relevance_filter_recall_is_one_on_every_labelled_file():
    frame = read_labelled(LABELLED_FILES)
    topical = frame[frame["label"] != "neither"]
    missed = [t for t, h in zip(topical["text"], topical["title"].fillna("")) if not lexicon.is_relevant(t, h)]
    assert missed == []
    assert len(topical) > 600


def test_relevance_filter_keeps_every_topical_passage_of_real_coverage():
    rows = _rows(ROOT / "corpus" / "labelled" / "real.jsonl")
    topical = [r for r in rows if r["label"] != "neither"]
    assert len(topical) == 85
    assert [r["id"] for r in topical if not lexicon.is_relevant(r["text"], r["title"])] == []


def test_corpus_every_labelled_line_records_its_codebook_version():
    for path in LABELLED_FILES:
        assert {r.get("codebook") for r in _rows(path)} == {config.CODEBOOK_VERSION}, path.name


def test_corpus_real_coverage_is_the_shared_set_with_its_ids():
    rows = _rows(ROOT / "corpus" / "labelled" / "real.jsonl")
    assert len(rows) == 753 and len({r["id"] for r in rows}) == 753
    assert len({r["article_id"] for r in rows}) == 129
    assert all(r["title"] and r["outlet"] and r["rule"] for r in rows)
    assert collections.Counter(r["label"] for r in rows) == {"neither": 668, "conflates": 52, "distinguishes": 33}


@pytest.fixture(scope="module")
def cross_source_figures(tmp_path_factory):
    """Trained on authored.jsonl alone, evaluated on seed.jsonl (the figures in the README)."""
    from pipeline.classify import evaluate, train

    model = tmp_path_factory.mktemp("cross") / "authored.joblib"
    train([ROOT / "corpus" / "labelled" / "authored.jsonl"], model)
    return evaluate(model, [ROOT / "corpus" / "labelled" / "seed.jsonl"])


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 3's macro-F1 target on the sample articles is not reached under "
                                       "codebook 2: macro-F1 0.70 (see README, 'The sample articles')")
def test_cross_source_macro_f1_meets_the_target(cross_source_figures):
    """Issue 3's macro-F1 target on real coverage the model never saw (see README)."""
    assert cross_source_figures["macro_f1"] >= 0.80, cross_source_figures["per_class"]


@pytest.mark.slow
def test_cross_source_figures_do_not_regress(cross_source_figures):
    """What the model reaches today on the sample articles, trained on the written passages
    alone (see README); a floor, so that a change to features, lexicon or data that makes it
    worse is caught."""
    assert cross_source_figures["macro_f1"] >= 0.69, cross_source_figures["per_class"]
    assert cross_source_figures["binary"]["recall"] >= 0.66, cross_source_figures["binary"]
    assert cross_source_figures["binary"]["f1"] >= 0.57, cross_source_figures["binary"]


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="binary target of issue 3 not reached: F1 0.57 under codebook 2 (recall "
                                       "0.67, precision 0.50; see README, 'The sample articles')")
def test_cross_source_binary_f1_meets_the_target(cross_source_figures):
    assert cross_source_figures["binary"]["f1"] >= 0.85, cross_source_figures["binary"]


REAL_FLOORS = {"binary_f1": 0.64, "macro_f1": 0.74, "brier": 0.12, "article_verdicts": 0.81}


@pytest.fixture(scope="module")
def real_coverage_figures():
    """The model card's headline figure, computed by the code `framing train --real` runs:
    real.jsonl cross-validated by article, the written passages always trained on."""
    from pipeline import classify

    frame = read_labelled([ROOT / "corpus" / "labelled" / f for f in ("seed.jsonl", "authored.jsonl", "real.jsonl")])
    is_real = (frame["file"] == str(ROOT / "corpus" / "labelled" / "real.jsonl")).to_numpy()
    return classify._real_coverage(frame, is_real, frame["title"].fillna("").tolist(),
                                   np.where(is_real, config.REAL_WEIGHT, 1.0), config.RANDOM_STATE, config.CV_FOLDS,
                                   "corpus/labelled")


@pytest.mark.slow
def test_real_coverage_figures_do_not_regress(real_coverage_figures):
    """Floors at what the shipped configuration reaches on real coverage (README, card), so a
    change to features, lexicon, data or model that makes it worse is caught."""
    figures = real_coverage_figures
    assert figures["binary"]["f1"] >= REAL_FLOORS["binary_f1"], figures["binary"]
    assert figures["macro_f1"] >= REAL_FLOORS["macro_f1"], figures["per_class"]
    assert figures["brier"] <= REAL_FLOORS["brier"]
    assert figures["article_verdicts"]["agreement"] >= REAL_FLOORS["article_verdicts"], figures["article_verdicts"]


@pytest.mark.slow
def test_real_coverage_meets_the_macro_verdict_and_calibration_targets(real_coverage_figures):
    """Issue 11's targets that the shipped configuration reaches on real coverage."""
    figures = real_coverage_figures
    assert figures["macro_f1"] >= 0.75, figures["per_class"]
    assert figures["article_verdicts"]["agreement"] >= 0.80 and figures["brier"] <= 0.15


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="issue 11's binary target is not reached yet: conflates-vs-rest F1 0.65 "
                                       "on real coverage (see README, 'How good is it?')")
def test_real_coverage_binary_f1_meets_the_target(real_coverage_figures):
    assert real_coverage_figures["binary"]["f1"] >= 0.75, real_coverage_figures["binary"]
