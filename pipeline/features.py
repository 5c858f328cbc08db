"""Domain features for the classifier: cue counts and their co-occurrence.

Conflation is a relation, not a topic: a passage conflates when a private pilot (named, or
recognisable by its mechanics) is attributed to the state. So besides cue counts, the
features say whether the cues meet in one sentence or one passage, and whether a
distinguishing cue stands beside them. :func:`evidence_spans` returns the same cues as
offsets for readers.
"""
from __future__ import annotations

import bisect
import re

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from . import lexicon

_SENTENCE = re.compile(r"[^.!?。！？]+(?:[.!?。！？]+|$)")

_GROUPS = tuple(lexicon.CUES)
# State cues alone do not count: "the government will score every citizen" is `neither` by the
# codebook; they matter only in combination with a private pilot, its mechanics or a frame.
_COUNTED = tuple(g for g in _GROUPS if not g.startswith("state_"))
_PAIRS = tuple((a, b) for i, a in enumerate(_GROUPS) for b in _GROUPS[i + 1:])
_PRIVATE = ("private_name", "private_generic", "private_mechanic")
_STATE = ("state_name", "state_reference", "state_attribution")
_DISTINCT = ("separation", "confusion", "licence_refusal")
_DISTINCT_SET = frozenset(_DISTINCT)
# What attributes something to the state system in a sentence (a bare "government" does not).
_ATTRIBUTED = frozenset({"state_attribution", "state_name", "pilot_frame"})
# Counts stop growing at three: a paragraph that lists sixteen of Sesame Credit's factors and
# perks describes the product at length; it is no more a conflation than one listing three.
_COUNT_CAP = 3


def cue_features(text: str, title: str = "") -> dict[str, float]:
    """The domain feature values of one passage, by feature name: cue counts, for every pair of
    cue groups whether they meet in one sentence and in the passage, the sentence-level
    relations of the codebook (see :func:`_sentence_relations`) and what the article's
    headline ``title`` adds (see :func:`_context_features`); ``title`` may be empty."""
    found = lexicon.cue_matches(text)
    counts = {g: len(found[g]) for g in _GROUPS}
    feats = {f"count_{g}": float(np.log1p(min(counts[g], _COUNT_CAP))) for g in _COUNTED}
    present = {g: counts[g] > 0 for g in _GROUPS}
    # A match belongs to the sentence it starts in; one scan of the passage serves all sentences.
    ends = [m.end() for m in _SENTENCE.finditer(text)]
    in_sentence: dict[int, set] = {}
    for g in _GROUPS:
        for start, _ in found[g]:
            in_sentence.setdefault(bisect.bisect_right(ends, start), set()).add(g)
    same_sentence = {(a, b) for groups in in_sentence.values() for a in groups for b in groups}
    for a, b in _PAIRS:
        feats[f"passage_{a}+{b}"] = float(present[a] and present[b])
        feats[f"sentence_{a}+{b}"] = float((a, b) in same_sentence)
    private = any(present[g] for g in _PRIVATE)
    state = any(present[g] for g in _STATE)
    distinct = any(present[g] for g in _DISTINCT)
    feats["private+state_no_distinction"] = float(private and state and not distinct)
    feats["private+state+distinction"] = float(private and state and distinct)
    feats["mechanic_without_name+state"] = float(present["private_mechanic"] and not present["private_name"] and state)
    feats["perks>=2+state"] = float(counts["perk"] >= 2 and state)
    feats["private_only"] = float(private and not state)
    feats["state_only"] = float(state and not private)
    feats["no_cues"] = float(not any(present.values()))
    feats.update(_sentence_relations(in_sentence.values()))
    mechanic = present["private_mechanic"] or present["perk"]
    feats.update(_context_features(text, title or "", private, mechanic, distinct))
    return feats


def _context_features(text: str, title: str, private: bool, mechanic: bool, distinct: bool) -> dict[str, float]:
    """Codebook 2's readings of relays, doubt and the headline.

    - ``relay_undoubted``: the passage relays a claim (says, reports, according to) and
      neither it nor the headline doubts it: the claim is passed on (V2-1).
    - ``doubted``: doubt words in the passage, or a correction headline (V2-1).
    - ``hypothetical``: fears, worries and hypotheticals, which assert nothing (V2-4).
    - ``title_state`` / ``title_private``: the headline names the state system or a private
      pilot; ``reference_to_state``: the passage says "the system", "your score" and the
      headline makes that the state's (V2-2); ``mechanic_under_state_title``: a private
      mechanic in a passage whose references the headline gives to the state (V2-2, V2-3).
    """
    correction = bool(title) and lexicon.CORRECTION_HEADLINE.search(title) is not None
    doubted = correction or lexicon.DOUBT.search(text) is not None
    title_private = bool(title) and lexicon.PRIVATE_NAME.search(title) is not None
    title_state = bool(title) and not title_private and (
        lexicon.STATE_NAME.search(title) is not None or lexicon.STATE_REFERENCE.search(title) is not None)
    reference = lexicon.REFERENCE.search(text) is not None
    return {
        "relay_undoubted": float(lexicon.RELAY.search(text) is not None and not doubted and private),
        "doubted": float(doubted),
        "correction_headline": float(correction),
        "hypothetical": float(lexicon.HYPOTHETICAL.search(text) is not None),
        "title_state": float(title_state),
        "title_private": float(title_private),
        "reference_to_state": float(reference and title_state and not distinct),
        "mechanic_under_state_title": float(mechanic and title_state and not distinct and not correction),
    }


def _sentence_relations(sentences) -> dict[str, float]:
    """What the sentences with cues do, by the codebook's rules (each item: one sentence's
    cue groups). A conflation is usually made in one sentence; a long passage can describe
    the product in some sentences and the state in others without fusing them.

    - ``sentence_mechanic_to_state``: some sentence gives a private pilot's mechanics or
      perks to the state (state name, attribution or pilot frame) with no private name and
      no distinction in it ("under the system, buying video games lowers your score").
    - ``sentence_private_fused_with_state``: some sentence puts a private pilot (named or
      "the private firms") with a state name, attribution or pilot frame, and no distinction.
    - ``share_private_on_own_terms``: of the sentences with cues, the share that name or
      describe a private pilot with no state word at all (the product on its own terms).
    """
    n = mechanic_to_state = fused = own_terms = 0
    for groups in sentences:
        n += 1
        mechanic = "private_mechanic" in groups or "perk" in groups
        named = "private_name" in groups or "private_generic" in groups
        attributed = bool(groups & _ATTRIBUTED)
        distinct = bool(groups & _DISTINCT_SET)
        mechanic_to_state += mechanic and attributed and not named and not distinct
        fused += named and attributed and not distinct
        own_terms += (mechanic or named) and not attributed and "state_reference" not in groups
    return {
        "sentence_mechanic_to_state": float(mechanic_to_state > 0),
        "sentence_private_fused_with_state": float(fused > 0),
        "share_private_on_own_terms": own_terms / n if n else 0.0,
    }


FEATURE_NAMES = tuple(cue_features("", ""))


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
        rows = [list(cue_features(text, title).values()) for text, title in _texts_and_titles(X)]
        return sparse.csr_matrix(np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURE_NAMES)))

    def get_feature_names_out(self, input_features=None):
        return np.asarray(FEATURE_NAMES, dtype=object)


def _texts_and_titles(X):
    """(text, title) pairs from a DataFrame with ``text`` and ``title`` columns, a 2-column
    array of them, or plain texts (no headline)."""
    if hasattr(X, "columns"):
        titles = X["title"] if "title" in X.columns else [""] * len(X)
        return zip(X["text"], titles)
    X = list(X)
    if X and not isinstance(X[0], str):
        return ((row[0], row[1] if len(row) > 1 else "") for row in X)
    return ((text, "") for text in X)


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
    found = lexicon.cue_matches(text)
    spans = []
    for kind in kinds:
        for group in lexicon.EVIDENCE_KINDS[kind]:
            for start, end in found[group]:
                spans.append({"kind": kind, "text": text[start:end], "start": start, "end": end})
    spans.sort(key=lambda s: (s["start"], s["end"]))
    return spans
