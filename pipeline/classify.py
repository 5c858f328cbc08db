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
import json
import weakref
from pathlib import Path
from typing import Iterable, Sequence

import joblib
import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.svm import LinearSVC

from . import config, lexicon
from .errors import FramingError
from .features import DomainFeatures, evidence_spans
from .labelled import data_hash, passage_ids, read_labelled
from .passages import passage_kind
from .store import atomic_path, card_path, checked_card, codebook_sha256, file_sha256, versions, write_json

PROBA_COLUMNS = tuple(f"p_{label}" for label in config.LABELS)
N_REASONS = 5


def build_model(*, random_state: int = config.RANDOM_STATE) -> Pipeline:
    """An untrained classifier pipeline (text -> label), ready for ``fit``/``predict_proba``."""
    features = FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, strip_accents="unicode")),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 4), min_df=2, sublinear_tf=True,
                                 max_features=60000)),
        ("domain", DomainFeatures()),
    ])
    # A linear SVM is as accurate as logistic regression here and ten times faster to fit;
    # sigmoid calibration over 3 folds turns its margins into probabilities.
    classifier = CalibratedClassifierCV(
        LinearSVC(C=0.5, class_weight="balanced", random_state=random_state), method="sigmoid", cv=3,
    )
    return Pipeline([("features", features), ("clf", classifier)])


def classifiable(texts: Iterable[str]) -> np.ndarray:
    """Which passages the classifier sees: body text (not a heading or page furniture) that
    passes the relevance filter. ``framing run`` labels every other passage ``neither``
    without the classifier, and training and evaluation follow the same rule, so the figures
    in a model card describe what the pipeline outputs."""
    return np.array([passage_kind(t) == "body" and lexicon.is_relevant(t) for t in texts], dtype=bool)


def fit(texts: Sequence[str], labels: Sequence[str], *, random_state: int = config.RANDOM_STATE) -> Pipeline:
    """Fit :func:`build_model` on the classifiable passages among ``texts``."""
    mask = classifiable(texts)
    labels = np.asarray(labels)
    return build_model(random_state=random_state).fit([t for t, m in zip(texts, mask) if m], labels[mask])


def predict_proba(model, texts: Sequence[str], *, gate: bool = True) -> np.ndarray:
    """Class probabilities in ``config.LABELS`` order; unclassifiable passages get ``neither`` = 1
    (``gate=False`` sends every passage to the classifier, as ``framing run --no-filter`` does)."""
    return _scored(model, list(texts), gate)[0]


def _scored(model, texts: list[str], gate: bool):
    """(probabilities, classifiable mask, feature matrix of the classifiable rows or None):
    features are computed once and shared by the probabilities and the reasons."""
    mask = classifiable(texts) if gate else np.ones(len(texts), dtype=bool)
    proba = np.tile(np.eye(len(config.LABELS))[config.LABELS.index("neither")], (len(texts), 1))
    X = None
    if mask.any():
        clf = model.named_steps["clf"]
        order = [list(clf.classes_).index(label) for label in config.LABELS]
        X = model.named_steps["features"].transform([t for t, m in zip(texts, mask) if m])
        proba[mask] = clf.predict_proba(X)[:, order]
    # The codebook's definition: a passage conflates only if it names or describes a private
    # pilot. Without any such element its conflation probability is moved to `neither`.
    no_private = np.array([not lexicon.mentions_private_pilot(t) for t in texts], dtype=bool) & mask
    conflates, neither = config.LABELS.index("conflates"), config.LABELS.index("neither")
    proba[no_private, neither] += proba[no_private, conflates]
    proba[no_private, conflates] = 0.0
    return proba, mask, X


def cross_val_proba(
    texts: Sequence[str], labels: Sequence[str], *, random_state: int = config.RANDOM_STATE,
    cv_folds: int = config.CV_FOLDS, groups: Sequence | None = None,
) -> np.ndarray:
    """Out-of-fold probabilities (stratified k-fold, fixed seed), each fold trained and
    applied exactly as :func:`fit` and :func:`predict_proba` are. With ``groups`` (e.g. each
    passage's article or outlet), a group never sits on both sides of a split
    (``StratifiedGroupKFold``): passages of one article share wording, and splitting them
    flatters the figures."""
    labels = np.asarray(labels)
    proba = np.zeros((len(texts), len(config.LABELS)))
    if groups is None:
        folds = StratifiedKFold(n_splits=cv_folds, shuffle=True, random_state=random_state)
    else:
        folds = StratifiedGroupKFold(n_splits=cv_folds, shuffle=True, random_state=random_state)
    for train_idx, test_idx in folds.split(np.zeros(len(labels)), labels, groups):
        model = fit([texts[i] for i in train_idx], labels[train_idx], random_state=random_state)
        proba[test_idx] = predict_proba(model, [texts[i] for i in test_idx])
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
    random_state: int = config.RANDOM_STATE,
    cv_folds: int = config.CV_FOLDS,
    group_by: str | None = None,
) -> dict:
    """Train on labelled files, write ``out`` (joblib) and its model card; return the card.

    Cross-validation (stratified, ``cv_folds`` folds, fixed seed; grouped by the field
    ``group_by`` if given, see :func:`cross_val_proba`) measures the model before the final
    fit on all data. Training twice on the same data gives the same card.

    >>> card = train(["corpus/labelled/authored.jsonl"], "models/authored.joblib")
    >>> round(card["cv"]["macro_f1"], 2)  # doctest: +SKIP
    """
    frame = read_labelled(paths)
    groups = cv_groups(frame, group_by, cv_folds, ", ".join(map(str, paths)))
    counts = frame["label"].value_counts()
    seen = frame["label"][classifiable(frame["text"])].value_counts()
    if len(seen) < len(config.LABELS) or seen.min() < cv_folds:
        raise FramingError(
            f"training needs every label at least {cv_folds} times among classifiable passages "
            f"(have: {seen.to_dict()})",
            ", ".join(map(str, paths)), "label more passages of the missing classes",
        )
    texts, labels = frame["text"].tolist(), frame["label"].to_numpy()
    proba = cross_val_proba(texts, labels, random_state=random_state, cv_folds=cv_folds, groups=groups)
    model = fit(texts, labels, random_state=random_state)

    out = Path(out)
    with atomic_path(out) as tmp:
        joblib.dump(model, tmp)
    card = {
        "model_file": out.name,
        "model_sha256": file_sha256(out),
        "data_sha256": data_hash(frame),
        "data_files": [{"path": str(p), "sha256": file_sha256(p), "n": int((frame["file"] == str(p)).sum())}
                       for p in map(Path, paths)],
        "n": int(len(frame)),
        "label_counts": {label: int(counts.get(label, 0)) for label in config.LABELS},
        "cv": {"folds": cv_folds, "grouped_by": group_by, **metrics(labels, proba)},
        "labels": list(config.LABELS),
        "codebook_sha256": codebook_sha256(),
        "params": {"random_state": random_state, "model": _describe(model)},
        "defaults": config.defaults(),
        "versions": versions(),
        "date": dt.date.today().isoformat(),
    }
    write_json(card_path(out), card)
    return card


def load_model(path: str | Path = config.DEFAULT_MODEL):
    """Load a model after checking its file against the SHA-256 in its card; return (model, card).

    joblib files run code when loaded: load only models from sources you trust. A missing
    card or a hash mismatch raises :class:`~pipeline.errors.ModelFileError` before unpickling.
    """
    card = checked_card(path)
    return joblib.load(path), card


def predict(model, texts: Sequence[str], *, explain: bool = True, gate: bool = True) -> pd.DataFrame:
    """Label texts. Returns a DataFrame with ``label``, ``p_conflates``, ``p_distinguishes``,
    ``p_neither`` and, with ``explain``, ``top_features`` and ``evidence`` (JSON strings):
    the features that pushed each passage most toward its label, and the evidence spans
    (offsets into the text) for ``conflates`` and ``distinguishes``. Passages that are not
    :func:`classifiable` are ``neither`` with probability 1 and no reasons.
    """
    columns = ["label", *PROBA_COLUMNS] + (["top_features", "evidence"] if explain else [])
    if len(texts) == 0:
        return pd.DataFrame(columns=columns)
    texts = list(texts)
    proba, mask, X = _scored(model, texts, gate)
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
    "intervals", ...}``; ``intervals`` from :func:`bootstrap_intervals`)."""
    model, card = load_model(model_path)
    frame = read_labelled(paths)
    predicted = predict(model, frame["text"].tolist())
    figures = metrics(frame["label"].to_numpy(), predicted[list(PROBA_COLUMNS)].to_numpy())
    figures["intervals"] = bootstrap_intervals(frame["label"].to_numpy(), predicted["label"].to_numpy())
    figures["model_sha256"] = card["model_sha256"]
    figures["data_sha256"] = data_hash(frame)
    if misclassified is not None:
        wrong = frame.assign(id=passage_ids(frame), predicted=predicted["label"].to_numpy(),
                             **{c: predicted[c].to_numpy() for c in PROBA_COLUMNS},
                             top_features=predicted["top_features"].to_numpy())
        wrong = wrong[wrong["label"] != wrong["predicted"]]
        with atomic_path(misclassified) as tmp:
            wrong[["file", "line", "id", "label", "predicted", *PROBA_COLUMNS, "text", "top_features"]].to_csv(
                tmp, index=False)
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
    proba = cross_val_proba(frame["text"].tolist(), frame["label"].to_numpy(), random_state=random_state,
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
                tables.append(pd.read_parquet(path) if suffix == ".parquet" else pd.read_csv(path, keep_default_na=False))
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
