"""DuckDB over Parquet vs pyarrow datasets for the report's out-of-core aggregation.

The report needs two kinds of pass over ``passages.parquet`` (the largest output, with the
passage texts): a group-by per article (counts of passages, topical, classified, conflating and
distinguishing passages, mean p(conflates)) and a stream of each article's body text in passage
order (for the syndication signatures). Each engine does both, in a fresh process, and the
script prints the seconds and the process's peak RSS (ru_maxrss). Results must agree.

Example:
    .venv/bin/python benchmarks/aggregation.py --articles 50000
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]


def duckdb_engine(passages: Path) -> dict:
    import duckdb

    con = duckdb.connect()
    con.execute("SET memory_limit='512MB'; SET threads=2; SET enable_progress_bar=false")
    clock = time.perf_counter()
    counts = con.execute(f"""
        SELECT article_id, count(*) AS passages, sum(topical::INT) AS topical,
               sum((reason = 'classified')::INT) AS classified,
               sum((reason = 'classified' AND label = 'conflates')::INT) AS conflates,
               sum((reason = 'classified' AND label = 'distinguishes')::INT) AS distinguishes,
               avg(CASE WHEN reason = 'classified' THEN p_conflates END) AS mean_p
        FROM read_parquet('{passages}') GROUP BY article_id""").to_arrow_table()
    group_s = time.perf_counter() - clock
    clock = time.perf_counter()
    # As the report does: sorted by article and passage (DuckDB sorts out of core), joined here.
    reader = con.sql(f"""
        SELECT article_id, text FROM read_parquet('{passages}') WHERE kind = 'body'
        ORDER BY article_id, "index" """).to_arrow_reader(20_000)
    chars, current, texts = 0, None, []
    for batch in reader:
        for aid, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
            if aid != current:
                chars += len(" ".join(texts))
                current, texts = aid, []
            texts.append(text)
    chars += len(" ".join(texts))
    return {"group_s": group_s, "stream_s": time.perf_counter() - clock, "articles": counts.num_rows, "chars": chars}


def arrow_engine(passages: Path) -> dict:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.dataset as ds

    data = ds.dataset(passages, format="parquet")
    clock = time.perf_counter()
    parts = []
    cols = ["article_id", "topical", "reason", "label", "p_conflates"]
    for batch in data.to_batches(columns=cols, batch_size=100_000):
        t = pa.Table.from_batches([batch])
        scored = pc.equal(t["reason"], "classified")
        t = t.append_column("classified", pc.cast(scored, pa.int64()))
        t = t.append_column("c", pc.cast(pc.and_(scored, pc.equal(t["label"], "conflates")), pa.int64()))
        t = t.append_column("d", pc.cast(pc.and_(scored, pc.equal(t["label"], "distinguishes")), pa.int64()))
        t = t.append_column("p", pc.if_else(scored, t["p_conflates"], pa.scalar(None, pa.float64())))
        t = t.append_column("topical_i", pc.cast(t["topical"], pa.int64()))
        parts.append(t.group_by("article_id").aggregate(
            [("article_id", "count"), ("topical_i", "sum"), ("classified", "sum"), ("c", "sum"), ("d", "sum"),
             ("p", "sum"), ("p", "count")]))
    merged = pa.concat_tables(parts).group_by("article_id").aggregate(
        [("article_id_count", "sum"), ("topical_i_sum", "sum"), ("classified_sum", "sum"), ("c_sum", "sum"),
         ("d_sum", "sum"), ("p_sum", "sum"), ("p_count", "sum")])
    group_s = time.perf_counter() - clock
    clock = time.perf_counter()
    # Passages of an article are contiguous in a run's output, in index order: one streaming pass.
    chars, current, texts = 0, None, []
    for batch in data.to_batches(columns=["article_id", "kind", "text"], filter=ds.field("kind") == "body",
                                 batch_size=50_000):
        for aid, text in zip(batch.column("article_id").to_pylist(), batch.column("text").to_pylist()):
            if aid != current:
                chars += len(" ".join(texts))
                current, texts = aid, []
            texts.append(text)
    chars += len(" ".join(texts))
    return {"group_s": group_s, "stream_s": time.perf_counter() - clock, "articles": merged.num_rows, "chars": chars}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=50_000)
    parser.add_argument("--_child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args._child:
        engine, path = args._child
        result = (duckdb_engine if engine == "duckdb" else arrow_engine)(Path(path))
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    from synthetic_results import make_synthetic_results

    folder = HERE / "_work" / f"results-{args.articles}"
    if not (folder / "passages.parquet").is_file():
        make_synthetic_results(folder, n_articles=args.articles)
    passages = folder / "passages.parquet"
    print(f"{passages}: {passages.stat().st_size / 2**20:.0f} MB")
    rows = {}
    for engine in ("duckdb", "arrow", "duckdb", "arrow"):
        out = subprocess.run([sys.executable, __file__, "--_child", engine, str(passages)], check=True,
                             capture_output=True, text=True).stdout
        rows.setdefault(engine, []).append(json.loads(out.strip().splitlines()[-1]))
    for engine, runs in rows.items():
        best = min(runs, key=lambda r: r["group_s"] + r["stream_s"])
        print(f"{engine:7s} group-by {best['group_s']:.2f} s, body-text stream {best['stream_s']:.2f} s, "
              f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB, articles {best['articles']}, chars {best['chars']}")


if __name__ == "__main__":
    main()
