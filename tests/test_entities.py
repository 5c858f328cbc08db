from pathlib import Path

import pytest

from pipeline import config
from pipeline.entities import extract_entities, gazetteer_patterns, is_topical
from pipeline.passages import split_passages

ARTICLES = config.PROJECT_DIR / "corpus" / "articles"


def _entities(nlp, text):
    passages = split_passages("t", text)
    return [e for ents in extract_entities(nlp, passages) for e in ents]


def test_entities_pipeline_runs_only_gazetteer_and_ner(nlp):
    assert nlp.pipe_names == ["framing_gazetteer", "ner"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Zhima Credit, also called Sesame Credit, is run by Ant Group.",
         {("Zhima Credit", "PRIVATE_PILOT", "Sesame Credit"), ("Sesame Credit", "PRIVATE_PILOT", "Sesame Credit"),
          ("Ant Group", "PRIVATE_PILOT", "Ant Financial")}),
        ("The People's Bank of China and the NDRC run Credit China.",
         {("People's Bank of China", "STATE_SYSTEM", "People's Bank of China"), ("NDRC", "STATE_SYSTEM", "NDRC"),
          ("Credit China", "STATE_SYSTEM", "Credit China")}),
        ("Rongcheng gives every resident 1,000 points; Suining graded people from A to D.",
         {("Rongcheng", "STATE_SYSTEM", "Rongcheng"), ("Suining", "STATE_SYSTEM", "Suining")}),
        ("The Supreme People's Court keeps a blacklist of dishonest persons.",
         {("Supreme People's Court", "STATE_SYSTEM", "Supreme People's Court"),
          ("blacklist", "STATE_SYSTEM", "Blacklists"), ("dishonest persons", "STATE_SYSTEM", "Blacklists")}),
        ("Baihe, Didi and China Rapid Finance used Tencent Credit.",
         {("Baihe", "PRIVATE_PILOT", "Baihe"), ("Didi", "PRIVATE_PILOT", "Didi"),
          ("China Rapid Finance", "PRIVATE_PILOT", "China Rapid Finance"),
          ("Tencent Credit", "PRIVATE_PILOT", "Tencent Credit")}),
    ],
)
def test_gazetteer_tags_domain_actors(nlp, text, expected):
    found = {(e.text, e.label, e.canonical) for e in _entities(nlp, text) if e.label in ("PRIVATE_PILOT", "STATE_SYSTEM")}
    assert expected <= found


def test_gazetteer_is_case_insensitive_on_blank_pipeline(blank_nlp):
    doc = blank_nlp("sesame credit and the state council")
    assert [(e.text, e.label_, e.ent_id_) for e in doc.ents] == [
        ("sesame credit", "PRIVATE_PILOT", "Sesame Credit"), ("state council", "STATE_SYSTEM", "State Council")]


def test_statistical_ner_still_finds_other_entities(nlp):
    ents = _entities(nlp, "Liu Hu, a journalist in Beijing, was blacklisted in 2017.")
    labels = {e.label for e in ents}
    assert {"PERSON", "GPE", "STATE_SYSTEM"} <= labels


def test_entity_offsets_point_into_passage_and_article(nlp):
    text = "Heading\n\nAnt Financial runs Sesame Credit, a score from 350 to 950."
    passages = split_passages("t", text)
    for passage, ents in zip(passages, extract_entities(nlp, passages)):
        for e in ents:
            assert passage.text[e.start:e.end] == e.text
            assert text[e.article_start:e.article_end] == e.text


def test_gazetteer_labels_on_the_sample_articles(nlp):
    """Every sample article mentions the state system; the three that discuss Sesame Credit get it tagged."""
    canonical_by_article = {}
    for path in sorted(ARTICLES.glob("*.txt")):
        ents = _entities(nlp, path.read_text(encoding="utf-8"))
        canonical_by_article[path.name] = {(e.label, e.canonical) for e in ents}
        assert ("STATE_SYSTEM", "Social Credit System") in canonical_by_article[path.name], path.name
    with_sesame = {name for name, found in canonical_by_article.items() if ("PRIVATE_PILOT", "Sesame Credit") in found}
    assert with_sesame == {"000_ccf3dcf910465166.txt", "001_f36a36e60a8140d7.txt", "002_f30f417869a57e94.txt",
                           "003_fda279e24249a15c.txt"}
    assert ("STATE_SYSTEM", "Rongcheng") in canonical_by_article["003_fda279e24249a15c.txt"]
    assert ("STATE_SYSTEM", "State Council") in canonical_by_article["002_f30f417869a57e94.txt"]
    assert ("PRIVATE_PILOT", "Baihe") in canonical_by_article["000_ccf3dcf910465166.txt"]


def test_is_topical_needs_a_domain_entity(nlp):
    assert is_topical(_entities(nlp, "Sesame Credit is popular."))
    assert not is_topical(_entities(nlp, "Paris is lovely in May."))


def test_every_pattern_has_label_and_canonical_id():
    patterns = gazetteer_patterns()
    assert patterns and all(p["label"] in ("PRIVATE_PILOT", "STATE_SYSTEM") and p["id"] for p in patterns)
