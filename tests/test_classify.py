import json

import joblib
import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from pipeline import config
from pipeline.classify import (build_model, card_path, check_labels, evaluate, fit, load_model, metrics, predict,
                               predict_proba, train)
from pipeline.errors import FramingError, ModelFileError
from pipeline.features import DomainFeatures, cue_features, evidence_spans


def test_classify_model_is_a_sklearn_pipeline():
    model = build_model()
    assert isinstance(model, Pipeline)
    assert [name for name, _, _ in model.named_steps["features"].transformers] == ["word", "char", "domain"]


def test_classify_train_writes_model_and_card(small_model):
    card = json.loads(card_path(small_model).read_text())
    assert card["label_counts"] == {"conflates": 20, "distinguishes": 20, "neither": 20}
    assert card["cv"]["folds"] == 5
    for key in ("macro_f1", "per_class", "binary", "confusion", "brier"):
        assert key in card["cv"]
    assert set(card["cv"]["per_class"]) == set(config.LABELS)
    assert np.array(card["cv"]["confusion"]["matrix"]).sum() == 60
    assert card["versions"]["scikit-learn"] and card["date"]
    assert len(card["data_sha256"]) == 64 and len(card["model_sha256"]) == 64


def test_classify_training_twice_gives_the_same_card(small_labelled, tmp_path):
    a, b = tmp_path / "a.joblib", tmp_path / "b.joblib"
    card_a, card_b = train([small_labelled], a), train([small_labelled], b)
    for card in (card_a, card_b):
        card.pop("model_file"), card.pop("self_sha256")  # the self-hash covers the file name
    assert card_a == card_b


def test_classify_round_trip_predicts_the_same(small_model, tmp_path):
    model, card = load_model(small_model)
    texts = ["Sesame Credit is the government's social credit score.", "The weather in Paris was mild."]
    first = predict(model, texts)
    copy = tmp_path / "copy.joblib"
    copy.write_bytes(small_model.read_bytes())
    card_path(copy).write_text(card_path(small_model).read_text())
    again = predict(load_model(copy)[0], texts)
    assert first.equals(again)
    assert list(first.columns) == ["label", "p_conflates", "p_distinguishes", "p_neither", "top_features", "evidence"]
    assert np.allclose(first[["p_conflates", "p_distinguishes", "p_neither"]].sum(axis=1), 1.0)


def test_classify_reasons_name_readable_features(small_model):
    model, _ = load_model(small_model)
    out = predict(model, ["Under the social credit system the government gives every citizen a score from 350 to 950."])
    reasons = json.loads(out.loc[0, "top_features"])
    assert 1 <= len(reasons) <= 5
    assert all(r["weight"] > 0 and not r["feature"].startswith("char") for r in reasons)


def test_classify_refuses_tampered_model(small_model, tmp_path):
    tampered = tmp_path / "m.joblib"
    tampered.write_bytes(small_model.read_bytes() + b"\x00")
    card_path(tampered).write_text(card_path(small_model).read_text())
    with pytest.raises(ModelFileError, match="does not match its card"):
        load_model(tampered)


@pytest.mark.parametrize("edit", [
    lambda card: card["cv"]["binary"].update(tpr=0.5, fpr=0.3),  # what the report corrects shares with
    lambda card: card.update(n=card["n"] * 2),
    lambda card: card.pop("self_sha256"),
])
def test_classify_refuses_edited_card(small_model, tmp_path, edit):
    copy = tmp_path / "m.joblib"
    copy.write_bytes(small_model.read_bytes())
    card = json.loads(card_path(small_model).read_text())
    edit(card)
    card_path(copy).write_text(json.dumps(card, indent=2))
    with pytest.raises(ModelFileError, match="was edited after training|records no self_sha256"):
        load_model(copy)


def test_classify_card_reindented_still_loads(small_model, tmp_path):
    copy = tmp_path / "m.joblib"
    copy.write_bytes(small_model.read_bytes())
    card_path(copy).write_text(json.dumps(json.loads(card_path(small_model).read_text())))  # same content, one line
    assert load_model(copy)[1]["self_sha256"]


def test_classify_shipped_model_and_card_pass_the_checks():
    model, card = load_model(config.DEFAULT_MODEL)
    assert card["self_sha256"] and card["model_sha256"]


def test_classify_train_merges_duplicated_passages(small_labelled, small_model, tmp_path):
    """The same file given twice trains exactly the model of one copy: no passage sits on
    both sides of a cross-validation split, and the card says how many were merged."""
    import warnings

    from pipeline.errors import FramingWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        card = train([small_labelled, small_labelled], tmp_path / "twice.joblib")
    assert [str(w.message).split(" labelled")[0] for w in caught if w.category is FramingWarning] == ["60"]
    once = json.loads(card_path(small_model).read_text())
    assert card["n"] == 60 and card["duplicates_merged"] == 60
    assert card["cv"] == once["cv"] and card["label_counts"] == once["label_counts"]


def test_classify_refuses_model_without_card(small_model, tmp_path):
    lonely = tmp_path / "lonely.joblib"
    lonely.write_bytes(small_model.read_bytes())
    with pytest.raises(ModelFileError, match="no model card beside"):
        load_model(lonely)


def test_classify_refuses_to_train_without_every_label(tmp_path):
    path = tmp_path / "two.jsonl"
    path.write_text("".join(json.dumps({"text": f"text {i}", "label": "neither" if i % 2 else "conflates"}) + "\n"
                            for i in range(20)))
    with pytest.raises(FramingError, match="every label at least 5 times"):
        train([path], tmp_path / "m.joblib")


def test_metrics_hand_computed():
    y = ["conflates", "conflates", "neither", "distinguishes", "neither"]
    proba = np.array([[.9, .05, .05], [.2, .1, .7], [.6, .2, .2], [.1, .8, .1], [.1, .1, .8]])
    m = metrics(y, proba)
    # conflates: tp=1 (row 0), fp=1 (row 2), fn=1 (row 1)
    assert m["binary"]["precision"] == 0.5 and m["binary"]["recall"] == 0.5 and m["binary"]["f1"] == 0.5
    assert m["binary"]["fpr"] == pytest.approx(1 / 3)
    assert m["confusion"]["matrix"] == [[1, 0, 1], [0, 1, 0], [1, 0, 1]]
    assert m["per_class"]["distinguishes"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}
    expected_brier = np.mean([.1**2 + .05**2 + .05**2, .8**2 + .1**2 + .7**2, .6**2 + .2**2 + .8**2,
                              .1**2 + .2**2 + .1**2, .1**2 + .1**2 + .2**2])
    assert m["brier"] == pytest.approx(expected_brier)


def test_bootstrap_intervals_bracket_the_figures_and_are_reproducible():
    from pipeline.classify import bootstrap_intervals

    truth = ["conflates"] * 7 + ["distinguishes"] * 6 + ["neither"] * 60
    perfect = bootstrap_intervals(truth, truth, samples=200)
    assert perfect["macro_f1"] == [1.0, 1.0] and perfect["binary"]["f1"] == [1.0, 1.0]
    guessed = truth[:]
    guessed[13:17] = ["conflates"] * 4  # four false alarms: P 7/11, R 1, F1 0.778
    first, again = bootstrap_intervals(truth, guessed), bootstrap_intervals(truth, guessed)
    assert first == again and first["samples"] == config.BOOTSTRAP_SAMPLES
    low, high = first["binary"]["f1"]
    assert low < 14 / 18 < high and first["binary"]["recall"] == [1.0, 1.0]
    assert first["binary"]["precision"][0] < 7 / 11 < first["binary"]["precision"][1]
    # No conflating passage among the truth: binary recall and F1 are undefined, not 0.
    assert bootstrap_intervals(["neither"] * 5, ["neither"] * 5, samples=50)["binary"]["f1"] is None


def test_evaluate_writes_json_and_misclassified(small_model, small_labelled, tmp_path):
    figures = evaluate(small_model, [small_labelled], misclassified=tmp_path / "wrong.csv", json_out=tmp_path / "e.json")
    saved = json.loads((tmp_path / "e.json").read_text())
    for key in ("n", "macro_f1", "binary", "per_class", "confusion"):
        assert key in saved
    assert set(saved["binary"]) >= {"precision", "recall", "f1"}
    assert saved["n"] == 60 == figures["n"]
    low, high = saved["intervals"]["macro_f1"]
    assert low <= saved["macro_f1"] <= high
    wrong = (tmp_path / "wrong.csv").read_text().splitlines()
    assert wrong[0].startswith("file,line,id,label,predicted,p_conflates")


def test_check_labels_ranks_a_planted_error_first(small_labelled, tmp_path):
    rows = [json.loads(line) for line in small_labelled.read_text().splitlines()]
    planted = next(r for r in rows if r["label"] == "neither" and "Sesame" not in r["text"])
    planted_text = planted["text"]
    planted["label"] = "conflates"
    path = tmp_path / "planted.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    suspects = check_labels([path], min_confidence=0.0)
    assert planted_text in suspects["text"].head(5).tolist()
    assert suspects.loc[suspects["text"] == planted_text, "id"].item() == planted["id"]  # findable by its id
    assert (suspects["predicted"] != suspects["label"]).all()
    assert suspects["margin"].is_monotonic_decreasing


@pytest.mark.parametrize(
    "text, present",
    [
        ("Under the government's system your friends' scores drag yours down.",
         {"passage_private_mechanic+state_attribution", "sentence_private_mechanic+state_attribution"}),
        ("Sesame Credit is not part of the official system, though the two are often confused.",
         {"sentence_private_name+separation", "passage_private_name+confusion"}),
        ("The government outsourced pilot schemes to eight private companies.",
         {"sentence_private_generic+pilot_frame", "sentence_state_reference+pilot_frame"}),
        ("Citizens with good ratings from the state get deposit-free rentals and VIP lanes.", {"perks>=2+state"}),
        ("Sesame Credit scores users from 350 to 950.", {"private_only"}),
        ("The weather is fine.", {"no_cues"}),
    ],
)
def test_cue_features_capture_relations(text, present):
    feats = cue_features(text)
    assert {name for name in present if feats[name] > 0} == present


def test_domain_features_transformer_shape():
    X = DomainFeatures().fit(["a"]).transform(["Sesame Credit", "the state", ""])
    assert X.shape == (3, len(cue_features("")))


def test_evidence_spans_for_conflates_and_distinguishes():
    text = "Under the social credit system, buying video games lowers your score."
    spans = evidence_spans(text, "conflates")
    kinds = {s["kind"] for s in spans}
    assert kinds == {"private_pilot", "state_attribution"}
    assert all(text[s["start"]:s["end"]] == s["text"] for s in spans)
    assert evidence_spans(text, "neither") == []
    dist = evidence_spans("Sesame Credit is separate from the state system.", "distinguishes")
    assert {"distinction", "private_pilot"} == {s["kind"] for s in dist}


def test_grouped_cross_validation_keeps_each_group_on_one_side(small_labelled, monkeypatch):
    from pipeline import classify
    from pipeline.labelled import read_labelled

    frame = read_labelled([small_labelled])
    texts, labels = frame["text"].tolist(), frame["label"].to_numpy()
    group_of = {t: f"article-{i % 12}" for i, t in enumerate(texts)}
    trained_on = []
    real_fit = classify.fit

    def recording_fit(train_texts, train_labels, **kwargs):
        trained_on.append(set(train_texts))
        return real_fit(train_texts, train_labels, **kwargs)

    monkeypatch.setattr(classify, "fit", recording_fit)
    proba = classify.cross_val_proba(texts, labels, groups=[group_of[t] for t in texts])
    assert len(trained_on) == 5 and np.allclose(proba.sum(axis=1), 1.0)
    for train_texts in trained_on:
        held_out = set(texts) - train_texts
        assert {group_of[t] for t in train_texts}.isdisjoint({group_of[t] for t in held_out})


def test_train_grouped_by_a_field_records_it_and_refuses_a_missing_field(small_labelled, tmp_path):
    from pipeline.classify import cv_groups
    from pipeline.labelled import read_labelled

    rows = [json.loads(line) for line in small_labelled.read_text().splitlines()]
    path = tmp_path / "with_articles.jsonl"
    path.write_text("".join(json.dumps({**r, "article": f"a{i % 10}"}) + "\n" for i, r in enumerate(rows)))
    card = train([path], tmp_path / "g.joblib", group_by="article")
    assert card["cv"]["grouped_by"] == "article" and card["cv"]["n"] == len(rows)
    # Passages without the field (here: every other file's) are groups of their own.
    others = tmp_path / "without_articles.jsonl"  # other texts: the same ones would be merged
    others.write_text("".join(json.dumps({**r, "text": r["text"] + " (2)"}) + "\n" for r in rows))
    mixed = cv_groups(read_labelled([path, others]), "article", 5, "files")
    assert len(set(mixed[:len(rows)])) == 10 and len(set(mixed[len(rows):])) == len(rows)
    with pytest.raises(FramingError, match=r"no labelled passage has the field 'outlet'.*with_articles\.jsonl"):
        train([path], tmp_path / "x.joblib", group_by="outlet")
    few = tmp_path / "few.jsonl"
    few.write_text("".join(json.dumps({**r, "article": f"a{i % 3}"}) + "\n" for i, r in enumerate(rows)))
    with pytest.raises(FramingError, match=r"only 3 distinct 'article' value\(s\) for 5-fold"):
        train([few], tmp_path / "y.joblib", group_by="article")


def _real_sample(tmp_path, n_articles=10):
    """Every passage of the first ``n_articles`` real-coverage articles that hold a topical one."""
    rows = [json.loads(line) for line in (config.PROJECT_DIR / "corpus" / "labelled" / "real.jsonl").read_text().splitlines()]
    topical = []
    for r in rows:
        if r["label"] != "neither" and r["article_id"] not in topical:
            topical.append(r["article_id"])
    keep = set(topical[:n_articles])
    path = tmp_path / "real.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows if r["article_id"] in keep))
    return path, [r for r in rows if r["article_id"] in keep]


def test_train_refuses_to_pool_codebook_versions_unless_told(small_labelled, tmp_path):
    rows = [json.loads(line) for line in small_labelled.read_text().splitlines()]
    old = tmp_path / "old.jsonl"
    old.write_text("".join(json.dumps({**r, "text": r["text"] + " (v1)", "codebook": "1"}) + "\n" for r in rows[:30]))
    with pytest.raises(FramingError, match=r"mix codebook versions \(1: .*old\.jsonl; 2: .*small\.jsonl\).*--allow-mixed-codebooks"):
        train([small_labelled, old], tmp_path / "m.joblib")
    card = train([small_labelled, old], tmp_path / "m.joblib", allow_mixed_codebooks=True)
    assert card["codebook_versions"] == {"1": [str(old)], "2": [str(small_labelled)]}
    unrecorded = tmp_path / "plain.jsonl"
    unrecorded.write_text("".join(json.dumps({"text": r["text"], "label": r["label"]}) + "\n" for r in rows))
    assert train([unrecorded], tmp_path / "p.joblib")["codebook_versions"] == {"unrecorded": [str(unrecorded)]}


def test_train_measures_real_coverage_by_article_with_written_passages_always_trained(small_labelled, tmp_path,
                                                                                     monkeypatch):
    from pipeline import classify

    real, real_rows = _real_sample(tmp_path)
    article_of = {r["text"]: r["article_id"] for r in real_rows}
    written = {json.loads(line)["text"] for line in small_labelled.read_text().splitlines()}
    calls = []
    real_fit = classify.fit

    def recording_fit(texts, labels, **kwargs):
        calls.append((set(texts), kwargs.get("sample_weight")))
        return real_fit(texts, labels, **kwargs)

    monkeypatch.setattr(classify, "fit", recording_fit)
    card = classify.train([small_labelled], tmp_path / "r.joblib", real=[real], real_weight=4.0)
    rc = card["real_coverage"]
    assert rc["n"] == len(real_rows) and rc["articles"] == 10 and rc["grouped_by"] == "article_id"
    assert rc["article_verdicts"]["articles"] == 10 and 0 <= rc["article_verdicts"]["agreement"] <= 1
    assert sum(r["n"] for r in rc["reliability"]) == len(real_rows)
    assert rc["intervals"]["macro_f1"][0] <= rc["macro_f1"] <= rc["intervals"]["macro_f1"][1]
    assert card["params"]["real_weight"] == 4.0
    assert [f["real_coverage"] for f in card["data_files"]] == [False, True]
    # 5 in-distribution folds, 5 real-coverage folds, the final fit. In the real-coverage
    # folds every written passage is trained on, and no article is on both sides.
    real_folds = calls[5:10]
    for texts, weight in real_folds:
        assert written <= texts
        held = {t for t in article_of if t not in texts}
        assert held and {article_of[t] for t in held}.isdisjoint({article_of[t] for t in texts if t in article_of})
        assert weight is not None and set(np.unique(weight)) == {1.0, 4.0}


def test_model_reads_each_passage_with_its_headline():
    text = "Your number sinks when the people in your phone book miss their payments."
    state = cue_features(text, "How the government scores its people")
    product = cue_features(text, "How Zhima's app works")
    plain = cue_features(text)
    assert state["title_state"] == 1 and state["reference_to_state"] == 1 and state["mechanic_under_state_title"] == 1
    assert product["title_private"] == 1 and product["mechanic_under_state_title"] == 0
    assert plain["title_state"] == plain["title_private"] == 0
    relayed = cue_features("Sesame Credit is part of the national system, the magazine reports.")
    assert relayed["relay_undoubted"] == 1
    doubted = cue_features("Sesame Credit is part of the national system, the magazine reports.", "Five myths about social credit")
    assert doubted["relay_undoubted"] == 0 and doubted["correction_headline"] == 1
    frame = pd.DataFrame({"text": [text, text], "title": ["How the government scores its people", ""]})
    X = DomainFeatures().fit(frame).transform(frame).toarray()
    assert not np.array_equal(X[0], X[1])


def test_predict_uses_titles_and_works_without(small_labelled, tmp_path):
    _, real_rows = _real_sample(tmp_path)  # passages with headlines, so the headline features get weights
    rows = [json.loads(line) for line in small_labelled.read_text().splitlines()] + real_rows
    model = fit([r["text"] for r in rows], [r["label"] for r in rows], titles=[r.get("title", "") for r in rows])
    texts = ["Your score drops when your friends default, and perks like deposit-free bikes vanish."] * 2
    with_titles = predict_proba(model, texts, titles=["Beijing to rate every citizen", "How Zhima's app works"])
    without = predict_proba(model, texts)
    assert with_titles.shape == without.shape == (2, 3)
    assert not np.allclose(with_titles[0], with_titles[1])
    assert np.allclose(without[0], without[1])


def test_article_agreement_and_reliability_hand_computed():
    from pipeline.classify import article_agreement, reliability_table

    ids = ["a", "a", "b", "b", "c"]
    truth = ["conflates", "neither", "distinguishes", "neither", "neither"]
    pred = ["conflates", "neither", "neither", "neither", "conflates"]
    agreement = article_agreement(ids, truth, pred)
    assert agreement["articles"] == 3 and agreement["agree"] == 1
    assert agreement["confusion"] == {"conflates": {"conflates": 1}, "distinguishes": {"neither": 1},
                                      "neither": {"conflates": 1}}
    proba = np.array([[0.95, 0, 0.05], [0.05, 0, 0.95], [0.91, 0, 0.09], [0.02, 0, 0.98]])
    table = reliability_table(["conflates", "neither", "neither", "neither"], proba)
    assert [(r["n"], r["observed"]) for r in table] == [(2, 0.0), (2, 0.5)]
    assert table[1]["mean_predicted"] == pytest.approx(0.93)


def test_evaluate_gives_article_verdicts_and_calibration_on_files_with_article_ids(small_model, tmp_path):
    real, rows = _real_sample(tmp_path, n_articles=6)
    figures = evaluate(small_model, [real])
    assert figures["article_verdicts"]["articles"] == 6
    assert sum(r["n"] for r in figures["reliability"]) == len(rows)


def test_labelled_prodigy_lines_keep_the_headline_from_meta(tmp_path):
    from pipeline.labelled import read_labelled

    path = tmp_path / "prodigy.jsonl"
    path.write_text(json.dumps({"text": "Sesame Credit is a loyalty scheme.", "label": "neither", "answer": "accept",
                                "meta": {"title": "How Zhima's app works", "passage_id": "x-0001"}}) + "\n")
    assert read_labelled([path])["title"].tolist() == ["How Zhima's app works"]
