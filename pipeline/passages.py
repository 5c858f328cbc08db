"""Passages: split an article's text into paragraphs with exact character offsets.

Each passage keeps ``article_text[start:end] == text``. Paragraphs are blocks separated
by blank lines; paragraphs longer than ``max_chars`` are cut at sentence ends. Short
heading-like lines and page furniture ("Share this", "READ NEXT", comment forms) are kept
but marked, so they never count as coverage and never reach the classifier.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Iterator

from . import config

KINDS = ("body", "heading", "boilerplate")


@dataclass(frozen=True)
class Passage:
    passage_id: str  # f"{article_id}-{index:04d}"
    article_id: str
    index: int  # 0-based position in the article
    start: int  # character offsets into the article text
    end: int
    text: str
    kind: str  # "body" | "heading" | "boilerplate"


_BLOCK_SEP = re.compile(r"\n[ \t\u00a0\u3000]*\n")
_SENTENCE_END = re.compile(r"(?<=[.!?。！？…\"”’)\]])\s+(?=\S)")
_UP_TO_LAST_SPACE = re.compile(r".*\s", re.DOTALL)
_SENTENCE_PUNCT = tuple('.!?。！？…:;"”’)')

# Page furniture found in scraped news pages and wikis; matched against a whole short block.
# These forms are furniture whatever follows: labels with a colon ("Photo: ...", "Credit: ..."),
# credit lines of names ("Credit Kevin Hong", "Image credit ..."), bylines, fixed notices.
_FURNITURE = re.compile(
    r"""^\W*(
        share$|tweet$|email$|print$|
        advertisement|sponsored(\ content)?|skip\ to\ (main\ )?content|jump\ to:.*|
        \d+\ comments?$|comments?$|
        your\ email\ address\ will\ not\ be\ published.*|required\ fields\ are\ marked.*|
        (photo|image|picture|credit|source|caption)s?\s*:.*|
        (photo|image|picture|video)s?\ (credit|courtesy)\b.*|
        credit\s*(\.{2,}|…).*|(?-i:(Credit|CREDIT|credit)\ [A-Z][\w.'’/&-]*(\ (([A-Z][\w.'’/&-]*)|/|for|of|and|via)){0,5})|
        by\ [A-Z][\w.'’-]+(\ [A-Z][\w.'’-]+){0,3}\s*$|
        tags?\s*:.*|categor(y|ies)\s*:.*|
        (©|\(c\)).*|all\ rights\ reserved.*|
        if\ you\ buy\ something\ (using|through)\ links.*|we\ may\ earn\ a\ commission.*|
        (accept|manage)\ (all\ )?cookies.*|this\ (site|website)\ uses\ cookies.*|
        \[article\ id=.*|from\ [A-Z0-9][\w-]*\s*$|
        [\w\ ]{0,40}\ »\ .*|
        share\ this(\ (article|story|post|page))?\s*:.*|most\ read\s*:.*|read\ (next|more|also)\s*:.*|
        related\ (articles?|stories|posts|coverage|reading|content|links)\s*:.*|
        (subscribe|sign\ up)\ (to|for)\ our\b.*|follow\ us\ on\b.*|join\ our\ (newsletter|mailing\ list)\b.*
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
# These begin with words that also begin real sentences ("Share prices fell ...", "Related to
# the blacklists, ...", "Published by the State Council in 2014, the outline ..."): furniture
# only when the block is not a sentence (see _is_sentence).
_FURNITURE_PHRASE = re.compile(
    r"""^\W*(
        share\ this.*|share\ (on|via)\ .*|
        read\ (next|more|also)\b.*|related(\ (articles?|stories|posts|coverage|reading))?\b.*|
        (more|recommended)\ (from|stories|for\ you|on\ this).*|you\ (may|might)\ also\ like.*|
        (sign|log)\ (up|in)\b.*|subscribe\b.*|newsletter\b.*|follow\ us\b.*|
        (leave\ a|post\ a|add\ a)\ (comment|reply)\b.*|
        (posted|published|updated|written)\ (by|on)\b.*|(photo|photograph|image)s?\ by\ .*|filed\ under\b.*|copyright\b.*|click\ here\b.*
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_BOILERPLATE_WORDS = 30


def split_passages(article_id: str, text: str, *, max_chars: int = config.MAX_PASSAGE_CHARS) -> list[Passage]:
    """Split ``text`` into passages; offsets index into ``text`` itself.

    >>> [p.text for p in split_passages("a1", "Title\\n\\nFirst paragraph here.\\n\\nSecond.")]
    ['Title', 'First paragraph here.', 'Second.']
    """
    passages = []
    for start, end in _spans(text, max_chars):
        chunk = text[start:end]
        passages.append(
            Passage(
                passage_id=f"{article_id}-{len(passages):04d}",
                article_id=article_id,
                index=len(passages),
                start=start,
                end=end,
                text=chunk,
                kind=passage_kind(chunk),
            )
        )
    return passages


def passage_kind(text: str) -> str:
    """Classify one block as ``body``, ``heading`` or ``boilerplate``."""
    words = text.split()
    if len(words) <= _MAX_BOILERPLATE_WORDS:
        joined = " ".join(words)
        if _FURNITURE.match(joined) or (_FURNITURE_PHRASE.match(joined) and not _is_sentence(words)):
            return "boilerplate"
    stripped = text.lstrip()
    if stripped.startswith("#") or (
        len(words) < config.MIN_BODY_WORDS and not text.rstrip().endswith(_SENTENCE_PUNCT)
    ):
        return "heading"
    return "body"


def _is_sentence(words: list[str]) -> bool:
    """A block of at least ``MIN_BODY_WORDS`` words ending like a sentence: body text, even
    when it begins with a word that page furniture begins with too."""
    return len(words) >= config.MIN_BODY_WORDS and words[-1].endswith(_SENTENCE_PUNCT)


def normalised_hash(text: str) -> str:
    """SHA-256 of text with case and whitespace folded: the key for exact-duplicate detection."""
    folded = " ".join(text.lower().split())
    return hashlib.sha256(folded.encode("utf-8")).hexdigest()


def _spans(text: str, max_chars: int) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of every non-empty, whitespace-trimmed block, long ones cut further."""
    pos = 0
    for sep in _BLOCK_SEP.finditer(text):
        yield from _trimmed_chunks(text, pos, sep.start(), max_chars)
        pos = sep.end()
    yield from _trimmed_chunks(text, pos, len(text), max_chars)


def _trimmed_chunks(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Cut ``text[start:end]`` into whitespace-trimmed pieces of at most ``max_chars``, each
    at the last sentence end before the limit, else the last whitespace, else hard (a single
    enormous token). A loop, not recursion, and each cut looks only at the next ``max_chars``
    characters, so any length of paragraph takes linear time and constant stack."""
    while True:
        while start < end and text[start].isspace():
            start += 1
        if start >= end:
            return
        if end - start <= max_chars:
            while text[end - 1].isspace():
                end -= 1
            yield start, end
            return
        cut_limit = start + max_chars
        cut = None
        for match in _SENTENCE_END.finditer(text, start + 1, cut_limit):
            cut = match.start()
        if cut is None:
            cut = _last_space(text, start + 1, cut_limit)
            if cut is None:
                cut = cut_limit
        piece_end = cut
        while text[piece_end - 1].isspace():
            piece_end -= 1
        yield start, piece_end
        start = cut


def _last_space(text: str, lo: int, hi: int) -> int | None:
    """Index of the last whitespace character in ``text[lo:hi]``, or None."""
    match = _UP_TO_LAST_SPACE.match(text, lo, hi)
    return match.end() - 1 if match else None
