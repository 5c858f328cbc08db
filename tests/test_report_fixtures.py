"""The out-of-core report gives the figures the in-memory implementation gave.

tests/fixtures/*/expected/ were written by the pandas implementation (before aggregation moved
to DuckDB; see tests/fixtures/make_report_fixtures.py) on the shipped sample, on the hostile
fixture of test_report.py and on a 2,300-article synthetic results folder with every hard case
(more articles than the page lists, syndicated copies, duplicates, odd dates and outlets).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline.report import TABLES, write_report
from synthetic_results import make_synthetic_results
from test_report import make_results

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _values(series: pd.Series):
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.astype(float).to_numpy()
    return [None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else v for v in series.tolist()]


def assert_same_table(expected: pd.DataFrame, got: pd.DataFrame, name: str) -> None:
    assert list(got.columns) == list(expected.columns), name
    assert len(got) == len(expected), name
    for col in expected.columns:
        a, b = _values(expected[col]), _values(got[col])
        if isinstance(a, np.ndarray):
            # sums of floats in another order may differ in the last bit, nothing more
            assert isinstance(b, np.ndarray) and np.allclose(a, b, rtol=1e-12, atol=0, equal_nan=True), (name, col)
        else:
            assert a == b, (name, col)


@pytest.fixture(scope="module")
def cases(tmp_path_factory):
    root = tmp_path_factory.mktemp("cases")
    return {
        "report_sample": FIXTURES / "report_sample" / "results",
        "report_hostile": make_results(root / "hostile", hostile=True),
        "report_synthetic": make_synthetic_results(root / "synthetic"),
    }


@pytest.mark.parametrize("case", ["report_sample", "report_hostile", "report_synthetic"])
def test_report_tables_match_the_in_memory_implementation(cases, case, tmp_path):
    write_report(cases[case], tmp_path)
    expected = FIXTURES / case / "expected"
    for name in TABLES:
        assert_same_table(pd.read_parquet(expected / "tables" / f"{name}.parquet"),
                          pd.read_parquet(tmp_path / "tables" / f"{name}.parquet"), name)
        if (expected / "tables" / f"{name}.csv").is_file():
            assert_same_table(pd.read_csv(expected / "tables" / f"{name}.csv", keep_default_na=False, na_values=[""]),
                              pd.read_csv(tmp_path / "tables" / f"{name}.csv", keep_default_na=False, na_values=[""]), name)
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == (expected / "summary.md").read_text(encoding="utf-8")


def test_report_page_is_the_in_memory_implementations_page(cases, tmp_path):
    # The hostile fixture's page, byte for byte: same sections, same escaping, same CSP hashes.
    write_report(cases["report_hostile"], tmp_path)
    expected = (FIXTURES / "report_hostile" / "expected" / "index.html").read_text(encoding="utf-8")
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == expected


def test_report_page_caps_its_listing_but_tables_hold_everything(cases, tmp_path):
    from pipeline.report import HTML_MAX_ARTICLES

    write_report(cases["report_synthetic"], tmp_path)
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    articles = pd.read_parquet(tmp_path / "tables" / "articles.parquet")
    assert len(articles) == 2300 and (articles["verdict"] != "").sum() > HTML_MAX_ARTICLES
    assert page.count('<article class="art"') == HTML_MAX_ARTICLES
    assert f"The {HTML_MAX_ARTICLES:,} articles with most conflating passages are shown" in page


def test_report_reads_the_synthetic_corpus_as_csv_too(tmp_path):
    make_synthetic_results(tmp_path / "csv", n_articles=300, fmt="csv")
    make_synthetic_results(tmp_path / "parquet", n_articles=300)
    write_report(tmp_path / "csv", tmp_path / "from-csv")
    write_report(tmp_path / "parquet", tmp_path / "from-parquet")
    for name in TABLES:
        if name == "articles":  # CSV has no integer type for record: compared after the cast
            a = pd.read_parquet(tmp_path / "from-parquet" / "tables" / "articles.parquet")
            b = pd.read_parquet(tmp_path / "from-csv" / "tables" / "articles.parquet")
            assert_same_table(a.astype({"record": float}), b.astype({"record": float}), name)
            continue
        assert_same_table(pd.read_parquet(tmp_path / "from-parquet" / "tables" / f"{name}.parquet"),
                          pd.read_parquet(tmp_path / "from-csv" / "tables" / f"{name}.parquet"), name)


def test_report_figures_do_not_depend_on_the_order_of_the_passages_table(cases, tmp_path):
    # `framing run` writes an article's passages together and in order, and the report reads
    # them so; a table in another order is sorted first, with the same figures.
    results = tmp_path / "shuffled"
    results.mkdir()
    source = cases["report_synthetic"]
    for name in ("articles.parquet", "entities.parquet", "errors.csv", "run.json"):
        (results / name).write_bytes((source / name).read_bytes())
    passages = pd.read_parquet(source / "passages.parquet")
    passages.sample(frac=1.0, random_state=7).to_parquet(results / "passages.parquet", index=False)
    write_report(results, tmp_path / "out")
    expected = FIXTURES / "report_synthetic" / "expected" / "tables"
    for name in ("articles", "outlets", "syndication", "actors", "evidence"):
        assert_same_table(pd.read_parquet(expected / f"{name}.parquet"),
                          pd.read_parquet(tmp_path / "out" / "tables" / f"{name}.parquet"), name)
