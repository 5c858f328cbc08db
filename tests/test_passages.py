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


@pytest.mark.parametrize(
    "block",
    [
        "Credit: Kevin Frayer/Getty Images",
        "Credit Kevin Hong",
        "CREDIT KEVIN HONG",
        "Credit...Gilles Sabrie for The New York Times",
        "Photo: Reuters",
        "Photo: A man walks past a Sesame Credit billboard in Beijing.",
        "Image credit: Alibaba Group",
        "Image credit Getty Images",
        "Photo courtesy of Ant Group",
        "Photo by Aly Song/Reuters",
        "Source: Xinhua",
        "Share this post with your friends!",
        "Share on WeChat",
        "Follow us on Twitter.",
        "Follow us",
        "Sign up for our newsletter",
        "Subscribe now",
        "Related Stories",
        "Posted by admin on March 3, 2019",
        "Published on 2019-03-03",
        "© 2019 Reuters. All rights reserved.",
        "Copyright 2019 The Economist",
        "Click here to read more",
        "SHARE THIS ARTICLE: Facebook | Twitter | WhatsApp | Email. Most read: Royal baby name revealed.",
        "Related posts: Building a fraud model with gradient boosting; Why your feature store needs lineage.",
        "Subscribe to our newsletter for weekly China tech news, explainers and interviews, delivered every Tuesday.",
    ],
)
def test_passage_kind_furniture_stays_boilerplate(block):
    assert passage_kind(block) == "boilerplate"


# The domain's own vocabulary begins real sentences; none of them may be taken for page furniture.
@pytest.mark.parametrize(
    "sentence",
    [
        "Credit Suisse analysts said Sesame Credit is not part of the state system.",
        "Credit scores in China are not one system.",
        "Credit is at the heart of the plan.",
        "Credit ratings for companies are published on Credit China.",
        "Credit Suisse disagreed.",
        "Score inflation is common among Sesame Credit users.",
        "Scores above 700 bring deposit-free rentals.",
        "Rating agencies in China are licensed by the central bank.",
        "Ratings are issued to companies, not to people.",
        "Share prices of Alibaba rose after the central bank refused the licences.",
        "Share this view? Many scholars do not: the state system has no single score.",
        "Sharing data with courts is how Sesame Credit found blacklisted debtors.",
        "Follow the money: Sesame Credit is a loyalty programme, not a state tool.",
        "Follow us into any train station and you will see the blacklist warnings.",
        "Following the 2014 outline, pilots began in dozens of cities.",
        "Sign up for Sesame Credit and the app starts scoring your purchases at once.",
        "Subscribe to the idea of a single score and you misread the whole system.",
        "Related to the blacklists, the red lists reward firms that pay their taxes.",
        "Published by the State Council in 2014, the planning outline never mentions scores.",
        "Posted on WeChat, the notice said the score had nothing to do with the state.",
        "Photos by state media show Rongcheng's red lists on public boards.",
        "Copyright law is enforced through the corporate blacklists too.",
        "Read more closely, the outline says nothing about a citizen score.",
        "More from the central bank: no private score will become the state's.",
        "Credit history depends on whether users have ever missed payments or have other negative WeChat Pay records.",
    ],
)
def test_passage_kind_sentences_with_domain_words_are_body(sentence):
    assert passage_kind(sentence) == "body"


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


def test_paragraph_without_sentence_ends_is_cut_at_whitespace():
    text = "\t".join(["word"] * 3000)  # tabs only: still word boundaries
    passages = split_passages("a", text, max_chars=500)
    assert all(p.text.startswith("word") and p.text.endswith("word") for p in passages)
    assert "".join(p.text for p in passages).replace("\t", "") == "word" * 3000


def test_huge_single_line_paragraph_needs_no_recursion():
    """A 10 MB paragraph with no blank line (a transcript, a CSV field) is cut without
    recursion: the old recursive cutter hit RecursionError at about 2 MB."""
    import sys

    sentence = "The court added another name to the list of dishonest persons. "
    text = sentence * (10_000_000 // len(sentence))
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # far below the number of cuts: any recursion per cut fails
    try:
        passages = split_passages("a", text)
    finally:
        sys.setrecursionlimit(limit)
    assert len(passages) >= len(text) // 2000
    assert passages[0].start == 0 and passages[-1].end == len(text.rstrip())
    assert all(text[p.start:p.end] == p.text and len(p.text) <= 2000 for p in passages[:50])
    covered = sum(len(p.text) for p in passages)
    assert covered >= len(text) - 2 * len(passages)  # only the spaces between sentences are left out


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
