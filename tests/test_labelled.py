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
