"""Domain features for the classifier: cue counts and their co-occurrence.

Conflation is a relation, not a topic: a passage conflates when a private pilot (named, or
recognisable by its mechanics) is attributed to the state. So besides cue counts, the
features say whether the cues meet in one sentence or one passage, and whether a
distinguishing cue stands beside them. :func:`evidence_spans` returns the same cues as
offsets for readers.
"""
from __future__ import annotations

import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from . import lexicon

_SENTENCE = re.compile(r"[^.!?。！？]+(?:[.!?。！？]+|$)")

_GROUPS = tuple(lexicon.CUES)
_COUNTED = ("private_name", "private_mechanic", "distinction")
# Pairs of cue groups whose meeting in one sentence / passage is a feature of its own.
_PAIRS = (
    ("private_name", "state_attribution"),
    ("private_name", "state_reference"),
    ("private_name", "state_name"),
    ("private_mechanic", "state_attribution"),
    ("private_mechanic", "state_reference"),
    ("private_mechanic", "state_name"),
    ("private_name", "distinction"),
    ("private_mechanic", "distinction"),
    ("state_name", "distinction"),
    ("state_attribution", "distinction"),
)


def _cue_counts(text: str) -> dict[str, int]:
    return {name: len(rx.findall(text)) for name, rx in lexicon.CUES.items()}


def cue_features(text: str) -> dict[str, float]:
    """The domain feature values of one passage, by feature name."""
    counts = _cue_counts(text)
    # State cues count only in combination: "the government will score every citizen" alone
    # is `neither` by the codebook; it conflates only beside a private pilot or its mechanics.
    feats = {f"count_{g}": float(np.log1p(counts[g])) for g in _COUNTED}
    present = {g: counts[g] > 0 for g in _GROUPS}
    sentences = [_cue_counts(s) for s in _SENTENCE.findall(text)] or [counts]
    for a, b in _PAIRS:
        feats[f"passage_{a}+{b}"] = float(present[a] and present[b])
        feats[f"sentence_{a}+{b}"] = float(any(s[a] and s[b] for s in sentences))
    private = present["private_name"] or present["private_mechanic"]
    state = present["state_attribution"] or present["state_name"] or present["state_reference"]
    feats["private+state_no_distinction"] = float(private and state and not present["distinction"])
    feats["private+state+distinction"] = float(private and state and present["distinction"])
    feats["mechanic_without_name+state"] = float(
        present["private_mechanic"] and not present["private_name"] and state
    )
    feats["name_only_private"] = float(present["private_name"] and not state)
    feats["state_only"] = float(state and not private)
    feats["no_cues"] = float(not any(present.values()))
    return feats


FEATURE_NAMES = tuple(cue_features(""))


class DomainFeatures(BaseEstimator, TransformerMixin):
    """scikit-learn transformer: texts -> sparse matrix of :func:`cue_features`."""

    def fit(self, X, y=None):
        self.feature_names_ = np.array(FEATURE_NAMES, dtype=object)
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        if tuple(self.feature_names_) != FEATURE_NAMES:
            from .errors import ModelFileError

            raise ModelFileError("the model was trained with another version of the cue features", None,
                                 "retrain it with `framing train` using this version of framing")
        rows = [list(cue_features(text).values()) for text in X]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES)))

    def get_feature_names_out(self, input_features=None):
        return np.asarray(FEATURE_NAMES, dtype=object)


def evidence_spans(text: str, label: str) -> list[dict]:
    """Evidence for a ``conflates`` or ``distinguishes`` label as offset spans.

    conflates: the private-pilot mentions or mechanics and the state attributions;
    distinguishes: the distinguishing cues and the private pilots they separate.
    Other labels get no evidence. Each span is ``{"kind", "text", "start", "end"}``.
    """
    if label == "conflates":
        kinds = ("private_pilot", "state_attribution")
    elif label == "distinguishes":
        kinds = ("distinction", "private_pilot")
    else:
        return []
    spans = []
    for kind in kinds:
        for group in lexicon.EVIDENCE_KINDS[kind]:
            for m in lexicon.CUES[group].finditer(text):
                spans.append({"kind": kind, "text": m.group(0), "start": m.start(), "end": m.end()})
    spans.sort(key=lambda s: (s["start"], s["end"]))
    return spans
