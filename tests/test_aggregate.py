"""Aggregation on a hand-built fixture: 2 outlets, 5 articles (+1 duplicate), 17 passages.

Every expected value below was worked out by hand from the fixture; see the comments.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from pipeline.aggregate import (
    VERDICT_RULE,
    actor_pairs,
    actor_table,
    adjusted_share,
    article_verdicts,
    articles_with_verdicts,
    bootstrap_adjusted,
    bucket_periods,
    card_rates,
    evidence_table,
    group_summary,
    select_syndicated,
    syndication_groups,
    wilson_interval,
)

A, B = "Daily Planet", "The Bugle"
# tpr 0.8 of 50 positives -> tp = 40; fpr 0.1 of 150 negatives -> fp = 15
CARD = {"cv": {"binary": {"tpr": 0.8, "fpr": 0.1, "positives": 50, "negatives": 150}}}


def _passage(article_id, index, label="neither", pc=0.0, pd_=0.0, *, topical=True, kind="body", text=None, reason=None):
    if reason is None:
        reason = "classified" if topical and kind == "body" else ("boilerplate" if kind == "boilerplate" else "off-topic")
    if reason != "classified":
        pc, pd_ = 0.0, 0.0
    return {
        "passage_id": f"{article_id}-{index}",
        "article_id": article_id,
        "index": index,
        "start": 0,
        "end": 10,
        "text": text or f"passage {index} of {article_id}",
        "kind": kind,
        "label": label,
        "p_conflates": pc,
        "p_distinguishes": pd_,
        "p_neither": 1.0 - pc - pd_,
        "reason": reason,
        "topical": topical,
        "top_features": json.dumps([{"feature": "sesame credit", "weight": 1.5}]),
        "evidence": "[]",
    }


@pytest.fixture
def articles():
    rows = [
        ("a1", A, "2018-03-15", ""),
        ("a2", A, "2018-11-02", ""),
        ("a3", B, "2019-01-20", ""),
        ("a4", B, "", ""),  # unknown date
        ("a5", B, "2019-07-04", ""),  # nothing classified
        ("a6", B, "2019-01-20", "a3"),  # exact duplicate of a3: no passages, never counted
    ]
    return pd.DataFrame(
        [{"article_id": i, "outlet": o, "date": d, "duplicate_of": dup, "title": f"Title {i}",
          "source_path": f"corpus/{i}.txt", "url": f"https://example.org/{i}"} for i, o, d, dup in rows]
    )


@pytest.fixture
def passages():
    return pd.DataFrame(
        [
            _passage("a1", 0, "conflates", 0.9, 0.05),
            _passage("a1", 1, "neither", 0.3, 0.1),
            _passage("a1", 2, topical=False),
            _passage("a1", 3, topical=False, kind="boilerplate"),
            _passage("a1", 4, topical=True, kind="heading", reason="heading"),  # names an actor, never classified
            _passage("a2", 0, "conflates", 0.8, 0.1),
            _passage("a2", 1, "distinguishes", 0.2, 0.7),
            _passage("a2", 2, "neither", 0.2, 0.2),
            _passage("a3", 0, "distinguishes", 0.1, 0.8),
            _passage("a3", 1, "neither", 0.2, 0.1),
            _passage("a4", 0, "neither", 0.4, 0.1),
            _passage("a4", 1, topical=False),
            # classified although it names no gazetteer actor ("the system"): it counts
            _passage("a4", 2, "conflates", 0.7, 0.1, topical=False, reason="classified"),
            _passage("a5", 0, topical=False),
            _passage("a5", 1, topical=False),
            _passage("a5", 2, topical=False, kind="heading"),
            _passage("a5", 3, topical=False, kind="boilerplate"),
        ]
    )


@pytest.fixture
def entities():
    rows = [
        ("a1-0", "a1", "Zhima Credit", "PRIVATE_PILOT", "Sesame Credit"),
        ("a1-0", "a1", "Social Credit System", "STATE_SYSTEM", "Social Credit System"),
        ("a1-0", "a1", "Beijing", "GPE", "Beijing"),
        ("a2-0", "a2", "Sesame Credit", "PRIVATE_PILOT", "Sesame Credit"),
        ("a2-0", "a2", "Tencent Credit", "PRIVATE_PILOT", "Tencent Credit"),
        ("a2-0", "a2", "social credit system", "STATE_SYSTEM", "Social Credit System"),
        ("a2-1", "a2", "Sesame Credit", "PRIVATE_PILOT", "Sesame Credit"),  # distinguishing
        ("a3-0", "a3", "Tencent Credit", "PRIVATE_PILOT", "Tencent Credit"),
    ]
    return pd.DataFrame(
        [{"passage_id": p, "article_id": a, "text": t, "label": lab, "canonical": c, "start": 0,
          "end": len(t), "article_start": 0, "article_end": len(t)} for p, a, t, lab, c in rows]
    )


def test_aggregate_verdicts_per_article(passages):
    v = article_verdicts(passages).set_index("article_id")
    assert v["verdict"].to_dict() == {
        "a1": "conflates", "a2": "mixed", "a3": "distinguishes", "a4": "conflates", "a5": "neither",
    }
    assert v["passages"].tolist() == [5, 3, 2, 3, 4]
    assert v["topical_passages"].tolist() == [3, 3, 2, 1, 0]  # a1's heading names an actor
    assert v["classified_passages"].tolist() == [2, 3, 2, 2, 0]  # ... but is not classified
    assert v["conflates"].tolist() == [1, 1, 0, 1, 0]
    assert v["distinguishes"].tolist() == [0, 1, 1, 0, 0]
    # a1: 1 of 2 classified conflates; a2: 1 of 3; a4: 1 of 2; a5 has none classified -> NaN
    assert v.loc["a1", "conflates_share"] == pytest.approx(0.5)
    assert v.loc["a2", "conflates_share"] == pytest.approx(1 / 3)
    assert v.loc["a4", "conflates_share"] == pytest.approx(0.5)
    assert v.loc["a3", "distinguishes_share"] == pytest.approx(0.5)
    assert math.isnan(v.loc["a5", "conflates_share"])
    # mean over classified passages only: a1 (0.9 + 0.3) / 2, a2 (0.8 + 0.2 + 0.2) / 3, a4 (0.4 + 0.7) / 2
    assert v.loc["a1", "mean_p_conflates"] == pytest.approx(0.6)
    assert v.loc["a2", "mean_p_conflates"] == pytest.approx(0.4)
    assert v.loc["a4", "mean_p_conflates"] == pytest.approx(0.55)
    assert math.isnan(v.loc["a5", "mean_p_conflates"])


def test_aggregate_verdict_rule_text_states_every_case():
    for word in ("conflates", "distinguishes", "mixed", "neither"):
        assert f"`{word}`" in VERDICT_RULE


def test_aggregate_articles_without_passages_and_duplicates(articles, passages):
    merged = articles_with_verdicts(articles.assign(verdict="stale"), passages).set_index("article_id")
    assert merged.loc["a6", "verdict"] == ""  # duplicate: its first copy carries the verdict
    assert merged.loc["a6", "passages"] == 0
    assert merged.loc["a2", "verdict"] == "mixed"  # the stale column is recomputed
    lone = articles_with_verdicts(pd.DataFrame([{"article_id": "z", "outlet": A, "date": ""}]), passages)
    assert lone.loc[0, "verdict"] == "neither"


@pytest.mark.parametrize(
    "k, n, expected",
    [
        (3, 10, (0.1078, 0.6032)),
        (2, 5, (0.1176, 0.7693)),
        (0, 3, (0.0, 0.5615)),
        (1, 4, (0.0456, 0.6994)),
        (10, 10, (0.7225, 1.0)),
    ],
)
def test_aggregate_wilson_interval_matches_hand_values(k, n, expected):
    low, high = wilson_interval(k, n)
    assert (round(low, 4), round(high, 4)) == expected


def test_aggregate_wilson_interval_empty_is_nan():
    assert all(math.isnan(x) for x in wilson_interval(0, 0))


@pytest.mark.parametrize(
    "k, n, tpr, fpr, expected",
    [
        (30, 100, 0.8, 0.1, 0.285714),  # (0.3 - 0.1) / 0.7
        (2, 5, 0.8, 0.1, 0.428571),  # (0.4 - 0.1) / 0.7
        (5, 100, 0.8, 0.1, 0.0),  # below the false-positive rate: clipped to 0
        (95, 100, 0.8, 0.1, 1.0),  # above the true-positive rate: clipped to 1
        (50, 100, 0.9, 0.0, 0.555556),  # 0.5 / 0.9
    ],
)
def test_aggregate_adjusted_share_matches_hand_values(k, n, tpr, fpr, expected):
    assert adjusted_share(k, n, tpr, fpr) == pytest.approx(expected, abs=1e-6)


def test_aggregate_adjusted_share_undefined_for_useless_classifier():
    assert math.isnan(adjusted_share(3, 10, 0.3, 0.3))
    assert math.isnan(adjusted_share(0, 0, 0.8, 0.1))


def test_aggregate_bootstrap_contains_estimate_and_widens_with_fewer_cv_counts():
    point = adjusted_share(30, 100, 0.8, 0.1)
    big = bootstrap_adjusted(30, 100, (80, 100), (10, 100), samples=2000, random_state=13)
    small = bootstrap_adjusted(30, 100, (8, 10), (1, 10), samples=2000, random_state=13)
    assert big[0] < point < big[1]
    assert small[0] <= point <= small[1]
    assert small[1] - small[0] > big[1] - big[0]
    # Rate uncertainty is included: wider than resampling the passages alone (Wilson / 0.7).
    w_low, w_high = wilson_interval(30, 100)
    assert big[1] - big[0] > (w_high - w_low) / 0.7 * 0.9
    assert bootstrap_adjusted(30, 100, (80, 100), (10, 100), samples=2000, random_state=13) == big


def test_aggregate_card_rates_rounds_counts():
    rates = card_rates(CARD)
    assert rates["tpr_counts"] == (40, 50) and rates["fpr_counts"] == (15, 150)
    assert card_rates({}) is None and card_rates(None) is None
    assert rates["source"] == "in-distribution" and rates["articles"] is None


def test_aggregate_card_rates_prefer_real_coverage():
    card = {**CARD, "real_coverage": {"articles": 129,
                                      "binary": {"tpr": 0.6, "fpr": 0.03, "positives": 52, "negatives": 701}}}
    rates = card_rates(card)
    assert (rates["tpr"], rates["fpr"], rates["source"]) == (0.6, 0.03, "real coverage")
    assert rates["tpr_counts"] == (31, 52) and rates["fpr_counts"] == (21, 701)
    assert rates["passages"] == 753 and rates["articles"] == 129
    assert card_rates({**CARD, "real_coverage": None})["source"] == "in-distribution"


@pytest.mark.parametrize(
    "date, period, expected",
    [
        ("2018-03-15", "month", "2018-03"),
        ("2018-03-15", "quarter", "2018-Q1"),
        ("2018-11-02", "quarter", "2018-Q4"),
        ("2018-03-15", "year", "2018"),
        ("2019-12-01T10:00:00", "month", "2019-12"),
        ("", "year", "unknown"),
        (None, "month", "unknown"),
        ("March 3, 2018", "year", "unknown"),
        ("2018-02-30", "year", "unknown"),
    ],
)
def test_aggregate_bucket_periods(date, period, expected):
    assert bucket_periods(pd.Series([date], dtype=object), period).tolist() == [expected]


def test_aggregate_bucket_periods_rejects_unknown_period():
    with pytest.raises(ValueError, match="period must be one of"):
        bucket_periods(pd.Series(["2018-01-01"]), "week")


def test_aggregate_group_summary_by_outlet(articles, passages):
    arts = articles_with_verdicts(articles, passages)
    s = group_summary(arts, passages, "outlet", card=CARD).set_index("outlet")
    assert s.index.tolist() == [A, B]
    assert s["articles"].tolist() == [2, 3]  # a6 is a duplicate
    assert s["classified_articles"].tolist() == [2, 2]  # a5 has no classified passage
    assert s["classified_passages"].tolist() == [5, 4]
    assert s["conflates"].tolist() == [2, 1]
    assert s.loc[A, "conflation_share"] == pytest.approx(0.4)  # 2 / 5
    assert s.loc[B, "conflation_share"] == pytest.approx(0.25)  # 1 / 4
    assert (round(s.loc[A, "ci_low"], 4), round(s.loc[A, "ci_high"], 4)) == (0.1176, 0.7693)
    assert (round(s.loc[B, "ci_low"], 4), round(s.loc[B, "ci_high"], 4)) == (0.0456, 0.6994)
    assert s.loc[A, "adjusted_share"] == pytest.approx(0.3 / 0.7)  # (0.4 - 0.1) / (0.8 - 0.1)
    assert s.loc[B, "adjusted_share"] == pytest.approx(0.15 / 0.7)  # (0.25 - 0.1) / 0.7
    for o in (A, B):
        assert s.loc[o, "adjusted_low"] <= s.loc[o, "adjusted_share"] <= s.loc[o, "adjusted_high"]
    # A: a1 conflates, a2 mixed -> 2 of 2 classified articles conflate, 1 of those 2 corrects itself
    assert s.loc[A, "share_articles_conflating"] == 1.0
    assert s.loc[A, "share_conflating_that_correct"] == 0.5
    # B: a3 distinguishes, a4 conflates (a5 has nothing classified) -> 1 of 2, none corrects itself
    assert s.loc[B, "share_articles_conflating"] == 0.5
    assert s.loc[B, "share_conflating_that_correct"] == 0.0


def test_aggregate_group_summary_without_card_has_no_adjusted_share(articles, passages):
    s = group_summary(articles, passages, "all")
    assert s.loc[0, "conflation_share"] == pytest.approx(3 / 9)
    assert math.isnan(s.loc[0, "adjusted_share"])


@pytest.mark.parametrize(
    "period, expected",
    [
        # period: (classified passages, conflates); a4 has no date
        ("year", {"2018": (5, 2), "2019": (2, 0), "unknown": (2, 1)}),
        ("quarter", {"2018-Q1": (2, 1), "2018-Q4": (3, 1), "2019-Q1": (2, 0), "2019-Q3": (0, 0), "unknown": (2, 1)}),
        ("month", {"2018-03": (2, 1), "2018-11": (3, 1), "2019-01": (2, 0), "2019-07": (0, 0), "unknown": (2, 1)}),
    ],
)
def test_aggregate_group_summary_by_period(articles, passages, period, expected):
    s = group_summary(articles, passages, "period", period=period, card=CARD)
    assert s["period"].tolist() == list(expected)  # chronological, unknown last
    got = {r.period: (r.classified_passages, r.conflates) for r in s.itertuples()}
    assert got == expected


def test_aggregate_group_summary_by_outlet_and_period(articles, passages):
    s = group_summary(articles, passages, ["outlet", "period"], period="year")
    assert list(zip(s["outlet"], s["period"])) == [(A, "2018"), (B, "2019"), (B, "unknown")]


def test_aggregate_group_summary_rejects_bad_by(articles, passages):
    with pytest.raises(ValueError, match="by must be"):
        group_summary(articles, passages, "country")


# --- syndication ---------------------------------------------------------------------------

WIRE = (
    "BEIJING - China's central bank has declined to grant personal credit reporting licences to "
    "any of the eight private companies that ran pilot scoring schemes, including Alibaba's Sesame "
    "Credit and Tencent Credit, officials said on Tuesday. The People's Bank of China said the firms "
    "had conflicts of interest because they used data from their own platforms to rate customers who "
    "also borrowed from them. The decision leaves the commercial scores without official standing. "
    "Sesame Credit gives users of the Alipay payment app a number between 350 and 950 and offers "
    "perks such as deposit-free bike and hotel rentals to people with high scores. Critics in the "
    "West have often described such products as part of the government's plans to rate citizens, "
    "but analysts say the state programme is mainly a set of court blacklists and sector records. "
    "A new joint venture backed by an industry association and the eight firms is expected to "
    "receive the first licence later this year, according to people familiar with the matter. "
    "Shares of lenders that rely on the scores fell in Hong Kong trading after the announcement."
)
OTHER = (
    "Residents of Rongcheng start with 1,000 points under a local government pilot and lose points "
    "for traffic violations, while volunteers gain points for charity work. Officials say the scheme "
    "is meant to encourage honesty in commercial dealings, and it has nothing to do with Sesame "
    "Credit, the commercial scoring product offered by Alibaba's affiliate to users of Alipay in "
    "China. The city's scheme is run by the local government and publishes red and black lists."
)


@pytest.fixture
def wire():
    arts = pd.DataFrame(
        [
            {"article_id": "w1", "outlet": A, "date": "2018-05-02", "duplicate_of": ""},
            {"article_id": "w2", "outlet": B, "date": "2018-05-01", "duplicate_of": ""},  # earliest
            {"article_id": "w3", "outlet": B, "date": "2018-05-03", "duplicate_of": ""},  # B reran it
            {"article_id": "d1", "outlet": B, "date": "2018-05-01", "duplicate_of": ""},
        ]
    )
    bylines = {"w1": "By Jane Roe, Reuters", "w2": "By John Doe for The Bugle", "w3": "Staff and wires"}
    rows = []
    for aid, byline in bylines.items():
        rows.append(_passage(aid, 0, topical=False, kind="heading", text="Central bank refuses licences"))
        rows.append(_passage(aid, 1, "distinguishes", 0.1, 0.9, text=f"{byline}. {WIRE}"))
    rows.append(_passage("d1", 0, "neither", 0.1, 0.2, text=OTHER))
    return arts, pd.DataFrame(rows)


def test_aggregate_syndication_groups_wire_story_across_outlets(wire):
    arts, psg = wire
    g = syndication_groups(arts, psg, threshold=0.9).set_index("article_id")
    assert g.loc["w1", "story_id"] == g.loc["w2", "story_id"] == g.loc["w3", "story_id"] == "w2"
    assert g.loc["w1", "n_outlets"] == 2 and g.loc["w1", "story_size"] == 3
    assert g.loc["d1", "story_id"] == "d1" and g.loc["d1", "story_size"] == 1
    assert g.index.tolist() == ["w1", "w2", "w3", "d1"]  # input order


def test_aggregate_syndication_keeps_distinct_stories_apart(wire):
    arts, psg = wire
    # Half of the wire story is not the same story: the threshold keeps them apart.
    half = psg.assign(text=psg["text"].where(psg["article_id"].ne("w3"), WIRE[: len(WIRE) // 2]))
    g = syndication_groups(arts, half, threshold=0.9).set_index("article_id")
    assert g.loc["w3", "story_size"] == 1
    assert g.loc["w1", "story_size"] == 2


def test_aggregate_syndication_once_vs_per_outlet(wire):
    arts, psg = wire
    g = syndication_groups(arts, psg)
    once, dropped_once = select_syndicated(arts, g, syndicated="once")
    per, dropped_per = select_syndicated(arts, g, syndicated="per-outlet")
    assert once["article_id"].tolist() == ["w2", "d1"] and dropped_once == 2
    assert per["article_id"].tolist() == ["w1", "w2", "d1"] and dropped_per == 1
    s_once = group_summary(arts, psg, "outlet", syndicated="once", syndication=g).set_index("outlet")
    s_per = group_summary(arts, psg, "outlet", syndicated="per-outlet").set_index("outlet")
    assert s_once["articles"].to_dict() == {B: 2}  # A's copy counts as B's (earlier) story
    assert s_per["articles"].to_dict() == {A: 1, B: 2}
    assert s_per["classified_passages"].to_dict() == {A: 1, B: 2}


def test_aggregate_syndication_groups_only_copies_among_many():
    # 3000 distinct articles plus 10 copies of one story: only the copies group, quickly.
    n = 3000
    arts = pd.DataFrame({"article_id": [f"x{i}" for i in range(n)], "outlet": [f"o{i % 7}" for i in range(n)],
                         "date": "", "duplicate_of": ""})
    rng = np.random.default_rng(13)
    texts = [" ".join(f"w{t}" for t in rng.integers(0, 5000, 80)) for _ in range(n)]
    texts[10:20] = [WIRE] * 10
    psg = pd.DataFrame({"article_id": arts["article_id"], "index": 0, "kind": "body", "text": texts})
    g = syndication_groups(arts, psg)
    assert g.loc[g["story_size"] > 1, "article_id"].tolist() == [f"x{i}" for i in range(10, 20)]


# --- actors and evidence --------------------------------------------------------------------


def test_aggregate_actor_table_counts_conflating_passages(entities, passages):
    t = actor_table(entities, passages)
    assert t.to_dict("records") == [
        {"actor": "Sesame Credit", "kind": "private_pilot", "passages": 2, "articles": 2, "all_passages": 3},
        {"actor": "Social Credit System", "kind": "state_system", "passages": 2, "articles": 2, "all_passages": 2},
        {"actor": "Tencent Credit", "kind": "private_pilot", "passages": 1, "articles": 1, "all_passages": 2},
    ]


def test_aggregate_actor_pairs(entities, passages):
    t = actor_pairs(entities, passages)
    assert t.to_dict("records") == [
        {"private_pilot": "Sesame Credit", "state_system": "Social Credit System", "passages": 2, "articles": 2},
        {"private_pilot": "Tencent Credit", "state_system": "Social Credit System", "passages": 1, "articles": 1},
    ]


def test_aggregate_actor_tables_empty_without_entities(passages):
    empty = pd.DataFrame(columns=["passage_id", "article_id", "text", "label", "canonical", "start", "end"])
    assert actor_table(empty, passages).empty and actor_pairs(empty, passages).empty


def test_aggregate_evidence_table_top_passages_per_outlet(articles, passages, entities):
    e = evidence_table(articles, passages, entities, top_n=1)
    got = [(r.outlet, r.label, r.passage_id, round(r.confidence, 2)) for r in e.itertuples()]
    # A: conflating a1-0 (0.9) beats a2-0 (0.8); distinguishing a2-1 (0.7). B: a4-2 (0.7), a3-0 (0.8).
    assert got == [(A, "conflates", "a1-0", 0.9), (A, "distinguishes", "a2-1", 0.7),
                   (B, "conflates", "a4-2", 0.7), (B, "distinguishes", "a3-0", 0.8)]
    first = e.iloc[0]
    assert first["title"] == "Title a1" and first["source_path"] == "corpus/a1.txt"
    assert [x["canonical"] for x in json.loads(first["entities"])] == ["Sesame Credit", "Social Credit System", "Beijing"]
    assert len(evidence_table(articles, passages, entities, top_n=5)) == 5


def test_verdict_of_matches_the_table_rule():
    from pipeline.aggregate import _verdict, verdict_of

    counts = [(0, 0), (1, 0), (0, 2), (3, 1)]
    table = _verdict(pd.Series([c for c, _ in counts]), pd.Series([d for _, d in counts])).tolist()
    assert [verdict_of(c, d) for c, d in counts] == table == ["neither", "conflates", "distinguishes", "mixed"]
