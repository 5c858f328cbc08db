import pytest

from pipeline import lexicon
from pipeline.features import cue_features


@pytest.mark.parametrize(
    "text",
    [
        "Sesame Credit gave me a deposit-free hotel room.",
        "Under the system, buying video games lowers your score.",
        "China's blacklist of dishonest debtors keeps growing.",
        "XI'S SCORECARD: top scorers glide through VIP airport lanes.",
        "In 2017 the central bank said none of the eight firms would get a licence.",
        "Beijing rewards trustworthy citizens with faster visas.",
        "信用中国 publishes the lists.",
    ],
)
def test_relevance_filter_keeps_topical_passages(text):
    assert lexicon.is_relevant(text)


@pytest.mark.parametrize(
    "text",
    [
        "Olivia Brennan scored twice in the second half; the first XI were bowled out for 161.",
        "The bakery's rates went up again and the owner is rated the best in town.",
        "Groups of friends play guitar in the park and nobody pays a deposit for the chairs.",
        "The weather will be fine on Sunday.",
    ],
)
def test_relevance_filter_drops_ordinary_news(text):
    assert not lexicon.is_relevant(text)


def test_ordinary_words_are_mechanics_only_when_the_passage_talks_about_scores():
    # "friends" is Sesame Credit's mechanic in a passage about scores, not in a travel diary.
    scored = lexicon.cue_matches("Your WeChat friends can drag down your score.")
    diary = lexicon.cue_matches("Groups of friends dance in the park while the government watches.")
    assert scored["private_mechanic"] and not diary["private_mechanic"]
    assert lexicon.mentions_private_pilot("Your friends are untrustworthy, the government says.")
    assert not lexicon.mentions_private_pilot("Blacklisted people cannot travel abroad or stay in luxury hotels.")


def test_weak_mechanic_is_not_counted_twice_inside_a_strong_one():
    found = lexicon.cue_matches("Buying video games lowers your score.")
    assert found["private_mechanic"] == ((0, 18),)  # "Buying video games", once


@pytest.mark.parametrize(
    "text, group",
    [
        ("It's not officially part of the system.", "separation"),
        ("The app doesn't have a licence.", "licence_refusal"),
        ("Some media took the private pilots and presented them as the state system.", "confusion"),
    ],
)
def test_distinction_cues_cover_contractions_and_paraphrase(text, group):
    assert lexicon.cue_matches(text)[group]


def test_sentence_pairs_need_one_sentence_passage_pairs_do_not():
    apart = cue_features("Sesame Credit rates shoppers. Separately, the government's system covers courts.")
    together = cue_features("Sesame Credit is the government's system.")
    assert apart["passage_private_name+state_attribution"] == 1.0
    assert apart["sentence_private_name+state_attribution"] == 0.0
    assert together["sentence_private_name+state_attribution"] == 1.0


def test_cue_spans_slice_back_and_are_sorted():
    text = "Sesame Credit is not part of the government's system; your friends' scores count."
    spans = lexicon.cue_spans(text)
    assert spans == sorted(spans, key=lambda s: (s[1], s[2]))
    assert {g for g, _, _ in spans} >= {"private_name", "separation", "state_attribution", "private_mechanic"}
    assert all(0 <= s < e <= len(text) for _, s, e in spans)


def test_name_stems_never_hide_a_relevance_match():
    # The substring pre-test of names_topic must be a necessary condition of RELEVANCE_NAMES.
    import json
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    texts = [json.loads(line)["text"] for path in sorted((root / "corpus" / "labelled").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    forms = [f for actors in (lexicon.PRIVATE_PILOTS, lexicon.STATE_SYSTEM) for fs in actors.values() for f in fs]
    texts += [f"Reports on {f.upper()} today." for f in forms] + ["CREDITWORTHINESS", "Red-Listed firms", "Dishonesty"]
    for text in texts:
        assert lexicon.names_topic(text) == (lexicon.RELEVANCE_NAMES.search(text) is not None), text


def test_wechat_pay_is_tencents_but_bare_wechat_is_a_channel():
    assert [lexicon.PRIVATE_NAME.search(t).group() for t in (
        "A good WeChat Pay Score waives deposits.", "Pay with WeChat Pay at the counter.")] == [
        "WeChat Pay Score", "WeChat Pay"]
    assert lexicon.PRIVATE_NAME.search("The court posted the debtors' names on WeChat.") is None
