"""A results folder opened in DuckDB: its tables as views with every column the report reads.

Nothing is loaded into Python here. The tables stay in their Parquet (or CSV) files and DuckDB
reads them in pieces under a memory limit, spilling to a temporary folder beyond it, so the
report's memory does not grow with the passage texts. Columns a folder lacks get their
defaults (as ``framing run`` would have written them) and blank text reads as ``""``.

Views: ``articles_in`` (every column of the articles table, in input order, ``_row`` = 0-based
position), ``passages``, ``entities`` (``_row`` = position in the file), ``errors``.
"""
from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..config import REPORT_MEMORY_LIMIT, REPORT_THREADS
from ..errors import FramingError

# column -> (SQL type, default); text columns read blanks as ''.
ARTICLE_COLUMNS = {
    "article_id": ("VARCHAR", "''"), "source_path": ("VARCHAR", "''"), "record": ("BIGINT", "NULL"),
    "title": ("VARCHAR", "''"), "outlet": ("VARCHAR", "''"), "date": ("VARCHAR", "''"), "url": ("VARCHAR", "''"),
    "n_passages": ("BIGINT", "0"), "duplicate_of": ("VARCHAR", "''"), "content_hash": ("VARCHAR", "''"),
}
PASSAGE_COLUMNS = {
    "passage_id": ("VARCHAR", "''"), "article_id": ("VARCHAR", "''"), "index": ("BIGINT", "0"),
    "start": ("BIGINT", "0"), "end": ("BIGINT", "0"), "text": ("VARCHAR", "''"), "kind": ("VARCHAR", "'body'"),
    "label": ("VARCHAR", "'neither'"), "p_conflates": ("DOUBLE", "0.0"), "p_distinguishes": ("DOUBLE", "0.0"),
    "p_neither": ("DOUBLE", "1.0"), "reason": ("VARCHAR", "'classified'"), "topical": ("BOOLEAN", "false"),
    "top_features": ("VARCHAR", "'[]'"), "evidence": ("VARCHAR", "'[]'"),
}
ENTITY_COLUMNS = {
    "passage_id": ("VARCHAR", "''"), "article_id": ("VARCHAR", "''"), "text": ("VARCHAR", "''"),
    "label": ("VARCHAR", "''"), "canonical": ("VARCHAR", "''"), "start": ("BIGINT", "0"), "end": ("BIGINT", "0"),
    "article_start": ("BIGINT", "0"), "article_end": ("BIGINT", "0"),
}
ERROR_COLUMNS = {"source_path": ("VARCHAR", "''"), "record": ("BIGINT", "NULL"), "reason": ("VARCHAR", "''")}


@dataclass
class Source:
    """An open results folder: the DuckDB connection, run.json, and the article columns
    beyond the known ones (carried through to the articles table)."""

    path: Path
    con: object
    run: dict
    article_columns: list[str] = field(default_factory=list)  # the file's, in its order, then missing known ones
    _scratch: Path | None = None

    @property
    def card(self) -> dict | None:
        card = (self.run.get("model") or {}).get("card")
        return card if isinstance(card, dict) else None

    def df(self, sql: str, params: list | None = None):
        """The result of a query as a pandas DataFrame (for small results only)."""
        return self.con.execute(sql, params or []).fetch_df()

    def rows(self, sql: str, params: list | None = None) -> list[dict]:
        cursor = self.con.execute(sql, params or [])
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def value(self, sql: str, params: list | None = None):
        return self.con.execute(sql, params or []).fetchall()[0][0]

    def close(self) -> None:
        self.con.close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)


def open_results(results_dir: str | Path) -> Source:
    """Open a results folder (each table as parquet, or csv if there is no parquet)."""
    import duckdb

    path = Path(results_dir)
    if not path.is_dir():
        raise FramingError(f"results folder {str(path)!r} does not exist", None, "run `framing run <input> --out <folder>` first")
    files = {name: _table_file(path, name) for name in ("articles", "passages", "entities", "errors")}
    for name in ("articles", "passages"):
        if files[name] is None:
            raise FramingError(f"no {name}.parquet or {name}.csv", str(path), "point to a folder written by `framing run`")
    run = _read_run(path)
    scratch = Path(tempfile.mkdtemp(prefix="framing-report-"))
    # A database file, not memory: tables the report builds can leave memory for disk too.
    con = duckdb.connect(str(scratch / "report.duckdb"))
    con.execute(f"SET memory_limit='{REPORT_MEMORY_LIMIT}'; SET threads={int(REPORT_THREADS)}; "
                f"SET temp_directory='{_sql_text(str(scratch / 'spill'))}'; SET enable_progress_bar=false")
    source = Source(path=path, con=con, run=run, _scratch=scratch)
    try:
        source.article_columns = _define(con, "articles_in", files["articles"], ARTICLE_COLUMNS, keep_extra=True)
        _define(con, "passages", files["passages"], PASSAGE_COLUMNS)
        _define(con, "entities", files["entities"], ENTITY_COLUMNS)
        _define(con, "errors", files["errors"], ERROR_COLUMNS)
    except FramingError:
        source.close()
        raise
    except Exception as exc:  # a truncated or foreign file: say which one
        source.close()
        raise FramingError(f"cannot read the results ({exc.__class__.__name__}: {str(exc).splitlines()[0]})", str(path),
                           "re-run `framing run` to rewrite the results") from exc
    return source


def _table_file(path: Path, name: str) -> Path | None:
    for suffix in ("parquet", "csv"):
        file = path / f"{name}.{suffix}"
        if file.is_file():
            return file
    return None


def _read_run(path: Path) -> dict:
    file = path / "run.json"
    if not file.is_file():
        return {}
    try:
        run = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FramingError(f"run.json is not valid JSON ({exc})", str(file), "re-run `framing run`") from exc
    return run if isinstance(run, dict) else {}


def _sql_text(text: str) -> str:
    return text.replace("'", "''")


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _define(con, view: str, file: Path | None, columns: dict, *, keep_extra: bool = False) -> list[str]:
    """Create ``view`` over ``file`` with ``columns`` (defaults for missing ones) and ``_row``;
    return the file's own column names."""
    if file is None:
        cols = ", ".join(f"CAST({default} AS {sqltype}) AS {_ident(col)}" for col, (sqltype, default) in columns.items())
        con.execute(f"CREATE VIEW {view} AS SELECT {cols}, 0::BIGINT AS _row WHERE false")
        return list(columns)
    where = _sql_text(str(file))
    if file.suffix == ".parquet":
        scan = f"read_parquet('{where}', file_row_number=true)"
        con.execute(f"CREATE VIEW {view}_file AS SELECT * FROM {scan}")
        row = "file_row_number"
    else:
        # Every field as text, blanks as NULL, as pandas reads them; typed below. Materialised,
        # so that rowid keeps the file's order.
        con.execute(f"CREATE TABLE {view}_file AS SELECT * FROM read_csv('{where}', all_varchar=true, header=true, "
                    "nullstr='', quote='\"', escape='\"')")
        row = "rowid"
    present = [d[0] for d in con.execute(f"SELECT * FROM {view}_file LIMIT 0").description]
    present = [c for c in present if c != "file_row_number"]
    exprs = {col: _column(col, sqltype, default, col in present, file.suffix == ".csv")
             for col, (sqltype, default) in columns.items()}
    if keep_extra:  # the file's columns in its order (unknown ones as they are), then the missing
        order = present + [c for c in columns if c not in present]
        exprs = {c: exprs.get(c, _ident(c)) for c in order}
    select = ", ".join(f"{expr} AS {_ident(col)}" for col, expr in exprs.items())
    con.execute(f"CREATE VIEW {view} AS SELECT {select}, {row}::BIGINT AS _row FROM {view}_file")
    return list(exprs)

def _column(col: str, sqltype: str, default: str, present: bool, csv: bool) -> str:
    if not present:
        return f"CAST({default} AS {sqltype})"
    ref = _ident(col)
    if col == "topical":  # true/1 in whatever type the file has
        return f"coalesce(lower(trim(CAST({ref} AS VARCHAR))) IN ('true', '1', '1.0'), false)"
    if sqltype == "VARCHAR" and csv:  # take off the ' that store.csv_safe_cell put before formula-like cells
        return (f"coalesce(CASE WHEN regexp_matches({ref}, '^''+[=+\\-@\t]') THEN substr({ref}, 2) "
                f"ELSE {ref} END, '')")
    if sqltype == "VARCHAR":
        return f"coalesce(CAST({ref} AS VARCHAR), '')"
    if sqltype == "DOUBLE":
        return f"coalesce(TRY_CAST({ref} AS DOUBLE), 0.0)"
    if csv:  # "3.0" as pandas writes an integer column with blanks
        return f"TRY_CAST(TRY_CAST({ref} AS DOUBLE) AS BIGINT)" if default == "NULL" else \
            f"coalesce(TRY_CAST(TRY_CAST({ref} AS DOUBLE) AS BIGINT), {default})"
    return f"TRY_CAST({ref} AS BIGINT)" if default == "NULL" else f"coalesce(TRY_CAST({ref} AS BIGINT), {default})"
