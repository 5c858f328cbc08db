"""Ingest on hostile input: each bad input is one IngestError, and the batch goes on."""
from __future__ import annotations

import codecs
import csv
import io
import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import config
from pipeline.errors import FramingError
from pipeline.ingest import Article, IngestError, iter_articles, registry
from pipeline.ingest.common import Source

GOOD = "good.txt"
GOOD_TEXT = "The good article is still read."


def write(root: Path, name: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def read(root, **options) -> tuple[list[Article], list[IngestError]]:
    items = list(iter_articles(root, **options))
    return [i for i in items if isinstance(i, Article)], [i for i in items if isinstance(i, IngestError)]


@pytest.fixture
def folder(tmp_path) -> Path:
    """A folder that already holds one good article beside whatever a test adds."""
    write(tmp_path, GOOD, GOOD_TEXT)
    return tmp_path


def only_error(root, **options) -> IngestError:
    """The one IngestError under ``root``, after checking the good article was read."""
    articles, errors = read(root, **options)
    assert GOOD_TEXT in [a.text for a in articles]
    assert len(errors) == 1, errors
    return errors[0]


# --- whole-file problems, table-driven: case -> (file name, content, words the reason holds) ---

# Bytes no encoding reads with confidence: high bytes only, no language, no control characters.
UNDETECTABLE = bytes(range(0xA1, 0x100)) * 3

WHOLE_FILE = {
    "empty": ("empty.txt", b"", ["empty file"]),
    "only whitespace": ("blank.txt", " \n\t\r\n\u3000\u200b\n", ["text is only whitespace"]),
    "pdf named txt": ("paper.txt", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", ["binary file (PDF) with a .txt extension"]),
    "png named md": ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ["binary file (PNG) with a .md extension"]),
    "zip named json": ("archive.json", b"PK\x03\x04\x14\x00\x00\x00", ["binary file (ZIP", "with a .json extension"]),
    "gzip named jsonl": ("dump.jsonl", b"\x1f\x8b\x08\x00\x00\x00", ["binary file (GZIP) with a .jsonl extension"]),
    "nul bytes named csv": ("table.csv", b"text\nabc\x00def\n", ["binary file (contains NUL bytes) with a .csv extension"]),
    "control characters": ("noise.html", bytes([1, 2, 3, 4, 5, 6]) * 20 + b"<p>x</p>", ["binary file (many control characters)"]),
    "undetectable encoding": ("mystery.txt", UNDETECTABLE, ["undecodable text", "could not be detected confidently"]),
    "invalid json": ("broken.json", '{\n  "text": "a",\n  "title": "b"\n  "url": "c"\n}', ["invalid JSON: Expecting ',' delimiter at line 4 column 3"]),
    "json scalar": ("scalar.json", '"just a string"', ["JSON holds a string, expected an article object or a list"]),
    "json empty list": ("none.json", "[]", ["no articles", "list is empty"]),
    "json object without text": ("meta.json", '{"id": 1, "name": "x"}', ["no text field: expected one of text, body, content (found: id, name)"]),
    "md bad yaml": ("bad.md", "---\ntitle: [unclosed\ndate: x\n---\nBody.", ["malformed YAML front matter: expected ',' or ']', but got ':' at line 3"]),
    "md unclosed front matter": ("open.md", "---\ntitle: x\nBody never starts.", ["malformed front matter: no closing '---' line"]),
    "md front matter not a mapping": ("list.md", "---\n- a\n- b\n---\nBody.", ["malformed front matter: expected 'key: value' lines"]),
    "md with front matter only": ("head.md", "---\ntitle: x\n---\n\n", ["no text after the front matter"]),
    "html without body text": ("shell.html", '<html><head><title>App</title><script>render()</script></head><body><nav><a href="/">Home</a></nav><div id="root"></div></body></html>', ["HTML page has no body text"]),
    "csv without text column": ("people.csv", "id,name\n1,Ann\n", ["no text column: expected one of text, body, content (found: id, name)"]),
    "csv header only": ("header.csv", "title,text\n", ["no articles", "header but no rows"]),
    "utf-16 bom but odd bytes": ("half.txt", b"\xff\xfea\x00b", ["undecodable text: not valid utf-16 (truncated data at byte 4)"]),
}  # fmt: skip


@pytest.mark.parametrize("name, content, words", WHOLE_FILE.values(), ids=WHOLE_FILE.keys())
def test_ingest_hostile_file_is_one_error(folder, name, content, words):
    write(folder, name, content)
    error = only_error(folder)
    assert (error.source_path, error.record) == (name, None)
    for word in words:
        assert word in error.reason, error.reason


def test_ingest_file_over_max_bytes_is_not_read(folder, monkeypatch):
    big = folder / "huge.txt"
    with open(big, "wb") as handle:  # sparse: the size is real, the disk use is not
        handle.truncate(30 * 1024 * 1024)
    real = Path.read_bytes

    def guarded(self):
        assert self.name != "huge.txt", "a file over the limit was read"
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", guarded)
    error = only_error(folder)
    assert error == IngestError("huge.txt", None, "file is 31457280 bytes, over the limit of 20971520 (--max-bytes)")


def test_ingest_max_bytes_option_is_honoured(folder):
    write(folder, "medium.txt", "x" * 200)
    error = only_error(folder, max_bytes=100)
    assert error.reason == "file is 200 bytes, over the limit of 100 (--max-bytes)"


def test_ingest_very_long_line_is_read(folder):
    line = "Sesame Credit is not the Social Credit System. " * 110_000  # ~5 MB, no newline
    write(folder, "long.txt", line)
    write(folder, "long.csv", "title,text\nLong," + "y" * 300_000 + "\n")  # over csv's default field limit
    articles, errors = read(folder)
    assert errors == []
    by_path = {a.source_path: a for a in articles}
    assert by_path["long.txt"].text == line
    assert len(by_path["long.csv"].text) == 300_000


# --- encodings ---------------------------------------------------------------------------------

WESTERN = (
    "\u201cZürich café\u201d \u2014 the Social Credit System\u2019s pilots in Rongcheng were called \u201cOrwellian\u201d "
    "by critics. Naïve coverage often conflates them with Sesame Credit\u2019s scores.\n\n"
    "Second paragraph: déjà vu for the façade."
)
LATIN1 = (
    "Zürich café: the Social Credit System's pilots in Rongcheng were called Orwellian by critics. "
    "Naïve coverage often conflates them with Sesame Credit scores. Déjà vu, façade."
)
CHINESE = (
    "社会信用体系是国务院规划的。Sesame Credit is a private scoring product run by Ant Financial; "
    "芝麻信用是蚂蚁金服的私营产品，与政府的社会信用体系不同。"
)

# name -> (text, codec, byte-order mark, encoding the Article reports)
ENCODINGS = {
    "utf-8": (WESTERN, "utf-8", b"", "utf-8"),
    "utf-8 with BOM": (CHINESE, "utf-8", codecs.BOM_UTF8, "utf-8"),
    "utf-16 LE with BOM": (WESTERN, "utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
    "utf-16 BE with BOM": (CHINESE, "utf-16-be", codecs.BOM_UTF16_BE, "utf-16"),
    "windows-1252": (WESTERN, "cp1252", b"", "cp1252"),
    "latin-1": (LATIN1, "latin-1", b"", "cp1252"),  # same text: cp1252 extends latin-1's letters
    "gb18030": (CHINESE, "gb18030", b"", "gb18030"),
}


def _as_file(suffix: str, text: str) -> str:
    """The same article as a whole-file .txt, a JSON line, or a CSV row (the streaming readers)."""
    if suffix == ".jsonl":
        return json.dumps({"text": text}, ensure_ascii=False) + "\n"
    if suffix == ".csv":
        rows = io.StringIO()
        csv.writer(rows).writerows([["title", "text"], ["T", text]])
        return rows.getvalue()
    return text


@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".csv"])
@pytest.mark.parametrize("text, codec, bom, encoding", ENCODINGS.values(), ids=ENCODINGS.keys())
def test_ingest_decodes_encodings(tmp_path, suffix, text, codec, bom, encoding):
    write(tmp_path, "story" + suffix, bom + _as_file(suffix, text).encode(codec))
    (article,), errors = read(tmp_path)
    assert errors == []
    assert (article.text, article.encoding) == (text, encoding)


@pytest.mark.parametrize(
    "suffix, before, after", [(".txt", "", ""), (".jsonl", '{"text": "', '"}\n'), (".csv", "text\n", "\n")]
)
def test_ingest_mostly_utf8_keeps_the_text_and_marks_broken_bytes(tmp_path, suffix, before, after):
    # A UTF-8 export whose last character was cut off: one broken byte in plenty of good text.
    good = CHINESE * 3
    cut = "社".encode("utf-8")[:2]
    write(tmp_path, "cut" + suffix, before.encode() + good.encode("utf-8") + cut + after.encode())
    (article,), errors = read(tmp_path)
    assert errors == []
    assert (article.text, article.encoding) == (good + "\ufffd", "utf-8")


def test_ingest_utf16_jsonl_broken_mid_file_keeps_the_lines_before(tmp_path):
    lines = "".join(f'{{"text": "Line {n}."}}\n' for n in range(1, 4)).encode("utf-16-le")
    write(tmp_path, "wide.jsonl", b"\xff\xfe" + lines + b"\x00\xd8")  # ends in half a surrogate pair
    articles, errors = read(tmp_path)
    assert [a.text for a in articles] == ["Line 1.", "Line 2.", "Line 3."]
    (error,) = errors
    assert (error.record, error.reason) == (None, "undecodable text after line 3 (not valid utf-16); the rest of the file was skipped")


# --- records and lines -------------------------------------------------------------------------


def test_ingest_jsonl_bad_lines_are_errors_and_good_lines_count(folder):
    write(
        folder,
        "feed.jsonl",
        '{"text": "One."}\n'
        '{"text": "Two.", oops}\n'
        "\n"
        '["not", "an", "object"]\n'
        '{"title": "no text"}\n'
        '{"text": "   "}\n'
        '{"body": "Seven."}\n',
    )
    articles, errors = read(folder)
    assert [(a.source_path, a.record, a.text) for a in articles if a.source_path == "feed.jsonl"] == [
        ("feed.jsonl", 1, "One."),
        ("feed.jsonl", 7, "Seven."),
    ]
    assert [(e.source_path, e.record) for e in errors] == [("feed.jsonl", n) for n in (2, 4, 5, 6)]
    reasons = [e.reason for e in errors]
    assert reasons[0].startswith("line 2: invalid JSON (Expecting property name enclosed in double quotes")
    assert reasons[1] == "line 4: expected a JSON object, found a list"
    assert reasons[2] == "line 5: no text field: expected one of text, body, content (found: title)"
    assert reasons[3] == "line 6: text is only whitespace"


def test_ingest_json_list_bad_records_are_errors_and_others_count(folder):
    write(folder, "list.json", '[{"text": "One."}, {"title": "x"}, {"body": ""}, "nope", {"content": "Five."}]')
    articles, errors = read(folder)
    assert [a.record for a in articles if a.source_path == "list.json"] == [1, 5]
    assert [(e.record, e.reason) for e in errors] == [
        (2, "item 2: no text field: expected one of text, body, content (found: title)"),
        (3, "item 3: text is empty"),
        (4, "item 4: expected an article object, found a string"),
    ]


def test_ingest_csv_ragged_rows_are_errors_and_others_count(folder):
    write(folder, "rows.csv", "title,text\nA,One.\nB,Two.,surplus\nC\nD,Four.,,\n")
    articles, errors = read(folder)
    assert [(a.record, a.text) for a in articles if a.source_path == "rows.csv"] == [(1, "One."), (4, "Four.")]
    assert [(e.source_path, e.record, e.reason) for e in errors] == [
        ("rows.csv", 2, "row 2 (line 3): has 3 fields, the header has 2"),
        ("rows.csv", 3, "row 3 (line 4): has 1 field, the header has 2"),
    ]


def test_ingest_csv_unclosed_quote_keeps_the_rows_before_it(folder):
    write(folder, "quote.csv", 'title,text\nA,"One,\nstill one"\nB,"Two never closes\nC,Three.\n')
    articles, errors = read(folder)
    assert [(a.record, a.text) for a in articles if a.source_path == "quote.csv"] == [(1, "One,\nstill one")]
    (error,) = errors
    assert (error.source_path, error.record) == ("quote.csv", 2)
    assert error.reason.startswith("row 2 (line 4): unclosed quote")


def test_ingest_csv_stray_quote_is_an_error_and_reading_goes_on(folder):
    write(folder, "stray.csv", 'title,text\nA,"One"x\nB,Two.\n')
    articles, errors = read(folder)
    assert [a.record for a in articles if a.source_path == "stray.csv"] == [2]
    assert [(e.record, e.reason) for e in errors] == [(1, "row 1 (line 2): malformed CSV (',' expected after '\"')")]


def test_ingest_lone_surrogate_escape_becomes_a_replacement_character(tmp_path):
    # "\ud83d" alone is half an emoji: valid JSON, but text that cannot be written as UTF-8.
    write(tmp_path, "cut.jsonl", '{"text": "Cut emoji \\ud83d here", "title": "\\udc00"}\n')
    (article,) = iter_articles(tmp_path)
    assert (article.text, article.title) == ("Cut emoji \ufffd here", "\ufffd")


# --- the file system ---------------------------------------------------------------------------

needs_non_root = pytest.mark.skipif(
    hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads files whatever their permissions"
)


@needs_non_root
def test_ingest_unreadable_file_is_permission_denied(folder):
    path = write(folder, "secret.txt", "Hidden body.")
    path.chmod(0)
    try:
        error = only_error(folder)
    finally:
        path.chmod(0o644)
    assert (error.source_path, error.reason) == ("secret.txt", "permission denied")


@needs_non_root
def test_ingest_unlistable_folder_is_permission_denied(folder):
    locked = folder / "locked"
    write(folder, "locked/inside.txt", "Never seen.")
    locked.chmod(0)
    try:
        error = only_error(folder)
    finally:
        locked.chmod(0o755)
    assert error.source_path == "locked" and error.reason.startswith("permission denied")


def test_ingest_permission_error_while_reading_is_reported(folder, monkeypatch):
    # Runs as root too: the OS refusal is simulated where the bytes are read.
    real = Path.read_bytes

    def refuse(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    write(folder, "secret.txt", "Hidden body.")
    monkeypatch.setattr(Path, "read_bytes", refuse)
    error = only_error(folder)
    assert (error.source_path, error.record, error.reason) == ("secret.txt", None, "permission denied")


def test_ingest_unexpected_failure_becomes_an_error(folder, monkeypatch):
    def boom(source):
        raise RuntimeError("boom")

    monkeypatch.setitem(registry.READERS, registry._is_markdown, boom)
    write(folder, "x.md", "Body.")
    error = only_error(folder)
    assert (error.source_path, error.reason) == ("x.md", "could not read: RuntimeError: boom")


def test_ingest_symlinks(folder):
    os.symlink(GOOD, folder / "link.txt")  # to a file: followed, read under the link's name
    os.symlink("missing.txt", folder / "broken.txt")
    os.symlink("loop_b.txt", folder / "loop_a.txt")
    os.symlink("loop_a.txt", folder / "loop_b.txt")
    os.symlink("self.txt", folder / "self.txt")
    (folder / "sub").mkdir()
    os.symlink("..", folder / "sub" / "up")  # a folder loop
    articles, errors = read(folder)
    assert sorted((a.source_path, a.text) for a in articles) == [(GOOD, GOOD_TEXT), ("link.txt", GOOD_TEXT)]
    reasons = {e.source_path: e.reason for e in errors}
    assert sorted(reasons) == ["broken.txt", "loop_a.txt", "loop_b.txt", "self.txt", "sub/up"]
    assert reasons["broken.txt"] == "broken or looping symlink: its target missing.txt does not exist"
    for name in ("loop_a.txt", "loop_b.txt", "self.txt"):
        assert reasons[name] == "broken or looping symlink: symlink loop"
    assert reasons["sub/up"].startswith("symlink loop")


def test_ingest_symlinked_folder_is_reported_not_followed(tmp_path):
    write(tmp_path, "outside/story.txt", "Outside body.")
    write(tmp_path, "root/a.txt", "Inside body.")
    os.symlink(tmp_path / "outside", tmp_path / "root" / "linked")
    articles, errors = read(tmp_path / "root")
    assert [a.source_path for a in articles] == ["a.txt"]
    (error,) = errors
    assert error.source_path == "linked" and error.reason.startswith("symlinked folder not followed")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_ingest_named_pipe_is_not_read(folder):
    os.mkfifo(folder / "pipe.txt")  # reading it would block forever
    error = only_error(folder)
    assert (error.source_path, error.reason) == ("pipe.txt", "not a regular file (a device, pipe or socket)")


def test_ingest_undecodable_file_name_is_reported(folder):
    try:
        with open(os.path.join(os.fsencode(folder), b"caf\xe9.txt"), "wb") as handle:
            handle.write(b"Body.")
    except OSError:
        pytest.skip("this file system only takes UTF-8 names")
    error = only_error(folder)
    assert (error.source_path, error.reason) == ("caf\\xe9.txt", "name is not valid UTF-8; rename it")


# --- property: arbitrary bytes never crash the walk --------------------------------------------

STRUCTURE = [
    "{", "}", "[", "]", '"text"', '"body"', ":", ",", '"x"', "\n", "\r\n", " ", "text,title", "body;title",
    '"', "<p>", "</p>", "<article>", "<nav>", "<br>", "---", "title: a", "\x00", "\ufeff", "é", "社会", "\\ud83d",
]  # fmt: skip
CONTENT = st.one_of(
    st.binary(max_size=600),
    st.text(max_size=300).map(lambda text: text.encode("utf-8")),
    st.lists(st.sampled_from(STRUCTURE), max_size=40).map(lambda parts: "".join(parts).encode("utf-8")),
)
NAMES = st.sampled_from([f"sample{suffix}" for suffix in config.INPUT_SUFFIXES] + [config.METADATA_FILE])


@settings(max_examples=60, deadline=None)
@given(content=CONTENT, name=NAMES)
def test_ingest_never_raises_on_arbitrary_bytes(content, name):
    with tempfile.TemporaryDirectory() as root:
        Path(root, name).write_bytes(content)
        items = list(iter_articles(root))
    assert all(isinstance(item, (Article, IngestError)) for item in items)
    for item in items:
        assert item.source_path == name
        if isinstance(item, Article):
            assert item.text.strip() and "\r" not in item.text
            item.text.encode("utf-8")  # storable: no lone surrogates


READER_SUFFIXES = st.sampled_from([".txt", ".md", ".html", ".json", ".jsonl", ".csv", ".docx", ".rtf", ".pdf", ".zip", ""])
EXPORT_LINES = [
    "End of Document", "Body", "Length:\u00a0212 words", "Load-Date:\u00a0May 2, 2021", "1 of 3 DOCUMENTS",
    "LENGTH: 12 words", "LOAD-DATE: May 2, 2021", "HD", "PD", "AN", "Document ABCD0020210304eh340000x",
    "HD|Title|", "\f", "Search Summary", "_" * 60, "Document 1 of 2", "Full text: Body.", "Documents (2)",
    "1. Title", "Title", "Classification", "Copyright 2021 X", "   centred line", "", "word word.",
]  # fmt: skip


@settings(max_examples=80, deadline=None)
@given(content=CONTENT, suffix=READER_SUFFIXES)
def test_ingest_no_reader_raises_on_arbitrary_bytes(content, suffix):
    # Every reader in the registry, called directly: a bad input may only raise FramingError
    # (which the registry turns into an IngestError), never anything else.
    source = Source(f"sample{suffix}", content[: 64 * 1024], data=content, max_bytes=10_000)
    for reader in registry.READERS.values():
        try:
            items = list(reader(source))
        except FramingError:
            continue
        assert all(isinstance(item, (Article, IngestError)) for item in items)


@settings(max_examples=80, deadline=None)
@given(lines=st.lists(st.one_of(st.sampled_from(EXPORT_LINES), st.text(max_size=40)), max_size=60))
def test_ingest_export_parsers_never_raise_on_arbitrary_text(lines):
    text = "\n".join(lines)
    for parse in registry.EXPORTS.values():
        for item in parse(text, "x.txt", "utf-8"):
            assert isinstance(item, (Article, IngestError))
            if isinstance(item, Article):
                assert item.text.strip() and "\r" not in item.text
