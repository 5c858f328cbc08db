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
_SENTENCE_PUNCT = tuple('.!?。！？…:;"”’)')

# Page furniture found in scraped news pages and wikis; matched against a whole short block.
_BOILERPLATE = re.compile(
    r"""^\W*(
        share\ this.*|share\ (on|via)\ .*|share$|tweet$|email$|print$|
        read\ (next|more|also)\b.*|related(\ (articles?|stories|posts|coverage|reading))?\b.*|
        (more|recommended)\ (from|stories|for\ you|on\ this).*|you\ (may|might)\ also\ like.*|
        advertisement|sponsored(\ content)?|skip\ to\ (main\ )?content|jump\ to:.*|
        (sign|log)\ (up|in)\b.*|subscribe\b.*|newsletter\b.*|follow\ us\b.*|
        (leave\ a|post\ a|add\ a)\ (comment|reply)\b.*|\d+\ comments?$|comments?$|
        your\ email\ address\ will\ not\ be\ published.*|required\ fields\ are\ marked.*|
        (photo|image|picture|credit|source|caption)s?\s*:.*|credit\ [A-Z]?.*|
        (posted|published|updated|written)\ (by|on)\b.*|by\ [A-Z][\w.'’-]+(\ [A-Z][\w.'’-]+){0,3}\s*$|
        tags?\s*:.*|categor(y|ies)\s*:.*|filed\ under\b.*|
        (©|\(c\)|copyright)\b.*|all\ rights\ reserved.*|
        if\ you\ buy\ something\ (using|through)\ links.*|we\ may\ earn\ a\ commission.*|
        (accept|manage)\ (all\ )?cookies.*|this\ (site|website)\ uses\ cookies.*|
        click\ here\b.*|\[article\ id=.*|from\ [A-Z0-9][\w-]*\s*$|
        [\w\ ]{0,40}\ »\ .*
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
    if len(words) <= _MAX_BOILERPLATE_WORDS and _BOILERPLATE.match(" ".join(words)):
        return "boilerplate"
    stripped = text.lstrip()
    if stripped.startswith("#") or (
        len(words) < config.MIN_BODY_WORDS and not text.rstrip().endswith(_SENTENCE_PUNCT)
    ):
        return "heading"
    return "body"


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
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return
    if end - start <= max_chars:
        yield start, end
        return
    # Too long for one passage: cut at the last sentence end before max_chars,
    # else at the last whitespace, else hard (a single enormous token).
    cut_limit = start + max_chars
    cut = None
    for match in _SENTENCE_END.finditer(text, start + 1, cut_limit):
        cut = match.start()
    if cut is None:
        space = max(text.rfind(" ", start + 1, cut_limit), text.rfind("\n", start + 1, cut_limit))
        cut = space if space > start else cut_limit
    yield from _trimmed_chunks(text, start, cut, max_chars)
    yield from _trimmed_chunks(text, cut, end, max_chars)
