import pytest
from hypothesis import given, settings, strategies as st

from pipeline.passages import normalised_hash, passage_kind, split_passages


def test_passages_offsets_slice_back_to_text():
    text = "  Title line\n\nFirst paragraph, with words enough to be a body passage.\r\n \nSecond one here, also long enough to count.\n"
    passages = split_passages("a1", text)
    assert [p.text for p in passages] == [
        "Title line",
        "First paragraph, with words enough to be a body passage.",
        "Second one here, also long enough to count.",
    ]
    for p in passages:
        assert text[p.start:p.end] == p.text
    assert [p.index for p in passages] == [0, 1, 2]
    assert passages[1].passage_id == "a1-0001"


@pytest.mark.parametrize(
    "block, kind",
    [
        ("Share this", "boilerplate"),
        ("SHARE THIS ARTICLE", "boilerplate"),
        ("### READ NEXT", "boilerplate"),
        ("Leave a Reply", "boilerplate"),
        ("Your email address will not be published. Required fields are marked *", "boilerplate"),
        ("If you buy something using links in our stories, we may earn a commission. [Learn more.](#)", "boilerplate"),
        ("Related Articles:", "boilerplate"),
        ("By NICOLE KOBIE", "boilerplate"),
        ("# The complicated truth about China's social credit system", "heading"),
        ("Court Blacklists", "heading"),
        ("Sesame Credit scores users from 350 to 950 on five factors.", "body"),
        ("Blacklisted debtors cannot buy plane tickets or ride high-speed trains, the court said.", "body"),
    ],
)
def test_passage_kind_table(block, kind):
    assert passage_kind(block) == kind


def test_long_paragraph_is_cut_at_sentence_ends():
    sentence = "The court added another name to the list of dishonest persons. "
    text = sentence * 100
    passages = split_passages("a", text, max_chars=500)
    assert len(passages) > 1
    assert all(len(p.text) <= 500 for p in passages)
    assert all(p.text.endswith(".") for p in passages)
    assert all(text[p.start:p.end] == p.text for p in passages)


def test_single_enormous_token_is_cut_hard():
    text = "x" * 5000
    passages = split_passages("a", text, max_chars=2000)
    assert [len(p.text) for p in passages] == [2000, 2000, 1000]


def test_normalised_hash_folds_case_and_whitespace():
    assert normalised_hash("Sesame  Credit\n\nis here") == normalised_hash("sesame credit is here ")
    assert normalised_hash("a b") != normalised_hash("a c")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=3000), st.integers(min_value=20, max_value=3000))
def test_passage_offsets_always_slice_back(text, max_chars):
    passages = split_passages("h", text, max_chars=max_chars)
    for p in passages:
        assert text[p.start:p.end] == p.text
        assert p.text.strip() == p.text and p.text
        assert len(p.text) <= max_chars
    starts = [p.start for p in passages]
    assert starts == sorted(starts)
