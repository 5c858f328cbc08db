"""The report's figures, computed in DuckDB over the output tables (see :mod:`.source`).

The same figures as :mod:`pipeline.aggregate` computes on DataFrames (tests compare the two),
without loading the passages into Python: per-article counts and verdicts are one GROUP BY,
group tables are sums over articles, the top passages per outlet a window function. Only
the syndication signatures are computed in Python, from the body texts streamed in article
order; what stays in memory is 128 bytes of LSH band keys per article and the shingles of
the candidate pairs.

Tables built (in the report's scratch database):

- ``stats``: per article_id with passages, the counts of :func:`aggregate.article_verdicts`
- ``arts``: every article in input order (``_row``), its counts and verdict, ``_dup``,
  ``_outlet`` (outlet key, "(unknown)" when blank), ``_date`` (ISO dates only)
- ``synd``: per non-duplicate article, ``_ord`` (position in date order), ``_root``, story_id,
  story_size, n_outlets, and whether it is counted under ``once`` and under ``per-outlet``
"""
from __future__ import annotations

import json
from typing import Iterator

import numpy as np
import pandas as pd

from .. import aggregate as agg
from ..config import BOOTSTRAP_SAMPLES, RANDOM_STATE, SYNDICATION_THRESHOLD
from .source import Source, _ident

_WS = "' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13)"
_ISO = r"^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T ])"
_STAT_COLUMNS = ("passages", "topical_passages", "classified_passages", "conflates", "distinguishes",
                 "conflates_share", "distinguishes_share", "mean_p_conflates", "verdict")
_SYND_COLUMNS = ("story_id", "story_size", "n_outlets", "period", "counted")
STREAM_ROWS = 20_000  # rows per batch when a table is streamed out
_TEXT_CHUNK = 2000  # body texts hashed at a time (as aggregate._CHUNK)


def build(source: Source, *, threshold: float = SYNDICATION_THRESHOLD) -> None:
    """Create ``stats``, ``arts`` and ``synd`` for ``source``."""
    con = source.con
    con.execute("""
        CREATE TABLE stats AS SELECT article_id,
            count(*)::BIGINT AS passages,
            sum(topical::INT)::BIGINT AS topical_passages,
            sum((reason = 'classified')::INT)::BIGINT AS classified_passages,
            sum((reason = 'classified' AND label = 'conflates')::INT)::BIGINT AS conflates,
            sum((reason = 'classified' AND label = 'distinguishes')::INT)::BIGINT AS distinguishes,
            avg(CASE WHEN reason = 'classified' THEN p_conflates END) AS mean_p_conflates
        FROM passages GROUP BY article_id""")
    date = "a.date"
    parsed = (f"try_strptime(regexp_extract({date}, '{_ISO}', 1) || '-' || regexp_extract({date}, '{_ISO}', 2) "
              f"|| '-' || regexp_extract({date}, '{_ISO}', 3), '%Y-%m-%d')")
    clash = [_ident(c) for c in _STAT_COLUMNS if c in source.article_columns]
    own = f"a.* EXCLUDE ({', '.join(clash)})" if clash else "a.*"
    con.execute(f"""
        CREATE TABLE arts AS SELECT {own},
            coalesce(s.passages, 0)::BIGINT AS passages,
            coalesce(s.topical_passages, 0)::BIGINT AS topical_passages,
            coalesce(s.classified_passages, 0)::BIGINT AS classified_passages,
            coalesce(s.conflates, 0)::BIGINT AS conflates,
            coalesce(s.distinguishes, 0)::BIGINT AS distinguishes,
            s.conflates / CASE WHEN s.classified_passages > 0 THEN s.classified_passages END AS conflates_share,
            s.distinguishes / CASE WHEN s.classified_passages > 0 THEN s.classified_passages END AS distinguishes_share,
            s.mean_p_conflates,
            trim(a.duplicate_of, {_WS}) NOT IN ('', 'nan') AS _dup,
            CASE WHEN trim(a.outlet, {_WS}) IN ('', 'nan') THEN '{agg.UNKNOWN_OUTLET}' ELSE trim(a.outlet, {_WS}) END AS _outlet,
            {parsed} AS _date
        FROM articles_in a LEFT JOIN stats s USING (article_id)""")
    con.execute("""
        CREATE OR REPLACE TABLE arts AS SELECT * EXCLUDE (_dup),
            _dup,
            CASE WHEN _dup THEN ''
                 WHEN conflates > 0 AND distinguishes > 0 THEN 'mixed'
                 WHEN conflates > 0 THEN 'conflates'
                 WHEN distinguishes > 0 THEN 'distinguishes'
                 ELSE 'neither' END AS verdict
        FROM arts ORDER BY _row""")
    _syndication(source, threshold)


def _syndication(source: Source, threshold: float) -> None:
    """Stories of near-identical articles, as :func:`aggregate.syndication_groups`."""
    import pyarrow as pa

    con = source.con
    con.execute("""
        CREATE TABLE ord AS SELECT article_id, _row, _outlet,
            (row_number() OVER (ORDER BY _date NULLS LAST, _row) - 1)::BIGINT AS _ord
        FROM arts WHERE NOT _dup""")
    n = source.value("SELECT count(*) FROM ord")
    rows = agg._bands_for(threshold)
    keys = np.zeros((n, len(range(0, agg._MINHASH_BINS, rows))), dtype=np.uint64)
    has = np.zeros(n, dtype=bool)
    chunk_ords, chunk_texts = [], []

    def flush():
        if chunk_ords:
            sigs, found = agg._minhash(chunk_texts)
            keys[chunk_ords] = agg._band_keys(sigs, rows)
            has[chunk_ords] = found
            chunk_ords.clear()
            chunk_texts.clear()

    for ord_, text in _body_texts(source, "SELECT _ord FROM ord"):
        chunk_ords.append(ord_)
        chunk_texts.append(text)
        if len(chunk_ords) >= _TEXT_CHUNK:
            flush()
    flush()
    parent = np.arange(n)
    if n > 1 and has.any():
        pairs = agg._candidates(keys, has)
        needed = sorted({i for pair in pairs for i in pair})
        con.register("_needed", pa.table({"_ord": np.asarray(needed, dtype=np.int64)}))
        shingles = {o: agg._shingles(t) for o, t in _body_texts(source, "SELECT _ord FROM _needed")}
        con.unregister("_needed")
        for i, j in pairs:
            if agg._jaccard(shingles.get(i, _EMPTY), shingles.get(j, _EMPTY)) >= threshold:
                agg._union(parent, i, j)
        del shingles
    del keys, has
    roots = np.array([agg._find(parent, i) for i in range(n)], dtype=np.int64)
    con.register("_roots", pa.table({"_ord": np.arange(n, dtype=np.int64), "_root": roots}))
    con.execute("""
        CREATE TABLE synd AS
        WITH r AS (SELECT o.*, x._root FROM ord o JOIN _roots x USING (_ord)),
             g AS (SELECT _root, count(*)::BIGINT AS story_size, count(DISTINCT _outlet)::BIGINT AS n_outlets
                   FROM r GROUP BY _root),
             s AS (SELECT _root, article_id AS story_id FROM r WHERE _ord = _root)
        SELECT r.article_id, r._ord, r._root, s.story_id, g.story_size, g.n_outlets,
            row_number() OVER (PARTITION BY r._root ORDER BY r._ord) = 1 AS _keep_once,
            row_number() OVER (PARTITION BY r._root, r._outlet ORDER BY r._ord) = 1 AS _keep_per_outlet
        FROM r JOIN g USING (_root) JOIN s USING (_root)""")
    con.unregister("_roots")


_EMPTY = np.zeros(0, dtype=np.uint64)


def _body_texts(source: Source, ords_sql: str) -> Iterator[tuple[int, str]]:
    """(article position in date order, body text) for the articles ``ords_sql`` selects,
    the body passages joined with spaces in passage order; articles without one are skipped.

    ``framing run`` writes each article's passages together and in order, so the texts are
    read in file order and joined as they come, holding one article at a time; a table in
    any other order is sorted by DuckDB first (out of core, but its memory grows with the
    texts up to DuckDB's limit)."""
    if _passages_in_article_order(source):
        wanted = dict(source.con.execute(f"SELECT article_id, _ord FROM ord WHERE _ord IN ({ords_sql})").fetchall())
        reader = source.con.sql("SELECT article_id, text FROM passages WHERE kind = 'body'")  # file order
    else:
        wanted = None
        reader = source.con.sql(f"""
            SELECT o._ord, p.text FROM passages p JOIN ord o USING (article_id)
            WHERE p.kind = 'body' AND o._ord IN ({ords_sql})
            ORDER BY o._ord, p."index" """)
    current, texts = None, []
    for batch in reader.to_arrow_reader(STREAM_ROWS):
        for key, text in zip(batch.column(0).to_pylist(), batch.column(1).to_pylist()):
            if key != current:
                if texts:
                    yield current if wanted is None else wanted[current], " ".join(texts)
                current, texts = key, []
            if wanted is None or key in wanted:
                texts.append("" if text is None else str(text))
    if texts:
        yield current if wanted is None else wanted[current], " ".join(texts)


def _passages_in_article_order(source: Source) -> bool:
    """Whether each article's body passages are consecutive in the file and in index order."""
    runs, articles, backwards = source.con.execute("""
        WITH b AS (SELECT article_id, "index", lag(article_id) OVER w AS prev_id, lag("index") OVER w AS prev_index
                   FROM passages WHERE kind = 'body' WINDOW w AS (ORDER BY _row))
        SELECT count(*) FILTER (WHERE prev_id IS DISTINCT FROM article_id), count(DISTINCT article_id),
               count(*) FILTER (WHERE prev_id = article_id AND "index" <= prev_index)
        FROM b""").fetchall()[0]
    return runs == articles and backwards == 0


# --- counts for the page --------------------------------------------------------------------


def _keep(syndicated: str) -> str:
    return "_keep_once" if syndicated == "once" else "_keep_per_outlet"


def dropped(source: Source) -> dict[str, int]:
    """Syndicated copies left out of the counts under each choice."""
    once, per_outlet = source.con.execute(
        "SELECT count(*) FILTER (WHERE NOT _keep_once), count(*) FILTER (WHERE NOT _keep_per_outlet) FROM synd"
    ).fetchall()[0]
    return {"once": int(once), "per-outlet": int(per_outlet)}


def verdict_counts(source: Source) -> dict[str, int]:
    """Articles per verdict ("" for exact duplicates)."""
    return {v: int(n) for v, n in source.con.execute("SELECT verdict, count(*) FROM arts GROUP BY verdict").fetchall()}


def label_counts(source: Source) -> tuple[dict[str, int], list[int], list[float]]:
    """Labels of classified passages, and the histogram of their p(conflates) in ten bins of
    [0, 1] (``numpy.histogram``'s bins: the last one closed)."""
    labels = {lab: int(n) for lab, n in source.con.execute(
        "SELECT label, count(*) FROM passages WHERE reason = 'classified' GROUP BY label").fetchall()}
    edges = np.linspace(0, 1, 11)
    p = "least(greatest(p_conflates, 0.0), 1.0)"
    cases = " ".join(f"WHEN {p} < {float(edges[i + 1])!r} THEN {i}" for i in range(9))
    counts = dict(source.con.execute(
        f"SELECT CASE {cases} ELSE 9 END AS bin, count(*) FROM passages WHERE reason = 'classified' GROUP BY bin").fetchall())
    return labels, [int(counts.get(i, 0)) for i in range(10)], [float(e) for e in edges]


def errors(source: Source, limit: int) -> tuple[int, pd.DataFrame]:
    """How many input errors, and the first ``limit`` (source_path, record, reason)."""
    total = int(source.value("SELECT count(*) FROM errors"))
    head = source.df(f"SELECT source_path, record, reason FROM errors ORDER BY _row LIMIT {int(limit)}")
    return total, head


# --- group tables ----------------------------------------------------------------------------


def period_label(period: str) -> str:
    """SQL for the period label of ``arts._date`` (as :func:`aggregate.bucket_periods`)."""
    if period not in agg.PERIODS:
        raise ValueError(f"period must be one of {agg.PERIODS}, got {period!r}")
    label = {"year": "strftime(_date, '%Y')", "month": "strftime(_date, '%Y-%m')",
             "quarter": "CAST(year(_date) AS VARCHAR) || '-Q' || CAST(quarter(_date) AS VARCHAR)"}[period]
    return f"CASE WHEN _date IS NULL THEN '{agg.UNKNOWN_PERIOD}' ELSE {label} END"


def group_summary(source: Source, by: str | list[str], *, period: str, syndicated: str,
                  samples: int = BOOTSTRAP_SAMPLES, random_state: int = RANDOM_STATE) -> pd.DataFrame:
    """:func:`aggregate.group_summary` over the counted articles, from per-article sums."""
    keys = agg._group_keys(by)
    key_sql = {"outlet": "_outlet", "period": period_label(period), "all": "'all'"}
    select = ", ".join(f"{key_sql[k]} AS {_ident(k)}" for k in keys)
    out = source.df(f"""
        SELECT {select}, count(*) AS articles, sum(topical_passages) AS topical_passages,
            count(*) FILTER (WHERE classified_passages > 0) AS classified_articles,
            count(*) FILTER (WHERE verdict IN ('conflates', 'mixed')) AS _conf_articles,
            count(*) FILTER (WHERE verdict = 'conflates') AS _only,
            count(*) FILTER (WHERE verdict = 'mixed') AS mixed,
            sum(classified_passages) AS classified_passages, sum(conflates) AS conflates
        FROM arts JOIN synd USING (article_id) WHERE {_keep(syndicated)}
        GROUP BY ALL""")
    for key in keys:
        out[key] = out[key].astype(object)
    return agg.group_figures(out, keys, card=source.card, samples=samples, random_state=random_state)


# --- actors and evidence ---------------------------------------------------------------------

_GAZETTEER = f"""
    SELECT passage_id, article_id, CASE WHEN canonical <> '' THEN canonical ELSE text END AS actor,
        CASE label WHEN '{agg.PRIVATE_PILOT}' THEN 'private_pilot' ELSE 'state_system' END AS kind
    FROM entities WHERE label IN ('{agg.PRIVATE_PILOT}', '{agg.STATE_SYSTEM}')"""


def _conflating(syndicated: str) -> str:
    return (f"SELECT p.passage_id FROM passages p JOIN synd s USING (article_id) "
            f"WHERE s.{_keep(syndicated)} AND p.label = 'conflates'")


def actor_table(source: Source, *, syndicated: str) -> pd.DataFrame:
    """:func:`aggregate.actor_table` for the passages of counted articles."""
    cols = ["actor", "kind", "passages", "articles", "all_passages"]
    if not source.value(f"SELECT count(*) FROM ({_GAZETTEER})"):
        return pd.DataFrame(columns=cols)
    out = source.df(f"""
        WITH g AS ({_GAZETTEER}), c AS ({_conflating(syndicated)}),
             m AS (SELECT g.*, g.passage_id IN (SELECT passage_id FROM c) AS _c FROM g)
        SELECT actor, kind, count(DISTINCT passage_id) AS all_passages,
            count(DISTINCT passage_id) FILTER (WHERE _c) AS passages,
            count(DISTINCT article_id) FILTER (WHERE _c) AS articles
        FROM m GROUP BY actor, kind ORDER BY actor, kind""")
    for col in ("all_passages", "passages", "articles"):
        out[col] = out[col].astype("int64")
    for col in ("actor", "kind"):
        out[col] = out[col].astype(object)
    out = out[out["passages"] > 0].sort_values(["passages", "articles", "actor"], ascending=[False, False, True])
    return out[cols].reset_index(drop=True)


def actor_pairs(source: Source, *, syndicated: str) -> pd.DataFrame:
    """:func:`aggregate.actor_pairs` for the passages of counted articles."""
    cols = ["private_pilot", "state_system", "passages", "articles"]
    out = source.df(f"""
        WITH g AS ({_GAZETTEER}), c AS ({_conflating(syndicated)}),
             m AS (SELECT * FROM g WHERE passage_id IN (SELECT passage_id FROM c)),
             pp AS (SELECT DISTINCT passage_id, article_id, actor FROM m WHERE kind = 'private_pilot'),
             ss AS (SELECT DISTINCT passage_id, actor FROM m WHERE kind = 'state_system')
        SELECT pp.actor AS private_pilot, ss.actor AS state_system, count(DISTINCT pp.passage_id) AS passages,
            count(DISTINCT pp.article_id) AS articles
        FROM pp JOIN ss USING (passage_id) GROUP BY 1, 2 ORDER BY 1, 2""")
    if out.empty:
        return pd.DataFrame(columns=cols)
    for col in ("passages", "articles"):
        out[col] = out[col].astype("int64")
    for col in ("private_pilot", "state_system"):
        out[col] = out[col].astype(object)
    out = out.sort_values(["passages", "articles", "private_pilot", "state_system"], ascending=[False, False, True, True])
    return out[cols].reset_index(drop=True)


def evidence_table(source: Source, *, top_n: int) -> pd.DataFrame:
    """:func:`aggregate.evidence_table`: per outlet, the ``top_n`` most confident conflating
    and distinguishing passages, with their entities as JSON."""
    cols = ["outlet", "label", "rank", "confidence", "passage_id", "article_id", "title", "date",
            "source_path", "url", "text", "entities", "top_features", "evidence"]
    p = source.df(f"""
        SELECT a._outlet AS outlet, p.label,
            CASE WHEN p.label = 'conflates' THEN p.p_conflates ELSE p.p_distinguishes END AS confidence,
            p.passage_id, p.article_id, a.title, a.date, a.source_path, a.url, p.text, p.top_features, p.evidence
        FROM passages p JOIN arts a USING (article_id)
        WHERE NOT a._dup AND p.label IN ('conflates', 'distinguishes') AND p.reason = 'classified'
        QUALIFY row_number() OVER (PARTITION BY a._outlet, p.label
                                   ORDER BY confidence DESC, p.passage_id, p._row) <= {int(top_n)}""")
    if p.empty:
        return pd.DataFrame(columns=cols)
    for col in p.columns:
        if col != "confidence":
            p[col] = p[col].astype(object)
    p["confidence"] = p["confidence"].astype(float)
    p = p.sort_values(["outlet", "label", "confidence", "passage_id"], ascending=[True, True, False, True], kind="stable")
    p = p.assign(rank=p.groupby(["outlet", "label"], sort=False).cumcount() + 1)
    ents = entities_json(source, p["passage_id"].tolist())
    p["entities"] = [ents.get(pid, "[]") for pid in p["passage_id"]]
    return p[cols].reset_index(drop=True)


def entities_of(source: Source, passage_ids: list[str]) -> dict[str, list[dict]]:
    """passage_id -> its entities (text, label, canonical, start, end) in file order."""
    import pyarrow as pa

    if not passage_ids:
        return {}
    source.con.register("_pids", pa.table({"passage_id": pa.array(passage_ids, pa.string())}))
    try:
        rows = source.rows("SELECT passage_id, text, label, canonical, start, \"end\" FROM entities "
                           "WHERE passage_id IN (SELECT passage_id FROM _pids) ORDER BY _row")
    finally:
        source.con.unregister("_pids")
    out: dict[str, list[dict]] = {}
    for row in rows:
        out.setdefault(row["passage_id"], []).append(row)
    return out


def entities_json(source: Source, passage_ids: list[str]) -> dict[str, str]:
    """passage_id -> JSON list of its entities in text order (as aggregate._entities_json)."""
    out = {}
    for pid, ents in entities_of(source, passage_ids).items():
        ents = sorted(ents, key=lambda e: e["start"])
        out[pid] = json.dumps([{"text": str(e["text"]), "label": str(e["label"]), "canonical": str(e["canonical"]),
                                "start": int(e["start"]), "end": int(e["end"])} for e in ents], ensure_ascii=False)
    return out


# --- listings ---------------------------------------------------------------------------------


def articles_sql(source: Source, *, period: str, syndicated: str) -> str:
    """The articles table (every article, input order): the articles' own columns but the
    content hash, their counts and verdict, story, period and whether they are counted."""
    dropped_cols = {"content_hash", *_STAT_COLUMNS, *_SYND_COLUMNS}
    own = [c for c in source.article_columns if c not in dropped_cols]
    return f"""
        SELECT {', '.join('a.' + _ident(c) for c in own)},
            a.passages, a.topical_passages, a.classified_passages, a.conflates, a.distinguishes,
            a.conflates_share, a.distinguishes_share, a.mean_p_conflates, a.verdict,
            coalesce(s.story_id, '') AS story_id, coalesce(s.story_size, 0)::BIGINT AS story_size,
            coalesce(s.n_outlets, 0)::BIGINT AS n_outlets, {period_label(period).replace('_date', 'a._date')} AS period,
            coalesce(s.{_keep(syndicated)}, false) AS counted
        FROM arts a LEFT JOIN synd s USING (article_id) ORDER BY a._row"""


def syndication_sql() -> str:
    """Articles in stories of more than one copy, largest stories first."""
    return """
        SELECT s.story_id, s.article_id, a.outlet, a.date, a.title, s.story_size, s.n_outlets
        FROM synd s JOIN arts a USING (article_id) WHERE s.story_size > 1
        ORDER BY s.story_size DESC, s.story_id, a._row"""


def syndication_counts(source: Source) -> tuple[int, int]:
    """(stories with more than one copy, articles in them)."""
    stories, articles = source.con.execute(
        "SELECT count(DISTINCT story_id), count(*) FROM synd WHERE story_size > 1").fetchall()[0]
    return int(stories), int(articles)


def shown_articles(source: Source, *, limit: int, period: str, syndicated: str) -> pd.DataFrame:
    """The non-duplicate articles the page lists: all of them, or the ``limit`` with most
    conflating (then classified) passages, in input order among ties. ``_row`` is each
    article's position in the articles table (its anchor)."""
    total = int(source.value("SELECT count(*) FROM arts WHERE NOT _dup"))
    order = "t.conflates DESC, t.classified_passages DESC, a._row" if total > limit else "a._row"
    return source.df(f"""
        SELECT t.*, a._row FROM ({articles_sql(source, period=period, syndicated=syndicated)}) t
        JOIN arts a USING (article_id) WHERE NOT a._dup ORDER BY {order} LIMIT {int(limit)}""")


def passages_of(source: Source, article_ids: list[str]) -> dict[str, tuple[list[dict], int]]:
    """article_id -> (its topical or classified passages in order, how many passages in all)."""
    import pyarrow as pa

    if not article_ids:
        return {}
    source.con.register("_aids", pa.table({"article_id": pa.array(article_ids, pa.string())}))
    try:
        counts = dict(source.con.execute(
            "SELECT article_id, count(*) FROM passages WHERE article_id IN (SELECT article_id FROM _aids) "
            "GROUP BY article_id").fetchall())
        rows = source.rows("""
            SELECT passage_id, article_id, "index", text, kind, label, p_conflates, p_distinguishes, reason
            FROM passages WHERE article_id IN (SELECT article_id FROM _aids) AND (topical OR reason = 'classified')
            ORDER BY article_id, "index", _row""")
    finally:
        source.con.unregister("_aids")
    out: dict[str, tuple[list[dict], int]] = {aid: ([], int(n)) for aid, n in counts.items()}
    for row in rows:
        out[row["article_id"]][0].append(row)
    return out




def anchors(source: Source, article_ids: list[str]) -> dict[str, str]:
    """article_id -> the page anchor of its listing (``art-<position in the articles table>``)."""
    import pyarrow as pa

    if not article_ids:
        return {}
    source.con.register("_aids", pa.table({"article_id": pa.array(article_ids, pa.string())}))
    try:
        rows = source.con.execute("SELECT article_id, max(_row) FROM arts WHERE article_id IN "
                                  "(SELECT article_id FROM _aids) GROUP BY article_id").fetchall()
    finally:
        source.con.unregister("_aids")
    return {aid: f"art-{int(row)}" for aid, row in rows}
