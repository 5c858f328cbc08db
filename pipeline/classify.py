"""Classify: train, save, load, apply and evaluate the conflation classifier.

The model is a scikit-learn :class:`~sklearn.pipeline.Pipeline`: word n-grams, character
n-grams and the domain cue features of :mod:`pipeline.features`, combined by a
``FeatureUnion`` and fed to a linear SVM whose margins are calibrated into probabilities
(``CalibratedClassifierCV``, sigmoid). Three classes: ``conflates``, ``distinguishes``,
``neither``.

A model file (joblib) always has a model card beside it, ``NAME.card.json``: training data
hash, label counts, stratified k-fold cross-validated metrics, versions, defaults, date,
and the SHA-256 of the model file, which :func:`load_model` checks before unpickling.
"""
from __future__ import annotations

import datetime as dt
import io
import json
import weakref
from pathlib import Path
from typing import Iterable, Sequence

import joblib
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

from . import config, lexicon
from .errors import FramingError
from .features import DomainFeatures, evidence_spans
from .labelled import codebook_versions, data_hash, passage_ids, read_labelled
from .passages import passage_kind
from .store import (card_path, checked_model, codebook_sha256, file_sha256, read_csv, versions, write_csv, write_json,
                    write_model_with_card)

PROBA_COLUMNS = tuple(f"p_{label}" for label in config.LABELS)
N_REASONS = 5


def build_model(*, random_state: int = config.RANDOM_STATE) -> Pipeline:
    """An untrained classifier pipeline, ready for ``fit``/``predict_proba`` on a DataFrame
    with ``text`` (the passage) and ``title`` (its article's headline, "" when unknown)
    columns, as :func:`model_input` makes it."""
    features = ColumnTransformer([
        ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, strip_accents="unicode"), "text"),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), min_df=2, sublinear_tf=True,
                                 max_features=60000), "text"),
        # The cue features read the passage with its headline, as the codebook does (V2-2).
        ("domain", DomainFeatures(), ["text", "title"]),
    ])
    # A linear SVM is as accurate as logistic regression here and ten times faster to fit;
    # sigmoid calibration over 3 folds turns its margins into probabilities.
    classifier = CalibratedClassifierCV(
        LinearSVC(C=0.5, class_weight="balanced", random_state=random_state), method="sigmoid", cv=3,
    )
    return Pipeline([("features", features), ("clf", classifier)])


def model_input(texts: Sequence[str], titles: Sequence[str] | None = None) -> pd.DataFrame:
    """The model's input: passages with their articles' headlines (empty when unknown)."""
    texts = list(texts)
    titles = _headlines(texts, titles)
    if len(titles) != len(texts):
        raise ValueError(f"{len(texts)} texts but {len(titles)} titles")
    return pd.DataFrame({"text": texts, "title": titles})


def _headlines(texts: list, titles) -> list[str]:
    """One headline per text: "" for all without ``titles``, and for a missing one."""
    return [""] * len(texts) if titles is None else ["" if pd.isna(t) else str(t) for t in titles]


def classifiable(texts: Iterable[str], titles: Iterable[str] | None = None) -> np.ndarray:
    """Which passages the classifier sees: body text (not a heading or page furniture) that
    passes the relevance filter (read with the article's headline, when given). ``framing
    run`` labels every other passage ``neither`` without the classifier, and training and
    evaluation follow the same rule, so the figures in a model card describe what the
    pipeline outputs."""
    texts = list(texts)
    headlines = _headlines(texts, titles)
    return np.array([passage_kind(t) == "body" and lexicon.is_relevant(t, h) for t, h in zip(texts, headlines)],
                    dtype=bool)


def fit(
    texts: Sequence[str], labels: Sequence[str], *, titles: Sequence[str] | None = None,
    sample_weight: Sequence[float] | None = None, random_state: int = config.RANDOM_STATE,
) -> Pipeline:
    """Fit :func:`build_model` on the classifiable passages among ``texts`` (with their
    headlines ``titles`` and per-passage ``sample_weight``, both optional)."""
    mask = classifiable(texts, titles)
    labels = np.asarray(labels)
    X = model_input(texts, titles)[mask]
    weight = None if sample_weight is None else np.asarray(sample_weight, dtype=float)[mask]
    return build_model(random_state=random_state).fit(X, labels[mask], clf__sample_weight=weight)


def predict_proba(model, texts: Sequence[str], *, titles: Sequence[str] | None = None, gate: bool = True) -> np.ndarray:
    """Class probabilities in ``config.LABELS`` order; unclassifiable passages get ``neither`` = 1
    (``gate=False`` sends every passage to the classifier, as ``framing run --no-filter`` does)."""
    return _scored(model, list(texts), titles, gate)[0]


def _scored(model, texts: list[str], titles, gate: bool):
    """(probabilities, classifiable mask, feature matrix of the classifiable rows or None):
    features are computed once and shared by the probabilities and the reasons."""
    mask = classifiable(texts, titles) if gate else np.ones(len(texts), dtype=bool)
    proba = np.tile(np.eye(len(config.LABELS))[config.LABELS.index("neither")], (len(texts), 1))
    X = None
    if mask.any():
        clf = model.named_steps["clf"]
        order = [list(clf.classes_).index(label) for label in config.LABELS]
        X = model.named_steps["features"].transform(model_input(texts, titles)[mask])
        proba[mask] = clf.predict_proba(X)[:, order]
    return proba, mask, X


def cross_val_proba(
    texts: Sequence[str], labels: Sequence[str], *, titles: Sequence[str] | None = None,
    sample_weight: Sequence[float] | None = None, random_state: int = config.RANDOM_STATE,
    cv_folds: int = config.CV_FOLDS, groups: Sequence | None = None, evaluate: Sequence[bool] | None = None,
) -> np.ndarray:
    """Out-of-fold probabilities (stratified k-fold, fixed seed), each fold trained and
    applied exactly as :func:`fit` and :func:`predict_proba` are. With ``groups`` (e.g. each
    passage's article or outlet), a group never sits on both sides of a split
    (``StratifiedGroupKFold``): passages of one article share wording, and splitting them
    flatters the figures.

    With ``evaluate`` (a mask), only those passages are split into folds; the others are on
    the training side of every fold (their rows of the result stay 0). That is how the card
    measures real coverage: real passages are held out by article, while the passages
    written for the project are always trained on.
    """
    labels = np.asarray(labels)
    titles = _headlines(texts, titles)
    weight = np.ones(len(texts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    held = np.ones(len(texts), dtype=bool) if evaluate is None else np.asarray(evaluate, dtype=bool)
    held_idx, always = np.flatnonzero(held), np.flatnonzero(~held)
    proba = np.zeros((len(texts), len(config.LABELS)))
    if groups is None:
        folds = StratifiedKFold(n_splits=cv_folds, shuffle=True, random_state=random_state)
        split = folds.split(np.zeros(len(held_idx)), labels[held_idx])
    else:
        folds = StratifiedGroupKFold(n_splits=cv_folds, shuffle=True, random_state=random_state)
        split = folds.split(np.zeros(len(held_idx)), labels[held_idx], np.asarray(groups, dtype=object)[held_idx])
    for train_part, test_part in split:
        train_idx = np.concatenate([always, held_idx[train_part]])
        test_idx = held_idx[test_part]
        model = fit([texts[i] for i in train_idx], labels[train_idx], titles=[titles[i] for i in train_idx],
                    sample_weight=weight[train_idx], random_state=random_state)
        proba[test_idx] = predict_proba(model, [texts[i] for i in test_idx], titles=[titles[i] for i in test_idx])
    return proba


def cv_groups(frame: pd.DataFrame, field: str | None, cv_folds: int, where: str) -> np.ndarray | None:
    """The cross-validation group of each labelled passage: its value of ``field`` (a passage
    without one is a group of its own), or None without a field. Raises a
    :class:`FramingError` naming the files if no passage has the field or the groups are too
    few for the folds."""
    if field is None:
        return None
    values = frame[field].tolist() if field in frame else [None] * len(frame)
    present = [not (pd.isna(v) or str(v).strip() == "") for v in values]
    if not any(present):
        fields = [c for c in frame if c not in ("text", "label", "file", "line")]
        raise FramingError(f"no labelled passage has the field {field!r} to group cross-validation by", where,
                           f"name a field the files carry (they have: {', '.join(fields) or 'none'})")
    # "g:" and "row:" keep a passage without the field from joining a group named like its row.
    groups = np.array([f"g:{v}" if p else f"row:{i}" for i, (v, p) in enumerate(zip(values, present))], dtype=object)
    n_groups = len(set(groups))
    if n_groups < cv_folds:
        raise FramingError(f"only {n_groups} distinct {field!r} value(s) for {cv_folds}-fold cross-validation",
                           where, "use fewer --folds or group by another field")
    return groups


def train(
    paths: Sequence[str | Path],
    out: str | Path,
    *,
    real: Sequence[str | Path] = (),
    random_state: int = config.RANDOM_STATE,
    cv_folds: int = config.CV_FOLDS,
    group_by: str | None = None,
    real_weight: float = config.REAL_WEIGHT,
    allow_mixed_codebooks: bool = False,
) -> dict:
    """Train on labelled files, write ``out`` (joblib) and its model card; return the card.

    ``real`` names labelled files of real coverage (trained on too). They give the card its
    headline figure, ``real_coverage``: cross-validation over the real passages grouped by
    article (``config.REAL_GROUP_FIELD``), with every other file on the training side of every
    fold, plus bootstrap intervals, article-verdict agreement and a reliability table. Real
    passages weigh ``real_weight`` times a written one in training. ``cv`` is the
    in-distribution figure over all files (stratified, ``cv_folds`` folds, fixed seed,
    grouped by ``group_by`` if given, see :func:`cross_val_proba`). Files labelled under
    different codebook versions are refused unless ``allow_mixed_codebooks``. Training twice
    on the same data gives the same card.

    >>> card = train(["corpus/labelled/authored.jsonl"], "models/authored.joblib",
    ...              real=["corpus/labelled/real.jsonl"])
    >>> round(card["real_coverage"]["binary"]["f1"], 2)  # doctest: +SKIP
    """
    real = [Path(p) for p in real]
    paths = [Path(p) for p in paths]
    everything = paths + [p for p in real if p not in paths]
    where = ", ".join(map(str, everything))
    frame = read_labelled(everything)
    versions_used = codebook_versions(frame)
    if len(versions_used) > 1 and not allow_mixed_codebooks:
        shown = "; ".join(f"{version}: {', '.join(files)}" for version, files in versions_used.items())
        raise FramingError(f"labelled files mix codebook versions ({shown})", where,
                           "relabel under one version, or pass --allow-mixed-codebooks to pool them anyway")
    groups = cv_groups(frame, group_by, cv_folds, where)
    counts = frame["label"].value_counts()
    seen = frame["label"][classifiable(frame["text"], frame["title"] if "title" in frame else None)].value_counts()
    if len(seen) < len(config.LABELS) or seen.min() < cv_folds:
        raise FramingError(
            f"training needs every label at least {cv_folds} times among classifiable passages "
            f"(have: {seen.to_dict()})",
            where, "label more passages of the missing classes",
        )
    texts, labels = frame["text"].tolist(), frame["label"].to_numpy()
    titles = frame["title"].tolist() if "title" in frame else None
    is_real = frame["file"].isin([str(p) for p in real]).to_numpy()
    weight = np.where(is_real, real_weight, 1.0)
    proba = cross_val_proba(texts, labels, titles=titles, sample_weight=weight, random_state=random_state,
                            cv_folds=cv_folds, groups=groups)
    real_coverage = None
    if is_real.any():
        real_coverage = _real_coverage(frame, is_real, titles, weight, random_state, cv_folds, where)
    model = fit(texts, labels, titles=titles, sample_weight=weight, random_state=random_state)

    card = write_model_with_card(out, lambda tmp: joblib.dump(model, tmp), {
        "model_file": Path(out).name,
        "model_sha256": None,  # filled in with the file written
        "data_sha256": data_hash(frame),
        "data_files": [{"path": str(p), "sha256": file_sha256(p), "n": int((frame["file"] == str(p)).sum()),
                        "real_coverage": p in real} for p in everything],
        "n": int(len(frame)),
        "duplicates_merged": int(frame.attrs.get("duplicates_merged", 0)),
        "label_counts": {label: int(counts.get(label, 0)) for label in config.LABELS},
        "codebook_versions": versions_used,
        "real_coverage": real_coverage,
        "cv": {"scope": "in-distribution: every labelled file, mostly written for the project",
               "folds": cv_folds, "grouped_by": group_by, **metrics(labels, proba)},
        "labels": list(config.LABELS),
        "codebook_sha256": codebook_sha256(),
        "params": {"random_state": random_state, "real_weight": real_weight, "model": _describe(model)},
        "defaults": config.defaults(),
        "versions": versions(),
        "date": dt.date.today().isoformat(),
    })
    return card


def _real_coverage(frame: pd.DataFrame, is_real: np.ndarray, titles, weight, random_state: int, cv_folds: int,
                   where: str) -> dict:
    """The card's headline figure: real passages cross-validated by article, everything else
    always trained on; metrics, bootstrap intervals, article verdicts and calibration."""
    field = config.REAL_GROUP_FIELD
    real_frame = frame[is_real]
    if field not in real_frame or real_frame[field].isna().any():
        raise FramingError(f"real-coverage passages need an {field!r} field to be cross-validated by article",
                           where, f"give every line of the real-coverage files its {field}")
    groups = np.where(is_real, frame[field].astype(str), "")
    if real_frame[field].nunique() < cv_folds:
        raise FramingError(f"only {real_frame[field].nunique()} real-coverage articles for {cv_folds}-fold "
                           "cross-validation", where, "use fewer --folds or label more articles")
    labels = frame["label"].to_numpy()
    proba = cross_val_proba(frame["text"].tolist(), labels, titles=titles, sample_weight=weight,
                            random_state=random_state, cv_folds=cv_folds, groups=groups, evaluate=is_real)[is_real]
    y_true = labels[is_real]
    y_pred = np.asarray(config.LABELS)[proba.argmax(axis=1)]
    return {
        "scope": "real coverage, cross-validated by article; written passages always on the training side",
        "folds": cv_folds, "grouped_by": field, "articles": int(real_frame[field].nunique()),
        **metrics(y_true, proba),
        "intervals": bootstrap_intervals(y_true, y_pred, random_state=random_state),
        "article_verdicts": article_agreement(real_frame[field].to_numpy(), y_true, y_pred),
        "reliability": reliability_table(y_true, proba),
    }


def article_agreement(article_ids: Sequence, y_true: Sequence[str], y_pred: Sequence[str]) -> dict:
    """How often the article verdict from predicted passage labels equals the one from the
    gold labels (verdict rule: :func:`pipeline.aggregate.verdict_of`):
    ``{"articles", "agree", "agreement", "confusion": {gold: {predicted: n}}}``."""
    from .aggregate import verdict_of

    frame = pd.DataFrame({"article": list(article_ids), "true": list(y_true), "pred": list(y_pred)})
    verdicts = []
    for _, part in frame.groupby("article", sort=True):
        gold = verdict_of(int((part["true"] == "conflates").sum()), int((part["true"] == "distinguishes").sum()))
        got = verdict_of(int((part["pred"] == "conflates").sum()), int((part["pred"] == "distinguishes").sum()))
        verdicts.append((gold, got))
    confusion: dict = {}
    for gold, got in verdicts:
        confusion.setdefault(gold, {}).setdefault(got, 0)
        confusion[gold][got] += 1
    agree = sum(gold == got for gold, got in verdicts)
    return {"articles": len(verdicts), "agree": agree, "agreement": agree / len(verdicts) if verdicts else 0.0,
            "confusion": confusion}


def reliability_table(y_true: Sequence[str], proba: np.ndarray, *, bins: int = 10) -> list[dict]:
    """Calibration of ``p_conflates``: for each probability bin that holds passages, how many,
    the mean predicted probability and the share that truly conflate."""
    p = np.asarray(proba)[:, config.LABELS.index(config.POSITIVE_LABEL)]
    truth = np.asarray(y_true) == config.POSITIVE_LABEL
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    rows = []
    for b in range(bins):
        inside = which == b
        if inside.any():
            rows.append({"bin": [float(edges[b]), float(edges[b + 1])], "n": int(inside.sum()),
                         "mean_predicted": float(p[inside].mean()), "observed": float(truth[inside].mean())})
    return rows


def load_model(path: str | Path = config.DEFAULT_MODEL):
    """Load a model after checking its file against the SHA-256 in its card; return (model, card).

    joblib files run code when loaded: load only models from sources you trust. A missing
    card or a hash mismatch raises :class:`~pipeline.errors.ModelFileError` before unpickling.
    """
    data, card = checked_model(path)  # unpickles the very bytes that were checked
    return joblib.load(io.BytesIO(data)), card


def predict(model, texts: Sequence[str], *, titles: Sequence[str] | None = None, explain: bool = True,
            gate: bool = True) -> pd.DataFrame:
    """Label texts. Returns a DataFrame with ``label``, ``p_conflates``, ``p_distinguishes``,
    ``p_neither`` and, with ``explain``, ``top_features`` and ``evidence`` (JSON strings):
    the features that pushed each passage most toward its label, and the evidence spans
    (offsets into the text) for ``conflates`` and ``distinguishes``. ``titles`` are the
    passages' article headlines (optional; the model reads a passage with its headline, as
    the codebook does). Passages that are not
    :func:`classifiable` are ``neither`` with probability 1 and no reasons.
    """
    columns = ["label", *PROBA_COLUMNS] + (["top_features", "evidence"] if explain else [])
    if len(texts) == 0:
        return pd.DataFrame(columns=columns)
    texts = list(texts)
    proba, mask, X = _scored(model, texts, titles, gate)
    labels = np.asarray(config.LABELS)[proba.argmax(axis=1)]
    frame = pd.DataFrame(proba, columns=list(PROBA_COLUMNS))
    frame.insert(0, "label", labels)
    if explain:
        reasons = np.full(len(texts), "[]", dtype=object)
        if X is not None:
            reasons[mask] = _reasons(model, X, labels[mask])
        frame["top_features"] = reasons
        frame["evidence"] = [json.dumps(evidence_spans(t, lab), ensure_ascii=False) for t, lab in zip(texts, labels)]
    return frame


def metrics(y_true: Sequence[str], proba: np.ndarray, labels: Sequence[str] = config.LABELS) -> dict:
    """Per-class P/R/F1, macro-F1, binary conflates-vs-rest figures, confusion, Brier score.

    ``proba`` columns follow ``labels`` order.
    """
    y_true = np.asarray(y_true)
    y_pred = np.asarray(labels)[np.asarray(proba).argmax(axis=1)]
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(labels), zero_division=0)
    per_class = {lab: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
                 for i, lab in enumerate(labels)}
    pos = config.POSITIVE_LABEL
    true_pos, pred_pos = y_true == pos, y_pred == pos
    tp, fp = int((true_pos & pred_pos).sum()), int((~true_pos & pred_pos).sum())
    fn, tn = int((true_pos & ~pred_pos).sum()), int((~true_pos & ~pred_pos).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    onehot = (y_true[:, None] == np.asarray(labels)[None, :]).astype(float)
    return {
        "n": int(len(y_true)),
        "macro_f1": float(np.mean(f)),
        "per_class": per_class,
        "binary": {
            "precision": precision, "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "tpr": recall, "fpr": fp / (fp + tn) if fp + tn else 0.0,
            "positives": tp + fn, "negatives": fp + tn, "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        },
        "confusion": {"labels": list(labels),
                      "matrix": confusion_matrix(y_true, y_pred, labels=list(labels)).tolist()},
        "brier": float(np.mean(np.sum((np.asarray(proba) - onehot) ** 2, axis=1))),
    }


def bootstrap_intervals(
    y_true: Sequence[str], y_pred: Sequence[str], *, samples: int = config.BOOTSTRAP_SAMPLES,
    random_state: int = config.RANDOM_STATE, labels: Sequence[str] = config.LABELS,
) -> dict:
    """95% percentile-bootstrap intervals (passages redrawn with replacement) of macro-F1 and
    of the binary conflates-vs-rest precision, recall and F1: ``{"samples", "macro_f1": [low,
    high], "binary": {"precision": [...], "recall": [...], "f1": [...]}}``. With a handful of
    positives one passage moves these figures a lot; the interval says how much. Resamples
    without a true (for recall and F1) or predicted (for precision) ``conflates`` passage are
    left out of the binary intervals."""
    labels = list(labels)
    k = len(labels)
    true = np.array([labels.index(v) for v in y_true])
    pred = np.array([labels.index(v) for v in y_pred])
    rng = np.random.default_rng(random_state)
    cells = true * k + pred
    # One confusion matrix per resample, drawn one at a time so memory stays O(passages).
    confusion = np.stack([np.bincount(cells[rng.integers(0, len(cells), len(cells))], minlength=k * k)
                          for _ in range(samples)]).reshape(samples, k, k)
    tp = np.einsum("sii->si", confusion).astype(float)
    predicted, support = confusion.sum(axis=1), confusion.sum(axis=2)
    # As metrics() (sklearn, zero_division=0): an undefined precision, recall or F1 counts as 0.
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    f1 = np.divide(2 * precision * recall, precision + recall, out=np.zeros_like(tp), where=precision + recall > 0)
    macro = f1.mean(axis=1)
    pos = labels.index(config.POSITIVE_LABEL)
    has_pos, predicts_pos = support[:, pos] > 0, predicted[:, pos] > 0

    def interval(values) -> list[float] | None:
        return [float(v) for v in np.percentile(values, [2.5, 97.5])] if len(values) else None

    return {"samples": samples, "macro_f1": interval(macro),
            "binary": {"precision": interval(precision[predicts_pos, pos]), "recall": interval(recall[has_pos, pos]),
                       "f1": interval(f1[has_pos, pos])}}


def evaluate(
    model_path: str | Path,
    paths: Sequence[str | Path],
    *,
    misclassified: str | Path | None = None,
    json_out: str | Path | None = None,
) -> dict:
    """Score a saved model on labelled files; optionally write misclassified passages (CSV)
    and the figures as JSON (``{"n", "macro_f1", "binary", "per_class", "confusion",
    "brier", "intervals", "reliability", "article_verdicts", ...}``; ``intervals`` from
    :func:`bootstrap_intervals`, ``reliability`` from :func:`reliability_table`, and
    ``article_verdicts`` from :func:`article_agreement` when the lines carry
    ``config.REAL_GROUP_FIELD`` (else None)). Headlines in a ``title`` field are used."""
    model, card = load_model(model_path)
    frame = read_labelled(paths, merge_duplicates=False)  # held-out: every line counts
    titles = frame["title"].tolist() if "title" in frame else None
    predicted = predict(model, frame["text"].tolist(), titles=titles)
    y_true, y_pred = frame["label"].to_numpy(), predicted["label"].to_numpy()
    figures = metrics(y_true, predicted[list(PROBA_COLUMNS)].to_numpy())
    figures["intervals"] = bootstrap_intervals(y_true, y_pred)
    figures["reliability"] = reliability_table(y_true, predicted[list(PROBA_COLUMNS)].to_numpy())
    field = config.REAL_GROUP_FIELD
    figures["article_verdicts"] = (article_agreement(frame[field].astype(str).to_numpy(), y_true, y_pred)
                                   if field in frame and frame[field].notna().all() else None)
    figures["model_sha256"] = card["model_sha256"]
    figures["data_sha256"] = data_hash(frame)
    if misclassified is not None:
        wrong = frame.assign(id=passage_ids(frame), predicted=predicted["label"].to_numpy(),
                             **{c: predicted[c].to_numpy() for c in PROBA_COLUMNS},
                             top_features=predicted["top_features"].to_numpy())
        wrong = wrong[wrong["label"] != wrong["predicted"]]
        write_csv(wrong[["file", "line", "id", "label", "predicted", *PROBA_COLUMNS, "text", "top_features"]],
                  misclassified)
    if json_out is not None:
        write_json(json_out, figures)
    return figures


def check_labels(
    paths: Sequence[str | Path],
    *,
    random_state: int = config.RANDOM_STATE,
    cv_folds: int = config.CV_FOLDS,
    min_confidence: float = 0.6,
    group_by: str | None = None,
) -> pd.DataFrame:
    """Likely label errors: passages whose cross-validated prediction confidently disagrees
    with their label, ranked by how much more probable the predicted label is.

    Columns: ``file``, ``line``, ``id`` (see :func:`~pipeline.labelled.passage_ids`), ``label``,
    ``predicted``, ``p_predicted``, ``p_given``, ``margin``, ``text``.
    """
    frame = read_labelled(paths)
    groups = cv_groups(frame, group_by, cv_folds, ", ".join(map(str, paths)))
    proba = cross_val_proba(frame["text"].tolist(), frame["label"].to_numpy(),
                            titles=frame["title"].tolist() if "title" in frame else None, random_state=random_state,
                            cv_folds=cv_folds, groups=groups)
    labels = np.asarray(config.LABELS)
    given = np.array([list(labels).index(lab) for lab in frame["label"]])
    predicted = proba.argmax(axis=1)
    rows = np.arange(len(frame))
    out = frame[["file", "line", "label", "text"]].assign(
        id=passage_ids(frame), predicted=labels[predicted], p_predicted=proba[rows, predicted],
        p_given=proba[rows, given],
    )
    out["margin"] = out["p_predicted"] - out["p_given"]
    out = out[(out["predicted"] != out["label"]) & (out["p_predicted"] >= min_confidence)]
    return out.sort_values("margin", ascending=False)[
        ["file", "line", "id", "label", "predicted", "p_predicted", "p_given", "margin", "text"]
    ].reset_index(drop=True)


def _linear_weights(model) -> tuple[np.ndarray, list[str]]:
    """Mean linear coefficients over the calibration folds, by class in LABELS order."""
    clf = model.named_steps["clf"]
    coefs = np.mean([c.estimator.coef_ for c in clf.calibrated_classifiers_], axis=0)
    classes = list(clf.classes_)
    return coefs[[classes.index(label) for label in config.LABELS]], list(
        model.named_steps["features"].get_feature_names_out())


# Per fitted model: (relative weights of the readable features, their names, column -> readable
# index or -1). Building the feature names takes longer than explaining a whole batch.
_REASON_WEIGHTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _reason_weights(model):
    cached = _REASON_WEIGHTS.get(model)
    if cached is None:
        weights, names = _linear_weights(model)
        relative = weights - weights.mean(axis=0, keepdims=True)
        readable = np.flatnonzero([not n.startswith("char__") for n in names])
        column = np.full(len(names), -1)
        column[readable] = np.arange(len(readable))
        cached = (relative[:, readable], [names[i].split("__", 1)[1] for i in readable], column)
        _REASON_WEIGHTS[model] = cached
    return cached


def _reasons(model, X, labels: np.ndarray) -> list[str]:
    """For each row, the features (words, cue features; not character n-grams, which say
    little to a reader) contributing most toward its label, relative to the other classes."""
    relative, names, column = _reason_weights(model)
    X = X.tocsr()
    reasons = []
    for i, label in enumerate(labels):
        lo, hi = X.indptr[i], X.indptr[i + 1]
        cols = column[X.indices[lo:hi]]
        keep = cols >= 0
        cols = cols[keep]
        contrib = X.data[lo:hi][keep] * relative[config.LABELS.index(label), cols]
        best = np.argsort(-contrib, kind="stable")[:N_REASONS]
        reasons.append(json.dumps(
            [{"feature": names[cols[j]], "weight": round(float(contrib[j]), 4)} for j in best if contrib[j] > 0],
            ensure_ascii=False))
    return reasons


def _describe(model) -> str:
    # A stable, human-readable description of the estimator (repr without memory addresses).
    return " ".join(repr(model).split())


SUGGEST_STRATEGIES = ("uncertainty", "per-outlet")


def suggest(
    results_dir: str | Path,
    *,
    n: int = 50,
    strategy: str = "uncertainty",
    random_state: int = config.RANDOM_STATE,
    max_similarity: float = 0.5,
) -> pd.DataFrame:
    """Passages worth labelling next, from a run's outputs.

    ``uncertainty``: the classified passages the model is least sure about (smallest margin
    between its two most probable labels), skipping near-duplicates of passages already
    picked (word-shingle Jaccard > ``max_similarity``), so the batch is diverse.
    ``per-outlet``: a stratified random sample of classified passages, an equal share from
    each outlet, to check that the model works equally well across outlets.

    Returns columns ``passage_id``, ``article_id``, ``outlet``, ``source_path``, ``text``,
    ``label`` (predicted), the probabilities and ``margin``.
    """
    if strategy not in SUGGEST_STRATEGIES:
        raise FramingError(f"unknown strategy {strategy!r}", None, f"use one of: {', '.join(SUGGEST_STRATEGIES)}")
    passages, articles = _read_results(results_dir)
    pool = passages[passages["reason"] == "classified"].merge(
        articles[["article_id", "outlet", "source_path", "title"]], on="article_id", how="left")
    probs = pool[list(PROBA_COLUMNS)].to_numpy()
    top2 = np.sort(probs, axis=1)[:, -2:] if len(pool) else np.zeros((0, 2))
    pool = pool.assign(margin=top2[:, 1] - top2[:, 0])
    if strategy == "per-outlet":
        pool["outlet"] = pool["outlet"].fillna("").replace("", "(unknown)")
        outlets = sorted(pool["outlet"].unique())
        per = max(1, -(-n // max(1, len(outlets))))
        picked = pd.concat(
            [g.sample(n=min(per, len(g)), random_state=random_state) for _, g in pool.groupby("outlet", sort=True)]
        ) if len(pool) else pool
        picked = picked.head(n)
    else:
        ordered = pool.sort_values(["margin", "passage_id"])
        chosen, shingles = [], []
        for idx, text in zip(ordered.index, ordered["text"]):
            words = _shingles(text)
            if any(_jaccard(words, s) > max_similarity for s in shingles):
                continue
            chosen.append(idx)
            shingles.append(words)
            if len(chosen) >= n:
                break
        picked = ordered.loc[chosen]
    columns = ["passage_id", "article_id", "outlet", "source_path", "title", "text", "label", *PROBA_COLUMNS, "margin"]
    return picked[columns].reset_index(drop=True)


def write_suggestions(frame: pd.DataFrame, out: str | Path) -> Path:
    """Write suggestions as JSONL that Prodigy, Doccano and Label Studio import:
    ``{"text", "meta": {passage_id, article_id, outlet, source_path, predicted, p_*}}``."""
    lines = []
    for row in frame.itertuples(index=False):
        meta = {"passage_id": row.passage_id, "article_id": row.article_id, "outlet": row.outlet or "",
                "source_path": row.source_path, "title": row.title or "", "predicted": row.label,
                **{c: round(float(getattr(row, c)), 4) for c in PROBA_COLUMNS}}
        lines.append(json.dumps({"text": row.text, "meta": meta}, ensure_ascii=False))
    from .store import write_text

    write_text(out, "\n".join(lines) + ("\n" if lines else ""))
    return Path(out)


def _read_results(results_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    results_dir = Path(results_dir)
    tables = []
    for name in ("passages", "articles"):
        for suffix in (".parquet", ".csv"):
            path = results_dir / f"{name}{suffix}"
            if path.is_file():
                tables.append(pd.read_parquet(path) if suffix == ".parquet" else read_csv(path, keep_default_na=False))
                break
        else:
            raise FramingError(f"no {name}.parquet or {name}.csv in {results_dir}", None,
                               "point at the --out folder of `framing run`")
    return tables[0], tables[1]


def _shingles(text: str, k: int = 3) -> set:
    words = text.lower().split()
    return {tuple(words[i:i + k]) for i in range(max(1, len(words) - k + 1))}


def _jaccard(a: set, b: set) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0
