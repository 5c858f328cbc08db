import json

import pytest

from pipeline.errors import LabelledDataError
from pipeline.labelled import data_hash, passage_ids, read_labelled


def _write(path, lines):
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_labelled_reads_project_jsonl_and_carries_extra_fields(tmp_path):
    path = _write(tmp_path / "a.jsonl", [
        json.dumps({"text": "Sesame Credit is the state's score.", "label": "conflates", "style": "op-ed", "year": 2018}),
        json.dumps({"text": "Blacklisted debtors cannot fly.", "label": "neither"}),
    ])
    frame = read_labelled([path])
    assert frame["label"].tolist() == ["conflates", "neither"]
    assert frame.loc[0, "style"] == "op-ed" and frame.loc[0, "year"] == 2018
    assert frame["line"].tolist() == [1, 2]


def test_labelled_reads_prodigy_doccano_and_csv(tmp_path):
    prodigy = _write(tmp_path / "prodigy.jsonl", [
        json.dumps({"text": "A", "label": "conflates", "answer": "accept"}),
        json.dumps({"text": "B", "label": "conflates", "answer": "reject"}),  # no label given: skipped
        json.dumps({"text": "C", "options": [{"id": "neither"}], "accept": ["neither"], "answer": "accept"}),
    ])
    doccano = _write(tmp_path / "doccano.jsonl", [json.dumps({"id": 7, "text": "D", "label": ["distinguishes"]})])
    csv_file = tmp_path / "labels.csv"
    csv_file.write_text('text,label\n"E, with a comma",Neither\n', encoding="utf-8")
    frame = read_labelled([prodigy, doccano, csv_file])
    assert list(zip(frame["text"], frame["label"])) == [
        ("A", "conflates"), ("C", "neither"), ("D", "distinguishes"), ("E, with a comma", "neither")]


def test_labelled_problems_name_file_and_line(tmp_path):
    path = _write(tmp_path / "bad.jsonl", [
        json.dumps({"text": "fine", "label": "neither"}),
        json.dumps({"text": "x", "label": "conflated"}),
        json.dumps({"text": "   ", "label": "neither"}),
        json.dumps({"label": "neither"}),
        "{not json",
        json.dumps({"text": "Fine", "label": "conflates"}),
        json.dumps({"text": "y", "label": ["neither", "conflates"]}),
    ])
    with pytest.raises(LabelledDataError) as info:
        read_labelled([path])
    reasons = {line: reason for _, line, reason in info.value.problems}
    assert reasons == {
        2: "unknown label 'conflated' (expected one of: conflates, distinguishes, neither)",
        3: "empty text",
        4: "missing field 'text'",
        5: "invalid JSON (Expecting property name enclosed in double quotes)",
        6: f"same text labelled 'conflates' here but 'neither' at {path}:1",
        7: "expected exactly one label, got 2: ['neither', 'conflates']",
    }
    assert str(path) + ":2: unknown label" in info.value.message


def test_labelled_csv_without_label_column_is_reported(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("text,category\nhello,neither\n", encoding="utf-8")
    with pytest.raises(LabelledDataError, match="CSV needs 'text' and 'label' columns"):
        read_labelled([path])


def test_data_hash_ignores_order_but_not_labels(tmp_path):
    a = _write(tmp_path / "a.jsonl", [json.dumps({"text": "x", "label": "neither"}),
                                      json.dumps({"text": "y", "label": "conflates"})])
    b = _write(tmp_path / "b.jsonl", [json.dumps({"text": "y", "label": "conflates"}),
                                      json.dumps({"text": "x", "label": "neither"})])
    c = _write(tmp_path / "c.jsonl", [json.dumps({"text": "y", "label": "neither"}),
                                      json.dumps({"text": "x", "label": "neither"})])
    assert data_hash(read_labelled([a])) == data_hash(read_labelled([b])) != data_hash(read_labelled([c]))


def test_passage_ids_come_from_id_passage_id_or_suggest_meta(tmp_path):
    path = _write(tmp_path / "mixed.jsonl", [
        json.dumps({"id": "authored-a001", "text": "A", "label": "neither"}),
        json.dumps({"id": 7, "text": "B", "label": ["neither"]}),  # Doccano: numeric ids
        json.dumps({"passage_id": "p-0002", "text": "C", "label": "neither"}),
        json.dumps({"text": "D", "label": "neither", "answer": "accept",  # Prodigy, from `framing suggest`
                    "meta": {"passage_id": "ab12-0003", "article_id": "ab12"}}),
        json.dumps({"text": "E", "label": "neither"}),
    ])
    assert passage_ids(read_labelled([path])).tolist() == ["authored-a001", "7", "p-0002", "ab12-0003", ""]
    plain = _write(tmp_path / "plain.jsonl", [json.dumps({"text": "F", "label": "neither"})])
    assert passage_ids(read_labelled([plain])).tolist() == [""]


def test_labelled_duplicates_with_one_label_are_merged_with_a_warning(tmp_path):
    from pipeline.errors import FramingWarning

    path = _write(tmp_path / "dup.jsonl", [
        json.dumps({"text": "Sesame Credit is the state's score.", "label": "conflates"}),
        json.dumps({"text": "Blacklisted debtors cannot fly.", "label": "neither"}),
        json.dumps({"text": "  sesame credit IS the state's   score.", "label": "conflates"}),
    ])
    again = _write(tmp_path / "again.jsonl", [json.dumps({"text": "Blacklisted debtors cannot fly.", "label": "neither"})])
    with pytest.warns(FramingWarning, match=r"^2 labelled passage\(s\) repeat an earlier one"):
        frame = read_labelled([path, again])
    assert frame["text"].tolist() == ["Sesame Credit is the state's score.", "Blacklisted debtors cannot fly."]
    assert frame["line"].tolist() == [1, 2] and frame.attrs["duplicates_merged"] == 2


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_labelled_text_over_the_limit_is_refused(tmp_path, suffix):
    from pipeline import config

    text = "word " * (config.MAX_LABELLED_TEXT_CHARS // 5 + 1)
    path = tmp_path / f"long{suffix}"
    if suffix == ".jsonl":
        _write(path, [json.dumps({"text": "fine", "label": "neither"}), json.dumps({"text": text, "label": "neither"})])
    else:
        path.write_text(f"text,label\nfine,neither\n{text},neither\n", encoding="utf-8")
    with pytest.raises(LabelledDataError) as info:
        read_labelled([path])
    [(file, line, reason)] = info.value.problems
    assert line == (2 if suffix == ".jsonl" else 3)  # a CSV's header is its line 1
    assert reason.startswith(f"text of {len(text):,} characters, over the limit of 50,000")


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_labelled_line_over_the_limit_is_refused_and_the_rest_read(tmp_path, suffix):
    from pipeline import config

    huge = "x" * (config.MAX_LABELLED_LINE_BYTES + 10)
    path = tmp_path / f"huge{suffix}"
    if suffix == ".jsonl":
        _write(path, [json.dumps({"text": huge, "label": "neither"}), "{not json"])
        expected = {1: "line longer than 1,048,576 bytes (the limit for one labelled line); split the text into passages",
                    2: "invalid JSON (Expecting property name enclosed in double quotes)"}
    else:
        path.write_text(f"text,label\n{huge},neither\nok,unknown\n", encoding="utf-8")
        expected = {2: "line longer than 1,048,576 bytes (the limit for one labelled line); split the text into passages",
                    3: "unknown label 'unknown' (expected one of: conflates, distinguishes, neither)"}
    with pytest.raises(LabelledDataError) as info:
        read_labelled([path])
    assert {line: reason for _, line, reason in info.value.problems} == expected


@pytest.mark.slow
def test_train_on_a_100_mb_line_stops_at_once_in_bounded_memory(tmp_path):
    """`framing train` on a file whose one line is 100 MB prints the error in seconds, and
    its peak memory is that of a run on a small bad file (the line is never held whole)."""
    import os
    import subprocess
    import sys

    small = _write(tmp_path / "small.jsonl", [json.dumps({"text": "x", "label": "nope"})])
    big = tmp_path / "big.jsonl"
    with big.open("w", encoding="utf-8") as handle:
        handle.write('{"label": "neither", "text": "')
        for _ in range(100):
            handle.write("credit score " * 80_000 + " ")  # ~1 MB a time
        handle.write('"}\n')
    assert big.stat().st_size > 100_000_000

    def peak_kb(path):
        proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "train", str(path), "--out",
                                 str(tmp_path / "m.joblib")], stderr=subprocess.PIPE, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        stderr = proc.stderr.read()
        proc.stderr.close()
        assert os.waitstatus_to_exitcode(status) == 1, stderr
        assert stderr.startswith("Error: 1 problem(s) in labelled data:") and "Traceback" not in stderr
        return usage.ru_maxrss, stderr

    baseline, _ = peak_kb(small)
    peak, stderr = peak_kb(big)
    assert f"{big}:1: line longer than 1,048,576 bytes" in stderr
    assert peak - baseline < 32 * 1024, (baseline, peak)  # KiB: far below the 100 MB of the line


def test_cli_prints_the_merge_warning_as_one_line(tmp_path):
    import subprocess
    import sys

    path = _write(tmp_path / "dup.jsonl", [json.dumps({"text": "Blacklisted debtors cannot fly.", "label": "neither"})] * 3)
    proc = subprocess.run([sys.executable, "-m", "pipeline.cli", "train", str(path), "--out", str(tmp_path / "m.joblib")],
                          capture_output=True, text=True)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1 and len(lines) == 2, proc.stderr
    assert lines[0] == f"Warning: 2 labelled passage(s) repeat an earlier one with the same label (case and whitespace folded) and were merged into it, in {path}"
    assert lines[1].startswith("Error: training needs every label")
