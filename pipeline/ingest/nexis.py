"""LexisNexis exports: the "classic" text download (``N of M DOCUMENTS``) and Nexis Uni /
Lexis Advance (DOCX, RTF, PDF or text, ``End of Document``), per ``shared/formats/SPEC.md``
sections 1 and 2, with the English, German, French, Dutch and Spanish interface labels.

Both parsers take the export's text (decoded, or taken out of the document by
:mod:`.office`) and yield one Article per document, or an IngestError for a document that
holds no article (an error stub, a document without body text).
"""
from __future__ import annotations

import re
from typing import Iterator

from . import exports
from .common import Article, IngestError, is_date
from .exports import export_article, is_rights, split_links, strip_links, word_count

KIND_CLASSIC = "LexisNexis"
KIND_UNI = "Nexis Uni"

# --- classic -------------------------------------------------------------------------------

_CLASSIC_SEPARATOR = re.compile(
    r"^[ \t]*(?:FOCUS\s*-\s*)?(?:\d+\s+of\s+\d+\s+DOCUMENTS?|Dokument\s+\d+\s+von\s+\d+|"
    r"Document\s+\d+\s+de\s+\d+|Document\s+\d+\s+van\s+\d+)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# Top tags (before the body), by meaning; keys are upper case without the colon.
_CLASSIC_TAGS = {
    "byline": ("BYLINE", "AUTEUR", "AUTOR", "SIGNATURE", "AUTHOR"),
    "section": ("SECTION", "RUBRIK", "RUBRIQUE", "RUBRIEK", "SECCIÓN", "SECCION"),
    "length": ("LENGTH", "LÄNGE", "LAENGE", "LONGUEUR", "LENGTE", "LONGITUD"),
    "title": ("KOP", "TITRE", "TITEL", "HEADLINE"),
    "other": (
        "DATELINE", "ORTSZEILE", "HIGHLIGHT", "CHAPEAU", "SOURCE", "BRON", "QUELLE", "SHOW",
        "GUESTS", "ANCHORS", "TEKST", "TEXT", "TEXTE", "SERIES", "TYPE", "EDITION", "AUSGABE",
    ),
}  # fmt: skip
_TOP_TAG_NAMES = {name: meaning for meaning, names in _CLASSIC_TAGS.items() for name in names}
_END_TAGS = frozenset(
    "LOAD-DATE UPDATE LANGUAGE SPRACHE LANGUE TAAL IDIOMA GRAPHIC GRAFIK GRAPHIQUE PUBLICATION-TYPE "
    "JOURNAL-CODE DOCUMENT-TYPE DATE-CHARGEMENT TYPE-PUBLICATION CODE-REVUE PUB-TYPE URL "
    "CORRECTION-DATE SUBJECT ORGANIZATION PERSON GEOGRAPHIC COMPANY TICKER INDUSTRY CITY STATE "
    "COUNTRY NOTES DOKUMENT-TYP PUBLIKATIONSTYP LOAD-DATUM".split()
)
_TAG_LINE = re.compile(r"^([A-ZÄÖÜÉÈÀÇÓÍ][A-ZÄÖÜÉÈÀÇÓÍ0-9 \-]{1,30}):[ \t\u00a0]*(.*)$")
_STUB = "there is an error in this document"


def is_classic(text: str) -> bool:
    return bool(_CLASSIC_SEPARATOR.search(text))


def parse_classic(text: str, rel: str, encoding: str) -> Iterator[Article | IngestError]:
    """Documents of a classic LexisNexis text export (cover page skipped)."""
    starts = [found.end() for found in _CLASSIC_SEPARATOR.finditer(text)]
    ends = [found.start() for found in _CLASSIC_SEPARATOR.finditer(text)][1:] + [len(text)]
    for record, (start, end) in enumerate(zip(starts, ends), start=1):
        yield from _classic_document(text[start:end], rel, record, encoding)


def _is_end_tag(line: str) -> bool:
    found = _TAG_LINE.match(line)
    if not found:
        return False
    key = found.group(1).strip()
    return key in _END_TAGS or ("-" in key and key.upper() == key and " " not in key)


def _is_length_tag(line: str) -> bool:
    tag = _TAG_LINE.match(line.strip())
    return bool(tag) and _TOP_TAG_NAMES.get(tag.group(1).strip()) == "length"


def _classic_document(chunk: str, rel: str, record: int, encoding: str) -> list[Article | IngestError]:
    """The article of one classic document (and an error if another one is run into it)."""
    if _STUB in chunk.lower():
        stub = f"{KIND_CLASSIC} document {record}: the export holds an error notice instead of the article"
        return [IngestError(rel, record, stub)]
    blocks = exports.blocks(chunk, indent=True)
    fields: dict = {}
    header: list[str] = []  # the centred lines: outlet, date, edition, copyright
    index = 0
    while index < len(blocks) and all(line[:1] in (" ", "\t") for line in blocks[index]):
        header.extend(line.strip() for line in blocks[index])
        index += 1
    centred = [line for line in header if not is_rights(line)]
    dates = [line for line in centred if is_date(line)]
    if dates:
        fields["date"] = dates[0]
    outlets = [line for line in centred if line not in dates]
    if outlets:
        fields["outlet"] = outlets[0]
    title_lines: list[str] = []
    body: list[str] = []
    in_body = False
    for block in blocks[index:]:
        first = block[0].strip()
        tag = _TAG_LINE.match(first)
        if in_body:
            if _is_end_tag(first):
                break
            body.append(" ".join(line.strip() for line in block))
            continue
        meaning = _TOP_TAG_NAMES.get(tag.group(1).strip()) if tag else None
        if meaning is not None:
            value = " ".join([tag.group(2).strip(), *(line.strip() for line in block[1:])]).strip()
            if meaning == "length":
                fields["word_count"] = word_count(value)
                in_body = True  # LENGTH is the last top tag
            elif meaning == "title" and not title_lines:
                title_lines = [value]
            elif meaning in ("byline", "section"):
                fields[meaning] = value.split(";")[0].strip() if meaning == "section" else value
            continue
        if _is_end_tag(first):
            break
        if not title_lines and not fields.get("byline") and not fields.get("section"):
            title_lines = [line.strip() for line in block]
            continue
        in_body = True  # a document without LENGTH: the body starts after the top tags
        body.append(" ".join(line.strip() for line in block))
    fields["title"] = " ".join(title_lines).strip()  # "title;" + next line: title and subtitle, kept as one
    article = export_article(rel, record, fields, body, encoding, KIND_CLASSIC)
    if sum(_is_length_tag(block[0]) for block in blocks) > 1 and isinstance(article, Article):
        missing = (
            f"{KIND_CLASSIC} document {record}: another article follows this one without a "
            f"'N of M DOCUMENTS' line; only the first was read"
        )
        return [article, IngestError(rel, record, missing)]
    return [article]


# --- Nexis Uni -----------------------------------------------------------------------------

_END_OF_DOCUMENT = ("end of document", "ende des dokuments", "einde van document", "fin du document", "fin del documento")
_BODY_MARKERS = ("body", "text", "corps", "hauptteil", "tekst", "texto", "cuerpo")
_UNI_LABELS = {
    "section": ("section", "rubrik", "rubrique", "rubriek", "sección", "sezione"),
    "length": ("length", "länge", "longueur", "lengte", "longitud", "lunghezza"),
    "byline": ("byline", "author", "autor", "auteur", "auteurs", "autore"),
    "other": (
        "highlight", "dateline", "series", "distribution", "guests", "anchors", "version",
        "ortszeile", "notes", "correction", "abstract",
    ),
}  # fmt: skip
_UNI_LABEL_NAMES = {name: meaning for meaning, names in _UNI_LABELS.items() for name in names}
# The Classification block and the labels after the body (English and other interfaces).
_UNI_END_LABELS = frozenset(
    "language publication-type journal code subject industry organization person geographic "
    "company ticker correction-date load-date sprache publikationstyp ladedatum langue "
    "date de chargement taal laaddatum idioma".split(" ")
) | {"journal code", "date de chargement", "publication-type", "load-date", "correction-date"}
_UNI_END_MARKERS = ("classification", "klassifikation", "classificatie", "graphic", "grafik", "graphique", "related articles")
_UNI_LABEL = re.compile(r"^([^\W\d_][\w \-]{1,30}?):([\u00a0 ])\s*(.*)$")
_COVER = re.compile(r"^(documents|dokumente|documenten)\s*\((\d+)\)$", re.IGNORECASE)
_TOC_ENTRY = re.compile(r"^(\d+)\.\s+(.+)$")
_COVER_SOURCES = ("Sources:", "Quellen:", "Publisher:", "Bronnen:", "Sources :", "Fuentes:")
_BARE_URL = re.compile(r"^https?://\S+$")
_PAGE_LINE = re.compile(r"^(page|seite|pagina|página)\s+\d+\s+(of|von|van|de|sur)\s+\d+$", re.IGNORECASE)


def is_uni(text: str) -> bool:
    """``End of Document`` lines, Nexis fields (``Label:`` + NBSP) or, in the start of a long
    combined download, its cover page (``Documents (N)`` and ``Client/Matter:`` lines)."""
    lines = {line.strip().lower() for line in text.split("\n")}
    if lines & set(_END_OF_DOCUMENT):
        return True
    if re.search(r"(?m)^\s*(?:Documents|Dokumente|Documenten)\s*\(\d+\)\s*$", text) and re.search(r"(?m)^Client/Matter:", text):
        return True
    return len(re.findall(r"(?m)^(?:Length|Section|Byline|Load-Date):\u00a0", text)) >= 2


def parse_uni(text: str, rel: str, encoding: str) -> Iterator[Article | IngestError]:
    """Documents of a Nexis Uni export (combined with a cover page, or one a file)."""
    lines = [line.strip() for line in text.split("\n")]
    lines = _drop_cover(lines)
    documents, current = [], []
    for line in lines:
        if strip_links(line).strip().lower() in _END_OF_DOCUMENT:
            documents.append(current)
            current = []
        else:
            current.append(line)
    if any(strip_links(line).strip() for line in current):  # a truncated export: its last document
        documents.append(current)
    documents = [part for document in documents for part in _split_run_together(document)]
    for record, document in enumerate(documents, start=1):
        yield _uni_document(document, rel, record, encoding)


def _drop_cover(lines: list[str]) -> list[str]:
    """The lines after the cover page of a combined download (all lines if there is none).

    The cover starts ``Documents (N)`` and lists the documents as ``1. <title>`` ..., each
    entry's block ending with its ``Sources:`` line. The first document starts after the
    block of entry N, at the line that repeats title 1 if there is one.
    """
    plain = [strip_links(line).strip() for line in lines]
    cover = next((found for line in plain[:50] if (found := _COVER.match(line))), None)
    if cover is None:
        return lines
    total, first_title, end = int(cover.group(2)), None, None
    for index in range(plain.index(cover.group(0)) + 1, len(plain)):
        entry = _TOC_ENTRY.match(plain[index])
        if not entry:
            continue
        if entry.group(1) == "1" and first_title is None:
            first_title = entry.group(2).strip()
        if int(entry.group(1)) >= total:
            later = range(index + 1, min(index + 20, len(plain)))
            end = next((i + 1 for i in later if plain[i].startswith(_COVER_SOURCES)), index + 1)
            break
    if end is None:
        return lines
    start = next((i for i in range(end, min(end + 20, len(plain))) if plain[i] == first_title), end)
    return lines[start:]


def _split_run_together(lines: list[str]) -> list[list[str]]:
    """One document's lines, or several when an ``End of Document`` line is missing: a second
    ``Body`` line after the first document's closing fields starts another document, whose
    header begins after the last of those fields."""
    bodies = [i for i, line in enumerate(lines) if strip_links(line).strip().lower() in _BODY_MARKERS]
    parts, start = [], 0
    for previous, body in zip(bodies, bodies[1:]):
        closing = [
            i for i in range(previous + 1, body)
            if (label := _uni_label(strip_links(lines[i]).strip())) and label[0] in _UNI_END_LABELS
        ]
        if closing:
            parts.append(lines[start : closing[-1] + 1])
            start = closing[-1] + 1
    parts.append(lines[start:])
    return parts


def _uni_label(line: str) -> tuple[str, str] | None:
    """``(label in lower case, value)`` for a field line, else None.

    The label separator is ':' + NO-BREAK SPACE; prose uses a normal space, so a line with a
    normal space is a field only when its label is a known one (PDF text loses the NBSP).
    """
    found = _UNI_LABEL.match(line)
    if not found:
        return None
    label = found.group(1).strip().lower()
    known = label in _UNI_LABEL_NAMES or label in _UNI_END_LABELS
    if found.group(2) == "\u00a0" or known:
        return label, found.group(3).strip()
    return None


def _uni_document(lines: list[str], rel: str, record: int, encoding: str) -> Article | IngestError:
    doc_id = ""
    plain = []
    for line in lines:
        text, link = split_links(line)
        doc_id = doc_id or link
        plain.append(text.strip())
    content = [line for line in plain if line and not _PAGE_LINE.match(line)]
    if any(_STUB in line.lower() for line in content[:10]):
        return IngestError(rel, record, f"{KIND_UNI} document {record}: the export holds an error notice instead of the article")
    fields: dict = {"doc_id": doc_id}
    marker = next((i for i, line in enumerate(content) if line.lower() in _BODY_MARKERS), None)
    if marker is not None:
        head, body_from = content[:marker], marker + 1
    else:  # no "Body" line: the body starts after the header's fields
        labelled = [i for i, line in enumerate(content[:40]) if (label := _uni_label(line)) and label[0] in _UNI_LABEL_NAMES]
        body_from = labelled[-1] + 1 if labelled else None
        head = content[:body_from] if body_from is not None else content
    header = []
    for line in head:
        label = _uni_label(line)
        if label is not None:
            meaning = _UNI_LABEL_NAMES.get(label[0])
            if meaning == "length":
                fields["word_count"] = word_count(label[1])
            elif meaning == "section":
                fields["section"] = label[1].split(";")[0].strip()
            elif meaning == "byline":
                fields["byline"] = label[1]
        elif not is_rights(line) and not label:
            header.append(line)
    # Headline, publication, date line (the date found among the first lines, anchored).
    # The date is the third line; a headline that holds a date must not be taken for it.
    date_at = next((i for i in (2, 1, 3) if i < len(header) and is_date(header[i])), None)
    if date_at is not None:
        fields["date"] = header[date_at]
        fields["title"] = header[0] if date_at >= 1 else ""
        fields["outlet"] = header[date_at - 1] if date_at >= 2 else ""
    elif header:
        fields["title"] = header[0]
        fields["outlet"] = header[1] if len(header) > 1 else ""
    body: list[str] = []
    if body_from is not None:
        for line in content[body_from:]:
            label = _uni_label(line)
            if line.lower() in _UNI_END_MARKERS or (label and label[0] in _UNI_END_LABELS):
                break
            if not _BARE_URL.match(line):
                body.append(line)
    return export_article(rel, record, fields, body, encoding, KIND_UNI)
