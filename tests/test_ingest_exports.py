"""Database exports (Nexis classic and Uni, Factiva, ProQuest), DOCX/RTF/PDF and zip archives:
every sample of ``shared/formats/`` (copied to tests/fixtures/formats) read into exactly its
documents and fields, the variants SPEC.md names, and hostile exports."""
from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import pytest

from pipeline.ingest import Article, IngestError, iter_articles
from pipeline.ingest.common import parse_date

FORMATS = Path(__file__).parent / "fixtures" / "formats"

BODIES = {  # the made-up articles every sample holds, paragraph by paragraph
    1: [
        "The Riverton City Council voted 6-1 on Wednesday night to approve a $48.2 million operating budget, about 3 percent smaller than last year's plan.",
        "Council members kept branch library hours unchanged but pushed $4.2 million in road resurfacing into the next fiscal year, citing weaker sales-tax receipts.",
        "\u201cWe did not balance this budget on the backs of our libraries,\u201d Mayor Dana Whitfield said after the vote.",
        "The lone dissenting vote came from council member Otis Grant, who argued that delaying road work would raise costs later.",
    ],
    2: [
        "Lakeside's regional transit agency said on Monday that bus fares could rise by 25 cents in July unless the state restores a $3.1 million operating grant.",
        "The agency's finance director, Lucia Ferreira, told the board that ridership has recovered to 71 percent of its 2019 level.",
        "Board members asked staff to prepare two budget scenarios, one with the fare increase and one with reduced weekend service, for a vote next month.",
    ],
    3: [
        "The Northfield Unified School District will use $9 million from its reserve fund to balance next year's budget, the school board decided on Friday.",
        "Superintendent Grace Kim said the district would still meet the state's minimum reserve requirement of 3 percent.",
        "Parents at the meeting praised the decision to avoid teacher layoffs, though several board members warned that the reserves cannot be tapped again in 2022.",
    ],
}
TITLE_3 = "School district closes $9 million gap with reserves; Board draws down rainy-day fund; no layoffs planned"
# (title, outlet, date, byline, section, word count) per document, as Nexis writes them
NEXIS = {
    1: ("Council passes leaner budget for 2021-22", "The Riverton Ledger", "2021-03-04", "Maria Lopez", "LOCAL NEWS", 212),
    2: ("Transit agency warns of fare increase without state aid", "Lakeside Daily Courier", "2021-04-12", "Henrik Olsen and Priya Natarajan", "METRO", 1045),
    3: (TITLE_3, "Northfield Evening Post", "2021-05-01", "", "EDUCATION", 389),
}
FACTIVA = {
    1: (*NEXIS[1][:4], "Local News", 212),
    2: (*NEXIS[2][:4], "Metro", 1045),
    3: (TITLE_3.replace("reserves;", "reserves ;"), *NEXIS[3][1:4], "Education", 389),
}
FACTIVA_IDS = {1: "RVLDGR0020210304eh340000x", 2: "LKSDCR0020210412eh4c0002r", 3: "NRTHEP0020210501eh510001s"}
URNS = {1: "62A1-XB41-JBFW-C01R-00000-00", 2: "62A2-XB41-JBFW-C02R-00000-00", 3: "62A3-XB41-JBFW-C03R-00000-00"}

# sample -> (documents, fields table, document ids or None when the format has none)
SAMPLES = {
    "nexis_classic_1doc.txt": ([1], NEXIS, None),
    "nexis_classic_3docs.txt": ([1, 2, 3], NEXIS, None),
    "nexis_uni_1doc.docx": ([1], NEXIS, URNS),
    "nexis_uni_3docs.docx": ([1, 2, 3], NEXIS, URNS),
    "nexis_uni_1doc.rtf": ([1], NEXIS, URNS),
    "nexis_uni_3docs.rtf": ([1, 2, 3], NEXIS, URNS),
    "nexis_uni_1doc.txt": ([1], NEXIS, None),
    "nexis_uni_3docs.txt": ([1, 2, 3], NEXIS, None),
    "nexis_uni_1doc.pdf": ([1], NEXIS, None),
    "factiva_1doc.html": ([1], FACTIVA, FACTIVA_IDS),
    "factiva_3docs.html": ([1, 2, 3], FACTIVA, FACTIVA_IDS),
    "factiva_noindex_1doc.html": ([1], {1: (*FACTIVA[1][:4], "", 212)}, FACTIVA_IDS),
    "factiva_1doc.rtf": ([1], FACTIVA, FACTIVA_IDS),
    "factiva_1doc.txt": ([1], FACTIVA, FACTIVA_IDS),
    "factiva_3docs.txt": ([1, 2, 3], FACTIVA, FACTIVA_IDS),
}


def fields_of(article: Article) -> tuple:
    return (article.title, article.outlet, article.date, article.byline, article.section, article.word_count)


@pytest.mark.parametrize("name", SAMPLES)
def test_ingest_export_sample_reads_into_its_documents_and_fields(name):
    documents, table, ids = SAMPLES[name]
    items = list(iter_articles(FORMATS / name))
    assert all(isinstance(item, Article) for item in items), items
    assert [item.record for item in items] == documents
    for article in items:
        assert fields_of(article) == table[article.record]
        assert article.text.split("\n\n") == BODIES[article.record]
        assert article.doc_id == (ids[article.record] if ids else "")
        assert article.source_path == name


def test_ingest_proquest_sample_reads_its_record_and_fields():
    (article,) = iter_articles(FORMATS / "proquest_1doc.txt")
    assert fields_of(article) == (NEXIS[1][0], "The Riverton Ledger", "2021-03-04", "Lopez, Maria", "Local News", None)
    assert article.doc_id == "2497651231"
    assert article.url.startswith("https://www.proquest.com/newspapers/council-passes-leaner-budget")
    assert article.text.split("\n\n") == BODIES[1]


@pytest.mark.parametrize("name", [
    "mediacloud_1doc.csv", "mediacloud_3docs.csv", "gdelt_doc_artlist_1doc.json",
    "gdelt_doc_artlist_3docs.json", "gdelt_gkg_1doc.gkg.csv", "gdelt_gkg_3docs.gkg.csv",
])  # fmt: skip
def test_ingest_url_list_without_text_is_one_error_naming_framing_fetch(name):
    (error,) = iter_articles(FORMATS / name)
    assert isinstance(error, IngestError) and error.record is None
    assert f"framing fetch {name} --out" in error.reason and "without article text" in error.reason


def test_ingest_plain_url_list_names_framing_fetch(tmp_path):
    (tmp_path / "urls.txt").write_text("https://a.example/1\n\nhttps://b.example/2\n")
    (error,) = iter_articles(tmp_path)
    assert "a list of 2 URL(s) without article text" in error.reason and "framing fetch urls.txt" in error.reason


def test_ingest_exports_are_recognised_by_content_not_name(tmp_path):
    shutil.copy(FORMATS / "nexis_uni_3docs.docx", tmp_path / "download.zip")
    shutil.copy(FORMATS / "factiva_3docs.html", tmp_path / "saved.htm")
    shutil.copy(FORMATS / "nexis_classic_3docs.txt", tmp_path / "old.doc")
    shutil.copy(FORMATS / "proquest_1doc.txt", tmp_path / "pq.md")
    items = list(iter_articles(tmp_path))
    assert all(isinstance(item, Article) for item in items), items
    assert [(item.source_path, item.record) for item in items] == [
        ("download.zip", 1), ("download.zip", 2), ("download.zip", 3), ("old.doc", 1), ("old.doc", 2),
        ("old.doc", 3), ("pq.md", 1), ("saved.htm", 1), ("saved.htm", 2), ("saved.htm", 3),
    ]  # fmt: skip


def test_ingest_two_export_kinds_in_one_folder(tmp_path):
    shutil.copy(FORMATS / "factiva_3docs.txt", tmp_path / "a.txt")
    shutil.copy(FORMATS / "nexis_uni_3docs.docx", tmp_path / "b.docx")
    items = list(iter_articles(tmp_path))
    assert [(item.source_path, item.record, item.doc_id) for item in items] == [
        ("a.txt", n, FACTIVA_IDS[n]) for n in (1, 2, 3)
    ] + [("b.docx", n, URNS[n]) for n in (1, 2, 3)]
    assert len({item.article_id for item in items}) == 6


# --- variants SPEC.md names -----------------------------------------------------------------

CLASSIC_DE = """\ufeffPrintopdracht: Alle documenten: 1

                                Dokument 1 von 1

                              Riverton Anzeiger

                             Donnerstag 4. März 2021
                                 Spätausgabe

Stadtrat beschließt schlankeren Haushalt

AUTOR: Maria Lopez

RUBRIK: LOKALES; S. 3

LÄNGE: 212 Wörter


Der Stadtrat von Riverton hat am Mittwochabend mit 6 zu 1 Stimmen einen
Haushalt von 48,2 Millionen Dollar beschlossen.

Die Öffnungszeiten der Bibliotheken bleiben unverändert.

UPDATE: 5. März 2021

SPRACHE: GERMAN; DEUTSCH

PUBLICATION-TYPE: Zeitung


                      Copyright 2021 Riverton Media Group
                              Alle Rechte Vorbehalten
"""


def test_ingest_nexis_classic_german_interface(tmp_path):
    (tmp_path / "de.txt").write_text(CLASSIC_DE.replace("\n", "\r\n"), encoding="utf-8")
    (article,) = iter_articles(tmp_path)
    assert fields_of(article) == ("Stadtrat beschließt schlankeren Haushalt", "Riverton Anzeiger", "2021-03-04",
                                  "Maria Lopez", "LOKALES", 212)
    assert article.text == (
        "Der Stadtrat von Riverton hat am Mittwochabend mit 6 zu 1 Stimmen einen Haushalt von 48,2 Millionen "
        "Dollar beschlossen.\n\nDie Öffnungszeiten der Bibliotheken bleiben unverändert."
    )


def test_ingest_nexis_classic_error_stub_is_an_error_and_the_rest_is_read(tmp_path):
    text = (FORMATS / "nexis_classic_3docs.txt").read_text(encoding="utf-8-sig")
    start = text.index("Lakeside Daily Courier", text.index("2 of 3 DOCUMENTS"))
    end = text.index("3 of 3 DOCUMENTS")
    stub = text[:start] + "We are sorry but there is an error in this document and it is not possible to display it.\r\n\r\n" + text[end - 40 :]
    (tmp_path / "x.txt").write_text(stub, encoding="utf-8")
    items = list(iter_articles(tmp_path))
    assert [(type(item).__name__, item.record) for item in items] == [("Article", 1), ("IngestError", 2), ("Article", 3)]
    assert "error notice instead of the article" in items[1].reason


@pytest.mark.parametrize("raw, expected", {
    "January 11, 2010 Monday": "2010-01-11",
    "December 30, 2008 Tuesday 6:10 PM  EST": "2008-12-30",
    "Mittwoch 31. August 2011": "2011-08-31",
    "24. September 2002": "2002-09-24",
    "4 oktober 2017 woensdag": "2017-10-04",
    "29 décembre 2011": "2011-12-29",
    "9 Januar 1993": "1993-01-09",
    "5. Maerz 2019": "2019-03-05",
    "5 de julio de 2019": "2019-07-05",
    "2018 年 10 月 7 日 17:04": "2018-10-07",
    "Sept 04, 2008": "2008-09-04",
    "Winter 2008/2009": "Winter 2008/2009",
}.items())  # fmt: skip
def test_ingest_export_dates_in_interface_languages(raw, expected):
    assert parse_date(raw) == expected


FACTIVA_NOINDEX_3 = """<html><head><title>Factiva</title></head><body><form>
<div id="article-RVLDGR0020210304eh340000x" class="article"><div class="article enArticle"><p>
<div>Local News</div><div id="hd"><span class="enHeadline">Council passes leaner budget for 2021-22</span></div>
<div class="author">By Maria Lopez</div><div>212 words</div><div>4 March 2021</div><div>The Riverton Ledger</div>
<div>RVLDGR</div><div>English</div><div>(c) 2021 Riverton Media Group. All Rights Reserved.</div></p>
<p class="articleParagraph enarticleParagraph">The Riverton City Council voted 6-1 on Wednesday night to approve a $48.2 million operating <b>budget</b>.</p>
<p>Riverton Media Group</p><p>Document RVLDGR0020210304eh340000x</p></div></div>
<div id="article-LKSDCR0020210412eh4c0002r" class="article"><div class="article enArticle"><p>
<div id="hd"><b class="enHeadline">Transit agency warns of fare increase</b></div>
<div>1,045 words</div><div>12 April 2021</div><div>18:10</div><div>Lakeside Daily Courier</div><div>LKSDCR</div>
<div>English</div></p>
<p class="articleParagraph enarticleParagraph">Bus fares could rise by 25 cents in July, the transit agency said.</p>
<p>Lakeside Publishing Co.</p><p>Dokument LKSDCR0020210412eh4c0002r</p></div></div>
</form></body></html>"""


def test_ingest_factiva_without_indexing_reads_each_article_once_by_pattern(tmp_path):
    (tmp_path / "f.html").write_text(FACTIVA_NOINDEX_3, encoding="utf-8")
    first, second = iter_articles(tmp_path)
    assert fields_of(first) == (NEXIS[1][0], "The Riverton Ledger", "2021-03-04", "Maria Lopez", "Local News", 212)
    assert first.text == "The Riverton City Council voted 6-1 on Wednesday night to approve a $48.2 million operating budget."
    # an optional time div must not shift the source name; the id is matched whatever the word before it
    assert (second.outlet, second.date, second.word_count, second.doc_id) == (
        "Lakeside Daily Courier", "2021-04-12", 1045, "LKSDCR0020210412eh4c0002r")


def test_ingest_factiva_rtf_rows_and_search_summary(tmp_path):
    rtf = (FORMATS / "factiva_1doc.rtf").read_bytes()
    (tmp_path / "f.rtf").write_bytes(rtf)
    (article,) = iter_articles(tmp_path)
    assert "Search Summary" not in article.text and "Results Found" not in article.text
    assert article.encoding == "rtf (cp1252)"


def test_ingest_proquest_three_records_with_table_of_contents(tmp_path):
    one = (FORMATS / "proquest_1doc.txt").read_text(encoding="utf-8-sig")
    sep = "_" * 60
    head, record, tail = one.split(sep)[0:3], one.split(sep)[4], one.split(sep)[5]
    records = [
        record.replace("Document 1 of 1", f"Document {n} of 3").replace("2497651231", f"249765123{n}")
        for n in (1, 2, 3)
    ]
    text = sep.join([*head, "\r\n\r\nTable of contents\r\n\r\n1. a\r\n2. b\r\n3. c\r\n\r\n", *records, tail])
    (tmp_path / "pq.txt").write_text(text, encoding="utf-8-sig")
    items = list(iter_articles(tmp_path))
    assert [(item.record, item.doc_id) for item in items] == [(n, f"249765123{n}") for n in (1, 2, 3)]
    assert all(item.text.split("\n\n") == BODIES[1] for item in items)


# --- hostile exports ------------------------------------------------------------------------


def test_ingest_truncated_export_reads_what_is_whole(tmp_path):
    text = (FORMATS / "nexis_uni_3docs.txt").read_text(encoding="utf-8")
    cut = text[: text.index("Board members asked staff")]  # inside document 2's body
    (tmp_path / "cut.txt").write_text(cut, encoding="utf-8")
    items = list(iter_articles(tmp_path))
    assert [type(item).__name__ for item in items] == ["Article", "Article"]
    assert items[0].text.split("\n\n") == BODIES[1]
    assert items[1].text.split("\n\n") == BODIES[2][:2]  # what there is of document 2


def test_ingest_nexis_uni_missing_end_of_document_still_splits(tmp_path):
    text = (FORMATS / "nexis_uni_3docs.txt").read_text(encoding="utf-8")
    first = text.index("End of Document")
    (tmp_path / "m.txt").write_text(text[:first] + text[first + len("End of Document") :], encoding="utf-8")
    items = list(iter_articles(tmp_path))
    assert [(item.record, item.title) for item in items] == [(n, NEXIS[n][0]) for n in (1, 2, 3)]
    assert [item.text.split("\n\n") for item in items] == [BODIES[1], BODIES[2], BODIES[3]]


def test_ingest_nexis_classic_missing_separator_is_reported(tmp_path):
    text = (FORMATS / "nexis_classic_3docs.txt").read_text(encoding="utf-8-sig")
    (tmp_path / "m.txt").write_text(text.replace("2 of 3 DOCUMENTS", ""), encoding="utf-8")
    items = list(iter_articles(tmp_path))
    assert [(type(item).__name__, item.record) for item in items] == [
        ("Article", 1), ("IngestError", 1), ("Article", 2)]
    assert items[0].text.split("\n\n") == BODIES[1] and items[2].text.split("\n\n") == BODIES[3]
    assert "without a 'N of M DOCUMENTS' line" in items[1].reason


def docx_bytes(document_xml: bytes, *, extra: dict | None = None) -> bytes:
    """A DOCX built from the sample's parts with ``word/document.xml`` replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(FORMATS / "nexis_uni_1doc.docx") as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = document_xml if info.filename == "word/document.xml" else source.read(info)
            target.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def test_ingest_docx_zip_bomb_is_refused_before_it_is_unpacked(tmp_path):
    body = b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
    bomb = body + b" " * 5_000_000 + b"</w:body></w:document>"  # 5 MB of spaces, a few KB packed
    (tmp_path / "bomb.docx").write_bytes(docx_bytes(bomb))
    assert (tmp_path / "bomb.docx").stat().st_size < 100_000
    (error,) = iter_articles(tmp_path, max_bytes=1_000_000)
    assert error.source_path == "bomb.docx"
    assert "over the limit of 1000000 (--max-bytes); a damaged file or a zip bomb" in error.reason


def test_ingest_docx_xml_entities_are_never_expanded(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET_FILE_TEXT")
    xml = f"""<?xml version="1.0"?>
<!DOCTYPE w:document [<!ENTITY leak SYSTEM "file://{secret}"><!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>A letter to the editor about the city budget. &leak; &b;</w:t></w:r></w:p>
</w:body></w:document>""".encode()
    (tmp_path / "e.docx").write_bytes(docx_bytes(xml))
    items = list(iter_articles(tmp_path / "e.docx"))
    texts = " ".join(item.text if isinstance(item, Article) else item.reason for item in items)
    assert "SECRET_FILE_TEXT" not in texts and "AAAAAAAAAA" not in texts


def test_ingest_zip_archive_of_exports_skips_result_lists_and_lock_files(tmp_path):
    with zipfile.ZipFile(tmp_path / "download.zip", "w") as archive:
        archive.write(FORMATS / "nexis_uni_1doc.docx", "Files/Council_passes.docx")
        archive.write(FORMATS / "nexis_uni_3docs.docx", "Files/Results_doclist.docx")
        archive.write(FORMATS / "nexis_uni_1doc.docx", "Files/~$Council_passes.docx")
        archive.write(FORMATS / "factiva_3docs.txt", "factiva.txt")
        archive.writestr("__MACOSX/._factiva.txt", b"\x00\x05\x16\x07")
        archive.writestr("empty.txt", b"")
    items = list(iter_articles(tmp_path))
    assert [(item.source_path, item.record) for item in items] == [
        ("download.zip/Files/Council_passes.docx", 1), ("download.zip/empty.txt", None),
        ("download.zip/factiva.txt", 1), ("download.zip/factiva.txt", 2), ("download.zip/factiva.txt", 3),
    ]  # fmt: skip
    assert items[1].reason == "empty file"
    assert items[0].doc_id == URNS[1]


def test_ingest_zip_member_over_max_bytes_is_not_unpacked(tmp_path):
    with zipfile.ZipFile(tmp_path / "big.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", "word " * 400_000)  # 2 MB unpacked
        archive.write(FORMATS / "factiva_1doc.txt", "ok.txt")
    items = list(iter_articles(tmp_path, max_bytes=1_000_000))
    assert [(type(item).__name__, item.source_path) for item in items] == [
        ("IngestError", "big.zip/big.txt"), ("Article", "big.zip/ok.txt")]
    assert "over the limit of 1000000" in items[0].reason


# --- documents that are not exports ---------------------------------------------------------


def test_ingest_docx_that_is_not_an_export_is_one_article(tmp_path):
    import docx

    document = docx.Document()
    document.core_properties.title = "Letter to the editor"
    document.add_paragraph("Sesame Credit is a private score.")
    document.add_paragraph("It is not the state's Social Credit System.")
    document.save(tmp_path / "letter.docx")
    (article,) = iter_articles(tmp_path)
    assert (article.record, article.title, article.encoding) == (None, "Letter to the editor", "docx")
    assert article.text == "Sesame Credit is a private score.\n\nIt is not the state's Social Credit System."


def test_ingest_rtf_that_is_not_an_export_is_one_article(tmp_path):
    rtf = rb"{\rtf1\ansi\ansicpg1252 {\b Z\'fcrich} pilots differ.\par It is not one score.\par}"
    (tmp_path / "note.rtf").write_bytes(rtf)
    (article,) = iter_articles(tmp_path)
    assert (article.record, article.text, article.encoding) == (None, "Zürich pilots differ.\n\nIt is not one score.", "rtf (cp1252)")


def minimal_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with one line of Helvetica text per entry (offsets computed)."""
    stream = "BT /F1 11 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objects)


def pdf_file(objects: list) -> bytes:
    """A PDF of ``objects`` (numbered from 1, the first the catalog), with its xref table."""
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        body = body if isinstance(body, bytes) else body.encode("latin-1")
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def test_ingest_pdf_that_is_not_an_export_is_one_article(tmp_path):
    (tmp_path / "paper.pdf").write_bytes(minimal_pdf(["Sesame Credit is a private score.", "It is not the state system."]))
    (article,) = iter_articles(tmp_path)
    assert (article.record, article.encoding) == (None, "pdf")
    assert article.text == "Sesame Credit is a private score.\n\nIt is not the state system."


@pytest.mark.parametrize("name, content, words", [
    ("broken.docx", b"PK\x03\x04" + b"\x00" * 40, "unreadable DOCX file"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj garbage", "unreadable PDF file"),
    ("paper.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary file (PDF) with a .txt extension, and not a readable PDF"),
    ("scan.docx", b"\x89PNG\r\n\x1a\n\x00\x00", "binary file (PNG) with a .docx extension"),
])  # fmt: skip
def test_ingest_damaged_documents_are_one_clear_error(tmp_path, name, content, words):
    (tmp_path / name).write_bytes(content)
    (error,) = iter_articles(tmp_path)
    assert isinstance(error, IngestError) and words in error.reason, error


# --- held-back variants rebuilt from the samples --------------------------------------------


def _wrap(text: str, size: float, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` points in Helvetica at ``size``."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica"][1]

    def measure(line):
        return sum(widths.get(char, 556) for char in line) * size / 1000

    lines, line = [], ""
    for word in text.split(" "):
        candidate = f"{line} {word}".strip()
        if line and measure(candidate) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return lines + [line] if line else lines


def paged_pdf(paragraphs: list[str], *, per_page: int = 40) -> bytes:
    """A multi-page PDF as Nexis prints one: paragraphs justified between the margins (the
    last line of each ragged), an empty line for an empty paragraph, NBSP lost, a
    ``Page N of M`` footer on every page."""
    from pdfminer.fontmetrics import FONT_METRICS

    widths = FONT_METRICS["Helvetica"][1]
    lines = []  # (text, word spacing to justify it)
    for paragraph in paragraphs:
        wrapped = _wrap(paragraph.replace("\u00a0", " ").strip(), 10, 468) or [""]
        for number, line in enumerate(wrapped):
            natural = sum(widths.get(char, 556) for char in line) * 10 / 1000
            spaces = line.count(" ")
            last = number == len(wrapped) - 1
            lines.append((line, 0.0 if last or not spaces else (468 - natural) / spaces))
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", None,
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []

    def escape(line):
        return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    for number, lines_on_page in enumerate(pages, start=1):
        shown = " ".join(f"{spacing:.3f} Tw ({escape(line)}) '" for line, spacing in lines_on_page)
        stream = f"BT /F1 10 Tf 72 740 Td 14 TL {shown} ET BT /F1 9 Tf 0 Tw 270 40 Td (Page {number} of {len(pages)}) Tj ET"
        data = stream.encode("cp1252")
        objects.append(f"<< /Length {len(data)} >>\nstream\n".encode("latin-1") + data + b"\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       f"/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    return pdf_file(objects)


def test_ingest_nexis_uni_combined_pdf_over_several_pages(tmp_path):
    text = (FORMATS / "nexis_uni_3docs.txt").read_text(encoding="utf-8")
    (tmp_path / "combined.pdf").write_bytes(paged_pdf(text.split("\n"), per_page=25))
    items = list(iter_articles(tmp_path))
    assert all(isinstance(item, Article) for item in items), items
    assert [fields_of(item) for item in items] == [NEXIS[n] for n in (1, 2, 3)]
    assert [item.text.split("\n\n") for item in items] == [BODIES[1], BODIES[2], BODIES[3]]


def factiva_rtf(text_export: str) -> bytes:
    """The plus-indexing RTF of a Factiva text export: a table row per field, a page break
    between articles, the Search Summary table at the end."""
    row = "\\trowd\\trgaph108\\cellx1200\\cellx9000\\pard\\intbl\\qr{{\\b {code}}}\\cell\\pard\\intbl\\ql {value}\\cell\\row\n"
    body, summary = text_export.split("\nSearch Summary\n")
    articles = []
    for chunk in body.split("\f"):
        lines = [line for line in chunk.split("\n") if line.strip()]
        rows, code, values = [], None, []
        for line in lines:
            if line in ("SE", "HD", "BY", "CR", "WC", "PD", "ET", "SN", "SC", "ED", "PG", "LA", "CY", "LP", "TD",
                        "CO", "NS", "RE", "IPD", "PUB", "AN"):
                if code:
                    rows.append(row.format(code=code, value="\\par ".join(values)))
                code, values = line, []
            else:
                values.append(line.replace("\u201c", "\\'93").replace("\u201d", "\\'94"))
        if code:
            rows.append(row.format(code=code, value="\\par ".join(values)))
        if rows:
            articles.append("".join(rows))
    pairs = [line for line in summary.split("\n") if line.strip()]
    tail = "".join(row.format(code=pairs[i], value=pairs[i + 1]) for i in range(0, len(pairs) - 1, 2))
    rtf = "{\\rtf1\\ansi\\ansicpg1252\\deff0\n" + "\\page\n".join(articles) + "\\page\n\\pard Search Summary\\par\n" + tail + "}"
    return rtf.encode("cp1252")


def test_ingest_factiva_rtf_with_three_articles(tmp_path):
    (tmp_path / "f.rtf").write_bytes(factiva_rtf((FORMATS / "factiva_3docs.txt").read_text(encoding="utf-8")))
    items = list(iter_articles(tmp_path))
    assert [(fields_of(item), item.doc_id) for item in items] == [(FACTIVA[n], FACTIVA_IDS[n]) for n in (1, 2, 3)]
    assert [item.text.split("\n\n") for item in items] == [BODIES[1], BODIES[2], BODIES[3]]


def test_ingest_media_cloud_legacy_story_list_names_framing_fetch(tmp_path):
    (tmp_path / "legacy.csv").write_text(
        "stories_id,publish_date,title,url,language,ap_syndicated,themes,media_id,media_name,media_url\n"
        '1,2010-11-24 04:05:00,A title,https://a.example/1,en,False,"Politics,Budgets",3,A Daily,https://a.example\n'
    )
    (error,) = iter_articles(tmp_path)
    assert "framing fetch legacy.csv" in error.reason


def test_ingest_nexis_uni_without_a_body_line_starts_the_body_after_the_fields(tmp_path):
    text = (FORMATS / "nexis_uni_1doc.txt").read_text(encoding="utf-8").replace("\nBody\n", "\n")
    (tmp_path / "n.txt").write_text(text, encoding="utf-8")
    (article,) = iter_articles(tmp_path)
    assert fields_of(article) == NEXIS[1] and article.text.split("\n\n") == BODIES[1]


def test_ingest_long_combined_download_is_recognised_by_its_cover_page(tmp_path):
    text = (FORMATS / "nexis_uni_3docs.txt").read_text(encoding="utf-8")
    cover_end = text.index("Council passes leaner budget for 2021-22\nThe Riverton Ledger")
    entry = text[text.index("1. Council") : text.index("2. Transit")]
    padding = "".join(entry.replace("1. ", f"{n}. ", 1) for n in range(4, 260))  # a cover of 64 KB and more
    text = text.replace("Documents (3)", "Documents (259)")
    cover_end = text.index("Council passes leaner budget for 2021-22\nThe Riverton Ledger")
    (tmp_path / "long.txt").write_text(text[:cover_end] + padding + text[cover_end:], encoding="utf-8")
    assert len(text[:cover_end] + padding) > 64 * 1024
    items = list(iter_articles(tmp_path))
    assert [(item.record, item.title) for item in items] == [(n, NEXIS[n][0]) for n in (1, 2, 3)]


def test_ingest_nexis_uni_date_is_never_taken_from_the_headline(tmp_path):
    text = (FORMATS / "nexis_uni_1doc.txt").read_text(encoding="utf-8")
    text = text.replace("Council passes leaner budget for 2021-22", "Council sets budget vote for May 6, 2021", 1)
    (tmp_path / "n.txt").write_text(text, encoding="utf-8")
    (article,) = iter_articles(tmp_path)
    assert (article.title, article.outlet, article.date) == (
        "Council sets budget vote for May 6, 2021", "The Riverton Ledger", "2021-03-04")


def test_ingest_proquest_record_without_its_separator_line_is_still_its_own(tmp_path):
    one = (FORMATS / "proquest_1doc.txt").read_text(encoding="utf-8-sig")
    sep = "_" * 60
    parts = one.split(sep)
    second = parts[4].replace("Document 1 of 1", "Document 2 of 2").replace("2497651231", "2497651232")
    text = sep.join([*parts[:4], parts[4] + second, *parts[5:]])  # no separator between the records
    (tmp_path / "pq.txt").write_text(text, encoding="utf-8-sig")
    items = list(iter_articles(tmp_path))
    assert [(item.record, item.doc_id) for item in items] == [(1, "2497651231"), (2, "2497651232")]
    assert [item.text.split("\n\n") for item in items] == [BODIES[1], BODIES[1]]


def test_ingest_nexis_uni_cover_ends_after_the_last_entry_even_when_titles_differ(tmp_path):
    text = (FORMATS / "nexis_uni_3docs.txt").read_text(encoding="utf-8")
    text = text.replace("1. Council passes leaner budget for 2021-22", "1. Council passes leaner budget…")
    (tmp_path / "n.txt").write_text(text, encoding="utf-8")
    items = list(iter_articles(tmp_path))
    assert [fields_of(item) for item in items] == [NEXIS[n] for n in (1, 2, 3)]
