"""The `framing` command line: help texts, errors as `Error: ...` with exit 1, and every
command end to end (the run over a hostile folder through a real subprocess)."""
import json
import os
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from pipeline import config
from pipeline.cli import cli

ARTICLES = config.PROJECT_DIR / "corpus" / "articles"
FORMATS = config.PROJECT_DIR / "tests" / "fixtures" / "formats"
COMMANDS = ["run", "fetch", "train", "evaluate", "report", "suggest", "check-labels"]


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", COMMANDS)
def test_cli_every_command_has_help_with_an_example(command):
    result = invoke(command, "--help")
    assert result.exit_code == 0
    assert "Example:" in result.output and f"framing {command}" in result.output


def test_cli_top_level_help_lists_commands():
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_cli_run_explains_every_option():
    text = invoke("run", "--help").output
    for option in ("--out", "--model", "--format", "--workers", "--engine", "--scheduler", "--no-filter",
                   "--max-bytes", "--no-report", "--period", "--syndicated", "--strict", "--quiet"):
        assert option in text


def test_cli_missing_input_is_a_clear_error(tmp_path):
    result = invoke("run", tmp_path / "nowhere", "--out", tmp_path / "out", "--no-report")
    assert result.exit_code == 1
    assert result.output == f"Error: input not found: {tmp_path / 'nowhere'}, give a folder (or file) of articles\n"


def test_cli_tampered_model_is_refused(tmp_path):
    model = tmp_path / "m.joblib"
    shutil.copy(config.DEFAULT_MODEL, model)
    shutil.copy(config.DEFAULT_MODEL.with_name("conflation.card.json"), tmp_path / "m.card.json")
    with open(model, "ab") as handle:
        handle.write(b"tampered")
    result = invoke("run", ARTICLES, "--out", tmp_path / "out", "--model", model, "--no-report")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: model file {model} does not match its card")
    assert "load only models from trusted sources" in result.output
    assert "Traceback" not in result.output


def test_cli_train_refuses_bad_labels_with_file_and_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "a", "label": "conflated"}) + "\n" + json.dumps({"text": " ", "label": "neither"}) + "\n")
    result = invoke("train", bad, "--out", tmp_path / "m.joblib")
    assert result.exit_code == 1
    assert f"{bad}:1: unknown label 'conflated'" in result.output
    assert f"{bad}:2: empty text" in result.output
    assert not (tmp_path / "m.joblib").exists()


def _hostile_folder(root):
    """Good articles in several formats beside the hostile files of the reliability issue."""
    root.mkdir()
    shutil.copy(ARTICLES / "003_fda279e24249a15c.txt", root / "good.txt")
    (root / "good.jsonl").write_text(
        json.dumps({"text": "Sesame Credit is not part of the state system, officials said.\n\nMore text follows here.",
                    "title": "One"}) + "\n{broken\n"
        + json.dumps({"body": "The court blacklist grew again this year, the report said.", "headline": "Two"}) + "\n",
        encoding="utf-8")
    (root / "good.csv").write_text('Headline,Body\n"A","The Supreme People\'s Court published a new list of dishonest persons."\n'
                                   '"B","too","many","fields"\n', encoding="utf-8")
    (root / "latin1.txt").write_bytes("Café society in Zürich – “smart quotes” – rated the résumé.".encode("cp1252"))
    (root / "empty.txt").write_bytes(b"")
    (root / "paper.txt").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    (root / "noise.md").write_bytes(os.urandom(2048).replace(b"\n", b"\x00"))
    (root / "bad.json").write_text('{"text": "unterminated', encoding="utf-8")
    (root / "notext.csv").write_text("id,name\n1,x\n", encoding="utf-8")
    (root / "quote.csv").write_text('text\n"an unclosed quote runs on\n', encoding="utf-8")
    (root / "empty.html").write_text("<html><head><title>x</title></head><body><nav>Home</nav></body></html>")
    (root / "big.txt").write_text("word " * 5000, encoding="utf-8")
    (root / "blank.txt").write_text("   \n\n\t\n")
    (root / "furniture.txt").write_text("Share this\n\nREAD NEXT\n")
    os.symlink(root / "loop_a", root / "loop_b")
    os.symlink(root / "loop_b", root / "loop_a.txt")
    shutil.copy(FORMATS / "mediacloud_3docs.csv", root / "stories.csv")  # URLs without text
    shutil.copy(FORMATS / "nexis_uni_3docs.docx", root / "nexis.docx")  # an export: three articles
    return root


@pytest.mark.slow
def test_cli_run_on_a_hostile_folder_lists_every_bad_input_and_keeps_the_rest(tmp_path):
    src = _hostile_folder(tmp_path / "in")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "pipeline.cli", "run", str(src), "--out", str(out), "--workers", "1",
               "--no-report", "--max-bytes", "20000"]
    done = subprocess.run(command, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "input(s) failed" in done.stderr and "Traceback" not in done.stderr
    errors = pd.read_csv(out / "errors.csv", keep_default_na=False)
    by_file = errors.groupby("source_path")["reason"].apply(list).to_dict()
    assert set(by_file) == {"good.jsonl", "good.csv", "empty.txt", "paper.txt", "noise.md", "bad.json", "notext.csv",
                            "quote.csv", "empty.html", "big.txt", "blank.txt", "furniture.txt", "loop_a.txt",
                            "stories.csv"}
    assert "`framing fetch stories.csv --out PAGES`" in by_file["stories.csv"][0]
    assert errors.set_index("source_path").loc["good.jsonl", "record"] == "2"
    assert "over the limit of 20000" in by_file["big.txt"][0]
    assert "PDF" in by_file["paper.txt"][0]
    articles = pd.read_parquet(out / "articles.parquet")
    assert sorted(articles["source_path"]) == ["good.csv", "good.jsonl", "good.jsonl", "good.txt", "latin1.txt",
                                               "nexis.docx", "nexis.docx", "nexis.docx"]
    nexis = articles[articles["source_path"] == "nexis.docx"]
    assert list(nexis["date"]) == ["2021-03-04", "2021-04-12", "2021-05-01"] and list(nexis["word_count"]) == [212, 1045, 389]
    latin = articles.set_index("source_path").loc["latin1.txt"]
    assert latin["encoding"] != "utf-8"  # a Windows code page; the text below decoded right
    passages = pd.read_parquet(out / "passages.parquet")
    assert "Café society in Zürich – “smart quotes”" in " ".join(passages["text"])
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["errors"] == len(errors)

    strict = subprocess.run(command + ["--strict", "--quiet"], capture_output=True, text=True)
    assert strict.returncode == 1
    assert strict.stderr.strip() == (f"Error: {len(errors)} input(s) could not be read (--strict), "
                                     f"listed in {out / 'errors.csv'}")


def test_cli_run_evaluate_suggest_end_to_end(tmp_path):
    out = tmp_path / "out"
    result = invoke("run", ARTICLES, "--out", out, "--workers", "1", "--no-report", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert "5 articles (0 duplicates skipped), 177 passages" in result.output
    assert (out / "passages.csv").exists() and (out / "run.json").exists()

    result = invoke("suggest", out, "--n", "10", "--out", tmp_path / "to_label.jsonl")
    assert result.exit_code == 0
    lines = [json.loads(line) for line in (tmp_path / "to_label.jsonl").read_text().splitlines()]
    assert len(lines) == 10
    assert all(set(line) == {"text", "meta"} and line["meta"]["passage_id"] and line["meta"]["article_id"]
               for line in lines)
    assert len({line["text"] for line in lines}) == 10

    result = invoke("suggest", out, "--n", "4", "--strategy", "per-outlet", "--out", tmp_path / "val.jsonl")
    assert result.exit_code == 0
    outlets = [json.loads(line)["meta"]["outlet"] for line in (tmp_path / "val.jsonl").read_text().splitlines()]
    assert len(outlets) == 4 and len(set(outlets)) >= 2

    seed = config.PROJECT_DIR / "corpus" / "labelled" / "seed.jsonl"
    result = invoke("evaluate", config.DEFAULT_MODEL, seed, "--json", tmp_path / "eval.json")
    assert result.exit_code == 0
    figures = json.loads((tmp_path / "eval.json").read_text())
    assert figures["n"] == 177 and {"precision", "recall", "f1"} <= set(figures["binary"])
    assert "95% bootstrap intervals (2000 resamples of the passages): macro-F1 " in result.output
    assert figures["intervals"]["binary"]["f1"][0] <= figures["binary"]["f1"] <= figures["intervals"]["binary"]["f1"][1]
    assert (tmp_path / "misclassified.csv").exists()


def test_cli_train_group_by_an_unknown_field_is_a_clear_error(tmp_path):
    labelled = tmp_path / "l.jsonl"
    labelled.write_text("".join(json.dumps({"text": f"Passage {i} about credit.", "label": label, "style": "blog"}) + "\n"
                                for i, label in enumerate(config.LABELS * 5)))
    result = invoke("train", labelled, "--out", tmp_path / "m.joblib", "--group-by", "outlet")
    assert result.exit_code == 1
    assert result.output == (f"Error: no labelled passage has the field 'outlet' to group cross-validation by, "
                             f"{labelled}, name a field the files carry (they have: style)\n")


@pytest.mark.slow
def test_cli_train_interrupted_leaves_no_model_and_says_one_line(small_labelled, tmp_path):
    import signal
    import time

    out = tmp_path / "m.joblib"
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "train", str(small_labelled), "--out", str(out)],
                            stderr=subprocess.PIPE, text=True, cwd=config.PROJECT_DIR)
    time.sleep(3)  # cross-validating by now
    assert proc.poll() is None
    proc.send_signal(signal.SIGINT)
    stderr = proc.communicate(timeout=60)[1]
    assert proc.returncode == 130
    assert stderr.strip() == "Interrupted (SIGINT): no output was replaced; run the same command again."
    assert sorted(p.name for p in tmp_path.iterdir()) == []
