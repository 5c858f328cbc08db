import pytest

from pipeline.features import FEATURE_NAMES, cue_features, evidence_spans


def test_cue_counts_stop_growing_at_three():
    three = "Sesame Credit rewards deposit-free rentals, VIP lanes and easier visas."
    many = ("Sesame Credit rewards deposit-free rentals, VIP lanes, easier visas, fast-track boarding, "
            "dating profiles and Singapore visas.")
    assert cue_features(many)["count_perk"] == cue_features(three)["count_perk"] > 0


@pytest.mark.parametrize(
    "text, relation, value",
    [
        # Codebook rule 2: the state system given a private pilot's mechanics, in one sentence.
        ("Under the social credit system, buying video games lowers your score.", "sentence_mechanic_to_state", 1.0),
        # The same words, but the mechanic is the company's and the state is another sentence's.
        ("Sesame Credit lowers the score of people buying video games. Separately, courts run the social credit "
         "system's blacklists.", "sentence_mechanic_to_state", 0.0),
        # Rule 1: a private pilot fused with the state in one sentence.
        ("Sesame Credit is the government's score for every citizen.", "sentence_private_fused_with_state", 1.0),
        # The fusion is named in order to reject it: a distinction cue in the same sentence.
        ("Lumping Sesame Credit with the government's Social Credit System is a mistake.",
         "sentence_private_fused_with_state", 0.0),
        ("Ant Financial runs Sesame Credit. It scores users from 350 to 950.", "share_private_on_own_terms", 1.0),
        ("Sesame Credit scores users from 350 to 950. Beijing's officials praise the social credit system.",
         "share_private_on_own_terms", 0.5),
        ("The weather was fine.", "share_private_on_own_terms", 0.0),
    ],
)
def test_sentence_relations_follow_the_codebook(text, relation, value):
    assert cue_features(text)[relation] == value


def test_feature_names_are_stable_and_complete():
    assert FEATURE_NAMES == tuple(cue_features("anything at all"))
    assert {"sentence_mechanic_to_state", "sentence_private_fused_with_state", "share_private_on_own_terms"} <= set(
        FEATURE_NAMES)


def test_evidence_spans_point_into_the_text():
    text = "Under the government's system, your friends' scores drag yours down."
    spans = evidence_spans(text, "conflates")
    assert spans and all(text[s["start"]:s["end"]] == s["text"] for s in spans)
    assert {s["kind"] for s in spans} == {"private_pilot", "state_attribution"}
    assert evidence_spans(text, "neither") == []
