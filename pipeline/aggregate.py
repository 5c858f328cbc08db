"""Aggregation: from labelled passages to article verdicts, group shares and actor tables.

Pure functions on DataFrames; nothing here reads or writes files. The inputs are the
tables a ``framing run`` writes (see :mod:`pipeline.report` for the loader):

- ``articles``: article_id, outlet, date ("YYYY-MM-DD", raw text or ""), duplicate_of, ...
- ``passages``: passage_id, article_id, index, kind, text, label, p_conflates,
  p_distinguishes, p_neither, reason, topical, top_features, evidence
- ``entities``: passage_id, article_id, text, label, canonical, start, end

Shares are always over *classified* passages (``reason == "classified"``: the body passages
the relevance filter sent to the classifier). That is the population the classifier's
cross-validated error rates describe, which the adjusted share needs; headings, boilerplate
and off-topic passages are never classified (label ``neither`` by construction) and would
only dilute the share. ``topical`` (a gazetteer entity in the passage) is a different test:
a topical heading is not classified, and a classified passage may say "the system" without
naming an actor, so topical counts are reported for information only.
"""
from __future__ import annotations

import itertools
import json
import re
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .config import BOOTSTRAP_SAMPLES, DEFAULT_PERIOD, RANDOM_STATE, SYNDICATION_THRESHOLD

VERDICTS = ("conflates", "distinguishes", "mixed", "neither")
VERDICT_RULE = (
    "An article's verdict follows from its passage labels: `conflates` if at least one "
    "passage conflates and none distinguishes; `distinguishes` if at least one passage "
    "distinguishes and none conflates; `mixed` if it has both; `neither` otherwise "
    "(including articles without passages)."
)
PERIODS = ("month", "quarter", "year")
SYNDICATED = ("once", "per-outlet")
UNKNOWN_PERIOD = "unknown"
UNKNOWN_OUTLET = "(unknown)"
PRIVATE_PILOT, STATE_SYSTEM = "PRIVATE_PILOT", "STATE_SYSTEM"

_ISO_DATE = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")
_WORD = re.compile(r"\w+")
_SHINGLE = 5
_MINHASH_BINS = 128  # one-permutation MinHash: 128 bins of the shingle-hash space
_CHUNK = 2000  # articles hashed per batch
_BIG_BUCKET = 50  # LSH buckets larger than this are linked as a chain, not all pairs


# --- articles -----------------------------------------------------------------------------


def article_verdicts(passages: pd.DataFrame) -> pd.DataFrame:
    """One row per article that has passages, with its verdict.

    Columns: article_id, passages (all), topical_passages (naming a gazetteer actor),
    classified_passages, conflates and distinguishes (classified passages with that label),
    conflates_share and distinguishes_share (over classified passages; NaN without any),
    mean_p_conflates (over classified passages) and verdict. The verdict rule
    (``VERDICT_RULE``): ``conflates`` if >= 1 conflating passage and no distinguishing one;
    ``distinguishes`` if >= 1 distinguishing and no conflating one; ``mixed`` if both;
    ``neither`` otherwise.

    >>> article_verdicts(passages).loc[0, "verdict"]
    'mixed'
    """
    scored = classified(passages)
    p = passages.assign(
        _topical=_flag(passages, "topical"),
        _scored=scored,
        _c=passages["label"].eq("conflates") & scored,
        _d=passages["label"].eq("distinguishes") & scored,
        _p=passages["p_conflates"].astype(float).where(scored),
    )
    g = p.groupby("article_id", sort=False)
    out = pd.DataFrame(
        {
            "passages": g.size(),
            "topical_passages": g["_topical"].sum(),
            "classified_passages": g["_scored"].sum(),
            "conflates": g["_c"].sum(),
            "distinguishes": g["_d"].sum(),
            "mean_p_conflates": g["_p"].mean(),
        }
    ).reset_index()
    n = out["classified_passages"].where(out["classified_passages"] > 0)
    out["conflates_share"] = out["conflates"] / n
    out["distinguishes_share"] = out["distinguishes"] / n
    out["verdict"] = _verdict(out["conflates"], out["distinguishes"])
    out = out[["article_id", *_COUNTS, "conflates_share", "distinguishes_share", "mean_p_conflates", "verdict"]]
    for col in _COUNTS:
        out[col] = out[col].astype("int64")
    return out


_COUNTS = ("passages", "topical_passages", "classified_passages", "conflates", "distinguishes")


def classified(passages: pd.DataFrame) -> pd.Series:
    """Which passages the classifier labelled (``reason == "classified"``).

    Tables without a ``reason`` column fall back to ``topical``.
    """
    if "reason" in passages:
        return passages["reason"].eq("classified").fillna(False).astype(bool)
    return _flag(passages, "topical")


def _flag(df: pd.DataFrame, col: str) -> pd.Series:
    if col not in df:
        return pd.Series(False, index=df.index)
    return df[col].fillna(False).astype(bool)


def verdict_of(conflates: int, distinguishes: int) -> str:
    """The verdict (``VERDICT_RULE``) of an article with these counts of classified passages
    labelled ``conflates`` and ``distinguishes``; the one implementation of the rule, used by
    :func:`article_verdicts` and by the batch runner."""
    if conflates and distinguishes:
        return "mixed"
    return "conflates" if conflates else "distinguishes" if distinguishes else "neither"


def _verdict(conflates: pd.Series, distinguishes: pd.Series) -> pd.Series:
    verdict = [verdict_of(c, d) for c, d in zip(conflates, distinguishes)]
    return pd.Series(verdict, index=conflates.index, dtype=object)


def articles_with_verdicts(articles: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """``articles`` joined with :func:`article_verdicts`, in the articles' order.

    Articles without passages get zero counts and verdict ``neither``; duplicates
    (``duplicate_of`` set) keep zero counts and an empty verdict, since their first copy
    carries the verdict. Any ``verdict`` column already present is recomputed.
    """
    verdicts = article_verdicts(passages)
    base = articles.drop(columns=[c for c in verdicts.columns if c != "article_id"], errors="ignore")
    out = base.merge(verdicts, on="article_id", how="left")
    for col in _COUNTS:
        out[col] = out[col].fillna(0).astype("int64")
    out["verdict"] = out["verdict"].fillna("neither").astype(object)
    out.loc[_is_duplicate(out), "verdict"] = ""
    return out


def _is_duplicate(articles: pd.DataFrame) -> pd.Series:
    if "duplicate_of" not in articles:
        return pd.Series(False, index=articles.index)
    dup = articles["duplicate_of"].fillna("").astype(str).str.strip()
    return dup.ne("") & dup.ne("nan")


# --- intervals and adjusted shares -----------------------------------------------------------


def wilson_interval(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval for ``k`` successes in ``n`` trials; ``(nan, nan)`` if n == 0.

    >>> [round(x, 4) for x in wilson_interval(3, 10)]
    [0.1078, 0.6032]
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return (float(max(0.0, centre - half)), float(min(1.0, centre + half)))


def adjusted_share(k: int, n: int, tpr: float, fpr: float) -> float:
    """Adjusted classify-and-count (Forman 2008): ``(k/n - fpr) / (tpr - fpr)`` in [0, 1].

    NaN if ``n == 0`` or the classifier is no better than chance (``tpr <= fpr``).

    >>> round(adjusted_share(30, 100, tpr=0.8, fpr=0.1), 4)
    0.2857
    """
    if n <= 0 or not tpr > fpr:
        return float("nan")
    return float(np.clip((k / n - fpr) / (tpr - fpr), 0.0, 1.0))


def bootstrap_adjusted(
    k: int,
    n: int,
    tpr_counts: tuple[int, int],
    fpr_counts: tuple[int, int],
    *,
    samples: int = BOOTSTRAP_SAMPLES,
    random_state: int = RANDOM_STATE,
    level: float = 0.95,
) -> tuple[float, float]:
    """Percentile bootstrap interval of :func:`adjusted_share`.

    Each replicate redraws the passages (``k* ~ Binomial(n, p*)``, where ``p*`` comes from
    the Jeffreys posterior Beta(k + 1/2, n - k + 1/2) so that k = 0 or k = n still gives an
    interval of non-zero width) and the classifier's rates from its cross-validation counts,
    ``tpr_counts = (tp, positives)`` and ``fpr_counts = (fp, negatives)``, each from its
    Jeffreys beta posterior; so the interval carries the uncertainty of the rates as well
    as of the sample. Deterministic for a ``random_state``.

    >>> bootstrap_adjusted(30, 100, (80, 100), (10, 100), samples=2000, random_state=13)
    (0.09..., 0.47...)
    """
    if n <= 0:
        return (float("nan"), float("nan"))
    (tp, pos), (fp, neg) = tpr_counts, fpr_counts
    if pos <= 0 or neg <= 0:
        return (float("nan"), float("nan"))
    rng = np.random.default_rng(random_state)
    raw = rng.binomial(n, rng.beta(k + 0.5, n - k + 0.5, size=samples)) / n
    tpr = rng.beta(tp + 0.5, pos - tp + 0.5, size=samples)
    fpr = rng.beta(fp + 0.5, neg - fp + 0.5, size=samples)
    ok = tpr > fpr
    if not ok.any():
        return (float("nan"), float("nan"))
    adj = np.clip((raw[ok] - fpr[ok]) / (tpr[ok] - fpr[ok]), 0.0, 1.0)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(adj, [tail, 100 - tail])
    return (float(low), float(high))


def card_rates(card: dict | None) -> dict | None:
    """The binary error rates a model card reports, or None: from its real-coverage
    cross-validation when it has one (``framing train --real``), else from its
    in-distribution cross-validation, which flatters the model on new sources.

    Returns ``{"tpr", "fpr", "tpr_counts": (tp, positives), "fpr_counts": (fp, negatives),
    "source": "real coverage" | "in-distribution", "passages", "articles"}`` with
    ``tp = round(tpr * positives)`` and ``fp = round(fpr * negatives)``; ``articles`` is None
    for in-distribution rates.
    """
    try:
        real = card.get("real_coverage")
        figures = real if real else card["cv"]
        b = figures["binary"]
        tpr, fpr = float(b["tpr"]), float(b["fpr"])
        pos, neg = int(b["positives"]), int(b["negatives"])
    except (AttributeError, KeyError, TypeError, ValueError):
        return None
    return {
        "tpr": tpr,
        "fpr": fpr,
        "tpr_counts": (int(round(tpr * pos)), pos),
        "fpr_counts": (int(round(fpr * neg)), neg),
        "source": "real coverage" if real else "in-distribution",
        "passages": pos + neg,
        "articles": int(real["articles"]) if real and real.get("articles") is not None else None,
    }


# --- periods ---------------------------------------------------------------------------------


def bucket_periods(dates: pd.Series, period: str = DEFAULT_PERIOD) -> pd.Series:
    """Map dates to period labels: "2018-03" (month), "2018-Q1" (quarter), "2018" (year).

    Only ISO dates ("YYYY-MM-DD", optionally with a time) are read; anything else, an
    impossible date or "" maps to "unknown".

    >>> bucket_periods(pd.Series(["2018-03-15", "March 2018"]), "quarter").tolist()
    ['2018-Q1', 'unknown']
    """
    if period not in PERIODS:
        raise ValueError(f"period must be one of {PERIODS}, got {period!r}")
    parsed = parse_dates(dates)
    if period == "year":
        labels = parsed.dt.strftime("%Y")
    elif period == "month":
        labels = parsed.dt.strftime("%Y-%m")
    else:
        labels = parsed.dt.year.astype("Int64").astype(str) + "-Q" + parsed.dt.quarter.astype("Int64").astype(str)
    return labels.where(parsed.notna(), UNKNOWN_PERIOD).astype(object)


def parse_dates(dates: pd.Series) -> pd.Series:
    """ISO "YYYY-MM-DD" strings to timestamps; anything else to NaT."""
    text = dates.astype(object).where(dates.notna(), "").astype(str)
    parts = text.str.extract(_ISO_DATE)
    iso = parts[0] + "-" + parts[1] + "-" + parts[2]
    return pd.to_datetime(iso, format="%Y-%m-%d", errors="coerce")


def _period_order(labels: Iterable[str]) -> list[str]:
    return sorted(set(labels), key=lambda x: (x == UNKNOWN_PERIOD, x))


# --- syndication -----------------------------------------------------------------------------


def syndication_groups(
    articles: pd.DataFrame,
    passages: pd.DataFrame,
    threshold: float = SYNDICATION_THRESHOLD,
) -> pd.DataFrame:
    """Group near-identical articles (wire stories run by several outlets) into stories.

    Two articles belong together when the Jaccard similarity of their word 5-shingles
    (lower-cased body text, joined from the ``body`` passages) is >= ``threshold``; groups
    are the connected components of that relation. Candidates come from one-permutation
    MinHash with banded LSH and every candidate pair is checked on the exact shingle sets,
    so the cost grows with the number of articles, not pairs. Duplicates (``duplicate_of``
    set) are left out: they were removed upstream.

    Returns one row per non-duplicate article: article_id, story_id (the article_id of the
    story's earliest-dated article, unknown dates last, then input order), story_size,
    n_outlets (distinct outlets in the story).

    >>> syndication_groups(articles, passages).query("story_size > 1")
    """
    arts = _ordered_articles(articles)
    texts = _body_texts(passages).reindex(arts["article_id"]).fillna("").tolist()
    n = len(arts)
    parent = np.arange(n)
    sigs, has = _minhash(texts)
    if n > 1 and has.any():
        cand = _lsh_candidates(sigs, has, threshold)
        cache: dict[int, np.ndarray] = {}
        for i, j in cand:
            a = cache.setdefault(i, _shingles(texts[i]))
            b = cache.setdefault(j, _shingles(texts[j]))
            if _jaccard(a, b) >= threshold:
                _union(parent, i, j)
    roots = np.array([_find(parent, i) for i in range(n)])
    # The story's representative is its first article in (date, input order): arts is sorted so.
    first = pd.Series(np.arange(n)).groupby(roots).transform("min").to_numpy()
    out = pd.DataFrame({"article_id": arts["article_id"].to_numpy(), "_root": roots})
    out["story_id"] = arts["article_id"].to_numpy()[first]
    out["_outlet"] = arts["outlet"].to_numpy()
    out["story_size"] = out.groupby("_root")["article_id"].transform("size").astype("int64")
    out["n_outlets"] = out.groupby("_root")["_outlet"].transform("nunique").astype("int64")
    out["_pos"] = arts["_pos"].to_numpy()
    out = out.sort_values("_pos", kind="stable")
    return out[["article_id", "story_id", "story_size", "n_outlets"]].reset_index(drop=True)


def select_syndicated(
    articles: pd.DataFrame, syndication: pd.DataFrame, *, syndicated: str = "once"
) -> tuple[pd.DataFrame, int]:
    """Keep one article per story (``once``) or per story and outlet (``per-outlet``).

    The kept copy is the earliest-dated (then first) article. Duplicates are dropped too.
    Returns the kept articles (original order) and how many syndicated copies were dropped.
    """
    if syndicated not in SYNDICATED:
        raise ValueError(f"syndicated must be one of {SYNDICATED}, got {syndicated!r}")
    arts = _ordered_articles(articles)
    story = syndication.set_index("article_id")["story_id"] if len(syndication) else pd.Series(dtype=object)
    arts["_story"] = arts["article_id"].map(story).fillna(arts["article_id"])
    keys = ["_story"] if syndicated == "once" else ["_story", "outlet"]
    keep = ~arts.duplicated(keys, keep="first")
    kept_ids = set(arts.loc[keep, "article_id"])
    base = articles[~_is_duplicate(articles)]
    kept = base[base["article_id"].isin(kept_ids)]
    return kept, int(len(base) - len(kept))


def _ordered_articles(articles: pd.DataFrame) -> pd.DataFrame:
    """Non-duplicate articles sorted by (date, unknown last; input order), with outlet keys."""
    arts = articles[~_is_duplicate(articles)].copy()
    arts["_pos"] = np.arange(len(arts))
    arts["outlet"] = _outlet_keys(arts)
    arts["_date"] = parse_dates(arts["date"]) if "date" in arts else pd.NaT
    return arts.sort_values(["_date", "_pos"], na_position="last", kind="stable").reset_index(drop=True)


def _outlet_keys(articles: pd.DataFrame) -> pd.Series:
    if "outlet" not in articles:
        return pd.Series(UNKNOWN_OUTLET, index=articles.index, dtype=object)
    outlet = articles["outlet"].astype(object).where(articles["outlet"].notna(), "").astype(str).str.strip()
    return outlet.where(outlet.ne("") & outlet.ne("nan"), UNKNOWN_OUTLET).astype(object)


def _body_texts(passages: pd.DataFrame) -> pd.Series:
    body = passages[passages["kind"].eq("body")] if "kind" in passages else passages
    body = body.sort_values(["article_id", "index"], kind="stable")
    joined: dict[str, list[str]] = {}
    for article_id, text in zip(body["article_id"].tolist(), body["text"].astype(str).tolist()):
        joined.setdefault(article_id, []).append(text)
    return pd.Series({k: " ".join(v) for k, v in joined.items()}, dtype=object)


def _chunk_shingles(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the word 5-shingles of ``texts`` and the index of the text of each.

    Tokens of all texts are hashed in one call (pandas' stable SipHash), and shingles that
    would straddle two texts are dropped.
    """
    tokens = [_WORD.findall(text.lower()) for text in texts]
    lens = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    total = int(lens.sum())
    m = total - _SHINGLE + 1
    if m <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    flat = np.fromiter(itertools.chain.from_iterable(tokens), dtype=object, count=total)
    h = pd.util.hash_array(flat)
    owner = np.repeat(np.arange(len(texts)), lens)
    s = h[:m].copy()
    for j in range(1, _SHINGLE):  # polynomial rolling combination, wrapping in uint64
        s = s * np.uint64(0x100000001B3) + h[j : j + m]
    valid = owner[:m] == owner[_SHINGLE - 1 :]
    s = s[valid]
    return s ^ (s >> np.uint64(29)), owner[:m][valid]


def _shingles(text: str) -> np.ndarray:
    """Sorted unique 64-bit hashes of the word 5-shingles of ``text``."""
    return np.unique(_chunk_shingles([text])[0])


def _minhash(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """One-permutation MinHash signatures (with rotation densification) for each text.

    Returns the (texts x bins) signatures and a mask of texts that have any shingle.
    """
    bins = _MINHASH_BINS
    empty = np.iinfo(np.uint64).max
    sigs = np.full((len(texts), bins), empty, dtype=np.uint64)
    for start in range(0, len(texts), _CHUNK):  # chunks keep memory flat on big runs
        s, owner = _chunk_shingles(texts[start : start + _CHUNK])
        if len(s):
            cell = (owner + start) * bins + (s >> np.uint64(57)).astype(np.int64)  # top 7 bits: bin
            np.minimum.at(sigs.reshape(-1), cell, s & np.uint64((1 << 57) - 1))
    has = (sigs != empty).any(axis=1)
    # Empty bins borrow the next non-empty bin's value (circularly), offset by the distance.
    is_empty = sigs == empty
    pos = np.where(~np.concatenate([is_empty, is_empty], axis=1), np.arange(2 * bins), 4 * bins)
    nxt = np.minimum.accumulate(pos[:, ::-1], axis=1)[:, ::-1][:, :bins]
    nxt = np.where(nxt >= 2 * bins, np.arange(bins), nxt)
    src = sigs[np.arange(len(texts))[:, None], nxt % bins]
    dist = (nxt - np.arange(bins)).astype(np.uint64)
    dense = np.where(is_empty & has[:, None], src + dist * np.uint64(0x9E3779B97F4A7C15), sigs)
    return dense, has


def _bands_for(threshold: float) -> int:
    """Rows per LSH band: the most selective banding that still finds 99% of pairs at threshold."""
    for rows in (32, 16, 8, 4, 2, 1):
        bands = _MINHASH_BINS // rows
        if 1 - (1 - threshold**rows) ** bands >= 0.99:
            return rows
    return 1


def _lsh_candidates(sigs: np.ndarray, has: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    return _candidates(_band_keys(sigs, _bands_for(threshold)), has)


def _band_keys(sigs: np.ndarray, rows: int) -> np.ndarray:
    """One 64-bit key per LSH band of ``rows`` signature bins, for each text: (texts x bands).
    Rows are independent, so keys can be computed chunk by chunk and only they kept."""
    starts = range(0, _MINHASH_BINS, rows)
    keys = np.zeros((len(sigs), len(starts)), dtype=np.uint64)
    for b, start in enumerate(starts):
        band = sigs[:, start : start + rows]
        key = np.zeros(len(sigs), dtype=np.uint64)
        for c in range(band.shape[1]):
            key = key * np.uint64(0x100000001B3) + band[:, c]
        keys[:, b] = key
    return keys


def _candidates(keys: np.ndarray, has: np.ndarray) -> list[tuple[int, int]]:
    """Pairs (i < j) of texts with shingles that share a band key, sorted."""
    idx = np.flatnonzero(has)
    pairs: set[tuple[int, int]] = set()
    for band in range(keys.shape[1]):
        key = keys[idx, band]
        order = np.argsort(key, kind="stable")
        skey = key[order]
        cut = np.flatnonzero(np.diff(skey)) + 1
        for group in np.split(order, cut):
            if len(group) < 2:
                continue
            members = sorted(idx[group].tolist())
            if len(members) > _BIG_BUCKET:  # a chain keeps components connected, linearly
                pairs.update(zip(members, members[1:]))
            else:
                pairs.update((a, b) for x, a in enumerate(members) for b in members[x + 1 :])
    return sorted(pairs)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    if not len(a) or not len(b):
        return 0.0
    inter = len(np.intersect1d(a, b, assume_unique=True))
    return inter / (len(a) + len(b) - inter)


def _find(parent: np.ndarray, i: int) -> int:
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return int(i)


def _union(parent: np.ndarray, i: int, j: int) -> None:
    ri, rj = _find(parent, i), _find(parent, j)
    if ri != rj:
        parent[max(ri, rj)] = min(ri, rj)


# --- group summaries -------------------------------------------------------------------------


def group_summary(
    articles: pd.DataFrame,
    passages: pd.DataFrame,
    by: str | Sequence[str] = "outlet",
    *,
    period: str = DEFAULT_PERIOD,
    card: dict | None = None,
    syndicated: str = "once",
    syndication: pd.DataFrame | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
    random_state: int = RANDOM_STATE,
) -> pd.DataFrame:
    """Conflation figures per outlet, per period, per (outlet, period) or overall.

    ``by`` is "outlet", "period", "all" or a sequence of "outlet"/"period". Duplicates are
    left out and syndicated copies counted ``once`` or ``per-outlet`` (``syndication`` from
    :func:`syndication_groups`; computed if None). Unknown outlets are "(unknown)", unknown
    dates fall in period "unknown".

    Columns: the group key(s), articles, topical_passages (passages naming a private-pilot or
    state-system actor; shares are over classified passages, the population the classifier's
    error rates describe), classified_articles (articles with >= 1
    classified passage), classified_passages, conflates (classified passages labelled
    conflates), conflation_share (conflates / classified_passages), ci_low, ci_high (95% Wilson),
    adjusted_share, adjusted_low, adjusted_high (Forman's adjusted classify-and-count with
    the card's CV rates and a bootstrap interval; NaN without a card),
    share_articles_conflating (verdict conflates or mixed / classified_articles), mixed,
    share_conflating_that_correct (mixed / (conflates + mixed) articles).

    >>> group_summary(articles, passages, "outlet", card=card)[["outlet", "conflation_share"]]
    """
    keys = _group_keys(by)
    if "verdict" not in articles:
        articles = articles_with_verdicts(articles, passages)
    if syndication is None:
        syndication = syndication_groups(articles, passages)
    kept, _ = select_syndicated(articles, syndication, syndicated=syndicated)
    arts = kept.assign(
        outlet=_outlet_keys(kept),
        period=bucket_periods(kept["date"] if "date" in kept else pd.Series("", index=kept.index), period),
        all="all",
    )
    psg = passages[passages["article_id"].isin(arts["article_id"]) & classified(passages)]
    psg = psg.merge(arts[["article_id", *keys]], on="article_id", how="left")
    psg = psg.assign(_c=psg["label"].eq("conflates"))
    arts = arts.assign(
        _scored=arts["classified_passages"].gt(0),
        _conf=arts["verdict"].isin(["conflates", "mixed"]),
        _only=arts["verdict"].eq("conflates"),
        _mixed=arts["verdict"].eq("mixed"),
    )
    ga = arts.groupby(keys, sort=False)
    out = pd.DataFrame(
        {
            "articles": ga.size(),
            "topical_passages": ga["topical_passages"].sum() if "topical_passages" in arts else 0,
            "classified_articles": ga["_scored"].sum(),
            "_conf_articles": ga["_conf"].sum(),
            "_only": ga["_only"].sum(),
            "mixed": ga["_mixed"].sum(),
        }
    )
    gp = psg.groupby(keys, sort=False)
    out["classified_passages"] = gp.size().reindex(out.index).fillna(0)
    out["conflates"] = gp["_c"].sum().reindex(out.index).fillna(0)
    return group_figures(out.reset_index(), keys, card=card, samples=samples, random_state=random_state)


_GROUP_COUNTS = ("articles", "topical_passages", "classified_articles", "_conf_articles", "_only", "mixed",
                 "classified_passages", "conflates")


def group_figures(
    counts: pd.DataFrame,
    keys: list[str],
    *,
    card: dict | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
    random_state: int = RANDOM_STATE,
) -> pd.DataFrame:
    """The columns of :func:`group_summary` from one row of counts per group: the key(s),
    articles, topical_passages, classified_articles, _conf_articles (verdict conflates or
    mixed), _only (verdict conflates), mixed, classified_passages and conflates. Shared with
    the report, which sums the counts over its Parquet outputs in DuckDB."""
    out = counts.copy()
    for col in _GROUP_COUNTS:
        out[col] = out[col].fillna(0).astype("int64")
    rates = card_rates(card)
    rows = [_share_figures(int(k), int(n), rates, samples, random_state) for k, n in zip(out["conflates"], out["classified_passages"])]
    figures = pd.DataFrame(rows, columns=["conflation_share", "ci_low", "ci_high", "adjusted_share", "adjusted_low", "adjusted_high"],
                           index=out.index, dtype=float)
    out = pd.concat([out, figures], axis=1)
    out["share_articles_conflating"] = out["_conf_articles"] / out["classified_articles"].where(out["classified_articles"] > 0)
    correctable = (out["_only"] + out["mixed"]).where(lambda s: s > 0)
    out["share_conflating_that_correct"] = out["mixed"] / correctable
    out = _sort_groups(out, keys)
    cols = [*keys, "articles", "topical_passages", "classified_articles", "classified_passages", "conflates",
            "conflation_share",
            "ci_low", "ci_high", "adjusted_share", "adjusted_low", "adjusted_high",
            "share_articles_conflating", "mixed", "share_conflating_that_correct"]
    return out[cols].reset_index(drop=True)


def _group_keys(by: str | Sequence[str]) -> list[str]:
    keys = [by] if isinstance(by, str) else list(by)
    valid = {"outlet", "period", "all"}
    if not keys or any(k not in valid for k in keys):
        raise ValueError(f"by must be 'outlet', 'period', 'all' or a sequence of them, got {by!r}")
    return keys


def _share_figures(k: int, n: int, rates: dict | None, samples: int, random_state: int) -> tuple:
    share = k / n if n else float("nan")
    low, high = wilson_interval(k, n)
    if rates is None:
        return (share, low, high, float("nan"), float("nan"), float("nan"))
    adj = adjusted_share(k, n, rates["tpr"], rates["fpr"])
    a_low, a_high = bootstrap_adjusted(
        k, n, rates["tpr_counts"], rates["fpr_counts"], samples=samples, random_state=random_state
    )
    return (share, low, high, adj, a_low, a_high)


def _sort_groups(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    sort_cols = []
    for key in keys:
        unknown = UNKNOWN_PERIOD if key == "period" else UNKNOWN_OUTLET
        df[f"_u_{key}"] = df[key].eq(unknown)
        sort_cols += [f"_u_{key}", key]
    return df.sort_values(sort_cols, kind="stable")


# --- actors and evidence ---------------------------------------------------------------------


def actor_table(entities: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """Private-pilot and state-system actors named in conflating passages.

    Columns: actor (canonical name), kind ("private_pilot" | "state_system"), passages and
    articles (conflating ones naming the actor), all_passages (any passage naming it);
    sorted by passages, descending.
    """
    ents = _gazetteer_entities(entities)
    conflating = set(passages.loc[passages["label"].eq("conflates"), "passage_id"])
    ents = ents.assign(_c=ents["passage_id"].isin(conflating))
    cols = ["actor", "kind", "passages", "articles", "all_passages"]
    if ents.empty:
        return pd.DataFrame(columns=cols)
    g = ents.groupby(["actor", "kind"])
    c = ents[ents["_c"]].groupby(["actor", "kind"])
    out = pd.DataFrame({"all_passages": g["passage_id"].nunique()})
    out["passages"] = c["passage_id"].nunique().reindex(out.index).fillna(0).astype("int64")
    out["articles"] = c["article_id"].nunique().reindex(out.index).fillna(0).astype("int64")
    out = out.reset_index()
    out = out[out["passages"] > 0].sort_values(["passages", "articles", "actor"], ascending=[False, False, True])
    return out[cols].reset_index(drop=True)


def actor_pairs(entities: pd.DataFrame, passages: pd.DataFrame) -> pd.DataFrame:
    """(private pilot, state system) pairs named together in conflating passages.

    Columns: private_pilot, state_system, passages, articles; sorted by passages, descending.
    """
    ents = _gazetteer_entities(entities)
    conflating = set(passages.loc[passages["label"].eq("conflates"), "passage_id"])
    ents = ents[ents["passage_id"].isin(conflating)]
    cols = ["private_pilot", "state_system", "passages", "articles"]
    private = ents[ents["kind"].eq("private_pilot")][["passage_id", "article_id", "actor"]].drop_duplicates()
    state = ents[ents["kind"].eq("state_system")][["passage_id", "actor"]].drop_duplicates()
    pairs = private.merge(state, on="passage_id", suffixes=("_p", "_s"))
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    pairs = pairs.rename(columns={"actor_p": "private_pilot", "actor_s": "state_system"})
    g = pairs.groupby(["private_pilot", "state_system"])
    out = pd.DataFrame({"passages": g["passage_id"].nunique(), "articles": g["article_id"].nunique()}).reset_index()
    out = out.sort_values(["passages", "articles", "private_pilot", "state_system"], ascending=[False, False, True, True])
    return out[cols].reset_index(drop=True)


def _gazetteer_entities(entities: pd.DataFrame) -> pd.DataFrame:
    ents = entities[entities["label"].isin([PRIVATE_PILOT, STATE_SYSTEM])]
    canonical = ents["canonical"].astype(object).where(ents["canonical"].notna() & ents["canonical"].astype(str).ne(""), ents["text"])
    return ents.assign(
        actor=canonical.astype(str),
        kind=ents["label"].map({PRIVATE_PILOT: "private_pilot", STATE_SYSTEM: "state_system"}),
    )


def evidence_table(
    articles: pd.DataFrame,
    passages: pd.DataFrame,
    entities: pd.DataFrame,
    *,
    top_n: int = 5,
) -> pd.DataFrame:
    """Per outlet, the ``top_n`` most confident conflating and distinguishing passages.

    Confidence is the passage's probability of its own label. Columns: outlet, label,
    rank, confidence, passage_id, article_id, title, date, source_path, url, text,
    entities (JSON list of {text, label, canonical, start, end}), top_features and
    evidence (the JSON strings from the passages table).
    """
    cols = ["outlet", "label", "rank", "confidence", "passage_id", "article_id", "title", "date",
            "source_path", "url", "text", "entities", "top_features", "evidence"]
    arts = articles[~_is_duplicate(articles)].assign(outlet=lambda a: _outlet_keys(a))
    meta = [c for c in ("article_id", "outlet", "title", "date", "source_path", "url") if c in arts]
    p = passages[passages["label"].isin(["conflates", "distinguishes"])]
    if "reason" in p:
        p = p[p["reason"].eq("classified")]
    p = p.merge(arts[meta], on="article_id", how="inner")
    if p.empty:
        return pd.DataFrame(columns=cols)
    p = p.assign(confidence=np.where(p["label"].eq("conflates"), p["p_conflates"], p["p_distinguishes"]).astype(float))
    p = p.sort_values(["outlet", "label", "confidence", "passage_id"], ascending=[True, True, False, True], kind="stable")
    p = p.groupby(["outlet", "label"], sort=False).head(top_n)
    p = p.assign(rank=p.groupby(["outlet", "label"], sort=False).cumcount() + 1)
    ents = _entities_json(entities)
    p["entities"] = [ents.get(pid, "[]") for pid in p["passage_id"]]
    for col in ("title", "date", "source_path", "url", "top_features", "evidence"):
        if col not in p:
            p[col] = ""
    return p[cols].reset_index(drop=True)


def _entities_json(entities: pd.DataFrame) -> dict[str, str]:
    """passage_id -> JSON list of its entities, in text order."""
    fields = [f for f in ("text", "label", "canonical", "start", "end") if f in entities]
    grouped: dict[str, list[dict]] = {}
    for row in entities.sort_values(["passage_id", "start"]).to_dict("records") if len(entities) else []:
        grouped.setdefault(row["passage_id"], []).append(
            {f: (int(row[f]) if f in ("start", "end") else str(row[f])) for f in fields}
        )
    return {pid: json.dumps(ents, ensure_ascii=False) for pid, ents in grouped.items()}
