"""What the database-export parsers (Nexis, Factiva, ProQuest) share: building one article
from the fields and paragraphs an export gives, and the clean-ups every export needs."""
from __future__ import annotations

import re

from .common import Article, IngestError, is_blank, make_article, parse_date

# A paragraph that is a copyright or rights notice, not the story.
_RIGHTS = re.compile(
    r"^\W*(copyright\s*(©|\(c\))?\s*\d{4}|©\s*\d{4}|\(c\)\s*\d{4}|"
    r"(all rights reserved|alle rechte vorbehalten|tous droits réservés)\W*$)",
    re.IGNORECASE,
)
_WORD_COUNT = re.compile(r"^\s*(\d[\d,.\u00a0 ]*)\s*\S*\s*$")
# A link marker the office readers put before a paragraph: "\ufdd0<target>\ufdd0<text>".
LINK_MARK = "\ufdd0"
_LINK = re.compile(f"{LINK_MARK}([^{LINK_MARK}]*){LINK_MARK}")
_NEXIS_URN = re.compile(r"urn:contentItem:([0-9A-Z-]+)", re.IGNORECASE)


def blocks(text: str, *, indent: bool = False) -> list[list[str]]:
    """Blank-line-separated blocks of non-blank lines, stripped (their leading spaces kept
    with ``indent``: classic Nexis centres its header lines)."""
    found, lines = [], []
    for line in text.split("\n"):
        if line.strip():
            lines.append(line.rstrip() if indent else line.strip())
        elif lines:
            found.append(lines)
            lines = []
    if lines:
        found.append(lines)
    return found


def word_count(raw: str) -> int | None:
    """``"1,045 words"``, ``"306 Wörter"``, ``"8165 字"`` -> the number; None if there is none."""
    found = _WORD_COUNT.match(raw or "")
    if not found:
        return None
    digits = re.sub(r"\D", "", found.group(1))
    return int(digits) if digits and len(digits) < 10 else None


def is_rights(paragraph: str) -> bool:
    return bool(_RIGHTS.match(paragraph))


def split_links(line: str) -> tuple[str, str]:
    """``(line without link markers, the Nexis document id of its first link or "")``."""
    targets = _LINK.findall(line)
    text = _LINK.sub("", line)
    for target in targets:
        if found := _NEXIS_URN.search(target):
            return text, found.group(1)
    return text, ""


def strip_links(text: str) -> str:
    return _LINK.sub("", text)


def export_article(
    rel: str, record: int, fields: dict, paragraphs: list[str], encoding: str, kind: str
) -> Article | IngestError:
    """An Article from an export's fields and body paragraphs, or an IngestError when the
    document has no body text. Rights notices and blank paragraphs are dropped."""
    body = [" ".join(p.split()) for p in paragraphs if not is_blank(p) and not is_rights(p)]
    body = [p for p in body if p]
    if not body:
        title = fields.get("title", "")
        named = f" ({title[:60]})" if title else ""
        return IngestError(rel, record, f"{kind} document {record}{named}: no body text")
    clean = {key: value for key, value in fields.items() if value not in ("", None)}
    if "date" in clean:
        clean["date"] = parse_date(clean["date"])
    return make_article(rel, record, clean, "\n\n".join(body), encoding)
