"""ProQuest "TXT - Text only" downloads, per ``shared/formats/SPEC.md`` section 6: records
between lines of 60 underscores, each ``Document N of M``, a title line, then
``Label: value`` blocks; ``Full text:`` runs until the next known label."""
from __future__ import annotations

import re
from typing import Iterator

from . import exports
from .common import Article, IngestError
from .exports import export_article

KIND = "ProQuest"
_SEPARATOR = re.compile(r"(?m)^_{60}[ \t]*$")
_RECORD_LINE = re.compile(r"(?m)^[ \t]*Document\s+\d+\s+of\s+\d+[ \t]*$")
# Labels of news databases and dissertations (a whitelist: prose has colons too).
LABELS = frozenset(
    label.lower()
    for label in (
        "Title", "Author", "Publication info", "Publication title", "Publication year",
        "Publication date", "Pages", "Section", "Full text", "Abstract", "Links", "Subject",
        "Location", "People", "Company / organization", "Identifier / keyword", "Dateline",
        "Credit", "Publisher", "Place of publication", "Country of publication",
        "Publication subject", "ISSN", "Source type", "Language of publication", "Document type",
        "ProQuest document ID", "Document URL", "Copyright", "Last updated", "Database",
        "Volume", "Issue", "Column", "Edition", "Document feature", "Number of pages",
        "Word count", "Author e-mail address", "Byline", "Update", "Illustration", "Series",
        "Contributor", "Company", "Classification", "Accession number", "Notes",
    )
)  # fmt: skip
_LABEL = re.compile(r"^([^:\n]{2,40}):\s*(.*)$", re.DOTALL)


def is_export(text: str) -> bool:
    return "Report Information from ProQuest" in text[:4096] or (
        bool(_SEPARATOR.search(text)) and bool(re.search(r"(?m)^Document\s+\d+\s+of\s+\d+\s*$", text))
    )


def parse(text: str, rel: str, encoding: str) -> Iterator[Article | IngestError]:
    """Records of a ProQuest text download; report header, table of contents and footer skipped."""
    record = 0
    for chunk in _SEPARATOR.split(text):
        # A record starts at its "Document N of M" line, even where a separator line is missing.
        for part in _RECORD_LINE.split(chunk)[1:]:
            blocks = exports.blocks(part)
            if blocks:
                record += 1
                yield _record(blocks, rel, record, encoding)


def _record(blocks: list[list[str]], rel: str, record: int, encoding: str) -> Article | IngestError:
    first, rest = blocks[0], blocks[1:]  # the title (the block after "Document N of M")
    values: dict[str, str] = {"_title": " ".join(first)}
    body: list[str] = []
    in_text = False
    for block in rest:
        found = _LABEL.match(" ".join(block))
        label = found.group(1).strip().lower() if found else ""
        if label in LABELS:
            in_text = label == "full text"
            if in_text:
                body.append(found.group(2))
            else:
                values.setdefault(label, " ".join(found.group(2).split()))
        elif in_text:
            body.append(" ".join(block))
    fields = {
        "title": values.get("title") or values["_title"],
        "outlet": values.get("publication title", ""),
        "date": values.get("publication date", ""),
        "url": values.get("document url", ""),
        "byline": values.get("author", ""),
        "section": values.get("section", ""),
        "doc_id": values.get("proquest document id", ""),
    }
    if values.get("word count", "").isdigit():
        fields["word_count"] = int(values["word count"])
    return export_article(rel, record, fields, body, encoding, KIND)
